import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Capability, FunctionName, FunctionSpec, TableAction } from '../../functions/shared/catalog';
// Where the functions' metrics go is decided by the module that emits them; the alarms read the same constants.
import { METRICS_NAMESPACE, SERVICE as SERVICE_NAME } from '../../functions/shared/metrics';
import { acknowledge, wildcardResourceRule } from '../acknowledge';
import type { StageConfig } from '../config';
import type { Data } from './data';

/** Entries in the catalog are relative to the repository root, which is also esbuild's project root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The charge state machine as the functions see it; its ARN is known before the machine exists (see ChargeWorkflow.ref). */
export interface WorkflowRef {
  stateMachineArn: string;
  /** Every execution of that state machine: `arn:...:execution:<name>:*`. */
  executionsArn: string;
}

/** What the capabilities of the catalog refer to. */
export interface CapabilityTargets {
  data: Data;
  /** Undefined when the deployer gave no `bankGatewayUrl`: the function then fails when it calls the bank. */
  bankGatewayUrl?: string;
  userPool: cognito.IUserPool;
  secret: secretsmanager.ISecret;
  workflow: WorkflowRef;
  alertsTopic: sns.ITopic;
  /** The topic's customer-managed key: publishers need it to encrypt the message. */
  alertsKey: kms.IKey;
}

export interface WalletFunctionProps {
  name: FunctionName;
  spec: FunctionSpec;
  config: StageConfig;
  /** Settings every function reads on first use (functions/shared/config.ts reads lazily), whatever it is granted. */
  environment: Record<string, string>;
}

/**
 * The project's Lambda defaults in one place, and one bind method per capability so
 * that a function's permissions come only from its entry in functions/shared/catalog.ts.
 */
export class WalletFunction extends Construct {
  readonly name: FunctionName;
  readonly lambda: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** Why this function's policy names `*` as a resource; grows with the capabilities that need it. */
  private readonly starResources = ['X-Ray PutTraceSegments/PutTelemetryRecords (tracing ACTIVE) have no resource-level permissions'];

  constructor(scope: Construct, id: string, props: WalletFunctionProps) {
    super(scope, id);
    const { name, spec, config } = props;
    this.name = name;

    // An explicit log group, so retention and removal are ours and not left to Lambda's implicit one.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.retainData ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Our own role rather than AWSLambdaBasicExecutionRole, whose logs:* on every log group of the
    // account is more than a function needs: this one may write only to its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Anshin Wallet ${name} function: grants come from functions/shared/catalog.ts`,
    });
    this.logGroup.grantWrite(this.role);

    this.lambda = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, spec.entry),
      handler: 'handler',
      description: spec.description,
      role: this.role,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 512,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 10),
      reservedConcurrentExecutions: spec.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: OutputFormat.CJS,
        // The Node.js 22 runtime ships AWS SDK v3; bundling it would only grow cold starts.
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
      },
      environment: {
        ...props.environment,
        STAGE: config.stage,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        // Where the functions' embedded-metric-format metrics land, so alarms can find them.
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
    });
    acknowledge(
      this.lambda,
      'AwsSolutions-L1',
      'DESIGN.md fixes the runtime at Node.js 22 (supported by Lambda until 2027-04-30): bundles target node22 and the tests and the local stack run the same handlers on Node 22 (the `node` devDependency); moving to Node 24 is a deliberate, tested upgrade, not a lint fix',
    );
  }

  /**
   * Acknowledges the `*` resources this function's policy must have, each with the reason it is
   * there. Called once all capabilities are bound, so the reason lists every use of `*`.
   */
  private acknowledgeStarResources(): void {
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', `Only actions without resource-level permissions use "*": ${this.starResources.join('; ')}`);
  }

  /** Grants exactly what the catalog lists for this function, nothing more. */
  bindCatalog(spec: FunctionSpec, targets: CapabilityTargets): void {
    this.bindTable(targets.data, spec.table);
    for (const capability of new Set(spec.capabilities)) this.bindCapability(capability, targets);
    this.acknowledgeStarResources();
  }

  /** The listed item actions on the table and its named indexes, and the key use they need; nothing at all for an empty list. */
  bindTable(data: Data, actions: readonly TableAction[]): void {
    if (actions.length === 0) return;
    this.allow([...new Set(actions)], [data.table.tableArn, ...data.indexArns]);
    this.allow(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], [data.key.keyArn]);
  }

  bindCapability(capability: Capability, targets: CapabilityTargets): void {
    switch (capability) {
      case 'cognitoAdmin':
        return this.bindCognitoAdmin(targets.userPool);
      case 'cognitoAuth':
        return this.bindCognitoAuth();
      case 'sms':
        return this.bindSms();
      case 'secrets':
        return this.bindSecrets(targets.secret);
      case 'bank':
        return this.bindBankGateway(targets.bankGatewayUrl);
      case 'startWorkflow':
        return this.bindStartWorkflow(targets.workflow);
      case 'resumeWorkflow':
        return this.bindResumeWorkflow(targets.workflow);
      case 'alerts':
        return this.bindAlerts(targets.alertsTopic, targets.alertsKey);
      default: {
        // A capability added to the catalog without a grant here fails the type check.
        const unhandled: never = capability;
        throw new Error(`No grant for capability ${String(unhandled)}`);
      }
    }
  }

  bindCognitoAdmin(userPool: cognito.IUserPool): void {
    this.allow(
      ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser'],
      [userPool.userPoolArn],
    );
  }

  /** InitiateAuth with USER_PASSWORD_AUTH on a public client is an unauthenticated call: no IAM permission exists for it. */
  bindCognitoAuth(): void {}

  bindSms(): void {
    // Publishing straight to a phone number has no resource ARN, so IAM only accepts "*" here, and
    // there is no condition key that would allow phone numbers while refusing topics.
    this.allow(['sns:Publish'], ['*']);
    this.starResources.push('sns:Publish of SMS straight to a phone number has no resource ARN to name');
  }

  bindSecrets(secret: secretsmanager.ISecret): void {
    secret.grantRead(this.lambda);
    this.lambda.addEnvironment('SECRETS_ARN', secret.secretArn);
  }

  /** The bank gateway is an HTTPS API authenticated with a key from the service secret: no IAM to grant. */
  bindBankGateway(url: string | undefined): void {
    if (url) this.lambda.addEnvironment('BANK_GATEWAY_URL', url);
  }

  bindStartWorkflow(workflow: WorkflowRef): void {
    this.allow(['states:StartExecution'], [workflow.stateMachineArn]);
    this.lambda.addEnvironment('STATE_MACHINE_ARN', workflow.stateMachineArn);
  }

  bindResumeWorkflow(workflow: WorkflowRef): void {
    this.allow(
      ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:StopExecution', 'states:DescribeExecution'],
      [workflow.stateMachineArn, workflow.executionsArn],
    );
    this.lambda.addEnvironment('STATE_MACHINE_ARN', workflow.stateMachineArn);
    acknowledge(
      this.role,
      wildcardResourceRule(this, workflow.executionsArn),
      'Stop/DescribeExecution act on executions, whose names are charge ids known only at run time; the wildcard covers executions of the one charge state machine, nothing else',
    );
  }

  /** Publish to the ops topic only, and the exact key use SNS needs to encrypt for it (grantPublish would add kms:GenerateDataKey*). */
  bindAlerts(topic: sns.ITopic, key: kms.IKey): void {
    this.allow(['sns:Publish'], [topic.topicArn]);
    this.allow(['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    this.lambda.addEnvironment('ALERTS_TOPIC_ARN', topic.topicArn);
  }

  private allow(actions: string[], resources: string[]): void {
    this.lambda.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
  }
}

/** `identity` → `Identity`, for construct ids and alarm names. */
export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
