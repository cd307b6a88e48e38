/**
 * Charges that are not allowed outright, over HTTP: the SMS challenge (confirmed,
 * expired, five wrong codes) and human review (approved, rejected, expired), run by
 * the synthesized Step Functions definition on the local engine.
 *
 * The local clock is global to the stack and only moves forward, and moving it makes
 * the sweeper expire whatever else is waiting: so each test builds its own wallets
 * after any earlier advance, and the 24-hour advances live in tests of their own
 * that depend on nothing before them.
 */
import { chargeIdFor } from '../../functions/domain/charge';
import { api, lastCode, registerUser, smsTo } from '../support/api';
import {
  advanceClock,
  bankAccount,
  bankMovesOf,
  challenged,
  confirmCharge,
  decideReview,
  expectError,
  getCharge,
  linkedWallet,
  newKey,
  openReviews,
  opsAuth,
  otherThan,
  pendingReview,
  postCharge,
  readyWallet,
  reconcileReport,
  runSweeper,
  waitForCase,
  waitForStatus,
  walletBalance,
} from '../support/charges';

jest.setTimeout(180_000);

describe('SMS challenge', () => {
  it('confirmed: 202, then the right code → 200 PROCESSING, then COMPLETED by the workflow, money moved once', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, code } = await challenged(w, 9_000);
    const sms = (await smsTo(w.user.phone)).filter((m) => m.body.includes(code));
    expect(sms).toHaveLength(1);
    expect(sms[0].body).toContain('9,000円チャージ');
    expect((await getCharge(w, chargeId)).body).toEqual(expect.objectContaining({ status: 'PENDING_CONFIRMATION', amount: 9_000 }));
    // Nothing moves before the code.
    expect(await walletBalance(w)).toBe(0);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);

    const res = await confirmCharge(w, chargeId, code);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { chargeId, status: 'PROCESSING' } });
    await waitForStatus(w, chargeId, 'COMPLETED');
    expect(await walletBalance(w)).toBe(9_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 9_000);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([expect.objectContaining({ kind: 'DEBIT', amount: 9_000 })]);
    // The workflow that ran it ended well.
    const executions = (await api('GET', '/local/workflow/executions')).body.executions as { name: string; status: string }[];
    expect(executions.filter((e) => e.name.startsWith(chargeId))).toEqual([expect.objectContaining({ name: `${chargeId}-1`, status: 'SUCCEEDED' })]);

    // The code is spent, and a completed charge cannot be confirmed again.
    expectError(await confirmCharge(w, chargeId, code), 409, 'INVALID_STATE');
  });

  it('five wrong codes: 4 × 422 INVALID_CODE, the 5th 429 TOO_MANY_ATTEMPTS, the charge CANCELLED, the right code no longer works', async () => {
    const w = await linkedWallet();
    const { chargeId, code } = await challenged(w, 5_000);
    for (let i = 0; i < 4; i++) expectError(await confirmCharge(w, chargeId, otherThan(code)), 422, 'INVALID_CODE');
    expect((await getCharge(w, chargeId)).body.status).toBe('PENDING_CONFIRMATION');
    expectError(await confirmCharge(w, chargeId, otherThan(code)), 429, 'TOO_MANY_ATTEMPTS');
    await waitForStatus(w, chargeId, 'CANCELLED');
    expectError(await confirmCharge(w, chargeId, code), 409, 'INVALID_STATE');
    expect(await walletBalance(w)).toBe(0);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([]);
    // Its day-limit reservation is given back: a charge of the whole day's limit fits.
    expect((await postCharge(w, 500_000)).status).toBe(202);
  });

  it('expired: after 5 minutes the sweeper ends it EXPIRED; confirming is 409 INVALID_STATE; its day-limit reservation is released', async () => {
    const w = await linkedWallet();
    const { chargeId, code } = await challenged(w, 300_000);
    // While it waits, it holds 300,000 of the day's 500,000.
    expectError(await postCharge(w, 250_000), 422, 'LIMIT_EXCEEDED');

    await advanceClock(301, { sweep: false });
    const sweep = await runSweeper();
    expect(sweep.expired).toContain(chargeId);
    expect((await getCharge(w, chargeId)).body.status).toBe('EXPIRED');
    const late = await confirmCharge(w, chargeId, code);
    expectError(late, 409, 'INVALID_STATE');
    expect(await walletBalance(w)).toBe(0);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([]);

    // Released: 250,000 now fits.
    const fits = await postCharge(w, 250_000);
    expect(fits.status).toBe(202);
  });

  it('expired without a sweep: a code entered after 5 minutes ends the charge EXPIRED itself (409 INVALID_STATE)', async () => {
    const w = await linkedWallet();
    const { chargeId, code } = await challenged(w, 2_000);
    await advanceClock(301, { sweep: false });
    expectError(await confirmCharge(w, chargeId, code), 409, 'INVALID_STATE');
    expect((await getCharge(w, chargeId)).body.status).toBe('EXPIRED');
    expect(await bankMovesOf(w.account, chargeId)).toEqual([]);
  });
});

describe('human review', () => {
  it('approved: ≥200,000 is 202, the code makes it PENDING_REVIEW, ops see it with its reasons and due time, APPROVE completes it', async () => {
    const w = await readyWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, code } = await challenged(w, 200_000);
    expect((await getCharge(w, chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: expect.arrayContaining(['LARGE_AMOUNT', 'AMOUNT_OVER_CHALLENGE']) });
    // No case until the user has confirmed with the code.
    expect((await openReviews()).find((c) => c.chargeId === chargeId)).toBeUndefined();

    const res = await confirmCharge(w, chargeId, code);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { chargeId, status: 'PENDING_REVIEW' } });
    const review = await waitForCase(chargeId);
    expect(review).toEqual(
      expect.objectContaining({ caseId: expect.stringMatching(/^case_[0-9a-f]{32}$/), chargeId, userId: w.user.userId, amount: 200_000, reasons: expect.arrayContaining(['LARGE_AMOUNT']) }),
    );
    expect(Date.parse(review.dueAt) - Date.parse(review.createdAt)).toBe(30 * 60_000);
    expect(await walletBalance(w)).toBe(1_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);

    const decided = await decideReview(review.caseId, 'APPROVE');
    expect({ status: decided.status, body: decided.body }).toEqual({ status: 200, body: { caseId: review.caseId, decision: 'APPROVE', chargeStatus: 'PROCESSING' } });
    await waitForStatus(w, chargeId, 'COMPLETED');
    expect(await walletBalance(w)).toBe(201_000);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 200_000);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([expect.objectContaining({ kind: 'DEBIT', amount: 200_000 })]);
    expect((await openReviews()).find((c) => c.caseId === review.caseId)).toBeUndefined();

    // A decision on a decided case is 409 INVALID_STATE, whatever the decision.
    expectError(await decideReview(review.caseId, 'REJECT'), 409, 'INVALID_STATE');
    expectError(await decideReview(review.caseId, 'APPROVE'), 409, 'INVALID_STATE');
  });

  it('rejected: the charge is DECLINED, the case leaves the queue, and money never moved', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, review } = await pendingReview(w, 250_000);
    const decided = await decideReview(review.caseId, 'REJECT', { note: 'does not look like the holder' });
    expect({ status: decided.status, body: decided.body }).toEqual({ status: 200, body: { caseId: review.caseId, decision: 'REJECT', chargeStatus: 'DECLINED' } });
    await waitForStatus(w, chargeId, 'DECLINED');
    // Give the workflow a moment: it must not move money after the rejection.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await getCharge(w, chargeId)).body.status).toBe('DECLINED');
    expect(await walletBalance(w)).toBe(0);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    expect(await bankMovesOf(w.account, chargeId)).toEqual([]);
    expect((await openReviews()).find((c) => c.caseId === review.caseId)).toBeUndefined();
    expectError(await decideReview(review.caseId, 'APPROVE'), 409, 'INVALID_STATE');
    // Its reservation is released: the whole day's limit fits again.
    expect((await postCharge(w, 500_000)).status).toBe(202);
  });

  it('rejected with freezeUser: the wallet is frozen, its other waiting charges are cancelled, the next charge is 403 ACCOUNT_FROZEN', async () => {
    const w = await linkedWallet();
    const { chargeId, review } = await pendingReview(w, 200_000);
    const waiting = await challenged(w, 3_000, { deviceId: 'a-device-not-seen-before' });
    expect((await decideReview(review.caseId, 'REJECT', { note: 'fraud', freezeUser: true })).status).toBe(200);
    await waitForStatus(w, chargeId, 'DECLINED');
    await waitForStatus(w, waiting.chargeId, 'CANCELLED');
    expect((await api('GET', '/v1/me', { token: w.user.token })).body.status).toBe('FROZEN');
    expectError(await postCharge(w, 1_000), 403, 'ACCOUNT_FROZEN');
    expectError(await confirmCharge(w, waiting.chargeId, waiting.code), 409, 'INVALID_STATE');
    expect(await walletBalance(w)).toBe(0);
  });

  it('only ops: a signed-in user gets 403 on the review routes, no token 401; malformed decisions are 400', async () => {
    const w = await linkedWallet();
    const { review } = await pendingReview(w, 200_000);
    expectError(await api('GET', '/v1/ops/reviews?status=OPEN', { token: w.user.token }), 403, 'FORBIDDEN');
    expectError(await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { token: w.user.token, body: { decision: 'APPROVE', note: 'mine' } }), 403, 'FORBIDDEN');
    expect((await api('GET', '/v1/ops/reviews?status=OPEN', { invalid: true })).status).toBe(401);
    expect((await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { body: { decision: 'APPROVE', note: 'x' }, invalid: true })).status).toBe(401);
    // The case is still open and the charge still waits.
    expect((await openReviews()).find((c) => c.caseId === review.caseId)).toBeDefined();
    const ops = await opsAuth();
    const bad = [{ decision: 'MAYBE', note: 'x' }, { decision: 'APPROVE' }, { decision: 'APPROVE', note: '' }, { decision: 'APPROVE', note: 'x', extra: 1 }];
    for (const body of bad) expectError(await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { token: ops, body, invalid: true }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/v1/ops/reviews/not-a-case/decision', { token: ops, body: { decision: 'APPROVE', note: 'x' }, invalid: true }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', `/v1/ops/reviews/case_${'0'.repeat(32)}/decision`, { token: ops, body: { decision: 'APPROVE', note: 'x' } }), 404, 'NOT_FOUND');
    expect((await decideReview(review.caseId, 'REJECT')).status).toBe(200);
  });

  it('a user who never confirms the code never reaches a human', async () => {
    const w = await linkedWallet();
    const { chargeId } = await challenged(w, 210_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await openReviews()).find((c) => c.chargeId === chargeId)).toBeUndefined();
    expect((await getCharge(w, chargeId)).body.status).toBe('PENDING_CONFIRMATION');
  });
});

// ---------------------------------------------------------------- tests that move the clock by days

describe('after 24 hours', () => {
  it('a review nobody decided expires: the sweeper ends it EXPIRED and the case leaves the queue', async () => {
    const w = await linkedWallet();
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId, review } = await pendingReview(w, 220_000);
    expect(review.reasons).toEqual(expect.arrayContaining(['LARGE_AMOUNT', 'YOUNG_LINK_EXPOSURE']));

    await advanceClock(24 * 3600 + 1, { sweep: false });
    const sweep = await runSweeper();
    expect(sweep.expired).toContain(chargeId);
    expect((await getCharge(w, chargeId)).body.status).toBe('EXPIRED');
    expect((await openReviews()).find((c) => c.caseId === review.caseId)).toBeUndefined();
    expectError(await decideReview(review.caseId, 'APPROVE'), 409, 'INVALID_STATE');
    expect(await walletBalance(w)).toBe(0);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
  });

  it('the balance cap: the risk engine refuses a charge past 1,000,000, and a credit the cap refuses later is reversed at the bank (completed or refunded, never both)', async () => {
    const w = await linkedWallet({ balance: 3_000_000 });
    const approve = async (amount: number) => {
      const { chargeId, review } = await pendingReview(w, amount);
      // Trusted by the reviewer: the young link's exposure cap would otherwise send day 3's small charges to a human too.
      expect((await decideReview(review.caseId, 'APPROVE', { trustLink: true })).status).toBe(200);
      await waitForStatus(w, chargeId, 'COMPLETED');
    };
    // Day 1 and day 2: the day limit keeps each day at 500,000 at most.
    await approve(500_000);
    await advanceClock(24 * 3600);
    await approve(494_000);
    await advanceClock(24 * 3600);
    expect(await walletBalance(w)).toBe(994_000);

    // Day 3: two charges from a new device, each fine alone (998,000), together over the cap. They stay
    // small: more than 10,000 yen through a device new on the wallet goes to a human (NEW_DEVICE_EXPOSURE).
    const newDevice = `dev-${newKey()}`;
    const a = await challenged(w, 4_000, { deviceId: newDevice });
    const b = await challenged(w, 4_000, { deviceId: newDevice });
    const bankBefore = (await bankAccount(w.account)).balance;
    expect((await confirmCharge(w, a.chargeId, a.code, { deviceId: newDevice })).status).toBe(200);
    await waitForStatus(w, a.chargeId, 'COMPLETED');
    expect((await confirmCharge(w, b.chargeId, b.code, { deviceId: newDevice })).status).toBe(200);
    await waitForStatus(w, b.chargeId, 'FAILED');
    expect(await walletBalance(w)).toBe(998_000);
    expect((await bankMovesOf(w.account, b.chargeId)).map((m) => m.kind).sort()).toEqual(['DEBIT', 'REVERSAL']);
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 4_000);

    // The risk engine: 2,001 more would be 1,000,001 (only the cap, B's reservation is back); 2,000 reaches the cap exactly.
    const key = newKey();
    const over = await postCharge(w, 2_001, { key, deviceId: newDevice });
    expectError(over, 422, 'LIMIT_EXCEEDED');
    expect(over.body.error.details.reasons).toEqual(['BALANCE_CAP']);
    expect((await getCharge(w, chargeIdFor(w.user.userId, key))).body.status).toBe('DECLINED');
    const exact = await postCharge(w, 2_000, { deviceId: newDevice });
    expect({ status: exact.status, body: exact.body }).toEqual({ status: 201, body: expect.objectContaining({ status: 'COMPLETED', balance: 1_000_000 }) });
    expectError(await postCharge(w, 1, { deviceId: newDevice }), 422, 'LIMIT_EXCEEDED');
  });

  it('a fresh user after the advances charges normally (the clock moves every wallet, not just the old ones)', async () => {
    const user = await registerUser();
    expect(await lastCode(user.phone)).toMatch(/^\d{6}$/);
    const w = await readyWallet();
    expect((await postCharge(w, 1_000)).status).toBe(201);
  });
});

describe('money', () => {
  it('after this file, the banks and the ledger agree (GET /local/reconcile: no differences)', async () => {
    expect((await reconcileReport()).differences).toEqual([]);
  });
});
