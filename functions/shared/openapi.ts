import * as z from 'zod';
import { ERROR_STATUS } from './errors';
import { ROUTES, type RouteDef } from './routes';
import { ErrorResponse } from './schemas';

const json = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(route: RouteDef) {
  const out: Record<string, unknown>[] = [];
  const add = (schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header') => {
    if (!schema) return;
    for (const [name, field] of Object.entries(schema.shape)) {
      out.push({ name, in: where, required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success, schema: json(field as z.ZodType, 'input') });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  add(route.headers, 'header');
  if (route.auth !== 'public') out.push({ name: 'X-Device-Id', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'Opaque device id; feeds risk' });
  return out;
}

/** OpenAPI 3.1 of the whole API, built from the route table and the very schemas that validate requests. */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const responses: Record<string, unknown> = {
      [route.status]: route.response
        ? { description: 'Success', content: { 'application/json': { schema: json(route.response, 'output') } } }
        : { description: 'Success' },
    };
    const byStatus = new Map<number, string[]>();
    // Any route that touches the table may answer 503 when DynamoDB still throttles after the SDK's retries.
    const always: (keyof typeof ERROR_STATUS)[] = route.fn === 'meta' ? ['VALIDATION_ERROR'] : ['VALIDATION_ERROR', 'SERVICE_UNAVAILABLE'];
    for (const code of new Set([...always, ...route.errors] as (keyof typeof ERROR_STATUS)[])) {
      const status = ERROR_STATUS[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    if (route.auth !== 'public') {
      byStatus.set(401, [...new Set([...(byStatus.get(401) ?? []), 'UNAUTHORIZED'])]);
    }
    if (route.auth === 'ops') byStatus.set(403, [...new Set([...(byStatus.get(403) ?? []), 'FORBIDDEN'])]);
    for (const [status, codes] of byStatus) {
      responses[status] = {
        description: `Error: ${codes.join(', ')}`,
        // RATE_LIMITED and every 503 say when to come back.
        ...(codes.includes('RATE_LIMITED') || status === 503 ? { headers: { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      tags: [route.auth === 'ops' ? 'operations' : route.auth === 'public' ? 'public' : 'user'],
      security: route.auth === 'public' ? [] : [{ cognito: [] }],
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(route.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Anshin Wallet API', version: '1.0.0', description: 'Amounts are integer yen. Errors are {"error":{"code","message","requestId"}}.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: { cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito access token' } },
      schemas: { Error: json(ErrorResponse, 'output') },
    },
    paths,
  };
}
