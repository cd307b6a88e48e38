import fc from 'fast-check';
import { maskTail, redact } from '../../functions/shared/redact';

const R = '[REDACTED]';

describe('redact', () => {
  it('replaces personal data and secrets at the top level and keeps the rest', () => {
    expect(
      redact({ userId: 'u1', email: 'a@example.com', password: 'Str0ng-Passw0rd', phoneNumber: '+819012345678', code: '123456', routeKey: 'POST /v1/users', status: 400 }),
    ).toEqual({ userId: 'u1', email: R, password: R, phoneNumber: R, code: R, routeKey: 'POST /v1/users', status: 400 });
  });

  it('finds sensitive keys at any nesting, inside arrays too', () => {
    const input = {
      request: {
        headers: { authorization: 'Bearer eyJ...', 'x-ekyc-signature': 't=1,v1=ab', 'x-device-id': 'dev-1' },
        user: { profile: { contact: { phone: '+819012345678', city: 'Tokyo' } } },
      },
      events: [
        { eventId: 'e1', identity: { fullName: '山田 太郎', dateOfBirth: '1990-04-01' } },
        [{ token: 't' }, { otp: '000000', kept: true }],
        'plain string',
        42,
        null,
      ],
    };
    expect(redact(input)).toEqual({
      request: {
        headers: { authorization: R, 'x-ekyc-signature': R, 'x-device-id': 'dev-1' },
        user: { profile: { contact: { phone: R, city: 'Tokyo' } } },
      },
      events: [{ eventId: 'e1', identity: R }, [{ token: R }, { otp: R, kept: true }], 'plain string', 42, null],
    });
  });

  it('matches key names case-insensitively', () => {
    expect(redact({ PASSWORD: 'x', PassWord: 'x', Authorization: 'Bearer x', 'X-Ekyc-Signature': 's', AccessToken: 'a', idtoken: 'i', REFRESHTOKEN: 'r', AccountNumber: '1234567', Pin: '1234', DateOfBirth: '1990-01-01' })).toEqual({
      PASSWORD: R, PassWord: R, Authorization: R, 'X-Ekyc-Signature': R, AccessToken: R, idtoken: R, REFRESHTOKEN: R, AccountNumber: R, Pin: R, DateOfBirth: R,
    });
  });

  it('replaces a sensitive value whatever its type, objects and arrays included', () => {
    expect(redact({ identity: { fullName: 'x' }, body: '{"password":"x"}', token: ['a', 'b'], code: 123456, secret: null })).toEqual({
      identity: R, body: R, token: R, code: R, secret: R,
    });
  });

  it('covers every field name the API and the bank flow carry personal data under', () => {
    const names = ['password', 'phoneNumber', 'phone', 'to', 'code', 'otp', 'pin', 'token', 'accessToken', 'idToken', 'refreshToken', 'authorization', 'authorizationCode', 'fullName', 'fullNameKana', 'dateOfBirth', 'holderNameKana', 'accountNumber', 'identity', 'secret', 'x-ekyc-signature', 'body', 'email', 'codeHash'];
    const out = redact(Object.fromEntries(names.map((n) => [n, 'personal'])));
    expect(out).toEqual(Object.fromEntries(names.map((n) => [n, R])));
  });

  it('does not change its input', () => {
    const input = { user: { password: 'x', list: [{ pin: '1' }] } };
    const copy = structuredClone(input);
    redact(input);
    expect(input).toEqual(copy);
  });

  it('returns primitives and null unchanged', () => {
    for (const v of ['s', 1, true, null, undefined, 0n]) expect(redact(v)).toBe(v);
  });

  it('does not loop forever on a circular structure', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => redact(a)).not.toThrow();
  });

  it('redacts a sensitive key at every depth a log attribute realistically has (8 levels)', () => {
    let nested: Record<string, unknown> = { password: 'Str0ng-Passw0rd' };
    for (let i = 0; i < 8; i++) nested = { level: nested };
    expect(JSON.stringify(redact(nested))).not.toContain('Str0ng-Passw0rd');
  });

  // Past depth 8 redact() cuts the value to [TRUNCATED] rather than pass it through, so a password
  // nested 9+ levels deep never reaches the logs in clear.
  it('redacts a sensitive key below the depth limit instead of passing it through in clear', () => {
    let nested: Record<string, unknown> = { password: 'Str0ng-Passw0rd' };
    for (let i = 0; i < 12; i++) nested = { level: nested };
    expect(JSON.stringify(redact(nested))).not.toContain('Str0ng-Passw0rd');
  });

  it('property: no value under a sensitive key survives, at any depth up to 8, in objects or arrays', () => {
    const sensitive = fc.constantFrom('password', 'Password', 'PHONENUMBER', 'token', 'email', 'Authorization', 'pin', 'otp');
    const secretValue = fc.string({ minLength: 1, maxLength: 10 }).map((s) => `SECRET<${s}>`);
    const path = fc.array(fc.oneof(fc.constantFrom('a', 'data', 'items', 'x-device-id'), fc.nat({ max: 3 })), { maxLength: 7 });
    fc.assert(
      fc.property(path, sensitive, secretValue, (steps, key, value) => {
        let node: unknown = { [key]: value, harmless: 'visible' };
        for (const step of [...steps].reverse()) node = typeof step === 'number' ? [...new Array(step).fill('pad'), node] : { [step]: node };
        const out = JSON.stringify(redact(node));
        expect(out).not.toContain('SECRET<');
        expect(out).toContain('visible');
      }),
    );
  });
});

describe('maskTail', () => {
  it('shows only the last 4 digits of a phone number, keeping the + and the length', () => {
    expect(maskTail('+819012345678')).toBe('+********5678');
    expect(maskTail('+14155550123')).toBe('+*******0123');
  });

  it('masks an account number to its last digits', () => {
    expect(maskTail('1234567')).toBe('***4567');
    expect(maskTail('1234567', 2)).toBe('*****67');
  });

  it('masks everything when the value is no longer than what would be shown', () => {
    expect(maskTail('1234')).toBe('****');
    expect(maskTail('12')).toBe('**');
    expect(maskTail('')).toBe('');
  });

  it('property: for any E.164 number, exactly the last 4 digits are visible', () => {
    const e164 = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 14 }))
      .map(([first, rest]) => `+${first}${rest}`);
    fc.assert(
      fc.property(e164, (phone) => {
        const masked = maskTail(phone);
        expect(masked).toHaveLength(phone.length);
        expect(masked.startsWith('+')).toBe(true);
        expect(masked.slice(-4)).toBe(phone.slice(-4));
        expect(masked.slice(1, -4)).toMatch(/^\*+$/);
        expect(masked.replace(/\D/g, '')).toHaveLength(4);
      }),
    );
  });
});
