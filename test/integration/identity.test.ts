/**
 * The identity routes over HTTP against the local stack: registration, sign-in,
 * profile, phone verification and eKYC, with every error code they can answer.
 *
 * The local clock (`POST /local/clock`) is shared by the whole stack and only moves
 * forward, so each test that moves it uses users registered for that test alone,
 * and no single move is longer than a few minutes.
 */
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { signWebhook } from '../../functions/domain/webhook-signature';
import { LOCAL_AWS_ENV } from '../../local/emulators';
import {
  IDENTITY,
  PASSWORD,
  TERMS,
  api,
  lastCode,
  registerUser,
  smsTo,
  uniqueEmail,
  uniquePhone,
  verifyPhone,
  badInput,
  type ApiResponse,
  type TestUser,
} from '../support/api';

const WEBHOOK_SECRET = process.env.ANSHIN_EKYC_WEBHOOK_SECRET ?? 'local-ekyc-secret';

// ---------------------------------------------------------------- helpers

function expectError(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), requestId: expect.any(String) }));
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
}

const issuePaths = (res: ApiResponse) => (res.body.error.details.issues as { in: string; path: string }[]).map((i) => `${i.in}:${i.path}`);

const me = async (user: Pick<TestUser, 'token'>) => {
  const res = await api('GET', '/v1/me', { token: user.token });
  expect(res.status).toBe(200);
  return res.body;
};

/** The server's domain clock, which `POST /local/clock` may have moved ahead of ours. */
async function serverNowSeconds(): Promise<number> {
  const res = await api('GET', '/local/clock');
  expect(res.status).toBe(200);
  return Math.floor(Date.parse(res.body.now) / 1000);
}

async function advanceClock(seconds: number) {
  const res = await api('POST', '/local/clock', { body: { advanceSeconds: seconds } });
  expect(res.status).toBe(200);
}

/** A code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

const verifyCode = (user: TestUser, code: string) => api('POST', '/v1/me/phone/verification', { token: user.token, body: { code } });
const resend = (user: TestUser) => api('POST', '/v1/me/phone/verification/resend', { token: user.token });
const startEkyc = (user: TestUser) => api('POST', '/v1/me/ekyc', { token: user.token });
const completeEkyc = (ekycSessionId: string, result: 'APPROVED' | 'REJECTED', identity: typeof IDENTITY | undefined = IDENTITY) =>
  api('POST', '/local/ekyc/complete', { body: { ekycSessionId, result, ...(identity ? { identity } : {}) } });

/** Posts a webhook the way the provider would, with the signature header given (or none). */
const postWebhook = (rawBody: string, signature?: string) =>
  api('POST', '/v1/webhooks/ekyc', { rawBody, headers: { 'content-type': 'application/json', ...(signature ? { 'x-ekyc-signature': signature } : {}) } });

async function signedWebhook(body: unknown, options: { skewSeconds?: number; secret?: string } = {}) {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  const t = (await serverNowSeconds()) + (options.skewSeconds ?? 0);
  return postWebhook(rawBody, signWebhook(options.secret ?? WEBHOOK_SECRET, t, rawBody));
}

const eventId = () => `evt_test_${Math.random().toString(36).slice(2)}${Date.now()}`;

async function phoneVerifiedUser(): Promise<TestUser> {
  const user = await registerUser();
  await verifyPhone(user);
  return user;
}

/** A user whose phone is verified and whose eKYC session is open (kycStatus PENDING). */
async function pendingKycUser(): Promise<{ user: TestUser; sessionId: string }> {
  const user = await phoneVerifiedUser();
  const start = await startEkyc(user);
  expect(start.status).toBe(201);
  return { user, sessionId: start.body.ekycSessionId };
}

// ---------------------------------------------------------------- meta

describe('meta', () => {
  it('GET /health is 200', async () => {
    const res = await api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ status: 'ok' }));
  });

  it('GET /openapi.json is 200 with an OpenAPI 3.1.0 document of the identity routes', async () => {
    const res = await api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const [path, method] of [['/v1/users', 'post'], ['/v1/sessions', 'post'], ['/v1/me', 'get'], ['/v1/me/phone/verification', 'post'], ['/v1/me/phone/verification/resend', 'post'], ['/v1/me/ekyc', 'post'], ['/v1/webhooks/ekyc', 'post']]) {
      expect(res.body.paths[path]?.[method]).toBeDefined();
    }
  });
});

// ---------------------------------------------------------------- registration

describe('POST /v1/users', () => {
  it('201 with a userId, and a 6-digit code goes to the phone by SMS', async () => {
    const email = uniqueEmail('reg');
    const phone = uniquePhone();
    const res = await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ userId: expect.stringMatching(/^[\w-]{8,}$/) });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const messages = await smsTo(phone);
    expect(messages).toHaveLength(1);
    expect(messages[0].body).toMatch(/\b\d{6}\b/);
  });

  it('409 EMAIL_TAKEN for an email already registered, whatever its case, and nothing is sent', async () => {
    const email = uniqueEmail('dup');
    const first = await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS } });
    expect(first.status).toBe(201);
    for (const again of [email, email.toUpperCase(), email.replace(/^./, (c) => c.toUpperCase())]) {
      const phone = uniquePhone();
      const res = await api('POST', '/v1/users', { body: { email: again, password: 'Other-Passw0rd', phoneNumber: phone, acceptedTermsVersion: TERMS } });
      expectError(res, 409, 'EMAIL_TAKEN');
      expect(await smsTo(phone)).toHaveLength(0);
    }
    // The first account is untouched: its password still signs in to its profile, the other one does not.
    const session = await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(session.status).toBe(200);
    expect((await me({ token: session.body.accessToken })).userId).toBe(first.body.userId);
    expectError(await api('POST', '/v1/sessions', { body: { email, password: 'Other-Passw0rd' } }), 401, 'INVALID_CREDENTIALS');
  });

  it('parallel sign-ups of one email: exactly one wins, the rest are 409, and the winner keeps its account', async () => {
    const email = uniqueEmail('race');
    const attempts = [0, 1, 2, 3, 4].map((i) => ({ password: `${PASSWORD}-${i}`, phone: uniquePhone() }));
    const results = await Promise.all(
      attempts.map((a) => api('POST', '/v1/users', { body: { email, password: a.password, phoneNumber: a.phone, acceptedTermsVersion: TERMS } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const r of results) if (r.status === 409) expectError(r, 409, 'EMAIL_TAKEN');
    const winner = attempts[results.findIndex((r) => r.status === 201)];
    const userId = results.find((r) => r.status === 201)!.body.userId;

    // The winner signs in with its own password and reaches its own profile...
    const session = await api('POST', '/v1/sessions', { body: { email, password: winner.password } });
    expect(session.status).toBe(200);
    expect((await me({ token: session.body.accessToken })).userId).toBe(userId);
    // ...and no loser's password opens anything.
    for (const a of attempts.filter((x) => x !== winner)) {
      expectError(await api('POST', '/v1/sessions', { body: { email, password: a.password } }), 401, 'INVALID_CREDENTIALS');
      expect(await smsTo(a.phone)).toHaveLength(0);
    }
  });

  it('a double-submitted sign-up (same body twice at once) leaves one working account', async () => {
    const email = uniqueEmail('double');
    const body = { email, password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS };
    const results = await Promise.all([api('POST', '/v1/users', { body }), api('POST', '/v1/users', { body })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const session = await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(session.status).toBe(200);
    expect((await me({ token: session.body.accessToken })).userId).toBe(results.find((r) => r.status === 201)!.body.userId);
  });

  it('takes over a sign-in its own crashed sign-up left without a profile, once the reservation is stale', async () => {
    // The crash a sign-up can suffer: the Cognito user exists, the profile was never written.
    const email = uniqueEmail('orphan');
    expect((await api('POST', '/local/faults', { body: { crashSignUpOf: email } })).status).toBe(200);
    const crashed = await api('POST', '/v1/users', { body: { email, password: 'Orphan-Passw0rd', phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS } });
    expect(crashed.status).toBe(500);
    // Within a minute the crashed sign-up still holds the email.
    expectError(await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS } }), 409, 'EMAIL_TAKEN');
    await advanceClock(61);

    const res = await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS } });
    expect(res.status).toBe(201);
    const session = await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(session.status).toBe(200);
    expect((await me({ token: session.body.accessToken })).userId).toBe(res.body.userId);
    expectError(await api('POST', '/v1/sessions', { body: { email, password: 'Orphan-Passw0rd' } }), 401, 'INVALID_CREDENTIALS');
  });

  it('never touches a sign-in that no sign-up of ours created (made directly at Cognito, no reservation)', async () => {
    const someone = await registerUser();
    const iss = new URL(JSON.parse(Buffer.from(someone.token.split('.')[1], 'base64url').toString()).iss);
    const cognito = new CognitoIdentityProviderClient({
      endpoint: iss.origin,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
    const email = uniqueEmail('foreign');
    const UserPoolId = iss.pathname.slice(1);
    await cognito.send(new AdminCreateUserCommand({ UserPoolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: email }] }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: email, Password: 'Foreign-Passw0rd', Permanent: true }));
    cognito.destroy();

    const phone = uniquePhone();
    expectError(await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS } }), 409, 'EMAIL_TAKEN');
    await advanceClock(61);
    expectError(await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS } }), 409, 'EMAIL_TAKEN');
    expect(await smsTo(phone)).toHaveLength(0);
    expect((await api('POST', '/v1/sessions', { body: { email, password: 'Foreign-Passw0rd' } })).status).toBe(200);
    expectError(await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } }), 401, 'INVALID_CREDENTIALS');
  });

  describe('staff are untouchable from the public API', () => {
    const OPS_EMAIL = process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local';
    const OPS_PASSWORD = process.env.ANSHIN_OPS_PASSWORD ?? 'OpsLocal-Passw0rd';

    async function expectStaffIntact(email: string, password: string) {
      const session = await api('POST', '/v1/sessions', { body: { email, password } });
      expect(session.status).toBe(200);
      const groups = JSON.parse(Buffer.from(session.body.accessToken.split('.')[1], 'base64url').toString())['cognito:groups'];
      expect(groups).toContain('ops');
      expect((await api('GET', '/v1/ops/banks', { token: session.body.accessToken })).status).toBe(200);
      expectError(await api('POST', '/v1/sessions', { body: { email, password: 'Attacker-Passw0rd1' } }), 401, 'INVALID_CREDENTIALS');
    }

    async function attack(email: string) {
      for (const variant of [email, email.toUpperCase()]) {
        const phone = uniquePhone();
        const res = await api('POST', '/v1/users', { body: { email: variant, password: 'Attacker-Passw0rd1', phoneNumber: phone, acceptedTermsVersion: TERMS } });
        expectError(res, 409, 'EMAIL_TAKEN');
        expect(await smsTo(phone)).toHaveLength(0);
      }
    }

    it('registering the seeded ops email is 409 EMAIL_TAKEN, now and after the reservation went stale; ops still signs in', async () => {
      await attack(OPS_EMAIL);
      await advanceClock(61);
      await attack(OPS_EMAIL);
      await expectStaffIntact(OPS_EMAIL, OPS_PASSWORD);
    });

    it('the same for a staff member created with POST /local/staff', async () => {
      const email = uniqueEmail('staff');
      const created = await api('POST', '/local/staff', { body: { email, password: 'Staff-Passw0rd1' } });
      expect(created.status).toBe(201);
      await expectStaffIntact(email, 'Staff-Passw0rd1');
      await attack(email);
      await advanceClock(61);
      await attack(email);
      await expectStaffIntact(email, 'Staff-Passw0rd1');
    });
  });

  it('stores the email in lower case, so a mixed-case sign-up signs in and shows in lower case', async () => {
    const email = uniqueEmail('Mixed.Case');
    const res = await api('POST', '/v1/users', { body: { email, password: PASSWORD, phoneNumber: uniquePhone(), acceptedTermsVersion: TERMS } });
    expect(res.status).toBe(201);
    const session = await api('POST', '/v1/sessions', { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(session.status).toBe(200);
    expect((await me({ token: session.body.accessToken })).email).toBe(email.toLowerCase());
  });

  describe('400 VALIDATION_ERROR, and nothing is created', () => {
    const email = uniqueEmail('invalid');
    const phone = uniquePhone();
    const good = { email, password: PASSWORD, phoneNumber: phone, acceptedTermsVersion: TERMS };
    const cases: [string, { body?: unknown; rawBody?: string }, string[] | undefined][] = [
      ['a bad email', { body: { ...good, email: 'not-an-email' } }, ['body:email']],
      ['an email with spaces', { body: { ...good, email: `a b${email}` } }, ['body:email']],
      ['a national phone number', { body: { ...good, phoneNumber: '09012345678' } }, ['body:phoneNumber']],
      ['a phone number with spaces', { body: { ...good, phoneNumber: '+81 90 1234 5678' } }, ['body:phoneNumber']],
      ['a phone number starting +0', { body: { ...good, phoneNumber: '+0901234567' } }, ['body:phoneNumber']],
      ['a short password', { body: { ...good, password: 'Sh0rt' } }, ['body:password']],
      ['a password without upper case', { body: { ...good, password: 'weakpassw0rd' } }, ['body:password']],
      ['a password without digits', { body: { ...good, password: 'NoDigitsHere' } }, ['body:password']],
      ['an old terms version', { body: { ...good, acceptedTermsVersion: '2020-01' } }, ['body:acceptedTermsVersion']],
      ['an empty terms version', { body: { ...good, acceptedTermsVersion: '' } }, ['body:acceptedTermsVersion']],
      ['an extra field', { body: { ...good, role: 'ops' } }, undefined],
      ['wrong types', { body: { ...good, email: 1, phoneNumber: 819012345678 } }, ['body:email', 'body:phoneNumber']],
      ['a missing field', { body: { email, password: PASSWORD, phoneNumber: phone } }, ['body:acceptedTermsVersion']],
      ['malformed JSON', { rawBody: `{"email":"${email}","password":` }, ['body:']],
      ['a JSON array', { rawBody: JSON.stringify([good]) }, ['body:']],
      ['JSON null', { rawBody: 'null' }, ['body:']],
      ['a JSON number', { rawBody: '42' }, ['body:']],
      ['a JSON string', { rawBody: JSON.stringify(JSON.stringify(good)) }, ['body:']],
      ['no body', {}, ['body:acceptedTermsVersion', 'body:email', 'body:password', 'body:phoneNumber']],
    ];

    it.each(cases)('%s', async (_name, request, paths) => {
      const res = await api('POST', '/v1/users', { ...request, headers: request.rawBody ? { 'content-type': 'application/json' } : undefined, invalid: true });
      expectError(res, 400, 'VALIDATION_ERROR');
      if (paths) expect(issuePaths(res).sort()).toEqual(paths);
      else expect(JSON.stringify(res.body.error.details.issues)).toContain('role');
    });

    it('after all of them, the same email and phone register normally, with a single SMS', async () => {
      expect(await smsTo(phone)).toHaveLength(0);
      expect((await api('POST', '/v1/sessions', { body: { email, password: PASSWORD } })).status).toBe(401);
      const res = await api('POST', '/v1/users', { body: good });
      expect(res.status).toBe(201);
      expect(await smsTo(phone)).toHaveLength(1);
    });
  });
});

// ---------------------------------------------------------------- sign-in

describe('POST /v1/sessions', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser();
  });

  it('200 with access, ID and refresh tokens', async () => {
    const res = await api('POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      idToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    expect(res.body.expiresIn).toBeGreaterThan(0);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('401 INVALID_CREDENTIALS for a wrong password and for an unknown email, alike', async () => {
    const wrong = await api('POST', '/v1/sessions', { body: { email: user.email, password: 'Wr0ng-Passw0rd' } });
    const unknown = await api('POST', '/v1/sessions', { body: { email: uniqueEmail('nobody'), password: PASSWORD } });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    // No user enumeration: the two answers say the same thing.
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('400 VALIDATION_ERROR for a malformed sign-in', async () => {
    expectError(await api('POST', '/v1/sessions', { body: { email: user.email }, invalid: true }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD, otp: '123456' }, invalid: true }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/v1/sessions', { body: { email: 'nope', password: PASSWORD }, invalid: true }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/v1/sessions', { rawBody: '{', headers: { 'content-type': 'application/json' }, invalid: true }), 400, 'VALIDATION_ERROR');
  });
});

// ---------------------------------------------------------------- profile

describe('GET /v1/me', () => {
  it('shows the new user with a masked phone, no KYC and an empty wallet', async () => {
    const user = await registerUser();
    const body = await me(user);
    expect(body).toEqual({
      userId: user.userId,
      email: user.email,
      phoneNumber: expect.any(String),
      phoneVerified: false,
      kycStatus: 'NONE',
      status: 'ACTIVE',
      balance: 0,
      limits: { perCharge: 500_000, perDay: 500_000, maxBalance: 1_000_000 },
    });
    // Only the last 4 digits are visible; the length and the + are kept.
    expect(body.phoneNumber).toBe(`+${'*'.repeat(user.phone.length - 5)}${user.phone.slice(-4)}`);
    expect(body.phoneNumber.replace(/\D/g, '')).toBe(user.phone.slice(-4));
  });
});

// ---------------------------------------------------------------- phone verification

describe('phone verification', () => {
  it('a wrong code is 422 INVALID_CODE counting down; the 5th is 429 TOO_MANY_ATTEMPTS and the code is dead', async () => {
    const user = await registerUser();
    const code = await lastCode(user.phone);
    const wrong = otherThan(code);
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const res = await verifyCode(user, wrong);
      expectError(res, 422, 'INVALID_CODE');
      expect(res.body.error.details).toEqual(expect.objectContaining({ attemptsLeft }));
    }
    expectError(await verifyCode(user, wrong), 429, 'TOO_MANY_ATTEMPTS');
    // Even the right code is refused now.
    expectError(await verifyCode(user, code), 429, 'TOO_MANY_ATTEMPTS');
    expectError(await verifyCode(user, wrong), 429, 'TOO_MANY_ATTEMPTS');
    expect((await me(user)).phoneVerified).toBe(false);

    // The way out is a new code.
    await advanceClock(61);
    expect((await resend(user)).status).toBe(202);
    const fresh = await lastCode(user.phone);
    expect((await verifyCode(user, fresh)).status).toBe(200);
    expect((await me(user)).phoneVerified).toBe(true);
  });

  it('parallel wrong guesses cannot buy more than 5 tries', async () => {
    const user = await registerUser();
    const code = await lastCode(user.phone);
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const results = await Promise.all(guesses.map((g) => verifyCode(user, g)));
    const codes = results.map((r) => `${r.status} ${r.body?.error?.code}`);
    expect(codes.filter((c) => c === '422 INVALID_CODE')).toHaveLength(4);
    expect(codes.filter((c) => c === '429 TOO_MANY_ATTEMPTS')).toHaveLength(8);
    expectError(await verifyCode(user, code), 429, 'TOO_MANY_ATTEMPTS');
    expect((await me(user)).phoneVerified).toBe(false);
  });

  it('400 VALIDATION_ERROR for a code that is not 6 digits', async () => {
    const user = await registerUser();
    for (const code of ['12345', '1234567', 'abcdef', 123456, '']) {
      const res = await badInput(() => verifyCode(user, code as string));
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual(['body:code']);
    }
    // Malformed input does not use up tries: 5 wrong codes are still needed to kill the code.
    const res = await verifyCode(user, otherThan(await lastCode(user.phone)));
    expect(res.body.error.details.attemptsLeft).toBe(4);
  });

  it('resend: 429 RATE_LIMITED with Retry-After within 60 s of a send; 202 after; the new code replaces the old', async () => {
    const user = await registerUser();
    const first = await lastCode(user.phone);

    const tooSoon = await resend(user);
    expectError(tooSoon, 429, 'RATE_LIMITED');
    const retryAfter = Number(tooSoon.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(tooSoon.body.error.details.retryAfterSeconds).toBe(retryAfter);

    await advanceClock(61);
    const ok = await resend(user);
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ accepted: true, retryAfterSeconds: 60 });
    expect(await smsTo(user.phone)).toHaveLength(2);
    const second = await lastCode(user.phone);

    const again = await resend(user);
    expectError(again, 429, 'RATE_LIMITED');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(await smsTo(user.phone)).toHaveLength(2);

    if (first !== second) expectError(await verifyCode(user, first), 422, 'INVALID_CODE');
    const verified = await verifyCode(user, second);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ phoneVerified: true });
    expect((await me(user)).phoneVerified).toBe(true);
  });

  it('resend: at most 5 codes an hour (the sign-up SMS counts), then 429 until the hour is over', async () => {
    const user = await registerUser();
    for (let i = 0; i < 4; i++) {
      await advanceClock(61);
      expect((await resend(user)).status).toBe(202);
    }
    await advanceClock(61);
    const sixth = await resend(user);
    expectError(sixth, 429, 'RATE_LIMITED');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    // The window opened at sign-up, about 5 × 61 s ago.
    expect(retryAfter).toBeGreaterThan(3600 - 5 * 61 - 30);
    expect(retryAfter).toBeLessThanOrEqual(3600 - 5 * 61);
    expect(await smsTo(user.phone)).toHaveLength(5);
    // The last code sent still works.
    expect((await verifyCode(user, await lastCode(user.phone))).status).toBe(200);
  });

  it('a code expires after 5 minutes: 422 INVALID_CODE, and a new code then works', async () => {
    const user = await registerUser();
    const code = await lastCode(user.phone);
    await advanceClock(301);
    expectError(await verifyCode(user, code), 422, 'INVALID_CODE');
    expect((await me(user)).phoneVerified).toBe(false);
    expect((await resend(user)).status).toBe(202);
    expect((await verifyCode(user, await lastCode(user.phone))).status).toBe(200);
  });

  it('once verified: resend is 409 PHONE_ALREADY_VERIFIED and verifying again is harmless', async () => {
    const user = await registerUser();
    const code = await lastCode(user.phone);
    expect((await verifyCode(user, code)).status).toBe(200);
    expectError(await resend(user), 409, 'PHONE_ALREADY_VERIFIED');
    const again = await verifyCode(user, code);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ phoneVerified: true });
    expect(await smsTo(user.phone)).toHaveLength(1);
  });

  it("one user's code does not verify another user's phone", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const aliceCode = await lastCode(alice.phone);
    const bobCode = await lastCode(bob.phone);
    // Two random codes coincide once in a million runs; then there is nothing to show.
    if (aliceCode === bobCode) return;
    expectError(await verifyCode(bob, aliceCode), 422, 'INVALID_CODE');
    expect((await me(bob)).phoneVerified).toBe(false);
    expect((await me(alice)).phoneVerified).toBe(false);
  });
});


// ---------------------------------------------------------------- eKYC

describe('eKYC', () => {
  it('403 PHONE_UNVERIFIED before the phone is verified, and nothing starts', async () => {
    const user = await registerUser();
    expectError(await startEkyc(user), 403, 'PHONE_UNVERIFIED');
    expect((await me(user)).kycStatus).toBe('NONE');
  });

  it('201 with a session and a redirect; APPROVED makes the user VERIFIED; then 409 KYC_ALREADY_VERIFIED', async () => {
    const user = await phoneVerifiedUser();
    const start = await startEkyc(user);
    expect(start.status).toBe(201);
    expect(start.body).toEqual({ ekycSessionId: expect.any(String), redirectUrl: expect.stringMatching(/^https?:\/\//) });
    expect((await me(user)).kycStatus).toBe('PENDING');

    const done = await completeEkyc(start.body.ekycSessionId, 'APPROVED');
    expect(done.status).toBe(200);
    expect(done.body.delivery).toEqual({ status: 200, body: { received: true, applied: true } });
    const profile = await me(user);
    expect(profile.kycStatus).toBe('VERIFIED');
    // The verified identity is kept for bank matching, not echoed back.
    expect(JSON.stringify(profile)).not.toContain(IDENTITY.fullNameKana);
    expect(JSON.stringify(profile)).not.toContain(IDENTITY.dateOfBirth);

    expectError(await startEkyc(user), 409, 'KYC_ALREADY_VERIFIED');
    expect((await me(user)).kycStatus).toBe('VERIFIED');
  });

  it('REJECTED makes the user REJECTED; the user can start again and pass', async () => {
    const { user, sessionId } = await pendingKycUser();
    const rejected = await completeEkyc(sessionId, 'REJECTED', undefined);
    expect(rejected.body.delivery).toEqual({ status: 200, body: { received: true, applied: true } });
    expect((await me(user)).kycStatus).toBe('REJECTED');

    const restart = await startEkyc(user);
    expect(restart.status).toBe(201);
    expect(restart.body.ekycSessionId).not.toBe(sessionId);
    expect((await me(user)).kycStatus).toBe('PENDING');
    await completeEkyc(restart.body.ekycSessionId, 'APPROVED');
    expect((await me(user)).kycStatus).toBe('VERIFIED');
  });

  it('a replayed event changes nothing: 200 with applied false', async () => {
    const { user, sessionId } = await pendingKycUser();
    const rejected = await completeEkyc(sessionId, 'REJECTED', undefined);
    const rejectedEvent = rejected.body.eventId as string;
    const restart = await startEkyc(user);
    expect((await me(user)).kycStatus).toBe('PENDING');

    // The provider delivers the old REJECTED verdict again, freshly signed.
    const replay = await api('POST', `/local/ekyc/events/${encodeURIComponent(rejectedEvent)}/redeliver`);
    expect(replay.status).toBe(200);
    expect(replay.body.delivery).toEqual({ status: 200, body: { received: true, applied: false } });
    expect((await me(user)).kycStatus).toBe('PENDING');

    const approved = await completeEkyc(restart.body.ekycSessionId, 'APPROVED');
    const again = await api('POST', `/local/ekyc/events/${encodeURIComponent(approved.body.eventId)}/redeliver`);
    expect(again.body.delivery).toEqual({ status: 200, body: { received: true, applied: false } });
    expect((await me(user)).kycStatus).toBe('VERIFIED');
  });

  it('a second, different verdict for a closed session changes nothing', async () => {
    const { user, sessionId } = await pendingKycUser();
    await completeEkyc(sessionId, 'REJECTED', undefined);
    const flip = await signedWebhook({ eventId: eventId(), ekycSessionId: sessionId, result: 'APPROVED', identity: IDENTITY });
    expect(flip.status).toBe(200);
    expect(flip.body).toEqual({ received: true, applied: false });
    expect((await me(user)).kycStatus).toBe('REJECTED');
  });

  it('a verdict for a session the user has since replaced does not decide the user', async () => {
    const { user, sessionId: old } = await pendingKycUser();
    const current = await startEkyc(user);
    expect(current.status).toBe(201);
    const late = await completeEkyc(old, 'APPROVED');
    expect(late.body.delivery.status).toBe(200);
    expect((await me(user)).kycStatus).toBe('PENDING');
    await completeEkyc(current.body.ekycSessionId, 'APPROVED');
    expect((await me(user)).kycStatus).toBe('VERIFIED');
  });

  describe('POST /v1/webhooks/ekyc', () => {
    let user: TestUser;
    let sessionId: string;
    let body: string;
    beforeAll(async () => {
      ({ user, sessionId } = await pendingKycUser());
      body = JSON.stringify({ eventId: eventId(), ekycSessionId: sessionId, result: 'APPROVED', identity: IDENTITY });
    });

    const stillPending = async () => expect((await me(user)).kycStatus).toBe('PENDING');

    it('401 INVALID_SIGNATURE without a signature', async () => {
      expectError(await badInput(() => postWebhook(body)), 401, 'INVALID_SIGNATURE');
      expectError(await badInput(() => postWebhook(body, '')), 401, 'INVALID_SIGNATURE');
      expectError(await badInput(() => postWebhook(body, 'garbage')), 401, 'INVALID_SIGNATURE');
      await stillPending();
    });

    it('401 INVALID_SIGNATURE when signed with another secret', async () => {
      expectError(await signedWebhook(body, { secret: 'not-the-secret' }), 401, 'INVALID_SIGNATURE');
      await stillPending();
    });

    it('401 INVALID_SIGNATURE for a signature over another body', async () => {
      const t = await serverNowSeconds();
      const other = body.replace('APPROVED', 'REJECTED');
      expectError(await postWebhook(body, signWebhook(WEBHOOK_SECRET, t, other)), 401, 'INVALID_SIGNATURE');
      await stillPending();
    });

    it('401 INVALID_SIGNATURE for a correctly signed but stale timestamp (server time - 301 s), or one too far ahead', async () => {
      expectError(await signedWebhook(body, { skewSeconds: -301 }), 401, 'INVALID_SIGNATURE');
      // Ahead of the server, the margin must outlast the request's own travel time.
      expectError(await signedWebhook(body, { skewSeconds: 330 }), 401, 'INVALID_SIGNATURE');
      await stillPending();
    });

    it('checks the signature before the body: an unsigned malformed body is 401, not 400', async () => {
      expectError(await badInput(() => postWebhook('{not json')), 401, 'INVALID_SIGNATURE');
      expectError(await badInput(() => postWebhook(JSON.stringify({ eventId: 'x' }))), 401, 'INVALID_SIGNATURE');
    });

    it.each([
      ['malformed JSON', '{"eventId":'],
      ['an unknown result', () => ({ eventId: eventId(), ekycSessionId: sessionId, result: 'MAYBE', identity: IDENTITY })],
      ['no event id', () => ({ ekycSessionId: sessionId, result: 'APPROVED', identity: IDENTITY })],
      ['an approval without the identity', () => ({ eventId: eventId(), ekycSessionId: sessionId, result: 'APPROVED' })],
      ['a bad date of birth', () => ({ eventId: eventId(), ekycSessionId: sessionId, result: 'APPROVED', identity: { ...IDENTITY, dateOfBirth: '01/04/1990' } })],
      ['an extra identity field', () => ({ eventId: eventId(), ekycSessionId: sessionId, result: 'APPROVED', identity: { ...IDENTITY, nationality: 'JP' } })],
      ['a JSON array', '[]'],
    ])('400 VALIDATION_ERROR for a correctly signed body with %s, and nothing changes', async (_name, make) => {
      const res = await badInput(() => signedWebhook(typeof make === 'string' ? make : make()));
      expectError(res, 400, 'VALIDATION_ERROR');
      await stillPending();
    });

    it('404 NOT_FOUND for a correctly signed event about an unknown session', async () => {
      const res = await signedWebhook({ eventId: eventId(), ekycSessionId: 'ekyc_does-not-exist', result: 'APPROVED', identity: IDENTITY });
      expectError(res, 404, 'NOT_FOUND');
      await stillPending();
    });

    it('after all that, the genuine event (signed 290 s ago, inside the tolerance) still applies', async () => {
      const res = await signedWebhook(body, { skewSeconds: -290 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, applied: true });
      expect((await me(user)).kycStatus).toBe('VERIFIED');
      // The same event once more is a replay.
      const replay = await signedWebhook(body);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ received: true, applied: false });
    });
  });
});
