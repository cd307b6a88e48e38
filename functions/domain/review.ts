/** A charge that waits for a human: one case per charge, decided by ops (four eyes above an amount). */
export type CaseStatus = 'OPEN' | 'APPROVED' | 'REJECTED' | 'CLOSED';

export interface ReviewCase {
  caseId: string;
  chargeId: string;
  userId: string;
  amount: number;
  reasons: string[];
  /** The version of the rule set that sent the charge here. */
  ruleVersion?: number;
  caseStatus: CaseStatus;
  createdAt: string;
  dueAt: string;
  expiresAt: string;
  taskToken?: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  /** The member of staff who owns the case (Cognito sub), their e-mail, and since when. */
  assigneeId?: string;
  assignee?: string;
  assignedAt?: string;
  /** Four eyes: the first APPROVE of a large charge, waiting for a second, distinct approver. */
  firstApproval?: FirstApproval;
}

export interface FirstApproval {
  byId: string;
  by: string;
  at: string;
  note: string;
}

/** A charge's case id follows from its id: the workflow, the sweeper and a control find the case without a lookup. */
export const caseIdFor = (chargeId: string) => `case_${chargeId.slice(4)}`;

/** The keys by which the review context finds other wallets that share something with the reviewed one. */
export type SharedVia = 'BANK_ACCOUNT' | 'DEVICE' | 'PHONE' | 'EKYC_IDENTITY';
