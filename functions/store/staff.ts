import type { Staff } from '../domain/staff';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/http';

/** Who the members of staff are, for audit trails and case owners (their e-mail, by sub). */
export interface StaffStore {
  /** The calling member of staff, named by the token's e-mail claim, else by what the sign-in recorded, else by sub. */
  staffOf(req: { caller?: Caller }): Promise<Staff>;
  /** Records the e-mail of an ops member who signed in (best effort: a sign-in never fails for it). */
  recordStaffSignIn(accessToken: string, email: string, now: number): Promise<void>;
}

/*
 * The two helpers below read what shared/http reads (the caller, the groups claim) without importing
 * it: that module is the middy chain, which the stores must not load (a workflow task or a test runs them
 * without HTTP). TODO(lead): one small shared module for both, after the merge.
 */

/** The caller behind a staff action; an ops route always has one (its authorizer checked the token). */
export function staffCaller(req: { caller?: Caller }): Caller {
  if (!req.caller) throw new DomainError('UNAUTHORIZED', 'A valid access token is required');
  return req.caller;
}

/**
 * The sub of an access token of the `ops` group, else undefined. Cognito's access token carries
 * the sub and groups but not the e-mail (with e-mail sign-in its `username` is the sub too).
 * The groups claim is a list, or (as API Gateway passes it on) a string like `[ops users]`.
 */
export function opsSubOf(accessToken: string): string | undefined {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const groups = claims['cognito:groups'];
  const list = Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? groups.replace(/^\[|\]$/g, '').split(/[\s,]+/) : [];
  return typeof claims.sub === 'string' && list.includes('ops') ? claims.sub : undefined;
}
