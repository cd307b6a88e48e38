/**
 * One client flow (the README walk-through plus the contract's error cases) through Stoplight
 * Prism's validating proxy in front of a running stack; prints each call and what Prism said of it.
 * Local simulator calls go straight to the stack (they are not part of the API).
 *   prism proxy http://127.0.0.1:3000/openapi.json http://127.0.0.1:3000 -p 4010 --errors
 *   PRISM=http://127.0.0.1:4010 STACK=http://127.0.0.1:3000 npx tsx test/support/prism-flow.ts
 */
const API = process.env.PRISM ?? 'http://127.0.0.1:4995';
const LOCAL = process.env.STACK ?? 'http://127.0.0.1:4990';
const results: { call: string; status: number; violations?: string; expect: string }[] = [];
async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; expect: string }) {
  const headers: Record<string, string> = { 'x-device-id': 'phone-1', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.raw;
  if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json'; }
  const res = await fetch(API + path, { method, headers, body });
  const text = await res.text();
  const v = res.headers.get('sl-violations') ?? undefined;
  results.push({ call: `${method} ${path.replace(/[0-9a-f-]{36}|chg_[0-9a-f]{32}|case_[0-9a-f]{32}/g, '{id}')}`, status: res.status, violations: v ?? (text.includes('stoplight.io/prism/errors') ? text.slice(0, 400) : undefined), expect: opts.expect });
  try { return { status: res.status, body: JSON.parse(text) }; } catch { return { status: res.status, body: text }; }
}
const local = async (method: string, path: string, body?: unknown) => (await fetch(LOCAL + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json();
const code = async (phone: string) => { const m = (await local('GET', `/local/sms?to=${encodeURIComponent(phone)}`)).messages; return /\b(\d{6})\b/.exec(m[m.length - 1].body)![1]; };

(async () => {
 try {
  const phone = `+8190${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const email = `hanako-${Date.now()}@example.com`;
  await call('GET', '/health', { expect: '200' });
  await call('GET', '/openapi.json', { expect: '200' });
  await call('POST', '/v1/users', { body: { email, password: 'Passw0rd-123', phoneNumber: phone, acceptedTermsVersion: '2026-04' }, expect: '201' });
  await call('POST', '/v1/users', { body: { email, password: 'Passw0rd-123', phoneNumber: phone, acceptedTermsVersion: '2026-04' }, expect: '409 EMAIL_TAKEN' });
  await call('POST', '/v1/users', { body: { email: 'x' + email, password: 'password', phoneNumber: phone, acceptedTermsVersion: '2026-04' }, expect: '400 (bad input)' });
  await call('POST', '/v1/sessions', { body: { email, password: 'Wrong-Passw0rd' }, expect: '401 INVALID_CREDENTIALS' });
  const T = (await call('POST', '/v1/sessions', { body: { email, password: 'Passw0rd-123' }, expect: '200' })).body.accessToken;
  await call('GET', '/v1/me', { expect: '401 (no token)' });
  await call('GET', '/v1/me', { token: T, expect: '200' });
  await call('POST', '/v1/me/ekyc', { token: T, expect: '403 PHONE_UNVERIFIED' });
  await call('POST', '/v1/me/phone/verification', { token: T, body: { code: '000000' }, expect: '422 INVALID_CODE' });
  await call('POST', '/v1/me/phone/verification/resend', { token: T, expect: '429 RATE_LIMITED + retry-after' });
  await call('POST', '/v1/me/phone/verification', { token: T, body: { code: await code(phone) }, expect: '200' });
  await call('POST', '/v1/me/phone/verification/resend', { token: T, body: {}, expect: '409 PHONE_ALREADY_VERIFIED' });
  const S = (await call('POST', '/v1/me/ekyc', { token: T, body: {}, expect: '201 (body {})' })).body.ekycSessionId;
  await local('POST', '/local/ekyc/complete', { ekycSessionId: S, result: 'APPROVED', identity: { fullName: '佐藤 花子', fullNameKana: 'サトウ ハナコ', dateOfBirth: '1990-04-01' } });
  await call('POST', '/v1/me/ekyc', { token: T, expect: '409 KYC_ALREADY_VERIFIED (no body)' });
  const holder = `+8190${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const A = await local('POST', '/local/bank/accounts', { bankCode: '0001', holderNameKana: 'ｻﾄｳ ﾊﾅｺ', dateOfBirth: '1990-04-01', phoneNumber: holder, balance: 300000 });
  const L = (await call('POST', '/v1/me/bank-links', { token: T, body: { bankCode: '0001', branchCode: A.branchCode, accountNumber: A.accountNumber }, expect: '201' })).body;
  const request = new URL(L.authorizationUrl).searchParams.get('request');
  await local('POST', '/local/bank/authorize/start', { request, pin: A.pin });
  const auth = (await local('POST', '/local/bank/authorize/complete', { request, otp: await code(holder) })).authorizationCode;
  await call('POST', `/v1/me/bank-links/${L.linkId}/authorization`, { token: T, body: { authorizationCode: auth }, expect: '200' });
  await call('POST', `/v1/me/bank-links/${L.linkId}/confirmation`, { token: T, body: { code: await code(phone) }, expect: '200' });
  await call('GET', '/v1/me/bank-links', { token: T, expect: '200' });
  const c1 = (await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-1' }, body: { linkId: L.linkId, amount: 5000 }, expect: '202 PENDING_CONFIRMATION' })).body.chargeId;
  await call('POST', `/v1/me/charges/${c1}/confirmation`, { token: T, body: { code: '000000' }, expect: '422 INVALID_CODE' });
  await call('POST', `/v1/me/charges/${c1}/confirmation`, { token: T, body: { code: await code(phone) }, expect: '200' });
  await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-2' }, body: { linkId: L.linkId, amount: 3000 }, expect: '201 COMPLETED' });
  await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-2' }, body: { linkId: L.linkId, amount: 3000 }, expect: '201 (replay)' });
  await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-2' }, body: { linkId: L.linkId, amount: 4000 }, expect: '409 IDEMPOTENCY_KEY_REUSED' });
  await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-3' }, body: { linkId: L.linkId, amount: 600000 }, expect: '422 LIMIT_EXCEEDED' });
  await call('POST', '/v1/me/charges', { token: T, body: { linkId: L.linkId, amount: 3000 }, expect: '400 (no Idempotency-Key: bad input)' });
  await call('GET', `/v1/me/charges/${c1}`, { token: T, expect: '200' });
  await call('GET', `/v1/me/charges/chg_${'0'.repeat(32)}`, { token: T, expect: '404' });
  await call('GET', '/v1/me/wallet', { token: T, expect: '200' });
  await call('GET', '/v1/me/transactions?limit=1', { token: T, expect: '200' });
  await call('POST', '/v1/reports/not-me', { body: { token: 'garbage' }, expect: '401 INVALID_TOKEN' });
  const O = (await call('POST', '/v1/sessions', { body: { email: 'ops@anshin.local', password: 'OpsLocal-Passw0rd' }, expect: '200' })).body.accessToken;
  await call('GET', '/v1/ops/reviews?status=OPEN', { token: T, expect: '403 FORBIDDEN' });
  await call('GET', '/v1/ops/reviews?status=OPEN', { token: O, expect: '200' });
  await call('GET', '/v1/ops/banks', { token: O, expect: '200' });
  await call('PUT', '/v1/ops/banks/0001', { token: O, body: { linkingEnabled: false, chargingEnabled: true }, expect: '200' });
  await call('POST', '/v1/me/bank-links', { token: T, body: { bankCode: '0001', branchCode: '001', accountNumber: '1234567' }, expect: '503 BANK_SUSPENDED + retry-after' });
  await call('PUT', '/v1/ops/banks/0001', { token: O, body: { linkingEnabled: true, chargingEnabled: true }, expect: '200' });
  const me = (await call('GET', '/v1/me', { token: T, expect: '200' })).body;
  await call('GET', `/v1/ops/users/${me.userId}`, { token: O, expect: '200' });
  await call('GET', `/v1/ops/audit?userId=${me.userId}`, { token: O, expect: '200' });
  await call('GET', '/v1/ops/compensations', { token: O, expect: '200' });
  await call('POST', `/v1/ops/users/${me.userId}/freeze`, { token: O, body: { reason: 'prism flow' }, expect: '200' });
  await call('POST', '/v1/me/charges', { token: T, headers: { 'idempotency-key': 'order-4' }, body: { linkId: L.linkId, amount: 3000 }, expect: '403 ACCOUNT_FROZEN' });
  await call('POST', `/v1/ops/users/${me.userId}/unfreeze`, { token: O, body: { reason: 'prism flow' }, expect: '200' });
  await call('DELETE', `/v1/me/bank-links/${L.linkId}`, { token: T, expect: '204' });
  } catch (e) { console.log(`flow stopped: ${(e as Error).message}`); }
  for (const r of results) console.log(`${r.status}\t${r.call}\t(expected ${r.expect})${r.violations ? `\n\tPRISM: ${r.violations}` : ''}`);
  console.log(`calls: ${results.length}, with Prism violations: ${results.filter((r) => r.violations).length}`);
})();
