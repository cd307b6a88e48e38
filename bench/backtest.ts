/**
 * How long the backtest's replay takes and how much it holds, per number of recorded decisions:
 * the pure part of POST /v1/ops/rules/proposals (the reads are 248 Queries by key on top).
 * `npx tsx bench/backtest.ts [records...]`; prints numbers, asserts nothing.
 */
import { backtest, type RecordedDecision } from '../functions/domain/backtest';
import type { ChargeFacts } from '../functions/domain/risk';
import { RULE_DEFAULTS, type Rules } from '../functions/domain/rules';

const HOUR = 3600_000;
const now = Date.UTC(2026, 10, 30);
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

function records(n: number): RecordedDecision[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => {
    const amount = Math.floor(rnd() * 300_000) + 500;
    const facts = {
      amount, now, walletStatus: 'ACTIVE', walletCreatedAt: now - rnd() * 2000 * HOUR, balance: Math.floor(rnd() * 500_000), dayTotal: Math.floor(rnd() * 200_000),
      bankChargingEnabled: true, linkStatus: 'ACTIVE', pending: 0, phoneAttested: rnd() > 0.25, linkVetted: rnd() > 0.1,
      linkExposure30d: Math.floor(rnd() * 150_000), linkLargestDebit: Math.floor(rnd() * 200_000), linkDayTotal: Math.floor(rnd() * 50_000), linkLargestDay: Math.floor(rnd() * 300_000),
      chargesInLastHour: Math.floor(rnd() * 4), deviceSeen: rnd() > 0.1, accountFailedLinksByOthers: rnd() > 0.98 ? 1 : 0,
      accountLastActiveElsewhereAt: undefined, deviceOtherWalletsSeenAt: [], deviceFirstSeenAt: undefined, deviceYenSinceFirstSeen: 0,
    } as Omit<ChargeFacts, 'linkActivatedAt' | 'linkNotifiedAt'> as ChargeFacts;
    facts.linkActivatedAt = facts.linkNotifiedAt = now - rnd() * 2000 * HOUR;
    return { chargeId: `chg_${i.toString(16).padStart(32, '0')}`, userId: 'u', amount, at: new Date(now).toISOString(), facts, outcome: 'ALLOW', ruleVersion: 1 };
  });
}

const current = JSON.parse(JSON.stringify(RULE_DEFAULTS)) as Rules;
const proposed = JSON.parse(JSON.stringify(RULE_DEFAULTS)) as Rules;
proposed.review.amountAtLeast = 150_000;
console.log('| recorded decisions | replay ms | heap MB (records) | JSON MB | changed |');
console.log('|---:|---:|---:|---:|---:|');
for (const n of sizes.length ? sizes : [10_000, 100_000, 300_000]) {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rs = records(n);
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  const fraud = new Set(rs.filter((_, i) => i % 200 === 0).map((r) => r.chargeId));
  const t0 = performance.now();
  const bt = backtest(rs, fraud, current, proposed);
  const ms = performance.now() - t0;
  console.log(`| ${n.toLocaleString('en-US')} | ${ms.toFixed(0)} | ${heap.toFixed(0)} | ${(JSON.stringify(rs).length / 2 ** 20).toFixed(0)} | ${bt.changed} |`);
}
