import { performance } from 'node:perf_hooks';
import type { ReviewCase as StoredCase } from '../../functions/domain/review';

export interface Reply<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** The error code of a contract error body, or undefined. */
export const codeOf = (r: Reply): string | undefined => (r.body && typeof r.body === 'object' ? r.body.error?.code : undefined);

/** A thin HTTP client over fetch (keep-alive connections on loopback). */
export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: body as T, ms };
  }

  async must<T = any>(expected: number | number[], method: string, path: string, o: Parameters<Api['call']>[2] = {}): Promise<T> {
    const r = await this.call<T>(method, path, o);
    if (!(Array.isArray(expected) ? expected : [expected]).includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Moves the stack's clock forward (it only ever moves forward). */
  async advance(seconds: number): Promise<void> {
    if (seconds > 0) await this.must(200, 'POST', '/local/clock', { body: { advanceSeconds: Math.round(seconds) } });
  }

  async now(): Promise<number> {
    return Date.parse((await this.must<{ now: string }>(200, 'GET', '/local/clock')).now);
  }
}

/** What each SMS looks like (the Japanese texts of functions/shared/messages.ts, which the wallet and the bank simulator send). */
const SMS_PATTERNS = {
  phone: /電話番号の認証コード：(\d{6})/,
  link: /口座登録の認証コード：(\d{6})/,
  charge: /チャージ（[^）]*）の認証コード：(\d{6})/,
  bankOtp: /登録用ワンタイムパスワード：(\d{6})/,
} as const;

/** The newest code of this kind in the local SMS outbox for a phone. */
export async function smsCode(api: Api, phone: string, kind: keyof typeof SMS_PATTERNS): Promise<string | undefined> {
  const { messages } = await api.must<{ messages: { body: string }[] }>(200, 'GET', `/local/sms?to=${encodeURIComponent(phone)}`);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = SMS_PATTERNS[kind].exec(messages[i].body);
    if (m) return m[1];
  }
  return undefined;
}

/** The not-me token of the newest bank notice about a new link, if the holder got one. */
export async function notMeToken(api: Api, holderPhone: string): Promise<string | undefined> {
  const { messages } = await api.must<{ messages: { body: string }[] }>(200, 'GET', `/local/sms?to=${encodeURIComponent(holderPhone)}`);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = /[?&]token=([^\s&]+)/.exec(messages[i].body);
    if (m) return decodeURIComponent(m[1]);
  }
  return undefined;
}

export interface Identity {
  fullName: string;
  fullNameKana: string;
  dateOfBirth: string;
}

export interface Wallet {
  userId: string;
  email: string;
  phone: string;
  token: string;
  deviceId: string;
}

export interface BankAccount {
  bankCode: string;
  branchCode: string;
  accountNumber: string;
  pin: string;
  holderPhone: string;
}

export const PASSWORD = 'Bench-Passw0rd';
export const TERMS = '2026-04';

/** Registration and sign-in; the device used at registration is trusted from then on. */
export async function register(api: Api, email: string, phone: string, deviceId: string): Promise<Wallet> {
  const reg = await api.must<{ userId: string }>(201, 'POST', '/v1/users', {
    body: { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS },
    headers: { 'x-device-id': deviceId },
  });
  const session = await api.must<{ accessToken: string }>(200, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  return { userId: reg.userId, email, phone, token: session.accessToken, deviceId };
}

export async function verifyPhone(api: Api, w: Wallet): Promise<void> {
  const code = await smsCode(api, w.phone, 'phone');
  await api.must(200, 'POST', '/v1/me/phone/verification', { token: w.token, body: { code }, headers: { 'x-device-id': w.deviceId } });
}

/** The eKYC session and the provider's verdict (delivered as the signed webhook by the simulator). */
export async function ekyc(api: Api, w: Wallet, identity: Identity, result: 'APPROVED' | 'REJECTED' = 'APPROVED'): Promise<void> {
  const start = await api.must<{ ekycSessionId: string }>(201, 'POST', '/v1/me/ekyc', { token: w.token });
  const done = await api.must<{ delivery: { status: number } }>(200, 'POST', '/local/ekyc/complete', { body: { ekycSessionId: start.ekycSessionId, result, identity } });
  if (done.delivery.status >= 300) throw new Error(`eKYC webhook answered ${done.delivery.status}`);
}

export async function openAccount(api: Api, o: { bankCode: string; holderNameKana: string; dateOfBirth: string; holderPhone: string; balance: number }): Promise<BankAccount> {
  const acct = await api.must<{ branchCode: string; accountNumber: string; pin: string }>(201, 'POST', '/local/bank/accounts', {
    body: { bankCode: o.bankCode, holderNameKana: o.holderNameKana, dateOfBirth: o.dateOfBirth, phoneNumber: o.holderPhone, balance: o.balance },
  });
  return { bankCode: o.bankCode, ...acct, holderPhone: o.holderPhone };
}

export const requestOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get('request')!;

/** The honest link: PIN and one-time code at the bank, holder match, SMS confirmation. Returns the link id. */
export async function linkOwnAccount(api: Api, w: Wallet, a: BankAccount): Promise<string> {
  const created = await api.must<{ linkId: string; authorizationUrl: string }>(201, 'POST', '/v1/me/bank-links', {
    token: w.token, body: { bankCode: a.bankCode, branchCode: a.branchCode, accountNumber: a.accountNumber },
  });
  const request = requestOf(created.authorizationUrl);
  await api.must(200, 'POST', '/local/bank/authorize/start', { body: { request, pin: a.pin } });
  const otp = await smsCode(api, a.holderPhone, 'bankOtp');
  const { authorizationCode } = await api.must<{ authorizationCode: string }>(200, 'POST', '/local/bank/authorize/complete', { body: { request, otp } });
  await api.must(200, 'POST', `/v1/me/bank-links/${created.linkId}/authorization`, { token: w.token, body: { authorizationCode } });
  const code = await smsCode(api, w.phone, 'link');
  await api.must(200, 'POST', `/v1/me/bank-links/${created.linkId}/confirmation`, { token: w.token, body: { code } });
  return created.linkId;
}

export function charge(api: Api, w: Wallet, linkId: string, amount: number, key: string, deviceId = w.deviceId) {
  return api.call<{ chargeId: string; status: string; balance?: number; error?: { code: string; details?: { reasons?: string[] } } }>('POST', '/v1/me/charges', {
    token: w.token, body: { linkId, amount }, headers: { 'idempotency-key': key, 'x-device-id': deviceId },
  });
}

export async function confirmCharge(api: Api, w: Wallet, chargeId: string, deviceId = w.deviceId): Promise<Reply> {
  const code = await smsCode(api, w.phone, 'charge');
  return api.call('POST', `/v1/me/charges/${chargeId}/confirmation`, { token: w.token, body: { code }, headers: { 'x-device-id': deviceId } });
}

export async function chargeView(api: Api, w: Wallet, chargeId: string) {
  return api.must<{ chargeId: string; status: string; amount: number; decision: { outcome: string; reasons: string[] } }>(200, 'GET', `/v1/me/charges/${chargeId}`, { token: w.token });
}

/** Polls a charge until it leaves the given statuses (the workflow runs asynchronously). */
export async function waitWhile(api: Api, w: Wallet, chargeId: string, statuses: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await chargeView(api, w, chargeId);
    if (!statuses.includes(view.status) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function opsToken(api: Api): Promise<string> {
  const email = process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local';
  const password = process.env.ANSHIN_OPS_PASSWORD ?? 'OpsLocal-Passw0rd';
  return (await api.must<{ accessToken: string }>(200, 'POST', '/v1/sessions', { body: { email, password } })).accessToken;
}

export type ReviewCase = Pick<StoredCase, 'caseId' | 'chargeId' | 'userId' | 'amount' | 'reasons'>;

export async function openReviews(api: Api, ops: string): Promise<ReviewCase[]> {
  return (await api.must<{ items: ReviewCase[] }>(200, 'GET', '/v1/ops/reviews?status=OPEN', { token: ops })).items;
}

export function decideReview(api: Api, ops: string, caseId: string, decision: 'APPROVE' | 'REJECT', note: string, freezeUser = false) {
  return api.call('POST', `/v1/ops/reviews/${caseId}/decision`, { token: ops, body: { decision, note, ...(freezeUser ? { freezeUser } : {}) } });
}
