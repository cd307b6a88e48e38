/**
 * Charge helpers for the integration tests: a linked wallet, a wallet whose device is
 * trusted and whose link has a confirmed charge (so small charges are ALLOW), the
 * local controls (clock, sweeper, faults) and bounded polling.
 */
import { randomUUID } from 'node:crypto';
import type { ReconcileReport } from '../../functions/domain/reconcile';
import { api, lastCode, linkAccount, newStaff, openBankAccount, opsToken, verifiedUser, type ApiResponse, type TestAccount, type TestUser } from './api';

export interface LinkedWallet {
  user: TestUser;
  account: TestAccount;
  linkId: string;
  /** The X-Device-Id this wallet's charges send. */
  deviceId: string;
}

export const newKey = (tag = 'k') => `${tag}-${randomUUID()}`;

export function expectError(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), requestId: expect.any(String) }));
}

/** The holder's window (RISK_POLICY.hold.holderWindowHours) and a minute, in seconds. */
export const HOLDER_WINDOW_SECONDS = 72 * 3600 + 60;

/**
 * A verified user with an ACTIVE link to a fresh bank account (1,000,000 yen unless told), opened on
 * the device its charges send. The holder's bank-registered phone is the wallet phone (the bank attests
 * it: the fast lane, no holder window) unless `attested: false`, when the holder has a phone of their own.
 * A `young` link is unattested unless told and kept inside its holder window, so its charges are held;
 * an unattested link that is not `young` has the service clock moved past its window. Either way the
 * link is still unvetted, so its 30-day exposure cap applies.
 */
export async function linkedWallet(options: { balance?: number; bankCode?: string; attested?: boolean; young?: boolean } = {}): Promise<LinkedWallet> {
  const attested = options.attested ?? !options.young;
  const deviceId = `dev-${randomUUID()}`;
  const user = await verifiedUser(undefined, { deviceId });
  const account = await openBankAccount({ balance: options.balance ?? 1_000_000, bankCode: options.bankCode, holderPhone: attested ? user.phone : undefined });
  const linkId = await linkAccount(user, account);
  if (!attested && !options.young) await advanceClock(HOLDER_WINDOW_SECONDS);
  return { user, account, linkId, deviceId };
}

export function postCharge(w: LinkedWallet, amount: unknown, options: { key?: string; deviceId?: string | null; linkId?: string; token?: string } = {}) {
  const headers: Record<string, string> = { 'idempotency-key': options.key ?? newKey() };
  const device = options.deviceId === undefined ? w.deviceId : options.deviceId;
  if (device !== null) headers['x-device-id'] = device;
  return api('POST', '/v1/me/charges', { token: options.token ?? w.user.token, headers, body: { linkId: options.linkId ?? w.linkId, amount } });
}

export function confirmCharge(w: LinkedWallet, chargeId: string, code: string, options: { deviceId?: string | null } = {}) {
  const device = options.deviceId === undefined ? w.deviceId : options.deviceId;
  return api('POST', `/v1/me/charges/${chargeId}/confirmation`, { token: w.user.token, body: { code }, headers: device === null ? {} : { 'x-device-id': device } });
}

export const getCharge = (w: LinkedWallet, chargeId: string) => api('GET', `/v1/me/charges/${chargeId}`, { token: w.user.token });

export async function walletBalance(w: LinkedWallet): Promise<number> {
  const res = await api('GET', '/v1/me/wallet', { token: w.user.token });
  expect(res.status).toBe(200);
  return res.body.balance;
}

export interface BankMove {
  kind: 'DEBIT' | 'CREDIT' | 'REVERSAL' | 'VOID';
  idempotencyKey: string;
  amount: number;
}

export async function bankAccount(account: TestAccount): Promise<{ balance: number; moves: BankMove[] }> {
  const res = await api('GET', `/local/bank/accounts/${account.bankCode}/${account.branchCode}/${account.accountNumber}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The bank-side moves of one charge, by the idempotency keys the wallet uses for it. */
export async function bankMovesOf(account: TestAccount, chargeId: string): Promise<BankMove[]> {
  return (await bankAccount(account)).moves.filter((m) => m.idempotencyKey === chargeId || m.idempotencyKey === `reversal:${chargeId}`);
}

/** A code that is certainly not `code`. */
export const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** Polls until `check` returns a value, at most `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls GET /v1/me/charges/{id} until the charge is in one of `statuses`; returns its view. */
export async function waitForStatus(w: LinkedWallet, chargeId: string, statuses: string | string[], timeoutMs = 30_000) {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  const deadline = Date.now() + timeoutMs;
  let last: ApiResponse | undefined;
  while (Date.now() <= deadline) {
    last = await getCharge(w, chargeId);
    if (last.status === 200 && wanted.includes(last.body.status)) return last.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`charge ${chargeId} did not reach ${wanted.join('/')} in ${timeoutMs} ms; last: ${last?.status} ${JSON.stringify(last?.body)}`);
}

/**
 * A challenged charge: POST (202), then the SMS code from the wallet phone. The wallet's own device
 * is trusted (it verified the phone), so unless the caller names a device, a charge of up to 10,000
 * comes from a device the wallet has not seen (NEW_DEVICE; above 10,000 such a device's yen would go
 * to a human, NEW_DEVICE_EXPOSURE); from 50,000 the amount itself asks for a code (AMOUNT_OVER_CHALLENGE).
 */
export async function challenged(w: LinkedWallet, amount: number, options: { key?: string; deviceId?: string | null } = {}): Promise<{ chargeId: string; code: string }> {
  const deviceId = options.deviceId !== undefined ? options.deviceId : amount <= 10_000 ? `dev-${randomUUID()}` : undefined;
  const res = await postCharge(w, amount, { ...options, ...(deviceId !== undefined ? { deviceId } : {}) });
  expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { chargeId: expect.any(String), status: 'PENDING_CONFIRMATION' } });
  return { chargeId: res.body.chargeId, code: await lastCode(w.user.phone) };
}

/**
 * A linked wallet whose device is trusted (it verified the phone) and whose link the bank attested,
 * so small charges from it are ALLOW; its first charge (`firstAmount`) is completed.
 */
export async function readyWallet(options: { balance?: number; firstAmount?: number; bankCode?: string } = {}): Promise<LinkedWallet> {
  const w = await linkedWallet(options);
  const first = await postCharge(w, options.firstAmount ?? 1_000);
  if (first.status === 202) expect((await confirmCharge(w, first.body.chargeId, await lastCode(w.user.phone))).status).toBe(200);
  else expect(first.status).toBe(201);
  await waitForStatus(w, first.body.chargeId, 'COMPLETED');
  return w;
}

// ---------------------------------------------------------------- local controls

/** Moves the service clock; the sweeper runs as the cloud's schedule would have, unless `sweep: false` (a test that runs it itself). */
export async function advanceClock(seconds: number, options: { sweep?: boolean } = {}): Promise<void> {
  const res = await api('POST', '/local/clock', { body: { advanceSeconds: seconds, ...(options.sweep === false ? { sweep: false } : {}) } });
  expect(res.status).toBe(200);
}

export async function runSweeper(): Promise<{ examined: number; expired: string[]; resumed: string[] }> {
  const res = await api('POST', '/local/sweeper/run');
  expect(res.status).toBe(200);
  return res.body;
}

export async function bankFaults(faults: { debitTimeouts?: number; debitLostReplies?: number; debitDeclines?: number }): Promise<void> {
  const res = await api('POST', '/local/bank/faults', { body: faults });
  expect(res.status).toBe(200);
}

export async function crashPoints(faults: { afterDebit?: number; beforeCredit?: number }): Promise<void> {
  const res = await api('POST', '/local/faults', { body: faults });
  expect(res.status).toBe(200);
}

/** Disarms every fault, so one test's unused fault never hits the next. */
export async function clearFaults(): Promise<void> {
  await bankFaults({ debitTimeouts: 0, debitLostReplies: 0, debitDeclines: 0 });
  await crashPoints({ afterDebit: 0, beforeCredit: 0 });
}

// ---------------------------------------------------------------- reviews

export interface ReviewItem {
  caseId: string;
  chargeId: string;
  userId: string;
  amount: number;
  reasons: string[];
  createdAt: string;
  dueAt: string;
}

let ops: string | undefined;
export async function opsAuth(): Promise<string> {
  ops ??= await opsToken();
  return ops;
}

export async function openReviews(): Promise<ReviewItem[]> {
  const res = await api('GET', '/v1/ops/reviews?status=OPEN', { token: await opsAuth() });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Waits until the workflow has opened the charge's review case. */
export async function waitForCase(chargeId: string, timeoutMs = 30_000): Promise<ReviewItem> {
  return eventually(`a review case for ${chargeId}`, async () => (await openReviews()).find((c) => c.chargeId === chargeId), timeoutMs);
}

let checker: Promise<{ token: string }> | undefined;
/** A second member of staff, for the second approval of large charges. */
export function checkerAuth(): Promise<{ token: string }> {
  checker ??= newStaff('checker');
  return checker;
}

/** Decides a case; an APPROVE that waits for its second approver (202) is approved by a second member of staff. */
export async function decideReview(caseId: string, decision: 'APPROVE' | 'REJECT', extra: { note?: string; freezeUser?: boolean; trustLink?: boolean } = {}) {
  const trust = extra.trustLink !== undefined ? { trustLink: extra.trustLink } : {};
  const body = { decision, note: extra.note ?? `test ${decision}`, ...(extra.freezeUser !== undefined ? { freezeUser: extra.freezeUser } : {}), ...trust };
  const first = await api('POST', `/v1/ops/reviews/${caseId}/decision`, { token: await opsAuth(), body });
  if (first.status !== 202) return first;
  return api('POST', `/v1/ops/reviews/${caseId}/decision`, { token: (await checkerAuth()).token, body: { decision, note: body.note, ...trust } });
}

/** A charge confirmed by SMS and waiting for a human: returns its open case. */
export async function pendingReview(w: LinkedWallet, amount: number): Promise<{ chargeId: string; review: ReviewItem }> {
  const { chargeId, code } = await challenged(w, amount);
  const res = await confirmCharge(w, chargeId, code);
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { chargeId, status: 'PENDING_REVIEW' } });
  return { chargeId, review: await waitForCase(chargeId) };
}

// ---------------------------------------------------------------- reconciliation

export type { ReconcileReport } from '../../functions/domain/reconcile';

/**
 * The banks' statements against the ledger (GET /local/reconcile). A difference the saga
 * is still settling may show for a moment, so this waits up to `settleMs` for none; what
 * stays is printed and returned.
 */
export async function reconcileReport(settleMs = 15_000): Promise<ReconcileReport> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const res = await api<ReconcileReport>('GET', '/local/reconcile');
    expect(res.status).toBe(200);
    if (res.body.differences.length === 0 || Date.now() > deadline) {
      if (res.body.differences.length) console.error(`reconciliation differences:\n${JSON.stringify(res.body.differences, null, 2)}`);
      return res.body;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
