import type { AuditEntry } from '../adapters/audit';
import type { RecordedDecision } from '../domain/backtest';
import type { ActiveRules } from '../domain/rules';
import type { RulesProposal, StoredActiveRules } from '../domain/rules-proposal';

/**
 * The risk rules at runtime: the version in force, the proposals that change it (maker-checker),
 * and what each charge decision was decided on, which a proposal's backtest replays.
 */
export interface RulesStore {
  /** The rule set in force, read over today's defaults; version 1 (the defaults) until one is activated. */
  getActiveRules(): Promise<StoredActiveRules>;
  /** Stores a new proposal with its audit, in one step. */
  putProposal(p: RulesProposal, audit: AuditEntry): Promise<void>;
  getProposal(proposalId: string): Promise<RulesProposal | undefined>;
  /** Open proposals oldest first (up to 100); decided ones newest first (the last 50). */
  listProposals(status: 'OPEN' | 'CLOSED'): Promise<RulesProposal[]>;
  /**
   * Activates a proposal as version `current.version + 1`, in one step: the version's record, the
   * active pointer (only if `current` is still in force), the proposal closed, the audit. STALE:
   * the proposal was decided or another version activated first; nothing changed.
   */
  activateProposal(p: RulesProposal, current: ActiveRules, by: string, audit: AuditEntry): Promise<number | 'STALE'>;
  /** Closes an open proposal as rejected, with its audit. False: it was decided meanwhile. */
  rejectProposal(p: RulesProposal, by: string, audit: AuditEntry): Promise<boolean>;
  /** Records what a charge decision was decided on (best effort: outside the charge's own write). */
  recordDecision(r: RecordedDecision): Promise<void>;
  /** Every decision recorded from `from` to `to` (epoch ms). */
  recordedDecisions(from: number, to: number): Promise<RecordedDecision[]>;
  /** Charges decided since `from` later known to be fraud: paid or undisputed not-me claims, not-me cancellations. */
  fraudLabels(from: number): Promise<Set<string>>;
}
