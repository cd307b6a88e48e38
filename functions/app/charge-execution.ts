import { randomUUID } from 'node:crypto';
import type { ChargeRecord, GuardReason, StoredResponse } from '../domain/charge';
import { chargePostings } from '../domain/ledger';
import { NOT_ME_TTL_DAYS, signNotMeToken } from '../domain/not-me-token';
import { sagaEnding, WORKFLOW_ERRORS, WorkflowError, type SagaEnding, type SagaPath } from '../domain/saga';
import { config } from '../shared/config';
import { DomainError, ERROR_STATUS } from '../shared/errors';
import { BANK_NOTICE_LANG, NOTICES } from '../shared/messages';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { finish, guardError, reverseAndFail } from './charge-lifecycle';

/**
 * A charge's money steps — debit at the bank, credit in the ledger, compensation — shared by
 * the low-risk path inside the API call (`executeNow`) and the workflow's tasks, so both move
 * money the same way and end the same way on an error (`endAfterError`, one table: domain/saga.ts).
 */

/** An answer of the charges API: what a charge stores (and replays), with the replay's headers. */
export type ChargeAnswer = StoredResponse & { headers?: Record<string, string> };

export const errorResponse = (code: keyof typeof ERROR_STATUS, message: string, requestId: string, details?: Record<string, unknown>): StoredResponse => ({
  status: ERROR_STATUS[code],
  body: { error: { code, message, requestId, ...(details ? { details } : {}) } },
});

export const completedResponse =
  (charge: Pick<ChargeRecord, 'chargeId'>) =>
  (balance: number): StoredResponse => ({
    status: 201,
    body: { chargeId: charge.chargeId, status: 'COMPLETED', balance },
  });

export async function requireProcessing(userId: string, chargeId: string): Promise<ChargeRecord> {
  const charge = await stores().charges.getCharge(userId, chargeId);
  if (!charge) throw new Error(`charge ${chargeId} not found`);
  if (charge.status !== 'PROCESSING') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, `charge is ${charge.status}`);
  return charge;
}

/**
 * The workflow's debit step starts with the charge's controls in one write: a charge whose
 * wallet, link or bank was stopped while it waited is cancelled (its debit voided) here.
 */
export async function guardDebit(charge: ChargeRecord): Promise<void> {
  const result = await stores().charges.checkDebit(charge, ports().clock.now());
  if (result === 'OK') return;
  if (result === 'STALE') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, 'the charge moved meanwhile');
  await reverseAndFail(charge, result, 'CANCELLED', 'system:charge-guard');
  throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, result);
}

/** The not-me link the bank sends the account holder with a notice of this charge (a hold, a debit). */
export async function notMeUrlFor(charge: Pick<ChargeRecord, 'linkId' | 'userId' | 'chargeId'>, kind: 'HOLD' | 'DEBITED', now: number): Promise<string> {
  const { notMeTokenKey } = await ports().secrets();
  const token = signNotMeToken(notMeTokenKey, {
    linkId: charge.linkId,
    userId: charge.userId,
    expiresAt: Math.floor(now / 1000) + NOT_ME_TTL_DAYS * 86400,
    tokenId: randomUUID(),
    event: { kind, at: Math.floor(now / 1000), chargeId: charge.chargeId },
  });
  return `${config().notMePageUrl}?token=${token}`;
}

/** The bank debit, keyed by the charge id: however often it runs, the bank moves the money once. */
export async function debit(charge: ChargeRecord): Promise<{ bankTransactionId: string }> {
  const p = ports();
  const now = p.clock.now();
  // The holder hears of every debit, not only of the link: each notice is another chance to say "not me".
  const notMeUrl = await notMeUrlFor(charge, 'DEBITED', now);
  const link = await stores().links.getLink(charge.userId, charge.linkId);
  const notice = {
    message: NOTICES.debited[BANK_NOTICE_LANG]({ accountMasked: link?.accountMasked ?? '', amount: charge.amount, at: now }),
    notMeUrl,
  };
  try {
    return await p.bank.debit({ bankCode: charge.bankCode, accountRef: charge.accountRef!, amount: charge.amount, idempotencyKey: charge.chargeId, notice });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'BANK_DECLINED') throw new WorkflowError(WORKFLOW_ERRORS.bankDeclined, e.message);
    if (e instanceof DomainError && e.code === 'BANK_UNAVAILABLE') throw new WorkflowError(WORKFLOW_ERRORS.bankUnavailable, e.message);
    throw e;
  }
}

/**
 * The ledger credit; retried on a concurrent balance change, refused (for reversal) at the cap.
 * `balanceHint`: the balance the caller read moments ago; a stale one costs one retry, a right one saves a read.
 */
export async function credit(charge: ChargeRecord, bankTransactionId: string, balanceHint?: number): Promise<{ balance: number }> {
  const p = ports();
  const { charges, users } = stores();
  p.faults.check('beforeCredit');
  const withTx = { ...charge, bankTransactionId };
  for (let attempt = 0; attempt < 12; attempt++) {
    const wallet = attempt === 0 && balanceHint !== undefined ? { balance: balanceHint } : await users.getWallet(charge.userId);
    if (!wallet) throw new Error(`wallet of ${charge.userId} missing`);
    const entry = {
      entryId: `ent_${charge.chargeId.slice(4)}`,
      type: 'CHARGE' as const,
      postings: chargePostings(charge.userId, charge.bankCode, charge.amount),
    };
    const result = await charges.credit(withTx, entry, p.clock.now(), completedResponse(charge), wallet.balance);
    if (result === 'CREDITED') return { balance: wallet.balance + charge.amount };
    if (result === 'ALREADY') return { balance: ((await charges.getCharge(charge.userId, charge.chargeId))?.response?.body as { balance: number }).balance };
    if (result === 'CAP') throw new WorkflowError(WORKFLOW_ERRORS.creditRejected, 'the wallet would exceed its balance cap');
    // A control failed after the debit: the compensation cancels the charge and gives the debit back.
    if (result !== 'STALE') throw new WorkflowError(WORKFLOW_ERRORS.stopped, result);
    const fresh = await charges.getCharge(charge.userId, charge.chargeId);
    if (fresh?.status !== 'PROCESSING') throw new WorkflowError(WORKFLOW_ERRORS.chargeClosed, `charge is ${fresh?.status}`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
  }
  throw new WorkflowError(WORKFLOW_ERRORS.ledgerBusy, 'the wallet kept changing; retry');
}

/**
 * Ends a charge after a saga error, as `sagaEnding` says, on either path. Inside the API call no
 * execution stands behind the request, so a reversal the bank refuses now would be retried by
 * nothing: ops are paged (as the workflow's ReversalFailed does) and the error goes on.
 */
export async function endAfterError(charge: ChargeRecord, error: { name?: string; message?: string }, path: SagaPath): Promise<SagaEnding> {
  const ending = sagaEnding(error, path);
  if (ending.end === 'FAIL') await finish(charge.userId, charge.chargeId, ending.status, ending.reason, ending.actor);
  if (ending.end !== 'REVERSE') return ending;
  try {
    await reverseAndFail(charge, ending.reason, ending.status, ending.actor);
  } catch (failure) {
    if (path === 'request') {
      await ports()
        .alerts.notify(
          'Debit reversal failed',
          `Charge ${charge.chargeId} (${charge.amount} yen, bank ${charge.bankCode}) ended ${ending.status} (${ending.reason}) but its debit could not be reversed: reverse it by hand; npm run reconcile shows it.`,
        )
        .catch(() => undefined);
    }
    throw failure;
  }
  return ending;
}

/** The answer inside the API call for a charge the saga ended. */
function endedAnswer(ending: Extract<SagaEnding, { end: 'FAIL' | 'REVERSE' }>, chargeId: string, requestId: string): StoredResponse {
  if (ending.reason === 'BANK_DECLINED') return errorResponse('CHARGE_DECLINED', 'The bank declined the debit', requestId, { reasons: ['BANK_DECLINED'] });
  if (ending.reason === 'BALANCE_CAP')
    return errorResponse('LIMIT_EXCEEDED', 'The wallet would exceed its balance cap', requestId, { reasons: ['BALANCE_CAP'] });
  // A control failed at the credit (a freeze or switch-off raced this request): the debit went back.
  const stop = guardError(ending.reason as GuardReason, chargeId);
  return errorResponse(stop.code, stop.message, requestId, stop.details);
}

/**
 * The low-risk path: debit and credit inside the API call, with the saga's compensation on failure.
 * `replay`: the answer when another writer closed the charge first.
 */
export async function executeNow(
  charge: ChargeRecord,
  requestId: string,
  balanceHint: number | undefined,
  replay: () => Promise<ChargeAnswer>,
): Promise<ChargeAnswer> {
  const p = ports();
  try {
    const { bankTransactionId } = await debit(charge);
    p.faults.check('afterDebit');
    const { balance } = await credit(charge, bankTransactionId, balanceHint);
    return { status: 201, body: { chargeId: charge.chargeId, status: 'COMPLETED', balance } };
  } catch (e) {
    if (!(e instanceof WorkflowError)) throw e; // a crash: the charge stays PROCESSING and the sweeper finishes it
    const ending = await endAfterError(charge, e, 'request');
    if (ending.end === 'CLOSED') return replay();
    if (ending.end === 'RETRY') {
      await p.workflow.start(`${charge.chargeId}-x`, { chargeId: charge.chargeId, userId: charge.userId, outcome: 'ALLOW', stage: 'EXECUTE' });
      return { status: 202, body: { chargeId: charge.chargeId, status: 'PROCESSING' } };
    }
    const response = endedAnswer(ending, charge.chargeId, requestId);
    await stores().charges.setResponse(charge, response);
    return response;
  }
}
