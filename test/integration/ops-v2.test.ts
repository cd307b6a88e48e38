/**
 * Operations for a 24/7 fraud team (issue 13, API side): case ownership, four eyes on money,
 * deny/review lists, and the context each review carries. Two members of staff: the seeded
 * one and another created through POST /local/staff.
 */
import { randomUUID } from 'node:crypto';
import { api, badInput, lastCode, linkAccount, newStaff, openBankAccount, opsToken, verifiedUser } from '../support/api';
import {
  advanceClock, challenged, confirmCharge, expectError, getCharge, HOLDER_WINDOW_SECONDS, pendingReview, postCharge, readyWallet, waitForCase, waitForStatus, type LinkedWallet,
} from '../support/charges';
import { reportNotMe } from '../support/controls';

jest.setTimeout(120_000);

let A: { email: string; token: string };
let B: { email: string; token: string };
beforeAll(async () => {
  A = { email: process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local', token: await opsToken() };
  B = await newStaff('reviewer');
});

const as = (who: { token: string }, method: string, path: string, body?: unknown) => api(method, path, { token: who.token, body });
const decide = (who: { token: string }, caseId: string, decision: 'APPROVE' | 'REJECT', note = `test ${decision}`) =>
  as(who, 'POST', `/v1/ops/reviews/${caseId}/decision`, { decision, note });
const audit = async (userId: string) => (await as(A, 'GET', `/v1/ops/audit?userId=${userId}`)).body.items as { action: string; actor: string; reason?: string; details?: any }[];
const queueItem = async (caseId: string) => ((await as(A, 'GET', '/v1/ops/reviews?status=OPEN')).body.items as any[]).find((i) => i.caseId === caseId);
const walletStatus = async (w: LinkedWallet) => (await api('GET', '/v1/me', { token: w.user.token })).body.status;

/** A young link's 100,000 yen (101,000 in 30 days) goes to a human after its code (under the four-eyes threshold). */
async function smallReview() {
  const w = await readyWallet();
  const { review } = await pendingReview(w, 100_000);
  return { w, review };
}

describe('case ownership', () => {
  it('a case is taken by one member of staff; another is refused (409 CASE_ASSIGNED) until they take it over with a reason, which is audited', async () => {
    const { w, review } = await smallReview();
    expect((await queueItem(review.caseId)).assignee).toBeUndefined();

    const took = await as(A, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {});
    expect(took.status).toBe(200);
    expect(took.body).toEqual(expect.objectContaining({ assignee: A.email }));
    expect((await as(A, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {})).status).toBe(200); // again: still theirs
    const listed = await queueItem(review.caseId);
    expect(listed).toEqual(expect.objectContaining({ assignee: A.email, assignedAt: expect.any(String) }));

    expectError(await as(B, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {}), 409, 'CASE_ASSIGNED');
    expectError(await decide(B, review.caseId, 'REJECT'), 409, 'CASE_ASSIGNED');
    expect((await getCharge(w, review.chargeId)).body.status).toBe('PENDING_REVIEW');
    expectError(await badInput(() => as(B, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, { takeOver: '' })), 400, 'VALIDATION_ERROR');

    const over = await as(B, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, { takeOver: 'A went off shift' });
    expect(over.status).toBe(200);
    expect(over.body.assignee).toBe(B.email);
    expectError(await decide(A, review.caseId, 'APPROVE'), 409, 'CASE_ASSIGNED');
    const done = await decide(B, review.caseId, 'REJECT', 'not the holder');
    expect(done.status).toBe(200);
    await waitForStatus(w, review.chargeId, 'DECLINED');
    expectError(await as(A, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {}), 409, 'INVALID_STATE');

    const trail = await audit(w.user.userId);
    expect(trail.find((i) => i.action === 'CASE_ASSIGNED')).toEqual(expect.objectContaining({ actor: `ops:${A.email}` }));
    expect(trail.find((i) => i.action === 'CASE_TAKEN_OVER')).toEqual(expect.objectContaining({ actor: `ops:${B.email}`, reason: 'A went off shift', details: expect.objectContaining({ from: A.email }) }));
    expect(trail.find((i) => i.action === 'REVIEW_REJECTED')).toEqual(expect.objectContaining({ actor: `ops:${B.email}` }));

    const closed = (await as(A, 'GET', '/v1/ops/reviews?status=CLOSED')).body.items as any[];
    expect(closed.find((c) => c.caseId === review.caseId)).toEqual(expect.objectContaining({ caseStatus: 'REJECTED', decidedBy: `ops:${B.email}`, assignee: B.email }));
    expect((await queueItem(review.caseId))).toBeUndefined();
  });

  it('two members of staff taking one case at once: one holds it, the other is told who does', async () => {
    const { review } = await smallReview();
    const answers = await Promise.all([A, B].map((who) => as(who, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {})));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)!.body.assignee;
    expect(answers.find((a) => a.status === 409)!.body.error.details.assignee).toBe(winner);
    expect((await queueItem(review.caseId)).assignee).toBe(winner);
    expect((await decide(winner === A.email ? A : B, review.caseId, 'REJECT')).status).toBe(200);
  });

  it('two approvals of a large case at once: one is the first (202), the other the second (200)', async () => {
    const w = await readyWallet();
    const { review } = await pendingReview(w, 220_000);
    const answers = await Promise.all([A, B].map((who) => decide(who, review.caseId, 'APPROVE')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    await waitForStatus(w, review.chargeId, 'COMPLETED');
  });

  it('an unowned case may be decided by any member of staff; unknown cases are 404', async () => {
    const { w, review } = await smallReview();
    expect((await decide(B, review.caseId, 'APPROVE')).status).toBe(200);
    await waitForStatus(w, review.chargeId, 'COMPLETED');
    expectError(await as(A, 'POST', `/v1/ops/reviews/case_${'0'.repeat(32)}/assignment`, {}), 404, 'NOT_FOUND');
    expectError(await badInput(() => as(A, 'POST', '/v1/ops/reviews/nope/assignment', {})), 400, 'VALIDATION_ERROR');
  });
});

describe('four eyes on money', () => {
  it('APPROVE of 200,000 yen or more needs two distinct approvers: 202, the same person again 403, a second one 200 and the money moves', async () => {
    const w = await readyWallet();
    const { review } = await pendingReview(w, 250_000);
    expect((await as(A, 'POST', `/v1/ops/reviews/${review.caseId}/assignment`, {})).status).toBe(200);
    const first = await decide(A, review.caseId, 'APPROVE', 'called the holder');
    expect(first.status).toBe(202);
    expect(first.body).toEqual(expect.objectContaining({ status: 'AWAITING_SECOND_APPROVAL' }));
    expect((await getCharge(w, review.chargeId)).body.status).toBe('PENDING_REVIEW');
    expect(await queueItem(review.caseId)).toEqual(expect.objectContaining({ firstApprover: A.email }));
    expectError(await decide(A, review.caseId, 'APPROVE'), 403, 'SECOND_APPROVER_REQUIRED');

    const second = await decide(B, review.caseId, 'APPROVE', 'checked the call notes');
    expect(second.status).toBe(200);
    expect(second.body.chargeStatus).toBe('PROCESSING');
    await waitForStatus(w, review.chargeId, 'COMPLETED');
    const trail = await audit(w.user.userId);
    expect(trail.find((i) => i.action === 'REVIEW_FIRST_APPROVAL')?.actor).toBe(`ops:${A.email}`);
    expect(trail.find((i) => i.action === 'REVIEW_APPROVED')).toEqual(expect.objectContaining({ actor: `ops:${B.email}`, details: expect.objectContaining({ firstApprover: A.email }) }));
  });

  it('the second member of staff may veto a large APPROVE', async () => {
    const w = await readyWallet();
    const { review } = await pendingReview(w, 210_000);
    expect((await decide(A, review.caseId, 'APPROVE')).status).toBe(202);
    expect((await decide(B, review.caseId, 'REJECT', 'the call notes do not hold up')).status).toBe(200);
    await waitForStatus(w, review.chargeId, 'DECLINED');
  });

  it('a claim is paid by someone other than the staff member who opened it', async () => {
    const w = await readyWallet();
    const charge = await postCharge(w, 3_000);
    expect(charge.status).toBe(201);
    const claim = await as(A, 'POST', '/v1/ops/compensations', { chargeIds: [charge.body.chargeId], note: 'holder called' });
    expect(claim.status).toBe(201);
    expectError(await as(A, 'POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'PAY' }), 403, 'SECOND_APPROVER_REQUIRED');
    const paid = await as(B, 'POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'PAY' });
    expect(paid.status).toBe(200);
    expect(paid.body).toEqual(expect.objectContaining({ claimStatus: 'PAID', createdBy: `ops:${A.email}` }));
    const closed = (await as(A, 'GET', '/v1/ops/compensations?status=CLOSED')).body.items as any[];
    expect(closed.find((c) => c.claimId === claim.body.claimId)?.claimStatus).toBe('PAID');
    expect(((await as(A, 'GET', '/v1/ops/compensations')).body.items as any[]).some((c) => c.claimId === claim.body.claimId)).toBe(false);
    expectError(await badInput(() => as(A, 'GET', '/v1/ops/compensations?status=MAYBE')), 400, 'VALIDATION_ERROR');
  });

  it('a wallet frozen by a not-me report is unfrozen by two staff members; an ordinary freeze by one', async () => {
    const w = await readyWallet();
    expect((await reportNotMe(w)).status).toBe(200);
    expect(await walletStatus(w)).toBe('FROZEN');
    const first = await as(A, 'POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason: 'holder confirmed it was their spouse' });
    expect(first.status).toBe(202);
    expect(first.body).toEqual(expect.objectContaining({ status: 'AWAITING_SECOND_APPROVAL' }));
    expectError(await as(A, 'POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason: 'again' }), 403, 'SECOND_APPROVER_REQUIRED');
    expect(await walletStatus(w)).toBe('FROZEN');
    const second = await as(B, 'POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason: 'read the call notes' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('ACTIVE');
    expect(await walletStatus(w)).toBe('ACTIVE');
    const trail = await audit(w.user.userId);
    expect(trail.find((i) => i.action === 'USER_UNFREEZE_REQUESTED')?.actor).toBe(`ops:${A.email}`);
    expect(trail.find((i) => i.action === 'USER_UNFROZEN')).toEqual(expect.objectContaining({ actor: `ops:${B.email}`, details: expect.objectContaining({ firstApprover: A.email }) }));

    expect((await as(A, 'POST', `/v1/ops/users/${w.user.userId}/freeze`, { reason: 'pattern' })).status).toBe(200);
    expect((await as(A, 'POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason: 'cleared' })).status).toBe(200);
    expect(await walletStatus(w)).toBe('ACTIVE');
  });
});

/** An hour from the service clock (other suites move it forward). */
const inAnHour = async () => new Date(Date.parse((await api('GET', '/local/clock')).body.now) + 3600_000).toISOString();

describe('lists', () => {
  it('a DENY device entry declines charges (422 CHARGE_DECLINED, LISTED_DEVICE) until it is removed or expires; every change is audited', async () => {
    const w = await readyWallet();
    const put = await as(A, 'PUT', `/v1/ops/lists/DEVICE/${encodeURIComponent(w.deviceId)}`, { action: 'DENY', until: await inAnHour(), reason: 'device seen in a mule ring' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(expect.objectContaining({ kind: 'DEVICE', value: w.deviceId, action: 'DENY', createdBy: `ops:${A.email}` }));
    expect(((await as(A, 'GET', '/v1/ops/lists')).body.items as any[]).some((e) => e.kind === 'DEVICE' && e.value === w.deviceId)).toBe(true);

    const denied = await postCharge(w, 1_000);
    expectError(denied, 422, 'CHARGE_DECLINED');
    expect(denied.body.error.details.reasons).toEqual(['LISTED_DEVICE']);
    expect((await postCharge(w, 1_000, { deviceId: `dev-${randomUUID()}` })).status).toBe(202); // another device: a new-device code, not a refusal

    expect((await as(A, 'DELETE', `/v1/ops/lists/DEVICE/${encodeURIComponent(w.deviceId)}`)).status).toBe(204);
    expectError(await as(A, 'DELETE', `/v1/ops/lists/DEVICE/${encodeURIComponent(w.deviceId)}`), 404, 'NOT_FOUND');
    expect((await postCharge(w, 1_000)).status).toBe(201);

    // Expiry: an entry until a minute from the service clock stops applying once the clock passes it.
    const now = Date.parse((await api('GET', '/local/clock')).body.now);
    expect((await as(A, 'PUT', `/v1/ops/lists/DEVICE/${encodeURIComponent(w.deviceId)}`, { action: 'DENY', until: new Date(now + 60_000).toISOString(), reason: 'short' })).status).toBe(200);
    expectError(await postCharge(w, 1_000), 422, 'CHARGE_DECLINED');
    await advanceClock(120);
    const after = await postCharge(w, 1_000);
    expect([201, 202]).toContain(after.status); // (several charges in an hour may ask for a code: the entry no longer refuses)
    expect((await getCharge(w, after.body.chargeId)).body.decision.reasons).not.toContain('LISTED_DEVICE');
    expect(((await as(A, 'GET', '/v1/ops/lists')).body.items as any[]).some((e) => e.kind === 'DEVICE' && e.value === w.deviceId)).toBe(false);

    const trail = await audit('lists');
    expect(trail.filter((i) => i.details?.value === w.deviceId).map((i) => i.action)).toEqual(expect.arrayContaining(['LIST_ENTRY_PUT', 'LIST_ENTRY_DELETED']));
  });

  it('a REVIEW bank-account entry sends the charge to a human (LISTED_BANK_ACCOUNT); a DENY one refuses new links (403 BANK_ACCOUNT_LOCKED)', async () => {
    const w = await readyWallet();
    const value = `${w.account.bankCode}-${w.account.branchCode}-${w.account.accountNumber}`;
    const put = await as(A, 'PUT', `/v1/ops/lists/BANK_ACCOUNT/${value}`, { action: 'REVIEW', until: await inAnHour(), reason: 'holder asked us to check' });
    expect(put.status).toBe(200);
    expect(put.body.value).not.toContain(w.account.accountNumber); // the number is stored only as the links' keyed hash
    const res = await postCharge(w, 1_000);
    expect(res.status).toBe(202);
    const charge = (await getCharge(w, res.body.chargeId)).body;
    expect(charge.decision).toEqual({ outcome: 'REVIEW', reasons: expect.arrayContaining(['LISTED_BANK_ACCOUNT']) });

    const other = await verifiedUser();
    expect((await as(A, 'PUT', `/v1/ops/lists/BANK_ACCOUNT/${value}`, { action: 'DENY', until: await inAnHour(), reason: 'compromised' })).status).toBe(200);
    const link = await api('POST', '/v1/me/bank-links', { token: other.token, body: { bankCode: w.account.bankCode, branchCode: w.account.branchCode, accountNumber: w.account.accountNumber } });
    expectError(link, 403, 'BANK_ACCOUNT_LOCKED');
    expect(link.body.error.details.reasons).toEqual(['LISTED_BANK_ACCOUNT']);
    expect((await as(A, 'DELETE', `/v1/ops/lists/BANK_ACCOUNT/${value}`)).status).toBe(204);
  });

  it('a PHONE entry matches the wallet phone', async () => {
    const w = await readyWallet();
    expect((await as(A, 'PUT', `/v1/ops/lists/PHONE/${encodeURIComponent(w.user.phone)}`, { action: 'DENY', until: await inAnHour(), reason: 'SIM swap reported' })).status).toBe(200);
    const res = await postCharge(w, 1_000);
    expectError(res, 422, 'CHARGE_DECLINED');
    expect(res.body.error.details.reasons).toEqual(['LISTED_PHONE']);
    expect((await as(A, 'DELETE', `/v1/ops/lists/PHONE/${encodeURIComponent(w.user.phone)}`)).status).toBe(204);
  });

  it('refuses malformed kinds, values and times with 400 and stores nothing', async () => {
    const body = { action: 'DENY', until: await inAnHour(), reason: 'x' };
    expectError(await badInput(() => as(A, 'PUT', '/v1/ops/lists/EMAIL/a@b.c', body)), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => as(A, 'PUT', '/v1/ops/lists/PHONE/0901234', body)), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => as(A, 'PUT', '/v1/ops/lists/BANK_ACCOUNT/0001-001', body)), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => as(A, 'PUT', `/v1/ops/lists/EKYC_IDENTITY/${encodeURIComponent('Yamada_1990-04-01')}`, body)), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => as(A, 'PUT', '/v1/ops/lists/DEVICE/dev-x', { ...body, until: '2001-01-01T00:00:00Z' })), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => as(A, 'PUT', '/v1/ops/lists/DEVICE/dev-x', { ...body, action: 'MAYBE' })), 400, 'VALIDATION_ERROR');
    expect(((await as(A, 'GET', '/v1/ops/lists')).body.items as any[]).some((e) => e.value === 'dev-x' || e.value === '0901234')).toBe(false);
    const user = await verifiedUser();
    expectError(await api('GET', '/v1/ops/lists', { token: user.token }), 403, 'FORBIDDEN');
  });
});

describe('review context', () => {
  it('each open case carries the user, link, device, recent charges, facts per reason and the wallets sharing its keys', async () => {
    // Two wallets of one eKYC identity (a name no other suite uses), the second on the first one's device.
    const suffix = randomUUID().slice(0, 4);
    const kana = `テスト ${['アキ', 'ハル', 'ナツ', 'フユ'][parseInt(suffix, 16) % 4]}${['コ', 'ミ', 'ヨ'][parseInt(suffix, 16) % 3]}`;
    const identity = { fullName: `試験 ${suffix}`, fullNameKana: kana, dateOfBirth: `19${50 + (parseInt(suffix, 16) % 40)}-0${1 + (parseInt(suffix, 16) % 9)}-1${parseInt(suffix, 16) % 10}` };
    const wallet = async (): Promise<LinkedWallet> => {
      const user = await verifiedUser(identity);
      const account = await openBankAccount({ holderNameKana: kana, dateOfBirth: identity.dateOfBirth });
      return { user, account, linkId: await linkAccount(user, account), deviceId: `dev-${randomUUID()}` };
    };
    const w = await wallet();
    const twin = await wallet();
    await advanceClock(HOLDER_WINDOW_SECONDS); // past both links' holder windows
    const first = await challenged(w, 2_000);
    expect((await confirmCharge(w, first.chargeId, first.code)).status).toBe(200);
    await waitForStatus(w, first.chargeId, 'COMPLETED');
    const shared = await challenged(twin, 1_500, { deviceId: w.deviceId });
    expect((await confirmCharge(twin, shared.chargeId, shared.code, { deviceId: w.deviceId })).status).toBe(200);

    // The link's phone is not the holder's (not attested): 40,000 yen of exposure needs the holder's code, sent by the bank.
    const big = await postCharge(w, 40_000);
    expect(big.status).toBe(202);
    const confirmed = await confirmCharge(w, big.body.chargeId, await lastCode(w.account.holderPhone));
    expect({ status: confirmed.status, body: confirmed.body }).toEqual({ status: 200, body: { chargeId: big.body.chargeId, status: 'PENDING_REVIEW' } });
    const review = await waitForCase(big.body.chargeId);
    expect(review.reasons).toEqual(expect.arrayContaining(['HOLDER_CHALLENGE', 'DEVICE_SHARED']));
    const item = await queueItem(review.caseId);
    const ctx = item.context;
    expect(ctx.user).toEqual(expect.objectContaining({ kycName: identity.fullName, kycNameKana: kana, status: 'ACTIVE', balance: 2_000, pending: 40_000, walletAgeHours: expect.any(Number) }));
    expect(ctx.link).toEqual(expect.objectContaining({ bankCode: w.account.bankCode, accountMasked: expect.stringMatching(/\*+\d{3}$/), ageHours: expect.any(Number), phoneAttested: false }));
    expect(ctx.device).toEqual({ id: w.deviceId, firstSeenAt: expect.any(String), otherWallets: [twin.user.userId] });
    expect(ctx.recentCharges.map((c: any) => c.chargeId)).toEqual([review.chargeId, first.chargeId]);
    expect(ctx.recentCharges[1]).toEqual(expect.objectContaining({ status: 'COMPLETED', outcome: 'CHALLENGE', amount: 2_000 }));
    for (const reason of item.reasons) expect(ctx.facts).toHaveProperty(reason);
    expect(ctx.relatedWallets).toEqual([{ userId: twin.user.userId, via: expect.arrayContaining(['DEVICE', 'EKYC_IDENTITY']) }]);

    // A REVIEW list entry on the identity: the next charge's case names the entry as its facts.
    const value = `${kana}_${identity.dateOfBirth}`;
    const put = await as(A, 'PUT', `/v1/ops/lists/EKYC_IDENTITY/${encodeURIComponent(value)}`, { action: 'REVIEW', until: await inAnHour(), reason: 'identity reported stolen' });
    expect(put.status).toBe(200);
    expect(put.body.value).toBe(`${kana.replace(/\s/g, '')}_${identity.dateOfBirth}`);
    const listed = await challenged(twin, 1_000, { deviceId: w.deviceId });
    expect((await confirmCharge(twin, listed.chargeId, listed.code, { deviceId: w.deviceId })).status).toBe(200);
    const c2 = await waitForCase(listed.chargeId);
    expect(c2.reasons).toContain('LISTED_EKYC_IDENTITY');
    expect((await queueItem(c2.caseId)).context.facts.LISTED_EKYC_IDENTITY).toEqual(expect.objectContaining({ action: 'REVIEW', reason: 'identity reported stolen' }));
    expect((await as(A, 'DELETE', `/v1/ops/lists/EKYC_IDENTITY/${encodeURIComponent(value)}`)).status).toBe(204);
    for (const c of [review.caseId, c2.caseId]) expect((await decide(A, c, 'REJECT')).status).toBe(200);
  });
});
