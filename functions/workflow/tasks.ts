import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { awaitConfirmation, awaitReview, creditCharge, debitCharge, finishCharge, reverseCharge } from '../app/charge-workflow';
import { withCorrelationId } from '../shared/correlation';
import { withinInvocation } from '../shared/deadline';
import { logger } from '../shared/logger';
import { powertools } from '../shared/powertools';

export type TaskEvent = { correlationId?: string } & (
  | { action: 'awaitConfirmation' | 'awaitReview'; chargeId: string; userId: string; taskToken: string }
  | { action: 'debit'; chargeId: string; userId: string }
  | { action: 'credit'; chargeId: string; userId: string; bankTransactionId: string }
  | { action: 'reverse'; chargeId: string; userId: string; error?: { Error?: string; Cause?: string } }
  | { action: 'finish'; chargeId: string; userId: string; status: 'EXPIRED' | 'CANCELLED' | 'DECLINED' | 'FAILED'; error?: { Error?: string } }
);

async function run(event: TaskEvent): Promise<Record<string, unknown>> {
  switch (event.action) {
    case 'awaitConfirmation':
      return awaitConfirmation(event);
    case 'awaitReview':
      return awaitReview(event);
    case 'debit':
      return debitCharge(event);
    case 'credit':
      return creditCharge(event);
    case 'reverse':
      return reverseCharge(event);
    case 'finish':
      return finishCharge(event);
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
