import { LIMITS, RISK_POLICY } from './policy';

/**
 * The risk engine: pure and deterministic. A charge and the facts around it go in;
 * an outcome and stable reason codes come out. No clock, no I/O.
 */
export type Outcome = 'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'DENY';

export type ReasonCode =
  // DENY
  | 'WALLET_FROZEN'
  | 'BANK_SUSPENDED'
  | 'LINK_NOT_ACTIVE'
  | 'PER_CHARGE_LIMIT'
  | 'DAILY_LIMIT'
  | 'BALANCE_CAP'
  // REVIEW
  | 'LARGE_AMOUNT'
  | 'NEW_LINK_LARGE_AMOUNT'
  | 'NEW_WALLET_LARGE_AMOUNT'
  | 'HIGH_VELOCITY'
  | 'ACCOUNT_FAILED_LINKS'
  // CHALLENGE
  | 'FIRST_CHARGE_ON_LINK'
  | 'AMOUNT_OVER_CHALLENGE'
  | 'NEW_DEVICE'
  // lists (issue 13): DENY or REVIEW as the entry says
  | 'LISTED_DEVICE'
  | 'LISTED_PHONE'
  | 'LISTED_BANK_ACCOUNT'
  | 'LISTED_EKYC_IDENTITY';

export interface ChargeFacts {
  amount: number;
  now: number;
  walletStatus: 'ACTIVE' | 'FROZEN';
  walletCreatedAt: number;
  balance: number;
  /** Today's charges (JST) that are not declined, cancelled, expired or failed. */
  dayTotal: number;
  bankChargingEnabled: boolean;
  linkStatus: string;
  linkActivatedAt: number | undefined;
  /** Whether a charge on this link has already been confirmed or completed. */
  linkHasConfirmedCharge: boolean;
  chargesInLastHour: number;
  deviceSeen: boolean;
  /** Failed link attempts on the linked bank account by other wallets in the last 30 days. */
  accountFailedLinksByOthers: number;
}

export interface Decision {
  outcome: Outcome;
  reasons: ReasonCode[];
}

const HOUR = 3600_000;

/** The risk thresholds as data: the defaults of policy.ts, or a rule set ops activated at runtime. */
type Widen<T> = { -readonly [K in keyof T]: T[K] extends number ? number : Widen<T[K]> };
export type RiskRules = Widen<typeof RISK_POLICY>;

export function decide(f: ChargeFacts, rules: RiskRules = RISK_POLICY): Decision {
  const deny: ReasonCode[] = [];
  if (f.walletStatus === 'FROZEN') deny.push('WALLET_FROZEN');
  if (!f.bankChargingEnabled) deny.push('BANK_SUSPENDED');
  if (f.linkStatus !== 'ACTIVE') deny.push('LINK_NOT_ACTIVE');
  if (f.amount > LIMITS.perCharge) deny.push('PER_CHARGE_LIMIT');
  if (f.dayTotal + f.amount > LIMITS.perDay) deny.push('DAILY_LIMIT');
  if (f.balance + f.amount > LIMITS.maxBalance) deny.push('BALANCE_CAP');
  if (deny.length) return { outcome: 'DENY', reasons: deny };

  const r = rules.review;
  const review: ReasonCode[] = [];
  if (f.amount >= r.amountAtLeast) review.push('LARGE_AMOUNT');
  if (f.linkActivatedAt !== undefined && f.now - f.linkActivatedAt < r.newLinkHours * HOUR && f.amount >= r.newLinkAmountAtLeast) review.push('NEW_LINK_LARGE_AMOUNT');
  if (f.now - f.walletCreatedAt < r.newWalletHours * HOUR && f.amount >= r.newWalletAmountAtLeast) review.push('NEW_WALLET_LARGE_AMOUNT');
  if (f.chargesInLastHour >= r.chargesInLastHour) review.push('HIGH_VELOCITY');
  if (f.accountFailedLinksByOthers > 0) review.push('ACCOUNT_FAILED_LINKS');

  const challenge: ReasonCode[] = [];
  if (!f.linkHasConfirmedCharge) challenge.push('FIRST_CHARGE_ON_LINK');
  if (f.amount >= rules.challenge.amountAtLeast) challenge.push('AMOUNT_OVER_CHALLENGE');
  if (!f.deviceSeen) challenge.push('NEW_DEVICE');

  // A review always starts with the SMS challenge, so its reasons include the challenge's.
  if (review.length) return { outcome: 'REVIEW', reasons: [...review, ...challenge] };
  if (challenge.length) return { outcome: 'CHALLENGE', reasons: challenge };
  return { outcome: 'ALLOW', reasons: [] };
}

/** Which contract error a DENY answers with: frozen and bank switches have their own codes. */
export function denyError(reasons: ReasonCode[]): 'ACCOUNT_FROZEN' | 'BANK_SUSPENDED' | 'LIMIT_EXCEEDED' | 'CHARGE_DECLINED' {
  if (reasons.includes('WALLET_FROZEN')) return 'ACCOUNT_FROZEN';
  if (reasons.includes('BANK_SUSPENDED')) return 'BANK_SUSPENDED';
  if (reasons.includes('LINK_NOT_ACTIVE')) return 'CHARGE_DECLINED';
  if (reasons.some((r) => r.startsWith('LISTED_'))) return 'CHARGE_DECLINED';
  return 'LIMIT_EXCEEDED';
}

/** The charging day is the Japanese calendar day (UTC+9, no daylight saving). */
export function jstDay(epochMs: number): string {
  return new Date(epochMs + 9 * HOUR).toISOString().slice(0, 10);
}
