import type { StoredCode } from '../domain/codes';

export type CodePurpose = 'phone' | 'link' | 'charge';

/** Where a one-time code waits: the user's phone code, a bank link's code, or a charge's code (kept on the charge itself). */
export type CodeSlot = { purpose: 'phone'; userId: string } | { purpose: 'link'; linkId: string } | { purpose: 'charge'; userId: string; chargeId: string };

/** One-time codes, stored as hashes. Spending a code is part of what it unlocks (the user, link or charge store's verb). */
export interface CodeStore {
  /** The code waiting in the slot (read consistently), or undefined. */
  getCode(slot: CodeSlot): Promise<StoredCode | undefined>;
  /** Replaces the slot's code unless another send won the race (its `sentAt` is no longer `previousSentAt`): then false. */
  replaceCode(slot: CodeSlot, code: StoredCode, previousSentAt: number | undefined): Promise<boolean>;
  /**
   * Counts one wrong try, atomically, so concurrent guesses each use up a try. The tries used,
   * or undefined if the code has changed (another hash), died (no tries left) or is gone.
   */
  countWrongCode(slot: CodeSlot, hash: string, maxAttempts: number): Promise<number | undefined>;
  deleteCode(slot: CodeSlot): Promise<void>;
}
