import type { z } from 'zod';
import { createUser, emailOwner } from '../adapters/users-repo';
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
  const { userId } = await createIdentityUser(normalizedEmail, password);
  const now = p.clock.now();
  const code = await issueCode(p, 'phone', userId, now, { sendsInWindow: 1, windowStart: now });
  await createUser(
    {
      userId, email: normalizedEmail, phoneNumber, phoneVerified: false, kycStatus: 'NONE', status: 'ACTIVE',
      createdAt: new Date(now).toISOString(), termsVersion: acceptedTermsVersion,
    },
    code.record,
    { userId, actor: `user:${userId}`, action: 'USER_REGISTERED', details: { termsVersion: acceptedTermsVersion, deviceId: req.deviceId }, at: now },
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

/** Pauses (ms) before each re-check of a sign-in without a profile; together longer than any sign-up takes. */
const IN_FLIGHT_RECHECKS_MS = [100, 200, 400, 800, 1500];

/**
 * A Cognito user whose profile write never happened (a crash between the two)
 * holds the email without an account: it is removed and the sign-up goes on.
 * A sign-in without a profile may also be a sign-up of the same email still in
 * flight (a double submit, a race): it gets time to write its profile first, or
 * its user would be deleted under it and its account left without a sign-in.
 */
async function createIdentityUser(email: string, password: string) {
  const identity = ports().identity;
  try {
    return await identity.createUser(email, password);
  } catch (e) {
    if (!(e instanceof DomainError && e.code === 'EMAIL_TAKEN') || (await emailOwner(email))) throw e;
    for (const ms of IN_FLIGHT_RECHECKS_MS) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (await emailOwner(email)) throw e;
    }
    logger.warn('removing an orphaned sign-in without a profile');
    await identity.deleteUser(email);
    return identity.createUser(email, password);
  }
}

async function signIn(req: HttpRequest<z.infer<typeof SessionBody>>) {
  const tokens = await ports().identity.signIn(req.body.email.toLowerCase(), req.body.password);
  return { status: 200, body: tokens };
}

export const handler = httpHandler('identity', {
  'POST /v1/users': register,
  'POST /v1/sessions': signIn,
});
