/**
 * The authorization matrix: every route of the route table (a new route is in the
 * matrix the day it is added) × {anonymous, the owner, another user, ops}, against
 * real resources, each in a state where its owner's request would succeed:
 *   - anonymous on a non-public route: 401 UNAUTHORIZED, nothing changes;
 *   - a user (the owner or another) on an ops route: 403 FORBIDDEN, nothing changes;
 *   - another user (and ops, which is nobody's wallet) on the owner's link or charge:
 *     404 NOT_FOUND, nothing changes, and no answer carries the owner's identifiers;
 *   - ops on ops routes: 2xx or a domain 4xx, never 401/403;
 *   - the owner last: the request the others were refused succeeds for them.
 * A public route answers every caller alike: a token neither helps nor hurts.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { ROUTES, routeKey, type RouteDef } from '../../functions/shared/routes';
import {
  api, authorizeAtBank, IDENTITY, lastCode, openBankAccount, opsToken, PASSWORD, TERMS, uniqueEmail, uniquePhone, verifiedUser,
  type ApiResponse, type TestAccount, type TestUser,
} from '../support/api';
import {
  chargeCode, confirmCharge, errorShapeProblem, eventually, fullSnapshot, newKey, postCharge, readyWallet, type Observer, type ReadyWallet,
} from '../support/hardening';

jest.setTimeout(180_000);

const WEBHOOK_SECRET = process.env.ANSHIN_EKYC_WEBHOOK_SECRET ?? 'local-ekyc-secret';

type Caller = 'anonymous' | 'owner' | 'other' | 'ops';

interface Prepared {
  params: Record<string, string>;
  /** The body each caller sends (the same unless a caller needs its own, e.g. a fresh e-mail). */
  body?: (caller: Caller) => unknown;
  query?: string;
  headers?: (caller: Caller) => Record<string, string>;
  /** Whose state the refused calls must leave alone, and who the owner is. */
  owner: { user: TestUser; account?: TestAccount };
  /** What the owner's (or, on ops routes, ops') own request answers when it works. */
  expectOwner?: number[];
  /** Made-up input for a route this file does not know yet: /openapi.json may refuse it; the answer must still be declared, and not a success if it does. */
  placeholder?: boolean;
}

interface World {
  A: ReadyWallet;
  secondChargeId: string;
  L: { user: TestUser };
  B: TestUser;
  T: TestUser;
  ops: string;
  ekycSessionId: string;
  clockOffsetMs: number;
}

const signed = (body: unknown, offsetMs: number) => {
  const t = Math.floor((Date.now() + offsetMs) / 1000);
  return { 'x-ekyc-signature': `t=${t},v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${JSON.stringify(body)}`).digest('hex')}` };
};

/** A link of the owner L at a fresh account, as far as `until` takes it. */
async function pendingLink(user: TestUser, until: 'created' | 'bank-authorized' | 'awaiting-code') {
  const account = await openBankAccount();
  const created = await api('POST', '/v1/me/bank-links', { token: user.token, body: { bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
  expect(created.status).toBe(201);
  const linkId: string = created.body.linkId;
  if (until === 'created') return { linkId, account };
  const authorizationCode = await authorizeAtBank(account, created.body.authorizationUrl);
  if (until === 'bank-authorized') return { linkId, account, authorizationCode };
  expect((await api('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: user.token, body: { authorizationCode } })).status).toBe(200);
  return { linkId, account, code: await lastCode(user.phone) };
}

/** A charge of A waiting for its SMS code; amounts are unique so the code can be found. */
let amountSeq = 0;
async function waitingCharge(w: ReadyWallet, amount: number) {
  const a = amount + ++amountSeq;
  // From a device the wallet has not used: a challenge whatever the velocity, so always a code to confirm.
  const res = await postCharge(w, a, newKey('authz'), { 'x-device-id': `dev-${randomUUID()}` });
  expect(res.status).toBe(202);
  return { chargeId: res.body.chargeId as string, code: await chargeCode(w.user.phone, a) };
}

/** The request of each route, against resources in a state where it would succeed for its owner. */
async function prepare(route: RouteDef, w: World): Promise<Prepared> {
  const A = { user: w.A.user, account: w.A.account };
  switch (routeKey(route)) {
    case 'POST /v1/users':
      return { params: {}, owner: A, body: () => ({ email: uniqueEmail('authz'), password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS }), expectOwner: [201] };
    case 'POST /v1/sessions':
      return { params: {}, owner: A, body: () => ({ email: w.A.user.email, password: PASSWORD }), expectOwner: [200] };
    case 'POST /v1/webhooks/ekyc': {
      // A replay of an event for A's finished session: accepted, changes nothing.
      const body = { eventId: `evt-authz-${randomUUID()}`, ekycSessionId: w.ekycSessionId, result: 'APPROVED', identity: IDENTITY };
      return { params: {}, owner: A, body: () => body, headers: () => signed(body, w.clockOffsetMs), expectOwner: [200] };
    }
    case 'POST /v1/reports/not-me':
      return { params: {}, owner: A, body: () => ({ token: 'not-a-real-token' }), expectOwner: [401] };
    case 'GET /v1/reports/not-me':
      return { params: {}, owner: A, query: '?token=not-a-real-token', expectOwner: [401] };
    case 'POST /v1/me/phone/verification':
      return { params: {}, owner: A, body: () => ({ code: '000000' }), expectOwner: [200] };
    case 'POST /v1/me/bank-links': {
      // Others try A's own, active account; the owner links a new one.
      const fresh = await openBankAccount();
      const acc = (caller: Caller) => (caller === 'owner' ? fresh : w.A.account);
      return { params: {}, owner: A, body: (c) => ({ bankCode: acc(c).bankCode, branchCode: acc(c).branchCode, accountNumber: acc(c).accountNumber }), expectOwner: [201] };
    }
    case 'POST /v1/me/bank-links/{linkId}/authorization': {
      const link = await pendingLink(w.L.user, 'bank-authorized');
      return { params: { linkId: link.linkId }, owner: { user: w.L.user, account: link.account }, body: () => ({ authorizationCode: link.authorizationCode }), expectOwner: [200] };
    }
    case 'POST /v1/me/bank-links/{linkId}/confirmation': {
      const link = await pendingLink(w.L.user, 'awaiting-code');
      return { params: { linkId: link.linkId }, owner: { user: w.L.user, account: link.account }, body: () => ({ code: link.code }), expectOwner: [200] };
    }
    case 'DELETE /v1/me/bank-links/{linkId}': {
      const link = await pendingLink(w.L.user, 'created');
      return { params: { linkId: link.linkId }, owner: { user: w.L.user, account: link.account }, expectOwner: [204] };
    }
    case 'POST /v1/me/charges':
      return {
        params: {}, owner: A, body: () => ({ linkId: w.A.linkId, amount: 1_000 + ++amountSeq }),
        headers: () => ({ 'idempotency-key': newKey('authz'), 'x-device-id': w.A.deviceId }), expectOwner: [201, 202],
      };
    case 'GET /v1/me/charges/{chargeId}':
      return { params: { chargeId: w.A.firstChargeId }, owner: A, expectOwner: [200] };
    case 'POST /v1/me/charges/{chargeId}/confirmation': {
      const charge = await waitingCharge(w.A, 5_000);
      return { params: { chargeId: charge.chargeId }, owner: A, body: () => ({ code: charge.code }), headers: () => ({ 'x-device-id': w.A.deviceId }), expectOwner: [200] };
    }
    case 'POST /v1/ops/reviews/{caseId}/decision': {
      // A young wallet's 30,000 yen goes to a human after its SMS code.
      const charge = await waitingCharge(w.A, 30_000);
      expect((await confirmCharge(w.A, charge.chargeId, charge.code)).status).toBe(200);
      const item = await eventually('the review case', async () => {
        const res = await api('GET', '/v1/ops/reviews?status=OPEN', { token: w.ops });
        return (res.body.items as any[]).find((i) => i.chargeId === charge.chargeId);
      });
      return { params: { caseId: item.caseId }, owner: A, body: () => ({ decision: 'REJECT', note: 'authz matrix' }), expectOwner: [200] };
    }
    case 'POST /v1/ops/reviews/{caseId}/assignment': {
      const charge = await waitingCharge(w.A, 30_000);
      expect((await confirmCharge(w.A, charge.chargeId, charge.code)).status).toBe(200);
      const item = await eventually('the review case', async () => {
        const res = await api('GET', '/v1/ops/reviews?status=OPEN', { token: w.ops });
        return (res.body.items as any[]).find((i) => i.chargeId === charge.chargeId);
      });
      return { params: { caseId: item.caseId }, owner: A, body: () => ({}), expectOwner: [200] };
    }
    case 'GET /v1/ops/lists':
      return { params: {}, owner: A, expectOwner: [200] };
    case 'PUT /v1/ops/lists/{kind}/{value}':
      return {
        params: { kind: 'DEVICE', value: `authz-${randomUUID()}` }, owner: A,
        body: () => ({ action: 'REVIEW', until: new Date(Date.now() + w.clockOffsetMs + 600_000).toISOString(), reason: 'authz matrix' }), expectOwner: [200],
      };
    case 'DELETE /v1/ops/lists/{kind}/{value}': {
      const value = `authz-${randomUUID()}`;
      expect((await api('PUT', `/v1/ops/lists/DEVICE/${value}`, { token: w.ops, body: { action: 'REVIEW', until: new Date(Date.now() + w.clockOffsetMs + 600_000).toISOString(), reason: 'authz matrix' } })).status).toBe(200);
      return { params: { kind: 'DEVICE', value }, owner: A, expectOwner: [204] };
    }
    case 'GET /v1/ops/audit':
      return { params: {}, query: `?userId=${w.T.userId}`, owner: { user: w.T }, expectOwner: [200] };
    case 'POST /v1/ops/users/{userId}/freeze':
    case 'POST /v1/ops/users/{userId}/unfreeze':
      return { params: { userId: w.T.userId }, owner: { user: w.T }, body: () => ({ reason: 'authz matrix' }), expectOwner: [200] };
    case 'PUT /v1/ops/banks/{bankCode}':
      // The seeded settings, restated: the call works and leaves the bank as every other suite expects it.
      return { params: { bankCode: '0001' }, owner: A, body: () => ({ linkingEnabled: true, chargingEnabled: true, name: 'Bank 0001' }), expectOwner: [200] };
    case 'POST /v1/ops/compensations':
      return { params: {}, owner: A, body: () => ({ chargeIds: [w.A.firstChargeId], note: 'authz matrix' }), expectOwner: [201] };
    case 'POST /v1/ops/compensations/{claimId}/decision': {
      const claim = await api('POST', '/v1/ops/compensations', { token: w.ops, body: { chargeIds: [w.secondChargeId], note: 'authz matrix' } });
      expect(claim.status).toBe(201);
      return { params: { claimId: claim.body.claimId }, owner: A, body: () => ({ decision: 'DENY', note: 'authz matrix' }), expectOwner: [200] };
    }
    default: {
      // A route this file does not know yet: real ids of A (or T for users) where the path names them.
      const ids: Record<string, string> = { linkId: w.A.linkId, chargeId: w.A.firstChargeId, userId: w.T.userId, bankCode: '0001' };
      const params = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], ids[m[1]] ?? randomUUID()]));
      return { params, owner: A, body: route.body ? () => ({}) : undefined, placeholder: true };
    }
  }
}

function call(route: RouteDef, p: Prepared, caller: Caller, tokens: Record<Caller, string | undefined>, malformed = false): Promise<ApiResponse> {
  let path = route.path;
  for (const [k, v] of Object.entries(p.params)) path = path.replace(`{${k}}`, encodeURIComponent(v));
  // An anonymous call of a guarded route lacks the credentials the document requires: bad input on purpose.
  const intent = malformed || (route.auth !== 'public' && !tokens[caller]) ? 'invalid' : p.placeholder ? 'auto' : 'valid';
  return api(route.method, path + (p.query ?? ''), { token: tokens[caller], body: p.body?.(caller), headers: p.headers?.(caller), intent });
}

const show = (res: ApiResponse) => `${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;

describe('authorization matrix: every route × anonymous, owner, another user, ops', () => {
  let w: World;

  beforeAll(async () => {
    const ops = await opsToken();
    const A = await readyWallet();
    const second = await postCharge(A, 2_000);
    expect(second.status).toBe(201);
    const [L, B, T] = await Promise.all([verifiedUser(), verifiedUser(), verifiedUser()]);
    const audit = await api('GET', `/v1/ops/audit?userId=${A.user.userId}`, { token: ops });
    const clock = await api('GET', '/local/clock');
    w = {
      A, secondChargeId: second.body.chargeId, L: { user: L }, B, T, ops,
      ekycSessionId: (audit.body.items as any[]).find((i) => i.action === 'EKYC_STARTED').details.ekycSessionId,
      clockOffsetMs: Date.parse(clock.body.now) - Date.now(),
    };
  });

  afterAll(async () => {
    if (!w) return;
    // Leave no open review or claim of this suite in the shared queues.
    const reviews = await api('GET', '/v1/ops/reviews?status=OPEN', { token: w.ops });
    for (const item of (reviews.body?.items ?? []) as any[]) {
      if (item.userId === w.A.user.userId) await api('POST', `/v1/ops/reviews/${item.caseId}/decision`, { token: w.ops, body: { decision: 'REJECT', note: 'authz matrix cleanup' } });
    }
    const claims = await api('GET', '/v1/ops/compensations', { token: w.ops });
    for (const c of (claims.body?.items ?? []) as any[]) {
      if (c.userId === w.A.user.userId && c.claimStatus === 'OPEN') await api('POST', `/v1/ops/compensations/${c.claimId}/decision`, { token: w.ops, body: { decision: 'DENY', note: 'authz matrix cleanup' } });
    }
  });

  /** Money of the owner still moving (a confirmed charge) would look like a change: wait until it has landed. */
  async function quiet(o: Observer) {
    await eventually('the owner\'s charges to stop moving', async () => {
      const view = await api('GET', `/v1/ops/users/${o.user.userId}`, { token: w.ops });
      return (view.body.charges as any[]).some((c) => c.status === 'PROCESSING') ? undefined : true;
    }, 30_000);
  }

  it.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s', async (_key, route) => {
    const p = await prepare(route, w);
    const observer: Observer = { user: p.owner.user, opsToken: w.ops, account: p.owner.account };
    const ownerToken = p.owner.user.token;
    const tokens: Record<Caller, string | undefined> = { anonymous: undefined, owner: ownerToken, other: w.B.token, ops: w.ops };
    const ownerIds = [p.owner.user.userId, p.owner.user.email, ...Object.values(p.params).filter((v) => v !== '0001')];
    await quiet(observer);

    /** A refused call: the status and code, the error shape, and nothing changed for anyone. */
    const refused = async (caller: Caller, status: number, code: string) => {
      const before = await fullSnapshot(observer);
      const res = await call(route, p, caller, tokens);
      expect({ caller, answer: show(res) }).toEqual({ caller, answer: expect.stringMatching(new RegExp(`^${status} .*"code":"${code}"`)) });
      expect(errorShapeProblem(res)).toBeUndefined();
      expect(await fullSnapshot(observer)).toEqual(before);
    };

    if (route.auth === 'public') {
      // Whoever calls, the same answer, and never an authorization refusal.
      const answers: string[] = [];
      for (const caller of ['anonymous', 'other', 'ops', 'owner'] as Caller[]) {
        const res = await call(route, p, caller, tokens);
        expect(res.status).toBeLessThan(500);
        expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(res.body?.error?.code);
        answers.push(`${res.status} ${res.body?.error?.code ?? ''}`);
      }
      expect(new Set(answers).size).toBe(1);
      if (p.expectOwner) expect(p.expectOwner).toContain(Number(answers[0].split(' ')[0]));
      return;
    }

    await refused('anonymous', 401, 'UNAUTHORIZED');

    if (route.auth === 'ops') {
      await refused('owner', 403, 'FORBIDDEN');
      await refused('other', 403, 'FORBIDDEN');
      // Malformed as well: still 403, not a validation answer that would describe the ops schema to a user.
      const malformed: Prepared = { ...p, params: Object.fromEntries(Object.keys(p.params).map((k) => [k, 'x'])), body: route.method === 'GET' ? undefined : () => ({ junk: true }), query: '?junk=1' };
      for (const caller of ['anonymous', 'other'] as Caller[]) {
        const res = await call(route, malformed, caller, tokens, true);
        expect({ caller, answer: show(res) }).toEqual({ caller, answer: expect.stringMatching(caller === 'anonymous' ? /^401 .*"UNAUTHORIZED"/ : /^403 .*"FORBIDDEN"/) });
      }
      const res = await call(route, p, 'ops', tokens);
      expect(res.status).toBeLessThan(500);
      expect([401, 403]).not.toContain(res.status);
      if (p.expectOwner) expect({ answer: show(res) }).toEqual({ answer: expect.stringMatching(new RegExp(`^(${p.expectOwner.join('|')}) `)) });
      return;
    }

    // A user route. Another user, and ops (nobody's wallet), cannot reach the owner's resources.
    const ownsSomething = Object.keys(p.params).length > 0 || routeKey(route) === 'POST /v1/me/charges';
    for (const caller of ['other', 'ops'] as Caller[]) {
      if (ownsSomething) {
        await refused(caller, 404, 'NOT_FOUND');
      } else {
        const before = await fullSnapshot(observer);
        const res = await call(route, p, caller, tokens);
        expect(res.status).toBeLessThan(500);
        expect([401, 403].includes(res.status) && ['UNAUTHORIZED', 'FORBIDDEN'].includes(res.body?.error?.code)).toBe(false);
        // Their own view, with nothing of the owner's in it.
        const text = JSON.stringify(res.body);
        for (const id of ownerIds) expect(text).not.toContain(id);
        expect(await fullSnapshot(observer)).toEqual(before);
        // Linking the owner's active account from another wallet is refused as such.
        if (routeKey(route) === 'POST /v1/me/bank-links' && caller === 'other') expect(res.body?.error?.code).toBe('ACCOUNT_ALREADY_LINKED');
      }
    }

    // The owner's own request: what the others were refused works for them.
    const res = await call(route, p, 'owner', tokens);
    expect(res.status).toBeLessThan(500);
    expect([401, 403].includes(res.status) && ['UNAUTHORIZED', 'FORBIDDEN'].includes(res.body?.error?.code)).toBe(false);
    if (p.expectOwner) expect({ answer: show(res) }).toEqual({ answer: expect.stringMatching(new RegExp(`^(${p.expectOwner.join('|')}) `)) });
    if (routeKey(route) === 'GET /v1/me') expect(res.body.userId).toBe(p.owner.user.userId);
    if (routeKey(route) === 'GET /v1/me/bank-links') expect(JSON.stringify(res.body)).toContain(w.A.linkId);
    if (routeKey(route) === 'GET /v1/me/transactions') expect(JSON.stringify(res.body)).toContain(w.A.firstChargeId);
  });
});
