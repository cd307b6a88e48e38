import type { ChargeStatus } from '../domain/charge';
import { CHARGE_TIMEOUTS } from '../domain/policy';
import { WORKFLOW_ERRORS } from '../domain/saga';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { credit, debit, endAfterError, guardDebit, requireProcessing } from './charge-execution';
import { finish } from './charge-lifecycle';

/** The charge workflow's tasks (functions/workflow/tasks.ts runs them; the definition is lib/constructs/charge-definition.ts). */

/** How a waiting task is resumed when the charge has already moved on without it. */
async function resolveFromStatus(token: string, status: ChargeStatus, waitingFor: ChargeStatus) {
  const wf = ports().workflow;
  const after: ChargeStatus[] = waitingFor === 'PENDING_CONFIRMATION' ? ['PENDING_REVIEW', 'PROCESSING', 'COMPLETED'] : ['PROCESSING', 'COMPLETED'];
  if (after.includes(status)) return wf.succeed(token, { resumedFrom: status });
  const error = status === 'EXPIRED' ? WORKFLOW_ERRORS.expired : status === 'DECLINED' ? WORKFLOW_ERRORS.rejected : WORKFLOW_ERRORS.cancelled;
  return wf.fail(token, error, `charge is ${status}`);
}

/**
 * Hands the task token to the charge. If the user already confirmed (or the charge
 * ended) before the token arrived, the write is refused and this task resumes itself,
 * so no confirmation is lost to the race.
 */
export async function awaitConfirmation(e: { chargeId: string; userId: string; taskToken: string }) {
  const charges = stores().charges;
  if (await charges.awaitConfirmation(e.userId, e.chargeId, e.taskToken)) return { waiting: true };
  const charge = await charges.getCharge(e.userId, e.chargeId);
  await resolveFromStatus(e.taskToken, charge?.status ?? 'CANCELLED', 'PENDING_CONFIRMATION');
  return { waiting: false };
}

/** Opens the charge's review case with the task token; a decision that landed first resumes the task at once. */
export async function awaitReview(e: { chargeId: string; userId: string; taskToken: string }) {
  const { charges, reviews } = stores();
  const charge = await charges.getCharge(e.userId, e.chargeId);
  if (!charge || charge.status !== 'PENDING_REVIEW') {
    await resolveFromStatus(e.taskToken, charge?.status ?? 'CANCELLED', 'PENDING_REVIEW');
    return { waiting: false };
  }
  const opened = Date.parse(charge.updatedAt);
  const c = await reviews.openCaseWithToken(
    {
      caseId: reviews.caseIdFor(charge.chargeId),
      chargeId: charge.chargeId,
      userId: charge.userId,
      amount: charge.amount,
      reasons: charge.decision.reasons,
      ...(charge.decision.ruleVersion !== undefined ? { ruleVersion: charge.decision.ruleVersion } : {}),
      createdAt: charge.updatedAt,
      dueAt: new Date(opened + CHARGE_TIMEOUTS.reviewSlaSeconds * 1000).toISOString(),
      expiresAt: new Date(opened + CHARGE_TIMEOUTS.reviewSeconds * 1000).toISOString(),
    },
    e.taskToken,
  );
  if (c.caseStatus !== 'OPEN') {
    const fresh = await charges.getCharge(e.userId, e.chargeId);
    await resolveFromStatus(e.taskToken, fresh?.status ?? 'CANCELLED', 'PENDING_REVIEW');
    return { waiting: false };
  }
  // The decision may have landed between the read above and the token write.
  const fresh = await charges.getCharge(e.userId, e.chargeId);
  if (fresh && fresh.status !== 'PENDING_REVIEW') await resolveFromStatus(e.taskToken, fresh.status, 'PENDING_REVIEW');
  return { waiting: true, caseId: c.caseId };
}

/** DebitBank: the controls, then the bank. */
export async function debitCharge(e: { chargeId: string; userId: string }) {
  const charge = await requireProcessing(e.userId, e.chargeId);
  await guardDebit(charge);
  return debit(charge);
}

/** CreditWallet. */
export async function creditCharge(e: { chargeId: string; userId: string; bankTransactionId: string }): Promise<Record<string, unknown>> {
  // Another execution of this charge (one the sweeper resumed) credited it already: the credit is
  // done, and failing here would send this execution to ReverseDebit.
  const current = await stores().charges.getCharge(e.userId, e.chargeId);
  if (current?.status === 'COMPLETED') return { balance: (current.response?.body as { balance?: number } | undefined)?.balance, alreadyCredited: true };
  const charge = await requireProcessing(e.userId, e.chargeId);
  return credit(charge, e.bankTransactionId);
}

/** A Lambda error's Cause is the JSON of the error (errorMessage, errorType) in Step Functions; plain text elsewhere. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** ReverseDebit, the compensation: the caught error ends the charge as the saga's one table says. */
export async function reverseCharge(e: { chargeId: string; userId: string; error?: { Error?: string; Cause?: string } }) {
  const charge = (await stores().charges.getCharge(e.userId, e.chargeId))!;
  await endAfterError(charge, { name: e.error?.Error, message: causeMessage(e.error?.Cause) }, 'workflow');
  return { reversed: true };
}

/** The workflow's business endings (expired, cancelled, declined, failed). */
export async function finishCharge(e: {
  chargeId: string;
  userId: string;
  status: 'EXPIRED' | 'CANCELLED' | 'DECLINED' | 'FAILED';
  error?: { Error?: string };
}) {
  const charge = await finish(e.userId, e.chargeId, e.status, e.error?.Error ?? e.status);
  return { status: charge?.status ?? e.status };
}
