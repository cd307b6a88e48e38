/**
 * Fuzzing of every route in the route table (so a new route is covered the day it
 * is added): random and near-valid bodies, invalid JSON, huge and deeply nested
 * values, unicode, garbage headers and hostile path parameters, each sent with the
 * token the route wants. Properties, per request:
 *   - never a 5xx;
 *   - every 4xx has the contract's error shape, and its requestId is the x-request-id header;
 *   - a 4xx (and any GET) changes nothing a caller or ops can observe.
 * The one 4xx that writes by design is a declined charge: the risk decision is stored
 * for ops (DESIGN.md, "every decision is stored"); it may add that DECLINED charge and nothing else.
 *
 * Bounded: FUZZ_RUNS runs per route (default 50). FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { ROUTES, routeKey, type RouteDef } from '../../functions/shared/routes';
import { ListEntryBody, ListParams } from '../../functions/shared/schemas';
import { api, baseUrl, contract, IDENTITY, openBankAccount, opsToken, PASSWORD, registerUser, TERMS, type TestUser } from '../support/api';
import {
  chargeCode, chargeReaches, confirmCharge, errorShapeProblem, eventually, fullSnapshot, postCharge, readyWallet, runSweeper, settledReconciliation, userSnapshot,
  type ReadyWallet,
} from '../support/hardening';

jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const WEBHOOK_SECRET = process.env.ANSHIN_EKYC_WEBHOOK_SECRET ?? 'local-ekyc-secret';

// ---------------------------------------------------------------- raw HTTP

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** node:http, not fetch: fetch normalizes `..` out of paths and refuses some header bytes this suite wants to send. */
function send(req: Sent): Promise<Received> {
  const url = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

// ---------------------------------------------------------------- arbitraries

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const specialChar = fc.constantFrom('/', '\\', '.', '%', '?', '#', '&', '=', '+', ' ', '"', "'", '<', '>', '{', '}', '\u0000', '\n', '\r', '\t', '\u202e', '\ufeff', '\u00e9', 'ｶ', '日', '💸');
const nastyUnit = fc.oneof({ weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: specialChar }, { weight: 1, arbitrary: loneSurrogate });

const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.string({ unit: nastyUnit, minLength: 1, maxLength: 3 }))
  .map(([n, s]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));

const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: nastyUnit, maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', ' ', '.', '..', '../..', '..%2f..', '%2e%2e', '%', '%zz', '%E0%A4%A', '%00', '\u0000', 'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor',
      'prototype', 'NaN', '-1', '0', '1e309', '0x10', '<script>alert(1)</script>', "' OR '1'='1", '${jndi:ldap://x/a}', '{{7*7}}', 'ﾔﾏﾀﾞ ﾀﾛｳ', '💸💸', '\u202egnp.exe',
      'A'.repeat(129), 'a'.repeat(2001), '123456', '000000', 'lnk_00000000-0000-0000-0000-000000000000', 'chg_' + '0'.repeat(32), 'case_' + 'f'.repeat(32),
    ),
  },
  { weight: 1, arbitrary: hugeString },
);

const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1.5, 29_999, 30_000, 500_000, 500_001, 10_000_000, 10_000_001, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, -1e21, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const jsonLeaf = fc.oneof(nastyString, edgeNumber, fc.boolean(), fc.constant(null));
const randomJson = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: nastyUnit }) }, { weight: 1, arbitrary: jsonLeaf });

/** A value nested `depth` levels deep, as JSON text (JSON.stringify would recurse too deep for the deepest ones). */
const deepText = fc
  .tuple(fc.integer({ min: 50, max: 50_000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, kind]) => {
    if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    if (kind === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    return '{"code":' + '[{"x":'.repeat(depth) + 'null' + '}]'.repeat(depth) + '}';
  });

type BodyKind = { kind: 'json'; value: unknown } | { kind: 'text'; text: string } | { kind: 'none' };

/** Mutations of a valid body: one field replaced, dropped or added, the whole thing wrapped. */
function nearValid(template: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return template.chain((t) => {
    const keys = Object.keys(t);
    const key = keys.length ? fc.constantFrom(...keys) : fc.constant('x');
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(t) },
      { weight: 5, arbitrary: fc.tuple(key, randomJson).map(([k, v]) => ({ ...t, [k]: v })) },
      { weight: 2, arbitrary: fc.tuple(key, hugeString).map(([k, v]) => ({ ...t, [k]: v })) },
      { weight: 2, arbitrary: fc.tuple(key, edgeNumber).map(([k, v]) => ({ ...t, [k]: v })) },
      { weight: 2, arbitrary: key.map((k) => Object.fromEntries(Object.entries(t).filter(([x]) => x !== k))) },
      { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.string({ unit: nastyUnit, maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString')), randomJson).map(([k, v]) => ({ ...t, [k]: v })) },
      { weight: 1, arbitrary: fc.constant([t]) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify(t)) },
    );
  });
}

function bodyArb(template: fc.Arbitrary<Record<string, unknown>> | undefined): fc.Arbitrary<BodyKind> {
  const json = (a: fc.Arbitrary<unknown>) => a.map((value): BodyKind => ({ kind: 'json', value }));
  const text = (a: fc.Arbitrary<string>) => a.map((t): BodyKind => ({ kind: 'text', text: t }));
  return fc.oneof(
    { weight: 6, arbitrary: json(nearValid(template ?? fc.constant({}))) },
    { weight: 3, arbitrary: json(randomJson) },
    { weight: 1, arbitrary: text(deepText) },
    {
      weight: 2,
      arbitrary: text(
        fc.oneof(
          fc.string({ unit: nastyUnit, maxLength: 200 }),
          fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '[1,2', 'nul', 'NaN', 'Infinity', '1e999', '-', '"unterminated', '\u0000', '\ufeff{}', '{"__proto__":{"isOps":true}}', '{"constructor":{"prototype":{"x":1}}}', ' ', '\n\n'),
        ),
      ),
    },
    { weight: 1, arbitrary: fc.constant<BodyKind>({ kind: 'none' }) },
    { weight: 1, arbitrary: text(fc.constant('')) },
    { weight: 1, arbitrary: json(hugeString) },
  );
}

/** Header values travel as bytes: a unicode string goes as its UTF-8 bytes; CR, LF and NUL cannot be sent at all. */
const headerSafe = (s: string) => Buffer.from(s, 'utf8').toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');
// The request line and headers stay near API Gateway's 10 KB limit and under Node's 16 KB: beyond those the platform answers, not our code.
const garbageHeader = fc.oneof(nastyString.map((s) => headerSafe(s).slice(0, 1000)), fc.constantFrom('', ' ', 'a'.repeat(201), 'a'.repeat(129)));

const IDEMPOTENCY_POOL = [`fuzz-${randomUUID()}`, `fuzz-${randomUUID()}`, 'fuzz:shared.key_1'];
const idempotencyKey = fc.oneof(
  { weight: 3, arbitrary: fc.uuid().map((u) => `fuzz-${u}`) },
  { weight: 2, arbitrary: fc.constantFrom(...IDEMPOTENCY_POOL) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/) },
  { weight: 3, arbitrary: garbageHeader },
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '*/*', 'garbage');

/** Percent-encodes every byte of the UTF-8 form that is not unreserved. */
const encodeAll = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
/** Leaves `/`, `.`, `%`, `?`, `#` and other printable ASCII raw: the interesting ones for path handling. */
const encodeSome = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
/**
 * Percent-escapes that do not decode to UTF-8 (overlongs, surrogates, truncated sequences, stray `%`).
 * Raw non-ASCII bytes are not sent: Node's HTTP parser (and API Gateway in the cloud) refuses them before any of our code runs.
 */
const brokenEscape = fc.constantFrom('%E9', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%C0%AF', '%FF', '%E2%82', '%', '%2', '%G0', '%00');

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const shapedIds: Record<string, fc.Arbitrary<string>> = {
  linkId: fc.uuid().map((u) => `lnk_${u}`),
  chargeId: hex(32).map((h) => `chg_${h}`),
  caseId: hex(32).map((h) => `case_${h}`),
  claimId: fc.uuid().map((u) => `clm_${u}`),
  userId: fc.uuid(),
  bankCode: fc.constantFrom('0000', '9999', '0002'),
};

function paramArb(name: string, real: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 4, arbitrary: nastyString.map((s) => s.slice(0, 10_000)) },
    { weight: 3, arbitrary: shapedIds[name] ?? fc.uuid() },
    ...(real.length ? [{ weight: 4, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 1, arbitrary: (real.length ? fc.constantFrom(...real) : (shapedIds[name] ?? fc.uuid())).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: (real.length ? fc.constantFrom(...real) : (shapedIds[name] ?? fc.uuid())).map((id) => `${id}/../${id}`) },
  );
  return fc
    .tuple(value, fc.constantFrom('all', 'all', 'some', 'broken'), brokenEscape, fc.nat())
    .map(([v, mode, broken, at]) => {
      if (mode === 'all') return encodeAll(v).slice(0, 2500);
      if (mode === 'some') return encodeSome(v).slice(0, 2500);
      const e = encodeAll(v).slice(0, 2500);
      const i = e.length ? at % e.length : 0;
      return e.slice(0, i) + broken + e.slice(i);
    });
}

function queryArb(template: Record<string, string> | undefined): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.oneof(fc.constantFrom(...Object.keys(template ?? {}), 'limit', 'cursor', 'status', 'userId', '__proto__'), fc.string({ unit: nastyUnit, maxLength: 12 })),
    fc.oneof(nastyString.map((s) => s.slice(0, 5_000)), fc.constantFrom('1', '100', '101', '0', '-1', '1e2', '0x10', ' 5', 'Infinity', 'OPEN', 'CLOSED', 'open', Buffer.from('{"pk":"USER#x","sk":"ENTRY#"}').toString('base64url'))),
  );
  return fc.tuple(fc.array(pair, { maxLength: 4 }), fc.boolean(), fc.boolean()).map(([pairs, withTemplate, raw]) => {
    const all = [...(withTemplate ? Object.entries(template ?? {}) : []), ...pairs];
    if (all.length === 0) return '';
    return ('?' + all.map(([k, v]) => (raw ? `${encodeSome(k)}=${encodeSome(v)}` : `${encodeAll(k)}=${encodeAll(v)}`)).join('&')).slice(0, 2500);
  });
}

// ---------------------------------------------------------------- the world under fuzz

interface World {
  w: ReadyWallet;
  bystander: TestUser;
  ops: string;
  removedLinkId: string;
  declinedChargeId: string;
  closedCaseId: string;
  deniedClaimId: string;
  ekycSessionId: string;
  clockOffsetMs: number;
}

interface RouteFuzz {
  /** Real ids that are safe to hit: a request to them is read-only or refused by state. */
  real: Record<string, string[]>;
  body?: fc.Arbitrary<Record<string, unknown>>;
  query?: Record<string, string>;
  /** A request that would make a lasting, shared change other suites could trip over is redirected to a harmless one. */
  defuse?: (params: Record<string, string>, body: BodyKind) => { params: Record<string, string>; body: BodyKind } | undefined;
}

function fuzzPlan(route: RouteDef, world: World): RouteFuzz {
  const { w, bystander } = world;
  const code = { code: '123456' };
  const plans: Record<string, RouteFuzz> = {
    'POST /v1/users': {
      real: {},
      body: fc.uuid().map((u) => ({ email: `fuzz-${u}@fuzz.example.com`, password: PASSWORD, phoneNumber: '+819012345678', acceptedTermsVersion: TERMS })),
    },
    'POST /v1/sessions': { real: {}, body: fc.constant({ email: bystander.email, password: 'Wrong-Passw0rd' }) },
    'POST /v1/me/phone/verification': { real: {}, body: fc.constant(code) },
    'POST /v1/webhooks/ekyc': {
      real: {},
      body: fc.uuid().map((u) => ({ eventId: `evt-fuzz-${u}`, ekycSessionId: world.ekycSessionId, result: 'APPROVED', identity: IDENTITY })),
    },
    'POST /v1/me/bank-links': { real: {}, body: fc.constant({ bankCode: '0001', branchCode: '001', accountNumber: '0000001' }) },
    'POST /v1/me/bank-links/{linkId}/authorization': { real: { linkId: [w.linkId, world.removedLinkId] }, body: fc.constant({ authorizationCode: 'fuzz-code' }) },
    'POST /v1/me/bank-links/{linkId}/confirmation': { real: { linkId: [w.linkId, world.removedLinkId] }, body: fc.constant(code) },
    'DELETE /v1/me/bank-links/{linkId}': { real: { linkId: [world.removedLinkId] } },
    'POST /v1/me/charges': { real: {}, body: fc.constant({ linkId: w.linkId, amount: 1_000 }) },
    'GET /v1/me/charges/{chargeId}': { real: { chargeId: [w.firstChargeId, world.declinedChargeId] } },
    'POST /v1/me/charges/{chargeId}/confirmation': { real: { chargeId: [w.firstChargeId, world.declinedChargeId] }, body: fc.constant(code) },
    'GET /v1/me/transactions': { real: {}, query: { limit: '2' } },
    'GET /v1/ops/reviews': { real: {}, query: { status: 'OPEN' } },
    'POST /v1/ops/reviews/{caseId}/decision': { real: { caseId: [world.closedCaseId] }, body: fc.constant({ decision: 'APPROVE', note: 'fuzz' }) },
    'POST /v1/reports/not-me': { real: {}, body: fc.constant({ token: 'fuzz-token' }) },
    'GET /v1/reports/not-me': { real: {}, query: { token: 'fuzz-token' } },
    'GET /v1/ops/users/{userId}': { real: { userId: [w.user.userId, bystander.userId] } },
    'POST /v1/ops/users/{userId}/freeze': { real: { userId: [bystander.userId] }, body: fc.constant({ reason: 'fuzz' }) },
    'POST /v1/ops/users/{userId}/unfreeze': { real: { userId: [bystander.userId] }, body: fc.constant({ reason: 'fuzz' }) },
    'PUT /v1/ops/banks/{bankCode}': {
      real: { bankCode: ['0001'] },
      body: fc.constant({ linkingEnabled: true, chargingEnabled: true }),
      // A valid switch would create a bank or rename/switch off a seeded one for every later suite: it restates the seed instead.
      defuse: (params, body) => {
        const validParam = /^\d{4}$/.test(safeDecode(params.bankCode) ?? '');
        const b = body.kind === 'json' ? (body.value as Record<string, unknown>) : undefined;
        const validBody = !!b && typeof b === 'object' && !Array.isArray(b) && typeof b.linkingEnabled === 'boolean' && typeof b.chargingEnabled === 'boolean';
        if (!validParam || !validBody) return undefined;
        return { params: { bankCode: '0001' }, body: { kind: 'json', value: { linkingEnabled: true, chargingEnabled: true, name: 'Bank 0001' } } };
      },
    },
    'POST /v1/ops/compensations': { real: {}, body: hex(32).map((h) => ({ chargeIds: [`chg_${h}`], note: 'fuzz' })) },
    'POST /v1/ops/compensations/{claimId}/decision': { real: { claimId: [world.deniedClaimId] }, body: fc.constant({ decision: 'PAY' }) },
    'GET /v1/ops/audit': { real: {}, query: { userId: bystander.userId } },
    'POST /v1/ops/reviews/{caseId}/assignment': { real: { caseId: [world.closedCaseId] }, body: fc.constant({}) },
    'GET /v1/ops/compensations': { real: {}, query: { status: 'CLOSED' } },
    'PUT /v1/ops/lists/{kind}/{value}': {
      real: { kind: ['DEVICE'], value: ['fuzz-device'] },
      body: fc.constant({ action: 'REVIEW', until: new Date(Date.now() + 600_000).toISOString(), reason: 'fuzz' }),
      // A valid entry could list a phone, account or identity another suite uses: it lists a device no wallet has instead.
      defuse: (params, body) => {
        const decoded = { kind: safeDecode(params.kind), value: safeDecode(params.value) };
        if (!ListParams.safeParse(decoded).success || body.kind !== 'json' || !ListEntryBody.safeParse(body.value).success) return undefined;
        return { params: { kind: 'DEVICE', value: 'fuzz-device' }, body: { kind: 'json', value: { action: 'REVIEW', until: new Date(Date.now() + 600_000).toISOString(), reason: 'fuzz' } } };
      },
    },
    'DELETE /v1/ops/lists/{kind}/{value}': { real: { kind: ['DEVICE'], value: ['fuzz-device'] } },
  };
  return plans[routeKey(route)] ?? { real: {} };
}

const safeDecode = (s: string | undefined) => {
  try {
    return s === undefined ? undefined : decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

interface FuzzCase {
  params: Record<string, string>;
  query: string;
  body: BodyKind;
  headers: Record<string, string>;
  signature: 'none' | 'garbage' | 'valid' | 'stale';
}

/**
 * Each run fuzzes one part of the request (or all of them) and keeps the others well-formed,
 * so that bad bodies, headers or path parameters also reach the handlers, not only the validator.
 */
function caseArb(route: RouteDef, plan: RouteFuzz, world: World): fc.Arbitrary<FuzzCase> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const paramsOf = (arb: (n: string) => fc.Arbitrary<string>) =>
    names.length ? fc.tuple(...names.map(arb)).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]]))) : fc.constant({});
  const goodParams = paramsOf((n) => (plan.real[n]?.length ? fc.constantFrom(...plan.real[n]) : (shapedIds[n] ?? fc.uuid())));
  const badParams = paramsOf((n) => paramArb(n, plan.real[n] ?? []));

  const token = route.auth === 'ops' ? world.ops : world.w.user.token;
  const authorization = route.auth === 'public' ? fc.option(fc.constant(`Bearer ${world.w.user.token}`), { nil: undefined }) : fc.constant(`Bearer ${token}`);
  const clean = (h: Record<string, string | undefined>) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const goodHeaders = fc
    .record({ key: fc.uuid(), authorization })
    .map(({ key, authorization }) => clean({ 'idempotency-key': `fuzz-${key}`, 'x-device-id': world.w.deviceId, 'content-type': 'application/json', authorization }));
  const badHeaders = fc
    .record(
      {
        'idempotency-key': idempotencyKey,
        'x-device-id': fc.oneof({ weight: 1, arbitrary: fc.constant(world.w.deviceId) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 3, arbitrary: garbageHeader }),
        'content-type': fc.oneof(contentType, garbageHeader),
        'x-fuzz': garbageHeader,
        authorization,
      },
      { requiredKeys: [] },
    )
    .map(clean)
    .map((h) => (route.auth === 'public' || h.authorization ? h : { ...h, authorization: `Bearer ${token}` }));

  const noBody = fc.constant<BodyKind>({ kind: 'none' });
  const goodBody: fc.Arbitrary<BodyKind> = route.method === 'GET' ? noBody : plan.body ? plan.body.map((value) => ({ kind: 'json', value })) : noBody;
  const badBody: fc.Arbitrary<BodyKind> = route.method === 'GET' ? noBody : bodyArb(plan.body);
  const goodQuery = fc.constant(plan.query ? '?' + new URLSearchParams(plan.query).toString() : '');
  const badQuery = queryArb(plan.query);
  const signature =
    route.path === '/v1/webhooks/ekyc' ? fc.constantFrom<FuzzCase['signature']>('none', 'garbage', 'valid', 'valid', 'valid', 'stale') : fc.constant<FuzzCase['signature']>('none');

  const focus = fc.constantFrom('body', 'body', 'params', 'headers', 'query', 'all');
  return focus
    .chain((f) =>
      fc.record({
        params: f === 'params' || f === 'all' ? badParams : goodParams,
        query: f === 'query' || f === 'all' ? badQuery : goodQuery,
        body: f === 'body' || f === 'all' ? badBody : goodBody,
        headers: f === 'headers' || f === 'all' ? badHeaders : goodHeaders,
        signature,
      }),
    )
    // A counterexample is reported as the request it makes, cut to a readable length.
    .map((c) => Object.assign(c, { [fc.toStringMethod]: () => describeCase(toRequest(route, c, world)) }));
}

function toRequest(route: RouteDef, c: FuzzCase, world: World): Sent {
  let path = route.path;
  for (const [n, v] of Object.entries(c.params)) path = path.replace(`{${n}}`, v);
  const bodyText = c.body.kind === 'json' ? JSON.stringify(c.body.value) : c.body.kind === 'text' ? c.body.text : undefined;
  const body = bodyText === undefined ? undefined : Buffer.from(bodyText, 'utf8');
  const headers = { ...c.headers };
  if (c.signature !== 'none') {
    const t = Math.floor((Date.now() + world.clockOffsetMs) / 1000) - (c.signature === 'stale' ? 3600 : 0);
    const mac = createHmac('sha256', c.signature === 'garbage' ? 'not-the-secret' : WEBHOOK_SECRET).update(`${t}.${body ? body.toString('utf8') : ''}`).digest('hex');
    headers['x-ekyc-signature'] = `t=${t},v1=${mac}`;
  }
  return { method: route.method, path: path + c.query, headers, body };
}

const describeCase = (req: Sent) =>
  `${req.method} ${req.path.slice(0, 300)}${req.path.length > 300 ? `...(${req.path.length})` : ''} headers=${JSON.stringify(
    Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, k === 'authorization' ? '<token>' : v.slice(0, 120)])),
  )} body=${req.body ? `${JSON.stringify(req.body.toString('utf8').slice(0, 300))}${req.body.length > 300 ? `...(${req.body.length} bytes)` : ''}` : '<none>'}`;

// ---------------------------------------------------------------- state checks

/** A stored charge decision (DENY) answers 4xx with `details.reasons`: it may add that DECLINED charge, nothing else. */
const isStoredDecline = (route: RouteDef, res: Received) =>
  routeKey(route) === 'POST /v1/me/charges' && res.status >= 400 && res.status < 500 && Array.isArray(res.json?.error?.details?.reasons);

function onlyAddedDeclined(before: any, after: any): string | undefined {
  const strip = (s: any) => ({ ...s, wallet: { ...s.wallet, view: { ...s.wallet.view, body: { ...s.wallet.view.body, charges: undefined } } } });
  if (JSON.stringify(strip(before)) !== JSON.stringify(strip(after))) return 'something besides the charge list changed';
  const was = new Map<string, unknown>((before.wallet.view.body.charges as any[]).map((c) => [c.chargeId, c]));
  const added = (after.wallet.view.body.charges as any[]).filter((c) => !was.has(c.chargeId));
  for (const c of after.wallet.view.body.charges as any[]) if (was.has(c.chargeId) && JSON.stringify(was.get(c.chargeId)) !== JSON.stringify(c)) return `charge ${c.chargeId} changed`;
  if (after.wallet.view.body.charges.length - added.length !== was.size) return 'a charge disappeared';
  if (added.length > 1 || added.some((c) => c.status !== 'DECLINED')) return `added ${JSON.stringify(added)}`;
  return undefined;
}

// ---------------------------------------------------------------- the suite

describe('fuzzing every route of the route table', () => {
  let world: World;
  const cheap = async () => ({
    wallet: await userSnapshot({ user: world.w.user, opsToken: world.ops, account: world.w.account }),
    bystander: await userSnapshot({ user: world.bystander, opsToken: world.ops }),
  });
  const full = () => fullSnapshot({ user: world.w.user, opsToken: world.ops, account: world.w.account });
  const stats: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    // Whatever earlier suites left moving settles first, so the snapshots below only see this suite.
    await runSweeper();
    await settledReconciliation();
    const ops = await opsToken();
    const w = await readyWallet();
    const bystander = await registerUser();

    // A link that was removed: DELETE on it is a no-op, authorization and confirmation are refused by state.
    const other = await openBankAccount();
    const created = await api('POST', '/v1/me/bank-links', { token: w.user.token, body: { bankCode: other.bankCode, branchCode: other.branchCode, accountNumber: other.accountNumber } });
    expect(created.status).toBe(201);
    expect((await api('DELETE', `/v1/me/bank-links/${created.body.linkId}`, { token: w.user.token })).status).toBe(204);

    // A reviewed and rejected charge with its closed case (a young link's 101,000 yen in 30 days goes to review).
    const review = await postCharge(w, 100_000);
    expect(review.status).toBe(202);
    expect((await confirmCharge(w, review.body.chargeId, await chargeCode(w.user.phone, 100_000))).status).toBe(200);
    const item = await eventually('the review case', async () => {
      const res = await api('GET', '/v1/ops/reviews?status=OPEN', { token: ops });
      return (res.body.items as any[]).find((i) => i.chargeId === review.body.chargeId);
    });
    expect((await api('POST', `/v1/ops/reviews/${item.caseId}/decision`, { token: ops, body: { decision: 'REJECT', note: 'fuzz setup' } })).status).toBe(200);
    await chargeReaches(w, review.body.chargeId, ['DECLINED']);

    // A denied compensation claim.
    const claim = await api('POST', '/v1/ops/compensations', { token: ops, body: { chargeIds: [w.firstChargeId], note: 'fuzz setup' } });
    expect(claim.status).toBe(201);
    expect((await api('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { token: ops, body: { decision: 'DENY', note: 'fuzz setup' } })).status).toBe(200);

    const audit = await api('GET', `/v1/ops/audit?userId=${w.user.userId}`, { token: ops });
    const ekycSessionId = (audit.body.items as any[]).find((i) => i.action === 'EKYC_STARTED').details.ekycSessionId as string;
    const clock = await api('GET', '/local/clock');
    world = {
      w, bystander, ops, removedLinkId: created.body.linkId, declinedChargeId: review.body.chargeId, closedCaseId: item.caseId, deniedClaimId: claim.body.claimId, ekycSessionId,
      clockOffsetMs: Date.parse(clock.body.now) - Date.now(),
    };
  });

  afterAll(() => {
    agent.destroy();
    // What the fuzzer reached, per route: statuses and error codes (useful when a route starts answering differently).
    console.log(Object.entries(stats).map(([r, s]) => `${r}: ${Object.entries(s).map(([k, n]) => `${k}×${n}`).join(' ')}`).join('\n'));
  });

  it('the observer is sound: two snapshots in a row are equal, and a real change is seen', async () => {
    expect(await full()).toEqual(await full());
    const before = await full();
    const res = await postCharge(world.w, 1_000);
    expect([201, 202]).toContain(res.status);
    expect(await full()).not.toEqual(before);
  });

  it.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s: no 5xx, errors in shape, a refusal changes nothing', async (key, route) => {
    const plan = fuzzPlan(route, world);
    const seen = (stats[key] = {} as Record<string, number>);
    let changed = false;
    const fullBefore = await full();
    let baseline = await cheap();

    await fc.assert(
      fc.asyncProperty(caseArb(route, plan, world), async (generated) => {
        let c = generated;
        const defused = plan.defuse?.(c.params, c.body);
        if (defused) c = { ...c, ...defused };
        const req = toRequest(route, c, world);
        const res = await send(req);
        const label = `${res.status}${res.json?.error?.code ? ` ${res.json.error.code}` : ''}`;
        seen[label] = (seen[label] ?? 0) + 1;
        const fail = (why: string) => {
          throw new Error(`${why}\n  request: ${describeCase(req)}\n  answer: ${res.status} ${res.text.slice(0, 500)}`);
        };

        if (res.status >= 500) fail('a 5xx');
        // Whatever the fuzzer sent, the answer must be one /openapi.json declares, and a request it refuses must not succeed.
        const violations = (await contract()).check(
          {
            method: req.method, url: req.path, requestHeaders: req.headers, requestBody: req.body?.toString('utf8'),
            status: res.status, responseHeaders: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])), responseBody: res.text,
          },
          'auto',
        );
        if (violations.length) fail(`the exchange does not match /openapi.json:\n    ${violations.join('\n    ')}`);
        if (res.status >= 400) {
          const problem = errorShapeProblem({ status: res.status, body: res.json, headers: new Headers() });
          if (problem) fail(`a 4xx without the error shape: ${problem}`);
          if (res.headers['x-request-id'] !== res.json.error.requestId) fail(`x-request-id ${res.headers['x-request-id']} is not the body's requestId ${res.json.error.requestId}`);
        }

        const after = await cheap();
        if (route.method !== 'GET' && res.status < 400) {
          changed = true; // a success may change state: it becomes the new baseline
        } else if (isStoredDecline(route, res)) {
          const why = onlyAddedDeclined(baseline, after);
          if (why) fail(`a declined charge changed more than its own record: ${why}`);
          changed = true;
        } else if (JSON.stringify(after) !== JSON.stringify(baseline)) {
          fail(`a ${res.status} changed state:\n  before: ${JSON.stringify(baseline).slice(0, 1500)}\n  after:  ${JSON.stringify(after).slice(0, 1500)}`);
        }
        baseline = after;

        // A refused registration leaves no sign-in behind.
        if (key === 'POST /v1/users' && res.status >= 400 && c.body.kind === 'json') {
          const b = c.body.value as Record<string, unknown> | null;
          if (b && typeof b === 'object' && typeof b.email === 'string' && b.email.endsWith('@fuzz.example.com') && typeof b.password === 'string' && b.password.length > 0 && b.password.length <= 256) {
            const signIn = await api('POST', '/v1/sessions', { body: { email: b.email, password: b.password } });
            if (signIn.status === 200) fail('a refused registration can sign in');
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );

    // The wider view (ops queues, switches, reconciliation) is compared when nothing in the batch could change state.
    if (!changed) expect(await full()).toEqual(fullBefore);
  });

  it('reconciliation has no new differences after the fuzzing', async () => {
    const recon = await settledReconciliation();
    expect(recon.differences).toEqual([]);
  });
});
