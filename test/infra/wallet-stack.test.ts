import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type Capability, type FunctionName, type FunctionSpec } from '../../functions/shared/catalog';
import { ROUTES, routeKey } from '../../functions/shared/routes';
import { TABLE } from '../../functions/shared/table';
import { stageConfig, type Stage } from '../../lib/config';
import { WalletStack } from '../../lib/wallet-stack';

/** What each capability of the catalog must grant, beyond the table actions. */
const CAPABILITY_ACTIONS: Record<Capability, string[]> = {
  cognitoAdmin: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminGetUser'],
  cognitoAuth: [],
  sms: ['sns:Publish'],
  secrets: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
  bank: [],
  startWorkflow: ['states:StartExecution'],
  resumeWorkflow: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:StopExecution', 'states:DescribeExecution'],
  alerts: ['sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey*'],
};
/** Every function traces to X-Ray (tracing ACTIVE). */
const ALWAYS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const specOf = (name: FunctionName): FunctionSpec => FUNCTIONS[name];
const has = (name: FunctionName, capability: Capability) => specOf(name).capabilities.includes(capability);
/** Widened so an index declared later without a sort key still type-checks. */
const INDEXES: ReadonlyArray<{ name: string; partitionKey: string; sortKey?: string }> = TABLE.indexes;

interface Synth {
  stack: WalletStack;
  template: Template;
}

function synth(stage: Stage, context: Record<string, string> = {}, bundle = true): Synth {
  const app = new App({ context: { stage, ...context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  // An empty environment, so the result does not depend on the machine's AWS settings.
  const config = stageConfig((key) => app.node.tryGetContext(key), {});
  const stack = new WalletStack(app, `AnshinWallet-${stage}`, { config });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the policies attached to a function's role. */
function statementsOf({ stack, template }: Synth, name: FunctionName): Statement[] {
  const role = stack.functions[name].lambda.role;
  if (!role) throw new Error(`${name} has no role`);
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsIn = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const idOf = (s: Synth, construct: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** The state machine definition with every token replaced, parsed. */
function definitionOf(template: Template): { States: Record<string, Record<string, unknown>>; QueryLanguage?: string } {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const body = machine.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

let dev: Synth;
let prod: Synth;

beforeAll(() => {
  // Bundles every function with esbuild, once per stage for the whole file. Template.fromStack
  // also refuses a template with a dependency cycle, which `cdk synth` alone would not notice.
  dev = synth('dev');
  prod = synth('prod');
}, 120_000);

describe('API', () => {
  it('has exactly one route per entry of the route table', () => {
    dev.template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
  });

  it.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s: authorization and target function follow the route table', (key, route) => {
    const routes = dev.template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: key } });
    expect(Object.keys(routes)).toHaveLength(1);
    const props = Object.values(routes)[0].Properties;
    if (route.auth === 'public') {
      expect(props.AuthorizationType).toBe('NONE');
      expect(props.AuthorizerId).toBeUndefined();
    } else {
      expect(props.AuthorizationType).toBe('JWT');
      expect(props.AuthorizerId).toBeDefined();
    }
    const integrationId = props.Target['Fn::Join'][1][1].Ref as string;
    const integration = dev.template.toJSON().Resources[integrationId];
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [idOf(dev, dev.stack.functions[route.fn].lambda), 'Arn'] });
  });

  it('authorizes with the Cognito user pool and the app client', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [{ Ref: idOf(dev, dev.stack.identity.client) }], Issuer: Match.anyValue() },
    });
  });

  it('throttles and logs the default stage', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
    });
  });

  it('has no CORS unless origins are configured, then exactly those', () => {
    expect(dev.template.findResources('AWS::ApiGatewayV2::Api')[idOf(dev, dev.stack.api.httpApi)].Properties.CorsConfiguration).toBeUndefined();
    const withCors = synth('dev', { allowedOrigins: 'https://app.example.com, https://ops.example.com' }, false);
    withCors.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com', 'https://ops.example.com'],
        AllowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        AllowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-device-id'],
      },
    });
  });
});

describe('functions', () => {
  it('deploys every catalog entry on Node.js 22, arm64, traced, with an explicit log group', () => {
    dev.template.resourceCountIs('AWS::Lambda::Function', NAMES.length);
    dev.template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
  });

  it.each(NAMES)('%s: memory, timeout and environment', (name) => {
    const spec = specOf(name);
    const fn = dev.template.toJSON().Resources[idOf(dev, dev.stack.functions[name].lambda)].Properties;
    expect(fn.MemorySize).toBe(spec.memoryMb ?? 512);
    expect(fn.Timeout).toBe(spec.timeoutSeconds ?? 10);
    const env = fn.Environment.Variables as Record<string, unknown>;
    expect(env).toMatchObject({
      STAGE: 'dev',
      TABLE_NAME: { Ref: idOf(dev, dev.stack.data.table) },
      USER_POOL_ID: { Ref: idOf(dev, dev.stack.identity.userPool) },
      USER_POOL_CLIENT_ID: { Ref: idOf(dev, dev.stack.identity.client) },
      PUBLIC_BASE_URL: { 'Fn::GetAtt': [idOf(dev, dev.stack.api.httpApi), 'ApiEndpoint'] },
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'anshin-wallet',
      POWERTOOLS_METRICS_NAMESPACE: 'AnshinWallet',
    });
    expect('SECRETS_ARN' in env).toBe(has(name, 'secrets'));
    expect('STATE_MACHINE_ARN' in env).toBe(has(name, 'startWorkflow') || has(name, 'resumeWorkflow'));
    // No provider URLs in this synth: the variables are left out rather than set empty.
    expect(env).not.toHaveProperty('EKYC_PROVIDER_URL');
    expect(env).not.toHaveProperty('BANK_GATEWAY_URL');
  });

  it('passes the provider URLs: eKYC to every function, the bank gateway only to functions with the bank capability', () => {
    const s = synth('dev', { ekycProviderUrl: 'https://ekyc.example.com/', bankGatewayUrl: 'https://bank.example.com' }, false);
    for (const name of NAMES) {
      const env = s.template.toJSON().Resources[idOf(s, s.stack.functions[name].lambda)].Properties.Environment.Variables;
      expect(env.EKYC_PROVIDER_URL).toBe('https://ekyc.example.com');
      expect(env.BANK_GATEWAY_URL).toBe(has(name, 'bank') ? 'https://bank.example.com' : undefined);
    }
  });
});

describe('least privilege, from the catalog', () => {
  it.each(NAMES)('%s: DynamoDB actions are exactly the catalog\'s table actions, on the table and its indexes', (name) => {
    const statements = statementsOf(dev, name);
    const dynamo = statements.filter((s) => actionsIn([s]).some((a) => a.startsWith('dynamodb:')));
    expect(sorted(actionsIn(dynamo))).toEqual(sorted(specOf(name).table));
    const tableArn = { 'Fn::GetAtt': [idOf(dev, dev.stack.data.table), 'Arn'] };
    for (const s of dynamo) expect(s.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
  });

  it.each(NAMES)('%s: all actions are exactly what its table actions and capabilities imply', (name) => {
    const spec = specOf(name);
    const expected = [
      ...ALWAYS,
      ...spec.table,
      ...(spec.table.length > 0 ? TABLE_KEY_ACTIONS : []),
      ...spec.capabilities.flatMap((c) => CAPABILITY_ACTIONS[c]),
    ];
    const statements = statementsOf(dev, name);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(sorted(actionsIn(statements))).toEqual(sorted(expected));
  });

  it.each(NAMES.filter((n) => !has(n, 'secrets')))(
    '%s: without the secrets capability it cannot read the secret',
    (name) => {
      const statements = statementsOf(dev, name);
      expect(actionsIn(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      expect(JSON.stringify(statements)).not.toContain(idOf(dev, dev.stack.secrets.secret));
    },
  );

  it('the meta function has no DynamoDB or table-key access at all', () => {
    const statements = statementsOf(dev, 'meta');
    expect(actionsIn(statements).filter((a) => a.startsWith('dynamodb:') || a.startsWith('kms:'))).toEqual([]);
    expect(actionsIn(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('functions with the secrets capability read only the service secret', () => {
    for (const name of NAMES.filter((n) => has(n, 'secrets'))) {
      const read = statementsOf(dev, name).filter((s) => actionsIn([s]).includes('secretsmanager:GetSecretValue'));
      expect(read.map((s) => s.Resource)).toEqual([{ Ref: idOf(dev, dev.stack.secrets.secret) }]);
    }
  });
});

describe('data', () => {
  it('derives the table from the TABLE declaration, with PITR, KMS encryption and TTL', () => {
    dev.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [idOf(dev, dev.stack.data.key), 'Arn'] } },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: INDEXES.map((index) =>
        Match.objectLike({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            ...(index.sortKey === undefined ? [] : [{ AttributeName: index.sortKey, KeyType: 'RANGE' }]),
          ],
        }),
      ),
    });
    const attributes = dev.template.findResources('AWS::DynamoDB::Table');
    for (const table of Object.values(attributes)) {
      for (const def of table.Properties.AttributeDefinitions) expect(def.AttributeType).toBe('S');
    }
    dev.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('table') });
  });

  it('prod retains the table and protects it from deletion', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('dev deletes the table with the stack', () => {
    dev.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('identity and secrets', () => {
  it('creates users only through the admin API, signs in with email, and has an ops group', () => {
    dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: Match.objectLike({ MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: false }),
      },
    });
    dev.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      AccessTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
    });
    dev.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'ops' });
    prod.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('generates the master key into the JSON the functions read', () => {
    dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ ekycWebhookSecret: 'set-me', ekycApiKey: 'set-me' }),
        GenerateStringKey: 'masterKey',
        ExcludePunctuation: true,
        PasswordLength: 64,
      },
    });
  });
});

describe('charge workflow', () => {
  it('is a logged, traced Standard state machine', () => {
    dev.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('waits for the SMS confirmation with a task token and a timeout from the input, in JSONPath', () => {
    const definition = definitionOf(dev.template);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    const wait = definition.States.WaitForSmsConfirmation;
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: expect.stringMatching(/lambda:invoke\.waitForTaskToken$/),
      TimeoutSecondsPath: '$.timeouts.smsSeconds',
      ResultPath: '$.confirmation',
      Parameters: { Payload: { 'taskToken.$': '$$.Task.Token', 'chargeId.$': '$.chargeId' } },
      Catch: [expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: 'Expire' })],
    });
    for (const state of Object.values(definition.States)) expect(state.QueryLanguage).toBeUndefined();
    expect(JSON.stringify(definition)).not.toMatch(/\{%/);
  });
});

describe('monitoring', () => {
  it('has an encrypted ops topic that refuses plain HTTP', () => {
    dev.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    dev.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('subscribes the alarm email only when one is given', () => {
    dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synth('dev', { alarmEmail: 'oncall@example.com' }, false);
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it.each(NAMES)('%s: alarms on errors and throttles, to the ops topic', (name) => {
    const topic = { Ref: idOf(dev, dev.stack.monitoring.topic) };
    for (const metric of ['Errors', 'Throttles']) {
      dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(dev, dev.stack.functions[name].lambda) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topic],
      });
    }
  });

  it('alarms on failed charge executions', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: idOf(dev, dev.stack.monitoring.topic) }],
    });
  });

  it('has the stage dashboard', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'AnshinWallet-dev' });
    prod.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'AnshinWallet-prod' });
  });
});
