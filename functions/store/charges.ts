import { DomainError } from '../shared/errors';
import type { Activity, ChargeRecord, ChargeStatus, GuardedResult, GuardReason, StoredResponse } from '../domain/charge';
import type { JournalEntry, WalletEntry } from '../domain/ledger';

/**
 * The charges store: a charge and its moves, the wallet's activity window (day-limit
 * reservations, waiting and held charges, each link's history), and the ledger.
 *
 * Every move toward money (create, confirm, end of a hold, debit check, credit) is one
 * atomic write together with the charge's controls (the wallet ACTIVE, the link ACTIVE, the
 * bank's charging on), and answers which control failed: a freeze, a switch-off or an unlink
 * that races a step is either seen by it or stops it.
 */
export interface ChargeStore {
  getCharge(userId: string, chargeId: string): Promise<ChargeRecord | undefined>;
  listCharges(userId: string): Promise<ChargeRecord[]>;
  /**
   * Open charges across the wallets, ordered by when the sweeper should look at them next:
   * those due by `dueBy`, or all. Stops early (`complete: false`) when `until` (real epoch ms) passes.
   */
  openCharges(options?: { dueBy?: number; until?: number }): Promise<{ charges: ChargeRecord[]; complete: boolean }>;

  getActivity(userId: string): Promise<Activity>;
  /** Writes the window if nobody changed it since `previous` was read; false if somebody did. */
  saveActivity(userId: string, previous: Activity, next: Omit<Activity, 'version'>): Promise<boolean>;
  /** Gives back the day-limit reservation (and the waiting slot) of a charge that was never created. */
  releaseReservation(userId: string, chargeId: string): Promise<void>;
  /** Drops from the waiting list the charges that moved on (or never got created). */
  dropFromWaiting(userId: string, chargeIds: string[]): Promise<void>;

  /** Creates the charge unless its key made one already (EXISTS); `guarded`: only while its controls hold. */
  createCharge(charge: ChargeRecord, guarded?: boolean): Promise<'CREATED' | 'EXISTS' | GuardReason>;
  /**
   * The charge's controls as they stand now, read strongly consistent (the wallet, the link, the
   * wallet's copy of the bank's switch): the first that fails, or undefined. Read after a write that
   * made the charge visible and before money moves, it is as strong as a condition of that write,
   * since what it guards (the bank's debit) is outside the database either way.
   */
  checkControls(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): Promise<GuardReason | undefined>;
  /** Stores the charge's answer unless it has one (the first answer is the one replayed). */
  setResponse(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, response: StoredResponse): Promise<void>;
  /**
   * PENDING_CONFIRMATION → `to` with the controls. `code`: the wallet-phone code whose hash must
   * still be the charge's, with tries left (STALE otherwise); the device that typed it becomes
   * trusted. `'HOLDER'`: the bank verified the holder's code. Leaves the waiting list when `to` is PROCESSING.
   */
  confirm(
    charge: ChargeRecord,
    to: 'PENDING_REVIEW' | 'PROCESSING',
    now: number,
    actor: string,
    by: { code: { hash: string; maxAttempts: number; deviceId?: string } } | 'HOLDER',
  ): Promise<GuardedResult>;
  /** One try at the holder's code, counted before the bank is asked: the tries used, or undefined if none is left. */
  countHolderTry(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, maxAttempts: number): Promise<number | undefined>;
  /** Hands the workflow's task token to a charge still waiting for its code; false if it moved on. */
  awaitConfirmation(userId: string, chargeId: string, taskToken: string): Promise<boolean>;
  /** PENDING_HOLD → PROCESSING (to run as `executionName`) with the controls; the charge no longer waits nor is pending. */
  endHold(charge: ChargeRecord, now: number, executionName: string): Promise<GuardedResult>;
  /** The debit's own check of the controls, while the charge is PROCESSING. */
  checkDebit(charge: ChargeRecord, now: number): Promise<GuardedResult>;
  /**
   * Ends a charge unsuccessfully, once, giving back its day-limit reservation, waiting slot,
   * hold and link exposure in the same write. A charge already ended is returned unchanged.
   */
  finishUnsuccessfully(
    userId: string,
    chargeId: string,
    to: ChargeStatus,
    now: number,
    actor: string,
    reason: string,
  ): Promise<{ charge?: ChargeRecord; changed: boolean }>;
  /** Marks which execution resumes the charge; false if the charge moved (or another sweep won) since it was read. */
  recordResumption(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'updatedAt' | 'resumedBy'>, name: string): Promise<boolean>;
  /** Tells the sweeper when to look at the charge next; false if it moved meanwhile. */
  rescheduleSweep(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'updatedAt'>, dueMs: number): Promise<boolean>;
}

export type CreditResult = 'CREDITED' | 'ALREADY' | 'CAP' | 'STALE' | GuardReason;

/** The wallet's money: append-only journal, balance never negative nor over its cap. */
export interface Ledger {
  /**
   * The credit of a debited charge: the balance (from `currentBalance`, STALE if it changed), its
   * journal entry and the charge COMPLETED with `response(balanceAfter)`, with the controls, all or nothing.
   */
  credit(charge: ChargeRecord, entry: JournalEntry, now: number, response: (balance: number) => StoredResponse, currentBalance: number): Promise<CreditResult>;
  /** The wallet's entries, newest first; `cursor` comes from a previous page (VALIDATION_ERROR if it does not). */
  entries(userId: string, limit: number, cursor?: string): Promise<{ items: WalletEntry[]; next?: string }>;
}

export type ChargesStore = ChargeStore & Ledger;

/** The answer to a statement cursor that did not come from this wallet's statement. */
export const invalidCursor = () =>
  new DomainError('VALIDATION_ERROR', 'The cursor is not valid', { issues: [{ in: 'query', path: 'cursor', message: 'not a cursor from this list' }] });
