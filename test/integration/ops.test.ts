/**
 * Operations over HTTP: freezing stops a wallet's money, bank switches take effect
 * at once, compensation pays a victim back in full, the holder's not-me report stops
 * everything, and every action lands in the audit trail with the acting staff member.
 */
import { api, badInput, opsToken, smsTo, type TestAccount } from '../support/api';
import {
  bankAccount, challenged, checkerAuth, confirmCharge, expectError, linkedWallet, pendingReview, postCharge, readyWallet, waitForStatus, walletBalance, type LinkedWallet,
} from '../support/charges';

let ops: string;
beforeAll(async () => {
  ops = await opsToken();
});

const opsApi = (method: string, path: string, body?: unknown) => api(method, path, { token: ops, body });
const me = async (w: LinkedWallet) => (await api('GET', '/v1/me', { token: w.user.token })).body;
const executions = async () => (await api('GET', '/local/workflow/executions')).body.executions as { name: string; status: string }[];

async function bankBalanceOf(a: TestAccount) {
  return (await bankAccount(a)).balance;
}

describe('freeze and unfreeze', () => {
  it('freezing cancels waiting charges, ends their executions, and refuses new links and charges; unfreezing restores', async () => {
    const w = await readyWallet();
    const waiting = await challenged(w, 60_000);
    const inReview = await pendingReview(w, 250_000);

    const res = await opsApi('POST', `/v1/ops/users/${w.user.userId}/freeze`, { reason: 'suspicious pattern reported by the bank' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('FROZEN');
    expect(res.body.cancelledCharges).toEqual(expect.arrayContaining([waiting.chargeId, inReview.chargeId]));
    await waitForStatus(w, waiting.chargeId, 'CANCELLED');
    await waitForStatus(w, inReview.chargeId, 'CANCELLED');
    const deadline = Date.now() + 10_000;
    while ((await executions()).some((e) => e.name.startsWith(waiting.chargeId) && e.status === 'RUNNING') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await executions()).filter((e) => e.name.startsWith(waiting.chargeId) || e.name.startsWith(inReview.chargeId)).every((e) => e.status !== 'RUNNING')).toBe(true);
    // The confirmation that comes too late changes nothing.
    expectError(await confirmCharge(w, waiting.chargeId, waiting.code), 409, 'INVALID_STATE');

    expect((await me(w)).status).toBe('FROZEN');
    expectError(await postCharge(w, 1_000), 403, 'ACCOUNT_FROZEN');
    expectError(await api('POST', '/v1/me/bank-links', { token: w.user.token, body: { bankCode: '0001', branchCode: '001', accountNumber: '1234567' } }), 403, 'ACCOUNT_FROZEN');
    expect((await opsApi('GET', '/v1/ops/reviews?status=OPEN')).body.items.some((i: { chargeId: string }) => i.chargeId === inReview.chargeId)).toBe(false);

    const un = await opsApi('POST', `/v1/ops/users/${w.user.userId}/unfreeze`, { reason: 'cleared with the customer' });
    expect(un.status).toBe(200);
    expect((await me(w)).status).toBe('ACTIVE');
    expect((await postCharge(w, 1_000)).status).toBe(201);

    const trail = (await opsApi('GET', `/v1/ops/audit?userId=${w.user.userId}`)).body.items as { action: string; actor: string; reason?: string }[];
    expect(trail.find((i) => i.action === 'USER_FROZEN')).toEqual(expect.objectContaining({ actor: expect.stringMatching(/^ops:/), reason: 'suspicious pattern reported by the bank' }));
    expect(trail.find((i) => i.action === 'USER_UNFROZEN')).toEqual(expect.objectContaining({ actor: expect.stringMatching(/^ops:/), reason: 'cleared with the customer' }));
  });

  it('an unknown user is 404, a missing reason 400', async () => {
    expectError(await opsApi('POST', '/v1/ops/users/00000000-0000-4000-8000-000000000000/freeze', { reason: 'x' }), 404, 'NOT_FOUND');
    const w = await linkedWallet();
    expectError(await badInput(() => opsApi('POST', `/v1/ops/users/${w.user.userId}/freeze`, {})), 400, 'VALIDATION_ERROR');
    expect((await me(w)).status).toBe('ACTIVE');
  });
});

describe('bank switches', () => {
  afterAll(async () => {
    await opsApi('PUT', '/v1/ops/banks/9900', { linkingEnabled: true, chargingEnabled: true });
  });

  it('lists the seeded banks, and a switch takes effect on the next link and charge', async () => {
    const list = await opsApi('GET', '/v1/ops/banks');
    expect(list.status).toBe(200);
    expect(list.body.items.map((b: { bankCode: string }) => b.bankCode)).toEqual(expect.arrayContaining(['0001', '9900']));

    const w = await readyWalletAt('9900');
    const off = await opsApi('PUT', '/v1/ops/banks/9900', { linkingEnabled: false, chargingEnabled: false });
    expect(off.body).toEqual(expect.objectContaining({ bankCode: '9900', linkingEnabled: false, chargingEnabled: false, updatedBy: expect.stringMatching(/^ops:/) }));
    expectError(await postCharge(w, 1_000), 503, 'BANK_SUSPENDED');
    expectError(await api('POST', '/v1/me/bank-links', { token: w.user.token, body: { bankCode: '9900', branchCode: '001', accountNumber: '7654321' } }), 503, 'BANK_SUSPENDED');

    await opsApi('PUT', '/v1/ops/banks/9900', { linkingEnabled: true, chargingEnabled: true });
    expect((await postCharge(w, 1_000)).status).toBe(201);
  });

  it('refuses malformed switches without changing anything', async () => {
    const before = (await opsApi('GET', '/v1/ops/banks')).body;
    expectError(await badInput(() => opsApi('PUT', '/v1/ops/banks/99', { linkingEnabled: true, chargingEnabled: true })), 400, 'VALIDATION_ERROR');
    expectError(await badInput(() => opsApi('PUT', '/v1/ops/banks/9900', { linkingEnabled: 'no', chargingEnabled: true })), 400, 'VALIDATION_ERROR');
    expect((await opsApi('GET', '/v1/ops/banks')).body).toEqual(before);
  });
});

async function readyWalletAt(bankCode: string) {
  const w = await linkedWallet({ bankCode });
  const { chargeId, code } = await challenged(w, 1_000);
  expect((await confirmCharge(w, chargeId, code)).status).toBe(200);
  await waitForStatus(w, chargeId, 'COMPLETED');
  return w;
}

describe('compensation', () => {
  it('PAY refunds the victim in full through the bank, claws back from the wallet and freezes it', async () => {
    const w = await linkedWallet({ balance: 400_000 });
    const before = await bankBalanceOf(w.account);
    const first = await challenged(w, 8_000);
    expect((await confirmCharge(w, first.chargeId, first.code)).status).toBe(200);
    await waitForStatus(w, first.chargeId, 'COMPLETED');
    const second = await postCharge(w, 5_000);
    expect(second.status).toBe(201);
    expect(await bankBalanceOf(w.account)).toBe(before - 13_000);

    const claim = await opsApi('POST', '/v1/ops/compensations', { chargeIds: [first.chargeId, second.body.chargeId], note: 'holder reported by phone' });
    expect(claim.status).toBe(201);
    expect(claim.body).toEqual({ claimId: expect.stringMatching(/^clm_/), amount: 13_000 });
    expectError(await opsApi('POST', '/v1/ops/compensations', { chargeIds: [first.chargeId], note: 'again' }), 409, 'INVALID_STATE');
    expect((await opsApi('GET', '/v1/ops/compensations')).body.items.some((c: { claimId: string }) => c.claimId === claim.body.claimId)).toBe(true);

    // Four eyes: the staff member who opened the claim cannot pay it.
    expectError(await opsApi('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'PAY', note: 'identity theft confirmed' }), 403, 'SECOND_APPROVER_REQUIRED');
    const paid = await api('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { token: (await checkerAuth()).token, body: { decision: 'PAY', note: 'identity theft confirmed' } });
    expect(paid.status).toBe(200);
    expect(paid.body).toEqual(expect.objectContaining({ claimStatus: 'PAID', refunded: 13_000, clawback: 13_000, loss: 0 }));
    expect(await bankBalanceOf(w.account)).toBe(before);
    expect(await walletBalance(w)).toBe(0);
    expect((await me(w)).status).toBe('FROZEN');
    const tx = (await api('GET', '/v1/me/transactions', { token: w.user.token })).body.items;
    expect(tx[0]).toEqual(expect.objectContaining({ type: 'CLAWBACK', amount: -13_000, balanceAfter: 0 }));
    expectError(await opsApi('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'PAY' }), 409, 'INVALID_STATE');

    const trail = (await opsApi('GET', `/v1/ops/audit?userId=${w.user.userId}`)).body.items as { action: string; actor: string }[];
    for (const action of ['COMPENSATION_OPENED', 'COMPENSATION_PAID', 'USER_FROZEN']) {
      expect(trail.find((i) => i.action === action)?.actor).toMatch(/^ops:/);
    }
    const report = await api('GET', '/local/reconcile');
    expect(report.body.differences).toEqual([]);
  });

  it('DENY closes a claim and frees its charges for a later claim; unknown charges are 404', async () => {
    const w = await readyWallet();
    const charge = await postCharge(w, 2_000);
    expect(charge.status).toBe(201);
    const claim = await opsApi('POST', '/v1/ops/compensations', { chargeIds: [charge.body.chargeId], note: 'disputed' });
    expect(claim.status).toBe(201);
    const denied = await opsApi('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'DENY', note: 'the holder made it' });
    expect(denied.body.claimStatus).toBe('DENIED');
    expect((await me(w)).status).toBe('ACTIVE');
    expect((await opsApi('POST', '/v1/ops/compensations', { chargeIds: [charge.body.chargeId], note: 'new evidence' })).status).toBe(201);
    expectError(await opsApi('POST', '/v1/ops/compensations', { chargeIds: [`chg_${'0'.repeat(32)}`], note: 'x' }), 404, 'NOT_FOUND');
  });
});

describe('not-me report from the bank account holder', () => {
  it('freezes the wallet, suspends the link, cancels waiting charges and opens a claim; one token, one report', async () => {
    const w = await readyWallet({ balance: 300_000, firstAmount: 4_000 });
    const done = await postCharge(w, 6_000);
    expect(done.status).toBe(201);
    const waiting = await challenged(w, 70_000);

    const notice = (await smsTo(w.account.holderPhone)).map((m) => m.body).find((b) => /token=/.test(b))!;
    const token = /token=([\w.-]+)/.exec(notice)![1];
    const res = await api('POST', '/v1/reports/not-me', { body: { token } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ reported: true, walletFrozen: true, linkSuspended: true, amount: 10_000, claimId: expect.stringMatching(/^clm_/) }));
    expect(res.body.cancelledCharges).toContain(waiting.chargeId);
    await waitForStatus(w, waiting.chargeId, 'CANCELLED');
    expect((await me(w)).status).toBe('FROZEN');
    const link = (await api('GET', '/v1/me/bank-links', { token: w.user.token })).body.items.find((l: { linkId: string }) => l.linkId === w.linkId);
    expect(link.status).toBe('SUSPENDED');
    expect((await api('GET', '/local/alerts')).body.alerts.some((a: { message: string }) => a.message.includes(w.user.userId))).toBe(true);

    const again = await api('POST', '/v1/reports/not-me', { body: { token } });
    expect(again.status).toBe(200);
    expect(again.body.claimId).toBe(res.body.claimId);

    const before = (await bankAccount(w.account)).balance;
    const paid = await opsApi('POST', `/v1/ops/compensations/${res.body.claimId}/decision`, { decision: 'PAY' });
    expect(paid.body.claimStatus).toBe('PAID');
    expect((await bankAccount(w.account)).balance).toBe(before + 10_000);
    expect((await bankAccount(w.account)).balance).toBe(300_000);

    // The case settled, ops let the account go: the SUSPENDED link is REMOVED, once, audited.
    const released = await opsApi('POST', `/v1/ops/users/${w.user.userId}/links/${w.linkId}/release`, { reason: 'claim paid' });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ linkId: w.linkId, status: 'REMOVED' });
    expectError(await opsApi('POST', `/v1/ops/users/${w.user.userId}/links/${w.linkId}/release`, { reason: 'again' }), 409, 'INVALID_STATE');
    const trail = (await opsApi('GET', `/v1/ops/audit?userId=${w.user.userId}`)).body.items as { action: string; reason?: string }[];
    expect(trail.find((i) => i.action === 'LINK_RELEASED')).toEqual(expect.objectContaining({ reason: 'claim paid' }));
  });

  it('refuses forged, tampered and garbage tokens with 401 INVALID_TOKEN and changes nothing', async () => {
    const w = await readyWallet();
    const notice = (await smsTo(w.account.holderPhone)).map((m) => m.body).find((b) => /token=/.test(b))!;
    const token = /token=([\w.-]+)/.exec(notice)![1];
    const [v, payload, mac] = token.split('.');
    expect(v).toBe('v2'); // the compact form: exp is the 4 bytes after the flags and three 16-byte ids
    const bytes = Buffer.from(payload, 'base64url');
    bytes.writeUInt32BE(0xffffffff, 49);
    const forgedPayload = bytes.toString('base64url');
    for (const bad of ['garbage', `${v}.${forgedPayload}.${mac}`, `${v}.${payload}.${mac.slice(0, -2)}AA`, `v1.${payload}.${mac}`]) {
      expectError(await api('POST', '/v1/reports/not-me', { body: { token: bad } }), 401, 'INVALID_TOKEN');
    }
    expectError(await api('POST', '/v1/reports/not-me', { body: {}, invalid: true }), 400, 'VALIDATION_ERROR');
    expect((await me(w)).status).toBe('ACTIVE');
  });
});

describe('audit', () => {
  it('is for ops only and validates its query', async () => {
    const w = await linkedWallet();
    expectError(await api('GET', `/v1/ops/audit?userId=${w.user.userId}`, { token: w.user.token }), 403, 'FORBIDDEN');
    expectError(await badInput(() => opsApi('GET', '/v1/ops/audit?userId=not-a-user')), 400, 'VALIDATION_ERROR');
    const trail = (await opsApi('GET', `/v1/ops/audit?userId=${w.user.userId}`)).body.items as { action: string; at: string }[];
    expect(trail.map((i) => i.action)).toEqual(expect.arrayContaining(['USER_REGISTERED', 'PHONE_VERIFIED', 'KYC_VERIFIED', 'LINK_REQUESTED', 'LINK_ACTIVATED']));
    const times = trail.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
  });
});
