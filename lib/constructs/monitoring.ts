import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';

export { METRICS_NAMESPACE } from '../../functions/shared/metrics';

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
