import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';
import { pascal, type WalletFunction } from './function';
import type { Monitoring } from './monitoring';

export interface FunctionScheduleProps {
  fn: WalletFunction;
  every: Duration;
  monitoring: Monitoring;
}

/** Tries after the first, both when EventBridge hands the event to Lambda and when Lambda runs it. */
export const RETRY_ATTEMPTS = 2;

/**
 * Runs a function on a fixed rate. A run that is lost does not disappear silently: whether
 * EventBridge could not deliver it or the function failed on every try, it lands in one
 * dead-letter queue, and a message there pages ops.
 */
export class FunctionSchedule extends Construct {
  readonly rule: events.Rule;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    const { fn } = props;

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: time enough to read why runs failed after a weekend.
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetters,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue (of the schedule rule target and of the function\'s async invocations); nothing consumes it, an alarm pages when it is not empty',
    );

    this.rule = new events.Rule(this, 'Rule', {
      description: `Runs the ${fn.name} function every ${props.every.toHumanString()}`,
      schedule: events.Schedule.rate(props.every),
      targets: [new targets.LambdaFunction(fn.lambda, { deadLetterQueue: this.deadLetters, retryAttempts: RETRY_ATTEMPTS })],
    });
    // EventBridge invokes asynchronously: its dead-letter queue only sees events it could not hand
    // over. Runs that threw on every try are Lambda's to report, to the same queue.
    fn.lambda.configureAsyncInvoke({ retryAttempts: RETRY_ATTEMPTS, onFailure: new destinations.SqsDestination(this.deadLetters) });

    props.monitoring.watchDeadLetterQueue(
      pascal(fn.name),
      this.deadLetters,
      `A scheduled run of the ${fn.name} function was lost (not delivered, or failed ${RETRY_ATTEMPTS + 1} times).`,
    );
  }
}
