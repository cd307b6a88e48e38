import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import type { Caller } from '../shared/caller';
import { keys } from '../shared/table';
import { ddb } from './dynamo';
import { staffMember, type Staff } from '../domain/staff';
import { opsSubOf, staffCaller, type StaffStore } from '../store/staff';


/**
 * Cognito's access token carries the sub and groups but not the e-mail (with e-mail sign-in its
 * `username` is the sub too), so the sign-in records the e-mail of every ops member it signs in.
 * Best effort: a sign-in never fails for it.
 */
export async function recordStaffSignIn(accessToken: string, email: string, now: number): Promise<void> {
  try {
    const sub = opsSubOf(accessToken);
    if (!sub) return;
    await ddb().send(new PutCommand({ TableName: config().tableName, Item: { ...keys.staff(sub), type: 'STAFF', staffId: sub, email, signedInAt: new Date(now).toISOString() } }));
  } catch {
    /* the e-mail is for display; the sub still identifies the member of staff */
  }
}

const cache = new Map<string, string>();

/** The calling member of staff, named by the token's e-mail claim, else by what the sign-in recorded, else by sub. */
export async function staffOf(req: { caller?: Caller }): Promise<Staff> {
  const { userId: id, email: claimed } = staffCaller(req);
  // In the cloud the staff pool's token trigger puts the e-mail into the access token.
  if (claimed) return staffMember(id, claimed);
  let email = cache.get(id);
  if (!email) {
    const out = await ddb().send(new GetCommand({ TableName: config().tableName, Key: keys.staff(id) }));
    email = (out.Item?.email as string | undefined) ?? id;
    if (out.Item) cache.set(id, email);
  }
  return staffMember(id, email);
}

export const staffStore: StaffStore = { staffOf, recordStaffSignIn };
