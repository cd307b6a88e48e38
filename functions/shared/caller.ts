import { DomainError } from './errors';

/**
 * Who calls: read from the verified token by the HTTP chain, and by the stores that name staff.
 * Apart from the middy chain (functions/shared/http.ts), so code that runs without HTTP can use it.
 */
export interface Caller {
  userId: string;
  groups: string[];
  isOps: boolean;
  /** Staff only: the e-mail the staff pool's token trigger puts into the access token. */
  email?: string;
}

/** The caller of a non-public route; the authorizer has already verified the token. */
export function callerOf(req: { caller?: Caller }): Caller {
  if (!req.caller) throw new DomainError('UNAUTHORIZED', 'A valid access token is required');
  return req.caller;
}

/** API Gateway flattens array claims to "[a b]"; the local gateway passes arrays. */
export function parseGroups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string' || claim === '') return [];
  return claim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}
