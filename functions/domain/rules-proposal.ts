import type { Backtest } from './backtest';
import { DEFAULT_RULES_VERSION, RULE_DEFAULTS, withDefaults, type ActiveRules, type Rules } from './rules';
import type { RiskRules } from './risk';

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

/** A rule set as stored: the active pointer and each version's own record. */
export interface RulesVersionRecord {
  version: number;
  rules: unknown;
  activatedAt?: string;
  activatedBy?: string;
  proposalId?: string;
}

export type StoredActiveRules = ActiveRules & { activatedAt?: string; activatedBy?: string };

/**
 * The rule set in force as every reader sees it: the stored active version read over today's
 * defaults, or version 1, the code's defaults with the deployment's own starting thresholds.
 */
export function activeRulesOf(stored: RulesVersionRecord | undefined, deploymentRules: Partial<RiskRules>): StoredActiveRules {
  if (!stored) return { version: DEFAULT_RULES_VERSION, rules: withDefaults({ ...RULE_DEFAULTS, ...deploymentRules }) };
  return {
    version: stored.version,
    rules: withDefaults(stored.rules),
    ...(stored.activatedAt ? { activatedAt: stored.activatedAt, activatedBy: stored.activatedBy } : {}),
  };
}
