import type { Staff } from '../domain/staff';
import { callerOf, parseGroups, type Caller } from '../shared/caller';

/** Who the members of staff are, for audit trails and case owners (their e-mail, by sub). */
export interface StaffStore {
  /** The calling member of staff, named by the token's e-mail claim, else by what the sign-in recorded, else by sub. */
  staffOf(req: { caller?: Caller }): Promise<Staff>;
  /** Records the e-mail of an ops member who signed in (best effort: a sign-in never fails for it). */
  recordStaffSignIn(accessToken: string, email: string, now: number): Promise<void>;
}

/** The caller behind a staff action; an ops route always has one (its authorizer checked the token). */
export const staffCaller = callerOf;

/**
 * The sub of an access token of the `ops` group, else undefined. Cognito's access token carries
 * the sub and groups but not the e-mail (with e-mail sign-in its `username` is the sub too).
 * The groups claim is a list, or (as API Gateway passes it on) a string like `[ops users]`.
 */
export function opsSubOf(accessToken: string): string | undefined {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return typeof claims.sub === 'string' && parseGroups(claims['cognito:groups']).includes('ops') ? claims.sub : undefined;
}
