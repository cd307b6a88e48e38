import type { z } from 'zod';
import { applyBankEvent } from '../app/bank-events';
import { WEBHOOK_POLICY } from '../domain/policy';
import { verifyWebhook } from '../domain/webhook-signature';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import type { BankWebhookBody } from '../shared/schemas';

/** Checked on the raw body before it is parsed, as the eKYC webhook is; no secret set means nothing is accepted. */
async function checkSignature(headers: Record<string, string>, rawBody: string) {
  const p = ports();
  const { bankWebhookSecret } = await p.secrets();
  const check = bankWebhookSecret
    ? verifyWebhook(headers['x-bank-signature'], rawBody, bankWebhookSecret, Math.floor(p.clock.now() / 1000), WEBHOOK_POLICY.toleranceSeconds)
    : ({ valid: false, reason: 'NO_SECRET' } as const);
  if (!check.valid) {
    logger.warn('bank webhook refused', { reason: check.reason });
    throw new DomainError('INVALID_SIGNATURE', 'The webhook signature is missing, stale or wrong');
  }
}

async function receive(req: HttpRequest<z.infer<typeof BankWebhookBody>>) {
  if (req.body.type === 'HOLDER_BLOCKED_LINKING' && req.body.until && Date.parse(req.body.until) <= ports().clock.now()) {
    throw new DomainError('VALIDATION_ERROR', '`until` must be in the future', { issues: [{ in: 'body', path: 'until', message: 'must be in the future' }] });
  }
  return { status: 200, body: await applyBankEvent(req.body) };
}

export const handler = httpHandler('bankWebhook', { 'POST /v1/webhooks/bank': receive }, { preflight: checkSignature });
