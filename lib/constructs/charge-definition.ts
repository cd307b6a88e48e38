import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { FunctionName } from '../../functions/shared/catalog';
import { CHARGE_TIMEOUTS } from '../../functions/domain/policy';
import { WORKFLOW_ERRORS as E } from '../../functions/workflow/errors';

/** What Lambda answers when the function's or the account's concurrency is used up. */
export const LAMBDA_THROTTLES = ['Lambda.TooManyRequestsException', 'Lambda.ResourceConflictException', 'Lambda.EC2ThrottledException'];

/** Every function of the catalog by name; the definition picks its task Lambda from here. */
export type WorkflowTasks = Record<FunctionName, lambda.IFunction>;

/**
 * The charge saga for charges that are not allowed outright (and for low-risk charges
 * whose bank answer was lost). JSONPath only: the local runner (aws-local-stepfunctions)
 * ignores JSONata and runs this very definition, synthesized by CDK.
 *
 *   Route ─┬─ CONFIRM → AwaitConfirmation ─ NeedsReview? ─┬─ AwaitReview ─┐
 *          ├─ REVIEW  → AwaitReview                        └──────────────┴→ DebitBank → CreditWallet → Completed
 *          └─ EXECUTE → DebitBank
 *   timeouts / Expired → ExpireCharge · Cancelled → CancelCharge · Rejected → DeclineCharge
 *   BankDeclined → FailCharge · debit outcome unknown or credit impossible → ReverseDebit (compensation)
 *
 * Each step writes its result under `$.steps.<step>`; caught errors land in `$.steps.error`.
 * Business endings (expired, cancelled, declined, compensated) succeed; only a reversal or
 * an ending that cannot be written fails the execution, which pages ops.
 */
export function chargeWorkflowDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const fn = fns.chargeWorkflow;
  // Every engine start names a correlationId (functions/shared/correlation.ts), so each task logs the API request behind it.
  const ids = { chargeId: sfn.JsonPath.stringAt('$.chargeId'), userId: sfn.JsonPath.stringAt('$.userId'), correlationId: sfn.JsonPath.stringAt('$.correlationId') };
  const errorPath = '$.steps.error';

  /**
   * LambdaInvoke retries Lambda's service errors by itself, but not throttling: at payday load a
   * throttled task would otherwise fall into the catch-all and end the charge. Added first, so it
   * comes before any States.ALL retrier.
   */
  const retryThrottles = (t: tasks.LambdaInvoke) => {
    t.addRetry({ errors: LAMBDA_THROTTLES, interval: Duration.seconds(1), maxAttempts: 8, backoffRate: 2, maxDelay: Duration.seconds(30), jitterStrategy: sfn.JitterType.FULL });
    return t;
  };

  const invoke = (id: string, action: string, extra: Record<string, unknown> = {}, resultPath = `$.steps.${id.charAt(0).toLowerCase()}${id.slice(1)}`) =>
    retryThrottles(
      new tasks.LambdaInvoke(scope, id, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject({ action, ...ids, ...extra }),
        resultSelector: { 'value.$': '$.Payload' },
        resultPath,
      }),
    );

  const callback = (id: string, action: string, timeoutSeconds: number, resultPath: string) =>
    retryThrottles(
      new tasks.LambdaInvoke(scope, id, {
        lambdaFunction: fn,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ action, ...ids, taskToken: sfn.JsonPath.taskToken }),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(timeoutSeconds)),
        resultPath,
      }),
    );

  const ended = new sfn.Succeed(scope, 'Ended', { comment: 'The charge ended without moving money' });
  const finishFailed = new sfn.Fail(scope, 'FinishFailed', { error: 'FinishFailed', cause: 'The charge could not be ended; the sweeper will retry' });
  const finishTask = (id: string, status: string) => {
    const t = invoke(id, 'finish', { status, 'error.$': errorPath }, '$.steps.finish');
    t.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
    t.addCatch(finishFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });
    return t.next(ended);
  };
  const expire = finishTask('ExpireCharge', 'EXPIRED');
  const cancel = finishTask('CancelCharge', 'CANCELLED');
  const decline = finishTask('DeclineCharge', 'DECLINED');
  const failCharge = finishTask('FailCharge', 'FAILED');

  const reversalFailed = new sfn.Fail(scope, 'ReversalFailed', { error: 'ReversalFailed', cause: 'A debit could not be reversed: reconcile by hand' });
  const reverse = invoke('ReverseDebit', 'reverse', { 'error.$': errorPath }, '$.steps.reversal');
  reverse.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(5), maxAttempts: 6, backoffRate: 2 });
  reverse.addCatch(reversalFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });
  reverse.next(new sfn.Succeed(scope, 'Compensated', { comment: 'The debit was reversed and the charge FAILED' }));

  const completed = new sfn.Succeed(scope, 'Completed');
  const credit = invoke('CreditWallet', 'credit', { 'bankTransactionId.$': '$.steps.debitBank.value.bankTransactionId' });
  credit.addRetry({ errors: [E.ledgerBusy], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
  // Money left the bank: whatever stops the credit (a cap, a crash, a control that failed), the saga gives it back.
  credit.addCatch(reverse, { errors: [sfn.Errors.ALL], resultPath: errorPath });
  credit.next(completed);

  const debit = invoke('DebitBank', 'debit');
  debit.addRetry({ errors: [E.bankUnavailable], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
  debit.addCatch(failCharge, { errors: [E.bankDeclined], resultPath: errorPath });
  debit.addCatch(ended, { errors: [E.chargeClosed], resultPath: errorPath });
  debit.addCatch(reverse, { errors: [sfn.Errors.ALL], resultPath: errorPath });
  debit.next(credit);

  const catchWaits = (t: tasks.LambdaInvoke) => {
    t.addCatch(expire, { errors: [sfn.Errors.TIMEOUT, E.expired], resultPath: errorPath });
    t.addCatch(cancel, { errors: [E.cancelled], resultPath: errorPath });
    t.addCatch(decline, { errors: [E.rejected], resultPath: errorPath });
    t.addCatch(failCharge, { errors: [sfn.Errors.ALL], resultPath: errorPath });
    return t;
  };
  const awaitReview = catchWaits(callback('AwaitReview', 'awaitReview', CHARGE_TIMEOUTS.reviewSeconds, '$.steps.review')).next(debit);
  const awaitConfirmation = catchWaits(callback('AwaitConfirmation', 'awaitConfirmation', CHARGE_TIMEOUTS.smsConfirmationSeconds, '$.steps.confirmation')).next(
    new sfn.Choice(scope, 'NeedsReview').when(sfn.Condition.stringEquals('$.outcome', 'REVIEW'), awaitReview).otherwise(debit),
  );

  return new sfn.Choice(scope, 'Route', { comment: 'Where this execution starts: a fresh charge, or one resumed by the sweeper' })
    .when(sfn.Condition.stringEquals('$.stage', 'CONFIRM'), awaitConfirmation)
    .when(sfn.Condition.stringEquals('$.stage', 'REVIEW'), awaitReview)
    .when(sfn.Condition.stringEquals('$.stage', 'EXECUTE'), debit)
    .otherwise(new sfn.Fail(scope, 'UnknownStage', { error: 'UnknownStage', cause: 'The input has no known stage' }));
}
