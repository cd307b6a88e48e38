/**
 * `npm run bench`: first what does not depend on the machine, per charge of each kind
 * (low-risk ALLOW, challenged, reviewed, denied): write and read units, Lambda invocations,
 * state transitions, SMS messages and segments, bytes logged, and what a million charges
 * of each kind cost from those counts, SMS included. Then what does: latency and throughput
 * of low-risk charges against the floor of their own DynamoDB calls, Lambda bundle sizes
 * and cold init. It only measures and prints: nothing here passes or fails on a number.
 *
 * Starts its own local stack (free ports, throw-away data) unless ANSHIN_URL is set.
 * Knobs: BENCH_WALLETS (100), BENCH_INIT_RUNS (7), BENCH_LEVELS ("1:200:10,8:400:10,32:640:5",
 * concurrency:charges:rounds).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  Api, charge, chargeView, confirmCharge, decideReview, ekyc, linkOwnAccount, openAccount, openReviews, opsToken, register, verifyPhone, waitWhile,
  type Wallet,
} from './lib/api';
import { measureBundles, type BundleReport } from './lib/bundles';
import { billingRuleUnits } from './lib/billing';
import { cloneWallets, floorCharge, initFloor, recordCapacity, type FloorWallet } from './lib/floor';
import { Progress } from './lib/progress';
import { REPO_ROOT, startOrAttach } from './lib/stack';
import { median, percentile, pool, round, table } from './lib/stats';
import { replayExecution, type Replay } from './lib/transitions';
import { PRICES } from './prices';
import { LIMITS } from '../functions/domain/policy';
import { smsSegments } from '../functions/shared/messages';

/**
 * The wallets' device ids are as long as the contract allows (X-Device-Id: 200 characters, with the
 * 7 of the `-second` device the setup adds): the write units are measured for the worst case.
 */
const benchDevice = (runTag: string, i: number) => `bench-device-${runTag}-${i}-`.padEnd(193, 'x');
/** A device the wallet has not used yet (challenged as NEW_DEVICE), of the same worst-case length. */
const secondDevice = (w: { deviceId: string }) => `${w.deviceId}-second`;

const WALLETS = Number(process.env.BENCH_WALLETS ?? 100);
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);
const LEVELS = (process.env.BENCH_LEVELS ?? '1:200:10,8:400:10,32:640:5').split(',').map((l) => {
  const [c, n, r] = l.split(':').map(Number);
  return { concurrency: c, charges: n, rounds: r || 5 };
});
/** The field `lowRiskThroughputRatio` is the ratio at this concurrency. */
const RATIO_AT = 8;
const REVIEWED = 4;
const REJECTED = 1;
const SETUP_CONCURRENCY = 8;
/** Charges below every challenge and review threshold. */
const amountFor = (i: number) => 1_000 + (i % 10) * 100;

const round3 = (v: number) => round(v, 3);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface LevelResult {
  concurrency: number;
  charges: number;
  ok: number;
  failures: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  throughputPerSec: number;
  wallSeconds: number;
}

interface BenchWallet extends Wallet {
  linkId: string;
}

const summarize = (concurrency: number, latencies: number[], ok: number, failures: Record<string, number>, wallMs: number): LevelResult => ({
  concurrency,
  charges: latencies.length,
  ok,
  failures,
  p50Ms: round(median(latencies), 2),
  p99Ms: round(percentile(latencies, 99), 2),
  throughputPerSec: round(latencies.length / (wallMs / 1000), 1),
  wallSeconds: round(wallMs / 1000, 2),
});

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  const runTag = randomBytes(3).toString('hex');
  const phonePrefix = `+8170${String(randomBytes(1)[0] % 100).padStart(2, '0')}`;
  const reportsDir = join(REPO_ROOT, 'reports');
  mkdirSync(reportsDir, { recursive: true });

  // 1. Bundles first, while nothing else competes for the CPU.
  log(`bundling every catalog entry as NodejsFunction does, init timed ${INIT_RUNS}x each...`);
  const bundles: Record<string, BundleReport> = await measureBundles(join(reportsDir, 'bundles'), INIT_RUNS, log);

  // 2. The stack, with write capacity reporting on.
  log('starting the local stack...');
  const stack = await startOrAttach('bench', { ANSHIN_CAPACITY: '1', ANSHIN_SWEEP_MS: '5000' });
  try {
    const api = new Api(stack.url);
    await initFloor(stack.dynamoDbUrl);
    const ops = await opsToken(api);

    // Machine-independent counters, read before and after each kind of charge: the write units
    // the charge path's writes report (ANSHIN_CAPACITY), the SMS outbox of the wallets' phones
    // and the bytes the stack has logged (stdout and stderr, only when the bench started it).
    type CapacityWrites = Record<string, { requests: number; units: number; table: number; indexes: Record<string, number> }>;
    const capacityWrites = async () => await api.must<{ enabled: boolean; writes: CapacityWrites }>(200, 'GET', '/local/capacity');
    const sumUnits = (w: Record<string, { units: number }>) => Object.values(w).reduce((s, x) => s + x.units, 0);
    const logBytes = () => (stack.logFile ? statSync(stack.logFile).size : null);
    const outbox = async (phones: string[]) => {
      const byPhone = new Map<string, string[]>();
      await pool(phones, 8, async (phone) => {
        byPhone.set(phone, (await api.must<{ messages: { body: string }[] }>(200, 'GET', `/local/sms?to=${encodeURIComponent(phone)}`)).messages.map((m) => m.body));
      });
      return byPhone;
    };
    type Counters = { writes: CapacityWrites; sms: Map<string, string[]>; logBytes: number | null };
    const counters = async (phones: string[]): Promise<Counters> => {
      await new Promise((r) => setTimeout(r, 300)); // the log pipe and the last SMS of a workflow settle
      return { writes: (await capacityWrites()).writes, sms: await outbox(phones), logBytes: logBytes() };
    };
    const perCharge = (before: Counters, after: Counters, n: number) => {
      const all = [...after.sms].flatMap(([phone, bodies]) => bodies.slice(before.sms.get(phone)?.length ?? 0));
      // The outbox also holds the bank simulator's notices to the account holder (a debit, a link
      // request): the bank sends and pays for those. The wallet's own texts (SNS, our bill) carry its brand.
      const ours = (t: string) => t.startsWith('【あんしんウォレット】') || t.startsWith('Anshin Wallet');
      const texts = all.filter(ours);
      const bank = all.filter((t) => !ours(t));
      const byWrite: Record<string, number> = {};
      for (const [name, a] of Object.entries(after.writes)) {
        const d = a.units - (before.writes[name]?.units ?? 0);
        if (d) byWrite[name] = round(d / n, 3);
      }
      return {
        charges: n,
        wcuReported: round((sumUnits(after.writes) - sumUnits(before.writes)) / n, 3),
        wcuReportedByWrite: byWrite,
        smsMessages: round(texts.length / n, 3),
        smsSegments: round(texts.reduce((sum, t) => sum + smsSegments(t).segments, 0) / n, 3),
        smsLongestUtf16: Math.max(0, ...texts.map((t) => t.length)),
        bankNoticeMessages: round(bank.length / n, 3),
        bankNoticeSegments: round(bank.reduce((sum, t) => sum + smsSegments(t).segments, 0) / n, 3),
        logBytes: before.logBytes !== null && after.logBytes !== null ? round((after.logBytes - before.logBytes) / n, 0) : null,
      };
    };

    // 3. Wallets that can make low-risk charges: verified, linked, first charge confirmed by SMS.
    //    Prepared first, then the first charges in a pass of their own, so that the counters
    //    around that pass hold challenged charges only.
    const setup = new Progress('setup wallets', 2 * (WALLETS + REVIEWED + REJECTED));
    const challenged: { wallet: BenchWallet; chargeId: string }[] = [];
    const prepared = await pool(Array.from({ length: WALLETS + REVIEWED + REJECTED }, (_, i) => i), SETUP_CONCURRENCY, async (i) => {
      const phone = `${phonePrefix}${String(i).padStart(6, '0')}`;
      const w = await register(api, `bench-${runTag}-${i}@example.com`, phone, benchDevice(runTag, i));
      await verifyPhone(api, w);
      const dateOfBirth = new Date(Date.UTC(1960, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      await ekyc(api, w, { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth });
      const account = await openAccount(api, { bankCode: '0001', holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth, holderPhone: w.phone, balance: 100_000_000 });
      const linkId = await linkOwnAccount(api, w, account);
      setup.tick();
      return { ...w, linkId } as BenchWallet;
    });
    const phones = prepared.map((w) => w.phone);
    const beforeChallenged = await counters(phones);
    const all = await pool(prepared.map((wallet, i) => ({ wallet, i })), SETUP_CONCURRENCY, async ({ wallet, i }) => {
      // From a device the wallet has not used yet, so it is challenged (NEW_DEVICE): a wallet whose own
      // phone the bank attests as the holder's may otherwise be allowed its first small charge outright.
      const newDevice = secondDevice(wallet);
      const first = await charge(api, wallet, wallet.linkId, 1_000, `setup-${i}`, newDevice);
      if (first.status !== 202) throw new Error(`first charge: ${first.status} ${JSON.stringify(first.body)}`);
      const confirmed = await confirmCharge(api, wallet, first.body.chargeId, newDevice);
      if (confirmed.status !== 200) throw new Error(`first charge confirmation: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
      const done = await waitWhile(api, wallet, first.body.chargeId, ['PENDING_CONFIRMATION', 'PROCESSING']);
      if (done.status !== 'COMPLETED') throw new Error(`first charge ended ${done.status}`);
      challenged.push({ wallet, chargeId: first.body.chargeId });
      setup.tick();
      return wallet;
    });
    setup.finish();
    const afterChallenged = await counters(phones);
    const wallets = all.slice(0, WALLETS);

    // 4. Reviewed charges: 30,000 yen from a device the wallet first used minutes ago goes to a human
    //    (NEW_DEVICE_EXPOSURE: a new device's yen above 10,000), after the SMS code.
    const reviewWallets = all.slice(WALLETS);
    const reviewed: { wallet: BenchWallet; chargeId: string; decision: 'APPROVE' | 'REJECT' }[] = [];
    const reviewCounters: Counters[] = [afterChallenged];
    for (const [k, w] of reviewWallets.entries()) {
      if (k === REVIEWED) reviewCounters.push(await counters(phones));
      const r = await charge(api, w, w.linkId, 30_000, `review-${k}`, secondDevice(w));
      if (r.status !== 202) throw new Error(`review charge: ${r.status} ${JSON.stringify(r.body)}`);
      const confirmed = await confirmCharge(api, w, r.body.chargeId, secondDevice(w));
      if (confirmed.status !== 200 || confirmed.body.status !== 'PENDING_REVIEW') throw new Error(`review confirmation: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
      let caseId: string | undefined;
      for (let attempt = 0; attempt < 200 && !caseId; attempt++) {
        caseId = (await openReviews(api, ops)).find((c) => c.chargeId === r.body.chargeId)?.caseId;
        if (!caseId) await new Promise((res) => setTimeout(res, 50));
      }
      if (!caseId) throw new Error('the review case never opened');
      const decision = k < REVIEWED ? 'APPROVE' : 'REJECT';
      const d = await decideReview(api, ops, caseId, decision, `bench ${decision.toLowerCase()}`);
      if (d.status !== 200) throw new Error(`review decision: ${d.status} ${JSON.stringify(d.body)}`);
      const end = await waitWhile(api, w, r.body.chargeId, ['PENDING_REVIEW', 'PROCESSING']);
      if (end.status !== (decision === 'APPROVE' ? 'COMPLETED' : 'DECLINED')) throw new Error(`reviewed charge ended ${end.status}`);
      reviewed.push({ wallet: w, chargeId: r.body.chargeId, decision });
    }
    reviewCounters.push(await counters(phones));

    // 5. Transitions, from replays of the executions the stack actually ran.
    log('replaying the workflow executions for their state transitions...');
    type Execution = { name: string; status: string; input: Record<string, unknown> };
    let executions: Execution[] = [];
    // A charge is COMPLETED a moment before its execution enters its last state.
    for (let attempt = 0; attempt < 100; attempt++) {
      executions = (await api.must<{ executions: Execution[] }>(200, 'GET', '/local/workflow/executions')).executions;
      if (!executions.some((e) => e.status === 'RUNNING')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const replayOf = async (chargeId: string, end: 'COMPLETED' | 'DECLINED'): Promise<Replay> => {
      const runs = executions.filter((e) => e.name.startsWith(`${chargeId}-`));
      if (runs.length !== 1 || runs[0].status !== 'SUCCEEDED') throw new Error(`charge ${chargeId}: expected one succeeded execution, saw ${JSON.stringify(runs.map((r) => [r.name, r.status]))}`);
      const replay = await replayExecution(runs[0].input, end);
      const expected = end === 'COMPLETED' ? 'Completed' : 'Ended';
      if (replay.finalState !== expected) throw new Error(`replay of ${chargeId} ended in ${replay.finalState}, the charge is ${end}`);
      return replay;
    };
    const challengedReplays = await Promise.all(challenged.slice(0, 20).map((c) => replayOf(c.chargeId, 'COMPLETED')));
    const reviewedReplays = await Promise.all(reviewed.filter((r) => r.decision === 'APPROVE').map((r) => replayOf(r.chargeId, 'COMPLETED')));
    const rejectedReplays = await Promise.all(reviewed.filter((r) => r.decision === 'REJECT').map((r) => replayOf(r.chargeId, 'DECLINED')));
    const transitions = {
      perChallengedCharge: median(challengedReplays.map((r) => r.transitions)),
      perReviewedCharge: median(reviewedReplays.map((r) => r.transitions)),
      perRejectedReview: median(rejectedReplays.map((r) => r.transitions)),
      taskInvocationsPerChallengedCharge: median(challengedReplays.map((r) => r.taskInvocations)),
      taskInvocationsPerReviewedCharge: median(reviewedReplays.map((r) => r.taskInvocations)),
      paths: {
        challenged: challengedReplays[0].states,
        reviewedApproved: reviewedReplays[0].states,
        reviewedRejected: rejectedReplays[0]?.states ?? [],
      },
      samples: { challenged: challengedReplays.length, reviewed: reviewedReplays.length, rejected: rejectedReplays.length },
    };

    // 6. Low-risk charges through the API and the floor, alternating in rounds at each concurrency,
    //    so that a change in the machine's load hits both alike. The floor runs on copies of
    //    the wallets, so its writes stay out of the API wallets' velocity windows.
    const apiLevels: LevelResult[] = [];
    const floorLevels: LevelResult[] = [];
    const roundRatios: Record<string, number[]> = {};
    const beforeLowRisk = await counters(phones);
    const capacityBefore = await capacityWrites();
    let apiOk = 0;
    const madeByApi: { userId: string; chargeId: string }[] = [];
    const floorWallets: FloorWallet[] = await cloneWallets(wallets.map((w) => ({ userId: w.userId, linkId: w.linkId, deviceId: w.deviceId })));
    let floorCursor = 0;
    for (const level of LEVELS) {
      const api_ = { latencies: [] as number[], ok: 0, failures: {} as Record<string, number>, ms: 0 };
      const floor = { latencies: [] as number[], ok: 0, failures: {} as Record<string, number>, ms: 0 };
      const bar = new Progress(`api+floor c=${String(level.concurrency).padStart(2)}`, 2 * level.charges);
      let next = 0;
      roundRatios[String(level.concurrency)] = [];
      for (let round = 0; round < level.rounds; round++) {
        const size = Math.floor(level.charges / level.rounds) + (round < level.charges % level.rounds ? 1 : 0);
        if (size > 3 * wallets.length) throw new Error(`a round of ${size} charges needs ${Math.ceil(size / 3)} wallets`);
        const items = Array.from({ length: size }, (_, k) => next + k);
        next += size;
        // Untimed: everything before leaves the one-hour velocity window (3 charges an hour per wallet stay ALLOW).
        await api.advance(2 * 3600);
        const offset = (await api.now()) - Date.now();

        const t0 = performance.now();
        await pool(items, level.concurrency, async (i) => {
          const w = wallets[i % wallets.length];
          const r = await charge(api, w, w.linkId, amountFor(i), randomUUID());
          api_.latencies.push(r.ms);
          if (r.status === 201 && r.body.status === 'COMPLETED') {
            api_.ok++;
            madeByApi.push({ userId: w.userId, chargeId: r.body.chargeId });
          } else {
            if (r.status === 202 && !Object.keys(api_.failures).length) log(`first low-risk charge not allowed: ${JSON.stringify((await chargeView(api, w, r.body.chargeId)).decision)}`);
            const key = `${r.status} ${r.body?.status ?? r.body?.error?.code ?? ''}`;
            api_.failures[key] = (api_.failures[key] ?? 0) + 1;
          }
          bar.tick();
        });
        const apiMs = performance.now() - t0;

        const f0 = performance.now();
        await pool(items, level.concurrency, async () => {
          const s = performance.now();
          const i = floorCursor++;
          try {
            await floorCharge(floorWallets[i % floorWallets.length], amountFor(i), Date.now() + offset);
            floor.ok++;
          } catch (e) {
            const key = (e as Error).message.slice(0, 60);
            floor.failures[key] = (floor.failures[key] ?? 0) + 1;
          }
          floor.latencies.push(performance.now() - s);
          bar.tick();
        });
        const floorMs = performance.now() - f0;
        api_.ms += apiMs;
        floor.ms += floorMs;
        roundRatios[String(level.concurrency)].push(round3(floorMs / apiMs));
      }
      bar.finish();
      apiOk += api_.ok;
      apiLevels.push(summarize(level.concurrency, api_.latencies, api_.ok, api_.failures, api_.ms));
      floorLevels.push(summarize(level.concurrency, floor.latencies, floor.ok, floor.failures, floor.ms));
    }
    const capacityAfter = await capacityWrites();
    // The floor's writes go to DynamoDB Local directly: they reach neither the stack's capacity
    // report, nor its outbox, nor its log.
    const afterLowRisk = await counters(phones);

    // 6b. Denied charges: over the per-charge limit, answered in the request.
    const DENIED = 20;
    await api.advance(2 * 3600);
    const beforeDenied = afterLowRisk;
    const deniedAnswers: Record<string, number> = {};
    for (let i = 0; i < DENIED; i++) {
      const w = wallets[i % wallets.length];
      const r = await charge(api, w, w.linkId, LIMITS.perCharge + 1, randomUUID());
      const key = `${r.status} ${r.body?.error?.code ?? r.body?.status ?? ''}`;
      deniedAnswers[key] = (deniedAnswers[key] ?? 0) + 1;
    }
    const afterDenied = await counters(phones);

    // 7. Capacity units: the stack's own write accounting over every API level, and one
    //    untimed floor pass that asks each call (reads too) for what it consumed.
    const byWrite: Record<string, { units: number; table: number; indexes: Record<string, number>; requests: number }> = {};
    for (const [name, after] of Object.entries(capacityAfter.writes)) {
      const before = capacityBefore.writes[name] ?? { requests: 0, units: 0, table: 0, indexes: {} };
      const indexes: Record<string, number> = {};
      for (const [ix, u] of Object.entries(after.indexes)) indexes[ix] = round((u - (before.indexes[ix] ?? 0)) / apiOk, 3);
      byWrite[name] = { requests: round((after.requests - before.requests) / apiOk, 3), units: round((after.units - before.units) / apiOk, 3), table: round((after.table - before.table) / apiOk, 3), indexes };
    }
    const wcuPerLowRiskCharge = capacityAfter.enabled ? round((sumUnits(capacityAfter.writes) - sumUnits(capacityBefore.writes)) / apiOk, 3) : null;

    await api.advance(2 * 3600);
    const offset = (await api.now()) - Date.now();
    const CAPACITY_SAMPLE = 50;
    const start = recordCapacity(true);
    for (let i = 0; i < CAPACITY_SAMPLE; i++) await floorCharge(floorWallets[i % floorWallets.length], amountFor(i), Date.now() + offset);
    const end = recordCapacity(false);
    const floorCapacity = {
      charges: CAPACITY_SAMPLE,
      rcuPerCharge: round((end.reads - start.reads) / CAPACITY_SAMPLE, 3),
      readRequestsPerCharge: round((end.readRequests - start.readRequests) / CAPACITY_SAMPLE, 3),
      wcuPerCharge: round((end.writes - start.writes) / CAPACITY_SAMPLE, 3),
      writeRequestsPerCharge: round((end.writeRequests - start.writeRequests) / CAPACITY_SAMPLE, 3),
      byCommand: Object.fromEntries(
        Object.entries(end.byCommand).map(([k, v]) => [k, { requestsPerCharge: round((v.requests - (start.byCommand[k]?.requests ?? 0)) / CAPACITY_SAMPLE, 3), unitsPerCharge: round((v.units - (start.byCommand[k]?.units ?? 0)) / CAPACITY_SAMPLE, 3) }]),
      ),
    };
    // Real DynamoDB bills at least one unit per strongly consistent read request (half for
    // eventually consistent), even when nothing is found; DynamoDB Local reports 0 for an empty Query,
    // and one transaction's units as if it held one item. So the same charges are also costed by the rules.
    const rcuPerLowRiskCharge = floorCapacity.rcuPerCharge;
    const billing = await billingRuleUnits(stack.dynamoDbUrl, process.env.ANSHIN_TABLE_NAME ?? 'anshin-local', madeByApi.slice(-40));

    // 8. Ratios and costs.
    // Throughput ratio of a round = floor time / API time for the same number of charges; a level's ratio is the median of its rounds.
    const ratioByConcurrency: Record<string, number> = {};
    const pooledRatioByConcurrency: Record<string, number> = {};
    for (const [i, a] of apiLevels.entries()) {
      ratioByConcurrency[String(a.concurrency)] = round3(median(roundRatios[String(a.concurrency)]));
      pooledRatioByConcurrency[String(a.concurrency)] = round3(a.throughputPerSec / floorLevels[i].throughputPerSec);
    }
    const lowRiskThroughputRatio = ratioByConcurrency[String(RATIO_AT)] ?? null;

    const lambdaMs = apiLevels.find((l) => l.concurrency === 1)?.p50Ms ?? apiLevels[0].p50Ms;
    const memoryGb = 0.5;
    const wcu = wcuPerLowRiskCharge ?? floorCapacity.wcuPerCharge;
    // Costs use the billing-rule units: they are what DynamoDB bills for these items.
    const billed = { wcu: billing.wcuPerCharge, rcu: billing.rcuPerCharge };
    // Per kind: what one charge of that kind costs in units, invocations, transitions, SMS and
    // log bytes. None of these depends on the machine's speed.
    const measured = {
      lowRisk: perCharge(beforeLowRisk, afterLowRisk, apiOk),
      challenged: perCharge(beforeChallenged, afterChallenged, challenged.length),
      reviewed: perCharge(reviewCounters[0], reviewCounters[1], REVIEWED),
      reviewRejected: perCharge(reviewCounters[1], reviewCounters[2], REJECTED),
      denied: perCharge(beforeDenied, afterDenied, DENIED),
    };
    // Reads are measured for the low-risk path only (the floor pass and the billing rules); the
    // other kinds read at least as much, so their RCU below is a lower bound. Their write units by
    // the billing rules are the low-risk ones plus what the stack reported beyond the low-risk
    // report (the confirmation, code and review-case writes are not instrumented: a lower bound too).
    const extraOver = (k: { wcuReported: number }) => Math.max(0, k.wcuReported - measured.lowRisk.wcuReported);
    const kinds = {
      lowRisk: { apiRequests: 1, lambdaInvocations: 1, transitions: 0, wcu: billed.wcu, rcu: billed.rcu, ...measured.lowRisk },
      challenged: {
        apiRequests: 2, lambdaInvocations: 2 + transitions.taskInvocationsPerChallengedCharge, transitions: transitions.perChallengedCharge,
        wcu: round(billed.wcu + extraOver(measured.challenged), 3), rcu: billed.rcu, ...measured.challenged,
      },
      reviewed: {
        apiRequests: 3, lambdaInvocations: 3 + transitions.taskInvocationsPerReviewedCharge, transitions: transitions.perReviewedCharge,
        wcu: round(billed.wcu + extraOver(measured.reviewed), 3), rcu: billed.rcu, ...measured.reviewed,
      },
      // A DENY writes one non-transactional DECLINED charge: DynamoDB Local reports a single put correctly.
      denied: { apiRequests: 1, lambdaInvocations: 1, transitions: 0, wcu: measured.denied.wcuReported, rcu: billed.rcu, ...measured.denied },
    };
    const costOf = (k: (typeof kinds)['lowRisk']) => {
      const m = 1_000_000;
      const parts = {
        apiGateway: (k.apiRequests * m * PRICES.apiGatewayHttpPerMillion) / m,
        lambdaRequests: (k.lambdaInvocations * m * PRICES.lambdaRequestsPerMillion) / m,
        lambdaDuration: k.lambdaInvocations * m * (lambdaMs / 1000) * memoryGb * PRICES.lambdaArmPerGbSecond,
        dynamoDbWrites: (k.wcu * m * PRICES.dynamoDbWriteRequestUnitPerMillion) / m,
        dynamoDbReads: (k.rcu * m * PRICES.dynamoDbReadRequestUnitPerMillion) / m,
        stepFunctions: (k.transitions * m * PRICES.stepFunctionsStandardPerThousandTransitions) / 1000,
        sms: k.smsSegments * m * PRICES.snsSmsJapanPerSegment,
      };
      const total = Object.values(parts).reduce((s, v) => s + v, 0);
      return { ...Object.fromEntries(Object.entries(parts).map(([n, v]) => [n, round(v, 2)])), total: round(total, 2) };
    };
    const mix = { lowRisk: 0.965, challenged: 0.03, reviewed: 0.005 };
    const costPerMillion = {
      usd: {
        lowRisk: costOf(kinds.lowRisk),
        challenged: costOf(kinds.challenged),
        reviewed: costOf(kinds.reviewed),
        denied: costOf(kinds.denied),
      },
      blendedMix: mix,
      blendedUsd: 0,
      assumptions: [
        `DynamoDB units of a low-risk charge by the billing rules from the real items (${billed.wcu} WCU, ${billed.rcu} RCU), not DynamoDB Local's report.`,
        `SMS: the segments the outbox received per charge of each kind (Japanese UCS-2: 70 UTF-16 units one segment, 67 each beyond), at USD ${PRICES.snsSmsJapanPerSegment} a segment (an assumption, see bench/prices.ts).`,
        'Denied charges are not in the blended mix (the README mix has none); their cost per million is listed alone.',
        `Lambda duration per invocation = the local p50 of a low-risk charge at concurrency 1 (${lambdaMs} ms) at 512 MB arm64; cloud durations differ.`,
        'Challenged and reviewed charges: write units = the low-risk billing-rule units + what the stack reported beyond the low-risk report; reads = the low-risk reads. Both lower bounds: the code, confirmation and review-case writes and every read beyond the low-risk path are not instrumented.',
        'API requests: low-risk 1 (create); challenged 2 (create, confirm); reviewed 3 (create, confirm, ops decision). Status polling by clients is not counted.',
        'Lambda invocations: the API calls plus the workflow task states entered (from the replayed executions).',
        PRICES.checkedNote,
      ],
    };
    costPerMillion.blendedUsd = round(mix.lowRisk * costPerMillion.usd.lowRisk.total + mix.challenged * costPerMillion.usd.challenged.total + mix.reviewed * costPerMillion.usd.reviewed.total, 2);

    const maxBundle = Math.max(...Object.values(bundles).map((b) => b.bytes));
    const maxInit = Math.max(...Object.values(bundles).map((b) => b.initMs));
    const targets = {
      lowRiskThroughputRatio: { target: '>= 0.7 of the floor', value: lowRiskThroughputRatio, met: lowRiskThroughputRatio !== null && lowRiskThroughputRatio >= 0.7 },
      bundleBytes: { target: '<= 300 KB (307,200 B) each', value: maxBundle, met: maxBundle <= 300 * 1024 },
      initMs: { target: '<= 80 ms each', value: maxInit, met: maxInit <= 80 },
      wcuPerLowRiskCharge: { target: '<= 6', value: wcu, met: wcu <= 6 },
      wcuPerLowRiskChargeBillingRules: { target: '<= 6', value: billing.wcuPerCharge, met: billing.wcuPerCharge <= 6 },
    };

    const report = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: `${process.platform}/${process.arch}`,
        // Other processes on the machine move every number here; the load average says how busy it was.
        loadAverageBefore: loadBefore.map((l) => round(l, 2)), loadAverageAfter: loadavg().map((l) => round(l, 2)),
      },
      config: { wallets: WALLETS, levels: LEVELS, initRuns: INIT_RUNS, stack: stack.owned ? 'started by the bench (fresh data)' : stack.url },
      perKind: kinds,
      perKindMethod: 'Counts per charge of each kind from one run: write units reported by the stack (ReturnConsumedCapacity=INDEXES on the charge path\'s writes: saveActivity, createCharge, creditWallet), SMS messages and segments the wallet sent (its brand) from the outbox of the wallets\' phones, the bank simulator\'s notices to the holder counted apart (not the wallet\'s cost), bytes the stack wrote to stdout+stderr (status polls, ops listing and DynamoDB Local\'s own output included), Lambda invocations = API requests + workflow task states entered, transitions replayed. wcu/rcu = what the cost uses.',
      deniedAnswers,
      lowRiskThroughputRatio,
      lowRiskThroughputRatioConcurrency: RATIO_AT,
      lowRiskThroughputRatioByConcurrency: ratioByConcurrency,
      lowRiskThroughputRatioMethod: `API throughput / floor throughput, alternating in rounds per level (API then floor, same number of charges, same concurrency; rounds per level in config.levels); the median of the rounds' ratios. The field is the value at concurrency ${RATIO_AT}.`,
      lowRiskThroughputRatioRounds: roundRatios,
      lowRiskThroughputRatioPooled: pooledRatioByConcurrency,
      lowRisk: { api: apiLevels, floor: floorLevels },
      wcuPerLowRiskCharge: wcu,
      wcuPerLowRiskChargeSource: wcuPerLowRiskCharge !== null ? 'the stack\'s ReturnConsumedCapacity=INDEXES on the low-risk writes over every API level (DynamoDB Local\'s accounting)' : 'the floor pass (the stack did not report capacity)',
      wcuPerLowRiskChargeByWrite: byWrite,
      rcuPerLowRiskCharge,
      rcuPerLowRiskChargeSource: 'the floor pass with ReturnConsumedCapacity=TOTAL on every read (DynamoDB Local\'s accounting)',
      wcuPerLowRiskChargeBillingRules: billing.wcuPerCharge,
      rcuPerLowRiskChargeBillingRules: billing.rcuPerCharge,
      billingRules: billing,
      floorCapacity,
      bundles,
      transitionsPerChallengedCharge: transitions.perChallengedCharge,
      transitionsPerReviewedCharge: transitions.perReviewedCharge,
      transitions,
      prices: PRICES,
      costPerMillion,
      targets,
      durationSeconds: round((Date.now() - started) / 1000, 1),
    };
    writeFileSync(join(reportsDir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    print(report);
    log(`\nwrote reports/bench.json in ${report.durationSeconds} s`);
  } catch (e) {
    if (stack.owned) log(`the local stack ${stack.alive() ? 'is running' : 'has exited'}; its last lines:\n${stack.logTail()}`);
    throw e;
  } finally {
    await stack.stop();
  }
}

function print(r: any) {
  const out: string[] = [];
  out.push('', 'Per charge, by kind (counts from one run; they do not depend on the machine)');
  const kindRows = Object.entries(r.perKind as Record<string, any>);
  out.push(
    table(
      ['kind', 'charges', 'WCU reported', 'WCU billed', 'RCU billed', 'Lambda inv.', 'SFN transitions', 'SMS', 'SMS segments', 'bank notices (segments)', 'log bytes'],
      kindRows.map(([k, v]) => [k, v.charges, v.wcuReported, v.wcu, v.rcu, v.lambdaInvocations, v.transitions, v.smsMessages, v.smsSegments, `${v.bankNoticeMessages} (${v.bankNoticeSegments})`, v.logBytes ?? 'n/a']),
    ),
  );
  out.push('(SMS = the wallet\'s own texts, costed below; bank notices = the bank simulator\'s texts to the account holder, the bank\'s cost, not costed. Log bytes = what the local stack wrote to stdout/stderr; Lambda\'s own START/END/REPORT lines in the cloud are not in it. WCU billed and RCU of challenged, reviewed and denied charges are lower bounds; see reports/bench.json perKindMethod and costPerMillion.assumptions)');
  out.push('', `Cost of one million charges, USD, ${r.prices.region} list prices, SMS at ${r.prices.snsSmsJapanPerSegment} per segment (assumed)`);
  const costParts = ['apiGateway', 'lambdaRequests', 'lambdaDuration', 'dynamoDbWrites', 'dynamoDbReads', 'stepFunctions', 'sms', 'total'];
  out.push(table(['kind', ...costParts], Object.entries(r.costPerMillion.usd as Record<string, any>).map(([k, v]) => [k, ...costParts.map((p) => v[p])])));
  out.push(`blended (${JSON.stringify(r.costPerMillion.blendedMix)}): ${r.costPerMillion.blendedUsd} USD per million charges`);
  out.push('', `Timing (depends on this machine and its load): low-risk charges (${r.config.wallets} wallets, ALLOW path, loopback; medians of each level, one run)`);
  out.push(
    table(
      ['concurrency', 'api p50 ms', 'api p99 ms', 'api /s', 'floor p50 ms', 'floor p99 ms', 'floor /s', 'ratio', 'api ok'],
      r.lowRisk.api.map((a: LevelResult, i: number) => {
        const f: LevelResult = r.lowRisk.floor[i];
        return [a.concurrency, a.p50Ms, a.p99Ms, a.throughputPerSec, f.p50Ms, f.p99Ms, f.throughputPerSec, r.lowRiskThroughputRatioByConcurrency[String(a.concurrency)], `${a.ok}/${a.charges}`];
      }),
    ),
  );
  out.push(`lowRiskThroughputRatio (at concurrency ${r.lowRiskThroughputRatioConcurrency}, median of ${JSON.stringify(r.lowRiskThroughputRatioRounds[String(r.lowRiskThroughputRatioConcurrency)])}) = ${r.lowRiskThroughputRatio}`);
  out.push(`machine: ${r.machine.cpus} CPUs, load average ${r.machine.loadAverageBefore[0]} before, ${r.machine.loadAverageAfter[0]} after`);
  out.push('', 'Capacity per low-risk charge');
  out.push(
    table(
      ['write', 'requests', 'WCU', 'table', 'indexes'],
      Object.entries(r.wcuPerLowRiskChargeByWrite as Record<string, any>).map(([k, v]) => [k, v.requests, v.units, v.table, JSON.stringify(v.indexes)]),
    ),
  );
  out.push(`ReturnConsumedCapacity (DynamoDB Local): WCU per charge ${r.wcuPerLowRiskCharge}; RCU per charge ${r.rcuPerLowRiskCharge} (${r.floorCapacity.readRequestsPerCharge} reads); floor pass WCU ${r.floorCapacity.wcuPerCharge}`);
  out.push(`By DynamoDB's billing rules from the real items: WCU ${r.wcuPerLowRiskChargeBillingRules}, RCU ${r.rcuPerLowRiskChargeBillingRules}; item bytes ${JSON.stringify(r.billingRules.itemBytes)}`);
  out.push(table(['write (billing rules)', 'WCU'], Object.entries(r.billingRules.wcuByWrite as Record<string, number>).map(([k, v]) => [k, v])));
  out.push('', 'Lambda bundles (esbuild as NodejsFunction: minify, node22, cjs, external @aws-sdk/*)');
  out.push(
    table(
      ['function', 'bytes', 'KB', 'init ms', 'no maps', 'SDK alone', 'largest inputs'],
      Object.entries(r.bundles as Record<string, BundleReport>).map(([k, b]) => [k, b.bytes, round(b.bytes / 1024, 1), b.initMs, b.initMsWithoutSourceMaps, b.sdkInitMs, b.largestInputs.slice(0, 3).map((x) => `${x.name} ${round(x.bytes / 1024, 0)}K`).join(', ')]),
    ),
  );
  out.push('', 'Step Functions Standard state transitions (replayed from real executions)');
  out.push(`  challenged: ${r.transitions.perChallengedCharge}  ${r.transitions.paths.challenged.join(' > ')}`);
  out.push(`  reviewed:   ${r.transitions.perReviewedCharge}  ${r.transitions.paths.reviewedApproved.join(' > ')}`);
  out.push(`  rejected:   ${r.transitions.perRejectedReview}  ${r.transitions.paths.reviewedRejected.join(' > ')}`);
  out.push('', 'Targets of issue 6 (reported, not asserted)');
  out.push(table(['target', 'wanted', 'measured', 'met'], Object.entries(r.targets as Record<string, any>).map(([k, v]) => [k, v.target, v.value, v.met ? 'yes' : 'NO'])));
  console.log(out.join('\n'));
}

main().catch((e: Error) => {
  console.error(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
