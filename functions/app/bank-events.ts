import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { listCharges } from '../adapters/charges-repo';
import { ddb, isConditionFailure } from '../store/dynamo';
import { getAccountLock, linksOfAccount, lockAccount, moveLink } from '../adapters/links-repo';
import { accountHash } from '../domain/bank-link';
import { config } from '../shared/config';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import { cancelWaiting } from './charge-lifecycle';
import { freezeWallet } from './wallet-controls';

const DAY = 86_400_000;
/** Wallets that charged from a compromised account this recently are frozen. */
export const COMPROMISED_LOOKBACK_DAYS = 30;
/** How long a compromised account stays locked for new links (ops can see it in the audit). */
export const COMPROMISED_LOCK_DAYS = 90;

export interface BankEvent {
  eventId: string;
  type: 'ACCOUNT_COMPROMISED' | 'HOLDER_BLOCKED_LINKING';
  bankCode: string;
  branchCode: string;
  accountNumber: string;
  until?: string;
}

export interface BankEventResult {
  received: true;
  applied: boolean;
  suspendedLinks: number;
  frozenWallets: number;
  cancelledCharges: number;
}

/**
 * The bank as a partner (mutual checks): a bank tells us an account is compromised, or that
 * its holder asked to block wallet links. Each event applies once: it is recorded first, each
 * step is idempotent, and a redelivery of an event that stopped half-way finishes it.
 */
export async function applyBankEvent(e: BankEvent): Promise<BankEventResult> {
  const p = ports();
  const table = config().tableName;
  const eventKey = { pk: `BANKEVENT#${e.bankCode}#${e.eventId}`, sk: 'EVENT' };
  const seen = await ddb().send(new GetCommand({ TableName: table, Key: eventKey, ConsistentRead: true }));
  if (seen.Item?.result) return { ...(seen.Item.result as BankEventResult), applied: false };
  const now = p.clock.now();
  if (!seen.Item) {
    try {
      await ddb().send(new PutCommand({ TableName: table, Item: { ...eventKey, type: 'BANK_EVENT', event: e, receivedAt: new Date(now).toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
  const hash = accountHash((await p.secrets()).accountKey, e);
  const actor = `bank:${e.bankCode}`;
  const result: BankEventResult = { received: true, applied: true, suspendedLinks: 0, frozenWallets: 0, cancelledCharges: 0 };
  const audit = (userId: string, action: string, details: Record<string, unknown> = {}) =>
    ({ userId, actor, action, reason: e.type, details: { eventId: e.eventId, bankCode: e.bankCode, ...details }, at: now });

  if (e.type === 'HOLDER_BLOCKED_LINKING') {
    const until = e.until ? Date.parse(e.until) : now + COMPROMISED_LOCK_DAYS * DAY;
    await lockAccount(hash, until, 'HOLDER_BLOCKED_LINKING', audit(`bank-${e.bankCode}`, 'BANK_ACCOUNT_LOCKED', { until: new Date(until).toISOString() }));
  } else {
    try {
      await p.alerts.notify('Bank reports a compromised account', `Bank ${e.bankCode} reported an account as compromised (event ${e.eventId}): suspending its links, cancelling their waiting charges, freezing wallets that charged from it in ${COMPROMISED_LOOKBACK_DAYS} days.`);
    } catch (error) {
      logger.error('ops alert failed', { error: error as Error });
    }
    if (!(await getAccountLock(hash, now))) {
      await lockAccount(hash, now + COMPROMISED_LOCK_DAYS * DAY, 'ACCOUNT_COMPROMISED', audit(`bank-${e.bankCode}`, 'BANK_ACCOUNT_LOCKED'));
    }
    const links = (await linksOfAccount(hash)).filter((l) => l.bankCode === e.bankCode);
    const since = now - COMPROMISED_LOOKBACK_DAYS * DAY;
    for (const link of links) {
      // Suspended, not removed: the link keeps its claim on the account until ops settle the case.
      if (link.status === 'ACTIVE' && (await moveLink(link, 'SUSPENDED', now, audit(link.userId, 'LINK_SUSPENDED', { linkId: link.linkId })))) result.suspendedLinks += 1;
      result.cancelledCharges += (await cancelWaiting(link.userId, 'ACCOUNT_COMPROMISED', actor, (c) => c.linkId === link.linkId)).length;
      const charged = (await listCharges(link.userId)).some((c) => c.linkId === link.linkId && Date.parse(c.createdAt) >= since && ['COMPLETED', 'PROCESSING'].includes(c.status));
      if (charged) {
        const frozen = await freezeWallet(link.userId, 'BANK_ACCOUNT_COMPROMISED', actor, { eventId: e.eventId, linkId: link.linkId });
        if (frozen.frozen) result.frozenWallets += 1;
        result.cancelledCharges += frozen.cancelledCharges.length;
      }
    }
  }
  await ddb().send(new UpdateCommand({ TableName: table, Key: eventKey, UpdateExpression: 'SET #r = if_not_exists(#r, :r)', ExpressionAttributeNames: { '#r': 'result' }, ExpressionAttributeValues: { ':r': result } }));
  return result;
}
