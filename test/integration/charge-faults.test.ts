/**
 * Charges when things go wrong: the bank declines, times out or loses its reply, the
 * process crashes between the debit and the credit, the sweeper runs twice at once.
 * Whatever happens, each charge ends either COMPLETED (debited once, credited once) or
 * FAILED with the money back (never debited, or debited and reversed): never both,
 * never neither.
 *
 * The faults are global to the stack, so each test arms exactly what it uses and
 * everything is disarmed after each test.
 */
import { chargeIdFor } from '../../functions/domain/charge';
import { api, type TestUser } from '../support/api';
import {
  advanceClock,
  bankAccount,
  bankFaults,
  bankMovesOf,
  challenged,
  clearFaults,
  confirmCharge,
  crashPoints,
  eventually,
  expectError,
  getCharge,
  linkedWallet,
  type LinkedWallet,
  newKey,
  postCharge,
  readyWallet,
  reconcileReport,
  runSweeper,
  waitForStatus,
  walletBalance,
} from '../support/charges';

jest.setTimeout(120_000);

afterEach(clearFaults);

async function ledgerEntriesOf(user: TestUser, chargeId: string) {
  const res = await api('GET', '/v1/me/transactions?limit=100', { token: user.token });
  expect(res.status).toBe(200);
  return (res.body.items as { chargeId?: string; amount: number }[]).filter((i) => i.chargeId === chargeId);
}

/** Completed (one debit, no reversal, one credit) or failed with the money back (no net debit, no credit): never both, never neither. */
async function expectSettled(w: LinkedWallet, chargeId: string, amount: number, expected: 'COMPLETED' | 'FAILED') {
  // Every execution of the charge has run to its end first: a late one must not undo the outcome.
  await eventually(`the executions of ${chargeId} to end`, async () => ((await executionsOf(chargeId)).some((e) => e.status === 'RUNNING') ? undefined : true), 30_000);
  const view = await getCharge(w, chargeId);
  const moves = await bankMovesOf(w.account, chargeId);
  const entries = await ledgerEntriesOf(w.user, chargeId);
  const debits = moves.filter((m) => m.kind === 'DEBIT');
  const reversals = moves.filter((m) => m.kind === 'REVERSAL');
  const facts = { status: view.body.status, debits: debits.length, reversals: reversals.length, credits: entries.length };
  if (expected === 'COMPLETED') {
    expect(facts).toEqual({ status: 'COMPLETED', debits: 1, reversals: 0, credits: 1 });
    expect(debits[0].amount).toBe(amount);
    expect(entries[0].amount).toBe(amount);
  } else {
    expect(facts.status).toBe('FAILED');
    expect(facts.credits).toBe(0);
    expect(facts.reversals).toBe(facts.debits);
    expect(facts.debits).toBeLessThanOrEqual(1);
  }
}

async function executionsOf(chargeId: string): Promise<{ name: string; status: string }[]> {
  const res = await api('GET', '/local/workflow/executions');
  expect(res.status).toBe(200);
  return (res.body.executions as { name: string; status: string }[]).filter((e) => e.name.startsWith(chargeId));
}

describe('the bank refuses or does not answer (low-risk path)', () => {
  it('a declined debit: 422 CHARGE_DECLINED, the charge FAILED, the wallet and the bank unchanged; a replay answers the same', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    await bankFaults({ debitDeclines: 1 });
    const key = newKey();
    const res = await postCharge(w, 3_000, { key });
    expectError(res, 422, 'CHARGE_DECLINED');
    expect(res.body.error.details.reasons).toEqual(['BANK_DECLINED']);
    const chargeId = chargeIdFor(w.user.userId, key);
    expect((await getCharge(w, chargeId)).body).toEqual(expect.objectContaining({ status: 'FAILED', decision: { outcome: 'ALLOW', reasons: [] } }));
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    await expectSettled(w, chargeId, 3_000, 'FAILED');
    const replay = await postCharge(w, 3_000, { key });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: res.status, body: res.body });
    // Nothing is left armed: the next charge goes through.
    expect((await postCharge(w, 3_000)).status).toBe(201);
  });

  it('a debit that times out: 202 PROCESSING, and the workflow completes it; a replay then answers 201 COMPLETED', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    await bankFaults({ debitTimeouts: 1 });
    const key = newKey();
    const chargeId = chargeIdFor(w.user.userId, key);
    const res = await postCharge(w, 4_000, { key });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { chargeId, status: 'PROCESSING' } });
    await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
    await expectSettled(w, chargeId, 4_000, 'COMPLETED');
    expect(await walletBalance(w)).toBe(5_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 4_000);
    expect(await executionsOf(chargeId)).toEqual([expect.objectContaining({ name: `${chargeId}-x`, status: 'SUCCEEDED' })]);
    const replay = await postCharge(w, 4_000, { key });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: { chargeId, status: 'COMPLETED', balance: 5_000 } });
  });

  it('a debit whose reply is lost: the bank moved the money once, the retry finds it by the charge id, the charge completes exactly once', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    await bankFaults({ debitLostReplies: 1 });
    const key = newKey();
    const chargeId = chargeIdFor(w.user.userId, key);
    const res = await postCharge(w, 6_000, { key });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { chargeId, status: 'PROCESSING' } });
    await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
    await expectSettled(w, chargeId, 6_000, 'COMPLETED');
    expect(await walletBalance(w)).toBe(7_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 6_000);
  });
});

describe('the bank does not answer (workflow path)', () => {
  it('a lost reply after the SMS confirmation: DebitBank retries and the charge completes exactly once', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, code } = await challenged(w, 8_000);
    await bankFaults({ debitLostReplies: 1 });
    expect((await confirmCharge(w, chargeId, code)).status).toBe(200);
    await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
    await expectSettled(w, chargeId, 8_000, 'COMPLETED');
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 8_000);
  });

  it('a declined debit after the SMS confirmation: the charge FAILED, nothing moved', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, code } = await challenged(w, 8_000);
    await bankFaults({ debitDeclines: 1 });
    expect((await confirmCharge(w, chargeId, code)).status).toBe(200);
    await waitForStatus(w, chargeId, 'FAILED', 30_000);
    await expectSettled(w, chargeId, 8_000, 'FAILED');
    expect(await bankMovesOf(w.account, chargeId)).toEqual([]);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    expect(await walletBalance(w)).toBe(0);
  });
});

describe('a crash between the debit and the credit', () => {
  it('low-risk path: the call fails with 5xx; after 2 minutes the sweeper resumes it and it completes: debited once, credited once', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    await crashPoints({ afterDebit: 1 });
    const key = newKey();
    const chargeId = chargeIdFor(w.user.userId, key);
    const res = await postCharge(w, 7_000, { key });
    expect(res.status).toBeGreaterThanOrEqual(500);
    // The money left the bank and is not in the wallet yet: the charge is still moving, which reconciliation knows.
    expect((await getCharge(w, chargeId)).body.status).toBe('PROCESSING');
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 7_000);
    const report = (await api('GET', '/local/reconcile')).body;
    expect(report.inFlight).toContain(chargeId);
    expect(report.differences.filter((d: { key: string }) => d.key === chargeId)).toEqual([]);

    await advanceClock(121, { sweep: false });
    const sweep = await runSweeper();
    expect(sweep.resumed).toContain(chargeId);
    await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
    await expectSettled(w, chargeId, 7_000, 'COMPLETED');
    expect(await walletBalance(w)).toBe(8_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 7_000);
    // The client's retry with the same key gets the final answer.
    const replay = await postCharge(w, 7_000, { key });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: { chargeId, status: 'COMPLETED', balance: 8_000 } });
  });

  it('low-risk path, crash just before the credit: resumed by the sweeper, completed once', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    await crashPoints({ beforeCredit: 1 });
    const key = newKey();
    const chargeId = chargeIdFor(w.user.userId, key);
    expect((await postCharge(w, 2_000, { key })).status).toBeGreaterThanOrEqual(500);
    await advanceClock(121, { sweep: false });
    await runSweeper();
    await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
    await expectSettled(w, chargeId, 2_000, 'COMPLETED');
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 2_000);
  });

  it('ten sweeps at once resume the same stuck charge: it still completes exactly once and is never also refunded (3 rounds)', async () => {
    // The executions they start race each other; one that reaches the credit after another completed
    // the charge must not take that for a failure and reverse the debit.
    for (let round = 0; round < 3; round++) {
      const w = await readyWallet();
      const bankBefore = (await bankAccount(w.account)).balance;
      await crashPoints({ afterDebit: 1 });
      const key = newKey();
      const chargeId = chargeIdFor(w.user.userId, key);
      expect((await postCharge(w, 9_000, { key })).status).toBeGreaterThanOrEqual(500);
      await advanceClock(121, { sweep: false });
      const sweeps = await Promise.all(Array.from({ length: 10 }, () => runSweeper()));
      expect(sweeps.some((s) => s.resumed.includes(chargeId))).toBe(true);
      await waitForStatus(w, chargeId, 'COMPLETED', 60_000);
      await expectSettled(w, chargeId, 9_000, 'COMPLETED');
      expect({ round, wallet: await walletBalance(w), bank: (await bankAccount(w.account)).balance }).toEqual({ round, wallet: 10_000, bank: bankBefore - 9_000 });
    }
  });

  it('workflow path, crash before the credit: the saga compensates: the debit is reversed and the charge FAILED', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, code } = await challenged(w, 9_000);
    await crashPoints({ beforeCredit: 1 });
    expect((await confirmCharge(w, chargeId, code)).status).toBe(200);
    await waitForStatus(w, chargeId, 'FAILED', 60_000);
    await expectSettled(w, chargeId, 9_000, 'FAILED');
    expect((await bankMovesOf(w.account, chargeId)).map((m) => m.kind).sort()).toEqual(['DEBIT', 'REVERSAL']);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    expect(await walletBalance(w)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf(chargeId)).toEqual([expect.objectContaining({ name: `${chargeId}-1`, status: 'SUCCEEDED' })]);
    // A failed charge gives its day-limit reservation back.
    expect((await postCharge(w, 500_000)).status).toBe(202);
  });
});

describe('money', () => {
  it('after this file, the banks and the ledger agree (GET /local/reconcile: no differences)', async () => {
    expect((await reconcileReport()).differences).toEqual([]);
  });
});
