import { createHmac } from 'node:crypto';

export type LinkStatus = 'PENDING_BANK_AUTH' | 'PENDING_CONFIRMATION' | 'ACTIVE' | 'FAILED' | 'SUSPENDED' | 'REMOVED';

/** A wallet's link to one bank account. */
export interface LinkRecord {
  linkId: string;
  userId: string;
  bankCode: string;
  branchCode: string;
  /** Only the last digits; the full number is never stored. */
  accountMasked: string;
  accountHash: string;
  status: LinkStatus;
  bankRequestId: string;
  accountRef?: string;
  createdAt: string;
  updatedAt: string;
  activatedAt?: string;
  failureReason?: string;
  /**
   * The bank said, at authorization, that the wallet phone is the holder's bank-registered phone: the link
   * code then reached the holder (the fast lane). Ops see it; the wallet's own link listing does not.
   */
  phoneAttested?: boolean;
  /** A reviewer trusted the link (a review's APPROVE with trustLink): it is vetted. */
  trustedAt?: string;
  trustedBy?: string;
}

/** The one wallet whose ACTIVE (or SUSPENDED) link holds a bank account. */
export interface AccountClaim {
  userId: string;
  linkId: string;
}

/** A bank account closed to new links until `until` (ISO). */
export interface AccountLock {
  until: string;
  reason: string;
}

/** A failed link attempt (or a bank's breaker signal), counted against its subject. */
export interface Strike {
  at: string;
  userId?: string;
}

/** Every allowed move of a bank link; anything else is refused. */
const TRANSITIONS: Record<LinkStatus, LinkStatus[]> = {
  PENDING_BANK_AUTH: ['PENDING_CONFIRMATION', 'FAILED', 'REMOVED'],
  PENDING_CONFIRMATION: ['ACTIVE', 'FAILED', 'REMOVED'],
  ACTIVE: ['SUSPENDED', 'REMOVED'],
  SUSPENDED: ['ACTIVE', 'REMOVED'],
  FAILED: [],
  REMOVED: [],
};

export function canMove(from: LinkStatus, to: LinkStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const LINK_STATUSES = Object.keys(TRANSITIONS) as LinkStatus[];

/** Link abuse thresholds (DESIGN.md, Risk defaults). */
/**
 * The per-bank circuit breaker: a spike of failed link attempts or of not-me reports at one
 * bank (a leaked PIN list, a phishing wave) pauses new links to that bank until ops resume it.
 */
export const BANK_BREAKER = {
  windowMinutes: 10,
  linkFailures: 50,
  notMeReports: 5,
} as const;

export const LINK_ABUSE = {
  walletStrikesToFreeze: 3,
  accountStrikesToLock: 3,
  windowHours: 24,
  /** How long an account stays closed to linking after it is locked. */
  accountLockDays: 7,
  /**
   * Link attempts one wallet may start in a day. Each attempt is a PIN prompt at a bank:
   * without a cap, one verified wallet could walk through a victim's PIN space.
   */
  attemptsPerDay: 5,
  /** How long strikes are kept as risk facts for charges. */
  strikeRetentionDays: 30,
} as const;

export interface BankAccount {
  bankCode: string;
  branchCode: string;
  accountNumber: string;
}

/**
 * Account numbers are stored only as a keyed hash (a plain hash of a 7-digit number
 * is reversed by trying all ten million) and as their last digits for display.
 */
export function accountHash(key: string, a: BankAccount): string {
  return createHmac('sha256', key).update(`${a.bankCode}-${a.branchCode}-${a.accountNumber}`).digest('hex');
}

export function maskAccount(accountNumber: string): string {
  return `****${accountNumber.slice(-3)}`;
}

/** A link as its wallet sees it: the account masked, no bank reference. */
export const linkView = (l: Pick<LinkRecord, 'linkId' | 'bankCode' | 'branchCode' | 'accountMasked' | 'status' | 'createdAt' | 'activatedAt'>) => ({
  linkId: l.linkId,
  bankCode: l.bankCode,
  branchCode: l.branchCode,
  accountNumber: l.accountMasked,
  status: l.status,
  createdAt: l.createdAt,
  ...(l.activatedAt ? { activatedAt: l.activatedAt } : {}),
});
