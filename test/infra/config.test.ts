import { ConfigError, DEFAULT_ALARMS, stageConfig } from '../../lib/config';

const PROD_PROVIDERS = { ekycProviderUrl: 'https://ekyc.example.com', bankGatewayUrl: 'https://bank-gw.example.com', serviceSecretName: 'anshin-wallet/prod' };

describe('stage configuration', () => {
  const read = (values: Record<string, unknown>) => (key: string) => values[key];

  it('defaults to dev and refuses an unknown stage', () => {
    expect(stageConfig(read({}), {}).stage).toBe('dev');
    expect([stageConfig(read({}), {}).activityItemFormat, stageConfig(read({ activityItemFormat: 'maps' }), {}).activityItemFormat]).toEqual(['compact', 'maps']);
    expect([stageConfig(read({}), {}).controlsMirror, stageConfig(read({ controlsMirror: 'untrusted' }), {}).controlsMirror]).toEqual(['trusted', 'untrusted']);
    expect(() => stageConfig(read({ stage: 'staging' }), {})).toThrow(ConfigError);
    expect(() => stageConfig(read({ stage: 'staging' }), {})).toThrow(/stage/);
  });

  it('takes account and region from context, else from CDK_DEFAULT_*', () => {
    expect(stageConfig(read({}), { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'ap-northeast-1' })).toMatchObject({
      account: '123456789012',
      region: 'ap-northeast-1',
    });
    expect(stageConfig(read({ account: '210987654321', region: 'us-east-1' }), { CDK_DEFAULT_ACCOUNT: '123456789012' })).toMatchObject({
      account: '210987654321',
      region: 'us-east-1',
    });
  });

  it('refuses a prod synth without a provider URL, naming the missing context key', () => {
    expect(() => stageConfig(read({ stage: 'prod', ekycProviderUrl: PROD_PROVIDERS.ekycProviderUrl }), {})).toThrow(/"bankGatewayUrl" is required for stage prod/);
    expect(() => stageConfig(read({ stage: 'prod', bankGatewayUrl: PROD_PROVIDERS.bankGatewayUrl }), {})).toThrow(/"ekycProviderUrl" is required for stage prod/);
    expect(stageConfig(read({ stage: 'prod', ...PROD_PROVIDERS }), {})).toMatchObject(PROD_PROVIDERS);
  });

  it('refuses a prod synth without the secret the deployer created, naming the context key and how to create it', () => {
    const { serviceSecretName: _, ...withoutSecret } = PROD_PROVIDERS;
    expect(() => stageConfig(read({ stage: 'prod', ...withoutSecret }), {})).toThrow(/"serviceSecretName" is required for stage prod.*aws secretsmanager create-secret/);
    // dev creates the secret itself unless told to use one.
    expect(stageConfig(read({}), {}).serviceSecretName).toBeUndefined();
    expect(stageConfig(read({ serviceSecretName: 'anshin-wallet/dev' }), {}).serviceSecretName).toBe('anshin-wallet/dev');
  });

  it('takes a secret name, never a value or an ARN, nor a name Secrets Manager could read as an ARN suffix', () => {
    for (const bad of ['{"bankApiKey":"k"}', 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x-AbCdEf', 'has space', 'anshin/prod-abc123']) {
      expect(() => stageConfig(read({ serviceSecretName: bad }), {})).toThrow(/serviceSecretName/);
    }
  });

  it('takes the webhook secrets a provider issues (never the API keys, which always are)', () => {
    expect(stageConfig(read({}), {}).providerIssuedSecrets).toEqual([]);
    expect(stageConfig(read({ providerIssuedSecrets: 'ekycWebhookSecret, bankWebhookSecret' }), {}).providerIssuedSecrets).toEqual(['ekycWebhookSecret', 'bankWebhookSecret']);
    for (const bad of ['masterKey', 'bankApiKey', 'ekycWebhookSecret,other']) expect(() => stageConfig(read({ providerIssuedSecrets: bad }), {})).toThrow(/providerIssuedSecrets/);
  });

  it('refuses malformed values instead of deploying them', () => {
    expect(() => stageConfig(read({ allowedOrigins: 'https://app.example.com/' }), {})).toThrow(/allowedOrigins/);
    expect(() => stageConfig(read({ ...PROD_PROVIDERS, stage: 'prod', allowedOrigins: '*' }), {})).toThrow(/allowedOrigins/);
    expect(() => stageConfig(read({ alarmEmail: 'not-an-email' }), {})).toThrow(/alarmEmail/);
    expect(() => stageConfig(read({ ekycProviderUrl: 'http://ekyc.example.com' }), {})).toThrow(/https/);
    expect(() => stageConfig(read({ account: '12' }), {})).toThrow(/account/);
    expect(() => stageConfig(read({ activityItemFormat: 'json' }), {})).toThrow(/activityItemFormat.*compact, maps/);
    expect(() => stageConfig(read({ controlsMirror: 'off' }), {})).toThrow(/controlsMirror.*trusted, untrusted/);
  });

  it('splits the allowed origins list and retains data only in prod', () => {
    const config = stageConfig(read({ ...PROD_PROVIDERS, stage: 'prod', allowedOrigins: 'https://a.example.com, https://b.example.com' }), {});
    expect(config.allowedOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.retainData).toBe(true);
    expect(stageConfig(read({}), {}).retainData).toBe(false);
  });

  it('takes alarm thresholds from context (strings from -c, numbers from cdk.json) and refuses anything but a whole number ≥ 1', () => {
    expect(stageConfig(read({}), {}).alarms).toEqual(DEFAULT_ALARMS);
    expect(stageConfig(read({ alarmLinkFailuresPerBank: '25', alarmDenyDecisions: 40 }), {}).alarms).toEqual({ ...DEFAULT_ALARMS, linkFailuresPerBank: 25, denyDecisions: 40 });
    for (const bad of ['0', '-3', '2.5', 'ten', 0, 1.5, true]) {
      expect(() => stageConfig(read({ alarmReviewDecisions: bad }), {})).toThrow(/alarmReviewDecisions/);
    }
  });

  it('takes the SMS spend limit, the abuse limits and the phone country codes from context, defaulting to +81 and the policy', () => {
    expect(stageConfig(read({}), {}).sms).toEqual({ monthlySpendLimitUsd: 1, allowedCountryCodes: ['+81'], perPhone: 5, perAddress: 20, overall: 1000 });
    expect(stageConfig(read({ smsMonthlySpendLimitUsd: '300', allowedCountryCodes: '+81, +1', smsLimitPerPhone: 3 }), {}).sms).toMatchObject({
      monthlySpendLimitUsd: 300, allowedCountryCodes: ['+81', '+1'], perPhone: 3,
    });
    for (const bad of ['81', '+0', '+1234', '+81;+1', ',']) expect(() => stageConfig(read({ allowedCountryCodes: bad }), {})).toThrow(/allowedCountryCodes/);
    expect(() => stageConfig(read({ smsMonthlySpendLimitUsd: '0' }), {})).toThrow(/smsMonthlySpendLimitUsd/);
  });
});
