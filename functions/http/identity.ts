import type { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { createUser, releaseEmail, reserveEmail } from '../adapters/users-repo';
import { recordStaffSignIn } from '../adapters/staff-repo';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import type { RegisterBody, SessionBody } from '../shared/schemas';
import { issueCode, SMS_TEXT } from './one-time-codes';

async function register(req: HttpRequest<z.infer<typeof RegisterBody>>) {
  const { email, password, phoneNumber, acceptedTermsVersion } = req.body;
  const p = ports();
  if (acceptedTermsVersion !== config().termsVersion) {
    throw new DomainError('VALIDATION_ERROR', `The current terms are version ${config().termsVersion}`, {
      issues: [{ in: 'body', path: 'acceptedTermsVersion', message: `must be ${config().termsVersion}` }],
    });
  }
  const normalizedEmail = email.toLowerCase();
  const reservationId = randomUUID();
  if (!(await reserveEmail(normalizedEmail, reservationId, p.clock.now()))) {
    throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
  }
  let userId: string;
  try {
    ({ userId } = await createIdentityUser(normalizedEmail, password));
  } catch (e) {
    await releaseEmail(normalizedEmail, reservationId);
    throw e;
  }
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
    await code.send(phoneNumber, SMS_TEXT.phone);
  } catch (error) {
    // The account exists; the user can ask for another code.
    logger.error('phone code SMS failed', { userId, error: error as Error });
  }
  return { status: 201, body: { userId } };
}

/**
 * This sign-up holds the email's reservation, so a Cognito user that already has the
 * email is an orphan of a sign-up that died before its profile was written: it is
 * removed and the sign-up goes on.
 */
async function createIdentityUser(email: string, password: string) {
  const identity = ports().identity;
  try {
    return await identity.createUser(email, password);
  } catch (e) {
    if (!(e instanceof DomainError && e.code === 'EMAIL_TAKEN')) throw e;
    logger.warn('removing an orphaned sign-in without a profile');
    await identity.deleteUser(email);
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
