/**
 * SMS pumping through the public routes: the sign-up sends an SMS to whatever number the
 * caller names, and each SMS costs money. Sign-ups and code resends are counted per phone
 * number, per client address and overall (fixed one-hour windows of the service clock)
 * before any sign-in is created or SMS sent, and only numbers of allowed countries
 * (default +81) are accepted.
 *
 * The client address is `requestContext.http.sourceIp`; the local gateway fills it from
 * X-Forwarded-For so one machine can speak as many clients. The address and overall
 * limits of the local stack are high (the whole suite registers from 127.0.0.1); the
 * tests that prove them lower them for a moment with `POST /local/limits`, like
 * /local/faults a stack-wide test control (the integration project runs in band).
 */
import { api, lastCode, PASSWORD, registerUser, smsTo, TERMS, uniqueEmail, uniquePhone, type ApiResponse } from '../support/api';

const WINDOW = 3600;

function expectError(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

/** A 429 RATE_LIMITED that says how long to wait: at most to the end of the window. */
function expectLimited(res: ApiResponse, maxWait = WINDOW) {
  expectError(res, 429, 'RATE_LIMITED');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxWait);
}

const signUp = (options: { phone?: string; email?: string; ip?: string } = {}) =>
  api('POST', '/v1/users', {
    body: { email: options.email ?? uniqueEmail('sms'), password: PASSWORD, phoneNumber: options.phone ?? uniquePhone(), acceptedTermsVersion: TERMS },
    headers: options.ip ? { 'x-forwarded-for': options.ip } : undefined,
  });

const signsIn = async (email: string) => (await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } })).status === 200;

const randomIp = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

async function serverNowSeconds(): Promise<number> {
  const res = await api('GET', '/local/clock');
  return Math.floor(Date.parse(res.body.now) / 1000);
}

/** Makes sure the current window has at least `seconds` left, so a test's counts all land in one window. */
async function windowWithRoom(seconds: number): Promise<number> {
  const now = await serverNowSeconds();
  const left = WINDOW - (now % WINDOW);
  if (left >= seconds) return left;
  expect((await api('POST', '/local/clock', { body: { advanceSeconds: left + 1 } })).status).toBe(200);
  return WINDOW - 1;
}

async function withLimits<T>(limits: { perPhone?: number; perAddress?: number; overall?: number }, run: () => Promise<T>): Promise<T> {
  const before = (await api('POST', '/local/limits', { body: {} })).body as Record<string, unknown>;
  const saved = { perPhone: before.perPhone, perAddress: before.perAddress, overall: before.overall };
  expect((await api('POST', '/local/limits', { body: limits })).status).toBe(200);
  try {
    return await run();
  } finally {
    expect((await api('POST', '/local/limits', { body: saved })).status).toBe(200);
  }
}

describe('phone numbers of allowed countries only (default +81)', () => {
  it.each([
    ['a US number', '+12025550123'],
    ['a UK number', '+447700900123'],
    ['a premium-rate-prone number elsewhere', '+8821234567890'],
    ['a Korean number (+82, one digit from +81)', '+821012345678'],
  ])('%s is 400 VALIDATION_ERROR naming phoneNumber; nothing is created or sent', async (_name, phone) => {
    const email = uniqueEmail('country');
    const res = await signUp({ phone, email });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details.issues).toEqual([expect.objectContaining({ in: 'body', path: 'phoneNumber' })]);
    expect(await smsTo(phone)).toHaveLength(0);
    expect(await signsIn(email)).toBe(false);
  });

  it('names both fields when the terms are wrong too', async () => {
    const res = await api('POST', '/v1/users', { body: { email: uniqueEmail(), password: PASSWORD, phoneNumber: '+12025550123', acceptedTermsVersion: '2020-01' } });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['acceptedTermsVersion', 'phoneNumber']);
  });
});

describe('per phone number: 5 SMS an hour', () => {
  it('10 parallel sign-ups to one number: exactly 5 are created and texted, 5 are 429 RATE_LIMITED with retry-after and leave nothing', async () => {
    const left = await windowWithRoom(120);
    const phone = uniquePhone();
    const emails = Array.from({ length: 10 }, () => uniqueEmail('pump'));
    const answers = await Promise.all(emails.map((email) => signUp({ phone, email })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    for (const a of answers.filter((x) => x.status === 429)) expectLimited(a, left);
    expect(await smsTo(phone)).toHaveLength(5);
    const created = await Promise.all(emails.map(signsIn));
    expect(created.filter(Boolean)).toHaveLength(5);
    expect(answers.map((a) => a.status === 201)).toEqual(created);
    // Another number from the same address is not affected.
    expect((await signUp()).status).toBe(201);
  });

  it('resends count too: a user whose number was used up cannot pump it with resends', async () => {
    await windowWithRoom(300);
    const user = await registerUser();
    for (let i = 0; i < 4; i++) expect((await signUp({ phone: user.phone })).status).toBe(201);
    expect(await smsTo(user.phone)).toHaveLength(5);
    // The user's own resend rule (60 s apart, 5 an hour, the sign-up SMS counted) would allow this one.
    expect((await api('POST', '/local/clock', { body: { advanceSeconds: 61 } })).status).toBe(200);
    const code = await lastCode(user.phone);
    expectLimited(await api('POST', '/v1/me/phone/verification/resend', { token: user.token }));
    expect(await smsTo(user.phone)).toHaveLength(5);
    expect(await lastCode(user.phone)).toBe(code);
  });

  it('the next window opens the number again', async () => {
    const left = await windowWithRoom(60);
    const phone = uniquePhone();
    for (let i = 0; i < 5; i++) expect((await signUp({ phone })).status).toBe(201);
    const limited = await signUp({ phone });
    expectLimited(limited, left);
    expect((await api('POST', '/local/clock', { body: { advanceSeconds: Number(limited.headers.get('retry-after')) } })).status).toBe(200);
    expect((await signUp({ phone })).status).toBe(201);
    expect(await smsTo(phone)).toHaveLength(6);
  });
});

describe('per client address (requestContext.http.sourceIp)', () => {
  it('beyond the limit one address gets 429 RATE_LIMITED, whatever the number; other addresses go on', async () => {
    await windowWithRoom(120);
    const ip = randomIp();
    const other = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    await withLimits({ perAddress: 3 }, async () => {
      for (let i = 0; i < 3; i++) expect((await signUp({ ip })).status).toBe(201);
      const phone = uniquePhone();
      const email = uniqueEmail('addr');
      expectLimited(await signUp({ ip, phone, email }));
      expect(await smsTo(phone)).toHaveLength(0);
      expect(await signsIn(email)).toBe(false);
      expect((await signUp({ ip: other })).status).toBe(201);
    });
  });

  it('parallel sign-ups from one address cannot count past the limit', async () => {
    await windowWithRoom(120);
    const ip = randomIp();
    await withLimits({ perAddress: 4 }, async () => {
      const answers = await Promise.all(Array.from({ length: 9 }, () => signUp({ ip })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
      for (const a of answers.filter((x) => x.status !== 201)) expectLimited(a);
    });
  });
});

describe('overall', () => {
  it('when the service-wide budget of the hour is spent, every sign-up is 429 RATE_LIMITED until the limit allows again', async () => {
    await windowWithRoom(60);
    const phone = uniquePhone();
    await withLimits({ overall: 1 }, async () => {
      expectLimited(await signUp({ phone }));
      expect(await smsTo(phone)).toHaveLength(0);
    });
    expect((await signUp({ phone })).status).toBe(201);
  });
});
