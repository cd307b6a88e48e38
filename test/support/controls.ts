/**
 * Helpers for the controls tests (issue 10): the ways a wallet is stopped (ops freeze,
 * not-me report, link-abuse strikes, bank switch-off, unlink), and the money facts of a
 * charge on both sides (bank moves and ledger entries), so a test can say "no money
 * moved" or "debited once and credited once" without trusting the charge's status.
 */
import { randomInt } from 'node:crypto';
import { api, openBankAccount, smsTo, type ApiResponse, type TestUser } from './api';
import { bankMovesOf, eventually, getCharge, linkedWallet, opsAuth, type LinkedWallet } from './charges';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const FINAL = ['COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];
/** Statuses in which a charge has not been debited and must not be any more. */
export const STOPPED = ['DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];

export async function opsApi(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return api(method, path, { token: await opsAuth(), body });
}

export const walletStatus = async (user: TestUser): Promise<string> => (await api('GET', '/v1/me', { token: user.token })).body.status;

// ---------------------------------------------------------------- the ways a wallet is stopped

export async function opsFreeze(w: LinkedWallet, reason = 'controls test freeze'): Promise<ApiResponse> {
  return opsApi('POST', `/v1/ops/users/${w.user.userId}/freeze`, { reason });
}

export async function opsUnfreeze(w: LinkedWallet, reason = 'controls test unfreeze'): Promise<ApiResponse> {
  return opsApi('POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason });
}

/** The not-me token from the newest bank notice to the holder that carries one. */
export async function notMeToken(w: LinkedWallet): Promise<string> {
  const notices = (await smsTo(w.account.holderPhone)).map((m) => m.body).filter((b) => /token=/.test(b));
  if (!notices.length) throw new Error(`no not-me notice reached ${w.account.holderPhone}`);
  return /token=([\w.-]+)/.exec(notices[notices.length - 1])![1];
}

export async function reportNotMe(w: LinkedWallet): Promise<ApiResponse> {
  return api('POST', '/v1/reports/not-me', { body: { token: await notMeToken(w) } });
}

/**
 * Three failed bank authorizations by the wallet (made-up authorization codes on
 * three fresh accounts): the link-abuse rule freezes it on the third.
 */
export async function linkAbuseFreeze(w: LinkedWallet): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    const account = await openBankAccount({ bankCode: w.account.bankCode });
    const created = await api('POST', '/v1/me/bank-links', { token: w.user.token, body: { bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
    if (created.status !== 201) throw new Error(`link attempt ${i}: ${created.status} ${JSON.stringify(created.body)}`);
    const auth = await api('POST', `/v1/me/bank-links/${created.body.linkId}/authorization`, { token: w.user.token, body: { authorizationCode: `made-up-${i}` } });
    if (auth.status !== 422) throw new Error(`link attempt ${i} was meant to fail: ${auth.status} ${JSON.stringify(auth.body)}`);
  }
  const status = await walletStatus(w.user);
  if (status !== 'FROZEN') throw new Error(`three failed link attempts left the wallet ${status}`);
}

/**
 * A bank of its own for one test (created by the ops switch, which creates unknown banks),
 * so switching it off never touches the seeded banks other test files charge through.
 */
export async function freshBank(): Promise<string> {
  for (;;) {
    const code = String(randomInt(2000, 9000)).padStart(4, '0');
    const existing = (await opsApi('GET', '/v1/ops/banks')).body.items as { bankCode: string }[];
    if (existing.some((b) => b.bankCode === code)) continue;
    const res = await opsApi('PUT', `/v1/ops/banks/${code}`, { linkingEnabled: true, chargingEnabled: true });
    if (res.status !== 200) throw new Error(`creating bank ${code}: ${res.status} ${JSON.stringify(res.body)}`);
    return code;
  }
}

export async function switchBank(bankCode: string, chargingEnabled: boolean): Promise<ApiResponse> {
  return opsApi('PUT', `/v1/ops/banks/${bankCode}`, { linkingEnabled: true, chargingEnabled });
}

export async function unlink(w: LinkedWallet): Promise<ApiResponse> {
  return api('DELETE', `/v1/me/bank-links/${w.linkId}`, { token: w.user.token });
}

// ---------------------------------------------------------------- the money of a charge

export async function ledgerEntriesOf(user: TestUser, chargeId: string): Promise<{ type: string; amount: number; chargeId?: string }[]> {
  const found: { type: string; amount: number; chargeId?: string }[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await api('GET', `/v1/me/transactions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: user.token });
    if (res.status !== 200) throw new Error(`transactions: ${res.status} ${JSON.stringify(res.body)}`);
    found.push(...(res.body.items as { type: string; amount: number; chargeId?: string }[]).filter((i) => i.chargeId === chargeId));
    cursor = res.body.nextCursor;
  } while (cursor);
  return found;
}

export interface MoneyFacts {
  status: string;
  debits: number;
  reversals: number;
  /** Wallet credits (ledger entries of the charge with a positive amount). */
  credits: number;
}

export async function moneyOf(w: LinkedWallet, chargeId: string): Promise<MoneyFacts> {
  const [view, moves, entries] = await Promise.all([getCharge(w, chargeId), bankMovesOf(w.account, chargeId), ledgerEntriesOf(w.user, chargeId)]);
  return {
    status: view.body?.status,
    debits: moves.filter((m) => m.kind === 'DEBIT').length,
    reversals: moves.filter((m) => m.kind === 'REVERSAL').length,
    credits: entries.filter((e) => e.amount > 0).length,
  };
}

/** Every workflow execution of the charge has ended: a late one must not change the outcome after the test looked. */
export async function executionsEnded(chargeId: string, timeoutMs = 30_000): Promise<void> {
  await eventually(`the executions of ${chargeId} to end`, async () => {
    const res = await api('GET', '/local/workflow/executions');
    const mine = (res.body.executions as { name: string; status: string }[]).filter((e) => e.name.startsWith(chargeId));
    return mine.some((e) => e.status === 'RUNNING') ? undefined : true;
  }, timeoutMs);
}

/**
 * Waits until the charge is final (at most `timeoutMs`) and then until its executions ended;
 * returns its money facts. A charge still waiting after `timeoutMs` is returned as it is.
 */
export async function settledMoney(w: LinkedWallet, chargeId: string, timeoutMs = 20_000): Promise<MoneyFacts> {
  const deadline = Date.now() + timeoutMs;
  let final = false;
  while (!final && Date.now() < deadline) {
    final = FINAL.includes((await getCharge(w, chargeId)).body?.status);
    if (!final) await sleep(200);
  }
  // An execution left running is reported by the tests that care (runningExecutions), not here.
  if (final) await executionsEnded(chargeId, 10_000).catch(() => undefined);
  return moneyOf(w, chargeId);
}

/** The names of the charge's workflow executions still running. */
export async function runningExecutions(chargeId: string): Promise<string[]> {
  const res = await api('GET', '/local/workflow/executions');
  return (res.body.executions as { name: string; status: string }[]).filter((e) => e.name.startsWith(chargeId) && e.status === 'RUNNING').map((e) => e.name);
}

/** No money moved for this charge: no debit (or a debit reversed), no wallet credit. */
export function expectNoMoney(facts: MoneyFacts) {
  expect({ credits: facts.credits, netDebits: facts.debits - facts.reversals }).toEqual({ credits: 0, netDebits: 0 });
}

/** A charge stopped by a control: CANCELLED with no debit, or (debited before the stop) reversed. */
export function expectStopped(facts: MoneyFacts) {
  expectNoMoney(facts);
  if (facts.debits === 0) expect(facts.status).toBe('CANCELLED');
  else expect(['CANCELLED', 'FAILED']).toContain(facts.status);
}

/** The money invariant every charge must hold once settled: completed exactly once, or nothing net moved. */
export function expectMoneyInvariant(facts: MoneyFacts) {
  if (facts.status === 'COMPLETED') expect(facts).toEqual({ status: 'COMPLETED', debits: 1, reversals: 0, credits: 1 });
  else {
    expect(facts.debits).toBeLessThanOrEqual(1);
    expectNoMoney(facts);
  }
}

// ---------------------------------------------------------------- the audit trail

/** One line of `GET /v1/ops/audit`, as the ops use case answers it. */
export type { AuditItem } from '../../functions/app/ops-audit';
import type { AuditItem } from '../../functions/app/ops-audit';

export async function auditOf(userId: string): Promise<AuditItem[]> {
  const res = await opsApi('GET', `/v1/ops/audit?userId=${userId}`);
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}

/** When the charge became COMPLETED, by its own history in the audit trail. */
export async function completedAt(userId: string, chargeId: string): Promise<number | undefined> {
  const item = (await auditOf(userId)).find((i) => i.action === 'CHARGE_COMPLETED' && i.details?.chargeId === chargeId);
  return item ? Date.parse(item.at) : undefined;
}

/** A linked wallet at a bank of the test's own. */
export async function walletAtFreshBank(): Promise<{ w: LinkedWallet; bankCode: string }> {
  const bankCode = await freshBank();
  return { w: await linkedWallet({ bankCode }), bankCode };
}

/** Runs `tasks` at most `width` at a time. */
export async function bounded<T>(items: T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  });
  await Promise.all(workers);
}

/** The code of the newest charge SMS naming this amount (unique amounts tell a wallet's charges apart). */
export async function codeFor(phone: string, amount: number): Promise<string> {
  const needle = `JPY ${amount.toLocaleString('en-US')} `;
  const messages = await smsTo(phone);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = /\b(\d{6})\b/.exec(messages[i].body);
    if (m && messages[i].body.includes(needle)) return m[1];
  }
  throw new Error(`no charge code for ${needle} was sent to ${phone}`);
}

/** Runs `first` and `second` concurrently, each after its own delay (ms): one interleaving of a race. */
export async function race<A, B>(first: () => Promise<A>, second: () => Promise<B>, [d1, d2]: [number, number]): Promise<[A, B]> {
  return Promise.all([sleep(d1).then(first), sleep(d2).then(second)]);
}

/** The interleavings each race test tries: together, each side a little ahead, and the step clearly after the control. */
export const RACE_OFFSETS: [number, number][] = [[0, 0], [0, 5], [5, 0], [0, 30], [30, 0], [0, 100]];

/**
 * How far a recorded time may trail the write it belongs to (the service stamps a time,
 * then writes): a charge completed before a control may carry a stamp this much later.
 */
export const STAMP_SLACK_MS = 100;
