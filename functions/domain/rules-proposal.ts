import type { Backtest } from './backtest';
import type { Rules } from './rules';

export type ProposalStatus = 'OPEN' | 'APPROVED' | 'REJECTED';

export interface RuleChange {
  rule: string;
  from: number;
  to: number;
}

/** A change of the rule set, backtested when made, activated only by a second member of staff. */
export interface RulesProposal {
  proposalId: string;
  rules: Rules;
  note: string;
  /** The version the proposal was made against and backtested over. */
  baseVersion: number;
  changes: RuleChange[];
  backtest: Backtest & { from: string; to: string };
  proposalStatus: ProposalStatus;
  proposedById: string;
  proposedBy: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  activatedVersion?: number;
}
