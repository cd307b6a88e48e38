import { randomUUID } from 'node:crypto';
import type { EkycResult } from '../domain/ekyc';
import { WEBHOOK_POLICY } from '../domain/policy';
import type { VerifiedIdentity } from '../domain/user';
import { verifyWebhook } from '../domain/webhook-signature';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import { stores } from '../store';

/** Opens an eKYC session at the provider; the user finishes it at `redirectUrl` and the provider calls the webhook. */
export async function startEkyc(input: { userId: string }): Promise<{ ekycSessionId: string; redirectUrl: string }> {
  const { userId } = input;
  const p = ports();
  const user = await stores().users.requireUser(userId);
  if (user.status === 'FROZEN') throw new DomainError('ACCOUNT_FROZEN', 'This wallet is frozen');
  if (!user.phoneVerified) throw new DomainError('PHONE_UNVERIFIED', 'Verify your phone number first');
  if (user.kycStatus === 'VERIFIED') throw new DomainError('KYC_ALREADY_VERIFIED', 'Identity is already verified');
  const session = await p.ekyc.startSession({ reference: randomUUID(), callbackUrl: `${config().publicBaseUrl}/v1/webhooks/ekyc` });
  const now = p.clock.now();
  await stores().ekyc.openEkycSession(
    { sessionId: session.sessionId, userId, status: 'PENDING', createdAt: new Date(now).toISOString() },
    { userId, actor: `user:${userId}`, action: 'EKYC_STARTED', details: { ekycSessionId: session.sessionId }, at: now },
  );
  return { ekycSessionId: session.sessionId, redirectUrl: session.redirectUrl };
}

/** The provider's signature on a webhook call (`X-Ekyc-Signature`), checked before its body is even parsed. */
export async function checkEkycSignature(signature: string | undefined, rawBody: string): Promise<void> {
  const p = ports();
  const { ekycWebhookSecret } = await p.secrets();
  if (!ekycWebhookSecret) {
    logger.error('eKYC webhook refused: ekycWebhookSecret is not set in the service secret (see README, Deploying)');
    throw new DomainError('SERVICE_UNAVAILABLE', 'Webhooks are not accepted yet', undefined, { 'retry-after': '300' });
  }
  const check = verifyWebhook(signature, rawBody, ekycWebhookSecret, Math.floor(p.clock.now() / 1000), WEBHOOK_POLICY.toleranceSeconds);
  if (!check.valid) {
    logger.warn('eKYC webhook refused', { reason: check.reason });
    throw new DomainError('INVALID_SIGNATURE', 'The webhook signature is missing, stale or wrong');
  }
}

/**
 * A provider verdict: applied once per event, to a session still waiting for one; it sets the user's
 * status only if the session is still the user's current one (a later session supersedes it).
 */
export async function receiveEkycResult(input: {
  eventId: string;
  ekycSessionId: string;
  result: EkycResult;
  identity?: VerifiedIdentity;
}): Promise<{ received: true; applied: boolean }> {
  const { eventId, ekycSessionId, result, identity } = input;
  if (result === 'APPROVED' && !identity) {
    throw new DomainError('VALIDATION_ERROR', 'An approval carries the verified identity', {
      issues: [{ in: 'body', path: 'identity', message: 'required when result is APPROVED' }],
    });
  }
  const { users, ekyc } = stores();
  const session = await ekyc.getEkycSession(ekycSessionId);
  if (!session) throw new DomainError('NOT_FOUND', 'Unknown eKYC session');
  const now = ports().clock.now();
  // Either a replay of the event that closed it, or a second verdict: neither changes anything.
  if (session.status !== 'PENDING') return { received: true, applied: false };
  const user = await users.getUser(session.userId);
  const current = user?.ekycSessionId === session.sessionId;
  const applied = await ekyc.applyEkycResult({
    eventId,
    session,
    result,
    identity,
    current,
    now,
    audit: {
      userId: session.userId,
      actor: 'provider:ekyc',
      action: result === 'APPROVED' ? 'KYC_VERIFIED' : 'KYC_REJECTED',
      details: { ekycSessionId, eventId, currentSession: current },
      at: now,
    },
  });
  return { received: true, applied };
}
