import type { BankEvent, BankEventResult } from '../domain/bank';
import { accountHash } from '../domain/bank-link';
import { WEBHOOK_POLICY } from '../domain/policy';
import { verifyWebhook } from '../domain/webhook-signature';
import { DomainError } from '../shared/errors';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { cancelWaiting } from './charge-lifecycle';
import { freezeWallet } from './wallet-controls';

const DAY = 86_400_000;
/** Wallets that charged from a compromised account this recently are frozen. */
export const COMPROMISED_LOOKBACK_DAYS = 30;
/** How long a compromised account stays locked for new links (ops can see it in the audit). */
export const COMPROMISED_LOCK_DAYS = 90;

export type { BankEvent, BankEventResult } from '../domain/bank';

/** Checked on the raw body before it is parsed, as the eKYC webhook is; no secret set means nothing is accepted. */
export async function checkBankSignature(signature: string | undefined, rawBody: string): Promise<void> {
  const p = ports();
  const { bankWebhookSecret } = await p.secrets();
  const check = bankWebhookSecret
    ? verifyWebhook(signature, rawBody, bankWebhookSecret, Math.floor(p.clock.now() / 1000), WEBHOOK_POLICY.toleranceSeconds)
    : ({ valid: false, reason: 'NO_SECRET' } as const);
  if (!check.valid) {
    logger.warn('bank webhook refused', { reason: check.reason });
    throw new DomainError('INVALID_SIGNATURE', 'The webhook signature is missing, stale or wrong');
  }
}

/** A signed event as the bank delivers it: a lock must end in the future, then the event applies (once). */
export async function receiveBankEvent(e: BankEvent): Promise<BankEventResult> {
  if (e.type === 'HOLDER_BLOCKED_LINKING' && e.until && Date.parse(e.until) <= ports().clock.now()) {
    throw new DomainError('VALIDATION_ERROR', '`until` must be in the future', { issues: [{ in: 'body', path: 'until', message: 'must be in the future' }] });
  }
  return applyBankEvent(e);
}

/**
 * The bank as a partner (mutual checks): a bank tells us an account is compromised, or that
 * its holder asked to block wallet links. Each event applies once: it is recorded first, each
 * step is idempotent, and a redelivery of an event that stopped half-way finishes it.
 */
export async function applyBankEvent(e: BankEvent): Promise<BankEventResult> {
  const p = ports();
  const { links, banks, charges } = stores();
  const now = p.clock.now();
  const seen = await banks.receiveEvent(e, now);
  if (seen.result) return { ...seen.result, applied: false };
  const hash = accountHash((await p.secrets()).accountKey, e);
  const actor = `bank:${e.bankCode}`;
  const result: BankEventResult = { received: true, applied: true, suspendedLinks: 0, frozenWallets: 0, cancelledCharges: 0 };
  const audit = (userId: string, action: string, details: Record<string, unknown> = {}) =>
    ({ userId, actor, action, reason: e.type, details: { eventId: e.eventId, bankCode: e.bankCode, ...details }, at: now });

  if (e.type === 'HOLDER_BLOCKED_LINKING') {
    const until = e.until ? Date.parse(e.until) : now + COMPROMISED_LOCK_DAYS * DAY;
    await links.lockAccount(hash, until, 'HOLDER_BLOCKED_LINKING', audit(`bank-${e.bankCode}`, 'BANK_ACCOUNT_LOCKED', { until: new Date(until).toISOString() }));
  } else {
    try {
      await p.alerts.notify('Bank reports a compromised account', `Bank ${e.bankCode} reported an account as compromised (event ${e.eventId}): suspending its links, cancelling their waiting charges, freezing wallets that charged from it in ${COMPROMISED_LOOKBACK_DAYS} days.`);
    } catch (error) {
      logger.error('ops alert failed', { error: error as Error });
    }
    if (!(await links.getAccountLock(hash, now))) {
      await links.lockAccount(hash, now + COMPROMISED_LOCK_DAYS * DAY, 'ACCOUNT_COMPROMISED', audit(`bank-${e.bankCode}`, 'BANK_ACCOUNT_LOCKED'));
    }
    const accountLinks = (await links.linksOfAccount(hash)).filter((l) => l.bankCode === e.bankCode);
    const since = now - COMPROMISED_LOOKBACK_DAYS * DAY;
    for (const link of accountLinks) {
      // Suspended, not removed: the link keeps its claim on the account until ops settle the case.
      if (link.status === 'ACTIVE' && (await links.moveLink(link, 'SUSPENDED', now, audit(link.userId, 'LINK_SUSPENDED', { linkId: link.linkId })))) result.suspendedLinks += 1;
      result.cancelledCharges += (await cancelWaiting(link.userId, 'ACCOUNT_COMPROMISED', actor, (c) => c.linkId === link.linkId)).length;
      const charged = (await charges.listCharges(link.userId)).some((c) => c.linkId === link.linkId && Date.parse(c.createdAt) >= since && ['COMPLETED', 'PROCESSING'].includes(c.status));
      if (charged) {
        const frozen = await freezeWallet(link.userId, 'BANK_ACCOUNT_COMPROMISED', actor, { eventId: e.eventId, linkId: link.linkId });
        if (frozen.frozen) result.frozenWallets += 1;
        result.cancelledCharges += frozen.cancelledCharges.length;
      }
    }
  }
  await banks.finishEvent(e, result);
  return result;
}
