/**
 * The shared middy chain (parse → validate → handler → error mapper), driven with
 * hand-built API Gateway v2 events and no AWS behind it.
 *
 * @middy/core is ESM-only and this jest project runs ts-jest in CommonJS mode, so
 * jest cannot load it in-process. The handlers therefore run in a child Node
 * process (tsx, which loads ESM and TypeScript) that this test feeds events to and
 * reads results from: the real chain and the real handler modules, just not inside
 * jest's module registry.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MARK = '@@RESULT@@';
const SPAWN_TIMEOUT_MS = 60_000;

// Reads {entry, events} on stdin, calls the module's handler for each event in turn.
const DRIVER = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const { entry, events } = JSON.parse(readFileSync(0, 'utf8'));
const mod = await import(pathToFileURL(entry).href);
const handler = mod.handler ?? mod.default?.handler;
let i = 0;
for (const event of events) {
  const context = { awsRequestId: 'ctx-' + i++, functionName: 'unit', getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
  const result = await handler(event, context);
  process.stdout.write('\\n${MARK}' + JSON.stringify(result) + '\\n');
}
`;

interface Result {
  statusCode: number;
  headers: Record<string, string>;
  body: any;
}

const DUMMY_ENV = {
  TABLE_NAME: 'unit-table',
  USER_POOL_ID: 'unit-pool',
  USER_POOL_CLIENT_ID: 'unit-client',
  STAGE: 'unit',
  TERMS_VERSION: '2026-04',
  LOG_LEVEL: 'INFO',
  // If anything did try to reach AWS, it would hit a closed loopback port, never the cloud.
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function invoke(entry: string, events: object[]): { results: Result[]; logs: string } {
  const { PATH, HOME, TMPDIR } = process.env;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DRIVER], {
    cwd: ROOT,
    input: JSON.stringify({ entry: join(ROOT, entry), events }),
    env: { PATH, HOME, TMPDIR, ...DUMMY_ENV },
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
  });
  if (out.status !== 0) throw new Error(`the handler process failed (${out.status}):\n${out.stderr}\n${out.stdout}`);
  const lines = out.stdout.split('\n');
  const results = lines.filter((l) => l.startsWith(MARK)).map((l) => {
    const r = JSON.parse(l.slice(MARK.length));
    return { ...r, body: r.body ? JSON.parse(r.body) : undefined } as Result;
  });
  if (results.length !== events.length) throw new Error(`expected ${events.length} results, got ${results.length}:\n${out.stdout}\n${out.stderr}`);
  return { results, logs: lines.filter((l) => !l.startsWith(MARK)).join('\n') + out.stderr };
}

function event(routeKey: string, o: { body?: string; base64?: boolean; headers?: Record<string, string>; claims?: Record<string, string>; requestId?: string | null } = {}) {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...o.headers },
    body: o.body === undefined ? undefined : o.base64 ? Buffer.from(o.body).toString('base64') : o.body,
    isBase64Encoded: Boolean(o.base64),
    requestContext:
      o.requestId === null
        ? undefined
        : {
            requestId: o.requestId ?? `req-${Math.random().toString(36).slice(2)}`,
            routeKey,
            http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'unit' },
            ...(o.claims ? { authorizer: { jwt: { claims: o.claims, scopes: [] } } } : {}),
          },
  };
}

const GOOD = { email: 'hanako@example.com', password: 'Str0ng-Passw0rd', phoneNumber: '+819012345678', acceptedTermsVersion: '2026-04' };
const json = (o: unknown) => JSON.stringify(o);

function expectError(r: Result, status: number, code: string, requestId?: string) {
  expect(r.statusCode).toBe(status);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.headers['cache-control']).toBe('no-store');
  expect(r.body.error).toEqual(expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }));
  expect(r.headers['x-request-id']).toBe(r.body.error.requestId);
  if (requestId) expect(r.body.error.requestId).toBe(requestId);
}

const issuePaths = (r: Result) => (r.body.error.details.issues as { in: string; path: string }[]).map((i) => `${i.in}:${i.path}`);

describe('meta handler through the chain', () => {
  let results: Result[];
  beforeAll(() => {
    ({ results } = invoke('functions/http/meta.ts', [
      event('GET /health', { requestId: 'req-health' }),
      event('GET /openapi.json'),
      event('GET /nope', { requestId: 'req-nope' }),
      event('GET /health', { requestId: null }),
    ]));
  }, SPAWN_TIMEOUT_MS);

  it('GET /health is 200 JSON with the request id echoed', () => {
    const r = results[0];
    expect(r.statusCode).toBe(200);
    expect(r.body).toEqual({ status: 'ok', stage: 'unit', time: expect.any(String) });
    expect(r.headers).toEqual(expect.objectContaining({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': 'req-health' }));
  });

  it('GET /openapi.json is the 3.1.0 document, cacheable', () => {
    expect(results[1].statusCode).toBe(200);
    expect(results[1].body.openapi).toBe('3.1.0');
    expect(results[1].headers['cache-control']).toMatch(/max-age/);
  });

  it('a route key the function does not serve is 404 NOT_FOUND in the error format', () => {
    expectError(results[2], 404, 'NOT_FOUND', 'req-nope');
  });

  it('falls back to the Lambda request id when the event carries none', () => {
    expect(results[3].statusCode).toBe(200);
    expect(results[3].headers['x-request-id']).toBe('ctx-3');
  });
});

describe('identity handler: validation fails before any AWS call', () => {
  const cases: [string, ReturnType<typeof event>][] = [
    ['malformed JSON', event('POST /v1/users', { body: '{"email": "a@example.com",', requestId: 'req-malformed' })],
    ['wrong types', event('POST /v1/users', { body: json({ ...GOOD, email: 42, password: true, phoneNumber: ['+819012345678'] }) })],
    ['an extra field', event('POST /v1/users', { body: json({ ...GOOD, isAdmin: true }) })],
    ['no body at all', event('POST /v1/users')],
    ['an empty body', event('POST /v1/users', { body: '   ' })],
    ['a vertical tab, which is not JSON whitespace', event('POST /v1/users', { body: '\u000b' })],
    ['a JSON array', event('POST /v1/users', { body: json([GOOD]) })],
    ['JSON null', event('POST /v1/users', { body: 'null' })],
    ['a JSON string', event('POST /v1/users', { body: json('hello') })],
    ['a bad email', event('POST /v1/users', { body: json({ ...GOOD, email: 'not-an-email' }) })],
    ['a phone number that is not E.164', event('POST /v1/users', { body: json({ ...GOOD, phoneNumber: '090-1234-5678' }) })],
    ['a weak password', event('POST /v1/users', { body: json({ ...GOOD, password: 'password' }) })],
    ['old terms', event('POST /v1/users', { body: json({ ...GOOD, acceptedTermsVersion: '2020-01' }) })],
    ['a base64 body with an extra field', event('POST /v1/users', { body: json({ ...GOOD, role: 'ops' }), base64: true })],
    ['an over-long device id', event('POST /v1/users', { body: json({ ...GOOD, phoneNumber: 'x' }), headers: { 'X-Device-Id': 'd'.repeat(201) } })],
    ['sign-in without a password', event('POST /v1/sessions', { body: json({ email: GOOD.email }) })],
    ['sign-in with an extra field', event('POST /v1/sessions', { body: json({ email: GOOD.email, password: 'x', mfa: '000000' }) })],
  ];
  let results: Result[];
  let logs: string;
  beforeAll(() => {
    ({ results, logs } = invoke('functions/http/identity.ts', cases.map(([, e]) => e)));
  }, SPAWN_TIMEOUT_MS);
  const result = (name: string) => results[cases.findIndex(([n]) => n === name)];

  it.each(cases.map(([name]) => [name]))('%s → 400 VALIDATION_ERROR with the issues listed', (name) => {
    const r = result(name);
    expectError(r, 400, 'VALIDATION_ERROR', cases.find(([n]) => n === name)![1].requestContext!.requestId);
    expect(r.body.error.details.issues.length).toBeGreaterThan(0);
  });

  it('says the body is not JSON', () => {
    expect(result('malformed JSON').body.error.details.issues).toEqual([{ in: 'body', path: '', message: 'invalid JSON' }]);
    // String.prototype.trim() would read it as an empty body; JSON.parse refuses it, and so must we.
    expect(result('a vertical tab, which is not JSON whitespace').body.error.details.issues).toEqual([{ in: 'body', path: '', message: 'invalid JSON' }]);
  });

  it('names each field of the wrong type', () => {
    expect(issuePaths(result('wrong types')).sort()).toEqual(['body:email', 'body:password', 'body:phoneNumber']);
  });

  it('names the extra field', () => {
    expect(JSON.stringify(result('an extra field').body.error.details.issues)).toContain('isAdmin');
    expect(JSON.stringify(result('a base64 body with an extra field').body.error.details.issues)).toContain('role');
  });

  it('lists every required field when the body is missing or blank', () => {
    for (const name of ['no body at all', 'an empty body']) {
      expect(issuePaths(result(name)).sort()).toEqual(['body:acceptedTermsVersion', 'body:email', 'body:password', 'body:phoneNumber']);
    }
  });

  it('refuses JSON that is not an object', () => {
    for (const name of ['a JSON array', 'JSON null', 'a JSON string']) expect(issuePaths(result(name))).toEqual(['body:']);
  });

  it('names the bad field', () => {
    expect(issuePaths(result('a bad email'))).toEqual(['body:email']);
    expect(issuePaths(result('a phone number that is not E.164'))).toEqual(['body:phoneNumber']);
    expect(issuePaths(result('a weak password'))).toEqual(expect.arrayContaining(['body:password']));
    expect(issuePaths(result('a weak password')).every((p) => p === 'body:password')).toBe(true);
    expect(issuePaths(result('old terms'))).toEqual(['body:acceptedTermsVersion']);
    expect(issuePaths(result('sign-in without a password'))).toEqual(['body:password']);
  });

  it('reports body and header issues together', () => {
    expect(issuePaths(result('an over-long device id')).sort()).toEqual(['body:phoneNumber', 'header:x-device-id']);
  });

  it('logs the refusals without the personal data of the request', () => {
    expect(logs).toContain('VALIDATION_ERROR');
    expect(logs).not.toContain(GOOD.password);
    expect(logs).not.toContain(GOOD.email);
    expect(logs).not.toContain('819012345678');
  });
});

describe('profile handler: the chain does not trust a missing authorizer', () => {
  let results: Result[];
  beforeAll(() => {
    ({ results } = invoke('functions/http/profile.ts', [
      event('GET /v1/me', { requestId: 'req-noclaims' }),
      event('GET /v1/me', { claims: { token_use: 'access' } }),
      event('POST /v1/me/phone/verification', { body: json({ code: '12345' }), claims: { sub: 'user-1' } }),
      event('POST /v1/me/phone/verification', { body: json({ code: 123456 }), claims: { sub: 'user-1' } }),
    ]));
  }, SPAWN_TIMEOUT_MS);

  it('a user route without JWT claims is 401 UNAUTHORIZED', () => {
    expectError(results[0], 401, 'UNAUTHORIZED', 'req-noclaims');
  });

  it('claims without a subject are 401 UNAUTHORIZED', () => {
    expectError(results[1], 401, 'UNAUTHORIZED');
  });

  it('a code that is not 6 digits is 400 naming `code`', () => {
    expectError(results[2], 400, 'VALIDATION_ERROR');
    expect(issuePaths(results[2])).toEqual(['body:code']);
    expectError(results[3], 400, 'VALIDATION_ERROR');
    expect(issuePaths(results[3])).toEqual(['body:code']);
  });
});

describe('error messages speak the caller\'s language; the code stays', () => {
  let results: Result[];
  beforeAll(() => {
    const bad = { body: json({ ...GOOD, email: 'not-an-email' }) };
    ({ results } = invoke('functions/http/identity.ts', [
      event('POST /v1/users', bad),
      event('POST /v1/users', { ...bad, headers: { 'Accept-Language': 'en-GB,en;q=0.9' } }),
      event('POST /v1/users', { ...bad, headers: { 'accept-language': 'de' } }),
      event('POST /v1/users', { body: json(GOOD), headers: { 'accept-language': 'en' } }),
    ]));
  }, SPAWN_TIMEOUT_MS);

  it('Japanese by default and for a language we lack, English on request, with Content-Language', () => {
    for (const r of results.slice(0, 3)) expectError(r, 400, 'VALIDATION_ERROR');
    expect(results[0].body.error.message).toBe('入力内容に誤りがあります。');
    expect(results[0].headers['content-language']).toBe('ja');
    expect(results[1].body.error.message).toBe('The request is not valid');
    expect(results[1].headers['content-language']).toBe('en');
    expect(results[2].body.error.message).toBe('入力内容に誤りがあります。');
    // The details (field names, zod's own words) are for the client's code and stay as they are.
    expect(results[1].body.error.details).toEqual(results[0].body.error.details);
  });

  it('the 500 too', () => {
    expectError(results[3], 500, 'INTERNAL_ERROR');
    expect(results[3].body.error.message).toBe('Something went wrong on our side');
  });
});

describe('an unexpected failure behind the chain', () => {
  let result: Result;
  let logs: string;
  beforeAll(() => {
    // A valid registration reaches the identity provider, which here is a closed port.
    ({ results: [result], logs } = invoke('functions/http/identity.ts', [event('POST /v1/users', { body: json(GOOD), requestId: 'req-500' })]));
  }, SPAWN_TIMEOUT_MS);

  it('is a 500 INTERNAL_ERROR in the error format that reveals nothing of the cause', () => {
    expectError(result, 500, 'INTERNAL_ERROR', 'req-500');
    expect(Object.keys(result.body.error).sort()).toEqual(['code', 'message', 'requestId']);
    expect(JSON.stringify(result.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack|at /);
  });

  it('is logged as an error with the request id, without personal data', () => {
    const line = logs.split('\n').find((l) => l.includes('unhandled error'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toEqual(expect.objectContaining({ level: 'ERROR', requestId: 'req-500' }));
    expect(logs).not.toContain(GOOD.password);
  });

  // An Error's name, message and stack are not enumerable: redact() copies them by hand, or
  // every logged error would come out as "error":{}.
  it('logs what went wrong: the error carries its name and message', () => {
    const line = JSON.parse(logs.split('\n').find((l) => l.includes('unhandled error'))!);
    expect(line.error).toEqual(expect.objectContaining({ name: expect.any(String), message: expect.any(String) }));
  });
});

describe('content type, nosniff and the terms', () => {
  let results: Result[];
  beforeAll(() => {
    ({ results } = invoke('functions/http/identity.ts', [
      event('POST /v1/users', { body: json(GOOD), headers: { 'content-type': 'text/plain' } }),
      event('POST /v1/users', { body: 'email=a%40b.c', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      // JSON with a charset, or a +json type, is read (and then refused for its content, not its type).
      event('POST /v1/users', { body: json({ ...GOOD, acceptedTermsVersion: 'old' }), headers: { 'content-type': 'application/json; charset=utf-8' } }),
      event('POST /v1/users', { body: json({ ...GOOD, acceptedTermsVersion: 'old' }), headers: { 'content-type': 'application/merge-patch+json' } }),
    ]));
    results.push(...invoke('functions/http/meta.ts', [
      event('GET /v1/terms'),
      event('GET /v1/terms', { headers: { 'accept-language': 'en' } }),
      event('GET /health'),
    ]).results);
  }, SPAWN_TIMEOUT_MS);

  it('refuses a body sent as anything but JSON with 415 UNSUPPORTED_MEDIA_TYPE', () => {
    expectError(results[0], 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(results[1], 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(results[1].body.error.message).toMatch(/JSON/);
  });

  it('reads application/json with parameters and +json types as JSON', () => {
    for (const r of results.slice(2, 4)) {
      expectError(r, 400, 'VALIDATION_ERROR');
      expect(issuePaths(r)).toEqual(['body:acceptedTermsVersion']);
    }
  });

  it('marks every answer, success or error, nosniff', () => {
    for (const r of results) expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the terms a new user must accept: the version POST /v1/users wants, the url and the compensation policy', () => {
    const [ja, en] = results.slice(4, 6);
    expect(ja.statusCode).toBe(200);
    expect(ja.body).toEqual({ version: '2026-04', url: expect.stringMatching(/^https?:\/\/.+2026-04/), compensationPolicy: expect.stringMatching(/全額/) });
    expect(ja.headers['content-language']).toBe('ja');
    expect(en.body.compensationPolicy).toMatch(/paid back in full/);
    expect(en.body.version).toBe(ja.body.version);
  });
});
