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
  | 'ACCOUNT_RECENTLY_LINKED_ELSEWHERE'
  | 'DEVICE_SHARED'
  | 'NEW_DEVICE_EXPOSURE'
  // CHALLENGE
  | 'FIRST_CHARGE_ON_LINK'
  | 'AMOUNT_OVER_CHALLENGE'
  | 'NEW_DEVICE'
  /** The code goes to the account holder's bank-registered phone, sent by the bank (not to the wallet phone). */
  | 'HOLDER_CHALLENGE'
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
  /** The bank attested at authorization that the wallet phone is the holder's bank-registered phone. */
  phoneAttested: boolean;
  /** A reviewer trusted the link, or its history vets it (owner: per-link stats; false until then). */
  linkVetted: boolean;
  /** Yen of this link in the last 30 days, pending and held included, this charge excluded. */
  linkExposure30d: number;
  /** When the linked bank account was last ACTIVE on another wallet (epoch ms), if ever. */
  accountLastActiveElsewhereAt: number | undefined;
  /** When this device was last seen on each other wallet (epoch ms). */
  deviceOtherWalletsSeenAt: number[];
  /** When this device was first seen on this wallet (epoch ms); undefined: never before this charge. */
  deviceFirstSeenAt: number | undefined;
  /** Yen this device has moved on this wallet since it was first seen there, this charge excluded. */
  deviceYenSinceFirstSeen: number;
}

export interface Decision {
  outcome: Outcome;
  reasons: ReasonCode[];
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

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
  if (f.accountLastActiveElsewhereAt !== undefined && f.now - f.accountLastActiveElsewhereAt < r.accountLinkedElsewhereDays * DAY) review.push('ACCOUNT_RECENTLY_LINKED_ELSEWHERE');
  if (1 + f.deviceOtherWalletsSeenAt.filter((at) => f.now - at < r.deviceSharedDays * DAY).length >= r.deviceSharedWallets) review.push('DEVICE_SHARED');
  // A device that joined an existing wallet (not the one it was opened on): a SIM swap hands the attacker
  // the wallet phone, and often the bank phone too, so no code stops him; exposure through it goes to a human.
  const deviceFirstSeen = f.deviceFirstSeenAt ?? f.now;
  if (deviceFirstSeen > f.walletCreatedAt && f.now - deviceFirstSeen < r.newDeviceHours * HOUR && f.deviceYenSinceFirstSeen + f.amount > r.newDeviceExposureAbove) {
    review.push('NEW_DEVICE_EXPOSURE');
  }

  const challenge: ReasonCode[] = [];
  if (!f.linkHasConfirmedCharge) challenge.push('FIRST_CHARGE_ON_LINK');
  if (f.amount >= rules.challenge.amountAtLeast) challenge.push('AMOUNT_OVER_CHALLENGE');
  if (!f.deviceSeen) challenge.push('NEW_DEVICE');
  // Every wallet-phone code reaches an identity thief (his phone is the wallet phone): on a young link whose
  // phone the bank did not attest, exposure beyond a small cap needs the holder's own code, sent by the bank.
  if (!f.linkVetted && !f.phoneAttested && f.linkExposure30d + f.amount > rules.holder.challengeExposureAbove) challenge.push('HOLDER_CHALLENGE');

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
