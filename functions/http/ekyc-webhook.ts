import type { z } from 'zod';
import { applyEkycResult, getEkycSession } from '../adapters/ekyc-repo';
import { getUser } from '../adapters/users-repo';
import { WEBHOOK_POLICY } from '../domain/policy';
import { verifyWebhook } from '../domain/webhook-signature';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import type { EkycWebhookBody } from '../shared/schemas';

async function checkSignature(headers: Record<string, string>, rawBody: string) {
  const p = ports();
  const { ekycWebhookSecret } = await p.secrets();
  if (!ekycWebhookSecret) {
    logger.error('eKYC webhook refused: ekycWebhookSecret is not set in the service secret (see README, Deploying)');
    throw new DomainError('SERVICE_UNAVAILABLE', 'Webhooks are not accepted yet', undefined, { 'retry-after': '300' });
  }
  const check = verifyWebhook(headers['x-ekyc-signature'], rawBody, ekycWebhookSecret, Math.floor(p.clock.now() / 1000), WEBHOOK_POLICY.toleranceSeconds);
  if (!check.valid) {
    logger.warn('eKYC webhook refused', { reason: check.reason });
    throw new DomainError('INVALID_SIGNATURE', 'The webhook signature is missing, stale or wrong');
  }
}

async function receive(req: HttpRequest<z.infer<typeof EkycWebhookBody>>) {
  const { eventId, ekycSessionId, result, identity } = req.body;
  if (result === 'APPROVED' && !identity) {
    throw new DomainError('VALIDATION_ERROR', 'An approval carries the verified identity', { issues: [{ in: 'body', path: 'identity', message: 'required when result is APPROVED' }] });
  }
  const session = await getEkycSession(ekycSessionId);
  if (!session) throw new DomainError('NOT_FOUND', 'Unknown eKYC session');
  const now = ports().clock.now();
  if (session.status !== 'PENDING') {
    // Either a replay of the event that closed it, or a second verdict: neither changes anything.
    return { status: 200, body: { received: true, applied: false } };
  }
  const user = await getUser(session.userId);
  const current = user?.ekycSessionId === session.sessionId;
  const applied = await applyEkycResult({
    eventId, session, result, identity, current, now,
    audit: {
      userId: session.userId, actor: 'provider:ekyc', action: result === 'APPROVED' ? 'KYC_VERIFIED' : 'KYC_REJECTED',
      details: { ekycSessionId, eventId, currentSession: current }, at: now,
    },
  });
  return { status: 200, body: { received: true, applied } };
}

export const handler = httpHandler('ekycWebhook', { 'POST /v1/webhooks/ekyc': receive }, { preflight: checkSignature });
