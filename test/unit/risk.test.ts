/**
 * The risk engine (DESIGN.md, Risk defaults): pure and deterministic, every threshold
 * exactly at its boundary, every DENY reason and the error each answers with, and
 * the properties that keep it safe: a REVIEW never skips the SMS challenge, and more
 * money never makes a charge look safer.
 */
import fc from 'fast-check';
import { LIMITS, RISK_POLICY } from '../../functions/domain/policy';
import { safeFacts } from '../support/risk-facts';
import { decide as decideWithFacts, denyError, jstDay, type ChargeFacts, type Decision, type Outcome, type ReasonCode } from '../../functions/domain/risk';

/** Outcome and reasons (what most tests compare); the facts per reason have tests of their own. */
const decide = (f: ChargeFacts, rules?: Parameters<typeof decideWithFacts>[1]): Pick<Decision, 'outcome' | 'reasons'> => {
  const { outcome, reasons } = decideWithFacts(f, rules);
  return { outcome, reasons };
};

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 5, 15, 3, 0, 0);

const SAFE: ChargeFacts = safeFacts(NOW);
const facts = (over: Partial<ChargeFacts>): ChargeFacts => ({ ...SAFE, ...over });

const SEVERITY: Record<Outcome, number> = { ALLOW: 0, CHALLENGE: 1, HOLD: 2, REVIEW: 3, DENY: 4 };
const DENY_REASONS: ReasonCode[] = ['WALLET_FROZEN', 'BANK_SUSPENDED', 'LINK_NOT_ACTIVE', 'PER_CHARGE_LIMIT', 'DAILY_LIMIT', 'BALANCE_CAP'];
const REVIEW_REASONS: ReasonCode[] = [
  'LARGE_AMOUNT', 'HIGH_VELOCITY', 'ACCOUNT_FAILED_LINKS', 'YOUNG_LINK_EXPOSURE',
  'ACCOUNT_RECENTLY_LINKED_ELSEWHERE', 'DEVICE_SHARED', 'NEW_DEVICE_EXPOSURE',
];
const CHALLENGE_REASONS: ReasonCode[] = ['AMOUNT_OVER_CHALLENGE', 'NEW_DEVICE', 'AMOUNT_UNUSUAL_FOR_LINK', 'HOLDER_CHALLENGE'];
const HOLD_REASONS: ReasonCode[] = ['HOLDER_WINDOW', 'DAY_ABOVE_LINK_HISTORY'];
const DAY = 24 * HOUR;

/** Any facts at all, around the thresholds more often than not. */
const anyFacts: fc.Arbitrary<ChargeFacts> = fc.record({
  amount: fc.oneof(fc.integer({ min: 1, max: 1_200_000 }), fc.constantFrom(29_999, 30_000, 49_999, 50_000, 199_999, 200_000, 500_000, 500_001)),
  now: fc.constant(NOW),
  walletStatus: fc.constantFrom('ACTIVE' as const, 'FROZEN' as const),
  walletCreatedAt: fc.integer({ min: NOW - 100 * HOUR, max: NOW }),
  balance: fc.integer({ min: 0, max: LIMITS.maxBalance }),
  pending: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300_000 })),
  dayTotal: fc.integer({ min: 0, max: LIMITS.perDay }),
  bankChargingEnabled: fc.boolean(),
  linkStatus: fc.constantFrom('ACTIVE', 'SUSPENDED', 'REMOVED', 'PENDING_CONFIRMATION', 'FAILED'),
  linkActivatedAt: fc.option(fc.integer({ min: NOW - 200 * HOUR, max: NOW }), { nil: undefined }),
  linkNotifiedAt: fc.option(fc.integer({ min: NOW - 200 * HOUR, max: NOW }), { nil: undefined }),
  phoneAttested: fc.boolean(),
  linkVetted: fc.boolean(),
  linkExposure30d: fc.oneof(fc.constantFrom(0, 5_000, 9_999, 10_000, 99_999, 100_000), fc.integer({ min: 0, max: 400_000 })),
  linkLargestDebit: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300_000 })),
  linkDayTotal: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300_000 })),
  linkLargestDay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300_000 })),
  chargesInLastHour: fc.integer({ min: 0, max: 6 }),
  deviceSeen: fc.boolean(),
  accountFailedLinksByOthers: fc.integer({ min: 0, max: 4 }),
  accountLastActiveElsewhereAt: fc.option(fc.integer({ min: NOW - 120 * DAY, max: NOW }), { nil: undefined }),
  deviceOtherWalletsSeenAt: fc.array(fc.integer({ min: NOW - 45 * DAY, max: NOW }), { maxLength: 3 }),
  deviceFirstSeenAt: fc.option(fc.integer({ min: NOW - 200 * HOUR, max: NOW }), { nil: undefined }),
  deviceYenSinceFirstSeen: fc.integer({ min: 0, max: 50_000 }),
});

/** Facts that pass every DENY rule: active, enabled, within every limit. */
const admissibleFacts = anyFacts.map((f) => {
  const amount = Math.min(f.amount, LIMITS.perCharge);
  const balance = Math.min(f.balance, LIMITS.maxBalance - amount);
  return {
    ...f, amount, walletStatus: 'ACTIVE' as const, bankChargingEnabled: true, linkStatus: 'ACTIVE', dayTotal: Math.min(f.dayTotal, LIMITS.perDay - amount),
    balance, pending: Math.min(f.pending, LIMITS.maxBalance - amount - balance),
  };
});

describe('decide: determinism', () => {
  it('the same facts always give the same decision, and the facts are not changed', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const copy = structuredClone(f);
        const first = decide(f);
        expect(decide(copy)).toEqual(first);
        expect(decide(f)).toEqual(first);
        expect(f).toEqual(copy);
      }),
    );
  });

  it('answers only with the stable reason codes of its outcome', () => {
    const byOutcome: Record<Outcome, ReasonCode[]> = { ALLOW: [], CHALLENGE: CHALLENGE_REASONS, HOLD: [...HOLD_REASONS, ...CHALLENGE_REASONS], REVIEW: [...REVIEW_REASONS, ...CHALLENGE_REASONS], DENY: DENY_REASONS };
    fc.assert(
      fc.property(anyFacts, (f) => {
        const d = decide(f);
        for (const r of d.reasons) expect(byOutcome[d.outcome]).toContain(r);
        expect(new Set(d.reasons).size).toBe(d.reasons.length);
        if (d.outcome === 'ALLOW') expect(d.reasons).toEqual([]);
        else expect(d.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it('the safe baseline is ALLOW with no reasons', () => {
    expect(decide(SAFE)).toEqual({ outcome: 'ALLOW', reasons: [] });
  });
});

describe('decide: every DENY reason', () => {
  const cases: [ReasonCode, Partial<ChargeFacts>][] = [
    ['WALLET_FROZEN', { walletStatus: 'FROZEN' }],
    ['BANK_SUSPENDED', { bankChargingEnabled: false }],
    ['LINK_NOT_ACTIVE', { linkStatus: 'SUSPENDED' }],
    ['LINK_NOT_ACTIVE', { linkStatus: 'REMOVED' }],
    ['LINK_NOT_ACTIVE', { linkStatus: 'PENDING_CONFIRMATION' }],
    ['DAILY_LIMIT', { amount: 1_000, dayTotal: LIMITS.perDay - 999 }],
    ['BALANCE_CAP', { amount: 1_000, balance: LIMITS.maxBalance - 999 }],
  ];
  it.each(cases)('%s alone: DENY with exactly that reason (%j)', (reason, over) => {
    expect(decide(facts(over))).toEqual({ outcome: 'DENY', reasons: [reason] });
  });

  it('PER_CHARGE_LIMIT: a charge over 500,000 is denied (and, the day limit being the same, is over that too)', () => {
    const d = decide(facts({ amount: LIMITS.perCharge + 1 }));
    expect(d.outcome).toBe('DENY');
    expect(d.reasons[0]).toBe('PER_CHARGE_LIMIT');
    expect(d.reasons.filter((r) => r !== 'PER_CHARGE_LIMIT')).toEqual(LIMITS.perDay > LIMITS.perCharge ? [] : ['DAILY_LIMIT']);
  });

  it('all at once: DENY with every reason, and DENY wins over any REVIEW or CHALLENGE trigger', () => {
    const d = decide(
      facts({
        walletStatus: 'FROZEN', bankChargingEnabled: false, linkStatus: 'FAILED', amount: 600_000, dayTotal: 1, balance: LIMITS.maxBalance,
        deviceSeen: false, chargesInLastHour: 9, accountFailedLinksByOthers: 3,
      }),
    );
    expect(d.outcome).toBe('DENY');
    expect([...d.reasons].sort()).toEqual([...DENY_REASONS].sort());
  });

  it('any DENY rule that holds makes the outcome DENY, and DENY reasons are exactly the rules that hold', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const expected: ReasonCode[] = [];
        if (f.walletStatus === 'FROZEN') expected.push('WALLET_FROZEN');
        if (!f.bankChargingEnabled) expected.push('BANK_SUSPENDED');
        if (f.linkStatus !== 'ACTIVE') expected.push('LINK_NOT_ACTIVE');
        if (f.amount > LIMITS.perCharge) expected.push('PER_CHARGE_LIMIT');
        if (f.dayTotal + f.amount > LIMITS.perDay) expected.push('DAILY_LIMIT');
        if (f.balance + f.pending + f.amount > LIMITS.maxBalance) expected.push('BALANCE_CAP');
        const d = decide(f);
        if (expected.length) expect(d).toEqual({ outcome: 'DENY', reasons: expected });
        else expect(d.outcome).not.toBe('DENY');
      }),
    );
  });
});

describe('decide: thresholds exactly at the boundary', () => {
  const outcome = (over: Partial<ChargeFacts>) => decide(facts(over));

  it('per charge: 500,000 passes, 500,001 is denied', () => {
    expect(outcome({ amount: LIMITS.perCharge }).outcome).not.toBe('DENY');
    expect(outcome({ amount: LIMITS.perCharge + 1 }).reasons).toContain('PER_CHARGE_LIMIT');
  });

  it('per JST day (pending included): a total of exactly 500,000 passes, one yen more is denied', () => {
    expect(outcome({ amount: 100_000, dayTotal: LIMITS.perDay - 100_000 }).outcome).not.toBe('DENY');
    expect(outcome({ amount: 100_001, dayTotal: LIMITS.perDay - 100_000 })).toEqual({ outcome: 'DENY', reasons: ['DAILY_LIMIT'] });
  });

  it('balance cap: a balance of exactly 1,000,000 after the charge passes, one yen more is denied', () => {
    expect(outcome({ amount: 1_000, balance: LIMITS.maxBalance - 1_000 }).outcome).toBe('ALLOW');
    expect(outcome({ amount: 1_001, balance: LIMITS.maxBalance - 1_000 })).toEqual({ outcome: 'DENY', reasons: ['BALANCE_CAP'] });
  });

  it('challenge amount: 49,999 is ALLOW, 50,000 is CHALLENGE', () => {
    expect(outcome({ amount: RISK_POLICY.challenge.amountAtLeast - 1 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ amount: RISK_POLICY.challenge.amountAtLeast })).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE'] });
  });

  it('review amount: 199,999 is CHALLENGE, 200,000 is REVIEW', () => {
    expect(outcome({ amount: RISK_POLICY.review.amountAtLeast - 1 }).outcome).toBe('CHALLENGE');
    expect(outcome({ amount: RISK_POLICY.review.amountAtLeast })).toEqual({ outcome: 'REVIEW', reasons: ['LARGE_AMOUNT', 'AMOUNT_OVER_CHALLENGE'] });
  });

  it('velocity: 2 charges in the last hour are fine, the 3rd makes the next one REVIEW', () => {
    expect(outcome({ chargesInLastHour: RISK_POLICY.review.chargesInLastHour - 1 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ chargesInLastHour: RISK_POLICY.review.chargesInLastHour })).toEqual({ outcome: 'REVIEW', reasons: ['HIGH_VELOCITY'] });
  });

  it('an account with failed link attempts by other wallets: one is enough for REVIEW', () => {
    expect(outcome({ accountFailedLinksByOthers: 0 }).outcome).toBe('ALLOW');
    expect(outcome({ accountFailedLinksByOthers: 1 })).toEqual({ outcome: 'REVIEW', reasons: ['ACCOUNT_FAILED_LINKS'] });
  });

  it('a device not seen before: CHALLENGE; a first charge on a link is not a reason of its own any more', () => {
    expect(outcome({ deviceSeen: false })).toEqual({ outcome: 'CHALLENGE', reasons: ['NEW_DEVICE'] });
    expect(outcome({ linkExposure30d: 0, linkLargestDebit: 0, linkLargestDay: 0 })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });
});

describe('decide: the holder channel and signals across wallets (issue 12)', () => {
  // An unvetted link past its holder window with nothing on it yet, its phone attested unless a test says not.
  const outcome = (over: Partial<ChargeFacts>) => {
    const d = decide(facts({ linkVetted: false, phoneAttested: true, linkExposure30d: 0, linkLargestDebit: 0, linkLargestDay: 0, ...over }));
    return { outcome: d.outcome, reasons: d.reasons };
  };
  const cap = RISK_POLICY.holder.challengeExposureAbove;

  it('HOLDER_CHALLENGE: an unattested young link whose exposure plus the charge is above 10,000; exactly 10,000 is not', () => {
    expect(outcome({ phoneAttested: false, amount: cap })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ phoneAttested: false, amount: cap + 1 })).toEqual({ outcome: 'CHALLENGE', reasons: ['HOLDER_CHALLENGE'] });
    expect(outcome({ phoneAttested: false, linkExposure30d: 6_000, amount: 4_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ phoneAttested: false, linkExposure30d: 6_000, amount: 4_001 })).toEqual({ outcome: 'CHALLENGE', reasons: ['HOLDER_CHALLENGE'] });
  });

  it('HOLDER_CHALLENGE: never on an attested phone (the fast lane) or a vetted link, whatever the exposure', () => {
    expect(outcome({ phoneAttested: true, linkExposure30d: 90_000, amount: 9_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ phoneAttested: false, linkVetted: true, linkExposure30d: 90_000, amount: 9_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('HOLDER_CHALLENGE with a review reason: REVIEW, and the holder code still comes first', () => {
    expect(outcome({ phoneAttested: false, amount: RISK_POLICY.review.amountAtLeast })).toEqual({ outcome: 'REVIEW', reasons: ['LARGE_AMOUNT', 'YOUNG_LINK_EXPOSURE', 'AMOUNT_OVER_CHALLENGE', 'HOLDER_CHALLENGE'] });
  });

  it('ACCOUNT_RECENTLY_LINKED_ELSEWHERE: ACTIVE on another wallet less than 90 days ago is REVIEW; exactly 90 days is not', () => {
    const days = RISK_POLICY.review.accountLinkedElsewhereDays;
    expect(outcome({ accountLastActiveElsewhereAt: NOW - days * DAY + 1 })).toEqual({ outcome: 'REVIEW', reasons: ['ACCOUNT_RECENTLY_LINKED_ELSEWHERE'] });
    expect(outcome({ accountLastActiveElsewhereAt: NOW })).toEqual({ outcome: 'REVIEW', reasons: ['ACCOUNT_RECENTLY_LINKED_ELSEWHERE'] });
    expect(outcome({ accountLastActiveElsewhereAt: NOW - days * DAY })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('DEVICE_SHARED: the device seen on one other wallet within 30 days is REVIEW; only longer ago is not', () => {
    const days = RISK_POLICY.review.deviceSharedDays;
    expect(outcome({ deviceOtherWalletsSeenAt: [NOW - days * DAY + 1] })).toEqual({ outcome: 'REVIEW', reasons: ['DEVICE_SHARED'] });
    expect(outcome({ deviceOtherWalletsSeenAt: [NOW - days * DAY, NOW - 40 * DAY] })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('NEW_DEVICE_EXPOSURE: a device first seen on the wallet less than 72 h ago moving more than 10,000 yen', () => {
    const hours = RISK_POLICY.review.newDeviceHours;
    const above = RISK_POLICY.review.newDeviceExposureAbove;
    const young = NOW - hours * HOUR + 1;
    expect(outcome({ deviceFirstSeenAt: young, deviceYenSinceFirstSeen: 8_000, amount: above - 8_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ deviceFirstSeenAt: young, deviceYenSinceFirstSeen: 8_000, amount: above - 7_999 })).toEqual({ outcome: 'REVIEW', reasons: ['NEW_DEVICE_EXPOSURE'] });
    expect(outcome({ deviceFirstSeenAt: NOW - hours * HOUR, deviceYenSinceFirstSeen: 8_000, amount: 5_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    // Never seen before this charge: first seen now, and the new-device code comes first.
    expect(outcome({ deviceFirstSeenAt: undefined, deviceSeen: false, amount: above + 1 })).toEqual({ outcome: 'REVIEW', reasons: ['NEW_DEVICE_EXPOSURE', 'NEW_DEVICE'] });
  });

  it('NEW_DEVICE_EXPOSURE: not for the device the wallet was opened on (a new wallet is the hold and exposure caps\' case)', () => {
    expect(outcome({ walletCreatedAt: NOW - 2 * HOUR, deviceFirstSeenAt: NOW - 2 * HOUR, amount: 30_000 }).reasons).not.toContain('NEW_DEVICE_EXPOSURE');
    expect(outcome({ walletCreatedAt: NOW - 2 * HOUR, deviceFirstSeenAt: NOW - HOUR, amount: 30_000 }).reasons).toContain('NEW_DEVICE_EXPOSURE');
  });
});

describe('decide: properties', () => {
  const challengeOf = (f: ChargeFacts) => {
    const r: ReasonCode[] = [];
    const c = RISK_POLICY.challenge;
    if (f.amount >= c.amountAtLeast) r.push('AMOUNT_OVER_CHALLENGE');
    if (!f.deviceSeen) r.push('NEW_DEVICE');
    if (f.linkVetted && f.amount >= c.unusualForLinkAtLeast && f.amount > c.unusualForLinkTimes * f.linkLargestDebit) r.push('AMOUNT_UNUSUAL_FOR_LINK');
    if (!f.linkVetted && !f.phoneAttested && f.linkExposure30d + f.amount > RISK_POLICY.holder.challengeExposureAbove) r.push('HOLDER_CHALLENGE');
    return r;
  };

  it("a REVIEW's reasons always include every challenge reason the same facts raise", () => {
    fc.assert(
      fc.property(admissibleFacts, (f) => {
        const d = decide(f);
        if (d.outcome !== 'REVIEW') return;
        for (const r of challengeOf(f)) expect(d.reasons).toContain(r);
        expect(d.reasons.some((r) => REVIEW_REASONS.includes(r))).toBe(true);
      }),
    );
  });

  it('a charge that passes every DENY rule is CHALLENGE exactly when a challenge rule holds and no review or hold rule does', () => {
    fc.assert(
      fc.property(admissibleFacts, (f) => {
        const d = decide(f);
        const challenge = challengeOf(f);
        if (d.outcome === 'CHALLENGE') expect(d.reasons).toEqual(challenge);
        if (d.outcome === 'HOLD') expect(d.reasons.filter((r) => !HOLD_REASONS.includes(r))).toEqual(challenge);
        if (d.outcome === 'ALLOW') expect(challenge).toEqual([]);
      }),
    );
  });

  it('monotone in the amount: raising the amount never lowers the severity (ALLOW < CHALLENGE < HOLD < REVIEW < DENY)', () => {
    fc.assert(
      fc.property(anyFacts, fc.integer({ min: 1, max: 1_200_000 }), fc.integer({ min: 1, max: 1_200_000 }), (f, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(SEVERITY[decide({ ...f, amount: high }).outcome]).toBeGreaterThanOrEqual(SEVERITY[decide({ ...f, amount: low }).outcome]);
      }),
      { numRuns: 500 },
    );
  });

  it('monotone in the other risk signals: more recent charges, failed links or pending total never lower the severity', () => {
    fc.assert(
      fc.property(anyFacts, fc.nat(5), fc.nat(3), fc.nat(200_000), (f, moreCharges, moreFailures, morePending) => {
        const worse = {
          ...f, chargesInLastHour: f.chargesInLastHour + moreCharges, accountFailedLinksByOthers: f.accountFailedLinksByOthers + moreFailures, dayTotal: f.dayTotal + morePending,
          linkExposure30d: f.linkExposure30d + morePending, deviceYenSinceFirstSeen: f.deviceYenSinceFirstSeen + morePending,
          deviceOtherWalletsSeenAt: [...f.deviceOtherWalletsSeenAt, NOW - moreCharges * DAY],
        };
        expect(SEVERITY[decide(worse).outcome]).toBeGreaterThanOrEqual(SEVERITY[decide(f).outcome]);
      }),
    );
  });
});

describe('risk v2: holds, exposure per link, unusual amounts (issue 12)', () => {
  const outcome = (over: Partial<ChargeFacts>) => decide(facts(over));
  const full = (over: Partial<ChargeFacts>) => decideWithFacts(facts(over));
  const WINDOW = RISK_POLICY.hold.holderWindowHours * HOUR;
  /** A young link: linked an hour ago, no history, not vetted, not attested. */
  const YOUNG: Partial<ChargeFacts> = {
    linkActivatedAt: NOW - HOUR, linkNotifiedAt: NOW - HOUR, linkVetted: false, phoneAttested: false,
    linkExposure30d: 0, linkLargestDebit: 0, linkDayTotal: 0, linkLargestDay: 0,
  };

  it('HOLDER_WINDOW: a young unattested link holds until 72 h after the linked notice; at exactly 72 h it does not', () => {
    const d = full({ ...YOUNG, linkNotifiedAt: NOW - WINDOW + 1 });
    expect({ outcome: d.outcome, reasons: d.reasons, availableAt: d.availableAt }).toEqual({ outcome: 'HOLD', reasons: ['HOLDER_WINDOW'], availableAt: NOW + 1 });
    expect(d.facts?.HOLDER_WINDOW).toEqual({ linkNotifiedAt: new Date(NOW - WINDOW + 1).toISOString(), windowHours: 72, phoneAttested: false, availableAt: new Date(NOW + 1).toISOString() });
    expect(outcome({ ...YOUNG, linkNotifiedAt: NOW - WINDOW })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('HOLDER_WINDOW: the fast lane (bank-attested phone) and a vetted link skip the window', () => {
    expect(outcome({ ...YOUNG, phoneAttested: true })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ ...YOUNG, linkVetted: true })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('a hold outranks a code to the wallet phone (its reasons ride along), and a review outranks a hold', () => {
    expect(outcome({ ...YOUNG, deviceSeen: false })).toEqual({ outcome: 'HOLD', reasons: ['HOLDER_WINDOW', 'NEW_DEVICE'] });
    // Above the holder-challenge cap the holder's own code (sent by the bank) replaces the window.
    expect(outcome({ ...YOUNG, amount: 60_000 })).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE', 'HOLDER_CHALLENGE'] });
    expect(outcome({ ...YOUNG, amount: 10_000, deviceSeen: false })).toEqual({ outcome: 'HOLD', reasons: ['HOLDER_WINDOW', 'NEW_DEVICE'] });
    expect(outcome({ ...YOUNG, chargesInLastHour: 3 })).toEqual({ outcome: 'REVIEW', reasons: ['HIGH_VELOCITY'] });
  });

  it('YOUNG_LINK_EXPOSURE: an unvetted link at exactly 100,000 in 30 days (this charge included) passes, one yen more is REVIEW with its facts', () => {
    // Attested, so no holder code: the cap applies to every unvetted link.
    const past = { ...YOUNG, linkNotifiedAt: NOW - WINDOW, linkActivatedAt: NOW - WINDOW, phoneAttested: true };
    expect(outcome({ ...past, linkExposure30d: 90_000, amount: 10_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    const d = full({ ...past, linkExposure30d: 90_000, amount: 10_001 });
    expect({ outcome: d.outcome, reasons: d.reasons }).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE'] });
    expect(d.facts?.YOUNG_LINK_EXPOSURE).toEqual({ amount: 10_001, exposure30d: 90_000, threshold: 100_000, linkAgeHours: 72, linkVetted: false });
    // In the window too: a human decides instead of the hold.
    expect(outcome({ ...YOUNG, amount: 100_001 })).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE', 'AMOUNT_OVER_CHALLENGE', 'HOLDER_CHALLENGE'] });
    // A vetted link has no exposure cap.
    expect(outcome({ linkExposure30d: 400_000, amount: 10_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
  });

  it('AMOUNT_UNUSUAL_FOR_LINK: on a vetted link, more than 2x its largest debit and at least 100,000', () => {
    // largest 60,000: 120,000 is exactly 2x (not unusual); 120,001 is.
    const base = { linkLargestDebit: 60_000, linkLargestDay: 200_000 };
    expect(outcome({ ...base, amount: 120_000 })).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE'] });
    const d = full({ ...base, amount: 120_001 });
    expect({ outcome: d.outcome, reasons: d.reasons }).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE', 'AMOUNT_UNUSUAL_FOR_LINK'] });
    expect(d.facts?.AMOUNT_UNUSUAL_FOR_LINK).toEqual({ amount: 120_001, largestDebit: 60_000, times: 2, atLeast: 100_000, days: 180 });
    // Below 100,000 it is never unusual, however small the history.
    expect(outcome({ linkLargestDebit: 1_000, linkLargestDay: 200_000, amount: 49_999 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ linkLargestDebit: 1_000, linkLargestDay: 200_000, amount: 99_999 }).reasons).not.toContain('AMOUNT_UNUSUAL_FOR_LINK');
    expect(outcome({ linkLargestDebit: 1_000, linkLargestDay: 200_000, amount: 100_000 }).reasons).toContain('AMOUNT_UNUSUAL_FOR_LINK');
    // An unvetted link has no history to compare with: its exposure cap applies instead.
    expect(outcome({ linkVetted: false, linkLargestDebit: 1_000, linkExposure30d: 0, amount: 100_000 }).reasons).not.toContain('AMOUNT_UNUSUAL_FOR_LINK');
  });

  it("DAY_ABOVE_LINK_HISTORY: a vetted link's day above 3x its largest day (and at least 50,000) is held 24 h", () => {
    // largest day 40,000: a day of 120,000 is exactly 3x (not held); 120,001 is.
    expect(outcome({ linkDayTotal: 80_000, amount: 40_000, linkLargestDebit: 40_000, linkLargestDay: 40_000 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    const d = full({ linkDayTotal: 80_000, amount: 40_001, linkLargestDebit: 40_000, linkLargestDay: 40_000 });
    expect({ outcome: d.outcome, reasons: d.reasons, availableAt: d.availableAt }).toEqual({ outcome: 'HOLD', reasons: ['DAY_ABOVE_LINK_HISTORY'], availableAt: NOW + 24 * HOUR });
    expect(d.facts?.DAY_ABOVE_LINK_HISTORY).toEqual({ dayTotal: 120_001, largestDay: 40_000, times: 3, atLeast: 50_000, holdHours: 24, availableAt: new Date(NOW + 24 * HOUR).toISOString() });
    // Under 50,000 a day is never held.
    expect(outcome({ linkLargestDay: 0, linkDayTotal: 0, amount: 49_999 })).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(outcome({ linkLargestDay: 0, linkDayTotal: 0, amount: 50_000 }).outcome).toBe('HOLD');
  });

  it('BALANCE_CAP counts held (pending) yen', () => {
    expect(outcome({ balance: 900_000, pending: 99_000, amount: 1_000 }).outcome).toBe('ALLOW');
    const d = full({ balance: 900_000, pending: 99_000, amount: 1_001 });
    expect({ outcome: d.outcome, reasons: d.reasons }).toEqual({ outcome: 'DENY', reasons: ['BALANCE_CAP'] });
    expect(d.facts?.BALANCE_CAP).toEqual({ amount: 1_001, balance: 900_000, pending: 99_000, cap: LIMITS.maxBalance });
  });

  it('every reason of every decision comes with its facts; a HOLD always says when, and it is in the future', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const d = decideWithFacts(f);
        for (const r of d.reasons) expect(d.facts?.[r]).toEqual(expect.any(Object));
        if (d.outcome === 'HOLD') expect(d.availableAt).toBeGreaterThan(f.now);
        else expect(d.availableAt).toBeUndefined();
      }),
    );
  });

  it("no money moves inside the holder window without the fast lane, a vetted link, the holder's own code or a human: never ALLOW, and a CHALLENGE there is the holder's", () => {
    fc.assert(
      fc.property(admissibleFacts, fc.integer({ min: 0, max: WINDOW - 1 }), (f, age) => {
        const d = decide({ ...f, linkVetted: false, phoneAttested: false, linkNotifiedAt: NOW - age });
        expect(['HOLD', 'CHALLENGE', 'REVIEW', 'DENY']).toContain(d.outcome);
        // A code to the wallet phone reaches an identity thief: inside the window only the bank's code to the holder may stand in for the wait.
        if (d.outcome === 'CHALLENGE') expect(d.reasons).toContain('HOLDER_CHALLENGE');
      }),
    );
  });

  it('on an unvetted link, the 30-day exposure without a human never passes the cap', () => {
    fc.assert(
      fc.property(admissibleFacts, (f) => {
        const d = decide({ ...f, linkVetted: false });
        if (d.outcome !== 'REVIEW' && d.outcome !== 'DENY') expect(f.linkExposure30d + f.amount).toBeLessThanOrEqual(RISK_POLICY.review.youngLinkExposureAbove);
      }),
    );
  });

  it('thresholds are read from the rules given, not only the defaults', () => {
    const rules = structuredClone(RISK_POLICY) as unknown as Parameters<typeof decideWithFacts>[1] & { review: { youngLinkExposureAbove: number }; hold: { holderWindowHours: number } };
    rules!.review.youngLinkExposureAbove = 5_000;
    rules!.hold.holderWindowHours = 1;
    expect(decide(facts({ ...YOUNG, linkNotifiedAt: NOW - HOUR, amount: 5_000 }), rules)).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(decide(facts({ ...YOUNG, linkNotifiedAt: NOW - HOUR, amount: 5_001 }), rules)).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE'] });
  });
});

describe('denyError', () => {
  it('maps each DENY reason to its contract error', () => {
    expect(denyError(['WALLET_FROZEN'])).toBe('ACCOUNT_FROZEN');
    expect(denyError(['BANK_SUSPENDED'])).toBe('BANK_SUSPENDED');
    expect(denyError(['LINK_NOT_ACTIVE'])).toBe('CHARGE_DECLINED');
    expect(denyError(['PER_CHARGE_LIMIT'])).toBe('LIMIT_EXCEEDED');
    expect(denyError(['DAILY_LIMIT'])).toBe('LIMIT_EXCEEDED');
    expect(denyError(['BALANCE_CAP'])).toBe('LIMIT_EXCEEDED');
  });

  it('frozen outranks a suspended bank, which outranks an inactive link, which outranks the limits, whatever the order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(DENY_REASONS, { minLength: 1 }), (reasons) => {
        const expected = reasons.includes('WALLET_FROZEN')
          ? 'ACCOUNT_FROZEN'
          : reasons.includes('BANK_SUSPENDED')
            ? 'BANK_SUSPENDED'
            : reasons.includes('LINK_NOT_ACTIVE')
              ? 'CHARGE_DECLINED'
              : 'LIMIT_EXCEEDED';
        expect(denyError(reasons)).toBe(expected);
      }),
    );
  });

  it('is what every DENY decision answers with', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const d = decide(f);
        if (d.outcome !== 'DENY') return;
        const code = denyError(d.reasons);
        if (f.walletStatus === 'FROZEN') expect(code).toBe('ACCOUNT_FROZEN');
        else if (!f.bankChargingEnabled) expect(code).toBe('BANK_SUSPENDED');
        else if (f.linkStatus !== 'ACTIVE') expect(code).toBe('CHARGE_DECLINED');
        else expect(code).toBe('LIMIT_EXCEEDED');
      }),
    );
  });
});

describe('jstDay', () => {
  it('UTC 14:59:59.999 is still the same Japanese day; 15:00 UTC is the next one', () => {
    expect(jstDay(Date.parse('2026-03-31T14:59:00.000Z'))).toBe('2026-03-31');
    expect(jstDay(Date.parse('2026-03-31T14:59:59.999Z'))).toBe('2026-03-31');
    expect(jstDay(Date.parse('2026-03-31T15:00:00.000Z'))).toBe('2026-04-01');
    expect(jstDay(Date.parse('2026-12-31T15:00:00.000Z'))).toBe('2027-01-01');
    expect(jstDay(Date.parse('2028-02-28T15:00:00.000Z'))).toBe('2028-02-29');
  });

  it('for any day, the JST day flips exactly at 15:00 UTC (no daylight saving)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2100, 0, 1) / 86_400_000 }), (dayNumber) => {
        const midnightUtc = dayNumber * 86_400_000;
        const utcDate = new Date(midnightUtc).toISOString().slice(0, 10);
        const nextUtcDate = new Date(midnightUtc + 86_400_000).toISOString().slice(0, 10);
        expect(jstDay(midnightUtc + 15 * HOUR - 1)).toBe(utcDate);
        expect(jstDay(midnightUtc + 15 * HOUR)).toBe(nextUtcDate);
        expect(jstDay(midnightUtc)).toBe(utcDate);
      }),
    );
  });
});
