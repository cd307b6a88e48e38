import { randomUUID } from 'node:crypto';
import type { EmailReservation } from '../domain/user';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { logger } from '../shared/logger';
import { DEFAULT_LANG, SMS } from '../shared/messages';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { countSmsSend, issueCode } from './one-time-codes';
import type { Tokens } from './ports';

export interface Registration {
  email: string;
  password: string;
  phoneNumber: string;
  acceptedTermsVersion: string;
  /** The client's address: sign-ups are limited per address as well as per phone number. */
  sourceIp: string;
  deviceId?: string;
}

/** How long a dead sign-up's orphaned sign-in may be taken over; its reservation lives as long. */
const ORPHAN_MAX_AGE_MS = 86_400_000;

/**
 * Opens a wallet: the sign-in, the profile with its empty wallet, and a phone code by SMS. The email
 * is reserved first so two sign-ups of one address never both proceed; a sign-up that died after
 * creating its sign-in leaves an orphan the next sign-up of that email may remove.
 */
export async function register(input: Registration): Promise<{ userId: string }> {
  const { password, phoneNumber, acceptedTermsVersion } = input;
  const p = ports();
  const users = stores().users;
  const issues = [
    ...(acceptedTermsVersion !== config().termsVersion ? [{ in: 'body', path: 'acceptedTermsVersion', message: `must be ${config().termsVersion}` }] : []),
    ...[countryCodeIssue(phoneNumber)].filter((i) => i !== undefined),
  ];
  if (issues.length > 0) throw new DomainError('VALIDATION_ERROR', 'The request is not valid', { issues });
  // Secrets before any side effect: a secret that cannot be read must not leave a reserved email or a sign-in behind.
  await p.secrets();
  // Counted before anything is created or sent, whatever the outcome: a taken email costs an attempt too.
  await countSmsSend({ phoneNumber, sourceIp: input.sourceIp, now: p.clock.now() });
  const email = input.email.toLowerCase();
  const reservationId = randomUUID();
  const reservation = await users.reserveEmail(email, reservationId, p.clock.now());
  if (!reservation.held) throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
  let userId: string;
  try {
    ({ userId } = await createSignIn(email, password, reservation.previous, p.clock.now()));
  } catch (e) {
    await users.releaseEmail(email, reservationId);
    throw e;
  }
  await users.recordSignInCreated(email, reservationId, userId);
  p.faults.checkSignUp?.(email);
  const now = p.clock.now();
  const code = await issueCode(p, 'phone', userId, now, { sendsInWindow: 1, windowStart: now });
  await users.createUser(
    {
      userId,
      email,
      phoneNumber,
      phoneVerified: false,
      kycStatus: 'NONE',
      status: 'ACTIVE',
      createdAt: new Date(now).toISOString(),
      termsVersion: acceptedTermsVersion,
    },
    code.record,
    { userId, actor: `user:${userId}`, action: 'USER_REGISTERED', details: { termsVersion: acceptedTermsVersion, deviceId: input.deviceId }, at: now },
    reservationId,
    input.deviceId,
  );
  try {
    await code.send(phoneNumber, SMS.phoneCode[DEFAULT_LANG]);
  } catch (error) {
    // The account exists; the user can ask for another code.
    logger.error('phone code SMS failed', { userId, error: error as Error });
  }
  return { userId };
}

/**
 * Creates the sign-in. If one already has the email, it is removed only when it is provably
 * the orphan of our own sign-up that died before writing the profile: the stale reservation
 * this sign-up took over recorded exactly that sign-in's sub, it is recent, and it is in no
 * group. Anyone else (staff, users made by administrators) is never touched: the email is taken.
 */
async function createSignIn(email: string, password: string, previous: EmailReservation | undefined, now: number) {
  const identity = ports().identity;
  try {
    return await identity.createUser(email, password);
  } catch (e) {
    if (!(e instanceof DomainError && e.code === 'EMAIL_TAKEN')) throw e;
    if (!previous?.signInSub || previous.reservedAt < now - ORPHAN_MAX_AGE_MS) throw e;
    const existing = await identity.findUser(email);
    if (!existing || existing.userId !== previous.signInSub || existing.groups.length > 0) throw e;
    logger.warn('removing the sign-in a crashed sign-up left without a profile');
    await identity.deleteUser(existing.userId);
    return identity.createUser(email, password);
  }
}

/** The allow-list of country calling codes (E.164 codes are prefix-free, so a prefix match is exact): an issue naming the field, or none. */
export function countryCodeIssue(phoneNumber: string): { in: 'body'; path: 'phoneNumber'; message: string } | undefined {
  const allowed = config().smsAbuse.allowedCountryCodes;
  if (allowed.some((code) => phoneNumber.startsWith(code))) return undefined;
  return { in: 'body', path: 'phoneNumber', message: `must start with a supported country code (${allowed.join(', ')})` };
}

/** Signs in a wallet user or a member of staff (whose e-mail is kept for audit trails). */
export async function signIn(input: { email: string; password: string }): Promise<Tokens> {
  const email = input.email.toLowerCase();
  const tokens = await ports().identity.signIn(email, input.password);
  await stores().staff.recordStaffSignIn(tokens.accessToken, email, ports().clock.now());
  return tokens;
}
