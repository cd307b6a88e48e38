/**
 * The activity item's compact forms (functions/adapters/activity-codec.ts): whatever the window and
 * the links' histories hold, they read back exactly as written, items written before the compact
 * form read as they did, and a wallet's long history costs a few bytes a day, not fifty.
 */
import fc from 'fast-check';
import { decodeDebit, decodeLinkStats, decodeRecent, encodeDebit, encodeLinkStats, encodeRecent } from '../../functions/adapters/activity-codec';
import type { RecentCharge } from '../../functions/domain/charge';
import { addCharge, addDebit, emptyStats, type LinkStats } from '../../functions/domain/link-stats';
import { jstDay } from '../../functions/domain/risk';
import { itemSize } from '../../bench/lib/item-size';

const DAY = 86_400_000;
const T = Date.parse('2026-11-30T03:00:00Z');
const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
const chargeId = fc.oneof(hex32.map((h) => `chg_${h}`), fc.string({ minLength: 1, maxLength: 12 }));
const linkId = fc.oneof(fc.uuid().map((u) => `lnk_${u}`), fc.constantFrom('lnk_a', 'weird|link', 'a,b'), fc.string({ minLength: 1, maxLength: 8 }));
const yen = fc.oneof(fc.integer({ min: 0, max: 500_000 }), fc.constantFrom(0, 1, 1.5, -3));
const at = fc.integer({ min: T - 200 * DAY, max: T + DAY });

const recentCharge = fc
  .record({ chargeId, at, amount: yen, linkId: fc.option(linkId, { nil: undefined }), skewDay: fc.boolean() })
  .map(({ skewDay, linkId: l, ...r }): RecentCharge => ({ ...r, day: skewDay ? '2020-01-01' : jstDay(r.at), ...(l === undefined ? {} : { linkId: l }) }));

const sortById = (rs: RecentCharge[]) => [...rs].sort((a, b) => a.chargeId.localeCompare(b.chargeId) || a.at - b.at || a.amount - b.amount);

const dayKey = fc.oneof(
  fc.integer({ min: 0, max: 400 }).map((d) => new Date(T - d * DAY).toISOString().slice(0, 10)),
  fc.constantFrom('1969-12-31', '1970-01-01', '1900-02-28'),
);
const linkDay = fc.record({ yen, debited: yen, maxDebit: yen, debits: fc.integer({ min: 0, max: 40 }) });
const stats = fc.record({ days: fc.dictionary(fc.oneof(dayKey, fc.constant('not-a-day')), linkDay, { maxKeys: 40 }), noticed: fc.array(at, { maxLength: 3 }) });

describe('the activity item codec', () => {
  it('property: the recent window reads back as written (order aside), whatever its ids, numbers and days', () => {
    fc.assert(
      fc.property(fc.array(recentCharge, { maxLength: 30 }), (recent) => {
        expect(sortById(decodeRecent(encodeRecent(recent)))).toEqual(sortById(recent));
      }),
      { numRuns: 300 },
    );
  });

  it("property: a link's history reads back as written, short and long day forms alike", () => {
    fc.assert(
      fc.property(stats, (s: LinkStats) => {
        expect(decodeLinkStats(encodeLinkStats(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a debit record reads back as written', () => {
    fc.assert(
      fc.property(fc.record({ linkId, amount: yen, at }), (d) => {
        expect(decodeDebit(encodeDebit(d))).toEqual(d);
      }),
    );
  });

  it('writes the days in order, each after the one before, with the fields at their defaults left out', () => {
    const s: LinkStats = {
      days: {
        '2026-11-30': { yen: 60_000, debited: 60_000, maxDebit: 5_000, debits: 12 },
        '2026-11-28': { yen: 5_000, debited: 5_000, maxDebit: 5_000, debits: 1 },
        '2026-11-29': { yen: 5_000, debited: 0, maxDebit: 0, debits: 0 },
      },
      noticed: [T],
    };
    const day = (Date.parse('2026-11-28T00:00:00Z') / DAY).toString(36);
    expect(encodeLinkStats(s)).toEqual({ d: `${day}:3uw;1:3uw:0:0:0;1:1aao:3uw:c`, n: [T] });
  });

  it('items written before the compact form read as they did', () => {
    const legacyRecent: RecentCharge[] = [{ chargeId: 'chg_1', at: T, amount: 5_000, day: jstDay(T), linkId: 'lnk_1' }, { chargeId: 'chg_0', at: T - 1, amount: 1, day: jstDay(T - 1) }];
    expect(decodeRecent(legacyRecent)).toEqual(legacyRecent);
    const legacyStats = { days: { '2026-11-30': { yen: 5_000, debited: 5_000, maxDebit: 5_000, debits: 1 } }, noticed: [T] };
    expect(decodeLinkStats(legacyStats)).toEqual(legacyStats);
    expect(decodeDebit({ linkId: 'lnk_1', amount: 5_000, at: T })).toEqual({ linkId: 'lnk_1', amount: 5_000, at: T });
    expect(decodeRecent(undefined)).toEqual([]);
  });

  it('a link charged once a day for 180 days: about 1.1 KB stored, against 9 KB as maps', () => {
    let s = emptyStats();
    for (let d = 179; d >= 0; d--) s = addDebit(addCharge(s, T - d * DAY, 5_000), T - d * DAY, 5_000);
    const compact = itemSize({ links: { 'lnk_00000000-0000-4000-8000-000000000000': encodeLinkStats(s) } });
    const maps = itemSize({ links: { 'lnk_00000000-0000-4000-8000-000000000000': s } });
    expect(maps).toBeGreaterThan(8_000);
    expect(compact).toBeLessThan(1_200);
  });
});
