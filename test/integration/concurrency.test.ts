/**
 * Concurrency: a burst of 100 charges against one wallet, 25 Idempotency-Keys × 4
 * copies each, all fired at once. Exactly once per key, whatever interleaving the
 * handlers meet: one charge, one answer, one bank debit per completed charge, and
 * the money adds up on every side (bank, wallet, ledger, reconciliation).
 *
 * The velocity rule (3 charges in an hour → review) sends most of the burst to
 * PENDING_CONFIRMATION: those move no money until confirmed, and are then confirmed
 * (two copies of each code at once) and decided by ops (all at once). At most 3 charges of
 * a wallet may wait at once: the rest of the burst is refused with 429 (retry-after 60),
 * and never becomes a charge.
 */
import { api, opsToken, type ApiResponse } from '../support/api';
import {
  advanceClock, allTransactions, bankAccount, chargeCode, chargeReaches, confirmCharge, eventually, newKey, postCharge, readyWallet, settledReconciliation,
  sleep, walletBalance, type ReadyWallet,
} from '../support/hardening';

jest.setTimeout(180_000);

const KEYS = 25;
const COPIES = 4;

interface Burst {
  key: string;
  amount: number;
  answers: ApiResponse[];
}

/** A 429 for contention ("busy, retry": retry-after 1), not the open-charge cap (retry-after 60). */
const isBusy = (r: ApiResponse) => r.status === 429 && r.body?.error?.code === 'RATE_LIMITED' && r.headers.get('retry-after') === '1';
const isCapped = (r: ApiResponse) => r.status === 429 && r.body?.error?.code === 'RATE_LIMITED' && r.headers.get('retry-after') === '60';

/** What a client does with a busy 429 RATE_LIMITED (nothing stored, "retry"): the same request again, after retry-after. */
async function withRetries(send: () => Promise<ApiResponse>): Promise<ApiResponse[]> {
  const seen: ApiResponse[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await send();
    seen.push(res);
    if (!isBusy(res)) return seen;
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000 * (0.5 + Math.random()));
  }
  return seen;
}

/** JSON with sorted keys: a replayed answer comes back from storage with its fields in another order. */
const canonical = (v: unknown): string =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
    : Array.isArray(v) ? `[${v.map(canonical).join(',')}]` : JSON.stringify(v);
const summary = (r: ApiResponse) => `${r.status} ${canonical(r.body)}`;

describe('100 parallel charges with duplicate keys against one wallet', () => {
  let w: ReadyWallet;
  let ops: string;
  let bankBefore: number;
  let bursts: Burst[];
  const chargeOf = new Map<string, string>(); // key → chargeId

  beforeAll(async () => {
    ops = await opsToken();
    w = await readyWallet();
    // The first charge's hour passes, so the burst starts from an empty velocity window.
    await advanceClock(3_700);
    bankBefore = (await bankAccount(w.account)).balance;
    bursts = Array.from({ length: KEYS }, (_, i) => ({ key: newKey('burst'), amount: 1_001 + i * 7, answers: [] }));
    const fired = bursts.flatMap((b) => Array.from({ length: COPIES }, () => b));
    const answers = await Promise.all(fired.map((b) => withRetries(() => postCharge(w, b.amount, b.key))));
    fired.forEach((b, i) => b.answers.push(...answers[i]));
    for (const b of bursts) {
      const id = b.answers.find((r) => r.body?.chargeId)?.body.chargeId;
      if (id) chargeOf.set(b.key, id);
    }
  });

  it('each key yields exactly one charge, and every answer for a key agrees', async () => {
    for (const b of bursts) {
      const final = b.answers.filter((r) => r.status !== 429);
      const rateLimited = b.answers.filter((r) => r.status === 429);
      // A 429 is "busy, retry" or the open-charge cap: nothing else.
      for (const r of rateLimited) expect({ busy: isBusy(r), capped: isCapped(r) }).not.toEqual({ busy: false, capped: false });
      // A key the cap refused outright never became a charge.
      if (!chargeOf.has(b.key)) {
        expect({ key: b.key, answers: b.answers.map(summary), allCapped: b.answers.every((r) => isBusy(r) || isCapped(r)) }).toEqual({ key: b.key, answers: b.answers.map(summary), allCapped: true });
        continue;
      }
      // Every copy that was not capped got the charge's answer in the end.
      expect(final.length + b.answers.filter(isCapped).length).toBe(COPIES);
      for (const r of final) expect({ key: b.key, answer: summary(r) }).toEqual({ key: b.key, answer: expect.stringMatching(/^20[12] /) });

      const ids = new Set(final.map((r) => r.body.chargeId));
      expect({ key: b.key, chargeIds: [...ids] }).toEqual({ key: b.key, chargeIds: [chargeOf.get(b.key)] });
      const chargeId = chargeOf.get(b.key)!;

      const completed = final.filter((r) => r.status === 201);
      const waiting = final.filter((r) => r.status === 202 && r.body.status === 'PENDING_CONFIRMATION');
      const inFlight = final.filter((r) => r.status === 202 && r.body.status === 'PROCESSING');
      expect(completed.length + waiting.length + inFlight.length).toBe(final.length);
      // Completed and waiting for a code are different charges' answers: never both for one key.
      const all = final.map(summary);
      expect({ key: b.key, all, completedAndWaiting: completed.length > 0 && waiting.length > 0 }).toEqual({ key: b.key, all, completedAndWaiting: false });
      // Every completed answer is the same answer, balance included.
      expect({ key: b.key, all, distinctCompleted: new Set(completed.map(summary)).size }).toEqual({ key: b.key, all, distinctCompleted: Math.min(1, completed.length) });
      for (const r of completed) expect(r.body.status).toBe('COMPLETED');

      const charge = await chargeReaches(w, chargeId, ['COMPLETED', 'PENDING_CONFIRMATION', 'DECLINED', 'FAILED']);
      expect(charge.amount).toBe(b.amount);
      if (completed.length || inFlight.length) expect(charge.status).toBe('COMPLETED');
      if (waiting.length) expect(charge.status).toBe('PENDING_CONFIRMATION');
    }
    // The cap held: at most 3 of the burst wait for a code.
    const waitingNow = await Promise.all([...chargeOf.values()].map(async (id) => (await api('GET', `/v1/me/charges/${id}`, { token: w.user.token })).body.status));
    expect(waitingNow.filter((st) => st === 'PENDING_CONFIRMATION').length).toBeLessThanOrEqual(3);
    expect(bursts.some((b) => b.answers.some(isCapped))).toBe(true);
    // The wallet holds the first charge and exactly one charge per key: no stray extra.
    const view = await api('GET', `/v1/ops/users/${w.user.userId}`, { token: ops });
    const ids = (view.body.charges as any[]).map((c) => c.chargeId).sort();
    expect(ids).toEqual([w.firstChargeId, ...chargeOf.values()].sort());
  });

  /** Bank, wallet and ledger agree: one debit per completed charge, none for the rest. */
  async function expectMoneyConserved() {
    const charges = await Promise.all([w.firstChargeId, ...chargeOf.values()].map(async (id) => (await api('GET', `/v1/me/charges/${id}`, { token: w.user.token })).body));
    const bank = await bankAccount(w.account);
    let completedSum = 0;
    for (const c of charges) {
      const debits = bank.moves.filter((m) => m.kind === 'DEBIT' && m.idempotencyKey === c.chargeId);
      const reversals = bank.moves.filter((m) => m.kind === 'REVERSAL' && m.idempotencyKey === `reversal:${c.chargeId}`);
      if (c.status === 'COMPLETED') {
        expect({ chargeId: c.chargeId, debits: debits.map((d) => d.amount), reversals: reversals.length }).toEqual({ chargeId: c.chargeId, debits: [c.amount], reversals: 0 });
        if (c.chargeId !== w.firstChargeId) completedSum += c.amount;
      } else {
        const net = debits.reduce((s, d) => s + d.amount, 0) - reversals.reduce((s, r) => s + r.amount, 0);
        expect({ chargeId: c.chargeId, status: c.status, net, debits: debits.length }).toEqual({ chargeId: c.chargeId, status: c.status, net: 0, debits: expect.any(Number) });
        expect(debits.length).toBeLessThanOrEqual(1);
      }
    }
    expect(bank.balance).toBe(bankBefore - completedSum);
    const balance = await walletBalance(w.user);
    expect(balance).toBe(w.firstAmount + completedSum);
    const entries = await allTransactions(w.user);
    expect(entries.reduce((s, e) => s + e.amount, 0)).toBe(balance);
    // One ledger entry per completed charge, none twice.
    const credited = entries.filter((e) => e.type === 'CHARGE').map((e) => e.chargeId).sort();
    expect(credited).toEqual(charges.filter((c) => c.status === 'COMPLETED').map((c) => c.chargeId).sort());
    return charges;
  }

  it('the bank was debited once per completed charge and never for a waiting one; balance = completed = ledger', async () => {
    const charges = await expectMoneyConserved();
    expect(charges.filter((c) => c.status === 'COMPLETED').length).toBeGreaterThan(1);
    const recon = await settledReconciliation();
    expect(recon.differences).toEqual([]);
  });

  it('the waiting charges, each confirmed twice at once and then decided by ops at once, complete exactly once or move nothing', async () => {
    const waiting = bursts.filter((b) => chargeOf.has(b.key)).map((b) => ({ ...b, chargeId: chargeOf.get(b.key)! }));
    const pending: typeof waiting = [];
    for (const b of waiting) {
      const c = (await api('GET', `/v1/me/charges/${b.chargeId}`, { token: w.user.token })).body;
      if (c.status === 'PENDING_CONFIRMATION') pending.push(b);
    }
    expect(pending.length).toBeGreaterThan(0);

    const codes = await Promise.all(pending.map((b) => chargeCode(w.user.phone, b.amount)));
    const confirmations = await Promise.all(pending.flatMap((b, i) => [confirmCharge(w, b.chargeId, codes[i]), confirmCharge(w, b.chargeId, codes[i])]));
    pending.forEach((b, i) => {
      const pair = [confirmations[2 * i], confirmations[2 * i + 1]];
      // One copy spends the code; the other is told the code or the charge has moved on.
      expect(pair.filter((r) => r.status === 200)).toHaveLength(1);
      const loser = pair.find((r) => r.status !== 200)!;
      expect({ chargeId: b.chargeId, answer: summary(loser) }).toEqual({ chargeId: b.chargeId, answer: expect.stringMatching(/^(409 .*INVALID_STATE|422 .*INVALID_CODE)/) });
    });

    const cases = await eventually('every confirmed charge in the review queue', async () => {
      const open = (await api('GET', '/v1/ops/reviews?status=OPEN', { token: ops })).body.items as any[];
      const mine = open.filter((c) => pending.some((b) => b.chargeId === c.chargeId));
      return mine.length === pending.length ? mine : undefined;
    });
    // Two staff reject two cases at once while every other case is approved at once.
    // (Many concurrent rejections of one wallet's charges meet a contention limit in
    // finishUnsuccessfully, functions/adapters/charges-repo.ts: a 500, reported separately.)
    const rejected = new Set(cases.slice(0, 2).map((c) => c.caseId));
    const decisions = await Promise.all(
      cases.map((c) => api('POST', `/v1/ops/reviews/${c.caseId}/decision`, { token: ops, body: { decision: rejected.has(c.caseId) ? 'REJECT' : 'APPROVE', note: 'concurrency suite' } })),
    );
    for (const d of decisions) expect(summary(d)).toMatch(/^200 /);
    for (const c of cases) {
      const done = await chargeReaches(w, c.chargeId, ['COMPLETED', 'DECLINED', 'FAILED', 'EXPIRED', 'CANCELLED'], 60_000);
      expect({ chargeId: c.chargeId, status: done.status }).toEqual({ chargeId: c.chargeId, status: rejected.has(c.caseId) ? 'DECLINED' : 'COMPLETED' });
    }
    await expectMoneyConserved();
    const recon = await settledReconciliation();
    expect(recon.differences).toEqual([]);
  });
});

describe('one key fired 40 times at once with two different bodies', () => {
  it('one charge, one debit; the other body is refused as a reused key; the same body replays the same answer', async () => {
    const w = await readyWallet();
    const key = newKey('race');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => withRetries(() => postCharge(w, i % 2 ? 2_222 : 3_333, key))));
    const final = answers.map((a) => a[a.length - 1]);
    const winners = final.filter((r) => r.status === 201 || r.status === 202);
    const reused = final.filter((r) => r.status === 409);
    expect(winners.length + reused.length).toBe(40);
    for (const r of reused) expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(new Set(winners.map((r) => r.body.chargeId)).size).toBe(1);
    const charge = await chargeReaches(w, winners[0].body.chargeId, ['COMPLETED']);
    // Every success belongs to the winning body; every refusal to the other.
    const winningAmount = charge.amount as number;
    answers.forEach((a, i) => {
      const amount = i % 2 ? 2_222 : 3_333;
      expect(a[a.length - 1].status === 409).toBe(amount !== winningAmount);
    });
    for (const r of winners.filter((r) => r.status === 201)) expect(r.body).toEqual(winners.find((x) => x.status === 201)!.body); // deep equality: field order aside
    const moves = (await bankAccount(w.account)).moves.filter((m) => m.idempotencyKey === charge.chargeId);
    expect(moves.map((m) => `${m.kind} ${m.amount}`)).toEqual([`DEBIT ${winningAmount}`]);
    expect(await walletBalance(w.user)).toBe(w.firstAmount + winningAmount);
  });
});
