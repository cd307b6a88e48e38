import { creditWallet, finishUnsuccessfully, getCharge, transactGuarded, type ChargeRecord, type StoredResponse } from '../adapters/charges-repo';
import { keys } from '../shared/table';
import { cancellationReasons } from '../store/dynamo';
import { caseIdFor, closeCaseItem } from '../adapters/reviews-repo';
import { getWallet } from '../adapters/users-repo';
import { transact } from '../store/dynamo';
import { chargePostings } from '../domain/ledger';
import type { ChargeStatus } from '../domain/charge';
import { randomUUID } from 'node:crypto';
import { NOT_ME_TTL_DAYS, signNotMeToken } from '../domain/not-me-token';
import { getLink } from '../adapters/links-repo';
import { config } from '../shared/config';
import { BANK_NOTICE_LANG, NOTICES } from '../shared/messages';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { WORKFLOW_ERRORS, WorkflowError } from './errors';

/**
 * The saga steps of a charge, shared by the low-risk path inside the API call and
 * by the workflow's task handler, so both move money the same way.
 */
export async function requireProcessing(userId: string, chargeId: string): Promise<ChargeRecord> {
  const charge = await getCharge(userId, chargeId);
  if (!charge) throw new Error(`charge ${chargeId} not found`);
  if (charge.status !== 'PROCESSING') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, `charge is ${charge.status}`);
  return charge;
}

/**
 * The workflow's debit step starts with the charge's controls in one transaction: a charge
 * whose wallet, link or bank was stopped while it waited is cancelled (its debit voided) here.
 */
export async function guardDebit(charge: ChargeRecord): Promise<void> {
  const p = ports();
  const result = await transactGuarded(
    [{
      Update: {
        TableName: config().tableName,
        Key: keys.charge(charge.userId, charge.chargeId),
        UpdateExpression: 'SET debitCheckedAt = :at',
        ConditionExpression: '#st = :processing',
        ExpressionAttributeNames: { '#st': 'status' },
        ExpressionAttributeValues: { ':at': new Date(p.clock.now()).toISOString(), ':processing': 'PROCESSING' },
      },
    }],
    charge,
  );
  if (result === 'OK') return;
  if (result === 'STALE') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, 'the charge moved meanwhile');
  await reverseAndFail(charge, result, 'CANCELLED', 'system:charge-guard');
  throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, result);
}

/** The bank debit, keyed by the charge id: however often it runs, the bank moves the money once. */
export async function debit(charge: ChargeRecord): Promise<{ bankTransactionId: string }> {
  const p = ports();
  // The holder hears of every debit, not only of the link: each notice is another chance to say "not me".
  const { notMeTokenKey } = await p.secrets();
  const now = p.clock.now();
  const token = signNotMeToken(notMeTokenKey, {
    linkId: charge.linkId, userId: charge.userId, expiresAt: Math.floor(now / 1000) + NOT_ME_TTL_DAYS * 86400, tokenId: randomUUID(),
    event: { kind: 'DEBITED', at: Math.floor(now / 1000), chargeId: charge.chargeId },
  });
  const link = await getLink(charge.userId, charge.linkId);
  const notice = {
    message: NOTICES.debited[BANK_NOTICE_LANG]({ accountMasked: link?.accountMasked ?? '', amount: charge.amount, at: now }),
    notMeUrl: `${config().notMePageUrl}?token=${token}`,
  };
  try {
    return await p.bank.debit({ bankCode: charge.bankCode, accountRef: charge.accountRef!, amount: charge.amount, idempotencyKey: charge.chargeId, notice });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'BANK_DECLINED') throw new WorkflowError(WORKFLOW_ERRORS.bankDeclined, e.message);
    if (e instanceof DomainError && e.code === 'BANK_UNAVAILABLE') throw new WorkflowError(WORKFLOW_ERRORS.bankUnavailable, e.message);
    throw e;
  }
}

export const completedResponse = (charge: Pick<ChargeRecord, 'chargeId'>) => (balance: number): StoredResponse => ({
  status: 201,
  body: { chargeId: charge.chargeId, status: 'COMPLETED', balance },
});

/** The ledger credit; retried on a concurrent balance change, refused (for reversal) at the cap. */
/** `balanceHint`: the balance the caller read moments ago; a stale one costs one retry, a right one saves a read. */
export async function credit(charge: ChargeRecord, bankTransactionId: string, balanceHint?: number): Promise<{ balance: number }> {
  const p = ports();
  p.faults.check('beforeCredit');
  const withTx = { ...charge, bankTransactionId };
  for (let attempt = 0; attempt < 12; attempt++) {
    const wallet = attempt === 0 && balanceHint !== undefined ? { balance: balanceHint } : await getWallet(charge.userId);
    if (!wallet) throw new Error(`wallet of ${charge.userId} missing`);
    const entry = { entryId: `ent_${charge.chargeId.slice(4)}`, type: 'CHARGE' as const, postings: chargePostings(charge.userId, charge.bankCode, charge.amount) };
    const result = await creditWallet(withTx, entry, p.clock.now(), completedResponse(charge), wallet.balance);
    if (result === 'CREDITED') return { balance: wallet.balance + charge.amount };
    if (result === 'ALREADY') return { balance: ((await getCharge(charge.userId, charge.chargeId))?.response?.body as { balance: number }).balance };
    if (result === 'CAP') throw new WorkflowError(WORKFLOW_ERRORS.creditRejected, 'the wallet would exceed its balance cap');
    // A control failed after the debit: the compensation cancels the charge and gives the debit back.
    if (result !== 'STALE') throw new WorkflowError(WORKFLOW_ERRORS.stopped, result);
    const fresh = await getCharge(charge.userId, charge.chargeId);
    if (fresh?.status !== 'PROCESSING') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, `charge is ${fresh?.status}`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
  }
  throw new WorkflowError(WORKFLOW_ERRORS.ledgerBusy, 'the wallet kept changing; retry');
}

/**
 * Compensation: the charge fails, then the debit is reversed (or voided, if it never happened).
 * Failing first makes a credit impossible (it is conditional on PROCESSING), so a reversal can
 * never race a credit written by another execution of the same charge; and a charge that was
 * credited meanwhile keeps its debit. Both steps are idempotent, so a retry finishes the job.
 */
export async function reverseAndFail(charge: ChargeRecord, reason: string, status: 'FAILED' | 'CANCELLED' = 'FAILED', actor = 'system:charge-saga'): Promise<void> {
  const p = ports();
  const ended = await finishUnsuccessfully(charge.userId, charge.chargeId, status, p.clock.now(), actor, reason);
  if (ended.charge?.status === 'COMPLETED') return;
  const { reversed } = await p.bank.reverseDebit({ bankCode: charge.bankCode, accountRef: charge.accountRef!, amount: charge.amount, idempotencyKey: charge.chargeId });
  if (reversed) emit(METRIC.debitReversed, 1);
}

export async function finish(userId: string, chargeId: string, status: ChargeStatus, reason: string, actor = 'system:charge-workflow') {
  const now = ports().clock.now();
  const ended = await finishUnsuccessfully(userId, chargeId, status, now, actor, reason);
  // A charge that ends while waiting for a human takes its case out of the queue.
  if (ended.charge?.decision.outcome === 'REVIEW') await closeCaseIfOpen(caseIdFor(chargeId), now, actor, `charge ${ended.charge.status}`);
  return ended.charge;
}

export async function closeCaseIfOpen(caseId: string, now: number, actor: string, note: string) {
  try {
    await transact([closeCaseItem(caseId, 'CLOSED', now, actor, note)]);
  } catch (e) {
    if (!cancellationReasons(e)) throw e;
  }
}
