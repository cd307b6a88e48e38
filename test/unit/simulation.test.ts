/**
 * The pure parts of `npm run simulate` (bench/lib/sim-model.ts): how actors read the service's
 * answers — including PENDING_HOLD and HOLDER_CHALLENGE, which the contract promises — what they do
 * next, how victims read the bank's notices, and how a scenario's metrics are computed. Plus the
 * RISK_RULES override the simulation uses to run other thresholds.
 */
import { RISK_POLICY } from '../../functions/domain/policy';
import { config, resetConfigForTests } from '../../functions/shared/config';
import { Rng } from '../../bench/lib/prng';
import {
  attackResultOf, canEnterCode, codeDestination, lognormalYen, newestCodeSince, nextAttackAmount, notMeTokenOf, readChargeAnswer, ruleAt,
  scaleYenThresholds, scenarioMetrics, victimHabit, victimReading, type ChargeRecord,
} from '../../bench/lib/sim-model';
import { median } from '../../bench/lib/stats';

const HOUR = 3600_000;

describe('reading a charge answer (POST /v1/me/charges)', () => {
  it('tells completed, held, code and refused apart', () => {
    expect(readChargeAnswer(201, { chargeId: 'c1', status: 'COMPLETED', balance: 5000 })).toEqual({ answer: 'COMPLETED', chargeId: 'c1', reasons: [] });
    expect(readChargeAnswer(202, { chargeId: 'c2', status: 'PENDING_HOLD', availableAt: '2026-12-03T00:00:00.000Z' })).toEqual({
      answer: 'HELD', chargeId: 'c2', availableAt: Date.parse('2026-12-03T00:00:00.000Z'), reasons: [],
    });
    expect(readChargeAnswer(202, { chargeId: 'c3', status: 'PENDING_CONFIRMATION' })).toEqual({ answer: 'CODE', chargeId: 'c3', reasons: [] });
    expect(readChargeAnswer(422, { error: { code: 'LIMIT_EXCEEDED', details: { reasons: ['DAILY_LIMIT'] } } })).toEqual({ answer: 'REFUSED', refusal: 'LIMIT_EXCEEDED', reasons: ['DAILY_LIMIT'] });
    expect(readChargeAnswer(502, 'Bad Gateway').answer).toBe('ERROR');
  });

  it('sends the code of a HOLDER_CHALLENGE to the holder\'s phone, every other code to the wallet phone', () => {
    expect(codeDestination(['HOLDER_CHALLENGE'])).toBe('HOLDER');
    expect(codeDestination(['NEW_DEVICE', 'AMOUNT_UNUSUAL_FOR_LINK'])).toBe('WALLET');
  });
});

describe('who can type the code', () => {
  const rng = new Rng(1);
  it('an honest user owns both phones', () => {
    expect(canEnterCode('honest', 'HOLDER', rng, 0)).toBe(true);
    expect(canEnterCode('honest', 'WALLET', rng, 0)).toBe(true);
  });
  it('a thief owns the wallet phone; the holder\'s phone only by phishing the victim again', () => {
    expect(canEnterCode('thief', 'WALLET', rng, 0)).toBe(true);
    expect(canEnterCode('thief', 'HOLDER', rng, 0)).toBe(false);
    expect(canEnterCode('thief', 'HOLDER', rng, 1)).toBe(true);
    const r = new Rng(7);
    const hits = Array.from({ length: 2000 }, () => canEnterCode('thief', 'HOLDER', r, 0.2)).filter(Boolean).length;
    expect(hits / 2000).toBeGreaterThan(0.16);
    expect(hits / 2000).toBeLessThan(0.24);
  });
});

describe('finding a code in a phone\'s messages', () => {
  const since = Date.parse('2026-12-01T10:00:00Z');
  const msgs = [
    { body: '【銀行】ワンタイムパスワード：111111', sentAt: '2026-12-01T09:00:00Z' },
    { body: '【銀行】ご本人確認コード：482913（5分間有効）', sentAt: '2026-12-01T10:00:01Z' },
    { body: '【銀行】5,000円のチャージ予定。心当たりがない場合: https://x.example/not-me?token=abc123456def', sentAt: '2026-12-01T10:00:02Z' },
  ];
  it('takes the newest code sent since the charge, skipping URLs (a token may hold six digits)', () => {
    expect(newestCodeSince(msgs, since)).toBe('482913');
  });
  it('finds nothing older than the charge', () => {
    expect(newestCodeSince(msgs.slice(0, 1), since)).toBeUndefined();
  });
  it('reads the not-me token of a notice', () => {
    expect(notMeTokenOf(msgs[2].body)).toBe('abc123456def');
    expect(notMeTokenOf(msgs[1].body)).toBeUndefined();
  });
});

describe('the adaptive attacker', () => {
  it('reads what became of his charge', () => {
    expect(attackResultOf({ answer: 'HELD', reasons: [] })).toBe('HELD');
    expect(attackResultOf({ answer: 'CODE', reasons: [] }, { codeEntered: false })).toBe('CODE_UNREACHABLE');
    expect(attackResultOf({ answer: 'CODE', reasons: [] }, { codeEntered: true, afterCode: 'PENDING_REVIEW' })).toBe('REVIEW');
    expect(attackResultOf({ answer: 'CODE', reasons: [] }, { codeEntered: true, afterCode: 'PENDING_HOLD' })).toBe('HELD');
    expect(attackResultOf({ answer: 'CODE', reasons: [] }, { codeEntered: true, afterCode: 'PROCESSING' })).toBe('COMPLETED');
    expect(attackResultOf({ answer: 'REFUSED', refusal: 'LIMIT_EXCEEDED', reasons: ['DAILY_LIMIT'] })).toBe('DAY_LIMIT');
    expect(attackResultOf({ answer: 'REFUSED', refusal: 'LIMIT_EXCEEDED', reasons: ['BALANCE_CAP'] })).toBe('LIMIT');
    expect(attackResultOf({ answer: 'REFUSED', refusal: 'ACCOUNT_FROZEN', reasons: [] })).toBe('FROZEN');
  });
  it('keeps an amount that works and halves after one that brought a code he cannot read, a human or a limit', () => {
    expect(nextAttackAmount(49_000, 'COMPLETED')).toBe(49_000);
    expect(nextAttackAmount(49_000, 'HELD')).toBe(49_000);
    expect(nextAttackAmount(49_000, 'CODE_UNREACHABLE')).toBe(24_000);
    expect(nextAttackAmount(49_000, 'REVIEW')).toBe(24_000);
    expect(nextAttackAmount(1_000, 'CODE_UNREACHABLE')).toBeUndefined();
    expect(nextAttackAmount(49_000, 'FROZEN')).toBeUndefined();
  });
});

describe('victims and honest amounts', () => {
  it('40 % never read; the others read each notice after ~36 h on average and report 90 % of the time', () => {
    const rng = new Rng(2020);
    const habits = Array.from({ length: 5000 }, () => victimHabit(rng, 0.4));
    expect(habits.filter((h) => !h.reads).length / 5000).toBeCloseTo(0.4, 1);
    const readings = Array.from({ length: 5000 }, () => victimReading(rng, 0, 36, 0.9));
    expect(readings.every((r) => r.readAt > 0)).toBe(true);
    expect(readings.reduce((s, r) => s + r.readAt, 0) / 5000 / HOUR).toBeGreaterThan(33);
    expect(readings.reduce((s, r) => s + r.readAt, 0) / 5000 / HOUR).toBeLessThan(39);
    expect(readings.filter((r) => r.reports).length / 5000).toBeCloseTo(0.9, 1);
  });
  it('top-ups are lognormal around 5,000 yen in whole thousands', () => {
    const rng = new Rng(5);
    const amounts = Array.from({ length: 5000 }, () => lognormalYen(rng, 5_000, 0.5));
    expect(amounts.every((a) => a >= 1000 && a % 1000 === 0)).toBe(true);
    expect(median(amounts)).toBe(5_000);
  });
});

describe('alternative rule settings', () => {
  it('scales every yen threshold and leaves hours, days and counts alone', () => {
    const half = scaleYenThresholds(RISK_POLICY, 0.5);
    expect(half.review.amountAtLeast).toBe(RISK_POLICY.review.amountAtLeast / 2);
    expect(half.review.chargesInLastHour).toBe(RISK_POLICY.review.chargesInLastHour);
    expect(half.review.accountFailedLinksDays).toBe(RISK_POLICY.review.accountFailedLinksDays);
    expect(ruleAt(half, 'review.amountAtLeast')).toBe(100_000);
    expect(ruleAt(half, 'hold.holderWindowHours.nope')).toBeUndefined();
  });

  describe('RISK_RULES (functions/shared/config.ts)', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      Object.assign(process.env, { TABLE_NAME: 't', USER_POOL_ID: 'p', USER_POOL_CLIENT_ID: 'c' });
      resetConfigForTests();
    });
    afterEach(() => {
      process.env = { ...saved };
      resetConfigForTests();
    });
    it('defaults to RISK_POLICY', () => {
      delete process.env.RISK_RULES;
      expect(config().riskRules).toEqual(RISK_POLICY);
    });
    it('overrides the leaves it names and keeps the rest', () => {
      process.env.RISK_RULES = JSON.stringify({ review: { amountAtLeast: 150_000 } });
      expect(config().riskRules.review.amountAtLeast).toBe(150_000);
      expect(config().riskRules.review.chargesInLastHour).toBe(RISK_POLICY.review.chargesInLastHour);
      expect(RISK_POLICY.review.amountAtLeast).toBe(200_000); // the defaults are not touched
    });
    it.each([['{"review":{"nope":1}}', /unknown rule review.nope/], ['{"review":{"amountAtLeast":-1}}', /non-negative/], ['{"review":5}', /not an object/], ['nope', /not JSON/]])('refuses %s at the cold start', (raw, why) => {
      process.env.RISK_RULES = raw;
      expect(() => config()).toThrow(why);
    });
  });
});

describe('scenario metrics', () => {
  const link = Date.parse('2026-12-01T00:00:00Z');
  const base = { counted: true, requestedAt: link, reading: { answer: 'COMPLETED' as const, reasons: [] } };
  const thief = (amount: number, creditedAfterHours: number, o: Partial<ChargeRecord> = {}): ChargeRecord => ({
    ...base, honest: false, amount, victim: 'v1', linkNotifiedAt: link, finalStatus: 'COMPLETED', creditedAt: link + creditedAfterHours * HOUR, ...o,
  });
  const honest = (o: Partial<ChargeRecord>): ChargeRecord => ({ ...base, honest: true, amount: 5_000, finalStatus: 'COMPLETED', ...o });

  it('counts attacker yen inside the holder window apart, and leaves out what a reviewer approved', () => {
    const m = scenarioMetrics({
      charges: [
        thief(9_000, 1),
        thief(20_000, 73),
        thief(50_000, 2, { review: 'APPROVED' }),
        thief(7_000, 5, { victim: 'v2', finalStatus: 'CANCELLED' }),
        thief(3_000, 100, { victim: 'v2' }),
      ],
      victims: ['v1', 'v2', 'v3'],
      holderWindowHours: 72,
      firstMoney: [],
    });
    expect(m.attackerYenInWindowWithoutHumanDecision).toBe(9_000);
    expect(m.attackerYenWithoutHumanDecision).toBe(32_000);
    expect(m.attackerYenApprovedByReviewer).toBe(50_000);
    expect(m.maxAttackerYenPerVictimWithoutHumanDecision).toBe(29_000);
    expect(m.victimsOver10000YenWithoutHumanDecision).toBe(1);
    expect(m.victims).toBe(3);
  });

  it('a held charge credited after the window is not in-window loss', () => {
    const m = scenarioMetrics({ charges: [thief(9_000, 72.5, { reading: { answer: 'HELD', reasons: [], availableAt: link + 72 * HOUR } })], victims: ['v1'], holderWindowHours: 72, firstMoney: [] });
    expect(m.attackerYenInWindowWithoutHumanDecision).toBe(0);
    expect(m.attackerYenWithoutHumanDecision).toBe(9_000);
  });

  it('classifies honest friction: held, any code (wallet or holder), reviewed; uncounted history stays out', () => {
    const m = scenarioMetrics({
      charges: [
        honest({}),
        honest({ reading: { answer: 'HELD', reasons: [] }, outcome: 'HOLD' }),
        honest({ reading: { answer: 'CODE', reasons: [] }, codeTo: 'HOLDER', codeEntered: true, outcome: 'CHALLENGE' }),
        honest({ reading: { answer: 'CODE', reasons: [] }, codeTo: 'WALLET', codeEntered: true, outcome: 'REVIEW', afterCode: 'PENDING_REVIEW' }),
        honest({ reading: { answer: 'CODE', reasons: [] }, codeTo: 'WALLET', codeEntered: false, outcome: 'CHALLENGE' }),
        honest({ reading: { answer: 'REFUSED', refusal: 'LIMIT_EXCEEDED', reasons: ['DAILY_LIMIT'] } }),
        honest({ reading: { answer: 'ERROR', reasons: [] } }),
        honest({ counted: false, reading: { answer: 'CODE', reasons: [] } }),
      ],
      victims: [],
      holderWindowHours: 72,
      firstMoney: [{ requestedAt: 0, creditedAt: 2 * HOUR }, { requestedAt: 0, creditedAt: 72 * HOUR }, { requestedAt: 0, creditedAt: 3 * HOUR }, { requestedAt: 0 }],
    });
    expect(m.legitCharges).toBe(6);
    expect(m.legitHeldPct).toBe(16.67);
    expect(m.legitChallengedPct).toBe(50);
    expect(m.legitHolderChallengedPct).toBe(16.67);
    expect(m.legitReviewedPct).toBe(16.67);
    expect(m.legitAbandonedPct).toBe(16.67);
    expect(m.legitDeniedPct).toBe(16.67);
    expect(m.legitFrictionPct).toBe(66.67);
    expect(m.medianFirstMoneyWaitHours).toBe(3);
    expect(m.firstMoneyNever).toBe(1);
    expect(m.attackerYenWithoutHumanDecision).toBe(0);
  });
});
