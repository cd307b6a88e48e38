import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FINAL_STATUSES } from '../../functions/domain/charge';
import { CHARGE_TIMEOUTS } from '../../functions/domain/policy';
import type { Outcome } from '../../functions/domain/risk';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../functions/shared/metrics';
import type { StageConfig } from '../config';

const OUTCOMES = ['ALLOW', 'CHALLENGE', 'REVIEW', 'DENY'] as const satisfies readonly Outcome[];

export interface MonitoringProps {
  config: StageConfig;
}

export interface AlarmOptions {
  metric: cw.IMetric;
  /** What the alarm means and what the person paged should do first. */
  description: string;
  threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  comparisonOperator?: cw.ComparisonOperator;
  /** @default 1 */
  evaluationPeriods?: number;
  /** @default NOT_BREACHING: no data means nothing happened (no errors, no executions) */
  treatMissingData?: cw.TreatMissingData;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * One of the functions' business metrics (functions/shared/metrics.ts). Embedded metric format
 * publishes each under exactly its dimension set, so `service` must always be part of the query.
 */
function business(metricName: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}, label?: string): cw.Metric {
  return new cw.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE, ...dimensions }, statistic, period, label });
}

/** Every series of a business metric that has one extra dimension, whatever its values: for graphs only (alarms cannot use SEARCH). */
function searchBy(metricName: string, dimension: string, statistic: string, period: Duration): cw.MathExpression {
  return new cw.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${metricName}" service="${SERVICE}"', '${statistic}', ${period.toSeconds()})`,
    period,
    usingMetrics: {},
  });
}

/**
 * Operations alerting: one topic that pages the 24/7 team, a dashboard, and addAlarm()
 * so every later alarm (charges by outcome, link failures, review age, DLQ depth) is
 * wired to the topic the same way.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly dashboard: cw.Dashboard;
  readonly alarms: cw.Alarm[] = [];
  private readonly config: StageConfig;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.config = props.config;
    const alarmsOfThisAccount = Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    // A customer-managed key, because CloudWatch alarms cannot publish to a topic encrypted
    // with the AWS-managed alias/aws/sns key: its policy cannot be changed to admit them.
    this.key = new kms.Key(this, 'AlertsKey', { description: 'Encrypts the Anshin Wallet ops alerts topic', enableKeyRotation: true });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'OpsAlerts', {
      displayName: `Anshin Wallet ${props.config.stage} ops alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // The enforce-SSL statement makes this an explicit topic policy, so the alarms are admitted by name.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': alarmsOfThisAccount } },
      }),
    );
    if (props.config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.config.alarmEmail));
    this.action = new SnsAction(this.topic);

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `AnshinWallet-${props.config.stage}`,
      defaultInterval: Duration.hours(3),
    });
  }

  /** An alarm that notifies the ops topic when it fires and when it clears. */
  addAlarm(id: string, options: AlarmOptions): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      alarmName: `AnshinWallet-${this.config.stage}-${id}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator ?? cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: options.treatMissingData ?? cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  addWidgets(...widgets: cw.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }

  /** Errors and throttles of each function page ops; the dashboard shows errors and duration side by side. */
  watchFunctions(functions: Record<string, lambda.IFunction>): void {
    const entries = Object.entries(functions);
    for (const [name, fn] of entries) {
      const label = name.charAt(0).toUpperCase() + name.slice(1);
      this.addAlarm(`${label}Errors`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
        threshold: 1,
        description: `The ${name} Lambda failed at least once in 5 minutes. Look at its log group for the error and the request id.`,
      });
      this.addAlarm(`${label}Throttles`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
        threshold: 1,
        description: `The ${name} Lambda was throttled in the last 5 minutes: requests are being refused. Check account concurrency.`,
      });
    }
    this.addWidgets(
      new cw.GraphWidget({
        title: 'Lambda errors',
        left: entries.map(([name, fn]) => fn.metricErrors({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: name })),
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'Lambda duration (p99)',
        left: entries.map(([name, fn]) => fn.metricDuration({ period: FIVE_MINUTES, statistic: cw.Stats.p(99), label: name })),
        width: 12,
      }),
    );
  }

  watchApi(api: apigw.HttpApi): void {
    this.addWidgets(
      new cw.GraphWidget({
        title: 'API 4xx / 5xx',
        left: [
          api.metricClientError({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: '4xx' }),
          api.metricServerError({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: '5xx' }),
        ],
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'API latency',
        left: [
          api.metricLatency({ period: FIVE_MINUTES, statistic: cw.Stats.p(50), label: 'p50' }),
          api.metricLatency({ period: FIVE_MINUTES, statistic: cw.Stats.p(99), label: 'p99' }),
        ],
        width: 12,
      }),
    );
  }

  /**
   * The business alarms and graphs of issue 5: what the 24/7 team watches for fraud and for
   * money stuck in the middle, from the metrics the functions emit.
   */
  watchBusiness(): void {
    const { alarms } = this.config;

    // Link failures are counted per bank code, and bank codes are data (ops add banks at run time),
    // so neither a fixed list of per-bank alarms nor SEARCH (which no alarm can use) would do. A
    // Metrics Insights query can: grouped by bank and cut to the bank with the most failures, it
    // is one series whatever the banks, and a new bank is watched the moment it has a failure.
    this.addAlarm('LinkFailuresAtOneBank', {
      metric: new cw.MathExpression({
        expression:
          `SELECT SUM(${METRIC.linkFailure}) FROM SCHEMA("${METRICS_NAMESPACE}", bankCode, service) ` +
          `WHERE service = '${SERVICE}' GROUP BY bankCode ORDER BY SUM() DESC LIMIT 1`,
        period: FIVE_MINUTES,
        usingMetrics: {},
        label: 'Link failures at the bank with the most',
      }),
      threshold: alarms.linkFailuresPerBank,
      description:
        `At least ${alarms.linkFailuresPerBank} failed bank authorizations or holder mismatches at one bank in 5 minutes: the 2020 ` +
        'reverse brute force (many accounts, few PINs each) looks like this. Open the dashboard "Link failures by bank", ' +
        'and if one bank stands out switch its linking off (PUT /v1/ops/banks/{bankCode}) and call the bank.',
    });
    for (const [outcome, threshold, action] of [
      ['DENY', alarms.denyDecisions, 'Check whether one bank, device or wallet cohort dominates, and freeze what is attacking.'],
      ['REVIEW', alarms.reviewDecisions, 'The review queue is filling faster than usual: bring in reviewers and look for a common link or bank.'],
    ] as const) {
      this.addAlarm(`${outcome === 'DENY' ? 'Deny' : 'Review'}DecisionSpike`, {
        metric: business(METRIC.chargeDecision, cw.Stats.SUM, FIVE_MINUTES, { outcome }),
        threshold,
        description: `At least ${threshold} charges were decided ${outcome} in 5 minutes. ${action}`,
      });
    }
    const sla = CHARGE_TIMEOUTS.reviewSlaSeconds;
    this.addAlarm('OpenReviewTooOld', {
      metric: business(METRIC.oldestOpenReviewAge, cw.Stats.MAXIMUM, ONE_MINUTE),
      threshold: sla,
      description: `A review case has been open for ${sla / 60} minutes or more (the review SLA). Decide it in the ops console; the charge expires after 24 hours.`,
    });
    // A reversal means money left a bank account and had to be sent back: rare, and each one is
    // worth a look (and a reconciliation run), so it pages. Compensation paid is the outcome of an
    // ops decision the team already knows about, so it is a graph, not an alarm.
    this.addAlarm('DebitReversed', {
      metric: business(METRIC.debitReversed, cw.Stats.SUM, FIVE_MINUTES),
      threshold: 1,
      description: 'The charge saga reversed a bank debit because the wallet credit could not be written. Check the execution, and run `npm run reconcile` for the day.',
    });

    const graph = (title: string, left: cw.IMetric[], extra: Partial<cw.GraphWidgetProps> = {}) =>
      new cw.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    this.addWidgets(
      graph('Charges by outcome', OUTCOMES.map((outcome) => business(METRIC.chargeDecision, cw.Stats.SUM, FIVE_MINUTES, { outcome }, outcome)), { stacked: true }),
      graph('Charges finished by status', FINAL_STATUSES.map((status) => business(METRIC.chargeFinished, cw.Stats.SUM, FIVE_MINUTES, { status }, status)), { stacked: true }),
      graph('Link failures by bank', [searchBy(METRIC.linkFailure, 'bankCode', 'Sum', FIVE_MINUTES)], {
        leftAnnotations: [{ value: alarms.linkFailuresPerBank, label: 'alarm at one bank', color: cw.Color.RED }],
      }),
    );
    this.addWidgets(
      graph('Code failures by purpose', [searchBy(METRIC.codeFailure, 'purpose', 'Sum', FIVE_MINUTES)]),
      graph('Oldest open review (seconds)', [business(METRIC.oldestOpenReviewAge, cw.Stats.MAXIMUM, ONE_MINUTE, {}, 'oldest open review')], {
        leftAnnotations: [{ value: sla, label: `${sla / 60}-minute SLA`, color: cw.Color.RED }],
      }),
      graph('Compensation paid (yen) and debits reversed', [business(METRIC.compensationPaid, cw.Stats.SUM, Duration.hours(1), {}, 'compensation paid (yen, per hour)')], {
        right: [business(METRIC.debitReversed, cw.Stats.SUM, Duration.hours(1), {}, 'debits reversed (per hour)')],
      }),
    );
  }

  /** A dead-letter queue pages as soon as anything lands in it: each message is a run that never happened. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue, what: string): void {
    this.addAlarm(`${name}DeadLetters`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: cw.Stats.MAXIMUM }),
      threshold: 1,
      description: `${what} Read the messages in the queue for the error, fix the cause, then purge the queue.`,
    });
  }

  watchWorkflow(name: string, stateMachine: sfn.IStateMachine): void {
    this.addAlarm(`${name}ExecutionsFailed`, {
      metric: stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
      threshold: 1,
      description: `A ${name} workflow execution failed. Open the failed execution in Step Functions to see which state failed and why.`,
    });
    this.addWidgets(
      new cw.GraphWidget({
        title: `${name} executions`,
        left: [
          stateMachine.metricStarted({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: 'started' }),
          stateMachine.metricSucceeded({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: 'succeeded' }),
          stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: 'failed' }),
          stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: 'timed out' }),
          stateMachine.metricAborted({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label: 'aborted' }),
        ],
        width: 24,
      }),
    );
  }
}
