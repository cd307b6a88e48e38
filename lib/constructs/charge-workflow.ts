import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceRule } from '../acknowledge';
import type { StageConfig } from '../config';
import { chargeWorkflowDefinition, type WorkflowTasks } from './charge-definition';
import type { WorkflowRef } from './function';

export type WorkflowDefinitionBuilder = (scope: Construct, fns: WorkflowTasks) => sfn.IChainable;

export interface ChargeWorkflowProps {
  config: StageConfig;
  /** All functions of the catalog; the definition decides which ones it invokes. */
  functions: WorkflowTasks;
  definition?: WorkflowDefinitionBuilder;
}

/**
 * The Standard state machine for charges that need SMS confirmation or a human review.
 * It is named, so its ARN is known before it exists: functions that start or resume it
 * can also be its tasks without a dependency cycle in the template.
 */
export class ChargeWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  static stateMachineName(config: StageConfig): string {
    return `AnshinWallet-${config.stage}-Charge`;
  }

  static ref(scope: Construct, config: StageConfig): WorkflowRef {
    const stack = Stack.of(scope);
    const name = ChargeWorkflow.stateMachineName(config);
    const arn = (resource: string, resourceName: string) =>
      Arn.format({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    return { stateMachineArn: arn('stateMachine', name), executionsArn: arn('execution', `${name}:*`) };
  }

  constructor(scope: Construct, id: string, props: ChargeWorkflowProps) {
    super(scope, id);
    const { config } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.retainData ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const build = props.definition ?? chargeWorkflowDefinition;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: ChargeWorkflow.stateMachineName(config),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(build(this, props.functions)),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        // Inputs and outputs may carry personal data; the execution history keeps them for ops.
        includeExecutionData: false,
      },
    });
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only actions without resource-level permissions use "*": X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs log delivery (logs:*LogDelivery*, Put/DescribeResourcePolicies, DescribeLogGroups), which Step Functions logging requires on "*"',
    );
    // The definition's tasks all run the workflow's task handler; LambdaInvoke grants the function and its versions (":*").
    acknowledge(
      this.stateMachine.role,
      wildcardResourceRule(this, `${props.functions.chargeWorkflow.functionArn}:*`),
      'Invoke of the chargeWorkflow task handler\'s versions and aliases (":*"), as tasks.LambdaInvoke grants it; no other function',
    );
  }
}
