/**
 * Helpers of the hardening suites (fuzzing, authorization matrix, concurrency,
 * faults): wallets that can make low-risk charges, the local controls, bounded
 * polling, and snapshots of everything a caller or ops can observe, so a test can
 * say "this refused request changed nothing".
 */
import { randomUUID } from 'node:crypto';
import { api, linkAccount, openBankAccount, smsTo, verifiedUser, type ApiResponse, type TestAccount, type TestUser } from './api';
import { bankAccount, type BankMove } from './charges';

export { bankAccount, type BankMove };

export interface ReadyWallet {
  user: TestUser;
  account: TestAccount;
  linkId: string;
  /** The trusted device: charges from it under the thresholds are ALLOW. */
  deviceId: string;
  /** The confirmed first charge that trusted the device and the link. */
  firstChargeId: string;
  firstAmount: number;
}

export const newKey = (tag = 'k') => `${tag}-${randomUUID()}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The contract's error body: {error: {code, message, requestId}}. Returns a description of what is wrong, or undefined. */
export function errorShapeProblem(res: ApiResponse): string | undefined {
  const e = (res.body as { error?: Record<string, unknown> } | undefined)?.error;
  if (!e || typeof e !== 'object') return `no error object in ${JSON.stringify(res.body)?.slice(0, 300)}`;
  if (typeof e.code !== 'string' || !/^[A-Z][A-Z_]*$/.test(e.code)) return `bad code ${JSON.stringify(e.code)}`;
  if (typeof e.message !== 'string' || e.message === '') return `bad message ${JSON.stringify(e.message)}`;
  if (typeof e.requestId !== 'string' || e.requestId === '') return `bad requestId ${JSON.stringify(e.requestId)}`;
  return undefined;
}

/** Polls until `check` returns a value; throws after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- local controls ----

/** Moves the service clock (the sweeper runs as the cloud's schedule would have, unless `sweep: false`). */
export const advanceClock = async (seconds: number, options: { sweep?: boolean } = {}) =>
  expectOk(await api('POST', '/local/clock', { body: { advanceSeconds: seconds, ...(options.sweep === false ? { sweep: false } : {}) } }));
export const runSweeper = async () => expectOk(await api('POST', '/local/sweeper/run'));
export const armFaults = async (faults: { afterDebit?: number; beforeCredit?: number; dynamoThrottles?: number }) => expectOk(await api('POST', '/local/faults', { body: faults }));
export const armBankFaults = async (faults: { debitTimeouts?: number; debitLostReplies?: number; debitDeclines?: number }) =>
  expectOk(await api('POST', '/local/bank/faults', { body: faults }));

function expectOk(res: ApiResponse) {
  if (res.status !== 200) throw new Error(`local control failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Reconciliation {
  bankDebits: number;
  bankReversals: number;
  bankCredits: number;
  ledgerCredits: number;
  inFlight: string[];
  differences: { kind: string; key: string; detail: string }[];
}

export async function reconcile(): Promise<Reconciliation> {
  return expectOk(await api('GET', '/local/reconcile'));
}

/** Waits until no charge is between its debit and its credit (runs the sweeper meanwhile), then reconciles. */
export async function settledReconciliation(timeoutMs = 60_000): Promise<Reconciliation> {
  let last: Reconciliation | undefined;
  try {
    return await eventually('charges in flight to settle', async () => {
      last = await reconcile();
      if (last.inFlight.length === 0) return last;
      await runSweeper();
      return undefined;
    }, timeoutMs, 500);
  } catch (e) {
    throw new Error(`${(e as Error).message}; still in flight: ${JSON.stringify(last?.inFlight)}; differences: ${JSON.stringify(last?.differences)}`, { cause: e });
  }
}

/** Net yen the bank took for one charge: its debit minus any reversal. */
export function netDebit(moves: BankMove[], chargeId: string): number {
  let net = 0;
  for (const m of moves) {
    if (m.kind === 'DEBIT' && m.idempotencyKey === chargeId) net += m.amount;
    if (m.kind === 'REVERSAL' && m.idempotencyKey === `reversal:${chargeId}`) net -= m.amount;
  }
  return net;
}

// ---- wallets and charges ----

export function postCharge(w: { user: TestUser; linkId: string; deviceId: string }, amount: number, key = newKey(), extraHeaders: Record<string, string> = {}) {
  return api('POST', '/v1/me/charges', { token: w.user.token, headers: { 'idempotency-key': key, 'x-device-id': w.deviceId, ...extraHeaders }, body: { linkId: w.linkId, amount } });
}

export const getCharge = (w: { user: TestUser }, chargeId: string) => api('GET', `/v1/me/charges/${chargeId}`, { token: w.user.token });

export function confirmCharge(w: { user: TestUser; deviceId: string }, chargeId: string, code: string) {
  return api('POST', `/v1/me/charges/${chargeId}/confirmation`, { token: w.user.token, headers: { 'x-device-id': w.deviceId }, body: { code } });
}

/** The code of the newest charge SMS that names this amount (amounts tell a wallet's charges apart). */
export async function chargeCode(phone: string, amount: number): Promise<string> {
  // 「【あんしんウォレット】5,000円チャージ（口座****567から）の認証コード：123456。…」
  const needle = `】${amount.toLocaleString('en-US')}円チャージ`;
  const messages = await smsTo(phone);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = /チャージ（[^）]*）の認証コード：(\d{6})/.exec(messages[i].body);
    if (m && messages[i].body.includes(needle)) return m[1];
  }
  throw new Error(`no charge code for ${needle} was sent to ${phone}`);
}

const FINAL = ['COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];

/** Polls a charge until its status is one of `statuses`. */
export async function chargeReaches(w: { user: TestUser }, chargeId: string, statuses: string[], timeoutMs = 45_000): Promise<Record<string, any>> {
  let seen = '';
  try {
    return await eventually(`charge ${chargeId} to reach ${statuses.join('/')}`, async () => {
      const res = await getCharge(w, chargeId);
      seen = `${res.status} ${res.body?.status}`;
      return res.status === 200 && statuses.includes(res.body.status) ? res.body : undefined;
    }, timeoutMs, 250);
  } catch (e) {
    throw new Error(`${(e as Error).message} (last seen ${seen})`, { cause: e });
  }
}

/**
 * A verified user with an ACTIVE link past its holder window and a confirmed, completed first
 * charge from `deviceId` (the device it was opened on, trusted: ALLOW): its next charges from that device
 * under 50,000 yen are ALLOW, until three charges fall within one hour or the link's 30-day
 * exposure would pass 100,000 (the link is still young).
 */
export async function readyWallet(options: { balance?: number; firstAmount?: number } = {}): Promise<ReadyWallet> {
  // Opened on the device it charges from, its holder's bank phone the wallet phone (the bank attests it).
  const deviceId = `dev-${randomUUID()}`;
  const user = await verifiedUser(undefined, { deviceId });
  const account = await openBankAccount({ balance: options.balance ?? 1_000_000, holderPhone: user.phone });
  const linkId = await linkAccount(user, account);
  const w = { user, account, linkId, deviceId };
  const firstAmount = options.firstAmount ?? 1_000;
  const first = await postCharge(w, firstAmount);
  if (first.status !== 202 && first.status !== 201) throw new Error(`first charge: ${first.status} ${JSON.stringify(first.body)}`);
  if (first.status === 202) {
    const confirmed = await confirmCharge(w, first.body.chargeId, await chargeCode(user.phone, firstAmount));
    if (confirmed.status !== 200) throw new Error(`first charge confirmation: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  }
  const done = await chargeReaches(w, first.body.chargeId, FINAL);
  if (done.status !== 'COMPLETED') throw new Error(`first charge ended ${done.status}`);
  return { ...w, firstChargeId: first.body.chargeId, firstAmount };
}

export async function walletBalance(user: TestUser): Promise<number> {
  const res = await api('GET', '/v1/me/wallet', { token: user.token });
  if (res.status !== 200) throw new Error(`wallet: ${res.status}`);
  return res.body.balance;
}

/** Every ledger entry of the wallet, following the cursor. */
export async function allTransactions(user: TestUser): Promise<{ entryId: string; type: string; amount: number; balanceAfter: number; chargeId?: string }[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const res = await api('GET', `/v1/me/transactions${q}`, { token: user.token });
    if (res.status !== 200) throw new Error(`transactions: ${res.status}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

// ---- snapshots of observable state ----

export interface Observer {
  user: TestUser;
  opsToken: string;
  account?: TestAccount;
}

/** Cheap: what ops see of one user (status, balance, links, charges) and the user's bank account. */
export async function userSnapshot(o: Observer): Promise<unknown> {
  const [view, bank] = await Promise.all([
    api('GET', `/v1/ops/users/${o.user.userId}`, { token: o.opsToken }),
    o.account ? bankAccount(o.account) : Promise.resolve(undefined),
  ]);
  return { view: { status: view.status, body: view.body }, bank };
}

/**
 * Everything the brief counts as observable: the caller's own reads, the ops queues
 * and switches, and the reconciliation counts. Read twice in a row it must be equal.
 */
export async function fullSnapshot(o: Observer): Promise<Record<string, unknown>> {
  const get = async (path: string, token?: string) => {
    const res = await api('GET', path, { token });
    // The service's clock (e.g. the review queue's `now`) moves by itself: it is not state.
    const { now: _now, ...body } = (res.body ?? {}) as Record<string, unknown>;
    return { status: res.status, body };
  };
  const [me, wallet, links, transactions, banks, reviews, compensations, recon, user] = await Promise.all([
    get('/v1/me', o.user.token),
    get('/v1/me/wallet', o.user.token),
    get('/v1/me/bank-links', o.user.token),
    get('/v1/me/transactions?limit=100', o.user.token),
    get('/v1/ops/banks', o.opsToken),
    get('/v1/ops/reviews?status=OPEN', o.opsToken),
    get('/v1/ops/compensations', o.opsToken),
    reconcile(),
    userSnapshot(o),
  ]);
  const { inFlight: _inFlight, ...counts } = recon;
  return { me, wallet, links, transactions, banks, reviews, compensations, reconcile: counts, user };
}
