/**
 * A fresh deploy works or refuses to deploy: the service secret's deploy-time step as the
 * template wires it (lib/constructs/secrets.ts), and the handler run on the properties the
 * synthesized template gives it, against a fake Secrets Manager holding what a deployer left.
 */
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { FUNCTIONS, type FunctionName } from '../../functions/shared/catalog';
import { secretsFrom, serviceSecretSetup } from '../../functions/adapters/secrets';
import { SECRET_TEMPLATE } from '../../lib/constructs/secrets';
import { idOf, PROD_CONTEXT, synth, type Synth } from './synth';

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const READERS = NAMES.filter((n) => (FUNCTIONS[n].capabilities as readonly string[]).includes('secrets'));
const dev = () => synth('dev', {}, { bundle: false });
const prod = () => synth('prod', PROD_CONTEXT, { bundle: false });

const resources = (s: Synth) => s.template.toJSON().Resources as Record<string, { Type: string; Properties?: any; DependsOn?: string[] }>;
const setupOf = (s: Synth) => {
  const found = Object.entries(resources(s)).filter(([, r]) => r.Type === 'Custom::ServiceSecret');
  expect(found).toHaveLength(1);
  return { id: found[0][0], properties: found[0][1].Properties };
};
const envOf = (s: Synth, name: FunctionName) => resources(s)[idOf(s, s.stack.functions[name].lambda)].Properties.Environment.Variables;

describe('the template', () => {
  it('dev: the stack creates the secret with the pinned template, then the deploy generates the webhook secrets; nothing is required', () => {
    dev().template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    dev().template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: JSON.stringify(SECRET_TEMPLATE), GenerateStringKey: 'masterKey' }),
    });
    const { properties } = setupOf(dev());
    expect(properties).toMatchObject({ Stage: 'dev', Required: [], Generate: ['masterKey', 'ekycWebhookSecret', 'bankWebhookSecret'] });
    expect(properties.SecretId).toEqual({ Ref: idOf(dev(), dev().stack.secrets.secret as never) });
  });

  it('prod: reads the secret the deployer created (no secret resource), requires the provider-issued API keys and generates the rest', () => {
    prod().template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const { properties } = setupOf(prod());
    expect(properties).toMatchObject({ Stage: 'prod', Required: ['ekycApiKey', 'bankApiKey'], Generate: ['masterKey', 'ekycWebhookSecret', 'bankWebhookSecret'] });
    expect(JSON.stringify(properties.SecretId)).toContain(':secret:anshin-wallet/prod');
  });

  it('prod with providerIssuedSecrets: the webhook secret the provider issues is required, never generated', () => {
    const s = synth('prod', { ...PROD_CONTEXT, providerIssuedSecrets: 'ekycWebhookSecret' }, { bundle: false });
    expect(setupOf(s).properties).toMatchObject({ Required: ['ekycApiKey', 'bankApiKey', 'ekycWebhookSecret'], Generate: ['masterKey', 'bankWebhookSecret'] });
  });

  it.each([['dev', dev], ['prod', prod]] as const)('%s: the check reads the ARN the functions read, and no function that reads the secret exists before the check passed', (_, s) => {
    const { id, properties } = setupOf(s());
    for (const name of READERS) {
      expect(envOf(s(), name).SECRETS_ARN).toEqual(properties.SecretId);
      expect(resources(s())[idOf(s(), s().stack.functions[name].lambda)].DependsOn).toContain(id);
    }
  });

  it.each([['dev', dev], ['prod', prod]] as const)('%s: the setup function may read and add versions to that secret, nothing else of Secrets Manager', (_, s) => {
    const role = idOf(s(), s().stack.secrets.node.findChild('SetupRole') as never);
    const statements = Object.values(resources(s()))
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === role))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(statements).toHaveLength(1);
    expect([statements[0].Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    if (s === prod) expect(JSON.stringify(statements[0].Resource)).toContain(':secret:anshin-wallet/prod-??????');
  });

  it('outputs where the secret is, how to read the webhook secrets for the providers, and what the deploy generated or left unset', () => {
    const outputs = dev().template.toJSON().Outputs;
    expect(outputs.ServiceSecretsArn.Description).toMatch(/get-secret-value .*jq -r \.ekycWebhookSecret,\.bankWebhookSecret/);
    const setup = setupOf(dev()).id;
    expect(outputs.ServiceSecretsGenerated.Value).toEqual({ 'Fn::GetAtt': [setup, 'Generated'] });
    expect(outputs.ServiceSecretsUnset.Value).toEqual({ 'Fn::GetAtt': [setup, 'Unset'] });
  });
});

describe('the check at deploy time, on the properties of the synthesized template', () => {
  const sm = mockClient(SecretsManagerClient);
  let stored: string;
  beforeEach(() => {
    sm.reset();
    sm.on(DescribeSecretCommand).resolves({});
    sm.on(GetSecretValueCommand).callsFake(async () => ({ SecretString: stored }));
    sm.on(PutSecretValueCommand).callsFake(async (input: { SecretString: string }) => ((stored = input.SecretString), {}));
  });
  afterAll(() => sm.restore());

  const deploy = (s: Synth) =>
    serviceSecretSetup(new SecretsManagerClient({}))({
      RequestType: 'Create',
      RequestId: '3f1b1c2e-0000-4000-8000-000000000002',
      ResourceProperties: { ServiceToken: 'token', ...setupOf(s).properties, SecretId: 'anshin-wallet/x' },
    } as unknown as CloudFormationCustomResourceEvent);

  it('prod fails, naming each missing provider value, while the secret lacks the API keys', async () => {
    stored = JSON.stringify({ ekycApiKey: 'set-me' });
    await expect(deploy(prod())).rejects.toThrow(/stage prod: ekycApiKey is the placeholder "set-me" \(issued by the eKYC provider\); bankApiKey is absent \(issued by the bank gateway\)/);
    stored = JSON.stringify({ ekycApiKey: 'ek', bankApiKey: 'bk' });
    await expect(deploy(prod())).resolves.toMatchObject({ Data: { Generated: 'masterKey ekycWebhookSecret bankWebhookSecret', Unset: 'none' } });
  });

  it('prod with a provider-issued webhook secret fails, naming it, until the deployer put it in', async () => {
    stored = JSON.stringify({ ekycApiKey: 'ek', bankApiKey: 'bk' });
    await expect(deploy(synth('prod', { ...PROD_CONTEXT, providerIssuedSecrets: 'ekycWebhookSecret' }, { bundle: false }))).rejects.toThrow(/ekycWebhookSecret is absent \(from the eKYC provider/);
  });

  it('dev needs no hand edit: the secret CloudFormation creates comes out with usable webhook secrets', async () => {
    stored = JSON.stringify({ ...SECRET_TEMPLATE, masterKey: 'x'.repeat(64) });
    await expect(deploy(dev())).resolves.toMatchObject({ Data: { Generated: 'ekycWebhookSecret bankWebhookSecret', Unset: 'ekycApiKey bankApiKey' } });
    const secrets = secretsFrom(JSON.parse(stored));
    expect(secrets.ekycWebhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets.bankWebhookSecret).toMatch(/^[0-9a-f]{64}$/);
  });
});
