import type { AuditEntry } from '../adapters/audit';
import type { ChargeRecord, GuardReason } from '../adapters/charges-repo';
import type { FirstApproval, ReviewCase, SharedVia } from '../domain/review';

/** Who takes or decides a case: the stable id decides who is who, the e-mail is what people read. */
export interface CaseHolder {
  id: string;
  email: string;
}

/** A final decision on a case: when, by whom (the audit's actor), with the reviewer's note. */
export interface CaseDecision {
  at: number;
  actor: string;
  note: string;
}

/**
 * The review cases: the queue a human works through, the decisions and what they move. Every
 * write that changes a case is one atomic step with its audit record (and, for a decision, the
 * charge it decides), so a crash never leaves a decided case with an undecided charge.
 */
export interface ReviewStore {
  caseIdFor(chargeId: string): string;
  getCase(caseId: string): Promise<ReviewCase | undefined>;
  /**
   * Opens the case with the workflow's task token, or hands a new token to the open
   * case (an execution resumed by the sweeper). Returns the case as it now stands.
   */
  openCaseWithToken(c: Omit<ReviewCase, 'caseStatus' | 'taskToken'>, taskToken: string): Promise<ReviewCase>;
  /** Every open case, in no particular order. */
  openCases(): Promise<ReviewCase[]>;
  /** Decided or otherwise closed cases, newest decision first. */
  closedCases(limit?: number): Promise<ReviewCase[]>;
  /**
   * Gives an open case to `staff`. Without `takeOver` only an unowned case (or one `staff` holds)
   * can be taken, so two reviewers racing for a case end with one owner. False: the case was
   * taken or closed meanwhile; nothing changed.
   */
  assign(caseId: string, staff: CaseHolder, at: number, takeOver: boolean, audit: AuditEntry): Promise<boolean>;
  /** The first of two approvals, recorded once while the case is open. False: the case closed or someone approved first. */
  recordFirstApproval(caseId: string, approval: FirstApproval, audit: AuditEntry): Promise<boolean>;
  /**
   * Approves: the charge PENDING_REVIEW → PROCESSING (it leaves the wallet's waiting list), the case
   * closed APPROVED and the audit, in one step with the charge's controls. STALE: the case or the
   * charge changed meanwhile; a guard reason: that control failed; either way nothing changed.
   */
  approve(c: ReviewCase, charge: ChargeRecord, decision: CaseDecision, audit: AuditEntry): Promise<'OK' | 'STALE' | GuardReason>;
  /**
   * Rejects: the charge ends DECLINED (its day-limit reservation and link exposure given back), the
   * case closed REJECTED and the audit, in one step. False: the charge had ended or the case closed.
   */
  reject(c: ReviewCase, decision: CaseDecision, audit: AuditEntry): Promise<boolean>;
  /**
   * Takes an open case out of the queue because its charge ended otherwise (cancelled, expired,
   * failed): CLOSED, by `actor`, with `note`. A case already decided or closed is left as it is.
   */
  closeCase(caseId: string, at: number, actor: string, note: string): Promise<void>;
  /** A reviewer vouches for a link: it is vetted from now on (no holder window, no young-link cap). */
  trustLink(userId: string, linkId: string, at: number, actor: string): Promise<void>;
  /**
   * Wallets (user ids, at most 50) that share something with a reviewed one: a bank account (by its
   * hash), a device (by its id), a phone number, or an eKYC identity (its list value).
   */
  walletsSharing(via: SharedVia, value: string): Promise<string[]>;
}
