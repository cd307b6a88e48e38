import { ERROR_STATUS } from './errors';
import { routeKey, type RouteDef } from './routes';
import { ErrorResponse } from './schemas';

/** An answer that breaks the route's contract (undeclared status, body off its schema): a bug, never sent. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/**
 * Local and test runs check every answer against its route (the cloud trusts the compiler):
 * the status must be declared, the body must parse with the status's schema.
 */
export function checkResponse(route: RouteDef, result: { status: number; body?: unknown }): void {
  const key = routeKey(route);
  const declared = result.status === route.status ? { schema: route.response } : (route.alsoReturns?.find((a) => a.status === result.status) ?? undefined);
  const isError = !declared && route.errors.some((code) => ERROR_STATUS[code] === result.status);
  if (!declared && !isError) throw new ContractViolation(`${key} answered ${result.status}, which its route does not declare`);
  const schema = declared ? ('schema' in declared ? declared.schema : declared.response) : ErrorResponse;
  if (!schema) {
    if (result.body !== undefined) throw new ContractViolation(`${key} answered ${result.status} with a body its route does not declare`);
    return;
  }
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) {
    throw new ContractViolation(
      `${key} answered ${result.status} off its schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    );
  }
}
