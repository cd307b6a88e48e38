/**
 * The deploy-time step of the service secret (functions/adapters/secrets.ts, run as a
 * CloudFormation custom resource): what it generates, what it refuses and that it never replaces
 * a value a deployer wrote. Secrets Manager is a small stateful fake behind aws-sdk-client-mock.
 */
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { GENERATED_KEYS, ISSUED_KEYS, PLACEHOLDER, SECRET_KEYS, planServiceSecret, secretsFrom, serviceSecretSetup, type SecretKey } from '../../functions/adapters/secrets';

const ID = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:anshin-wallet/prod';
const PROD = { required: ['ekycApiKey', 'bankApiKey'] as SecretKey[], generate: [...GENERATED_KEYS] as SecretKey[] };
const DEV = { required: [] as SecretKey[], generate: [...GENERATED_KEYS] as SecretKey[] };
let n = 0;
const random = () => `generated-${String(++n).padStart(2, '0')}-0123456789abcdef0123456789abcdef`;

describe('planServiceSecret', () => {
  it('splits the keys into ours to generate and the providers\' to issue, covering every key once', () => {
    expect([...GENERATED_KEYS, ...ISSUED_KEYS].sort()).toEqual([...SECRET_KEYS].sort());
    expect(GENERATED_KEYS.filter((k) => (ISSUED_KEYS as readonly string[]).includes(k))).toEqual([]);
  });

  it('dev: generates the master key and the webhook secrets, leaves the API keys unset', () => {
    const plan = planServiceSecret({ ekycApiKey: PLACEHOLDER }, DEV, random);
    expect(Object.keys(plan.generated).sort()).toEqual(['bankWebhookSecret', 'ekycWebhookSecret', 'masterKey']);
    expect(plan.unset).toEqual(['ekycApiKey', 'bankApiKey']);
    expect(plan.refused).toEqual([]);
  });

  it('prod: refuses an absent or placeholder API key, naming each', () => {
    const plan = planServiceSecret({ ekycApiKey: PLACEHOLDER }, PROD, random);
    expect(plan.refused).toEqual([
      { key: 'ekycApiKey', why: 'the placeholder "set-me"' },
      { key: 'bankApiKey', why: 'absent' },
    ]);
  });

  it('never replaces a value a deployer wrote: a short webhook secret or a non-string stops the deploy in any stage', () => {
    const plan = planServiceSecret({ masterKey: 'm'.repeat(64), ekycWebhookSecret: 'short', bankApiKey: 42 }, DEV, random);
    expect(plan.generated).toEqual({ bankWebhookSecret: expect.any(String) });
    expect(plan.refused).toEqual([
      { key: 'ekycWebhookSecret', why: 'shorter than 16 characters' },
      { key: 'bankApiKey', why: 'not a string' },
    ]);
  });

  it('requires, and never generates, a webhook secret the provider issues', () => {
    const plan = planServiceSecret({ masterKey: 'm'.repeat(64) }, { required: ['ekycWebhookSecret'], generate: [...GENERATED_KEYS] }, random);
    expect(plan.refused).toEqual([{ key: 'ekycWebhookSecret', why: 'absent' }]);
    expect(plan.generated.ekycWebhookSecret).toBeUndefined();
  });

  it('generates 64 hex characters by default, different each time', () => {
    const a = planServiceSecret({}, DEV).generated;
    const b = planServiceSecret({}, DEV).generated;
    expect(a.masterKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.ekycWebhookSecret).not.toBe(b.ekycWebhookSecret);
    expect(a.ekycWebhookSecret).not.toBe(a.bankWebhookSecret);
  });
});

describe('the custom resource handler', () => {
  const sm = mockClient(SecretsManagerClient);
  let stored: string | undefined;
  let kmsKeyId: string | undefined;
  beforeEach(() => {
    sm.reset();
    stored = undefined;
    kmsKeyId = undefined;
    sm.on(DescribeSecretCommand).callsFake(async () => {
      if (stored === undefined) throw Object.assign(new Error('Secrets Manager can\'t find the specified secret.'), { name: 'ResourceNotFoundException' });
      return { ARN: ID, KmsKeyId: kmsKeyId };
    });
    sm.on(GetSecretValueCommand).callsFake(async () => ({ SecretString: stored }));
    sm.on(PutSecretValueCommand).callsFake(async (input: { SecretString: string }) => {
      stored = input.SecretString;
      return {};
    });
  });
  afterAll(() => sm.restore());

  const run = (requestType: 'Create' | 'Update' | 'Delete', rules = PROD, stage = 'prod') =>
    serviceSecretSetup(new SecretsManagerClient({}), random)({
      RequestType: requestType,
      RequestId: '3f1b1c2e-0000-4000-8000-000000000001',
      ResponseURL: 'https://example.com',
      StackId: 'stack',
      LogicalResourceId: 'Setup',
      ResourceType: 'Custom::ServiceSecret',
      ServiceToken: 'token',
      PhysicalResourceId: 'service-secret:old',
      ResourceProperties: { ServiceToken: 'token', SecretId: ID, Stage: stage, Required: rules.required, Generate: rules.generate },
      OldResourceProperties: {},
    } as unknown as CloudFormationCustomResourceEvent);

  it('prod: refuses a secret without the provider-issued API keys, naming each, and writes nothing', async () => {
    stored = JSON.stringify({ ekycApiKey: PLACEHOLDER });
    await expect(run('Create')).rejects.toThrow(/not ready for stage prod: ekycApiKey is the placeholder "set-me" \(issued by the eKYC provider\); bankApiKey is absent \(issued by the bank gateway\)/);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('prod: completes a secret holding the API keys, keeping every key it found, and reports key names only', async () => {
    stored = JSON.stringify({ ekycApiKey: 'ek-key', bankApiKey: 'bank-key', note: 'kept' });
    const result = await run('Create');
    expect(result).toEqual({ PhysicalResourceId: `service-secret:${ID}`, Data: { Generated: 'masterKey ekycWebhookSecret bankWebhookSecret', Unset: 'none' } });
    const now = JSON.parse(stored!);
    expect(now).toMatchObject({ ekycApiKey: 'ek-key', bankApiKey: 'bank-key', note: 'kept' });
    // What the functions then read: every value usable.
    expect(secretsFrom(now)).toMatchObject({ ekycWebhookSecret: now.ekycWebhookSecret, bankWebhookSecret: now.bankWebhookSecret, bankApiKey: 'bank-key' });
    expect(JSON.stringify(result)).not.toContain(now.ekycWebhookSecret);
  });

  it('dev: turns the template\'s placeholders into webhook secrets the functions accept; a second deploy changes nothing', async () => {
    stored = JSON.stringify({ masterKey: 'cdk-generated-master-key', ekycWebhookSecret: PLACEHOLDER, ekycApiKey: PLACEHOLDER, bankApiKey: PLACEHOLDER, bankWebhookSecret: PLACEHOLDER });
    expect((await run('Create', DEV, 'dev')).Data).toEqual({ Generated: 'ekycWebhookSecret bankWebhookSecret', Unset: 'ekycApiKey bankApiKey' });
    const first = stored;
    expect(secretsFrom(JSON.parse(first!))).toMatchObject({ ekycWebhookSecret: expect.any(String), bankWebhookSecret: expect.any(String), bankApiKey: undefined });
    expect(JSON.parse(first!).masterKey).toBe('cdk-generated-master-key');
    expect((await run('Update', DEV, 'dev')).Data).toEqual({ Generated: 'none', Unset: 'ekycApiKey bankApiKey' });
    expect(stored).toBe(first);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('refuses a secret that does not exist, is not a JSON object, or is encrypted with a key the functions may not use', async () => {
    await expect(run('Create')).rejects.toThrow(/does not exist in this account and region/);
    stored = 'plain text';
    await expect(run('Create')).rejects.toThrow(/is not a JSON object/);
    stored = JSON.stringify({ ekycApiKey: 'k', bankApiKey: 'k' });
    kmsKeyId = 'arn:aws:kms:ap-northeast-1:123456789012:key/1234';
    await expect(run('Create')).rejects.toThrow(/KMS key .*aws\/secretsmanager/);
    kmsKeyId = 'alias/aws/secretsmanager';
    await expect(run('Create')).resolves.toBeDefined();
  });

  it('on delete leaves the secret alone', async () => {
    stored = JSON.stringify({});
    await expect(run('Delete')).resolves.toMatchObject({ PhysicalResourceId: 'service-secret:old' });
    expect(sm.calls()).toHaveLength(0);
  });
});
