import type { ChargeRecord, ChargeStatus, GuardReason } from '../domain/charge';
import { isFinal } from '../domain/charge';
import { WORKFLOW_ERRORS } from '../domain/saga';
import { DomainError, type ErrorCode } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores } from '../store';

/**
 * A charge's life, and the controls that hold at every step of it.
 *
 *   PENDING_HOLD ─availableAt (sweeper)─────────────────────────→ PROCESSING
 *   PENDING_CONFIRMATION ─confirm─┬→ PENDING_REVIEW ─approve─┐
 *                                 └──────────────────────────┴→ PROCESSING ─debit→ (bank) ─credit→ COMPLETED
 *   create (ALLOW) ───────────────────────────────────────────→ PROCESSING
 *
 * Every arrow toward money (create, confirm, approve, debit, credit) is one atomic write of the
 * charges store with the charge's controls: the wallet ACTIVE, the link ACTIVE, the bank's charging on.
 * When a control fails the charge is stopped here: a charge still waiting ends CANCELLED;
 * one that may already have been debited (PROCESSING) ends CANCELLED and its debit is
 * reversed (or voided, so a late debit is refused). The caller answers with `guardError`.
 */
export const WAITING: ChargeStatus[] = ['PENDING_HOLD', 'PENDING_CONFIRMATION', 'PENDING_REVIEW'];
export const isWaiting = (s: ChargeStatus) => WAITING.includes(s);

const GUARD_ERROR: Record<GuardReason, { code: ErrorCode; message: string }> = {
  WALLET_FROZEN: { code: 'ACCOUNT_FROZEN', message: 'This wallet is frozen; the charge was cancelled' },
  LINK_NOT_ACTIVE: { code: 'CHARGE_DECLINED', message: 'The bank link is no longer active; the charge was cancelled' },
  BANK_SUSPENDED: { code: 'BANK_SUSPENDED', message: 'Charging from this bank is suspended; the charge was cancelled' },
};

/** The contract's answer for a charge stopped by a control. */
export function guardError(reason: GuardReason, chargeId?: string): DomainError {
  const { code, message } = GUARD_ERROR[reason];
  return new DomainError(code, message, { reasons: [reason], ...(chargeId ? { chargeId, status: 'CANCELLED' } : {}) }, code === 'BANK_SUSPENDED' ? { 'retry-after': '3600' } : undefined);
}

/**
 * Stops a charge that has not been credited, whatever step it is at, and ends its
 * workflow's wait. Idempotent: a charge that already ended is left as it is.
 */
export async function stopCharge(charge: ChargeRecord, reason: string, actor: string): Promise<ChargeRecord | undefined> {
  const p = ports();
  if (isFinal(charge.status)) return charge;
  if (charge.status === 'PROCESSING') {
    // The debit may have run: reverse it (a void if it never did). A credited charge is left alone.
    await reverseAndFail(charge, reason, 'CANCELLED', actor);
    return stores().charges.getCharge(charge.userId, charge.chargeId);
  }
  const ended = await finish(charge.userId, charge.chargeId, 'CANCELLED', reason, actor);
  // A held charge has no execution yet: nothing waits on a token.
  if (ended?.status === 'CANCELLED' && charge.status !== 'PENDING_HOLD') {
    const { charges, reviews } = stores();
    const token =
      charge.status === 'PENDING_CONFIRMATION' ? (await charges.getCharge(charge.userId, charge.chargeId))?.confirmToken : (await reviews.getCase(reviews.caseIdFor(charge.chargeId)))?.taskToken;
    if (token) await p.workflow.fail(token, WORKFLOW_ERRORS.cancelled, reason);
  }
  return ended;
}

/**
 * Cancels the wallet's charges that still wait for a code or a human (those `which` picks).
 * The wallet's activity item lists them, so this never reads the wallet's whole history.
 */
export async function cancelWaiting(userId: string, reason: string, actor: string, which: (c: ChargeRecord) => boolean = () => true): Promise<string[]> {
  const { charges } = stores();
  const activity = await charges.getActivity(userId);
  const cancelled: string[] = [];
  for (const chargeId of Object.keys(activity.waiting)) {
    const charge = await charges.getCharge(userId, chargeId);
    if (!charge || !isWaiting(charge.status) || !which(charge)) continue;
    const ended = await stopCharge(charge, reason, actor);
    if (ended?.status === 'CANCELLED') cancelled.push(chargeId);
  }
  return cancelled;
}

/** A bank's charging switched off: every waiting charge from it is cancelled. */
export async function cancelBankCharges(bankCode: string, actor: string): Promise<string[]> {
  const store = stores().charges;
  const { charges } = await store.openCharges();
  const cancelled: string[] = [];
  for (const open of charges.filter((c) => c.bankCode === bankCode && isWaiting(c.status))) {
    const charge = await store.getCharge(open.userId, open.chargeId);
    if (!charge || !isWaiting(charge.status)) continue;
    const ended = await stopCharge(charge, 'BANK_SUSPENDED', actor);
    if (ended?.status === 'CANCELLED') cancelled.push(charge.chargeId);
  }
  return cancelled;
}

/**
 * The wallet's waiting list without the charges that no longer wait (moved on to the bank,
 * ended, or never created: a creation still in flight keeps its slot for a minute).
 * Read only when the wallet is at its cap, so the common path reads nothing more.
 */
export async function pruneWaiting(userId: string, waiting: Record<string, number>, now: number): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(waiting).map(async ([chargeId, at]) => {
      const charge = await stores().charges.getCharge(userId, chargeId);
      const still = charge ? isWaiting(charge.status) : now - at < 60_000;
      return [chargeId, at, still] as const;
    }),
  );
  const gone = entries.filter(([, , still]) => !still).map(([id]) => id);
  await stores().charges.dropFromWaiting(userId, gone);
  return Object.fromEntries(entries.filter(([, , still]) => still).map(([id, at]) => [id, at]));
}

/**
 * Compensation: the charge ends, then the debit is reversed (or voided, if it never happened).
 * Ending first makes a credit impossible (it is conditional on PROCESSING), so a reversal can
 * never race a credit written by another execution of the same charge; and a charge that was
 * credited meanwhile keeps its debit. Both steps are idempotent, so a retry finishes the job.
 */
export async function reverseAndFail(charge: ChargeRecord, reason: string, status: 'FAILED' | 'CANCELLED' = 'FAILED', actor = 'system:charge-saga'): Promise<void> {
  const p = ports();
  const ended = await stores().charges.finishUnsuccessfully(charge.userId, charge.chargeId, status, p.clock.now(), actor, reason);
  if (ended.charge?.status === 'COMPLETED') return;
  const { reversed } = await p.bank.reverseDebit({ bankCode: charge.bankCode, accountRef: charge.accountRef!, amount: charge.amount, idempotencyKey: charge.chargeId });
  if (reversed) emit(METRIC.debitReversed, 1);
}

/** Ends a charge that moved no money (once); one that waited for a human takes its case out of the queue. */
export async function finish(userId: string, chargeId: string, status: ChargeStatus, reason: string, actor = 'system:charge-workflow') {
  const now = ports().clock.now();
  const { charges, reviews } = stores();
  const ended = await charges.finishUnsuccessfully(userId, chargeId, status, now, actor, reason);
  if (ended.charge?.decision.outcome === 'REVIEW') await reviews.closeCase(reviews.caseIdFor(chargeId), now, actor, `charge ${ended.charge.status}`);
  return ended.charge;
}
