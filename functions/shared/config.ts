/**
 * Runtime configuration, read once per process from the environment.
 * A missing required variable fails the cold start, not the first request.
 */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

function optional(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export interface Config {
  stage: string;
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Where secrets come from: the environment (local) or a Secrets Manager ARN (cloud). */
  secretsArn?: string;
  termsVersion: string;
  publicBaseUrl: string;
  /** Where a bank account holder's not-me link points (the console site in the cloud). */
  notMePageUrl: string;
  ekycProviderUrl: string;
  bankGatewayUrl: string;
  stateMachineArn?: string;
  adapters: 'aws' | 'local';
}

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  cached = {
    stage: optional('STAGE', 'local'),
    tableName: required('TABLE_NAME'),
    userPoolId: required('USER_POOL_ID'),
    userPoolClientId: required('USER_POOL_CLIENT_ID'),
    secretsArn: process.env.SECRETS_ARN || undefined,
    termsVersion: optional('TERMS_VERSION', '2026-04'),
    publicBaseUrl: optional('PUBLIC_BASE_URL', 'http://127.0.0.1:3000'),
    notMePageUrl: optional('NOT_ME_PAGE_URL', `${optional('PUBLIC_BASE_URL', 'http://127.0.0.1:3000')}/not-me`),
    ekycProviderUrl: optional('EKYC_PROVIDER_URL', ''),
    bankGatewayUrl: optional('BANK_GATEWAY_URL', ''),
    stateMachineArn: process.env.STATE_MACHINE_ARN || undefined,
    adapters: optional('ADAPTERS', 'aws') === 'local' ? 'local' : 'aws',
  };
  return cached;
}

/** Tests and the local runtime set the environment first; this forgets what was read. */
export function resetConfigForTests(): void {
  cached = undefined;
}
