/**
 * "List this device / account / phone / identity" from a case, and removing any entry from the
 * lists view: the console holds sealed references, never a bank account's number, a full phone
 * number or a birth date (issue 13, console side).
 */
import { api, badInput, opsToken } from '../support/api';
import { expectError, getCharge, pendingReview, postCharge, readyWallet } from '../support/charges';

jest.setTimeout(120_000);

let ops: string;
beforeAll(async () => {
  ops = await opsToken();
});

const as = (method: string, path: string, body?: unknown) => api(method, path, { token: ops, body });
const inAnHour = async () => new Date(Date.parse((await api('GET', '/local/clock')).body.now) + 3600_000).toISOString();

describe('sealed list references', () => {
  it('a case carries one per kind that reveals nothing; listing its bank account catches the next charge; the entry is removed by its ref', async () => {
    const w = await readyWallet();
    const { review } = await pendingReview(w, 100_000); // over the young link's 100,000 in 30 days: a human decides
    const queue = await as('GET', '/v1/ops/reviews?status=OPEN');
    expect(Date.parse(queue.body.now)).not.toBeNaN();
    const item = (queue.body.items as any[]).find((i) => i.caseId === review.caseId);
    const refs = item.context.listRefs;
    expect(Object.keys(refs).sort()).toEqual(['BANK_ACCOUNT', 'DEVICE', 'EKYC_IDENTITY', 'PHONE']);
    expect(refs.DEVICE).toEqual({ value: w.deviceId, shown: w.deviceId });
    const text = JSON.stringify(item.context);
    expect(text).not.toContain(w.account.accountNumber);
    expect(text).not.toContain(w.user.phone);
    for (const kind of ['PHONE', 'BANK_ACCOUNT', 'EKYC_IDENTITY']) expect(refs[kind].value).toMatch(/^~[A-Za-z0-9_-]+$/);
    expect(refs.BANK_ACCOUNT.shown).toBe(`${w.account.bankCode}-${w.account.branchCode}-${item.context.link.accountMasked}`);
    expect(item.context.link).toEqual(expect.objectContaining({ activatedAt: expect.any(String), debitsNotified: 1 })); // readyWallet's first charge
    expect(item.context.user.createdAt).toEqual(expect.any(String));

    // A reference opens only for its own kind, and only as the service sealed it.
    const body = { action: 'REVIEW', until: await inAnHour(), reason: 'listed from a case' };
    expectError(await badInput(() => as('PUT', `/v1/ops/lists/PHONE/${refs.BANK_ACCOUNT.value}`, body)), 400, 'VALIDATION_ERROR');
    const tampered = refs.BANK_ACCOUNT.value.slice(0, -2) + (refs.BANK_ACCOUNT.value.endsWith('AA') ? 'BB' : 'AA');
    expectError(await badInput(() => as('PUT', `/v1/ops/lists/BANK_ACCOUNT/${tampered}`, body)), 400, 'VALIDATION_ERROR');

    const put = await as('PUT', `/v1/ops/lists/BANK_ACCOUNT/${refs.BANK_ACCOUNT.value}`, body);
    expect(put.status).toBe(200);
    expect(put.body.value).toBe(refs.BANK_ACCOUNT.shown);
    try {
      const res = await postCharge(w, 1_000);
      expect(res.status).toBe(202);
      expect((await getCharge(w, res.body.chargeId)).body.decision.reasons).toContain('LISTED_BANK_ACCOUNT');
    } finally {
      const entry = ((await as('GET', '/v1/ops/lists')).body.items as any[]).find((e) => e.kind === 'BANK_ACCOUNT' && e.value === refs.BANK_ACCOUNT.shown);
      expect(entry.ref).toMatch(/^~/);
      expect((await as('DELETE', `/v1/ops/lists/BANK_ACCOUNT/${entry.ref}`)).status).toBe(204);
    }
    expect(((await as('GET', '/v1/ops/lists')).body.items as any[]).some((e) => e.value === refs.BANK_ACCOUNT.shown)).toBe(false);

    // A phone listed from a case shows masked, in the entry and in the trail.
    expect((await as('PUT', `/v1/ops/lists/PHONE/${refs.PHONE.value}`, body)).body.value).toBe(refs.PHONE.shown);
    const phone = ((await as('GET', '/v1/ops/lists')).body.items as any[]).find((e) => e.kind === 'PHONE' && e.value === refs.PHONE.shown);
    expect((await as('DELETE', `/v1/ops/lists/PHONE/${phone.ref}`)).status).toBe(204);
    const trail = JSON.stringify((await as('GET', '/v1/ops/audit?userId=lists')).body.items);
    expect(trail).not.toContain(w.user.phone);

    expect((await as('POST', `/v1/ops/reviews/${review.caseId}/decision`, { decision: 'REJECT', note: 'test over' })).status).toBe(200);
  });

  it('a bank account typed in full is masked as the links mask it (the last three digits), never more', async () => {
    const w = await readyWallet();
    const value = `${w.account.bankCode}-${w.account.branchCode}-${w.account.accountNumber}`;
    const put = await as('PUT', `/v1/ops/lists/BANK_ACCOUNT/${value}`, { action: 'REVIEW', until: await inAnHour(), reason: 'typed' });
    expect(put.body.value).toBe(`${w.account.bankCode}-${w.account.branchCode}-****${w.account.accountNumber.slice(-3)}`);
    expect((await as('DELETE', `/v1/ops/lists/BANK_ACCOUNT/${value}`)).status).toBe(204);
  });
});
