import { applyListHits, type ListHit } from './lists';
import { decide, type ChargeFacts } from './risk';
import type { Rules } from './rules';

/** What each charge decision stores for a later backtest: the input of decide() and what came out. */
export interface RecordedDecision {
  chargeId: string;
  userId: string;
  amount: number;
  at: string;
  facts: ChargeFacts;
  /** List entries in force when it was decided (they are data, not rules: replayed as they were). */
  listHits?: ListHit[];
  outcome: string;
  ruleVersion: number;
}

export const OUTCOMES = ['ALLOW', 'HOLD', 'CHALLENGE', 'REVIEW', 'DENY'] as const;
export type OutcomeCounts = Record<(typeof OUTCOMES)[number], number>;
type BeforeAfter = { before: number; after: number };

export interface Backtest {
  charges: number;
  changed: number;
  before: OutcomeCounts;
  after: OutcomeCounts;
  /** How the changed outcomes moved, e.g. `{"ALLOW→REVIEW": 3}`. */
  transitions: Record<string, number>;
  fraudCharges: number;
  fraudYenCaught: BeforeAfter;
  fraudYenMissed: BeforeAfter;
  /** Charges nobody reported that a rule stopped for a code, a hold, a human or a refusal. */
  honestFriction: BeforeAfter;
}

/** The very engine the charges run: decide(), then the list entries the decision met. */
export function replay(r: Pick<RecordedDecision, 'facts' | 'listHits'>, rules: Rules): string {
  const d = decide(r.facts, rules);
  return (r.listHits?.length ? applyListHits(d, r.listHits) : d).outcome;
}

const zero = (): OutcomeCounts => ({ ALLOW: 0, HOLD: 0, CHALLENGE: 0, REVIEW: 0, DENY: 0 });

/**
 * Replays recorded decisions through the active rules (before) and the proposed ones (after), so a
 * difference is the rules' alone, not a change of the code since the charge was decided.
 *
 * A fraud charge counts as caught when its outcome is anything but ALLOW. HOLD counts as caught:
 * the debit waits and the bank sends the holder (the victim of identity theft, who never asked for
 * this wallet) a pre-debit notice with a not-me link, so the money can be stopped before it moves;
 * that channel is the one the attacker does not hold. Honest friction is the same test on charges
 * with no fraud label: every one of them waited or was refused for nothing.
 */
export function backtest(
  records: RecordedDecision[], fraud: ReadonlySet<string>, current: Rules, proposed: Rules,
  run: (r: RecordedDecision, rules: Rules) => string = replay,
): Backtest {
  const out: Backtest = {
    charges: records.length, changed: 0, before: zero(), after: zero(), transitions: {}, fraudCharges: 0,
    fraudYenCaught: { before: 0, after: 0 }, fraudYenMissed: { before: 0, after: 0 }, honestFriction: { before: 0, after: 0 },
  };
  for (const r of records) {
    const before = run(r, current);
    const after = run(r, proposed);
    out.before[before as keyof OutcomeCounts] = (out.before[before as keyof OutcomeCounts] ?? 0) + 1;
    out.after[after as keyof OutcomeCounts] = (out.after[after as keyof OutcomeCounts] ?? 0) + 1;
    if (before !== after) {
      out.changed += 1;
      out.transitions[`${before}→${after}`] = (out.transitions[`${before}→${after}`] ?? 0) + 1;
    }
    if (fraud.has(r.chargeId)) {
      out.fraudCharges += 1;
      (before === 'ALLOW' ? out.fraudYenMissed : out.fraudYenCaught).before += r.amount;
      (after === 'ALLOW' ? out.fraudYenMissed : out.fraudYenCaught).after += r.amount;
    } else {
      if (before !== 'ALLOW') out.honestFriction.before += 1;
      if (after !== 'ALLOW') out.honestFriction.after += 1;
    }
  }
  return out;
}
