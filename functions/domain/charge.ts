import { createHash } from 'node:crypto';
import type { StoredCode } from './codes';
import { removeCharge, type LinkStats } from './link-stats';
import { jstDay, type Decision } from './risk';

export type ChargeStatus = 'PENDING_HOLD' | 'PENDING_CONFIRMATION' | 'PENDING_REVIEW' | 'PROCESSING' | 'COMPLETED' | 'DECLINED' | 'CANCELLED' | 'EXPIRED' | 'FAILED';

export const FINAL_STATUSES: ChargeStatus[] = ['COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];
/** Final statuses in which no money moved: the day-limit reservation is given back. */
export const UNSUCCESSFUL: ChargeStatus[] = ['DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];

const MOVES: Record<ChargeStatus, ChargeStatus[]> = {
  PENDING_HOLD: ['PROCESSING', 'CANCELLED', 'EXPIRED', 'DECLINED', 'FAILED'],
  PENDING_CONFIRMATION: ['PENDING_REVIEW', 'PROCESSING', 'CANCELLED', 'EXPIRED', 'DECLINED', 'FAILED'],
  PENDING_REVIEW: ['PROCESSING', 'DECLINED', 'EXPIRED', 'CANCELLED', 'FAILED'],
  PROCESSING: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  DECLINED: [],
  CANCELLED: [],
  EXPIRED: [],
  FAILED: [],
};

export const canMoveCharge = (from: ChargeStatus, to: ChargeStatus) => MOVES[from].includes(to);
export const isFinal = (s: ChargeStatus) => FINAL_STATUSES.includes(s);
/** The statuses a charge can be in just before it becomes `to`. */
export const statusesBefore = (to: ChargeStatus) => (Object.keys(MOVES) as ChargeStatus[]).filter((s) => MOVES[s].includes(to));

/**
 * The charge id is derived from the user and the Idempotency-Key, so the charge
 * record itself is the idempotency record: two requests with one key can only
 * ever create one charge, whatever their timing.
 */
export function chargeIdFor(userId: string, idempotencyKey: string): string {
  return `chg_${createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

/** What "the same request" means for a replay: the same link and amount. */
export function requestHash(body: { linkId: string; amount: number }): string {
  return createHash('sha256').update(JSON.stringify({ linkId: body.linkId, amount: body.amount })).digest('hex');
}

/** Recent charge attempts kept per wallet, for the day limit and velocity (a sliding window). */
export interface RecentCharge {
  chargeId: string;
  at: number;
  amount: number;
  day: string;
  /** The link charged (absent in entries written before per-link history). */
  linkId?: string;
}

export function dayTotal(recent: RecentCharge[], day: string): number {
  return recent.filter((r) => r.day === day).reduce((sum, r) => sum + r.amount, 0);
}

export function countSince(recent: RecentCharge[], since: number): number {
  return recent.filter((r) => r.at >= since).length;
}

/** Keeps what the limits can still need: today's and the last 25 hours' attempts. */
export function pruneRecent(recent: RecentCharge[], now: number, today: string): RecentCharge[] {
  return recent.filter((r) => r.day === today || r.at >= now - 25 * 3600_000);
}

export interface ChargeHistory {
  at: string;
  status: ChargeStatus;
  actor: string;
  reason?: string;
}

/** An answer as the API gave it: a charge stores its first one, replayed for the same Idempotency-Key. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface ChargeRecord extends Partial<StoredCode> {
  chargeId: string;
  userId: string;
  linkId: string;
  bankCode: string;
  accountRef?: string;
  amount: number;
  status: ChargeStatus;
  /** The outcome, its reasons, and the version of the rule set that decided it. */
  decision: Decision & { ruleVersion?: number };
  requestHash: string;
  /** The device (`deviceHash` of the X-Device-Id): every charge that named one. */
  deviceHash?: string;
  /** The X-Device-Id itself: only on a charge that can reach a reviewer (one that waits for its code), who may list the device. */
  deviceId?: string;
  /** HOLDER: the code was sent by the bank to the account holder's registered phone, and the bank checks it (HOLDER_CHALLENGE). */
  codeChannel?: 'HOLDER';
  createdAt: string;
  updatedAt: string;
  /** The first answer, replayed for the same Idempotency-Key. */
  response?: StoredResponse;
  confirmToken?: string;
  reviewToken?: string;
  caseId?: string;
  executionName?: string;
  /** The last execution the sweeper started for this charge. */
  resumedBy?: string;
  bankTransactionId?: string;
  completedAt?: string;
  /** The compensation claim this charge belongs to (at most one). */
  claimId?: string;
  /** PENDING_HOLD: when the debit may run (ISO). */
  availableAt?: string;
  history: ChargeHistory[];
}

/** The wallet's window of recent charges, read by every decision and written optimistically by its version. */
export interface Activity {
  version: number;
  recent: RecentCharge[];
  /**
   * Charges of the wallet that may still be waiting (for a code or a human), by id, with
   * when they were created: the per-wallet cap on open charges and the freeze read it.
   * An entry is dropped when its charge ends; one whose charge moved on is pruned lazily.
   */
  waiting: Record<string, number>;
  /** Held charges (PENDING_HOLD) by id, with their amounts: the wallet's `pending`, which the balance cap counts. */
  held: Record<string, number>;
  /** Each link's own history (domain/link-stats.ts), kept with the window so a decision reads no charges. */
  links: Record<string, LinkStats>;
}

/**
 * The controls a charge must pass at every step toward money: the wallet ACTIVE, the link
 * ACTIVE, the bank's charging on. A step names the first that failed.
 */
export const GUARD_REASONS = ['WALLET_FROZEN', 'LINK_NOT_ACTIVE', 'BANK_SUSPENDED'] as const;
export type GuardReason = (typeof GUARD_REASONS)[number];

/** A guarded step's outcome: OK, STALE (the step's own condition lost a race), or the failed control. */
export type GuardedResult = 'OK' | 'STALE' | GuardReason;

/**
 * The wallet's window once `charge` ended without money: its reservation, waiting slot and hold
 * go, and the link's exposure gives back what this charge reserved (a DENY reserved nothing).
 * `changed` false: the window holds nothing of it (nothing to write).
 */
export function windowAfterEnd(activity: Activity, charge: Pick<ChargeRecord, 'chargeId' | 'linkId' | 'amount' | 'createdAt' | 'decision'>): { next: Omit<Activity, 'version'>; changed: boolean } {
  const { chargeId } = charge;
  const recent = activity.recent.filter((r) => r.chargeId !== chargeId);
  const { [chargeId]: wasWaiting, ...waiting } = activity.waiting;
  const { [chargeId]: wasHeld, ...held } = activity.held;
  const stats = activity.links[charge.linkId];
  const reserved = charge.decision.outcome !== 'DENY' && !!stats?.days[jstDay(Date.parse(charge.createdAt))];
  const links = reserved ? { ...activity.links, [charge.linkId]: removeCharge(stats, Date.parse(charge.createdAt), charge.amount) } : activity.links;
  const changed = recent.length !== activity.recent.length || wasWaiting !== undefined || wasHeld !== undefined || reserved;
  return { next: { recent, waiting, held, links }, changed };
}

/**
 * The window without `chargeIds`: their waiting slots and holds always, their day-limit reservations
 * (and the link exposure they reserved) with `recent` (charges never created). `changed` false: none was there.
 */
export function windowWithout(activity: Activity, chargeIds: string[], options: { recent: boolean }): { next: Omit<Activity, 'version'>; changed: boolean } {
  const recent = options.recent ? activity.recent.filter((r) => !chargeIds.includes(r.chargeId)) : activity.recent;
  const waiting = Object.fromEntries(Object.entries(activity.waiting).filter(([id]) => !chargeIds.includes(id)));
  const held = Object.fromEntries(Object.entries(activity.held).filter(([id]) => !chargeIds.includes(id)));
  let links = activity.links;
  for (const r of activity.recent) {
    if (options.recent && chargeIds.includes(r.chargeId) && r.linkId && links[r.linkId]) links = { ...links, [r.linkId]: removeCharge(links[r.linkId], r.at, r.amount) };
  }
  const changed =
    recent.length !== activity.recent.length || Object.keys(waiting).length !== Object.keys(activity.waiting).length || Object.keys(held).length !== Object.keys(activity.held).length;
  return { next: { recent, waiting, held, links }, changed };
}
