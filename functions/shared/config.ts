import { RISK_POLICY, SMS_ABUSE_DEFAULTS } from '../domain/policy';
import type { RiskRules } from '../domain/risk';

/**
 * Runtime configuration, read from the environment on first use and then kept for the process.
 * It is read lazily, so a missing required variable fails the first request that needs the
 * config (a 500 naming the variable in the log), not the cold start; the bundle tests
 * (test/infra/bundles.test.ts) invoke every function with the template's environment to catch it before deploy.
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

function count(name: string, fallback: number): number {
  const raw = optional(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Environment variable ${name} must be a positive integer; got "${raw}"`);
  return value;
}

function countryCodes(name: string, fallback: readonly string[]): string[] {
  const codes = optional(name, fallback.join(',')).split(',').map((c) => c.trim()).filter(Boolean);
  const bad = codes.find((c) => !/^\+[1-9]\d{0,2}$/.test(c));
  if (bad !== undefined || codes.length === 0) throw new Error(`Environment variable ${name} must be country calling codes like +81,+1; got "${process.env[name]}"`);
  return codes;
}

/**
 * RISK_RULES: a JSON object shaped like RISK_POLICY (any subset of its leaves) that overrides the
 * defaults, so a deployment or `npm run simulate` can try other thresholds without a code change.
 * An unknown key or a value that is not a non-negative number fails the cold start.
 */
function riskRules(name: string): RiskRules {
  const raw = process.env[name];
  const rules = JSON.parse(JSON.stringify(RISK_POLICY)) as RiskRules;
  if (raw === undefined || raw === '') return rules;
  const fail = (why: string): never => {
    throw new Error(`Environment variable ${name} must be a JSON subset of the risk rules: ${why}`);
  };
  let overrides: unknown;
  try {
    overrides = JSON.parse(raw);
  } catch {
    fail('not JSON');
  }
  const merge = (into: Record<string, unknown>, from: unknown, path: string) => {
    if (typeof from !== 'object' || from === null || Array.isArray(from)) return fail(`${path || 'the value'} is not an object`);
    for (const [key, value] of Object.entries(from)) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in into)) fail(`unknown rule ${at}`);
      if (typeof into[key] === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${at} must be a non-negative number`);
        into[key] = value;
      } else merge(into[key] as Record<string, unknown>, value, at);
    }
  };
  merge(rules as unknown as Record<string, unknown>, overrides, '');
  return rules;
}

export interface SmsAbuseLimits {
  allowedCountryCodes: string[];
  windowSeconds: number;
  perPhone: number;
  perAddress: number;
  overall: number;
}

export interface Config {
  stage: string;
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Where secrets come from: the environment (local) or a Secrets Manager ARN (cloud). */
  secretsArn?: string;
  termsVersion: string;
  /** Where the full text of `termsVersion` is published (the operator hosts it; not served by this API). */
  termsUrl: string;
  publicBaseUrl: string;
  /** Where a bank account holder's not-me link points (the console site in the cloud). */
  notMePageUrl: string;
  ekycProviderUrl: string;
  bankGatewayUrl: string;
  stateMachineArn?: string;
  adapters: 'aws' | 'local';
  /** Limits on the public routes that send SMS (mutable only by the local stack's test controls). */
  smsAbuse: SmsAbuseLimits;
  /** The risk thresholds: RISK_POLICY, with the deployment's overrides from RISK_RULES (JSON) if set. */
  riskRules: RiskRules;
  /**
   * How the activity item is written (functions/adapters/activity-codec.ts); both forms are always
   * read. `maps`: the form releases before the compact one read, for the release that takes a live
   * stack across the change (README, Deploying).
   */
  activityItemFormat: ActivityItemFormat;
  /**
   * Whether the ledger's credit trusts the wallet item's copy of its controls (users-repo.ts
   * walletControlsMirror). `untrusted`: new wallets are not marked as mirrored and every credit
   * takes the ConditionChecks, for the deploy during which older code (which freezes and unlinks
   * without writing the copy) may still run (README, Deploying).
   */
  controlsMirror: ControlsMirror;
}

export const CONTROLS_MIRROR_MODES = ['trusted', 'untrusted'] as const;
export type ControlsMirror = (typeof CONTROLS_MIRROR_MODES)[number];

export const ACTIVITY_ITEM_FORMATS = ['compact', 'maps'] as const;
export type ActivityItemFormat = (typeof ACTIVITY_ITEM_FORMATS)[number];

function oneOf<T extends string>(name: string, values: readonly T[]): T {
  const value = optional(name, values[0]);
  if (!(values as readonly string[]).includes(value)) throw new Error(`Environment variable ${name} must be one of ${values.join(', ')}; got "${value}"`);
  return value as T;
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
    termsUrl: optional('TERMS_URL', `${optional('PUBLIC_BASE_URL', 'http://127.0.0.1:3000')}/terms/${optional('TERMS_VERSION', '2026-04')}`),
    publicBaseUrl: optional('PUBLIC_BASE_URL', 'http://127.0.0.1:3000'),
    notMePageUrl: optional('NOT_ME_PAGE_URL', `${optional('PUBLIC_BASE_URL', 'http://127.0.0.1:3000')}/not-me`),
    ekycProviderUrl: optional('EKYC_PROVIDER_URL', ''),
    bankGatewayUrl: optional('BANK_GATEWAY_URL', ''),
    stateMachineArn: process.env.STATE_MACHINE_ARN || undefined,
    adapters: optional('ADAPTERS', 'aws') === 'local' ? 'local' : 'aws',
    // One object per process, even across bundled copies of this module: the local stack's
    // test control (POST /local/limits) changes it for every function it runs.
    smsAbuse: ((globalThis as { __anshinSmsAbuse?: SmsAbuseLimits }).__anshinSmsAbuse ??= {
      allowedCountryCodes: countryCodes('ALLOWED_COUNTRY_CODES', SMS_ABUSE_DEFAULTS.allowedCountryCodes),
      windowSeconds: SMS_ABUSE_DEFAULTS.windowSeconds,
      perPhone: count('SMS_LIMIT_PER_PHONE', SMS_ABUSE_DEFAULTS.perPhone),
      perAddress: count('SMS_LIMIT_PER_ADDRESS', SMS_ABUSE_DEFAULTS.perAddress),
      overall: count('SMS_LIMIT_OVERALL', SMS_ABUSE_DEFAULTS.overall),
    }),
    riskRules: riskRules('RISK_RULES'),
    activityItemFormat: oneOf('ACTIVITY_ITEM_FORMAT', ACTIVITY_ITEM_FORMATS),
    controlsMirror: oneOf('CONTROLS_MIRROR', CONTROLS_MIRROR_MODES),
  };
  return cached;
}

/** Tests and the local runtime set the environment first; this forgets what was read. */
export function resetConfigForTests(): void {
  cached = undefined;
  delete (globalThis as { __anshinSmsAbuse?: unknown }).__anshinSmsAbuse;
}
