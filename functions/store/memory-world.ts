import type { ChargeRecord } from '../adapters/charges-repo';
import type { RecordedDecision } from '../domain/backtest';
import type { ReviewCase } from '../domain/review';
import type { RulesProposal, RulesVersionRecord } from '../domain/rules-proposal';

/**
 * The in-memory stores' one shared state: the service tests' stand-in for the table.
 *
 * Every in-memory store reads and writes this one object, so a use case that touches
 * several areas (a credit checks the wallet, the link and the bank's switch) sees them
 * all, as the DynamoDB implementations see one table. A store method is atomic the way a
 * DynamoDB transaction is: it checks every condition first and then changes the maps,
 * with no `await` in between (JavaScript runs it to the end without interleaving).
 * Records are stored as copies (`structuredClone`) so a caller's object never aliases state.
 *
 * Each area adds the maps it owns, keyed as its DynamoDB items are (e.g. `${userId}/${linkId}`).
 */
export class MemoryWorld {
  // reviews and rules (functions/store/reviews.memory.ts, rules.memory.ts)
  /** Review cases by caseId. */
  cases = new Map<string, ReviewCase>();
  /** The rule set in force (absent: version 1, the defaults) and every version activated, by number. */
  activeRules?: RulesVersionRecord;
  rulesVersions = new Map<number, RulesVersionRecord>();
  /** Rules proposals by proposalId. */
  rulesProposals = new Map<string, RulesProposal>();
  /** What each charge decision was decided on, by `${at}#${chargeId}` (its sort key). */
  decisionRecords = new Map<string, RecordedDecision>();
  /** Charges by `${userId}/${chargeId}` (the charges area's; a review decision moves its charge). */
  charges = new Map<string, ChargeRecord>();

  /** Monotonic ids for items whose DynamoDB key has a random part. */
  private seq = 0;
  nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).padStart(8, '0')}`;
  }
}

/** A copy of a stored record (or undefined), so callers never hold the world's own objects. */
export const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
