/**
 * Issue 10, property: random interleavings of create / confirm / approve / freeze /
 * unfreeze / switch-off / switch-on / unlink / not-me / sweep over three wallets at one
 * bank of the run's own. Commands come in batches; a batch runs concurrently, batches
 * run one after another. After each run, once nothing is moving any more:
 * - no money moved for a charge whose guard had failed: a charge that COMPLETED did so
 *   before any control that stops it was certainly in force (a freeze, the not-me
 *   report, the bank off, the link removed), and a charge that did not complete has no
 *   net debit and no credit;
 * - nothing waits behind a control that is in force at the end (a frozen wallet, a bank
 *   switched off, a removed or suspended link have no waiting charges);
 * - every bank debit of the run's accounts has exactly one wallet credit or one reversal;
 * - the reconciliation of the banks against the ledger is clean.
 *
 * A wallet frozen by a not-me report is never unfrozen here (that needs a second approver,
 * another issue). Runs are few and small (numRuns 6) and fast-check does not shrink
 * (each run costs seconds): a failure prints the commands of the failing run, and
 * CONTROLS_SEED + CONTROLS_PATH replay it (CONTROLS_VERBOSE=1 prints every run and charge).
 */
import fc from 'fast-check';
import { chargeIdFor } from '../../functions/domain/charge';
import { api, type ApiResponse } from '../support/api';
import {
  advanceClock, bankAccount, clearFaults, confirmCharge, decideReview, getCharge, HOLDER_WINDOW_SECONDS, linkedWallet, newKey, openReviews, opsAuth, postCharge, reconcileReport, runSweeper, type LinkedWallet,
} from '../support/charges';
import {
  codeFor, completedAt, executionsEnded, FINAL, freshBank, ledgerEntriesOf, moneyOf, opsFreeze, opsUnfreeze, reportNotMe, sleep, STAMP_SLACK_MS, switchBank, unlink,
} from '../support/controls';

jest.setTimeout(300_000);

const WALLETS = 3;
const WAITING = ['PENDING_HOLD', 'PENDING_CONFIRMATION', 'PENDING_REVIEW'];

type Cmd =
  | { kind: 'create'; w: number; big: boolean }
  | { kind: 'confirm'; w: number; pick: number }
  | { kind: 'approve'; w: number; pick: number }
  | { kind: 'freeze'; w: number }
  | { kind: 'unfreeze'; w: number }
  | { kind: 'switchOff' }
  | { kind: 'switchOn' }
  | { kind: 'unlink'; w: number }
  | { kind: 'notMe'; w: number }
  | { kind: 'sweep' };

const wallet = fc.integer({ min: 0, max: WALLETS - 1 });
const pick = fc.nat({ max: 7 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), w: wallet, big: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('confirm' as const), w: wallet, pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('approve' as const), w: wallet, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('freeze' as const), w: wallet }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unfreeze' as const), w: wallet }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('switchOff' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('switchOn' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlink' as const), w: wallet }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('notMe' as const), w: wallet }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
);
const batches = fc.array(fc.array(cmd, { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 7 });

interface Charge {
  w: number;
  chargeId: string;
  amount: number;
  deviceId: string;
}

/** A span of service time in which a control was certainly in force (from its answer to the request that lifted it). */
interface Span {
  what: string;
  w?: number;
  from: number;
  to: number;
}

class Run {
  readonly charges: Charge[] = [];
  readonly spans: Span[] = [];
  readonly log: string[] = [];
  private readonly open = new Map<string, Span>();
  private amountSeq = 0;
  notMe = new Set<number>();

  constructor(readonly wallets: LinkedWallet[], readonly bankCode: string, private readonly offset: number) {}

  now(): number {
    return Date.now() + this.offset;
  }

  private start(what: string, w: number | undefined, at: number) {
    const key = `${what}:${w ?? ''}`;
    if (!this.open.has(key)) this.open.set(key, { what, w, from: at, to: Infinity });
  }

  private end(what: string, w: number | undefined, at: number) {
    const key = `${what}:${w ?? ''}`;
    const span = this.open.get(key);
    if (!span) return;
    this.open.delete(key);
    this.spans.push({ ...span, to: at });
  }

  closeAll() {
    for (const span of this.open.values()) this.spans.push(span);
    this.open.clear();
  }

  /** The controls certainly in force for wallet `w` at service time `t`. */
  inForce(w: number, t: number): Span[] {
    return this.spans.filter((s) => (s.w === undefined || s.w === w) && s.from + STAMP_SLACK_MS < t && t < s.to);
  }

  async create(w: number, big: boolean) {
    const wal = this.wallets[w];
    const amount = (big ? 200_000 : 1_000) + ++this.amountSeq * 7;
    const deviceId = `dev-${newKey('p')}`; // a new device: the charge waits for its code
    const key = newKey('prop');
    const res = await postCharge(wal, amount, { key, deviceId });
    this.charges.push({ w, chargeId: chargeIdFor(wal.user.userId, key), amount, deviceId });
    return res;
  }

  async confirm(w: number, n: number) {
    const mine = this.charges.filter((c) => c.w === w);
    if (!mine.length) return undefined;
    const c = mine[n % mine.length];
    let code: string;
    try {
      code = await codeFor(this.wallets[w].user.phone, c.amount);
    } catch {
      return undefined; // no code was sent (the charge was refused)
    }
    return confirmCharge(this.wallets[w], c.chargeId, code, { deviceId: c.deviceId });
  }

  async approve(w: number, n: number) {
    const cases = (await openReviews()).filter((r) => r.userId === this.wallets[w].user.userId);
    if (!cases.length) return undefined;
    return decideReview(cases[n % cases.length].caseId, 'APPROVE');
  }

  async exec(c: Cmd): Promise<ApiResponse | undefined> {
    switch (c.kind) {
      case 'create':
        return this.create(c.w, c.big);
      case 'confirm':
        return this.confirm(c.w, c.pick);
      case 'approve':
        return this.approve(c.w, c.pick);
      case 'sweep':
        await runSweeper();
        return undefined;
      case 'freeze': {
        const res = await opsFreeze(this.wallets[c.w], 'property test');
        if (res.status === 200) this.start('frozen', c.w, this.now());
        return res;
      }
      case 'unfreeze': {
        this.end('frozen', c.w, this.now());
        return opsUnfreeze(this.wallets[c.w], 'property test');
      }
      case 'switchOff': {
        const res = await switchBank(this.bankCode, false);
        if (res.status === 200) this.start('bank off', undefined, Date.parse(res.body.updatedAt));
        return res;
      }
      case 'switchOn':
        this.end('bank off', undefined, this.now());
        return switchBank(this.bankCode, true);
      case 'unlink': {
        const res = await unlink(this.wallets[c.w]);
        if (res.status === 204) this.start('link removed', c.w, this.now());
        return res;
      }
      case 'notMe': {
        const res = await reportNotMe(this.wallets[c.w]);
        if (res.status === 200) {
          this.start('not-me (frozen, link suspended)', c.w, this.now());
          this.start('frozen', c.w, this.now());
        }
        return res;
      }
    }
  }
}

/**
 * A batch as it is run: a wallet frozen by a not-me report is never unfrozen, and a control
 * and its lifting never share a batch (their order would be unknown, so neither span would be certain).
 */
function runnable(batch: Cmd[], run: Run): Cmd[] {
  const stops = new Set(batch.flatMap((c) => (c.kind === 'freeze' || c.kind === 'notMe' ? [c.w] : [])));
  const off = batch.some((c) => c.kind === 'switchOff');
  return batch.filter((c) => {
    if (c.kind === 'unfreeze') return !run.notMe.has(c.w) && !stops.has(c.w);
    if (c.kind === 'switchOn') return !off;
    return true;
  });
}

async function setUp(): Promise<Run> {
  await clearFaults();
  const bankCode = await freshBank();
  // Linked together, then the clock moves past their holder windows once (each wallet moving it would expire the others' link codes).
  const wallets = await Promise.all(Array.from({ length: WALLETS }, () => linkedWallet({ bankCode, young: true })));
  await advanceClock(HOLDER_WINDOW_SECONDS);
  const clock = (await api('GET', '/local/clock')).body.now as string;
  const run = new Run(wallets, bankCode, Date.parse(clock) - Date.now());
  // Something waits on every wallet before the random part: a charge for its code, and one for review.
  for (let w = 0; w < WALLETS; w++) {
    await run.create(w, false);
    const big = await run.create(w, true);
    if (big.status === 202) await run.confirm(w, 1);
  }
  return run;
}

/** Waits until nothing of the run is PROCESSING (or 20 s pass) and every execution of a final charge has ended. */
async function settle(run: Run): Promise<Map<string, string>> {
  const status = new Map<string, string>();
  const deadline = Date.now() + 20_000;
  for (;;) {
    for (const c of run.charges) {
      const res = await getCharge(run.wallets[c.w], c.chargeId);
      if (res.status === 200) status.set(c.chargeId, res.body.status);
    }
    if (![...status.values()].includes('PROCESSING') || Date.now() > deadline) break;
    await sleep(300);
  }
  for (const [chargeId, s] of status) if (FINAL.includes(s)) await executionsEnded(chargeId, 15_000);
  return status;
}

async function check(run: Run): Promise<string[]> {
  run.closeAll();
  const problems: string[] = [];
  const status = await settle(run);
  for (const c of run.charges) {
    if (!status.has(c.chargeId)) continue; // refused before anything was stored
    const wal = run.wallets[c.w];
    const facts = await moneyOf(wal, c.chargeId);
    const where = `wallet ${c.w} charge ${c.chargeId} (${c.amount}) ${facts.status}: debits ${facts.debits}, reversals ${facts.reversals}, credits ${facts.credits}`;
    if (process.env.CONTROLS_VERBOSE) run.log.push(`  ${where} completedAt ${await completedAt(wal.user.userId, c.chargeId)} spans ${JSON.stringify(run.spans.filter((x) => x.w === undefined || x.w === c.w))}`);
    if (facts.status === 'COMPLETED') {
      if (facts.debits !== 1 || facts.reversals !== 0 || facts.credits !== 1) problems.push(`${where}: completed, but the money does not add up`);
      const at = await completedAt(wal.user.userId, c.chargeId);
      const controls = at === undefined ? [] : run.inForce(c.w, at);
      if (controls.length) problems.push(`${where}: completed at ${new Date(at!).toISOString()} while ${controls.map((s) => s.what).join(', ')} was in force`);
    } else if (WAITING.includes(facts.status) || facts.status === 'PROCESSING') {
      if (facts.debits || facts.credits) problems.push(`${where}: money moved for a charge that is still ${facts.status}`);
      if (facts.status === 'PROCESSING') problems.push(`${where}: still PROCESSING after 20 s`);
    } else if (facts.credits !== 0 || facts.debits !== facts.reversals) {
      problems.push(`${where}: ended ${facts.status} with money moved`);
    }
  }

  // Nothing waits behind a control in force now.
  const bankOn = ((await api('GET', '/v1/ops/banks', { token: await opsAuth() })).body.items as { bankCode: string; chargingEnabled: boolean }[])
    .find((b) => b.bankCode === run.bankCode)?.chargingEnabled;
  for (let w = 0; w < WALLETS; w++) {
    const wal = run.wallets[w];
    const me = (await api('GET', '/v1/me', { token: wal.user.token })).body.status;
    const link = ((await api('GET', '/v1/me/bank-links', { token: wal.user.token })).body.items as { linkId: string; status: string }[]).find((l) => l.linkId === wal.linkId)?.status;
    const stopped = [me === 'FROZEN' && 'wallet FROZEN', !bankOn && 'bank off', link !== 'ACTIVE' && `link ${link}`].filter(Boolean);
    if (!stopped.length) continue;
    for (const c of run.charges.filter((x) => x.w === w)) {
      const s = status.get(c.chargeId);
      if (s && WAITING.includes(s)) problems.push(`wallet ${w} charge ${c.chargeId} still ${s} although ${stopped.join(', ')}`);
    }
  }

  // Every bank debit of the run's accounts: exactly one wallet credit or one reversal.
  for (const wal of run.wallets) {
    const moves = (await bankAccount(wal.account)).moves;
    const reversed = new Set(moves.filter((m) => m.kind === 'REVERSAL').map((m) => m.idempotencyKey.replace(/^reversal:/, '')));
    for (const d of moves.filter((m) => m.kind === 'DEBIT')) {
      const credits = (await ledgerEntriesOf(wal.user, d.idempotencyKey)).filter((e) => e.amount > 0).length;
      const matches = credits + (reversed.has(d.idempotencyKey) ? 1 : 0);
      if (matches !== 1) problems.push(`debit ${d.idempotencyKey} (${d.amount}) has ${credits} credit(s) and ${reversed.has(d.idempotencyKey) ? 1 : 0} reversal(s)`);
    }
  }

  const report = await reconcileReport();
  if (report.differences.length) problems.push(`reconciliation: ${JSON.stringify(report.differences)}`);
  return problems;
}

afterAll(clearFaults);

it('random interleavings of the controls and the steps toward money: no money moves past a failed guard, every debit is matched, reconciliation is clean', async () => {
  const seed = process.env.CONTROLS_SEED ? Number(process.env.CONTROLS_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(batches, async (plan) => {
      const run = await setUp();
      for (const batch of plan) {
        const cmds = runnable(batch, run);
        cmds.filter((c) => c.kind === 'notMe').forEach((c) => run.notMe.add((c as { w: number }).w));
        const answers = await Promise.all(cmds.map((c) => run.exec(c)));
        run.log.push(cmds.map((c, i) => `${JSON.stringify(c)} → ${answers[i] ? `${answers[i]!.status} ${answers[i]!.body?.error?.code ?? answers[i]!.body?.status ?? ''}` : '-'}`).join(' ‖ '));
      }
      const problems = await check(run);
      if (process.env.CONTROLS_VERBOSE) console.log(`${run.log.join('\n')}\n${problems.join('\n')}`);
      if (problems.length) throw new Error(`${problems.join('\n')}\n--- the run:\n${run.log.join('\n')}`);
    }),
    { numRuns: 6, endOnFailure: true, ...(seed !== undefined ? { seed, ...(process.env.CONTROLS_PATH ? { path: process.env.CONTROLS_PATH } : {}) } : {}) },
  );
});
