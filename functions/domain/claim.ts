/** OPENING: the claim is being assembled (its charges marked in batches); not listed, not payable. */
export type ClaimStatus = 'OPENING' | 'OPEN' | 'PAYING' | 'PAID' | 'DENIED';

/** A compensation claim: charges that drained one bank account through one wallet. */
export interface Claim {
  claimId: string;
  userId: string;
  linkId: string;
  bankCode: string;
  accountRef: string;
  chargeIds: string[];
  amount: number;
  claimStatus: ClaimStatus;
  source: string;
  note: string;
  createdAt: string;
  createdBy: string;
  decidedBy?: string;
  decidedAt?: string;
  refunded?: number;
  clawback?: number;
  loss?: number;
}

/** A charge as a claim names it: the wallet whose partition holds it and its id. */
export interface ClaimedCharge {
  userId: string;
  chargeId: string;
}

/** What a not-me report answered, kept with the report so a retry of the same token replays it. */
export interface NotMeResponse {
  reported: true;
  walletFrozen: boolean;
  linkSuspended: boolean;
  cancelledCharges: string[];
  claimId?: string;
  amount: number;
}

/** A not-me report as first recorded (before it was acted on) and, once done, its answer. */
export interface NotMeReport {
  userId: string;
  linkId: string;
  reportedAt: string;
  response?: NotMeResponse;
}
