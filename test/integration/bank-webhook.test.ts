/**
 * The bank as a partner: signed bank → wallet events (DESIGN.md, POST /v1/webhooks/bank).
 * ACCOUNT_COMPROMISED suspends every link to the account, cancels its waiting charges and
 * freezes wallets that charged from it in 30 days; HOLDER_BLOCKED_LINKING refuses new links.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { api, linkAccount, openBankAccount, verifiedUser } from '../support/api';
import { challenged, expectError, getCharge, linkedWallet, readyWallet } from '../support/charges';
import { freshBank, opsApi, reportNotMe, walletStatus } from '../support/controls';

const SECRET = process.env.ANSHIN_BANK_WEBHOOK_SECRET ?? 'local-bank-secret';

/** The service's clock in seconds: other suites may have moved it ahead (POST /local/clock). */
async function serviceNow(): Promise<number> {
  const res = await api('GET', '/local/clock');
  return Math.floor(Date.parse(res.body.now) / 1000);
}

async function signed(body: Record<string, unknown>, options: { secret?: string; at?: number; invalid?: boolean } = {}) {
  const raw = JSON.stringify(body);
  const t = options.at ?? (await serviceNow());
  const v1 = createHmac('sha256', options.secret ?? SECRET).update(`${t}.${raw}`).digest('hex');
  return api('POST', '/v1/webhooks/bank', { rawBody: raw, headers: { 'content-type': 'application/json', 'x-bank-signature': `t=${t},v1=${v1}` }, invalid: options.invalid });
}

const bankEvent = (body: Record<string, unknown>) => api('POST', '/local/bank/events', { body });

describe('POST /v1/webhooks/bank: signature', () => {
  const event = { eventId: `ev-${randomUUID()}`, type: 'HOLDER_BLOCKED_LINKING', bankCode: '0001', branchCode: '001', accountNumber: '1234567', until: '2099-01-01T00:00:00Z' };

  it('refuses a missing, wrong, foreign-secret or stale signature with 401 INVALID_SIGNATURE, and changes nothing', async () => {
    expectError(await api('POST', '/v1/webhooks/bank', { body: event, invalid: true }), 401, 'INVALID_SIGNATURE');
    expectError(await signed(event, { secret: 'local-ekyc-secret' }), 401, 'INVALID_SIGNATURE');
    expectError(await signed(event, { at: (await serviceNow()) - 3600 }), 401, 'INVALID_SIGNATURE');
    const raw = JSON.stringify(event);
    const t = await serviceNow();
    const v1 = createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex');
    const tampered = await api('POST', '/v1/webhooks/bank', { rawBody: raw.replace('1234567', '7654321'), headers: { 'content-type': 'application/json', 'x-bank-signature': `t=${t},v1=${v1}` } });
    expectError(tampered, 401, 'INVALID_SIGNATURE');
  });

  it('a signed but malformed body is 400 VALIDATION_ERROR naming the field', async () => {
    const res = await signed({ ...event, eventId: `ev-${randomUUID()}`, accountNumber: '12' }, { invalid: true });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error.details)).toContain('accountNumber');
  });
});

describe('HOLDER_BLOCKED_LINKING', () => {
  it('new links to the account are refused with 403 BANK_ACCOUNT_LOCKED until `until`; a repeated eventId changes nothing', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const eventId = `ev-${randomUUID()}`;
    const body = { eventId, type: 'HOLDER_BLOCKED_LINKING', bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber, until: '2099-01-01T00:00:00Z' };
    const first = await signed(body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(expect.objectContaining({ received: true, applied: true }));
    const again = await signed(body);
    expect(again.status).toBe(200);
    expect(again.body.applied).toBe(false);
    const link = await api('POST', '/v1/me/bank-links', { token: user.token, body: { bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
    expectError(link, 403, 'BANK_ACCOUNT_LOCKED');
    // Another account of the same bank links as usual.
    await expect(linkAccount(user, await openBankAccount())).resolves.toEqual(expect.any(String));
  });

  it('an `until` in the past is 400 VALIDATION_ERROR', async () => {
    const res = await signed({ eventId: `ev-${randomUUID()}`, type: 'HOLDER_BLOCKED_LINKING', bankCode: '0001', branchCode: '001', accountNumber: '1234567', until: '2001-01-01T00:00:00Z' });
    expectError(res, 400, 'VALIDATION_ERROR');
  });
});

describe('ACCOUNT_COMPROMISED (delivered by the bank simulator: POST /local/bank/events)', () => {
  it('suspends the link, cancels its waiting charge, freezes the wallet that charged from it, alerts ops, and locks the account for new links', async () => {
    const w = await readyWallet();
    const waiting = await challenged(w, 4_000, { deviceId: `new-${randomUUID()}` });
    const res = await bankEvent({ type: 'ACCOUNT_COMPROMISED', bankCode: w.account.bankCode, branchCode: w.account.branchCode, accountNumber: w.account.accountNumber });
    // The simulator answers with the service's answer to its webhook.
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { received: true, applied: true, suspendedLinks: 1, frozenWallets: 1, cancelledCharges: 1 } });

    expect(await walletStatus(w.user)).toBe('FROZEN');
    expect((await getCharge(w, waiting.chargeId)).body.status).toBe('CANCELLED');
    const links = await api('GET', '/v1/me/bank-links', { token: w.user.token });
    expect(links.body.items.find((l: { linkId: string }) => l.linkId === w.linkId).status).toBe('SUSPENDED');
    // The suspended link keeps the account: it cannot be removed by the wallet, nor linked elsewhere.
    expectError(await api('DELETE', `/v1/me/bank-links/${w.linkId}`, { token: w.user.token }), 409, 'INVALID_STATE');
    const other = await verifiedUser();
    const again = await api('POST', '/v1/me/bank-links', { token: other.token, body: { bankCode: w.account.bankCode, branchCode: w.account.branchCode, accountNumber: w.account.accountNumber } });
    expect([403, 409]).toContain(again.status);
    const alerts = (await api('GET', '/local/alerts')).body.alerts as { subject: string }[];
    expect(alerts.some((a) => /compromised/i.test(a.subject))).toBe(true);
    const audit = await opsApi('GET', `/v1/ops/audit?userId=${w.user.userId}`);
    expect((audit.body.items as { action: string; actor: string }[]).filter((i) => i.actor === `bank:${w.account.bankCode}`).map((i) => i.action)).toEqual(
      expect.arrayContaining(['LINK_SUSPENDED', 'USER_FROZEN']),
    );
  });

  it('a wallet whose link to the account never charged keeps its status; its link is suspended all the same', async () => {
    const w = await linkedWallet();
    const res = await bankEvent({ type: 'ACCOUNT_COMPROMISED', bankCode: w.account.bankCode, branchCode: w.account.branchCode, accountNumber: w.account.accountNumber });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { received: true, applied: true, suspendedLinks: 1, frozenWallets: 0, cancelledCharges: 0 } });
    expect(await walletStatus(w.user)).toBe('ACTIVE');
  });
});

describe('the per-bank circuit breaker', () => {
  it('a spike of not-me reports at one bank pauses new links to it (audited, ops paged; charging untouched) until ops resume it', async () => {
    const bankCode = await freshBank();
    const set = await opsApi('PUT', `/v1/ops/banks/${bankCode}`, { linkingEnabled: true, chargingEnabled: true, breaker: { notMeReports: 2 } });
    expect(set.body.breaker).toEqual({ notMeReports: 2 });
    // One after the other: each moves the clock past its link's holder window, which would expire the other's link code.
    const a = await linkedWallet({ bankCode });
    const b = await linkedWallet({ bankCode });
    expect((await reportNotMe(a)).status).toBe(200);
    expect((await opsApi('GET', '/v1/ops/banks')).body.items.find((x: { bankCode: string }) => x.bankCode === bankCode).linkingEnabled).toBe(true);
    expect((await reportNotMe(b)).status).toBe(200);

    const bank = (await opsApi('GET', '/v1/ops/banks')).body.items.find((x: { bankCode: string }) => x.bankCode === bankCode);
    expect(bank).toEqual(expect.objectContaining({ linkingEnabled: false, chargingEnabled: true, updatedBy: 'system:circuit-breaker' }));
    const alerts = (await api('GET', '/local/alerts')).body.alerts as { subject: string }[];
    expect(alerts.some((x) => x.subject === `Bank ${bankCode}: new links paused`)).toBe(true);
    const trail = (await opsApi('GET', `/v1/ops/audit?userId=bank-${bankCode}`)).body.items as { actor: string; action: string; reason?: string }[];
    expect(trail).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'system:circuit-breaker', action: 'BANK_SWITCHED', reason: 'NOT_ME_REPORT_SPIKE' })]));

    const user = await verifiedUser();
    const account = await openBankAccount({ bankCode });
    const refused = await api('POST', '/v1/me/bank-links', { token: user.token, body: { bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
    expectError(refused, 503, 'BANK_SUSPENDED');
    // Ops resume it: links work again.
    expect((await opsApi('PUT', `/v1/ops/banks/${bankCode}`, { linkingEnabled: true, chargingEnabled: true })).status).toBe(200);
    await expect(linkAccount(user, account)).resolves.toEqual(expect.any(String));
  });
});
