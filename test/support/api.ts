import { AsyncLocalStorage } from 'node:async_hooks';
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ContractChecker, type Intent } from './contract';
import { STATE_FILE } from './global-setup';

export const baseUrl = (): string => process.env.ANSHIN_URL ?? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { url: string }).url;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

function headersOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

let checker: Promise<ContractChecker> | undefined;

/** The document the running stack serves, fetched once per test file: the tests check the service against what it publishes. */
export function contract(): Promise<ContractChecker> {
  checker ??= fetch(`${baseUrl()}/openapi.json`).then(async (res) => {
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return new ContractChecker((await res.json()) as Record<string, unknown>);
  });
  return checker;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Bad input on purpose: the request need not match /openapi.json, and the answer must be a 4xx it declares. */
  invalid?: boolean;
  /** Overrides `invalid`; `auto` for generated requests that may or may not be valid. */
  intent?: Intent;
}

const intentScope = new AsyncLocalStorage<Intent>();

/**
 * Marks every API call made inside `fn` as bad input on purpose (see `ApiOptions.invalid`),
 * for tests that send malformed requests through helpers: `await badInput(() => startLink(user, body))`.
 */
export const badInput = <T>(fn: () => Promise<T>): Promise<T> => intentScope.run('invalid', fn);

/**
 * One HTTP call to the stack. Every exchange with the API is checked against the stack's own
 * /openapi.json: an undeclared status, a body or header that does not match, or a request the
 * document refuses (unless marked `invalid`) throws a ContractViolation that fails the test.
 */
export async function api<T = any>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl()}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  (await contract()).assert(
    { method, url: path, requestHeaders: headers, requestBody: body, status: res.status, responseHeaders: headersOf(res.headers), responseBody: text },
    options.intent ?? (options.invalid ? 'invalid' : (intentScope.getStore() ?? 'valid')),
  );
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const uniquePhone = () => `+8190${String(randomInt(0, 1e8)).padStart(8, '0')}`;
export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID().slice(0, 12)}@example.com`;
export const PASSWORD = 'Str0ng-Passw0rd';
export const TERMS = '2026-04';

/** The 6-digit codes the local SMS outbox holds for a phone, oldest first. */
export async function smsTo(phone: string): Promise<{ body: string; sentAt: string }[]> {
  const res = await api('GET', `/local/sms?to=${encodeURIComponent(phone)}`);
  return res.body.messages;
}

export async function lastCode(phone: string): Promise<string> {
  const messages = await smsTo(phone);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = /\b(\d{6})\b/.exec(messages[i].body);
    if (m) return m[1];
  }
  throw new Error(`no code was sent to ${phone}`);
}

export interface TestUser {
  userId: string;
  email: string;
  phone: string;
  token: string;
}

/** `deviceId`: the X-Device-Id of the sign-up, which makes it the wallet's first (trusted) device. */
export async function registerUser(options: { phone?: string; deviceId?: string } = {}): Promise<TestUser> {
  const email = uniqueEmail();
  const phone = options.phone ?? uniquePhone();
  const reg = await api('POST', '/v1/users', {
    body: { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS }, headers: options.deviceId ? { 'x-device-id': options.deviceId } : undefined,
  });
  if (reg.status !== 201) throw new Error(`registration failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const session = await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  if (session.status !== 200) throw new Error(`sign-in failed: ${session.status} ${JSON.stringify(session.body)}`);
  return { userId: reg.body.userId, email, phone, token: session.body.accessToken };
}

export async function verifyPhone(user: TestUser): Promise<void> {
  const res = await api('POST', '/v1/me/phone/verification', { token: user.token, body: { code: await lastCode(user.phone) } });
  if (res.status !== 200) throw new Error(`phone verification failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export const IDENTITY = { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-04-01' };

export async function passEkyc(user: TestUser, identity = IDENTITY): Promise<void> {
  const start = await api('POST', '/v1/me/ekyc', { token: user.token });
  if (start.status !== 201) throw new Error(`eKYC start failed: ${start.status} ${JSON.stringify(start.body)}`);
  const done = await api('POST', '/local/ekyc/complete', { body: { ekycSessionId: start.body.ekycSessionId, result: 'APPROVED', identity } });
  if (done.status !== 200 || done.body.delivery.status !== 200) throw new Error(`eKYC webhook failed: ${JSON.stringify(done.body)}`);
}

/** A user with a verified phone and a VERIFIED eKYC identity. */
export async function verifiedUser(identity = IDENTITY, options: { deviceId?: string } = {}): Promise<TestUser> {
  const user = await registerUser(options);
  await verifyPhone(user);
  await passEkyc(user, identity);
  return user;
}

export async function opsToken(): Promise<string> {
  const res = await api('POST', '/v1/sessions', {
    body: { email: process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local', password: process.env.ANSHIN_OPS_PASSWORD ?? 'OpsLocal-Passw0rd' },
  });
  if (res.status !== 200) throw new Error(`ops sign-in failed: ${res.status}`);
  return res.body.accessToken;
}

export interface TestAccount {
  bankCode: string;
  branchCode: string;
  accountNumber: string;
  pin: string;
  holderPhone: string;
}

/** Opens an account at the simulated bank; its holder gets bank notices at `holderPhone`. */
export async function openBankAccount(options: { bankCode?: string; holderNameKana?: string; dateOfBirth?: string; balance?: number; holderPhone?: string } = {}): Promise<TestAccount> {
  const holderPhone = options.holderPhone ?? uniquePhone();
  const bankCode = options.bankCode ?? '0001';
  const res = await api('POST', '/local/bank/accounts', {
    body: { bankCode, holderNameKana: options.holderNameKana ?? 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: options.dateOfBirth ?? IDENTITY.dateOfBirth, phoneNumber: holderPhone, balance: options.balance ?? 1_000_000 },
  });
  if (res.status !== 201) throw new Error(`bank account: ${res.status} ${JSON.stringify(res.body)}`);
  return { bankCode, ...res.body, holderPhone };
}

export const requestOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get('request')!;

/** What the holder does at the bank's page: PIN, then the one-time code from their phone. */
export async function authorizeAtBank(account: TestAccount, authorizationUrl: string): Promise<string> {
  const request = requestOf(authorizationUrl);
  const start = await api('POST', '/local/bank/authorize/start', { body: { request, pin: account.pin } });
  if (start.status !== 200) throw new Error(`bank PIN step: ${start.status} ${JSON.stringify(start.body)}`);
  const otp = await lastCode(account.holderPhone);
  const done = await api('POST', '/local/bank/authorize/complete', { body: { request, otp } });
  if (done.status !== 200) throw new Error(`bank OTP step: ${done.status} ${JSON.stringify(done.body)}`);
  return done.body.authorizationCode;
}

/** The whole honest link flow; returns the ACTIVE link's id. */
export async function linkAccount(user: TestUser, account: TestAccount): Promise<string> {
  const created = await api('POST', '/v1/me/bank-links', { token: user.token, body: { bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: account.accountNumber } });
  if (created.status !== 201) throw new Error(`link: ${created.status} ${JSON.stringify(created.body)}`);
  const linkId = created.body.linkId;
  const authorizationCode = await authorizeAtBank(account, created.body.authorizationUrl);
  const auth = await api('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: user.token, body: { authorizationCode } });
  if (auth.status !== 200) throw new Error(`link authorization: ${auth.status} ${JSON.stringify(auth.body)}`);
  const confirm = await api('POST', `/v1/me/bank-links/${linkId}/confirmation`, { token: user.token, body: { code: await lastCode(user.phone) } });
  if (confirm.status !== 200) throw new Error(`link confirmation: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return linkId;
}

/** Another member of staff (POST /local/staff), signed in: four-eyes rules need two. */
export async function newStaff(tag = 'staff'): Promise<{ email: string; token: string }> {
  const email = uniqueEmail(tag);
  const created = await api('POST', '/local/staff', { body: { email, password: PASSWORD } });
  if (created.status !== 201) throw new Error(`staff: ${created.status} ${JSON.stringify(created.body)}`);
  const session = await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  if (session.status !== 200) throw new Error(`staff sign-in: ${session.status}`);
  return { email, token: session.body.accessToken };
}
