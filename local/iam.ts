import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionName } from '../functions/shared/catalog';
import { stageConfig } from '../lib/config';
import { WalletStack } from '../lib/wallet-stack';
import type { OpsAlerts, Secrets, SmsSender, WorkflowEngine } from '../functions/app/ports';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './workflow-definition';

/**
 * IAM as the cloud enforces it, for the local stack: each function's role policy is read
 * from the template `cdk synth` produces (never from a second list), and every AWS call a
 * function makes locally is checked against it. A call its role would not allow fails as
 * AWS fails it, so a missing grant breaks `npm start` and the integration tests, not the
 * first deploy.
 */

/** The function whose code is running; the local runtime sets it around each invocation. */
export const invocation = new AsyncLocalStorage<{ fn: FunctionName }>();

export const currentFunction = (): FunctionName | undefined => invocation.getStore()?.fn;

export interface Statement {
  actions: string[];
  resources: string[];
}

/** What the local stack's resources are called in ARNs the policies can be matched against. */
export interface LocalResources {
  tableName: string;
  userPoolId: string;
  clientId?: string;
}

export interface SynthesizedIam {
  /** Each function's Allow statements, resolved to local ARNs. */
  policies: Record<FunctionName, Statement[]>;
  /** The ARNs the cloud adapters would call, as the template gives them to the functions. */
  arns: { stateMachine: string; secret: string; alertsTopic: string; userPool: string; table: string };
}

type Cfn = unknown;
export type Resources = Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> }>;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'AnshinWallet-dev',
};

/** Resolves the intrinsics of a policy statement to the local names of the resources they point at. */
export function resolver(resources: Resources, local: LocalResources) {
  const arnOf = (service: string, rest: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;
  const ref = (id: string): string => {
    if (id in PSEUDO) return PSEUDO[id];
    const r = resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return local.tableName;
      case 'AWS::Cognito::UserPool':
        return local.userPoolId;
      case 'AWS::Cognito::UserPoolClient':
        return local.clientId ?? id;
      case 'AWS::SecretsManager::Secret':
        return arnOf('secretsmanager', `secret:${id}`);
      case 'AWS::SNS::Topic':
        return arnOf('sns', id);
      case 'AWS::StepFunctions::StateMachine':
        return arnOf('states', `stateMachine:${String(r.Properties?.StateMachineName ?? id)}`);
      default:
        return id;
    }
  };
  const getAtt = (id: string, attr: string): string => {
    const r = resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    if (attr !== 'Arn') return `${id}.${attr}`;
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return arnOf('dynamodb', `table/${local.tableName}`);
      case 'AWS::Cognito::UserPool':
        return arnOf('cognito-idp', `userpool/${local.userPoolId}`);
      default:
        // Log groups, keys, queues: nothing local calls them, so any distinct name will do.
        return arnOf('local', id);
    }
  };
  const resolve = (value: Cfn): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') return ref(v.Ref);
    if (Array.isArray(v['Fn::GetAtt'])) return getAtt(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1]);
    if (Array.isArray(v['Fn::Join'])) return (v['Fn::Join'][1] as Cfn[]).map(resolve).join(v['Fn::Join'][0]);
    if (typeof v['Fn::Sub'] === 'string') return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => (name.includes('.') ? getAtt(name.split('.')[0], name.split('.')[1]) : ref(name)));
    throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
  };
  return resolve;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Extracts each function's policy from a synthesized template of the wallet stack. */
export function rolePolicies(template: { Resources: Resources }, roleIds: Record<FunctionName, string>, local: LocalResources): SynthesizedIam {
  const resources = template.Resources;
  const resolve = resolver(resources, local);
  const policies = {} as Record<FunctionName, Statement[]>;
  for (const fn of Object.keys(roleIds) as FunctionName[]) {
    const roleId = roleIds[fn];
    const documents: { Statement: any[] }[] = [];
    for (const r of Object.values(resources)) {
      if (r.Type === 'AWS::IAM::Policy' && list<any>(r.Properties?.Roles).some((x) => x?.Ref === roleId)) documents.push(r.Properties!.PolicyDocument);
    }
    for (const inline of list<any>(resources[roleId]?.Properties?.Policies)) documents.push(inline.PolicyDocument);
    if (list(resources[roleId]?.Properties?.ManagedPolicyArns).length > 0) throw new Error(`role of ${fn} has managed policies: the local check cannot read them`);
    policies[fn] = documents.flatMap((d) =>
      list(d.Statement).map((s: any) => {
        // Only plain Allow statements are written by the stack; anything else must be modelled before it is trusted.
        if (s.Effect !== 'Allow' || s.Condition || s.NotAction || s.NotResource) throw new Error(`unsupported statement in the policy of ${fn}: ${JSON.stringify(s)}`);
        return { actions: list<string>(s.Action), resources: list<Cfn>(s.Resource).map(resolve) };
      }),
    );
  }
  const only = (type: string) => {
    const ids = Object.keys(resources).filter((id) => resources[id].Type === type);
    if (ids.length !== 1) throw new Error(`expected one ${type} in the template, found ${ids.length}`);
    return ids[0];
  };
  // The ARN a cloud adapter calls is the one in its function's environment: resolved from the same
  // template expression as the policy (a CLI synth may write a literal region into both).
  const fromEnv = (name: string): string | undefined => {
    for (const f of Object.values(functionsInTemplate(template))) if (f.environment[name] !== undefined) return resolve(f.environment[name]);
    return undefined;
  };
  return {
    policies,
    arns: {
      table: resolve({ 'Fn::GetAtt': [only('AWS::DynamoDB::Table'), 'Arn'] }),
      // The cloud has two pools (wallet users, staff); locally both are the one cognito-local pool.
      userPool: resolve({ 'Fn::GetAtt': [Object.keys(resources).find((id) => resources[id].Type === 'AWS::Cognito::UserPool') ?? only('AWS::Cognito::UserPool'), 'Arn'] }),
      stateMachine: fromEnv('STATE_MACHINE_ARN') ?? resolve({ Ref: only('AWS::StepFunctions::StateMachine') }),
      secret: fromEnv('SECRETS_ARN') ?? resolve({ Ref: only('AWS::SecretsManager::Secret') }),
      alertsTopic: fromEnv('ALERTS_TOPIC_ARN') ?? resolve({ Ref: only('AWS::SNS::Topic') }),
    },
  };
}

export interface SynthesizedTemplate {
  template: { Resources: Resources };
  roleIds: Record<FunctionName, string>;
}

export interface TemplateFunction {
  lambdaId: string;
  roleId: string;
  environment: Record<string, unknown>;
  /** The S3 key of the deployed bundle: `<asset hash>.zip`. */
  codeKey?: string;
}

/**
 * Each catalog function's resources in a template, found by the description the catalog gives
 * it, so a template written by `cdk synth` (no construct tree at hand) can be read as well.
 */
export function functionsInTemplate(template: { Resources: Resources }): Record<FunctionName, TemplateFunction> {
  const out = {} as Record<FunctionName, TemplateFunction>;
  const lambdas = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
    const found = lambdas.filter(([, r]) => r.Properties?.Description === FUNCTIONS[fn].description);
    if (found.length !== 1) throw new Error(`expected one Lambda function described "${FUNCTIONS[fn].description}" in the template, found ${found.length}`);
    const [lambdaId, r] = found[0];
    const roleId = r.Properties?.Role?.['Fn::GetAtt']?.[0] as string | undefined;
    if (!roleId) throw new Error(`the ${fn} function has no role of the stack`);
    const key = r.Properties?.Code?.S3Key;
    out[fn] = { lambdaId, roleId, environment: r.Properties?.Environment?.Variables ?? {}, codeKey: typeof key === 'string' ? key : undefined };
  }
  return out;
}

/**
 * Synthesizes the dev stack as `cdk synth` does. Without `bundle`, esbuild does not run: the
 * template is the same, only the function code is a placeholder.
 */
export function synthesizeTemplate(options: { bundle?: boolean; outdir?: string } = {}): SynthesizedTemplate & { outdir: string } {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'anshin-iam-'));
  try {
    const app = new App({ outdir, context: { stage: 'dev', ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
    const config = stageConfig((k) => app.node.tryGetContext(k), {});
    const stack = new WalletStack(app, 'AnshinWallet-dev', { config });
    const template = Template.fromStack(stack).toJSON() as { Resources: Resources };
    if (options.bundle) app.synth();
    const fns = functionsInTemplate(template);
    const roleIds = Object.fromEntries((Object.keys(fns) as FunctionName[]).map((fn) => [fn, fns[fn].roleId])) as Record<FunctionName, string>;
    return { template, roleIds, outdir };
  } finally {
    if (!options.outdir) rmSync(outdir, { recursive: true, force: true });
  }
}

export function synthesizedIam(local: LocalResources, synthesized: SynthesizedTemplate = synthesizeTemplate()): SynthesizedIam {
  return rolePolicies(synthesized.template, synthesized.roleIds, local);
}

/** IAM's wildcards: `*` any run of characters, `?` one; actions compare case-insensitively. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

export function allows(statements: Statement[], action: string, resource: string): boolean {
  return statements.some((s) => s.actions.some((a) => matches(a, action, true)) && s.resources.some((r) => matches(r, resource, false)));
}

/** The error AWS returns when no identity-based policy allows a call. SNS names it AuthorizationError. */
export class AccessDenied extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
  constructor(fn: FunctionName, action: string, resource: string) {
    const role = `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/anshin-local-${fn}/anshin-local-${fn}`;
    super(`User: ${role} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`);
    this.name = action.startsWith('sns:') ? 'AuthorizationError' : 'AccessDeniedException';
    if (action.startsWith('sns:')) this.$metadata.httpStatusCode = 403;
  }
}

/** One action on one resource, as IAM evaluates each request (and each member of a transaction). */
export interface Request {
  action: string;
  resource: string;
}

export class LocalIam {
  /** Every denial, for the local stack's log: a denied call in a test is a grant to fix, not noise. */
  readonly denials: { fn: FunctionName; action: string; resource: string; at: string }[] = [];
  constructor(readonly iam: SynthesizedIam, private readonly log: (line: string) => void = () => undefined) {}

  /** Throws AccessDenied unless the running function's role allows every request; calls outside a function are the stack's own. */
  authorize(requests: Request[]): void {
    const fn = currentFunction();
    if (!fn) return;
    for (const { action, resource } of requests) {
      if (allows(this.iam.policies[fn], action, resource)) continue;
      this.denials.push({ fn, action, resource, at: new Date().toISOString() });
      this.log(`[iam] ${fn} denied ${action} on ${resource}`);
      throw new AccessDenied(fn, action, resource);
    }
  }
}

const tableArn = (table: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${table}`;
/** A transaction is authorized member by member, each by the action of its own kind. */
const TRANSACT_WRITE: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
/** Cognito operations that are authenticated by the user's password or token, not by IAM. */
const COGNITO_PUBLIC = new Set(['InitiateAuth', 'RespondToAuthChallenge', 'SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'ForgotPassword', 'ConfirmForgotPassword', 'ChangePassword', 'GetUser', 'GlobalSignOut', 'RevokeToken', 'UpdateUserAttributes', 'DeleteUser']);

/**
 * The IAM requests one AWS JSON-protocol call makes (the `X-Amz-Target` header names the
 * operation), as IAM's service authorization reference defines them for DynamoDB and Cognito.
 */
export function iamRequestsOf(target: string, body: Record<string, any>): Request[] {
  const [prefix, op] = target.split('.');
  if (prefix.startsWith('DynamoDB_')) {
    switch (op) {
      case 'TransactWriteItems':
        return (body.TransactItems as Record<string, { TableName: string }>[]).map((member) => {
          const [kind, item] = Object.entries(member)[0];
          return { action: `dynamodb:${TRANSACT_WRITE[kind]}`, resource: tableArn(item.TableName) };
        });
      case 'TransactGetItems':
        return (body.TransactItems as { Get: { TableName: string } }[]).map((m) => ({ action: 'dynamodb:GetItem', resource: tableArn(m.Get.TableName) }));
      case 'BatchGetItem':
      case 'BatchWriteItem':
        return Object.keys(body.RequestItems ?? {}).map((t) => ({ action: `dynamodb:${op}`, resource: tableArn(t) }));
      default: {
        if (!body.TableName) return [{ action: `dynamodb:${op}`, resource: '*' }];
        const table = tableArn(body.TableName);
        return [{ action: `dynamodb:${op}`, resource: body.IndexName ? `${table}/index/${body.IndexName}` : table }];
      }
    }
  }
  if (prefix === 'AWSCognitoIdentityProviderService') {
    if (COGNITO_PUBLIC.has(op)) return [];
    return [{ action: `cognito-idp:${op}`, resource: body.UserPoolId ? `arn:aws:cognito-idp:${LOCAL_REGION}:${LOCAL_ACCOUNT}:userpool/${body.UserPoolId}` : '*' }];
  }
  throw new Error(`the local IAM check does not know ${target}`);
}

/** The AWS calls behind the ports whose local adapters are not SDK clients, checked as the cloud adapters would be. */
export function guardPorts<P extends { sms: SmsSender; alerts: OpsAlerts; workflow: WorkflowEngine; secrets: () => Promise<Secrets> }>(iam: LocalIam, ports: P): P {
  const { arns } = iam.iam;
  const execution = (name: string) => `${arns.stateMachine.replace(':stateMachine:', ':execution:')}:${name}`;
  const check = (action: string, resource: string) => iam.authorize([{ action, resource }]);
  return {
    ...ports,
    // SMS straight to a phone number has no resource ARN: IAM matches it only against "*".
    sms: { send: async (to, body) => (check('sns:Publish', '*'), ports.sms.send(to, body)) },
    alerts: { notify: async (subject, message) => (check('sns:Publish', arns.alertsTopic), ports.alerts.notify(subject, message)) },
    secrets: async () => (check('secretsmanager:GetSecretValue', arns.secret), ports.secrets()),
    workflow: {
      start: async (name, input) => (check('states:StartExecution', arns.stateMachine), ports.workflow.start(name, input)),
      isRunning: async (name) => (check('states:DescribeExecution', execution(name)), ports.workflow.isRunning(name)),
      succeed: async (token, output) => (check('states:SendTaskSuccess', arns.stateMachine), ports.workflow.succeed(token, output)),
      fail: async (token, error, cause) => (check('states:SendTaskFailure', arns.stateMachine), ports.workflow.fail(token, error, cause)),
    } satisfies WorkflowEngine,
  };
}
