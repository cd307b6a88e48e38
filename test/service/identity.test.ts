/**
 * Identity on the in-memory stores and ports: registration (with the orphan clean-up of a
 * crashed sign-up), sign-in, the profile, phone verification and resend, the SMS limits,
 * eKYC start and the provider's verdict. Every refusal these use cases answer is here.
 */
import fc from 'fast-check';
import { checkEkycSignature, receiveEkycResult, startEkyc } from '../../functions/app/ekyc';
import { register, signIn } from '../../functions/app/identity';
import { countSmsSend } from '../../functions/app/one-time-codes';
import { profileOf, resendPhoneCode, verifyPhone } from '../../functions/app/profile';
import { SMS_ABUSE_DEFAULTS } from '../../functions/domain/policy';
import { signWebhook } from '../../functions/domain/webhook-signature';
import { deviceHash } from '../../functions/domain/user';
import { config } from '../../functions/shared/config';
import { DomainError } from '../../functions/shared/errors';
import { ports, usePorts } from '../../functions/shared/runtime';
import { stores } from '../../functions/store';
import { EKYC_WEBHOOK_SECRET, serviceWorld, type ServiceWorld } from '../support/service';

let w: ServiceWorld;
let seq = 0;

const limits = () => config().smsAbuse;
const savedLimits = { perPhone: SMS_ABUSE_DEFAULTS.perPhone, perAddress: SMS_ABUSE_DEFAULTS.perAddress, overall: SMS_ABUSE_DEFAULTS.overall };

beforeEach(() => {
  w = serviceWorld();
  Object.assign(limits(), savedLimits);
  // Ten minutes into an SMS window, so no test straddles two windows.
  const windowMs = limits().windowSeconds * 1000;
  w.clock.advance((windowMs - (w.clock.now() % windowMs) + 600_000) / 1000);
});
afterEach(() => {
  Object.assign(limits(), savedLimits);
  w.close();
});

const phone = () => `+8190${String(++seq).padStart(8, '0')}`;
const registration = (over: Partial<Parameters<typeof register>[0]> = {}) => ({
  email: `user${++seq}@example.jp`,
  password: 'Correct-Horse-9',
  phoneNumber: phone(),
  acceptedTermsVersion: config().termsVersion,
  sourceIp: `203.0.113.${seq % 250}`,
  deviceId: `device-${seq}`,
  ...over,
});
const lastCode = (to: string) => {
  const messages = w.sms.messagesTo(to);
  return /\d{6}/.exec(messages[messages.length - 1]?.body ?? '')?.[0];
};
const wrongCode = (right: string) => String((Number(right) + 1) % 1_000_000).padStart(6, '0');

/** The DomainError a promise rejects with (fails the test if it resolves or throws anything else). */
async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof DomainError)) throw new Error(`expected a DomainError, got ${outcome === undefined ? 'success' : String(outcome)}`);
  return outcome;
}

async function registered(over: Partial<Parameters<typeof register>[0]> = {}) {
  const input = registration(over);
  const { userId } = await register(input);
  return { ...input, userId };
}

async function verified(over: Partial<Parameters<typeof register>[0]> = {}) {
  const user = await registered(over);
  await verifyPhone({ userId: user.userId, code: lastCode(user.phoneNumber)!, deviceId: user.deviceId });
  return user;
}

describe('register', () => {
  it('opens a wallet: profile, empty wallet, final email claim, trusted device, audit, and a 6-digit code by SMS', async () => {
    const input = registration({ email: 'Mixed.Case@Example.JP' });
    const { userId } = await register(input);
    const user = await stores().users.requireUser(userId);
    expect(user).toMatchObject({ email: 'mixed.case@example.jp', phoneNumber: input.phoneNumber, phoneVerified: false, kycStatus: 'NONE', status: 'ACTIVE' });
    expect(await stores().users.getWallet(userId)).toEqual({ userId, balance: 0, currency: 'JPY', version: 0 });
    expect(w.world.emails.get('mixed.case@example.jp')).toMatchObject({ userId });
    expect(await stores().users.isDeviceTrusted(userId, input.deviceId)).toBe(true);
    expect(w.world.deviceWallets.get(deviceHash(input.deviceId))?.has(userId)).toBe(true);
    expect(w.world.audit).toEqual([expect.objectContaining({ userId, action: 'USER_REGISTERED', actor: `user:${userId}` })]);
    expect(lastCode(input.phoneNumber)).toMatch(/^\d{6}$/);
    expect(await w.identity.findUser('mixed.case@example.jp')).toEqual({ userId, groups: [] });
  });

  it('refuses the wrong terms version and a phone outside the allowed countries, naming each field, and changes nothing', async () => {
    const error = await refusal(register(registration({ acceptedTermsVersion: '1999-01', phoneNumber: '+15551234567' })));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect((error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['acceptedTermsVersion', 'phoneNumber']);
    expect(w.world.users.size + w.world.emails.size + w.world.smsCounters.size + w.identity.users.size).toBe(0);
  });

  it('refuses a taken email (whatever its case) with EMAIL_TAKEN, and the first account stays as it was', async () => {
    const first = await registered({ email: 'taken@example.jp' });
    const error = await refusal(register(registration({ email: 'TAKEN@example.jp' })));
    expect(error.code).toBe('EMAIL_TAKEN');
    expect(w.world.users.size).toBe(1);
    expect(w.world.emails.get('taken@example.jp')).toMatchObject({ userId: first.userId });
  });

  it('leaves no reservation or sign-in behind when the secrets cannot be read', async () => {
    usePorts({ secrets: async () => Promise.reject(new Error('secrets unavailable')) });
    await expect(register(registration())).rejects.toThrow('secrets unavailable');
    expect(w.world.emails.size + w.identity.users.size + w.world.smsCounters.size).toBe(0);
  });

  it('keeps the account when the code SMS cannot be sent (the user can ask for another code)', async () => {
    usePorts({ sms: { send: async () => Promise.reject(new Error('SNS down')) } });
    const { userId } = await register(registration());
    expect(await stores().users.getUser(userId)).toBeDefined();
  });

  it('releases the email when the sign-in cannot be created', async () => {
    const input = registration();
    await w.identity.createUser(input.email, 'someone-else'); // a sign-in made outside the API, no reservation of ours
    expect((await refusal(register(input))).code).toBe('EMAIL_TAKEN');
    expect(w.world.emails.has(input.email)).toBe(false);
  });

  describe('a sign-up that died after creating its sign-in', () => {
    async function crashedSignUp() {
      const input = registration();
      w.faults.signUpCrashes.add(input.email);
      await expect(register(input)).rejects.toThrow('simulated crash');
      const orphan = await w.identity.findUser(input.email);
      expect(orphan).toBeDefined();
      expect(w.world.users.size).toBe(0);
      return { input, orphanSub: orphan!.userId };
    }

    it('holds the email while its reservation is fresh, then the next sign-up removes the orphan and registers', async () => {
      const { input, orphanSub } = await crashedSignUp();
      expect((await refusal(register({ ...input, phoneNumber: phone() }))).code).toBe('EMAIL_TAKEN');
      w.clock.advance(61);
      const { userId } = await register({ ...input, phoneNumber: phone() });
      expect(userId).not.toBe(orphanSub);
      expect((await w.identity.findUser(input.email))?.userId).toBe(userId);
      expect(await stores().users.getUser(userId)).toMatchObject({ email: input.email });
    });

    it('never removes a sign-in that is not the orphan it recorded: staff (in a group) keep theirs', async () => {
      const { input } = await crashedSignUp();
      w.identity.users.get(input.email)!.groups.push('ops');
      w.clock.advance(61);
      expect((await refusal(register({ ...input, phoneNumber: phone() }))).code).toBe('EMAIL_TAKEN');
      expect(await w.identity.findUser(input.email)).toMatchObject({ groups: ['ops'] });
      expect(w.world.emails.has(input.email)).toBe(false);
    });

    it('never removes an orphan older than a day', async () => {
      const { input, orphanSub } = await crashedSignUp();
      w.clock.advance(86_401);
      expect((await refusal(register({ ...input, phoneNumber: phone() }))).code).toBe('EMAIL_TAKEN');
      expect((await w.identity.findUser(input.email))?.userId).toBe(orphanSub);
    });
  });
});

describe('SMS limits of sign-up and resend', () => {
  it('refuses the sixth sign-up to one phone in the window with RATE_LIMITED and retry-after, and creates nothing', async () => {
    const shared = phone();
    for (let i = 0; i < limits().perPhone; i++) await register(registration({ phoneNumber: shared }));
    const error = await refusal(register(registration({ phoneNumber: shared })));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details).toMatchObject({ limit: 'PHONE', retryAfterSeconds: 3000 });
    expect(error.headers).toEqual({ 'retry-after': '3000' });
    expect(w.world.users.size).toBe(limits().perPhone);
    expect(w.world.emails.size).toBe(limits().perPhone);
  });

  it('counts a refused sign-up (taken email) too, and opens again in the next window', async () => {
    limits().perPhone = 2;
    const shared = phone();
    const first = await registered({ phoneNumber: shared });
    expect((await refusal(register(registration({ email: first.email, phoneNumber: shared })))).code).toBe('EMAIL_TAKEN');
    expect((await refusal(register(registration({ phoneNumber: shared })))).details).toMatchObject({ limit: 'PHONE' });
    w.clock.advance(limits().windowSeconds);
    await register(registration({ phoneNumber: shared }));
  });

  it('limits one client address across phones, and the whole service', async () => {
    limits().perAddress = 3;
    for (let i = 0; i < 3; i++) await register(registration({ sourceIp: '198.51.100.7' }));
    expect((await refusal(register(registration({ sourceIp: '198.51.100.7' })))).details).toMatchObject({ limit: 'ADDRESS' });
    limits().overall = 4;
    await register(registration());
    expect(await refusal(register(registration()))).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'OVERALL' } });
  });

  it('shares the phone counter between sign-ups and resends', async () => {
    limits().perPhone = 2;
    const shared = phone();
    const user = await registered({ phoneNumber: shared });
    await register(registration({ phoneNumber: shared }));
    w.clock.advance(61);
    expect(await refusal(resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp }))).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'PHONE' },
    });
  });

  it('never counts past a limit, whatever the order of sends (the store agrees with a model of the three counters)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ perPhone: fc.integer({ min: 0, max: 4 }), perAddress: fc.integer({ min: 0, max: 4 }), overall: fc.integer({ min: 0, max: 8 }) }),
        fc.array(fc.tuple(fc.constantFrom('+819011110000', '+819022220000', '+819033330000'), fc.constantFrom('192.0.2.1', '192.0.2.2')), { maxLength: 20 }),
        async (caps, sends) => {
          w.world.smsCounters.clear();
          Object.assign(limits(), caps);
          const count = new Map<string, number>();
          const now = w.clock.now();
          for (const [phoneNumber, sourceIp] of sends) {
            const keys = [`P${phoneNumber}`, `A${sourceIp}`, 'O'];
            const caps3 = [caps.perPhone, caps.perAddress, caps.overall];
            const full = keys.findIndex((k, i) => count.has(k) && count.get(k)! >= caps3[i]);
            const outcome = await countSmsSend({ phoneNumber, sourceIp, now }).then(
              () => 'counted',
              (e: DomainError) => (e.details as { limit: string }).limit,
            );
            expect(outcome).toBe(full < 0 ? 'counted' : ['PHONE', 'ADDRESS', 'OVERALL'][full]);
            if (full < 0) for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('signIn', () => {
  it('answers the tokens for the right password (the email in any case), INVALID_CREDENTIALS otherwise', async () => {
    const user = await registered({ email: 'signin@example.jp' });
    const tokens = await signIn({ email: 'SignIn@example.jp', password: user.password });
    expect(tokens).toMatchObject({ accessToken: expect.any(String), idToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });
    expect((await refusal(signIn({ email: user.email, password: 'wrong-password' }))).code).toBe('INVALID_CREDENTIALS');
    expect((await refusal(signIn({ email: 'nobody@example.jp', password: 'whatever' }))).code).toBe('INVALID_CREDENTIALS');
  });
});

describe('profileOf', () => {
  it('shows the masked phone, the statuses, the balance and the limits; NOT_FOUND for a sign-in without a wallet', async () => {
    const user = await registered();
    const profile = await profileOf(user.userId);
    expect(profile).toMatchObject({ userId: user.userId, email: user.email, phoneVerified: false, kycStatus: 'NONE', status: 'ACTIVE', balance: 0 });
    expect(profile.phoneNumber).not.toContain(user.phoneNumber.slice(3, -4));
    expect(profile.phoneNumber.slice(-4)).toBe(user.phoneNumber.slice(-4));
    expect(profile.limits).toEqual({ perCharge: 500_000, perDay: 500_000, maxBalance: 1_000_000 });
    expect((await refusal(profileOf('no-such-user'))).code).toBe('NOT_FOUND');
  });
});

describe('verifyPhone', () => {
  it('verifies with the SMS code: the code is spent, the device trusted, the step audited; again is a no-op', async () => {
    const user = await registered({ deviceId: undefined });
    await expect(verifyPhone({ userId: user.userId, code: lastCode(user.phoneNumber)!, deviceId: 'phone-device' })).resolves.toEqual({ phoneVerified: true });
    expect(await stores().users.getUser(user.userId)).toMatchObject({ phoneVerified: true });
    expect(w.world.codes.has(`phone/${user.userId}`)).toBe(false);
    expect(await stores().users.isDeviceTrusted(user.userId, 'phone-device')).toBe(true);
    expect(w.world.audit.map((a) => a.action)).toEqual(['USER_REGISTERED', 'PHONE_VERIFIED']);
    await expect(verifyPhone({ userId: user.userId, code: '000000' })).resolves.toEqual({ phoneVerified: true });
  });

  it('counts wrong codes (INVALID_CODE with the tries left); the fifth kills the code: TOO_MANY_ATTEMPTS, even for the right one', async () => {
    const user = await registered();
    const right = lastCode(user.phoneNumber)!;
    for (let left = 4; left >= 1; left--) {
      expect(await refusal(verifyPhone({ userId: user.userId, code: wrongCode(right) }))).toMatchObject({
        code: 'INVALID_CODE',
        details: { attemptsLeft: left },
      });
    }
    expect((await refusal(verifyPhone({ userId: user.userId, code: wrongCode(right) }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await refusal(verifyPhone({ userId: user.userId, code: right }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect(await stores().users.getUser(user.userId)).toMatchObject({ phoneVerified: false });
  });

  it('refuses an expired code and a missing one with INVALID_CODE; an unknown user with NOT_FOUND', async () => {
    const user = await registered();
    const right = lastCode(user.phoneNumber)!;
    w.clock.advance(301);
    expect((await refusal(verifyPhone({ userId: user.userId, code: right }))).code).toBe('INVALID_CODE');
    w.world.codes.clear();
    expect((await refusal(verifyPhone({ userId: user.userId, code: right }))).code).toBe('INVALID_CODE');
    expect((await refusal(verifyPhone({ userId: 'no-such-user', code: right }))).code).toBe('NOT_FOUND');
  });

  it('the right code works after fewer than five wrong ones, never after five (any wrong codes, any order)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 999_999 }), { maxLength: 7 }), async (guesses) => {
        const user = await registered();
        const right = lastCode(user.phoneNumber)!;
        const wrong = guesses.map((g) => String(g).padStart(6, '0')).filter((g) => g !== right);
        for (const g of wrong) await verifyPhone({ userId: user.userId, code: g }).catch(() => undefined);
        const outcome = await verifyPhone({ userId: user.userId, code: right }).then(
          () => 'VERIFIED',
          (e: DomainError) => e.code,
        );
        expect(outcome).toBe(wrong.length < 5 ? 'VERIFIED' : 'TOO_MANY_ATTEMPTS');
      }),
      { numRuns: 40 },
    );
  });
});

describe('resendPhoneCode', () => {
  it('sends a new code a minute later; the old code is dead, the new one verifies', async () => {
    const user = await registered();
    const old = lastCode(user.phoneNumber)!;
    w.clock.advance(61);
    await expect(resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp })).resolves.toEqual({ accepted: true, retryAfterSeconds: 60 });
    const fresh = lastCode(user.phoneNumber)!;
    expect(w.sms.messagesTo(user.phoneNumber)).toHaveLength(2);
    if (fresh !== old) expect((await refusal(verifyPhone({ userId: user.userId, code: old }))).code).toBe('INVALID_CODE');
    await expect(verifyPhone({ userId: user.userId, code: fresh })).resolves.toEqual({ phoneVerified: true });
  });

  it('refuses within a minute of the last send (RATE_LIMITED, retry-after), and after five sends in an hour', async () => {
    const user = await registered();
    const soon = await refusal(resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp }));
    expect(soon).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 }, headers: { 'retry-after': '60' } });
    for (let i = 0; i < 4; i++) {
      w.clock.advance(61);
      await resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp });
    }
    w.clock.advance(61);
    const hourly = await refusal(resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp }));
    expect(hourly.code).toBe('RATE_LIMITED');
    expect(hourly.headers?.['retry-after']).toBe(String(3600 - 5 * 61));
    expect(w.sms.messagesTo(user.phoneNumber)).toHaveLength(5);
  });

  it('lets only one of two simultaneous resends send: the other is RATE_LIMITED', async () => {
    const user = await registered();
    w.clock.advance(61);
    const outcomes = await Promise.allSettled([0, 1].map(() => resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'RATE_LIMITED',
      headers: { 'retry-after': '60' },
    });
    expect(w.sms.messagesTo(user.phoneNumber)).toHaveLength(2);
  });

  it('refuses a verified phone with PHONE_ALREADY_VERIFIED and an unknown user with NOT_FOUND', async () => {
    const user = await verified();
    w.clock.advance(61);
    expect((await refusal(resendPhoneCode({ userId: user.userId, sourceIp: user.sourceIp }))).code).toBe('PHONE_ALREADY_VERIFIED');
    expect((await refusal(resendPhoneCode({ userId: 'no-such-user', sourceIp: '192.0.2.9' }))).code).toBe('NOT_FOUND');
  });
});

describe('startEkyc', () => {
  it('opens a session at the provider; the user is PENDING on it, and the step is audited', async () => {
    const user = await verified();
    const started = await startEkyc({ userId: user.userId });
    expect(started.redirectUrl).toContain(started.ekycSessionId);
    expect(w.ekyc.session(started.ekycSessionId)?.callbackUrl).toMatch(/\/v1\/webhooks\/ekyc$/);
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'PENDING', ekycSessionId: started.ekycSessionId });
    expect(await stores().ekyc.getEkycSession(started.ekycSessionId)).toMatchObject({ userId: user.userId, status: 'PENDING' });
    expect(w.world.audit.at(-1)).toMatchObject({ action: 'EKYC_STARTED', details: { ekycSessionId: started.ekycSessionId } });
  });

  it('refuses an unverified phone (PHONE_UNVERIFIED), a frozen wallet (ACCOUNT_FROZEN), a verified identity (KYC_ALREADY_VERIFIED), an unknown user (NOT_FOUND)', async () => {
    const unverified = await registered();
    expect((await refusal(startEkyc({ userId: unverified.userId }))).code).toBe('PHONE_UNVERIFIED');
    const frozen = await verified();
    await stores().users.freezeUser(frozen.userId, 'test', { userId: frozen.userId, actor: 'ops:test', action: 'USER_FROZEN', at: w.clock.now() });
    expect((await refusal(startEkyc({ userId: frozen.userId }))).code).toBe('ACCOUNT_FROZEN');
    const done = await verified();
    const { ekycSessionId } = await startEkyc({ userId: done.userId });
    await receiveEkycResult({ eventId: 'evt-done', ekycSessionId, result: 'APPROVED', identity: IDENTITY });
    expect((await refusal(startEkyc({ userId: done.userId }))).code).toBe('KYC_ALREADY_VERIFIED');
    expect((await refusal(startEkyc({ userId: 'no-such-user' }))).code).toBe('NOT_FOUND');
    expect(w.world.ekycSessions.size).toBe(1);
  });
});

const IDENTITY = { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-01-01' };

describe('the eKYC webhook', () => {
  const body = '{"eventId":"evt-1"}';
  const now = () => Math.floor(w.clock.now() / 1000);

  it('accepts the provider signature; refuses a wrong, stale or missing one with INVALID_SIGNATURE', async () => {
    await expect(checkEkycSignature(signWebhook(EKYC_WEBHOOK_SECRET, now(), body), body)).resolves.toBeUndefined();
    expect((await refusal(checkEkycSignature(signWebhook('another-secret-of-16+', now(), body), body))).code).toBe('INVALID_SIGNATURE');
    expect((await refusal(checkEkycSignature(signWebhook(EKYC_WEBHOOK_SECRET, now() - 301, body), body))).code).toBe('INVALID_SIGNATURE');
    expect((await refusal(checkEkycSignature(signWebhook(EKYC_WEBHOOK_SECRET, now(), body), `${body} `))).code).toBe('INVALID_SIGNATURE');
    expect((await refusal(checkEkycSignature(undefined, body))).code).toBe('INVALID_SIGNATURE');
  });

  it('refuses every call with SERVICE_UNAVAILABLE (retry-after) while no secret is set', async () => {
    const secrets = await ports().secrets();
    usePorts({ secrets: async () => ({ ...secrets, ekycWebhookSecret: undefined }) });
    expect(await refusal(checkEkycSignature(signWebhook(EKYC_WEBHOOK_SECRET, now(), body), body))).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      headers: { 'retry-after': '300' },
    });
  });

  it('an approval verifies the user with the identity, once: a replayed event and a second verdict change nothing', async () => {
    const user = await verified();
    const { ekycSessionId } = await startEkyc({ userId: user.userId });
    await expect(receiveEkycResult({ eventId: 'evt-a', ekycSessionId, result: 'APPROVED', identity: IDENTITY })).resolves.toEqual({
      received: true,
      applied: true,
    });
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'VERIFIED', identity: IDENTITY });
    expect(w.world.audit.at(-1)).toMatchObject({ action: 'KYC_VERIFIED', actor: 'provider:ekyc' });
    const trail = w.world.audit.length;
    await expect(receiveEkycResult({ eventId: 'evt-a', ekycSessionId, result: 'APPROVED', identity: IDENTITY })).resolves.toEqual({
      received: true,
      applied: false,
    });
    await expect(receiveEkycResult({ eventId: 'evt-b', ekycSessionId, result: 'REJECTED' })).resolves.toEqual({ received: true, applied: false });
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'VERIFIED' });
    expect(w.world.audit).toHaveLength(trail);
  });

  it('a rejection marks the user REJECTED, who may start again', async () => {
    const user = await verified();
    const { ekycSessionId } = await startEkyc({ userId: user.userId });
    await receiveEkycResult({ eventId: 'evt-r', ekycSessionId, result: 'REJECTED' });
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'REJECTED' });
    expect(await stores().ekyc.getEkycSession(ekycSessionId)).toMatchObject({ status: 'REJECTED' });
    await startEkyc({ userId: user.userId });
  });

  it('a verdict on a superseded session closes it without touching the user', async () => {
    const user = await verified();
    const first = await startEkyc({ userId: user.userId });
    const second = await startEkyc({ userId: user.userId });
    await expect(receiveEkycResult({ eventId: 'evt-old', ekycSessionId: first.ekycSessionId, result: 'APPROVED', identity: IDENTITY })).resolves.toEqual({
      received: true,
      applied: true,
    });
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'PENDING', ekycSessionId: second.ekycSessionId });
    expect((await stores().users.getUser(user.userId))?.identity).toBeUndefined();
    expect(w.world.audit.at(-1)).toMatchObject({ action: 'KYC_VERIFIED', details: { currentSession: false } });
  });

  it('refuses an approval without the identity (VALIDATION_ERROR) and an unknown session (NOT_FOUND)', async () => {
    const user = await verified();
    const { ekycSessionId } = await startEkyc({ userId: user.userId });
    expect((await refusal(receiveEkycResult({ eventId: 'evt-x', ekycSessionId, result: 'APPROVED' }))).code).toBe('VALIDATION_ERROR');
    expect((await refusal(receiveEkycResult({ eventId: 'evt-y', ekycSessionId: 'ekyc_unknown', result: 'REJECTED' }))).code).toBe('NOT_FOUND');
    expect(await stores().users.getUser(user.userId)).toMatchObject({ kycStatus: 'PENDING' });
  });
});

describe('wallet controls on the users store', () => {
  const audit = (userId: string, action: string) => ({ userId, actor: 'ops:test', action, at: w.clock.now() });

  it('freezes once, counts denied charges while frozen, unfreezes with four eyes recorded once', async () => {
    const { userId } = await registered();
    const users = stores().users;
    expect(await users.freezeUser(userId, 'NOT_ME', audit(userId, 'USER_FROZEN'))).toBe(true);
    expect(await users.freezeUser(userId, 'again', audit(userId, 'USER_FROZEN'))).toBe(false);
    expect(await users.getUser(userId)).toMatchObject({ status: 'FROZEN', frozenReason: 'NOT_ME' });
    await users.countDeniedWhileFrozen(userId);
    await users.countDeniedWhileFrozen(userId);
    const request = { byId: 'staff-1', by: 'one@ops', at: new Date(w.clock.now()).toISOString(), reason: 'checked' };
    expect(await users.requestUnfreeze(userId, request, audit(userId, 'UNFREEZE_REQUESTED'))).toBe(true);
    expect(await users.requestUnfreeze(userId, request, audit(userId, 'UNFREEZE_REQUESTED'))).toBe(false);
    expect(await users.getUser(userId)).toMatchObject({ deniedWhileFrozen: 2, unfreezeRequest: request });
    expect(await users.unfreezeUser(userId, audit(userId, 'USER_UNFROZEN'))).toBe(true);
    expect(await users.unfreezeUser(userId, audit(userId, 'USER_UNFROZEN'))).toBe(false);
    const after = await users.getUser(userId);
    expect(after).toMatchObject({ status: 'ACTIVE' });
    expect(after?.frozenReason ?? after?.unfreezeRequest).toBeUndefined();
    expect(w.world.audit.filter((a) => a.actor === 'ops:test').map((a) => a.action)).toEqual(['USER_FROZEN', 'UNFREEZE_REQUESTED', 'USER_UNFROZEN']);
    expect(await users.freezeUser('no-such-user', 'x', audit('no-such-user', 'USER_FROZEN'))).toBe(false);
  });

  it('knows a charge device: first seen, young yen, the wallets sharing it', async () => {
    const a = await registered();
    const b = await registered();
    const users = stores().users;
    const now = w.clock.now();
    const fresh = await users.getDeviceFacts(a.userId, 'shared-device');
    expect(fresh).toMatchObject({ trusted: false, firstSeenAt: undefined, yenMoved: 0, otherWalletsSeenAt: [] });
    await users.recordDeviceUse(a.userId, 'shared-device', fresh, now, 30_000);
    await users.recordDeviceUse(b.userId, 'shared-device', await users.getDeviceFacts(b.userId, 'shared-device'), now, 5_000);
    const facts = await users.getDeviceFacts(a.userId, 'shared-device');
    expect(facts).toMatchObject({ trusted: false, firstSeenAt: now, yenMoved: 30_000, seenHereAt: now, otherWalletsSeenAt: [now] });
    expect(users.youngDevicesYen(facts, now, 72)).toBe(30_000);
    expect(users.youngDevicesYen(facts, now + 73 * 3600_000, 72)).toBe(0);
    // The registration device is trusted (and first seen then); a device only charged from never is.
    expect(await users.isDeviceTrusted(a.userId, a.deviceId)).toBe(true);
    expect(await users.isDeviceTrusted(a.userId, 'shared-device')).toBe(false);
  });
});
