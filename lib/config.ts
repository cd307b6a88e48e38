import { SMS_ABUSE_DEFAULTS } from '../functions/domain/policy';
import { ACTIVITY_ITEM_FORMATS, CONTROLS_MIRROR_MODES, type ActivityItemFormat, type ControlsMirror } from '../functions/shared/config';

/**
 * Deployment configuration, read once from CDK context. A wrong value stops the
 * synth with a message naming the context key, before any construct is built.
 */
export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageConfig {
  stage: Stage;
  /** Undefined means environment-agnostic: the stack synthesizes without credentials. */
  account?: string;
  region?: string;
  alarmEmail?: string;
  ekycProviderUrl?: string;
  bankGatewayUrl?: string;
  /**
   * The name of a Secrets Manager secret the deployer created beforehand with the values only the
   * providers can issue (required in prod); without it the stack creates the secret. Never a value.
   */
  serviceSecretName?: string;
  /** Webhook secrets the eKYC provider or the banks issue, so the deploy requires them instead of generating them. */
  providerIssuedSecrets: ProviderIssuedSecret[];
  /** Browser origins the API admits besides the ops console site, which it always admits. */
  allowedOrigins: string[];
  /** prod keeps data and users when the stack is deleted or a resource is replaced. */
  retainData: boolean;
  /** Thresholds of the business alarms (counts in 5 minutes); see lib/constructs/monitoring.ts. */
  alarms: AlarmThresholds;
  /** What SMS may cost and to whom it may go; see functions/domain/policy.ts SMS_ABUSE_DEFAULTS. */
  sms: SmsConfig;
  /** How the functions write the activity item (`ACTIVITY_ITEM_FORMAT`; README, Deploying): `compact` unless a live stack is being taken across the change. */
  activityItemFormat: ActivityItemFormat;
  /** Whether credits trust the wallet item's copy of its controls (`CONTROLS_MIRROR`; README, Deploying): `trusted` unless older code may still run. */
  controlsMirror: ControlsMirror;
}

/** The webhook secrets a provider may issue; the API keys are always issued by the providers. */
export const PROVIDER_ISSUABLE = ['ekycWebhookSecret', 'bankWebhookSecret'] as const;
export type ProviderIssuedSecret = (typeof PROVIDER_ISSUABLE)[number];

export interface SmsConfig {
  /** SNS's account-wide MonthlySpendLimit for SMS, in US dollars. */
  monthlySpendLimitUsd: number;
  allowedCountryCodes: string[];
  perPhone: number;
  perAddress: number;
  overall: number;
}

/**
 * A new AWS account may spend 1 USD a month on SMS; SNS refuses a MonthlySpendLimit above the
 * account's quota, so this default deploys anywhere. Raise the quota (a support case), then the context.
 */
export const DEFAULT_SMS_MONTHLY_SPEND_LIMIT_USD = 1;

export interface AlarmThresholds {
  /** Failed bank authorizations and holder mismatches at any one bank: the reverse brute force of 2020. */
  linkFailuresPerBank: number;
  denyDecisions: number;
  reviewDecisions: number;
}

/** Defaults sized for launch traffic; raise them with context as honest volume grows. */
export const DEFAULT_ALARMS: AlarmThresholds = { linkFailuresPerBank: 10, denyDecisions: 20, reviewDecisions: 10 };

/** What `node.tryGetContext` returns: `-c` values are strings, cdk.json values may be anything. */
export type ContextReader = (key: string) => unknown;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function stageConfig(context: ContextReader, env: NodeJS.ProcessEnv = process.env): StageConfig {
  const stage = text(context, 'stage') ?? 'dev';
  if (!isStage(stage)) {
    throw new ConfigError(`Context "stage" must be one of ${STAGES.join(', ')}; got "${stage}". Use: cdk synth -c stage=prod`);
  }
  const account = text(context, 'account') ?? nonEmpty(env.CDK_DEFAULT_ACCOUNT);
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new ConfigError(`Context "account" must be a 12-digit AWS account id; got "${account}"`);
  const region = text(context, 'region') ?? nonEmpty(env.CDK_DEFAULT_REGION);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`Context "region" is not an AWS region name: "${region}"`);

  const alarmEmail = text(context, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new ConfigError(`Context "alarmEmail" is not an email address: "${alarmEmail}"`);
  }

  const ekycProviderUrl = url(context, 'ekycProviderUrl');
  const bankGatewayUrl = url(context, 'bankGatewayUrl');
  const serviceSecretName = secretName(context, 'serviceSecretName');
  if (stage === 'prod') {
    // Without them every eKYC start or every debit would fail at run time: refuse to deploy instead.
    for (const [key, value] of Object.entries({ ekycProviderUrl, bankGatewayUrl })) {
      if (value === undefined) throw new ConfigError(`Context "${key}" is required for stage prod (an https URL): cdk deploy -c stage=prod -c ${key}=https://...`);
    }
    // A secret the stack created could not hold the providers' API keys before its first deploy's check.
    if (serviceSecretName === undefined) {
      throw new ConfigError(
        'Context "serviceSecretName" is required for stage prod: the name of the secret you created with the API keys the providers issued, e.g. ' +
          `aws secretsmanager create-secret --name anshin-wallet/prod --secret-string file://secret.json ({"ekycApiKey":"...","bankApiKey":"..."}), then cdk deploy -c stage=prod -c serviceSecretName=anshin-wallet/prod`,
      );
    }
  }

  return {
    stage,
    account,
    region,
    alarmEmail,
    ekycProviderUrl,
    bankGatewayUrl,
    serviceSecretName,
    providerIssuedSecrets: providerIssued(context, 'providerIssuedSecrets'),
    allowedOrigins: origins(context, stage),
    retainData: stage === 'prod',
    alarms: {
      linkFailuresPerBank: count(context, 'alarmLinkFailuresPerBank') ?? DEFAULT_ALARMS.linkFailuresPerBank,
      denyDecisions: count(context, 'alarmDenyDecisions') ?? DEFAULT_ALARMS.denyDecisions,
      reviewDecisions: count(context, 'alarmReviewDecisions') ?? DEFAULT_ALARMS.reviewDecisions,
    },
    sms: {
      monthlySpendLimitUsd: count(context, 'smsMonthlySpendLimitUsd') ?? DEFAULT_SMS_MONTHLY_SPEND_LIMIT_USD,
      allowedCountryCodes: countryCodes(context, 'allowedCountryCodes') ?? [...SMS_ABUSE_DEFAULTS.allowedCountryCodes],
      perPhone: count(context, 'smsLimitPerPhone') ?? SMS_ABUSE_DEFAULTS.perPhone,
      perAddress: count(context, 'smsLimitPerAddress') ?? SMS_ABUSE_DEFAULTS.perAddress,
      overall: count(context, 'smsLimitOverall') ?? SMS_ABUSE_DEFAULTS.overall,
    },
    activityItemFormat: oneOf(context, 'activityItemFormat', ACTIVITY_ITEM_FORMATS) ?? 'compact',
    controlsMirror: oneOf(context, 'controlsMirror', CONTROLS_MIRROR_MODES) ?? 'trusted',
  };
}

function oneOf<T extends string>(context: ContextReader, key: string, values: readonly T[]): T | undefined {
  const value = text(context, key);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw new ConfigError(`Context "${key}" must be one of ${values.join(', ')}; got "${value}"`);
  return value as T;
}

function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function text(context: ContextReader, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(`Context "${key}" must be a string; got ${JSON.stringify(value)}`);
  return nonEmpty(value);
}

/** A positive whole number; `-c` gives strings, cdk.json may give numbers. */
function count(context: ContextReader, key: string): number | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`Context "${key}" must be a whole number of at least 1; got ${JSON.stringify(value)}`);
  return n;
}

/** E.164 country calling codes, comma-separated: "+81" or "+81,+1". */
function countryCodes(context: ContextReader, key: string): string[] | undefined {
  const value = text(context, key);
  if (value === undefined) return undefined;
  const list = value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const bad = list.find((c) => !/^\+[1-9]\d{0,2}$/.test(c));
  if (bad !== undefined || list.length === 0) throw new ConfigError(`Context "${key}" must be country calling codes like +81 or +81,+1; got "${value}"`);
  return list;
}

function url(context: ContextReader, key: string): string | undefined {
  const value = text(context, key);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`Context "${key}" is not a URL: "${value}"`);
  }
  if (parsed.protocol !== 'https:') throw new ConfigError(`Context "${key}" must be an https URL: "${value}"`);
  return value.replace(/\/+$/, '');
}

/**
 * A secret's name, never its value: a value in context would land in cdk.out and the template.
 * A name ending in a hyphen and six characters is refused because Secrets Manager could take it
 * for the random suffix of another secret's ARN (its documentation warns against such names).
 */
function secretName(context: ContextReader, key: string): string | undefined {
  const value = text(context, key);
  if (value === undefined) return undefined;
  if (value.startsWith('arn:') || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(value)) {
    throw new ConfigError(`Context "${key}" must be the name of a Secrets Manager secret (letters, digits, /_+=.@-), never a secret value or an ARN`);
  }
  if (/-[A-Za-z0-9]{6}$/.test(value)) throw new ConfigError(`Context "${key}" may not end with a hyphen and six characters ("${value}"): Secrets Manager would read them as an ARN suffix`);
  return value;
}

function providerIssued(context: ContextReader, key: string): ProviderIssuedSecret[] {
  const value = text(context, key);
  if (value === undefined) return [];
  const list = value.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bad = list.find((k) => !(PROVIDER_ISSUABLE as readonly string[]).includes(k));
  if (bad !== undefined) throw new ConfigError(`Context "${key}" lists webhook secrets a provider issues (${PROVIDER_ISSUABLE.join(', ')}); got "${bad}"`);
  return [...new Set(list)] as ProviderIssuedSecret[];
}

/** Origins are compared byte for byte by browsers, so anything but a bare origin would silently never match. */
function origins(context: ContextReader, stage: Stage): string[] {
  const value = text(context, 'allowedOrigins');
  if (value === undefined) return [];
  const list = value.split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of list) {
    if (origin === '*') {
      if (stage === 'prod') throw new ConfigError('Context "allowedOrigins" may not be "*" in prod; list the client origins');
      continue;
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(`Context "allowedOrigins" entry "${origin}" is not an origin like https://app.example.com (no path, no trailing slash)`);
    }
  }
  return list;
}
