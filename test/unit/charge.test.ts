/**
 * The charge domain: the id that makes the charge record its own idempotency record,
 * what "the same request" means, the status machine of the API contract, and the
 * sliding window the day limit and the velocity rule read.
 */
import fc from 'fast-check';
import {
  canMoveCharge,
  chargeIdFor,
  countSince,
  dayTotal,
  FINAL_STATUSES,
  isFinal,
  pruneRecent,
  requestHash,
  statusesBefore,
  UNSUCCESSFUL,
  type ChargeStatus,
  type RecentCharge,
} from '../../functions/domain/charge';
import { jstDay } from '../../functions/domain/risk';
import { ChargeId } from '../../functions/shared/schemas';

const STATUSES: ChargeStatus[] = ['PENDING_HOLD', 'PENDING_CONFIRMATION', 'PENDING_REVIEW', 'PROCESSING', 'COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];
const userId = fc.uuid();
/** What the Idempotency-Key header accepts. */
const idemKey = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);

describe('chargeIdFor', () => {
  it('is deterministic and a valid charge id for the API', () => {
    fc.assert(
      fc.property(userId, idemKey, (u, k) => {
        const id = chargeIdFor(u, k);
        expect(chargeIdFor(u, k)).toBe(id);
        expect(id).toMatch(/^chg_[0-9a-f]{32}$/);
        expect(ChargeId.safeParse(id).success).toBe(true);
      }),
    );
  });

  it('is distinct for every distinct (user, key) pair, including one user\'s key used by another', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(userId, idemKey), { minLength: 2, maxLength: 50, selector: ([u, k]) => `${u}|${k}` }), (pairs) => {
        const ids = pairs.map(([u, k]) => chargeIdFor(u, k));
        expect(new Set(ids).size).toBe(pairs.length);
      }),
    );
    fc.assert(
      fc.property(userId, userId, idemKey, (a, b, k) => {
        fc.pre(a !== b);
        expect(chargeIdFor(a, k)).not.toBe(chargeIdFor(b, k));
      }),
    );
  });

  it('does not confuse where the user id ends and the key begins', () => {
    expect(chargeIdFor('user-1', '23')).not.toBe(chargeIdFor('user-12', '3'));
    expect(chargeIdFor('ab', 'c')).not.toBe(chargeIdFor('a', 'bc'));
  });
});

describe('requestHash', () => {
  const body = fc.record({ linkId: fc.uuid().map((u) => `lnk_${u}`), amount: fc.integer({ min: 1, max: 10_000_000 }) });

  it('is the same for the same link and amount, whatever the key order or other fields', () => {
    fc.assert(
      fc.property(body, ({ linkId, amount }) => {
        const h = requestHash({ linkId, amount });
        expect(requestHash({ amount, linkId } as { linkId: string; amount: number })).toBe(h);
        expect(requestHash({ linkId, amount, note: 'x' } as { linkId: string; amount: number })).toBe(h);
        expect(h).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });

  it('differs when the link or the amount differs', () => {
    fc.assert(
      fc.property(body, body, (a, b) => {
        fc.pre(a.linkId !== b.linkId || a.amount !== b.amount);
        expect(requestHash(a)).not.toBe(requestHash(b));
      }),
    );
    expect(requestHash({ linkId: 'lnk_a', amount: 1000 })).not.toBe(requestHash({ linkId: 'lnk_a', amount: 1001 }));
  });
});

describe('status machine', () => {
  it('knows exactly the eight statuses of the API contract', () => {
    const all = new Set<ChargeStatus>();
    for (const s of STATUSES) for (const t of STATUSES) if (canMoveCharge(s, t)) all.add(s).add(t);
    expect([...all].sort()).toEqual([...STATUSES].sort());
  });

  it('final statuses have no moves; every other status has some', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['CANCELLED', 'COMPLETED', 'DECLINED', 'EXPIRED', 'FAILED']);
    for (const from of STATUSES) {
      const moves = STATUSES.filter((to) => canMoveCharge(from, to));
      expect({ from, final: isFinal(from), moves: moves.length > 0 }).toEqual({ from, final: isFinal(from), moves: !isFinal(from) });
    }
  });

  it('unsuccessful endings are the final statuses other than COMPLETED', () => {
    expect([...UNSUCCESSFUL].sort()).toEqual(FINAL_STATUSES.filter((s) => s !== 'COMPLETED').sort());
  });

  it('only PROCESSING completes: money moves only after confirmation (and review)', () => {
    expect(statusesBefore('COMPLETED')).toEqual(['PROCESSING']);
    expect(canMoveCharge('PENDING_CONFIRMATION', 'COMPLETED')).toBe(false);
    expect(canMoveCharge('PENDING_REVIEW', 'COMPLETED')).toBe(false);
  });

  it('a charge that is moving money only completes or fails: it cannot be cancelled, expired or declined', () => {
    expect(STATUSES.filter((to) => canMoveCharge('PROCESSING', to)).sort()).toEqual(['COMPLETED', 'FAILED']);
  });

  it('a held charge goes to the bank (PROCESSING) or ends without money; nothing moves into a hold', () => {
    expect(STATUSES.filter((to) => canMoveCharge('PENDING_HOLD', to)).sort()).toEqual(['CANCELLED', 'DECLINED', 'EXPIRED', 'FAILED', 'PROCESSING']);
    expect(statusesBefore('PENDING_HOLD')).toEqual([]);
  });

  it('nothing moves back to waiting for the SMS code, and a review never goes back to the SMS step', () => {
    expect(statusesBefore('PENDING_CONFIRMATION')).toEqual([]);
    expect(canMoveCharge('PENDING_REVIEW', 'PENDING_CONFIRMATION')).toBe(false);
    expect(canMoveCharge('PROCESSING', 'PENDING_REVIEW')).toBe(false);
  });

  it('statusesBefore agrees with canMoveCharge', () => {
    for (const to of STATUSES) expect(statusesBefore(to).sort()).toEqual(STATUSES.filter((s) => canMoveCharge(s, to)).sort());
  });

  it('any walk through allowed moves ends in a final status within four moves (no cycles)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 10, maxLength: 10 }), (choices) => {
        let s: ChargeStatus = 'PENDING_CONFIRMATION';
        const seen = new Set<ChargeStatus>([s]);
        let steps = 0;
        for (const c of choices) {
          const next = STATUSES.filter((t) => canMoveCharge(s, t));
          if (!next.length) break;
          s = next[c % next.length];
          expect(seen.has(s)).toBe(false);
          seen.add(s);
          steps += 1;
        }
        expect(isFinal(s)).toBe(true);
        expect(steps).toBeLessThanOrEqual(4);
      }),
    );
  });
});

describe('the recent-charges window', () => {
  const NOW = Date.UTC(2026, 5, 15, 6, 0, 0);
  const HOUR = 3600_000;
  const recentCharge = fc.record({
    chargeId: fc.uuid().map((u) => `chg_${u}`),
    at: fc.integer({ min: NOW - 72 * HOUR, max: NOW }),
    amount: fc.integer({ min: 1, max: 500_000 }),
  }).map((r): RecentCharge => ({ ...r, day: jstDay(r.at) }));
  const window = fc.array(recentCharge, { maxLength: 30 });

  it('dayTotal sums exactly the charges of that day; the days add up to the whole', () => {
    fc.assert(
      fc.property(window, (recent) => {
        const days = [...new Set(recent.map((r) => r.day))];
        const whole = recent.reduce((s, r) => s + r.amount, 0);
        expect(days.reduce((s, d) => s + dayTotal(recent, d), 0)).toBe(whole);
        for (const d of days) expect(dayTotal(recent, d)).toBe(recent.filter((r) => r.day === d).reduce((s, r) => s + r.amount, 0));
        expect(dayTotal(recent, '1999-01-01')).toBe(0);
      }),
    );
  });

  it('countSince counts the charges at or after the instant and never grows as the instant moves later', () => {
    fc.assert(
      fc.property(window, fc.integer({ min: NOW - 80 * HOUR, max: NOW }), fc.integer({ min: 0, max: 10 * HOUR }), (recent, since, later) => {
        expect(countSince(recent, since)).toBe(recent.filter((r) => r.at >= since).length);
        expect(countSince(recent, since + later)).toBeLessThanOrEqual(countSince(recent, since));
      }),
    );
    expect(countSince([{ chargeId: 'a', at: 100, amount: 1, day: 'd' }], 100)).toBe(1);
    expect(countSince([{ chargeId: 'a', at: 100, amount: 1, day: 'd' }], 101)).toBe(0);
  });

  it('pruneRecent keeps what the limits read: today\'s total and the last hour\'s count are unchanged', () => {
    fc.assert(
      fc.property(window, (recent) => {
        const today = jstDay(NOW);
        const pruned = pruneRecent(recent, NOW, today);
        expect(dayTotal(pruned, today)).toBe(dayTotal(recent, today));
        expect(countSince(pruned, NOW - HOUR)).toBe(countSince(recent, NOW - HOUR));
        expect(countSince(pruned, NOW - 24 * HOUR)).toBe(countSince(recent, NOW - 24 * HOUR));
      }),
    );
  });

  it('pruneRecent only removes, keeps the order, drops what is older than 25 h and not today, and is idempotent', () => {
    fc.assert(
      fc.property(window, (recent) => {
        const today = jstDay(NOW);
        const pruned = pruneRecent(recent, NOW, today);
        expect(pruned).toEqual(recent.filter((r) => pruned.includes(r)));
        for (const r of recent) expect(pruned.includes(r)).toBe(r.day === today || r.at >= NOW - 25 * HOUR);
        expect(pruneRecent(pruned, NOW, today)).toEqual(pruned);
      }),
    );
  });
});
