/**
 * Rules at runtime (issue 13): the rule-set schema derived from the defaults, stored sets read over
 * today's defaults, the backtest's arithmetic, and the 60-second cache on a monotonic timer.
 */
import { rulesCache } from '../../functions/app/active-rules';
import { backtest, replay, type RecordedDecision } from '../../functions/domain/backtest';
import { FOUR_EYES, RISK_POLICY } from '../../functions/domain/policy';
import type { ChargeFacts } from '../../functions/domain/risk';
import { changedRules, RULE_DEFAULTS, RulesSchema, withDefaults, type Rules } from '../../functions/domain/rules';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 5, 15, 3, 0, 0);
const clone = (): Rules => JSON.parse(JSON.stringify(RULE_DEFAULTS)) as Rules;

/** An old wallet, an old vetted link with a history, a known device: a small charge is ALLOW. */
const SAFE: ChargeFacts = {
  amount: 1_000, now: NOW, walletStatus: 'ACTIVE', walletCreatedAt: NOW - 400 * HOUR, balance: 0, pending: 0, dayTotal: 0, bankChargingEnabled: true,
  linkStatus: 'ACTIVE', linkActivatedAt: NOW - 400 * HOUR, linkNotifiedAt: NOW - 400 * HOUR, phoneAttested: true, linkVetted: true,
  linkExposure30d: 60_000, linkLargestDebit: 100_000, linkDayTotal: 0, linkLargestDay: 200_000,
  chargesInLastHour: 0, deviceSeen: true, accountFailedLinksByOthers: 0,
  accountLastActiveElsewhereAt: undefined, deviceOtherWalletsSeenAt: [], deviceFirstSeenAt: NOW - 400 * HOUR, deviceYenSinceFirstSeen: 0,
};

const record = (chargeId: string, amount: number, outcome = 'ALLOW'): RecordedDecision => ({
  chargeId, userId: 'u', amount, at: new Date(NOW).toISOString(), facts: { ...SAFE, amount }, outcome, ruleVersion: 1,
});

describe('the rule-set schema is derived from the defaults', () => {
  it('holds every risk threshold of RISK_POLICY and the four-eyes amount', () => {
    expect(RulesSchema.safeParse(RULE_DEFAULTS).success).toBe(true);
    for (const group of Object.keys(RISK_POLICY)) expect(Object.keys((RULE_DEFAULTS as Record<string, object>)[group])).toEqual(Object.keys((RISK_POLICY as Record<string, object>)[group]));
    expect(RULE_DEFAULTS.fourEyes.reviewApprovalAmountAtLeast).toBe(FOUR_EYES.reviewApprovalAmountAtLeast);
  });

  it('refuses a missing, extra, negative, fractional or non-number rule, and a missing group', () => {
    const bad = (mutate: (r: Record<string, Record<string, unknown>>) => void) => {
      const r = clone() as unknown as Record<string, Record<string, unknown>>;
      mutate(r);
      return RulesSchema.safeParse(r).success;
    };
    expect(bad(() => undefined)).toBe(true);
    expect(bad((r) => delete r.review.amountAtLeast)).toBe(false);
    expect(bad((r) => (r.review.surprise = 1))).toBe(false);
    expect(bad((r) => (r.review.amountAtLeast = -1))).toBe(false);
    expect(bad((r) => (r.review.amountAtLeast = 1.5))).toBe(false);
    expect(bad((r) => (r.review.amountAtLeast = '100000'))).toBe(false);
    expect(bad((r) => delete r.fourEyes)).toBe(false);
    expect(bad((r) => (r.extra = {}))).toBe(false);
  });

  it('reads a stored set over the defaults: a rule added since takes its default, one removed is dropped', () => {
    const stored = { review: { amountAtLeast: 100_000, retired: 5 }, fourEyes: { reviewApprovalAmountAtLeast: 300_000 } };
    const r = withDefaults(stored);
    expect(r.review.amountAtLeast).toBe(100_000);
    expect(r.fourEyes.reviewApprovalAmountAtLeast).toBe(300_000);
    expect(r.challenge).toEqual(RISK_POLICY.challenge);
    expect('retired' in r.review).toBe(false);
    expect(RulesSchema.safeParse(r).success).toBe(true);
  });

  it('names what a proposal changes', () => {
    const to = clone();
    to.review.amountAtLeast = 100_000;
    expect(changedRules(withDefaults(RULE_DEFAULTS), to)).toEqual([{ rule: 'review.amountAtLeast', from: RISK_POLICY.review.amountAtLeast, to: 100_000 }]);
  });
});

describe('backtest arithmetic', () => {
  const current = clone();
  const proposed = clone();

  it('counts outcomes before and after, the changes by move, fraud yen caught and missed and honest friction', () => {
    // A scripted engine: what each charge gets under each rule set.
    const script: Record<string, [string, string]> = {
      f1: ['ALLOW', 'REVIEW'], // fraud, now caught
      f2: ['ALLOW', 'ALLOW'], // fraud, still missed
      f3: ['HOLD', 'HOLD'], // fraud, held: caught both times
      h1: ['ALLOW', 'CHALLENGE'], // honest, new friction
      h2: ['REVIEW', 'ALLOW'], // honest, friction removed
      h3: ['DENY', 'DENY'], // honest, refused both times: friction both times
    };
    const amounts: Record<string, number> = { f1: 100_000, f2: 20_000, f3: 70_000, h1: 5_000, h2: 250_000, h3: 600_000 };
    const records = Object.keys(script).map((id) => record(id, amounts[id]));
    const run = (r: RecordedDecision, rules: Rules) => script[r.chargeId][rules === current ? 0 : 1];
    const bt = backtest(records, new Set(['f1', 'f2', 'f3', 'unrelated']), current, proposed, run);
    expect(bt).toEqual({
      charges: 6,
      changed: 3,
      before: { ALLOW: 3, HOLD: 1, CHALLENGE: 0, REVIEW: 1, DENY: 1 },
      after: { ALLOW: 2, HOLD: 1, CHALLENGE: 1, REVIEW: 1, DENY: 1 },
      transitions: { 'ALLOW→REVIEW': 1, 'ALLOW→CHALLENGE': 1, 'REVIEW→ALLOW': 1 },
      fraudCharges: 3,
      fraudYenCaught: { before: 70_000, after: 170_000 },
      fraudYenMissed: { before: 120_000, after: 20_000 },
      honestFriction: { before: 2, after: 2 },
    });
    // Every fraud yen is either caught or missed, under both rule sets.
    expect(bt.fraudYenCaught.before + bt.fraudYenMissed.before).toBe(190_000);
    expect(bt.fraudYenCaught.after + bt.fraudYenMissed.after).toBe(190_000);
  });

  it('has nothing to count in an empty window', () => {
    const bt = backtest([], new Set(['x']), current, proposed);
    expect(bt.charges).toBe(0);
    expect(bt.fraudYenCaught).toEqual({ before: 0, after: 0 });
    expect(Object.values(bt.after).every((n) => n === 0)).toBe(true);
  });

  it('replays through decide() itself: a lower review amount sends a recorded charge to review', () => {
    const lower = clone();
    lower.review.amountAtLeast = 100_000;
    const r = record('c', 150_000);
    expect(replay(r, current)).not.toBe('REVIEW');
    expect(replay(r, lower)).toBe('REVIEW');
    const bt = backtest([r, record('small', 1_000)], new Set(['c']), current, lower);
    expect(bt.changed).toBe(1);
    expect(bt.after.REVIEW).toBe(bt.before.REVIEW + 1);
    expect(bt.fraudYenCaught.after).toBe(150_000);
  });

  it('replays the list entries the decision met', () => {
    const r = { ...record('listed', 1_000), listHits: [{ kind: 'DEVICE' as const, action: 'DENY' as const, reason: 'mule', until: '2027-01-01T00:00:00Z' }] };
    expect(replay(r, current)).toBe('DENY');
  });
});

describe('the rules cache', () => {
  const v = (version: number) => ({ version, rules: clone() });

  it('reads once per 60 s of the monotonic timer, whatever the service clock does', async () => {
    let t = 0;
    let version = 1;
    const load = jest.fn(async () => v(version));
    const cache = rulesCache(load, () => t);
    expect((await cache.get()).version).toBe(1);
    version = 2;
    t = 59_999;
    expect((await cache.get()).version).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
    t = 60_000;
    expect((await cache.get()).version).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one read between concurrent misses and keeps the last set when a read fails', async () => {
    let t = 0;
    let fail = false;
    const load = jest.fn(async () => {
      if (fail) throw new Error('throttled');
      return v(3);
    });
    const cache = rulesCache(load, () => t);
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(load).toHaveBeenCalledTimes(1);
    fail = true;
    t = 120_000;
    expect((await cache.get()).version).toBe(3);
  });

  it('uses what this process activated at once, never an older set', async () => {
    const cache = rulesCache(async () => v(1), () => 0);
    await cache.get();
    cache.remember(v(2));
    expect((await cache.get()).version).toBe(2);
    cache.remember(v(1));
    expect((await cache.get()).version).toBe(2);
  });
});
