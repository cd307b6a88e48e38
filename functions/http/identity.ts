import type { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { countSmsSend, countryCodeIssue } from '../adapters/sms-limits';
import { createUser, recordSignInCreated, releaseEmail, reserveEmail, type EmailReservation } from '../adapters/users-repo';
import { recordStaffSignIn } from '../adapters/staff-repo';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import type { RegisterBody, SessionBody } from '../shared/schemas';
import { DEFAULT_LANG, SMS } from '../shared/messages';
import { issueCode } from './one-time-codes';

async function register(req: HttpRequest<z.infer<typeof RegisterBody>>) {
  const { email, password, phoneNumber, acceptedTermsVersion } = req.body;
  const p = ports();
  const issues = [
    ...(acceptedTermsVersion !== config().termsVersion ? [{ in: 'body', path: 'acceptedTermsVersion', message: `must be ${config().termsVersion}` }] : []),
    ...[countryCodeIssue(phoneNumber)].filter((i) => i !== undefined),
  ];
  if (issues.length > 0) throw new DomainError('VALIDATION_ERROR', 'The request is not valid', { issues });
  // Secrets before any side effect: a secret that cannot be read must not leave a reserved email or a Cognito user behind.
  await p.secrets();
  // Counted before anything is created or sent, whatever the outcome: a taken email costs an attempt too.
  await countSmsSend({ phoneNumber, sourceIp: req.sourceIp, now: p.clock.now() });
  const normalizedEmail = email.toLowerCase();
  const reservationId = randomUUID();
  const reservation = await reserveEmail(normalizedEmail, reservationId, p.clock.now());
  if (!reservation.held) throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
  let userId: string;
  try {
    ({ userId } = await createIdentityUser(normalizedEmail, password, reservation.previous, p.clock.now()));
  } catch (e) {
    await releaseEmail(normalizedEmail, reservationId);
    throw e;
  }
  await recordSignInCreated(normalizedEmail, reservationId, userId);
  p.faults.checkSignUp?.(normalizedEmail);
  const now = p.clock.now();
  const code = await issueCode(p, 'phone', userId, now, { sendsInWindow: 1, windowStart: now });
  await createUser(
    {
      userId, email: normalizedEmail, phoneNumber, phoneVerified: false, kycStatus: 'NONE', status: 'ACTIVE',
      createdAt: new Date(now).toISOString(), termsVersion: acceptedTermsVersion,
    },
    code.record,
    { userId, actor: `user:${userId}`, action: 'USER_REGISTERED', details: { termsVersion: acceptedTermsVersion, deviceId: req.deviceId }, at: now },
    reservationId,
    req.deviceId,
  );
  try {
    await code.send(phoneNumber, SMS.phoneCode[DEFAULT_LANG]);
  } catch (error) {
    // The account exists; the user can ask for another code.
    logger.error('phone code SMS failed', { userId, error: error as Error });
  }
  return { status: 201, body: { userId } };
}

/** How long a dead sign-up's orphaned sign-in may be taken over; its reservation lives as long. */
const ORPHAN_MAX_AGE_MS = 86_400_000;

/**
 * Creates the Cognito user. If one already has the email, it is removed only when it is
 * provably the orphan of our own sign-up that died before writing the profile: the stale
 * reservation this sign-up took over recorded exactly that user's sub, it is recent, and
 * the user is in no group. Anyone else (staff, users made by administrators) is never
 * touched: the email is taken.
 */
async function createIdentityUser(email: string, password: string, previous: EmailReservation | undefined, now: number) {
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

async function signIn(req: HttpRequest<z.infer<typeof SessionBody>>) {
  const tokens = await ports().identity.signIn(req.body.email.toLowerCase(), req.body.password);
  await recordStaffSignIn(tokens.accessToken, req.body.email.toLowerCase(), ports().clock.now());
  return { status: 200, body: tokens };
}

export const handler = httpHandler('identity', {
  'POST /v1/users': register,
  'POST /v1/sessions': signIn,
});
