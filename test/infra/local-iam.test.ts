import { FUNCTIONS, type FunctionName } from '../../functions/shared/catalog';
import { AccessDenied, allows, guardPorts, iamRequestsOf, invocation, LocalIam, rolePolicies, type SynthesizedIam } from '../../local/iam';
import type { OpsAlerts, Secrets, SmsSender, WorkflowEngine } from '../../functions/app/ports';
import { synth } from './synth';

/** The local stack's IAM check (local/iam.ts), fed with the template the cloud stack synthesizes. */
const s = synth('dev', {}, { bundle: false });
const roleIds = Object.fromEntries(
  (Object.keys(FUNCTIONS) as FunctionName[]).map((fn) => [fn, s.stack.getLogicalId(s.stack.functions[fn].role.node.defaultChild as never)]),
) as Record<FunctionName, string>;
const iam: SynthesizedIam = rolePolicies(s.template.toJSON() as never, roleIds, { tableName: 'anshin-local', userPoolId: 'local_pool' });
const TABLE = 'arn:aws:dynamodb:ap-northeast-1:000000000000:table/anshin-local';
const DDB = 'DynamoDB_20120810';
const can = (fn: FunctionName, action: string, resource = TABLE) => allows(iam.policies[fn], action, resource);

describe('role policies read from the synthesized template', () => {
  it('resolves the table, its indexes and the other resources to the local names', () => {
    expect(iam.arns.table).toBe(TABLE);
    expect(iam.arns.userPool).toBe('arn:aws:cognito-idp:ap-northeast-1:000000000000:userpool/local_pool');
    expect(iam.arns.stateMachine).toBe('arn:aws:states:ap-northeast-1:000000000000:stateMachine:AnshinWallet-dev-Charge');
    expect(can('charges', 'dynamodb:Query', `${TABLE}/index/gsi1`)).toBe(true);
    expect(can('charges', 'dynamodb:Query', `${TABLE}/index/nope`)).toBe(false);
  });

  it('grants each function exactly the table actions of its catalog entry, through the template', () => {
    for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
      for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'ConditionCheckItem', 'Scan', 'BatchWriteItem']) {
        expect([fn, action, can(fn, `dynamodb:${action}`)]).toEqual([fn, action, (FUNCTIONS[fn].table as string[]).includes(`dynamodb:${action}`)]);
      }
    }
  });

  it('lets the profile function delete the spent code inside the phone verification transaction (the grant that was missing)', () => {
    const members = iamRequestsOf(`${DDB}.TransactWriteItems`, {
      TransactItems: [{ Delete: { TableName: 'anshin-local' } }, { Update: { TableName: 'anshin-local' } }],
    });
    expect(members.map((m) => m.action)).toEqual(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']);
    expect(members.every((m) => can('profile', m.action, m.resource))).toBe(true);
  });
});

describe('requests as IAM sees them', () => {
  it('counts each transaction member by its own action', () => {
    const t = { TableName: 'anshin-local' };
    expect(iamRequestsOf(`${DDB}.TransactWriteItems`, { TransactItems: [{ Put: t }, { Update: t }, { Delete: t }, { ConditionCheck: t }] }).map((r) => r.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ]);
    expect(iamRequestsOf(`${DDB}.TransactGetItems`, { TransactItems: [{ Get: t }] })).toEqual([{ action: 'dynamodb:GetItem', resource: TABLE }]);
  });

  it('names the index of a query, and only IAM-authorized Cognito calls', () => {
    expect(iamRequestsOf(`${DDB}.Query`, { TableName: 'anshin-local', IndexName: 'gsi2' })).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/gsi2` }]);
    expect(iamRequestsOf('AWSCognitoIdentityProviderService.InitiateAuth', { ClientId: 'x' })).toEqual([]);
    expect(iamRequestsOf('AWSCognitoIdentityProviderService.AdminCreateUser', { UserPoolId: 'local_pool' })).toEqual([
      { action: 'cognito-idp:AdminCreateUser', resource: iam.arns.userPool },
    ]);
  });
});

describe('enforcement', () => {
  const local = new LocalIam(iam);
  const as = <T>(fn: FunctionName, f: () => T) => invocation.run({ fn }, f);

  it('fails a disallowed call as AWS does, and lets calls outside any function (the stack seeding itself) through', () => {
    const req = iamRequestsOf(`${DDB}.Query`, { TableName: 'anshin-local', IndexName: 'gsi1' });
    let error: unknown;
    try {
      as('identity', () => local.authorize(req));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AccessDenied);
    expect(error).toMatchObject({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/anshin-local-identity/anshin-local-identity is not authorized to perform: dynamodb:Query on resource: ${TABLE}/index/gsi1 because no identity-based policy allows the dynamodb:Query action`,
    );
    expect(() => as('charges', () => local.authorize(req))).not.toThrow();
    expect(() => local.authorize(req)).not.toThrow();
    expect(() => as('profile', () => local.authorize(iamRequestsOf('AWSCognitoIdentityProviderService.AdminCreateUser', { UserPoolId: 'local_pool' })))).toThrow(
      AccessDenied,
    );
  });

  it('checks the ports whose local adapters are not SDK clients: workflow, SMS, alerts, secrets', async () => {
    const calls: string[] = [];
    const workflow: WorkflowEngine = {
      start: async () => void calls.push('start'),
      isRunning: async () => true,
      succeed: async () => true,
      fail: async () => true,
    };
    const sms: SmsSender = { send: async () => void calls.push('sms') };
    const alerts: OpsAlerts = { notify: async () => void calls.push('alert') };
    const ports = guardPorts(local, { workflow, sms, alerts, secrets: async () => ({}) as Secrets });
    await as('charges', () => ports.workflow.start('c1', { chargeId: 'c1', userId: 'u', outcome: 'CHALLENGE', stage: 'CONFIRM' }));
    await expect(as('reviews', () => ports.workflow.start('c2', { chargeId: 'c2', userId: 'u', outcome: 'REVIEW', stage: 'REVIEW' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(as('reviews', () => ports.workflow.succeed('t', {}))).resolves.toBe(true);
    await expect(as('reviews', () => ports.sms.send('+8190', 'x'))).rejects.toMatchObject({ name: 'AuthorizationError', $metadata: { httpStatusCode: 403 } });
    // charges may publish SMS (sns:Publish on "*"), which IAM also lets reach the topic: reviews has neither.
    await expect(as('reviews', () => ports.alerts.notify('s', 'm'))).rejects.toMatchObject({ name: 'AuthorizationError' });
    await as('ops', () => ports.alerts.notify('s', 'm'));
    await expect(as('meta', () => ports.secrets())).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(as('profile', () => ports.secrets())).resolves.toEqual({});
    expect(calls).toEqual(['start', 'alert']);
  });
});
