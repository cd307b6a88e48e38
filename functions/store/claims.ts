import type { AuditEntry } from '../domain/audit';
import type { Claim, ClaimedCharge, NotMeReport, NotMeResponse } from '../domain/claim';
import type { Posting } from '../domain/ledger';

/** What paying a claim writes besides the claim: the ledger entry, the clawback from the wallet, the audit record. */
export interface ClaimPayment {
  /** The wallet balance the clawback was worked out on: the payment is refused if the wallet moved since. */
  balanceBefore: number;
  clawback: number;
  loss: number;
  postings: Posting[];
  at: number;
  audit: AuditEntry;
}

/** A PAY's outcome: written, the claim no longer PAYING (a concurrent PAY won), or the wallet moved (work it out again). */
export type PayResult = 'PAID' | 'NOT_PAYING' | 'WALLET_CHANGED';

/**
 * Compensation claims, the marks they put on the charges they cover, and the not-me reports
 * that open them. A charge is in at most one claim; a claim covers any number of charges.
 */
export interface ClaimStore {
  get(claimId: string): Promise<Claim | undefined>;
  /** Claims waiting for a decision (OPEN and PAYING), in no particular order. */
  listOpen(): Promise<Claim[]>;
  /** Decided claims (PAID, DENIED), newest opened first. */
  listClosed(limit?: number): Promise<Claim[]>;
  /** The wallet a charge belongs to, found by the charge's id alone. */
  ownerOfCharge(chargeId: string): Promise<string | undefined>;
  /** Writes a new claim OPENING (not listed, not payable): false if the id exists already. */
  begin(claim: Claim): Promise<boolean>;
  /**
   * Marks every charge as this claim's: true if all are (marking one again for the same claim changes
   * nothing), false if one is in another claim or not COMPLETED (charges marked meanwhile stay marked).
   */
  markCharges(claimId: string, charges: ClaimedCharge[]): Promise<boolean>;
  /** Frees the charges this claim holds (others are left alone); returns the ids it could not free. */
  unmarkCharges(claimId: string, charges: ClaimedCharge[]): Promise<string[]>;
  /** Deletes a claim that is still OPENING (a refused or abandoned one); anything else is kept. */
  discard(claimId: string): Promise<void>;
  /** OPENING → OPEN with its audit record: the claim enters the ops queue. False if it was not OPENING. */
  open(claim: Claim, audit: AuditEntry): Promise<boolean>;
  /** OPEN → PAYING, by `decidedBy`: false if the claim was not OPEN. */
  startPaying(claimId: string, decidedBy: string): Promise<boolean>;
  /** PAYING → PAID with the ledger entry, the wallet's clawback and the audit record, all or nothing. */
  pay(claim: Claim, payment: ClaimPayment): Promise<PayResult>;
  /** OPEN → DENIED with its audit record: false if the claim was not OPEN. */
  deny(claimId: string, decidedBy: string, decidedAt: string, audit: AuditEntry): Promise<boolean>;
  /** The not-me report made with this token, if any. */
  report(tokenId: string): Promise<NotMeReport | undefined>;
  /** Records a report before anything is done about it (so it survives a failure); a second record changes nothing. */
  recordReport(tokenId: string, report: Omit<NotMeReport, 'response'>): Promise<void>;
  /** Keeps the report's answer, unless one is kept already. */
  settleReport(tokenId: string, response: NotMeResponse): Promise<void>;
}
