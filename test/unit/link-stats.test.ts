/**
 * A link's own history (functions/domain/link-stats.ts): exposure over 30 days, the largest
 * debit and day over 180, vetting, and the pruning that keeps the activity item small without
 * ever dropping what a rule can still read.
 */
import fc from 'fast-check';
import { addCharge, addDebit, emptyStats, isVetted, linkHistory, pruneStats, removeCharge, type LinkStats } from '../../functions/domain/link-stats';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-06-15T03:00:00Z'); // 12:00 JST

describe('linkHistory', () => {
  it('exposure counts the last 30 JST days of charges (held and waiting included), not older ones; today is its own total', () => {
    let s = emptyStats();
    s = addCharge(s, NOW - 40 * DAY, 50_000);
    s = addCharge(s, NOW - 10 * DAY, 20_000);
    s = addCharge(s, NOW - 60_000, 5_000);
    const h = linkHistory(s, NOW, 30, 180);
    expect(h).toEqual({ exposure: 25_000, dayTotal: 5_000, largestDebit: 0, largestDay: 0 });
  });

  it('the largest debit is over 180 days; the largest day excludes today', () => {
    let s = emptyStats();
    s = addDebit(s, NOW - 200 * DAY, 90_000); // too old
    s = addDebit(s, NOW - 100 * DAY, 30_000);
    s = addDebit(s, NOW - 100 * DAY + 60_000, 10_000);
    s = addDebit(s, NOW - 60_000, 70_000); // today
    const h = linkHistory(s, NOW, 30, 180);
    expect(h.largestDebit).toBe(70_000);
    expect(h.largestDay).toBe(40_000);
  });

  it('a charge that ends without money gives its exposure back, never below zero', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 29 }), fc.integer({ min: 1, max: 100_000 })), { maxLength: 20 }), (charges) => {
        let s: LinkStats = emptyStats();
        for (const [d, yen] of charges) s = addCharge(s, NOW - d * DAY, yen);
        expect(linkHistory(s, NOW, 30, 180).exposure).toBe(charges.reduce((sum, [, yen]) => sum + yen, 0));
        for (const [d, yen] of charges) s = removeCharge(s, NOW - d * DAY, yen);
        expect(linkHistory(s, NOW, 30, 180).exposure).toBe(0);
        s = removeCharge(s, NOW, 1_000);
        expect(linkHistory(s, NOW, 30, 180).exposure).toBe(0);
      }),
    );
  });

  it('pruning keeps everything a rule can still read', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 100_000 })), { maxLength: 30 }), (debits) => {
        let s: LinkStats = emptyStats();
        for (const [d, yen] of debits) s = addDebit(addCharge(s, NOW - d * DAY, yen), NOW - d * DAY, yen);
        expect(linkHistory(pruneStats(s), NOW, 30, 180)).toEqual(linkHistory(s, NOW, 30, 180));
        expect(Object.keys(pruneStats(s).days).length).toBeLessThanOrEqual(182);
      }),
    );
  });
});

describe('isVetted', () => {
  const noticed = (...daysAgo: number[]) => daysAgo.reduce((s, d) => addDebit(s, NOW - d * DAY, 5_000), emptyStats());
  const link = (ageDays: number, trustedAt?: string) => ({ activatedAt: new Date(NOW - ageDays * DAY).toISOString(), trustedAt });

  it('a reviewer trusted it: vetted whatever its age', () => {
    expect(isVetted(link(0, new Date(NOW).toISOString()), undefined, NOW)).toBe(true);
  });

  it('older than 30 days with 3 debits notified more than 7 days ago: vetted; one short on any count is not', () => {
    expect(isVetted(link(31), noticed(20, 15, 8), NOW)).toBe(true);
    expect(isVetted(link(30), noticed(20, 15, 8), NOW)).toBe(false);
    expect(isVetted(link(31), noticed(20, 15, 7), NOW)).toBe(false);
    expect(isVetted(link(31), noticed(20, 15), NOW)).toBe(false);
    expect(isVetted({}, noticed(20, 15, 8), NOW)).toBe(false);
  });
});

describe('vetting by age', () => {
  const link = { activatedAt: new Date(NOW - 40 * DAY).toISOString() };
  const debits = (yen: number) => [NOW - 35 * DAY, NOW - 34 * DAY, NOW - 33 * DAY].reduce((s, at) => addDebit(s, at, yen), emptyStats());

  it('three debits of 5,000 notified more than 7 days ago on a link older than 30 days vet it', () => {
    expect(isVetted(link, debits(5_000), NOW)).toBe(true);
  });

  it('three 1-yen debits do not: a thief cannot vet a link with amounts the holder overlooks (found by the attack review)', () => {
    expect(isVetted(link, debits(1), NOW)).toBe(false);
    expect(isVetted(link, debits(4_999), NOW)).toBe(false);
  });
});
