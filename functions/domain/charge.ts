import { createHash } from 'node:crypto';

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
