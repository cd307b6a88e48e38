/**
 * POST /v1/me/charges and the wallet over HTTP against the local stack: the low-risk
 * path that completes inside the call, the wallet and its ledger, idempotency (replays,
 * reused keys, 20 concurrent duplicates), the limits, denials and validation.
 * Every test uses fresh wallets and bank accounts.
 */
import { chargeIdFor } from '../../functions/domain/charge';
import { api, badInput, linkAccount, openBankAccount, smsTo, verifiedUser, type TestUser } from '../support/api';
import {
  advanceClock,
  bankAccount,
  bankMovesOf,
  challenged,
  confirmCharge,
  expectError,
  getCharge,
  linkedWallet,
  type LinkedWallet,
  newKey,
  opsAuth,
  postCharge,
  readyWallet,
  reconcileReport,
  walletBalance,
} from '../support/charges';

jest.setTimeout(120_000);

const transactions = (user: TestUser, query = '') => api('GET', `/v1/me/transactions${query}`, { token: user.token });

describe('the low-risk path (ALLOW)', () => {
  it('201 COMPLETED with the new balance, inside the call; the charge shows its ALLOW decision; the bank is debited once', async () => {
    const w = await readyWallet({ firstAmount: 1_000 });
    const bankBefore = (await bankAccount(w.account)).balance;
    const key = newKey();
    const res = await postCharge(w, 2_500, { key });
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { chargeId: chargeIdFor(w.user.userId, key), status: 'COMPLETED', balance: 3_500 } });

    const view = await getCharge(w, res.body.chargeId);
    expect(view.status).toBe(200);
    expect(view.body).toEqual(
      expect.objectContaining({ chargeId: res.body.chargeId, status: 'COMPLETED', amount: 2_500, linkId: w.linkId, createdAt: expect.any(String), decision: { outcome: 'ALLOW', reasons: [] } }),
    );
    expect(await walletBalance(w)).toBe(3_500);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 2_500);
    expect(await bankMovesOf(w.account, res.body.chargeId)).toEqual([expect.objectContaining({ kind: 'DEBIT', amount: 2_500 })]);
  });

  it('the wallet and the ledger reflect each charge: newest first, signed amounts, running balanceAfter, chargeIds', async () => {
    const w = await readyWallet({ firstAmount: 1_000 });
    const first = (await transactions(w.user)).body.items[0].chargeId as string;
    const second = await postCharge(w, 2_000);
    const third = await postCharge(w, 3_000);
    expect([second.status, third.status]).toEqual([201, 201]);
    expect(third.body.balance).toBe(6_000);

    expect((await api('GET', '/v1/me/wallet', { token: w.user.token })).body).toEqual({ balance: 6_000, pending: 0, currency: 'JPY' });
    const res = await transactions(w.user);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items).toEqual([
      { entryId: expect.stringMatching(/^ent_/), type: 'CHARGE', amount: 3_000, balanceAfter: 6_000, chargeId: third.body.chargeId, createdAt: expect.any(String) },
      { entryId: expect.stringMatching(/^ent_/), type: 'CHARGE', amount: 2_000, balanceAfter: 3_000, chargeId: second.body.chargeId, createdAt: expect.any(String) },
      { entryId: expect.stringMatching(/^ent_/), type: 'CHARGE', amount: 1_000, balanceAfter: 1_000, chargeId: first, createdAt: expect.any(String) },
    ]);
    const times = res.body.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(res.body.items.map((i: { entryId: string }) => i.entryId)).size).toBe(3);
  });

  it('paginates with limit=1 and nextCursor, newest first, to the end; a tampered or foreign cursor is 400', async () => {
    const w = await readyWallet({ firstAmount: 1_000 });
    await postCharge(w, 2_000);
    await postCharge(w, 3_000);
    const seen: number[] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 6; page++) {
      const res = await transactions(w.user, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.items.map((i: { amount: number }) => i.amount));
      cursor = res.body.nextCursor;
      if (!cursor) break;
      cursors.push(cursor);
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual([3_000, 2_000, 1_000]);

    // A cursor edited to point into another user's ledger, garbage, and another user's own cursor.
    const decoded = JSON.parse(Buffer.from(cursors[0], 'base64url').toString());
    const other = await readyWallet({ firstAmount: 1_000 });
    await postCharge(other, 1_000);
    const foreign = (await transactions(other.user, '?limit=1')).body.nextCursor as string;
    expect(foreign).toBeTruthy();
    const tampered = [
      Buffer.from(JSON.stringify({ ...decoded, pk: `USER#${other.user.userId}` })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...decoded, extra: 1 })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...decoded, sk: 'PROFILE' })).toString('base64url'),
      `${cursors[0]}x`,
      'not-a-cursor',
      foreign,
    ];
    for (const bad of tampered) expectError(await transactions(w.user, `?limit=1&cursor=${encodeURIComponent(bad)}`), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => transactions(w.user, '?limit=0')), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => transactions(w.user, '?limit=101')), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => transactions(w.user, '?limit=abc')), 400, 'VALIDATION_ERROR');
  });

  it('a new wallet has balance 0 and no transactions', async () => {
    const user = await verifiedUser();
    expect((await api('GET', '/v1/me/wallet', { token: user.token })).body).toEqual({ balance: 0, pending: 0, currency: 'JPY' });
    expect((await transactions(user)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe('risk decisions over HTTP', () => {
  it('a device not seen before is challenged with an SMS to the wallet phone (a first charge on a link is not a reason of its own)', async () => {
    // A device other than the one the wallet was opened on.
    const w = { ...(await linkedWallet()), deviceId: `dev-${newKey()}` };
    const { chargeId, code } = await challenged(w, 1_000);
    expect(code).toMatch(/^\d{6}$/);
    expect((await getCharge(w, chargeId)).body.decision).toEqual({ outcome: 'CHALLENGE', reasons: ['NEW_DEVICE'] });
    expect((await confirmCharge(w, chargeId, code)).status).toBe(200);

    // Confirmed from this device: the next small charge is ALLOW; another device is still challenged.
    expect((await postCharge(w, 1_000)).status).toBe(201);
    const other = await postCharge(w, 1_000, { deviceId: 'another-device' });
    expect(other.status).toBe(202);
    expect((await getCharge(w, other.body.chargeId)).body.decision).toEqual({ outcome: 'CHALLENGE', reasons: ['NEW_DEVICE'] });
    const none = await postCharge(w, 1_000, { deviceId: null });
    expect(none.status).toBe(202);
  });

  it('velocity: with 3 charges in the last hour the next one goes to review', async () => {
    const w = await readyWallet();
    expect((await postCharge(w, 1_000)).status).toBe(201);
    expect((await postCharge(w, 1_000)).status).toBe(201);
    const fourth = await postCharge(w, 1_000);
    expect(fourth.status).toBe(202);
    expect((await getCharge(w, fourth.body.chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['HIGH_VELOCITY'] });
  });

  it('a young link: its 30-day exposure up to 100,000 needs no human, one yen more goes to review (YOUNG_LINK_EXPOSURE)', async () => {
    const w = await readyWallet(); // 1,000 charged
    expect((await postCharge(w, 49_999)).status).toBe(201);
    const big = await postCharge(w, 49_001); // 100,000 in all
    expect(big.status).toBe(201);
    await advanceClock(3_700); // a fresh hour: not velocity
    const over = await postCharge(w, 1);
    expect(over.status).toBe(202);
    expect((await getCharge(w, over.body.chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE'] });
  });

  it('an account that another wallet failed to link goes to review when its holder charges', async () => {
    const account = await openBankAccount();
    const attacker = await verifiedUser({ fullName: '佐藤 次郎', fullNameKana: 'サトウ ジロウ', dateOfBirth: '1980-02-02' });
    const started = await api('POST', '/v1/me/bank-links', { token: attacker.token, body: { bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
    expect(started.status).toBe(201);
    expectError(await api('POST', `/v1/me/bank-links/${started.body.linkId}/authorization`, { token: attacker.token, body: { authorizationCode: 'made-up' } }), 422, 'BANK_AUTHORIZATION_FAILED');

    const holder = await verifiedUser();
    const w: LinkedWallet = { user: holder, account, linkId: await linkAccount(holder, account), deviceId: 'holder-device' };
    const res = await postCharge(w, 1_000);
    expect(res.status).toBe(202);
    // Inside the link's holder window too: a human decides, so it is not held.
    expect((await getCharge(w, res.body.chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['ACCOUNT_FAILED_LINKS', 'NEW_DEVICE'] });
  });
});

describe('idempotency', () => {
  it('the same key and body replays the first answer (marked as a replay) and moves no more money', async () => {
    const w = await readyWallet();
    const key = newKey();
    const first = await postCharge(w, 4_000, { key });
    expect(first.status).toBe(201);
    const again = await postCharge(w, 4_000, { key });
    expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await walletBalance(w)).toBe(5_000);
    expect(await bankMovesOf(w.account, first.body.chargeId)).toHaveLength(1);
  });

  it('a challenged charge replays its 202 too', async () => {
    const w = await linkedWallet();
    const key = newKey();
    const deviceId = `dev-${newKey()}`; // a device the wallet has not seen: the charge waits for its code
    const first = await postCharge(w, 1_000, { key, deviceId });
    const again = await postCharge(w, 1_000, { key, deviceId });
    expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: first.body });
  });

  it('the same key with another amount or link is 409 IDEMPOTENCY_KEY_REUSED, and the first charge is untouched', async () => {
    const w = await readyWallet();
    const key = newKey();
    const first = await postCharge(w, 4_000, { key });
    expect(first.status).toBe(201);
    expectError(await postCharge(w, 4_001, { key }), 409, 'IDEMPOTENCY_KEY_REUSED');
    expectError(await postCharge(w, 4_000, { key, linkId: 'lnk_00000000-0000-0000-0000-000000000000' }), 409, 'IDEMPOTENCY_KEY_REUSED');
    expect((await getCharge(w, first.body.chargeId)).body).toEqual(expect.objectContaining({ status: 'COMPLETED', amount: 4_000 }));
    expect(await walletBalance(w)).toBe(5_000);
  });

  it('keys are per user: another user with the same key gets their own charge', async () => {
    const [a, b] = [await readyWallet(), await readyWallet()];
    const key = newKey();
    const ra = await postCharge(a, 2_000, { key });
    const rb = await postCharge(b, 3_000, { key });
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(ra.body.chargeId).not.toBe(rb.body.chargeId);
    expect([await walletBalance(a), await walletBalance(b)]).toEqual([3_000, 4_000]);
  });

  it('20 concurrent POSTs with one key and body: exactly one charge, all answers agree, the bank is debited once', async () => {
    // Two charges in the last hour already: a duplicate that counted its own twin would see three and go to review.
    const w = await readyWallet();
    expect((await postCharge(w, 1_000)).status).toBe(201);
    const bankBefore = (await bankAccount(w.account)).balance;
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 20 }, () => postCharge(w, 5_000, { key })));
    const chargeId = chargeIdFor(w.user.userId, key);
    for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 201, body: { chargeId, status: 'COMPLETED', balance: 7_000 } });
    expect((await getCharge(w, chargeId)).body.decision).toEqual({ outcome: 'ALLOW', reasons: [] });
    expect(await walletBalance(w)).toBe(7_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 5_000);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([expect.objectContaining({ kind: 'DEBIT', amount: 5_000 })]);
    const entries = (await transactions(w.user)).body.items.filter((i: { chargeId?: string }) => i.chargeId === chargeId);
    expect(entries).toHaveLength(1);
  });

  it('concurrent duplicates of a large charge: one decision (REVIEW, never a DAILY_LIMIT against its own twin), one day-limit reservation (4 rounds)', async () => {
    for (let round = 0; round < 4; round++) {
      const w = await linkedWallet();
      const key = newKey();
      const answers = await Promise.all(Array.from({ length: 20 }, () => postCharge(w, 300_000, { key })));
      const chargeId = chargeIdFor(w.user.userId, key);
      for (const a of answers) expect({ round, status: a.status, body: a.body }).toEqual({ round, status: 202, body: { chargeId, status: 'PENDING_CONFIRMATION' } });
      expect((await getCharge(w, chargeId)).body).toEqual(expect.objectContaining({ status: 'PENDING_CONFIRMATION', decision: expect.objectContaining({ outcome: 'REVIEW' }) }));
      // Reserved once: 200,001 more is over the day, 200,000 fits exactly.
      const over = await postCharge(w, 200_001);
      expectError(over, 422, 'LIMIT_EXCEEDED');
      expect(over.body.error.details.reasons).toEqual(['DAILY_LIMIT']);
      expect((await postCharge(w, 200_000)).status).toBe(202);
    }
  });
});

describe('limits and denials', () => {
  it('per charge: 500,001 is 422 LIMIT_EXCEEDED, stored as a DECLINED charge with its reasons; 500,000 is accepted', async () => {
    const w = await linkedWallet();
    const key = newKey();
    const res = await postCharge(w, 500_001, { key });
    expectError(res, 422, 'LIMIT_EXCEEDED');
    expect(res.body.error.details.reasons).toContain('PER_CHARGE_LIMIT');
    const stored = await getCharge(w, chargeIdFor(w.user.userId, key));
    expect(stored.body).toEqual(expect.objectContaining({ status: 'DECLINED', amount: 500_001, decision: { outcome: 'DENY', reasons: expect.arrayContaining(['PER_CHARGE_LIMIT']) } }));
    // A replay of the denial answers the same.
    expectError(await postCharge(w, 500_001, { key }), 422, 'LIMIT_EXCEEDED');
    expect((await postCharge(w, 500_000)).status).toBe(202);
  });

  it('per JST day, pending charges included: 300,000 waiting for its code, then 200,001 is refused and 200,000 fits', async () => {
    const w = await linkedWallet();
    const pending = await postCharge(w, 300_000);
    expect(pending.status).toBe(202);
    const over = await postCharge(w, 200_001);
    expectError(over, 422, 'LIMIT_EXCEEDED');
    expect(over.body.error.details.reasons).toEqual(['DAILY_LIMIT']);
    expect((await postCharge(w, 200_000)).status).toBe(202);
    expectError(await postCharge(w, 1), 422, 'LIMIT_EXCEEDED');
    expect(await walletBalance(w)).toBe(0);
  });

  it('a removed link: 422 CHARGE_DECLINED (LINK_NOT_ACTIVE), and no money moves', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    expect((await api('DELETE', `/v1/me/bank-links/${w.linkId}`, { token: w.user.token })).status).toBe(204);
    const res = await postCharge(w, 1_000);
    expectError(res, 422, 'CHARGE_DECLINED');
    expect(res.body.error.details.reasons).toEqual(['LINK_NOT_ACTIVE']);
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
  });

  it('charging switched off for the bank: 503 BANK_SUSPENDED with Retry-After, no money moves; switched back on, it charges', async () => {
    const w = await readyWallet({ bankCode: '9900' });
    const ops = await opsAuth();
    const banks = await api('GET', '/v1/ops/banks', { token: ops });
    expect(banks.status).toBe(200);
    const before = (banks.body.items as { bankCode: string; linkingEnabled: boolean; chargingEnabled: boolean }[]).find((b) => b.bankCode === '9900')!;
    expect(before.chargingEnabled).toBe(true);
    const bankBefore = (await bankAccount(w.account)).balance;
    try {
      expect((await api('PUT', '/v1/ops/banks/9900', { token: ops, body: { linkingEnabled: before.linkingEnabled, chargingEnabled: false } })).status).toBe(200);
      const res = await postCharge(w, 1_000);
      expectError(res, 503, 'BANK_SUSPENDED');
      expect(res.body.error.details.reasons).toEqual(['BANK_SUSPENDED']);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await api('PUT', '/v1/ops/banks/9900', { token: ops, body: { linkingEnabled: before.linkingEnabled, chargingEnabled: before.chargingEnabled } });
    }
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    expect((await postCharge(w, 1_000)).status).toBe(201);
  });

  it('a wallet frozen by three failed link authorizations: 403 ACCOUNT_FROZEN on its still-active link, no money moves', async () => {
    const w = await readyWallet();
    for (let i = 0; i < 3; i++) {
      const other = await openBankAccount();
      const started = await api('POST', '/v1/me/bank-links', { token: w.user.token, body: { bankCode: other.bankCode, branchCode: other.branchCode, accountNumber: other.accountNumber } });
      expect(started.status).toBe(201);
      expectError(await api('POST', `/v1/me/bank-links/${started.body.linkId}/authorization`, { token: w.user.token, body: { authorizationCode: `made-up-${i}` } }), 422, 'BANK_AUTHORIZATION_FAILED');
    }
    expect((await api('GET', '/v1/me', { token: w.user.token })).body.status).toBe('FROZEN');
    const bankBefore = (await bankAccount(w.account)).balance;
    const res = await postCharge(w, 1_000);
    expectError(res, 403, 'ACCOUNT_FROZEN');
    expect(res.body.error.details.reasons).toEqual(['WALLET_FROZEN']);
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
  });
});

describe('access and validation', () => {
  it("another user's charge is 404, to read and to confirm", async () => {
    const owner = await linkedWallet();
    const stranger = await linkedWallet();
    const { chargeId, code } = await challenged(owner, 1_000);
    expectError(await getCharge(stranger, chargeId), 404, 'NOT_FOUND');
    expectError(await confirmCharge(stranger, chargeId, code), 404, 'NOT_FOUND');
    expect((await getCharge(owner, chargeId)).body.status).toBe('PENDING_CONFIRMATION');
    expectError(await getCharge(owner, 'chg_0123456789abcdef0123456789abcdef'), 404, 'NOT_FOUND');
  });

  it('no token is 401 on every charge route', async () => {
    const w = await linkedWallet();
    const routes: [string, string, unknown?][] = [
      ['POST', '/v1/me/charges', { linkId: w.linkId, amount: 1_000 }],
      ['GET', '/v1/me/charges/chg_0123456789abcdef0123456789abcdef'],
      ['POST', '/v1/me/charges/chg_0123456789abcdef0123456789abcdef/confirmation', { code: '123456' }],
      ['GET', '/v1/me/wallet'],
      ['GET', '/v1/me/transactions'],
    ];
    for (const [method, path, body] of routes) {
      const res = await api(method, path, { body, headers: { 'idempotency-key': newKey() }, invalid: true });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
    }
  });

  it('malformed requests are 400 VALIDATION_ERROR and create no charge', async () => {
    const w = await linkedWallet();
    const post = (body: unknown, headers: Record<string, string> = { 'idempotency-key': newKey() }) => api('POST', '/v1/me/charges', { token: w.user.token, body, headers });
    const good = { linkId: w.linkId, amount: 1_000 };
    const cases: [string, () => ReturnType<typeof post>][] = [
      ['missing Idempotency-Key', () => post(good, {})],
      ['an Idempotency-Key with spaces', () => post(good, { 'idempotency-key': 'has spaces' })],
      ['an Idempotency-Key too long', () => post(good, { 'idempotency-key': 'k'.repeat(129) })],
      ['a non-integer amount', () => post({ ...good, amount: 1000.5 })],
      ['a negative amount', () => post({ ...good, amount: -1000 })],
      ['a zero amount', () => post({ ...good, amount: 0 })],
      ['a string amount', () => post({ ...good, amount: '1000' })],
      ['no amount', () => post({ linkId: w.linkId })],
      ['no linkId', () => post({ amount: 1_000 })],
      ['a linkId of an unknown format', () => post({ ...good, linkId: 'link-123' })],
      ['an unknown field', () => post({ ...good, currency: 'JPY' })],
      ['not JSON', () => api('POST', '/v1/me/charges', { token: w.user.token, rawBody: '{"linkId":', headers: { 'idempotency-key': newKey(), 'content-type': 'application/json' } })],
      ['a JSON array', () => post([good])],
    ];
    for (const [what, send] of cases) {
      const res = await badInput(send);
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status: 400, code: 'VALIDATION_ERROR' });
    }
    expectError(await badInput(() => getCharge(w, 'not-a-charge')), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', `/v1/me/charges/${chargeIdFor(w.user.userId, 'x')}/confirmation`, { token: w.user.token, body: { code: '12ab56' }, invalid: true }), 400, 'VALIDATION_ERROR');
    // A well-formed link id that is not this wallet's: 404, not a charge.
    expectError(await post({ ...good, linkId: 'lnk_00000000-0000-0000-0000-000000000000' }), 404, 'NOT_FOUND');
    expect((await smsTo(w.user.phone)).filter((m) => m.body.includes('チャージ（'))).toEqual([]);
    expect((await transactions(w.user)).body.items).toEqual([]);
  });
});

describe('money', () => {
  it('after this file, the banks and the ledger agree (GET /local/reconcile: no differences)', async () => {
    expect((await reconcileReport()).differences).toEqual([]);
  });
});
