import { LIMITS, RISK_POLICY } from './policy';

/**
 * The risk engine: pure and deterministic. A charge and the facts around it go in;
 * an outcome and stable reason codes come out. No clock, no I/O.
 */
export type Outcome = 'ALLOW' | 'HOLD' | 'CHALLENGE' | 'REVIEW' | 'DENY';

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
  | 'HIGH_VELOCITY'
  | 'ACCOUNT_FAILED_LINKS'
  | 'ACCOUNT_RECENTLY_LINKED_ELSEWHERE'
  | 'DEVICE_SHARED'
  | 'NEW_DEVICE_EXPOSURE'
  | 'YOUNG_LINK_EXPOSURE'
  // CHALLENGE
  | 'AMOUNT_OVER_CHALLENGE'
  | 'NEW_DEVICE'
  /** The code goes to the account holder's bank-registered phone, sent by the bank (not to the wallet phone). */
  | 'HOLDER_CHALLENGE'
  | 'AMOUNT_UNUSUAL_FOR_LINK'
  // HOLD: the debit waits, the bank tells the holder first
  | 'HOLDER_WINDOW'
  | 'DAY_ABOVE_LINK_HISTORY'
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
  /** Yen of the wallet's held charges: the balance cap counts them. */
  pending: number;
  /** Today's charges (JST) that are not declined, cancelled, expired or failed. */
  dayTotal: number;
  bankChargingEnabled: boolean;
  linkStatus: string;
  linkActivatedAt: number | undefined;
  /** Epoch ms of the bank's "linked" notice to the holder (the link's activation). */
  linkNotifiedAt: number | undefined;
  /** The bank attested that the wallet phone is the holder's registered phone (the fast lane). */
  phoneAttested: boolean;
  /** A reviewer trusted the link, or it has aged with debits notified to the holder and no objection. */
  linkVetted: boolean;
  /** Yen of this link in the last 30 days, held and waiting charges included, this charge excluded. */
  linkExposure30d: number;
  /** The link's largest debit within its history window (180 days). */
  linkLargestDebit: number;
  /** Today's (JST) yen on this link so far, this charge excluded. */
  linkDayTotal: number;
  /** The link's largest day of debits before today within its history window. */
  linkLargestDay: number;
  chargesInLastHour: number;
  deviceSeen: boolean;
  /** Failed link attempts on the linked bank account by other wallets in the last 30 days. */
  accountFailedLinksByOthers: number;
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
  /** The facts behind each reason (amount against threshold, ages, exposure), stored for the reviewer and the audit. */
  facts?: Partial<Record<ReasonCode, Record<string, unknown>>>;
  /** HOLD: when the debit may run (epoch ms), the latest of the holds that apply. */
  availableAt?: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The risk thresholds as data: the defaults of policy.ts, or a rule set ops activated at runtime. */
type Widen<T> = { -readonly [K in keyof T]: T[K] extends number ? number : Widen<T[K]> };
export type RiskRules = Widen<typeof RISK_POLICY>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Order: DENY, then REVIEW (a code first where one applies, then a human), then HOLD, then
 * CHALLENGE. A hold outranks a code to the wallet phone: the identity thief owns that phone,
 * while the hold's notice reaches the account holder, so the code's reasons ride along with the
 * hold instead of asking for a code the thief would type in.
 */
export function decide(f: ChargeFacts, rules: RiskRules = RISK_POLICY): Decision {
  const facts: Partial<Record<ReasonCode, Record<string, unknown>>> = {};
  const hit = (list: ReasonCode[], reason: ReasonCode, fact: Record<string, unknown>) => {
    list.push(reason);
    facts[reason] = fact;
  };
  const deny: ReasonCode[] = [];
  if (f.walletStatus === 'FROZEN') hit(deny, 'WALLET_FROZEN', { walletStatus: f.walletStatus });
  if (!f.bankChargingEnabled) hit(deny, 'BANK_SUSPENDED', { bankChargingEnabled: false });
  if (f.linkStatus !== 'ACTIVE') hit(deny, 'LINK_NOT_ACTIVE', { linkStatus: f.linkStatus });
  if (f.amount > LIMITS.perCharge) hit(deny, 'PER_CHARGE_LIMIT', { amount: f.amount, limit: LIMITS.perCharge });
  if (f.dayTotal + f.amount > LIMITS.perDay) hit(deny, 'DAILY_LIMIT', { amount: f.amount, dayTotal: f.dayTotal, limit: LIMITS.perDay });
  if (f.balance + f.pending + f.amount > LIMITS.maxBalance) hit(deny, 'BALANCE_CAP', { amount: f.amount, balance: f.balance, pending: f.pending, cap: LIMITS.maxBalance });
  if (deny.length) return { outcome: 'DENY', reasons: deny, facts };

  const linkAgeHours = f.linkActivatedAt === undefined ? null : Math.round(((f.now - f.linkActivatedAt) / HOUR) * 10) / 10;
  const r = rules.review;
  const review: ReasonCode[] = [];
  if (f.amount >= r.amountAtLeast) hit(review, 'LARGE_AMOUNT', { amount: f.amount, threshold: r.amountAtLeast });
  if (f.chargesInLastHour >= r.chargesInLastHour) hit(review, 'HIGH_VELOCITY', { chargesInLastHour: f.chargesInLastHour, threshold: r.chargesInLastHour });
  if (f.accountFailedLinksByOthers > 0) hit(review, 'ACCOUNT_FAILED_LINKS', { failedLinksByOtherWallets: f.accountFailedLinksByOthers, days: r.accountFailedLinksDays });
  if (!f.linkVetted && f.linkExposure30d + f.amount > r.youngLinkExposureAbove) {
    hit(review, 'YOUNG_LINK_EXPOSURE', { amount: f.amount, exposure30d: f.linkExposure30d, threshold: r.youngLinkExposureAbove, linkAgeHours, linkVetted: false });
  }
  if (f.accountLastActiveElsewhereAt !== undefined && f.now - f.accountLastActiveElsewhereAt < r.accountLinkedElsewhereDays * DAY) {
    hit(review, 'ACCOUNT_RECENTLY_LINKED_ELSEWHERE', { lastActiveElsewhereAt: iso(f.accountLastActiveElsewhereAt), days: r.accountLinkedElsewhereDays });
  }
  const otherWallets = f.deviceOtherWalletsSeenAt.filter((at) => f.now - at < r.deviceSharedDays * DAY).length;
  if (1 + otherWallets >= r.deviceSharedWallets) hit(review, 'DEVICE_SHARED', { otherWallets, days: r.deviceSharedDays, threshold: r.deviceSharedWallets });
  // A device that joined an existing wallet (not the one it was opened on): a SIM swap hands the attacker
  // the wallet phone, and often the bank phone too, so no code stops him; exposure through it goes to a human.
  const deviceFirstSeen = f.deviceFirstSeenAt ?? f.now;
  if (deviceFirstSeen > f.walletCreatedAt && f.now - deviceFirstSeen < r.newDeviceHours * HOUR && f.deviceYenSinceFirstSeen + f.amount > r.newDeviceExposureAbove) {
    hit(review, 'NEW_DEVICE_EXPOSURE', { amount: f.amount, deviceYen: f.deviceYenSinceFirstSeen, deviceFirstSeenAt: iso(deviceFirstSeen), hours: r.newDeviceHours, threshold: r.newDeviceExposureAbove });
  }

  const c = rules.challenge;
  const challenge: ReasonCode[] = [];
  if (f.amount >= c.amountAtLeast) hit(challenge, 'AMOUNT_OVER_CHALLENGE', { amount: f.amount, threshold: c.amountAtLeast });
  if (!f.deviceSeen) hit(challenge, 'NEW_DEVICE', { deviceSeen: false });
  if (f.linkVetted && f.amount >= c.unusualForLinkAtLeast && f.amount > c.unusualForLinkTimes * f.linkLargestDebit) {
    hit(challenge, 'AMOUNT_UNUSUAL_FOR_LINK', { amount: f.amount, largestDebit: f.linkLargestDebit, times: c.unusualForLinkTimes, atLeast: c.unusualForLinkAtLeast, days: rules.link.historyDays });
  }
  // Every wallet-phone code reaches an identity thief (his phone is the wallet phone): on a young link whose
  // phone the bank did not attest, exposure beyond a small cap needs the holder's own code, sent by the bank.
  if (!f.linkVetted && !f.phoneAttested && f.linkExposure30d + f.amount > rules.holder.challengeExposureAbove) {
    hit(challenge, 'HOLDER_CHALLENGE', { amount: f.amount, exposure30d: f.linkExposure30d, threshold: rules.holder.challengeExposureAbove, phoneAttested: false, linkAgeHours });
  }

  // A review always starts with the SMS challenge, so its reasons include the challenge's.
  if (review.length) return { outcome: 'REVIEW', reasons: [...review, ...challenge], facts };
  // The holder's own code (sent by the bank to the holder's phone) is the holder's consent: no window to wait out.
  if (challenge.includes('HOLDER_CHALLENGE')) return { outcome: 'CHALLENGE', reasons: challenge, facts };

  const h = rules.hold;
  const hold: ReasonCode[] = [];
  let availableAt = 0;
  if (!f.linkVetted && !f.phoneAttested && f.linkNotifiedAt !== undefined && f.now < f.linkNotifiedAt + h.holderWindowHours * HOUR) {
    const until = f.linkNotifiedAt + h.holderWindowHours * HOUR;
    availableAt = Math.max(availableAt, until);
    hit(hold, 'HOLDER_WINDOW', { linkNotifiedAt: iso(f.linkNotifiedAt), windowHours: h.holderWindowHours, phoneAttested: false, availableAt: iso(until) });
  }
  const day = f.linkDayTotal + f.amount;
  if (f.linkVetted && day >= h.dayAboveHistoryAtLeast && day > h.dayAboveHistoryTimes * f.linkLargestDay) {
    const until = f.now + h.dayAboveHistoryHours * HOUR;
    availableAt = Math.max(availableAt, until);
    hit(hold, 'DAY_ABOVE_LINK_HISTORY', { dayTotal: day, largestDay: f.linkLargestDay, times: h.dayAboveHistoryTimes, atLeast: h.dayAboveHistoryAtLeast, holdHours: h.dayAboveHistoryHours, availableAt: iso(until) });
  }
  if (hold.length) return { outcome: 'HOLD', reasons: [...hold, ...challenge], facts, availableAt };
  if (challenge.length) return { outcome: 'CHALLENGE', reasons: challenge, facts };
  return { outcome: 'ALLOW', reasons: [], facts };
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
