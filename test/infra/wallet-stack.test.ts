import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type Capability, type FunctionName, type FunctionSpec } from '../../functions/shared/catalog';
import { METRIC } from '../../functions/shared/metrics';
import { ROUTES, routeKey } from '../../functions/shared/routes';
import { TABLE } from '../../functions/shared/table';
import { WORKFLOW_ERRORS } from '../../functions/workflow/errors';
import { LAMBDA_THROTTLES } from '../../lib/constructs/charge-definition';
import { DEFAULT_ALARMS } from '../../lib/config';
import { ROUTE_THROTTLES } from '../../lib/constructs/api';
import { CONSOLE_DIR, contentSecurityPolicy } from '../../lib/constructs/ops-console';
import { browserMessagesScript } from '../../functions/shared/messages';
import { SCHEDULES } from '../../lib/wallet-stack';
import { idOf, PROD_CONTEXT, synth, type Synth } from './synth';
import type { Definition, State } from '../support/asl';

/** What each capability of the catalog must grant, beyond the table actions. */
const CAPABILITY_ACTIONS: Record<Capability, string[]> = {
  cognitoAdmin: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser'],
  cognitoAuth: [],
  sms: ['sns:Publish'],
  secrets: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
  bank: [],
  startWorkflow: ['states:StartExecution'],
  resumeWorkflow: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:StopExecution', 'states:DescribeExecution'],
  alerts: ['sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey'],
};
/** Every function traces to X-Ray (tracing ACTIVE) and writes to its own log group. */
const ALWAYS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'logs:CreateLogStream', 'logs:PutLogEvents'];
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
/** A scheduled function reports runs that failed on every try to its dead-letter queue. */
const SCHEDULED_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const specOf = (name: FunctionName): FunctionSpec => FUNCTIONS[name];
const has = (name: FunctionName, capability: Capability) => specOf(name).capabilities.includes(capability);
/** Widened so an index declared later without a sort key still type-checks. */
const INDEXES: ReadonlyArray<{ name: string; partitionKey: string; sortKey?: string }> = TABLE.indexes;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the policies attached to a role. */
function statementsOfRole({ template }: Synth, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (s: Synth, name: FunctionName) => statementsOfRole(s, idOf(s, s.stack.functions[name].role));

const actionsIn = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const resourcesFor = (statements: Statement[], action: string) =>
  statements.filter((s) => actionsIn([s]).includes(action)).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

/**
 * The state machine's DefinitionString with its Fn::Join resolved: references are kept
 * readable as `${LogicalId.Attribute}` / `${AWS::Partition}`, so tests can see which
 * function a task invokes.
 */
function definitionOf(s: Synth): Definition {
  const machine = s.template.toJSON().Resources[idOf(s, s.stack.workflow.stateMachine)];
  const body = machine.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (p.Ref) return `\${${p.Ref}}`;
    if (p['Fn::GetAtt']) return `\${${p['Fn::GetAtt'].join('.')}}`;
    throw new Error(`Unexpected token in the definition: ${JSON.stringify(part)}`);
  };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(render).join(body['Fn::Join'][0]);
  return JSON.parse(text) as Definition;
}

/** Where an error goes: the first catcher that names it or States.ALL, in order, as Step Functions picks. */
const catchTarget = (state: State, error: string) => state.Catch?.find((c) => c.ErrorEquals.includes(error) || c.ErrorEquals.includes('States.ALL'))?.Next;

let dev: Synth;
let prod: Synth;

beforeAll(() => {
  // Bundles every function with esbuild once; prod reuses the bundles (see synth.ts).
  dev = synth('dev');
  prod = synth('prod', PROD_CONTEXT);
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

  it('logs the default stage and throttles each route in its own bucket, the SMS-sending ones to a trickle', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      // The fallback is the smallest bucket, never one large shared one.
      DefaultRouteSettings: Match.objectLike({ ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
    });
    const [stage] = Object.values(dev.template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual(ROUTES.map(routeKey).sort());
    expect(settings['POST /v1/users']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(settings['POST /v1/me/phone/verification/resend']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(settings['POST /v1/sessions']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    for (const route of ROUTES.filter((r) => r.auth === 'ops')) expect(settings[routeKey(route)]).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    for (const route of ROUTES.filter((r) => r.auth === 'public')) expect(settings[routeKey(route)].ThrottlingRateLimit).toBeLessThanOrEqual(50);
    // Every named route exists (a typo would silently fall back to the default).
    for (const key of Object.keys(ROUTE_THROTTLES)) expect(ROUTES.map(routeKey)).toContain(key);
    // Route settings name routes by key, so the stage is created after every route.
    const routeIds = Object.keys(dev.template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('ops routes accept only the staff pool\'s tokens; user routes only the wallet users\' pool', () => {
    const authorizers = dev.template.findResources('AWS::ApiGatewayV2::Authorizer');
    const issuerOf = (id: string) => JSON.stringify(authorizers[id].Properties.JwtConfiguration.Issuer);
    const staffPool = idOf(dev, dev.stack.identity.staffPool);
    const userPool = idOf(dev, dev.stack.identity.userPool);
    const routes = Object.values(dev.template.findResources('AWS::ApiGatewayV2::Route'));
    for (const route of ROUTES.filter((r) => r.auth !== 'public')) {
      const found = routes.find((r) => r.Properties.RouteKey === routeKey(route));
      expect(found).toBeDefined();
      const issuer = issuerOf(found!.Properties.AuthorizerId.Ref);
      expect({ route: routeKey(route), staff: issuer.includes(staffPool), users: issuer.includes(userPool) }).toEqual({
        route: routeKey(route), staff: route.auth === 'ops', users: route.auth === 'user',
      });
    }
  });

  const consoleOrigin = (s: Synth) => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf(s, s.stack.console.distribution), 'DomainName'] }]] });
  const CORS = {
    AllowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    AllowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-device-id'],
  };

  it('admits the ops console origin (CORS) even without configured origins', () => {
    const api = dev.template.toJSON().Resources[idOf(dev, dev.stack.api.httpApi)].Properties;
    expect(api.CorsConfiguration).toMatchObject({ AllowOrigins: [consoleOrigin(dev)], ...CORS });
  });

  it('admits the configured origins and the console origin, and only "*" when "*" is configured', () => {
    const withCors = synth('dev', { allowedOrigins: 'https://app.example.com, https://ops.example.com' }, { bundle: false });
    withCors.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowOrigins: ['https://app.example.com', 'https://ops.example.com', consoleOrigin(withCors)], ...CORS },
    });
    const star = synth('dev', { allowedOrigins: '*' }, { bundle: false });
    star.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'] }) });
  });
});

describe('functions', () => {
  it('deploys every catalog entry on Node.js 22, arm64, traced, with an explicit log group and its own role', () => {
    const ours = NAMES.map((n) => idOf(dev, dev.stack.functions[n].lambda));
    const functions = dev.template.findResources('AWS::Lambda::Function');
    for (const name of NAMES) {
      expect(functions[idOf(dev, dev.stack.functions[name].lambda)].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: idOf(dev, dev.stack.functions[name].logGroup) } },
        Role: { 'Fn::GetAtt': [idOf(dev, dev.stack.functions[name].role), 'Arn'] },
      });
    }
    // Besides the catalog, only aws-cdk-lib's console deployment provider (and in dev its bucket emptier).
    expect(Object.keys(functions).filter((id) => !ours.includes(id)).sort()).toEqual([
      // AwsCustomResource's provider: it sets the SNS SMS monthly spend limit.
      expect.stringMatching(/^AWS679f53fac002430cb0da5b7982bd2287/),
      expect.stringMatching(/^CustomCDKBucketDeployment/),
      expect.stringMatching(/^CustomS3AutoDeleteObjectsCustomResourceProvider/),
      // The service secret's deploy-time step and its Provider framework (test/infra/service-secret.test.ts).
      idOf(dev, dev.stack.secrets.node.findChild('SetupFunction') as never),
      expect.stringMatching(/^SecretsSetupProviderframeworkonEvent/),
    ]);
  });

  it('no function role carries the AWS managed basic execution policy: each writes only to its own log group', () => {
    for (const name of NAMES) {
      const role = dev.template.toJSON().Resources[idOf(dev, dev.stack.functions[name].role)].Properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOf(dev, name).filter((s) => actionsIn([s]).some((a) => a.startsWith('logs:')));
      expect(logs.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [idOf(dev, dev.stack.functions[name].logGroup), 'Arn'] }]);
    }
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
      NOT_ME_PAGE_URL: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf(dev, dev.stack.console.distribution), 'DomainName'] }, '/ops/not-me.html']],
      },
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'anshin-wallet',
      POWERTOOLS_METRICS_NAMESPACE: 'AnshinWallet',
    });
    expect('SECRETS_ARN' in env).toBe(has(name, 'secrets'));
    expect('STATE_MACHINE_ARN' in env).toBe(has(name, 'startWorkflow') || has(name, 'resumeWorkflow'));
    expect(env.ALERTS_TOPIC_ARN).toEqual(has(name, 'alerts') ? { Ref: idOf(dev, dev.stack.monitoring.topic) } : undefined);
    // No provider URLs in this synth: the variables are left out rather than set empty.
    expect(env).not.toHaveProperty('EKYC_PROVIDER_URL');
    expect(env).not.toHaveProperty('BANK_GATEWAY_URL');
  });

  it('passes the provider URLs: eKYC to every function, the bank gateway only to functions with the bank capability', () => {
    const s = synth('dev', { ekycProviderUrl: 'https://ekyc.example.com/', bankGatewayUrl: 'https://bank.example.com' }, { bundle: false });
    for (const name of NAMES) {
      const env = s.template.toJSON().Resources[idOf(s, s.stack.functions[name].lambda)].Properties.Environment.Variables;
      expect(env.EKYC_PROVIDER_URL).toBe('https://ekyc.example.com');
      expect(env.BANK_GATEWAY_URL).toBe(has(name, 'bank') ? 'https://bank.example.com' : undefined);
    }
  });
});

describe('least privilege, from the catalog', () => {
  it.each(NAMES)("%s: DynamoDB actions are exactly the catalog's table actions, on the table and its named indexes", (name) => {
    const statements = statementsOf(dev, name);
    const dynamo = statements.filter((s) => actionsIn([s]).some((a) => a.startsWith('dynamodb:')));
    expect(sorted(actionsIn(dynamo))).toEqual(sorted(specOf(name).table));
    const tableArn = { 'Fn::GetAtt': [idOf(dev, dev.stack.data.table), 'Arn'] };
    const indexArns = INDEXES.map((index) => ({ 'Fn::Join': ['', [tableArn, `/index/${index.name}`]] }));
    for (const s of dynamo) expect(s.Resource).toEqual([tableArn, ...indexArns]);
  });

  it.each(NAMES)('%s: all actions are exactly what its table actions, capabilities and schedule imply', (name) => {
    const spec = specOf(name);
    const expected = [
      ...ALWAYS,
      ...spec.table,
      ...(spec.table.length > 0 ? TABLE_KEY_ACTIONS : []),
      ...spec.capabilities.flatMap((c) => CAPABILITY_ACTIONS[c]),
      ...(name in SCHEDULES ? SCHEDULED_ACTIONS : []),
    ];
    const statements = statementsOf(dev, name);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(sorted(actionsIn(statements))).toEqual(sorted(expected));
  });

  it.each(NAMES.filter((n) => !has(n, 'secrets')))('%s: without the secrets capability it cannot read the secret', (name) => {
    const statements = statementsOf(dev, name);
    expect(actionsIn(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain(idOf(dev, dev.stack.secrets.secret));
  });

  it('the meta function has no DynamoDB or table-key access at all', () => {
    const statements = statementsOf(dev, 'meta');
    expect(actionsIn(statements).filter((a) => a.startsWith('dynamodb:') || a.startsWith('kms:'))).toEqual([]);
    expect(actionsIn(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('functions with the secrets capability read only the service secret', () => {
    for (const name of NAMES.filter((n) => has(n, 'secrets'))) {
      expect(resourcesFor(statementsOf(dev, name), 'secretsmanager:GetSecretValue')).toEqual([{ Ref: idOf(dev, dev.stack.secrets.secret) }]);
    }
  });

  it('functions with the alerts capability publish only to the ops topic, with only its key', () => {
    for (const name of NAMES.filter((n) => has(n, 'alerts'))) {
      const statements = statementsOf(dev, name);
      const publish = resourcesFor(statements, 'sns:Publish');
      expect(publish).toContainEqual({ Ref: idOf(dev, dev.stack.monitoring.topic) });
      expect(publish.filter((r) => r === '*')).toHaveLength(has(name, 'sms') ? 1 : 0);
      expect(resourcesFor(statements, 'kms:GenerateDataKey')).toContainEqual({ 'Fn::GetAtt': [idOf(dev, dev.stack.monitoring.key), 'Arn'] });
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

  it('projects each index as declared (gsi2 keys only)', () => {
    const [table] = Object.values(dev.template.findResources('AWS::DynamoDB::Table'));
    const projections = Object.fromEntries(
      (table.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: { ProjectionType: string } }[]).map((i) => [i.IndexName, i.Projection.ProjectionType]),
    );
    expect(projections).toEqual(Object.fromEntries(TABLE.indexes.map((i) => [i.name, i.projection])));
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
  it('creates wallet users only through the admin API and signs them in with email', () => {
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
    prod.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('keeps staff in a pool of their own: admin-made only, TOTP required at every sign-in, the ops group there and only there', () => {
    const staffPool = idOf(dev, dev.stack.identity.staffPool);
    const pools = dev.template.findResources('AWS::Cognito::UserPool');
    expect(Object.keys(pools)).toHaveLength(2);
    expect(pools[staffPool].Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: expect.objectContaining({ MinimumLength: 14, RequireSymbols: true }) },
    });
    // The wallet users' pool has no MFA setting that could be mistaken for staff protection, and no groups.
    const userPool = idOf(dev, dev.stack.identity.userPool);
    expect(pools[userPool].Properties.MfaConfiguration ?? 'OFF').toBe('OFF');
    const groups = Object.values(dev.template.findResources('AWS::Cognito::UserPoolGroup'));
    expect(groups.map((g) => [g.Properties.GroupName, g.Properties.UserPoolId])).toEqual([['ops', { Ref: staffPool }]]);
    dev.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: staffPool },
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH']),
      PreventUserExistenceErrors: 'ENABLED',
      RefreshTokenValidity: 720,
    });
    // Registration's admin rights reach the wallet users' pool only, never the staff pool.
    const identityPolicies = JSON.stringify(dev.template.findResources('AWS::IAM::Policy'));
    expect(identityPolicies).not.toMatch(new RegExp(`"${staffPool}","Arn"`));
    prod.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ MfaConfiguration: 'ON' }) });
  });

  it('sets the SNS SMS monthly spend limit (default 1 USD, the new-account quota; from context)', () => {
    const limitIn = (s: Synth) => {
      const calls = Object.values(s.template.findResources('Custom::AWS')).map((r) => JSON.stringify(r.Properties.Create));
      expect(calls).toHaveLength(1);
      return calls[0];
    };
    expect(limitIn(dev)).toContain('\\"action\\":\\"SetSMSAttributes\\"');
    expect(limitIn(dev)).toContain('\\"MonthlySpendLimit\\":\\"1\\"');
    expect(limitIn(synth('dev', { smsMonthlySpendLimitUsd: '250' }, { bundle: false }))).toContain('\\"MonthlySpendLimit\\":\\"250\\"');
    dev.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'sns:SetSMSAttributes', Effect: 'Allow', Resource: '*' })] },
    });
  });

  it('gives the functions the SMS limits and the phone country allow-list from context', () => {
    const envOf = (s: Synth) => s.template.findResources('AWS::Lambda::Function')[idOf(s, s.stack.functions.identity.lambda)].Properties.Environment.Variables;
    expect(envOf(dev)).toMatchObject({ ALLOWED_COUNTRY_CODES: '+81', SMS_LIMIT_PER_PHONE: '5', SMS_LIMIT_PER_ADDRESS: '20', SMS_LIMIT_OVERALL: '1000' });
    const custom = synth('dev', { allowedCountryCodes: '+81, +1', smsLimitPerAddress: '50' }, { bundle: false });
    expect(envOf(custom)).toMatchObject({ ALLOWED_COUNTRY_CODES: '+81,+1', SMS_LIMIT_PER_ADDRESS: '50' });
  });

  it('writes the compact activity item and trusts the controls mirror unless the deploy beside older code says otherwise (context activityItemFormat, controlsMirror)', () => {
    const values = (s: Synth, variable: string) =>
      new Set(NAMES.map((name) => s.template.toJSON().Resources[idOf(s, s.stack.functions[name].lambda)].Properties.Environment.Variables[variable]));
    expect([values(dev, 'ACTIVITY_ITEM_FORMAT'), values(dev, 'CONTROLS_MIRROR')]).toEqual([new Set(['compact']), new Set(['trusted'])]);
    const crossing = synth('dev', { activityItemFormat: 'maps', controlsMirror: 'untrusted' }, { bundle: false });
    expect([values(crossing, 'ACTIVITY_ITEM_FORMAT'), values(crossing, 'CONTROLS_MIRROR')]).toEqual([new Set(['maps']), new Set(['untrusted'])]);
  });

  it('app client: no OAuth flows or callback URLs, and no attribute a user could write with their own token', () => {
    for (const s of [dev, prod]) {
      s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        AllowedOAuthFlowsUserPoolClient: false,
        AllowedOAuthFlows: Match.absent(),
        CallbackURLs: Match.absent(),
        // An absent list would make every attribute writable, the e-mail (the sign-in name) included.
        WriteAttributes: [],
      });
    }
  });

  it('generates the master key into the JSON the functions read, from a template that never changes (a change would regenerate the master key)', () => {
    // The literal, not SECRET_TEMPLATE: editing the constant must fail here. The deploy-time step fills the webhook secrets (service-secret.test.ts).
    dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ ekycWebhookSecret: 'set-me', ekycApiKey: 'set-me', bankApiKey: 'set-me', bankWebhookSecret: 'set-me' }),
        GenerateStringKey: 'masterKey',
        ExcludePunctuation: true,
        PasswordLength: 64,
      },
    });
  });
});

describe('charge workflow', () => {
  let definition: Definition;
  let S: Record<string, State>;
  beforeAll(() => {
    definition = definitionOf(dev);
    S = definition.States;
  });

  it('is a logged, traced Standard state machine', () => {
    dev.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('is JSONPath only (the local runner ignores JSONata)', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const state of Object.values(S)) expect(state.QueryLanguage).toBeUndefined();
    expect(JSON.stringify(definition)).not.toMatch(/\{%/);
  });

  it('invokes only the chargeWorkflow task handler', () => {
    const tasks = Object.values(S).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    const fn = `\${${idOf(dev, dev.stack.functions.chargeWorkflow.lambda)}.Arn}`;
    for (const task of tasks) expect(task.Parameters?.FunctionName).toBe(fn);
  });

  it.each([
    ['AwaitConfirmation', 300],
    ['AwaitReview', 86_400],
  ])('%s waits for a task token with TimeoutSeconds %i and ends the charge on every way out', (name, timeout) => {
    const state = S[name];
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: expect.stringMatching(/:states:::lambda:invoke\.waitForTaskToken$/),
      TimeoutSeconds: timeout,
      Parameters: { Payload: expect.objectContaining({ 'taskToken.$': '$$.Task.Token', 'chargeId.$': '$.chargeId' }) },
    });
    // The wait timing out, and the handler's own Expired, both expire the charge.
    expect(state.Catch?.[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['States.Timeout', WORKFLOW_ERRORS.expired]), Next: 'ExpireCharge' });
    expect(catchTarget(state, 'States.Timeout')).toBe('ExpireCharge');
    expect(catchTarget(state, WORKFLOW_ERRORS.expired)).toBe('ExpireCharge');
    expect(catchTarget(state, WORKFLOW_ERRORS.cancelled)).toBe('CancelCharge');
    expect(catchTarget(state, WORKFLOW_ERRORS.rejected)).toBe('DeclineCharge');
    expect(catchTarget(state, 'Anything.Else')).toBe('FailCharge');
  });

  it('names only errors that exist: States.* or functions/workflow/errors.ts', () => {
    const known = new Set<string>(Object.values(WORKFLOW_ERRORS));
    const named = Object.values(S).flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals));
    expect(named.filter((e) => !e.startsWith('States.') && !e.startsWith('Lambda.') && !known.has(e))).toEqual([]);
  });

  it('DebitBank retries only BankUnavailable (with backoff), fails the charge on BankDeclined, and reverses on anything unknown', () => {
    const debit = S.DebitBank;
    const business = (debit.Retry ?? []).filter((r) => !r.ErrorEquals.every((e) => e.startsWith('Lambda.')));
    expect(business).toEqual([{ ErrorEquals: [WORKFLOW_ERRORS.bankUnavailable], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2 }]);
    expect(catchTarget(debit, WORKFLOW_ERRORS.bankDeclined)).toBe('FailCharge');
    expect(catchTarget(debit, WORKFLOW_ERRORS.chargeClosed)).toBe('Ended');
    expect(catchTarget(debit, WORKFLOW_ERRORS.bankUnavailable)).toBe('ReverseDebit');
    expect(debit.Next).toBe('CreditWallet');
  });

  it('every task retries Lambda throttling before any catch-all, so a throttled task does not end the charge', () => {
    const tasksOf = Object.entries(S).filter(([, s]) => s.Type === 'Task');
    expect(tasksOf.length).toBeGreaterThan(5);
    for (const [name, state] of tasksOf) {
      const retriers = state.Retry ?? [];
      const throttle = retriers.findIndex((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
      const catchAll = retriers.findIndex((r) => r.ErrorEquals.includes('States.ALL'));
      expect([name, throttle >= 0]).toEqual([name, true]);
      if (catchAll >= 0) expect([name, throttle < catchAll]).toEqual([name, true]);
      expect(retriers[throttle]).toMatchObject({ ErrorEquals: LAMBDA_THROTTLES, MaxAttempts: 8 });
    }
  });

  it('CreditWallet retries LedgerBusy and compensates any failure with ReverseDebit', () => {
    const credit = S.CreditWallet;
    expect(credit.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: [WORKFLOW_ERRORS.ledgerBusy] }));
    expect(catchTarget(credit, WORKFLOW_ERRORS.creditRejected)).toBe('ReverseDebit');
    expect(catchTarget(credit, 'States.ALL')).toBe('ReverseDebit');
    expect(credit.Next).toBe('Completed');
    expect(catchTarget(S.ReverseDebit, 'States.ALL')).toBe('ReversalFailed');
  });

  it('fails the execution (and so pages ops) only where a person must act', () => {
    const fails = Object.entries(S).filter(([, s]) => s.Type === 'Fail').map(([name]) => name);
    expect(fails.sort()).toEqual(['FinishFailed', 'ReversalFailed', 'UnknownStage']);
  });

  it('lets the charges function start executions of this state machine', () => {
    dev.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'AnshinWallet-dev-Charge' });
    // Granted by name (ChargeWorkflow.ref), so the functions need not wait for the machine.
    const start = resourcesFor(statementsOf(dev, 'charges'), 'states:StartExecution');
    expect(start).toHaveLength(1);
    expect(JSON.stringify(start)).toMatch(/:stateMachine:AnshinWallet-dev-Charge"/);
  });

  it.each(['chargeWorkflow', 'charges', 'reviews', 'ops', 'reports', 'sweeper'] as FunctionName[])('%s may resume waiting executions (SendTaskSuccess/Failure)', (name) => {
    const actions = actionsIn(statementsOf(dev, name));
    expect(actions).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
  });

  it('the state machine may invoke the chargeWorkflow function and nothing else', () => {
    const role = dev.stack.workflow.stateMachine.role;
    const statements = statementsOfRole(dev, idOf(dev, role));
    const fnArn = { 'Fn::GetAtt': [idOf(dev, dev.stack.functions.chargeWorkflow.lambda), 'Arn'] };
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toEqual([fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }]);
    expect(actionsIn(statements).filter((a) => a.startsWith('lambda:'))).toEqual(['lambda:InvokeFunction']);
    expect(actionsIn(statements).filter((a) => !/^(lambda|logs|xray):/.test(a))).toEqual([]);
  });
});

describe('sweeper schedule', () => {
  it('runs one sweep at a time (reserved concurrency 1); no other function reserves any', () => {
    const sweeper = dev.template.findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: 1 } });
    expect(Object.keys(sweeper)).toEqual([idOf(dev, dev.stack.functions.sweeper.lambda)]);
    expect(Object.keys(dev.template.findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: Match.anyValue() } }))).toHaveLength(1);
  });

  it('runs the sweeper every minute, with 2 retries and a dead-letter queue', () => {
    const sweeper = { 'Fn::GetAtt': [idOf(dev, dev.stack.functions.sweeper.lambda), 'Arn'] };
    const dlq = { 'Fn::GetAtt': [idOf(dev, dev.stack.schedules.sweeper!.deadLetters), 'Arn'] };
    dev.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: sweeper, DeadLetterConfig: { Arn: dlq }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    // Runs that fail on every try are Lambda's async failures: same queue.
    dev.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf(dev, dev.stack.functions.sweeper.lambda) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
  });

  it('keeps the dead letters encrypted, over TLS only, writable by the rule', () => {
    const queueId = idOf(dev, dev.stack.schedules.sweeper!.deadLetters);
    dev.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    dev.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
        ]),
      },
    });
  });
});

describe('ops console site', () => {
  it('keeps the files in a private, encrypted, versioned, logged bucket that refuses plain HTTP', () => {
    const site = dev.template.toJSON().Resources[idOf(dev, dev.stack.console.bucket)].Properties;
    expect(site).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: idOf(dev, dev.stack.console.logs) } },
    });
    for (const bucket of [dev.stack.console.bucket, dev.stack.console.logs]) {
      dev.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: idOf(dev, bucket) },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('serves it through CloudFront only (Origin Access Control), HTTPS only, with security headers and access logs', () => {
    dev.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    dev.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'ops/index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          ResponseHeadersPolicyId: { Ref: idOf(dev, dev.stack.console.headers) },
        }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        Logging: Match.objectLike({ Bucket: { 'Fn::GetAtt': [idOf(dev, dev.stack.console.logs), 'RegionalDomainName'] } }),
      }),
    });
    dev.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: idOf(dev, dev.stack.console.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]),
      },
    });
  });

  it('sends strict security headers: HSTS, no sniffing, no framing, no referrer (the not-me token is in the URL), a CSP', () => {
    const policy = dev.template.toJSON().Resources[idOf(dev, dev.stack.console.headers)].Properties.ResponseHeadersPolicyConfig;
    expect(policy.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY' },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
      ContentSecurityPolicy: { Override: true },
    });
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain('https://*.execute-api.');
  });

  it("allows each inline <script>/<style> of the console's pages by hash, and the pages use no inline handlers or style attributes the CSP would block", () => {
    const csp = contentSecurityPolicy(CONSOLE_DIR);
    for (const file of fs.readdirSync(CONSOLE_DIR).filter((f) => f.endsWith('.html'))) {
      const html = fs.readFileSync(path.join(CONSOLE_DIR, file), 'utf8');
      expect({ file, handlers: html.match(/\son[a-z]+\s*=/gi) ?? [], styles: html.match(/\sstyle\s*=/gi) ?? [] }).toEqual({ file, handlers: [], styles: [] });
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]).filter((b) => b.trim() !== '');
      for (const body of inline) expect(csp).toContain(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    }
  });

  it('deploys console/ under ops/ with a generated config.js that points at the API and the staff pool\'s console client', () => {
    const [deployment] = Object.values(dev.template.findResources('Custom::CDKBucketDeployment'));
    const props = deployment.Properties;
    expect(props).toMatchObject({
      DestinationBucketName: { Ref: idOf(dev, dev.stack.console.bucket) },
      DestinationBucketKeyPrefix: 'ops/',
      DistributionId: { Ref: idOf(dev, dev.stack.console.distribution) },
      DistributionPaths: ['/ops/*'],
    });
    // Sources: the console folder, then config.js whose markers CloudFormation replaces with the API URL, the region and the staff client, then the catalog's texts.
    const [files, config, messages] = (props.SourceObjectKeys as string[]).map((key) => path.join(dev.outdir, `asset.${key.replace(/\.zip$/, '')}`));
    expect(fs.readdirSync(files)).toEqual(expect.arrayContaining(['not-me.html']));
    expect(fs.readFileSync(path.join(config, 'config.js'), 'utf8')).toBe(
      "window.ANSHIN_API_URL = '<<marker:0xbaba:0>>';\nwindow.ANSHIN_STAFF_SIGN_IN = { region: '<<marker:0xbaba:1>>', clientId: '<<marker:0xbaba:2>>' };\n",
    );
    expect(props.SourceObjectKeys).toHaveLength(3);
    // The synthesized markers leave out the last source's empty map.
    expect(props.SourceMarkers).toEqual([
      {},
      {
        '<<marker:0xbaba:0>>': { 'Fn::GetAtt': [idOf(dev, dev.stack.api.httpApi), 'ApiEndpoint'] },
        '<<marker:0xbaba:1>>': { Ref: 'AWS::Region' },
        '<<marker:0xbaba:2>>': { Ref: idOf(dev, dev.stack.identity.staffClient) },
      },
    ]);
    expect(fs.readFileSync(path.join(messages, 'messages.js'), 'utf8')).toBe(browserMessagesScript());
  });

  it('outputs the console URL', () => {
    dev.template.hasOutput('OpsConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf(dev, dev.stack.console.distribution), 'DomainName'] }, '/ops/index.html']] },
    });
  });

  it('prod keeps the buckets; dev empties and deletes them', () => {
    prod.template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    dev.template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });
});

describe('monitoring', () => {
  const topicOf = (s: Synth) => ({ Ref: idOf(s, s.stack.monitoring.topic) });
  const service = { Name: 'service', Value: 'anshin-wallet' };

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
    const withEmail = synth('dev', { alarmEmail: 'oncall@example.com' }, { bundle: false });
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('every alarm notifies the ops topic when it fires and when it clears, and treats missing data as not breaching', () => {
    const alarms = Object.values(dev.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(dev.stack.monitoring.alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topicOf(dev)], OKActions: [topicOf(dev)], TreatMissingData: 'notBreaching' });
    }
  });

  it.each(NAMES)('%s: alarms on errors and throttles', (name) => {
    for (const metric of ['Errors', 'Throttles']) {
      dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(dev, dev.stack.functions[name].lambda) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on failed charge executions', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: idOf(dev, dev.stack.workflow.stateMachine) } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on a spike of link failures at any one bank, whatever the bank codes (Metrics Insights, grouped by bank)', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'AnshinWallet-dev-LinkFailuresAtOneBank',
      Threshold: DEFAULT_ALARMS.linkFailuresPerBank,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        Match.objectLike({
          Expression: Match.stringLikeRegexp(`^SELECT SUM\\(${METRIC.linkFailure}\\) FROM SCHEMA\\("AnshinWallet", bankCode, service\\) .*GROUP BY bankCode ORDER BY SUM\\(\\) DESC LIMIT 1$`),
          Period: 300,
          ReturnData: true,
        }),
      ],
    });
  });

  it.each([
    ['DENY', DEFAULT_ALARMS.denyDecisions],
    ['REVIEW', DEFAULT_ALARMS.reviewDecisions],
  ])('alarms on a spike of %s decisions (5-minute sum)', (outcome, threshold) => {
    const alarms = Object.values(dev.template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: METRIC.chargeDecision } })).map((a) => a.Properties);
    const alarm = alarms.find((a) => (a.Dimensions as { Name: string; Value: string }[]).some((d) => d.Name === 'outcome' && d.Value === outcome));
    expect(alarm).toMatchObject({ Namespace: 'AnshinWallet', Statistic: 'Sum', Period: 300, Threshold: threshold, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm?.Dimensions).toHaveLength(2);
    expect(alarm?.Dimensions).toEqual(expect.arrayContaining([service, { Name: 'outcome', Value: outcome }]));
  });

  it('takes alarm thresholds from context', () => {
    const s = synth('dev', { alarmLinkFailuresPerBank: '25', alarmDenyDecisions: '40', alarmReviewDecisions: '15' }, { bundle: false });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'AnshinWallet-dev-LinkFailuresAtOneBank', Threshold: 25 });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'AnshinWallet-dev-DenyDecisionSpike', Threshold: 40 });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'AnshinWallet-dev-ReviewDecisionSpike', Threshold: 15 });
  });

  it('alarms when a review has been open for 30 minutes', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AnshinWallet',
      MetricName: METRIC.oldestOpenReviewAge,
      Dimensions: [service],
      Statistic: 'Maximum',
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on every reversed debit', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AnshinWallet',
      MetricName: METRIC.debitReversed,
      Dimensions: [service],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('alarms as soon as the sweeper dead-letter queue is not empty', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(dev, dev.stack.schedules.sweeper!.deadLetters), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('has the stage dashboard with the business, Lambda, API and workflow graphs', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'AnshinWallet-dev' });
    prod.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'AnshinWallet-prod' });
    const [dashboard] = Object.values(dev.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = dev.stack.resolve(dashboard.Properties.DashboardBody);
    const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : '?')).join('');
    const widgets = JSON.parse(text).widgets as { properties: { title: string; metrics?: unknown[]; annotations?: { horizontal?: { value: number }[] } } }[];
    const byTitle = Object.fromEntries(widgets.map((w) => [w.properties.title, w.properties]));
    expect(Object.keys(byTitle)).toEqual(
      expect.arrayContaining([
        'Charges by outcome',
        'Charges finished by status',
        'Link failures by bank',
        'Code failures by purpose',
        'Oldest open review (seconds)',
        'Compensation paid (yen) and debits reversed',
        'Lambda errors',
        'Lambda duration (p99)',
        'API 4xx / 5xx',
        'API latency',
        'Charge executions',
      ]),
    );
    expect(byTitle['Oldest open review (seconds)'].annotations?.horizontal).toEqual([expect.objectContaining({ value: 1800 })]);
    expect(JSON.stringify(byTitle['Link failures by bank'].metrics)).toContain('SEARCH(');
    expect(JSON.stringify(byTitle['Charges by outcome'].metrics)).toContain('DENY');
    expect(JSON.stringify(byTitle['Compensation paid (yen) and debits reversed'].metrics)).toContain(METRIC.compensationPaid);
  });
});
