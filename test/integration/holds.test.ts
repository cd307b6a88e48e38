/**
 * Issue 12 (risk v2): the debit waits for the holder's window, and a link is judged by its own
 * history. A charge on a young link the bank did not attest answers 202 PENDING_HOLD with
 * availableAt; the bank tells the holder first (with a not-me link); the debit runs when the
 * clock passes availableAt, through the same controls as every other step; a not-me report on
 * the notice, a freeze or a bank switched off stop it with no money moved. On a link past its
 * window but not vetted, the 30-day exposure goes to a human above 100,000 (YOUNG_LINK_EXPOSURE);
 * a reviewer's trustLink vets it; a vetted link's charge far above its largest debit is
 * challenged (AMOUNT_UNUSUAL_FOR_LINK). Every decision carries the facts behind its reasons.
 */
import { api, lastCode, smsTo } from '../support/api';
import {
  advanceClock, bankAccount, challenged, clearFaults, confirmCharge, decideReview, expectError, getCharge, HOLDER_WINDOW_SECONDS, linkedWallet, newKey, opsAuth,
  postCharge, readyWallet, waitForCase, waitForStatus, walletBalance, type LinkedWallet,
} from '../support/charges';
import { expectStopped, freshBank, moneyOf, opsFreeze, reportNotMe, settledMoney, switchBank, walletStatus } from '../support/controls';

jest.setTimeout(120_000);
afterAll(clearFaults);

const HOUR = 3600_000;

async function wallet(w: LinkedWallet): Promise<{ balance: number; pending: number; currency: string }> {
  const res = await api('GET', '/v1/me/wallet', { token: w.user.token });
  expect(res.status).toBe(200);
  return res.body;
}

/** The service clock (POST /local/clock moves it ahead of ours). */
async function serviceNow(): Promise<number> {
  return Date.parse((await api('GET', '/local/clock')).body.now);
}

/** A held charge: 202 PENDING_HOLD with availableAt. */
async function held(w: LinkedWallet, amount: number): Promise<{ chargeId: string; availableAt: number }> {
  const res = await postCharge(w, amount);
  expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { chargeId: expect.any(String), status: 'PENDING_HOLD', availableAt: expect.any(String) } });
  return { chargeId: res.body.chargeId, availableAt: Date.parse(res.body.availableAt) };
}

describe('HOLD: a young link the bank did not attest waits for its holder window', () => {
  it('answers 202 PENDING_HOLD until 72 h after the link; the holder is told first; the debit runs once the clock passes availableAt', async () => {
    const w = await linkedWallet({ young: true });
    const linkedAt = await serviceNow();
    const bankBefore = (await bankAccount(w.account)).balance;
    const noticesBefore = (await smsTo(w.account.holderPhone)).length;

    const { chargeId, availableAt } = await held(w, 5_000);
    // The window ends 72 h after the bank's "linked" notice (the link's activation, moments before).
    expect(availableAt).toBeGreaterThan(linkedAt + 71.9 * HOUR);
    expect(availableAt).toBeLessThanOrEqual(linkedAt + 72 * HOUR + 60_000);

    const view = await getCharge(w, chargeId);
    expect(view.body).toEqual(expect.objectContaining({ status: 'PENDING_HOLD', decision: { outcome: 'HOLD', reasons: ['HOLDER_WINDOW'] } }));
    // The pre-debit notice reached the holder's bank phone, with a not-me link; nothing reached the wallet phone about it.
    const notices = (await smsTo(w.account.holderPhone)).slice(noticesBefore);
    expect(notices).toHaveLength(1);
    expect(notices[0].body).toMatch(/[?&]token=/);
    expect(notices[0].body).toMatch(/5,000|5000/);
    expect(await wallet(w)).toEqual({ balance: 0, pending: 5_000, currency: 'JPY' });
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);

    // An hour before the end of the window nothing moves.
    await advanceClock(Math.floor((availableAt - (await serviceNow())) / 1000) - 3600);
    expect((await getCharge(w, chargeId)).body.status).toBe('PENDING_HOLD');
    expect((await moneyOf(w, chargeId)).debits).toBe(0);

    // Past availableAt the clock move runs the sweeper: the charge goes to the bank and completes.
    await advanceClock(3601);
    await waitForStatus(w, chargeId, 'COMPLETED');
    expect(await moneyOf(w, chargeId)).toEqual({ status: 'COMPLETED', debits: 1, reversals: 0, credits: 1 });
    expect(await wallet(w)).toEqual({ balance: 5_000, pending: 0, currency: 'JPY' });
    expect((await bankAccount(w.account)).balance).toBe(bankBefore - 5_000);
  });

  it('a replay of a held charge answers the same 202 with the same availableAt', async () => {
    const w = await linkedWallet({ young: true });
    const key = newKey();
    const first = await postCharge(w, 3_000, { key });
    const again = await postCharge(w, 3_000, { key });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await wallet(w)).pending).toBe(3_000);
  });

  it('a not-me report on the pre-debit notice cancels the held charge, freezes the wallet, and nothing moves, ever', async () => {
    const w = await linkedWallet({ young: true });
    const bankBefore = (await bankAccount(w.account)).balance;
    const { chargeId } = await held(w, 8_000);
    const report = await reportNotMe(w); // the newest notice with a token: the pre-debit one
    expect(report.status).toBe(200);
    expect(report.body).toEqual(expect.objectContaining({ walletFrozen: true, cancelledCharges: [chargeId], amount: 0 }));
    expect(await walletStatus(w.user)).toBe('FROZEN');
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    expect((await wallet(w)).pending).toBe(0);

    await advanceClock(HOLDER_WINDOW_SECONDS);
    expectStopped(await settledMoney(w, chargeId));
    expect((await bankAccount(w.account)).balance).toBe(bankBefore);
    expect(await walletBalance(w)).toBe(0);
  });

  it('the not-me page names the held charge the notice was about', async () => {
    const w = await linkedWallet({ young: true });
    await held(w, 4_000);
    const notices = (await smsTo(w.account.holderPhone)).map((m) => m.body).filter((b) => /token=/.test(b));
    const token = /token=([\w.-]+)/.exec(notices[notices.length - 1])![1];
    const details = await api('GET', `/v1/reports/not-me?token=${token}`);
    expect(details.status).toBe(200);
    expect(details.body).toEqual(expect.objectContaining({ event: 'HOLD', amount: 4_000, reported: false }));
  });

  it('an ops freeze cancels the held charge; the end of the window debits nothing', async () => {
    const w = await linkedWallet({ young: true });
    const { chargeId } = await held(w, 6_000);
    expect((await opsFreeze(w)).status).toBe(200);
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    await advanceClock(HOLDER_WINDOW_SECONDS);
    expectStopped(await settledMoney(w, chargeId));
  });

  it("the bank's charging switched off cancels the held charge (503 BANK_SUSPENDED for new ones); nothing is debited", async () => {
    const bankCode = await freshBank();
    const w = await linkedWallet({ young: true, bankCode });
    const { chargeId } = await held(w, 7_000);
    expect((await switchBank(bankCode, false)).status).toBe(200);
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    expectError(await postCharge(w, 1_000), 503, 'BANK_SUSPENDED');
    expect((await switchBank(bankCode, true)).status).toBe(200);
    await advanceClock(HOLDER_WINDOW_SECONDS);
    expectStopped(await settledMoney(w, chargeId));
  });

  it('held charges count as waiting: the 4th that would wait is 429 RATE_LIMITED', async () => {
    const w = await linkedWallet({ young: true });
    for (let i = 0; i < 3; i++) await held(w, 1_000 + i);
    const res = await postCharge(w, 1_500);
    expectError(res, 429, 'RATE_LIMITED');
    expect((await wallet(w)).pending).toBe(1_000 + 1_001 + 1_002);
  });
});

describe('per-link history: exposure, vetting, unusual amounts', () => {
  it('YOUNG_LINK_EXPOSURE: an unvetted link above 100,000 in 30 days goes to a human, with the facts; trustLink vets it', async () => {
    const w = await readyWallet(); // past its window, 1,000 charged
    const { chargeId: big, code } = await challenged(w, 60_000); // AMOUNT_OVER_CHALLENGE: exposure 61,000 so far
    expect((await confirmCharge(w, big, code)).status).toBe(200);
    await waitForStatus(w, big, 'COMPLETED');

    // 61,000 + 45,000 > 100,000: a code first (as every review), then a human.
    const { chargeId, code: code2 } = await challenged(w, 45_000);
    expect((await getCharge(w, chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE'] });
    expect((await confirmCharge(w, chargeId, code2)).body.status).toBe('PENDING_REVIEW');
    const review = await waitForCase(chargeId);
    expect(review.reasons).toEqual(['YOUNG_LINK_EXPOSURE']);
    const ctx = (review as unknown as { context: { facts: Record<string, Record<string, unknown>> } }).context;
    expect(ctx.facts.YOUNG_LINK_EXPOSURE).toEqual(expect.objectContaining({ amount: 45_000, exposure30d: 61_000, threshold: 100_000, linkVetted: false }));

    // trustLink only goes with APPROVE.
    const opsBody = { decision: 'REJECT', note: 'no', trustLink: true };
    const bad = await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { token: await opsAuth(), body: opsBody });
    expectError(bad, 400, 'VALIDATION_ERROR');

    const approved = await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { token: await opsAuth(), body: { decision: 'APPROVE', note: 'known customer', trustLink: true } });
    expect(approved.status).toBe(200);
    await waitForStatus(w, chargeId, 'COMPLETED');

    // The next JST day (a trusted link's day is still compared with its earlier days: it has none before today).
    await advanceClock(25 * 3600);
    // Vetted: the exposure cap no longer applies (106,000 + 40,000 on the link in 30 days).
    const next = await postCharge(w, 40_000);
    expect({ status: next.status, outcome: (await getCharge(w, next.body.chargeId)).body.decision }).toEqual({ status: 201, outcome: { outcome: 'ALLOW', reasons: [] } });
  });

  it('AMOUNT_UNUSUAL_FOR_LINK: on a vetted link, more than 2x its largest debit and at least 100,000 needs a code', async () => {
    const w = await readyWallet({ firstAmount: 30_000 });
    // Vet the link by a reviewer: a charge over the young-link cap goes to review, approved with trustLink.
    const { chargeId, code } = await challenged(w, 80_000);
    expect((await confirmCharge(w, chargeId, code)).body.status).toBe('PENDING_REVIEW');
    const review = await waitForCase(chargeId);
    expect((await api('POST', `/v1/ops/reviews/${review.caseId}/decision`, { token: await opsAuth(), body: { decision: 'APPROVE', note: 'ok', trustLink: true } })).status).toBe(200);
    await waitForStatus(w, chargeId, 'COMPLETED');
    // The next JST day, so the day's own history does not hold the charge (DAY_ABOVE_LINK_HISTORY).
    await advanceClock(25 * 3600);

    // Largest debit 80,000: 160,000 is not unusual (not more than 2x), 160,001 is.
    const usual = await postCharge(w, 160_000);
    expect(usual.status).toBe(202);
    expect((await getCharge(w, usual.body.chargeId)).body.decision).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE'] });
    const unusual = await postCharge(w, 160_001);
    expect(unusual.status).toBe(202);
    expect((await getCharge(w, unusual.body.chargeId)).body.decision).toEqual({ outcome: 'CHALLENGE', reasons: ['AMOUNT_OVER_CHALLENGE', 'AMOUNT_UNUSUAL_FOR_LINK'] });
  });

  it('vetted by age (older than 30 days, 3 debits notified more than 7 days ago): no exposure cap; a day far above its history is held 24 h', async () => {
    const w = await readyWallet({ firstAmount: 5_000 }); // debit 1 (5,000: smaller debits do not vet a link); attested, no window
    await advanceClock(HOLDER_WINDOW_SECONDS); // the timeline below counts 3 days from the link
    expect((await postCharge(w, 5_000)).status).toBe(201);
    expect((await postCharge(w, 5_000)).status).toBe(201); // 3 debits, 15,000 in all, on day 1

    // The link is ~29 days old (3 days of window, then 26): not yet vetted, so its 30-day exposure counts.
    await advanceClock(26 * 24 * 3600);
    const young = await postCharge(w, 99_000); // 15,000 + 99,000 in 30 days, link not yet vetted
    expect(young.status).toBe(202);
    expect((await getCharge(w, young.body.chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE', 'AMOUNT_OVER_CHALLENGE'] });
    await advanceClock(2 * 24 * 3600); // its code expires: the exposure it reserved is given back
    await waitForStatus(w, young.body.chargeId, 'EXPIRED');

    // Now older than 30 days with its debits notified long ago: vetted. 99,000 is far above its largest day (15,000): held 24 h.
    const res = await postCharge(w, 99_000);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PENDING_HOLD');
    const now = await serviceNow();
    expect(Date.parse(res.body.availableAt)).toBeGreaterThan(now + 23.9 * HOUR);
    expect(Date.parse(res.body.availableAt)).toBeLessThanOrEqual(now + 24 * HOUR);
    expect((await getCharge(w, res.body.chargeId)).body.decision).toEqual({ outcome: 'HOLD', reasons: ['DAY_ABOVE_LINK_HISTORY', 'AMOUNT_OVER_CHALLENGE'] });
    expect((await wallet(w)).pending).toBe(99_000);
    await advanceClock(24 * 3600 + 60);
    await waitForStatus(w, res.body.chargeId, 'COMPLETED');
    expect(await wallet(w)).toEqual({ balance: 114_000, pending: 0, currency: 'JPY' });
  });

  it('a reviewer-trusted young link skips the holder window', async () => {
    const w = await linkedWallet({ young: true });
    // 150,000 on a young link: the exposure cap sends it to a human (no hold: a human decides),
    // after the holder's own code (the link's phone is not attested), which the bank sends to the holder.
    const { chargeId, code } = await holderChallenged(w, 150_000);
    expect((await getCharge(w, chargeId)).body.decision.outcome).toBe('REVIEW');
    expect((await confirmCharge(w, chargeId, code)).body.status).toBe('PENDING_REVIEW');
    const review = await waitForCase(chargeId);
    const res = await decideReview(review.caseId, 'APPROVE');
    expect(res.status).toBe(200);
    await waitForStatus(w, chargeId, 'COMPLETED');
    // Approved but not trusted: still young, so the next small charge goes to a human again (its exposure is over the cap).
    const next = await postCharge(w, 2_000);
    expect(next.status).toBe(202);
    expect((await getCharge(w, next.body.chargeId)).body.decision).toEqual({ outcome: 'REVIEW', reasons: ['YOUNG_LINK_EXPOSURE', 'HOLDER_CHALLENGE'] });

    const w2 = await linkedWallet({ young: true });
    const c2 = await holderChallenged(w2, 150_000);
    expect((await confirmCharge(w2, c2.chargeId, c2.code)).body.status).toBe('PENDING_REVIEW');
    const r2 = await waitForCase(c2.chargeId);
    expect((await api('POST', `/v1/ops/reviews/${r2.caseId}/decision`, { token: await opsAuth(), body: { decision: 'APPROVE', note: 'ok', trustLink: true } })).status).toBe(200);
    await waitForStatus(w2, c2.chargeId, 'COMPLETED');
    // A day later the link is still inside its 72 h window, but trusted: nothing is held.
    await advanceClock(25 * 3600);
    const after = await postCharge(w2, 2_000);
    expect(after.status).toBe(201);
    expect(after.body.status).toBe('COMPLETED');
  });
});

/** A young link the bank did not attest: above the holder-code cap the bank sends the code to the holder's own phone. */
async function holderChallenged(w: LinkedWallet, amount: number): Promise<{ chargeId: string; code: string }> {
  const res = await postCharge(w, amount);
  expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { chargeId: expect.any(String), status: 'PENDING_CONFIRMATION' } });
  return { chargeId: res.body.chargeId, code: await lastCode(w.account.holderPhone!) };
}
