import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withinInvocation } from '../shared/deadline';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getCharge, type ChargeRecord } from '../adapters/charges-repo';
import { isConditionFailure, ddb } from '../store/dynamo';
import { caseIdFor, openCaseWithToken } from '../adapters/reviews-repo';
import type { ChargeStatus } from '../domain/charge';
import { CHARGE_TIMEOUTS } from '../domain/policy';
import { config } from '../shared/config';
import { withCorrelationId } from '../shared/correlation';
import { logger } from '../shared/logger';
import { powertools } from '../shared/powertools';
import { ports } from '../shared/runtime';
import { keys } from '../shared/table';
import { credit, debit, finish, guardDebit, requireProcessing, reverseAndFail } from './charge-steps';
import { WORKFLOW_ERRORS } from './errors';

export type TaskEvent = { correlationId?: string } & (
  | { action: 'awaitConfirmation' | 'awaitReview'; chargeId: string; userId: string; taskToken: string }
  | { action: 'debit'; chargeId: string; userId: string }
  | { action: 'credit'; chargeId: string; userId: string; bankTransactionId: string }
  | { action: 'reverse'; chargeId: string; userId: string; error?: { Error?: string; Cause?: string } }
  | { action: 'finish'; chargeId: string; userId: string; status: 'EXPIRED' | 'CANCELLED' | 'DECLINED' | 'FAILED'; error?: { Error?: string } }
);

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
 * ended) before the token arrived, the condition fails and this task resumes itself,
 * so no confirmation is lost to the race.
 */
async function awaitConfirmation(e: { chargeId: string; userId: string; taskToken: string }) {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keys.charge(e.userId, e.chargeId),
        UpdateExpression: 'SET confirmToken = :t',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':t': e.taskToken, ':pending': 'PENDING_CONFIRMATION' },
      }),
    );
    return { waiting: true };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  const charge = await getCharge(e.userId, e.chargeId);
  await resolveFromStatus(e.taskToken, charge?.status ?? 'CANCELLED', 'PENDING_CONFIRMATION');
  return { waiting: false };
}

async function awaitReview(e: { chargeId: string; userId: string; taskToken: string }) {
  const charge = await getCharge(e.userId, e.chargeId);
  if (!charge || charge.status !== 'PENDING_REVIEW') {
    await resolveFromStatus(e.taskToken, charge?.status ?? 'CANCELLED', 'PENDING_REVIEW');
    return { waiting: false };
  }
  const opened = Date.parse(charge.updatedAt);
  const c = await openCaseWithToken(
    {
      caseId: caseIdFor(charge.chargeId), chargeId: charge.chargeId, userId: charge.userId, amount: charge.amount, reasons: charge.decision.reasons,
      ...(charge.decision.ruleVersion !== undefined ? { ruleVersion: charge.decision.ruleVersion } : {}),
      createdAt: charge.updatedAt,
      dueAt: new Date(opened + CHARGE_TIMEOUTS.reviewSlaSeconds * 1000).toISOString(),
      expiresAt: new Date(opened + CHARGE_TIMEOUTS.reviewSeconds * 1000).toISOString(),
    },
    e.taskToken,
  );
  if (c.caseStatus !== 'OPEN') {
    const fresh = await getCharge(e.userId, e.chargeId);
    await resolveFromStatus(e.taskToken, fresh?.status ?? 'CANCELLED', 'PENDING_REVIEW');
    return { waiting: false };
  }
  // The decision may have landed between the read above and the token write.
  const fresh = await getCharge(e.userId, e.chargeId);
  if (fresh && fresh.status !== 'PENDING_REVIEW') await resolveFromStatus(e.taskToken, fresh.status, 'PENDING_REVIEW');
  return { waiting: true, caseId: c.caseId };
}

async function run(event: TaskEvent): Promise<Record<string, unknown>> {
  switch (event.action) {
    case 'awaitConfirmation':
      return awaitConfirmation(event);
    case 'awaitReview':
      return awaitReview(event);
    case 'debit': {
      const charge = await requireProcessing(event.userId, event.chargeId);
      await guardDebit(charge);
      return debit(charge);
    }
    case 'credit': {
      // Another execution of this charge (one the sweeper resumed) credited it already: the credit is
      // done, and failing here would send this execution to ReverseDebit.
      const current = await getCharge(event.userId, event.chargeId);
      if (current?.status === 'COMPLETED') return { balance: (current.response?.body as { balance?: number } | undefined)?.balance, alreadyCredited: true };
      const charge = await requireProcessing(event.userId, event.chargeId);
      return credit(charge, event.bankTransactionId);
    }
    case 'reverse': {
      const charge = (await getCharge(event.userId, event.chargeId)) as ChargeRecord;
      // A control that stopped the credit cancels the charge with the control's reason; anything else fails it.
      if (event.error?.Error === WORKFLOW_ERRORS.stopped) await reverseAndFail(charge, causeMessage(event.error.Cause) ?? 'CONTROL_FAILED', 'CANCELLED', 'system:charge-guard');
      else await reverseAndFail(charge, event.error?.Error ?? 'SAGA_COMPENSATION');
      return { reversed: true };
    }
    case 'finish': {
      const charge = await finish(event.userId, event.chargeId, event.status, event.error?.Error ?? event.status);
      return { status: charge?.status ?? event.status };
    }
  }
}

/** The charge workflow's one task handler; the state name picks the action. */
export const handler = middy(async (event: TaskEvent, context: Context) =>
  // The API request that started the execution (its input's correlationId) names every task's logs.
  withCorrelationId(event.correlationId ?? context.awsRequestId, async () => {
    logger.info('workflow task', { action: event.action, chargeId: event.chargeId });
    return withinInvocation(context, () => run(event));
  }),
).use(powertools());
