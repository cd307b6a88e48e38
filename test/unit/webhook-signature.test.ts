import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signWebhook, verifyWebhook } from '../../functions/domain/webhook-signature';
import { WEBHOOK_POLICY } from '../../functions/domain/policy';

const SECRET = 'local-ekyc-secret';
const NOW = 1_790_000_000; // unix seconds
const TOL = WEBHOOK_POLICY.toleranceSeconds;
const BODY = JSON.stringify({ eventId: 'evt_1', ekycSessionId: 'ekyc_1', result: 'APPROVED', identity: { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-04-01' } });

const mac = (secret: string, t: number | string, body: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const verify = (header: string | undefined, body = BODY, secret = SECRET, now = NOW) => verifyWebhook(header, body, secret, now, TOL);

describe('signWebhook', () => {
  it('produces the provider header format t=<unix s>,v1=<hex HMAC-SHA256(secret, t.body)>', () => {
    expect(signWebhook(SECRET, NOW, BODY)).toBe(`t=${NOW},v1=${mac(SECRET, NOW, BODY)}`);
    expect(signWebhook(SECRET, NOW, BODY)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });
});

describe('verifyWebhook', () => {
  it('accepts its own signature (round trip)', () => {
    expect(verify(signWebhook(SECRET, NOW, BODY))).toEqual({ valid: true });
    expect(verify(signWebhook(SECRET, NOW, ''), '')).toEqual({ valid: true });
  });

  it('refuses a tampered body', () => {
    const header = signWebhook(SECRET, NOW, BODY);
    expect(verify(header, BODY.replace('APPROVED', 'REJECTED'))).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(header, BODY + ' ')).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(header, '')).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('refuses a signature made with another secret, or checked against another secret', () => {
    expect(verify(signWebhook('wrong-secret', NOW, BODY))).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(signWebhook(SECRET, NOW, BODY), BODY, 'other-secret')).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('binds the timestamp: the same MAC under another t is refused', () => {
    const v1 = mac(SECRET, NOW, BODY);
    expect(verify(`t=${NOW - 1},v1=${v1}`)).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(`t=${NOW + 1},v1=${v1}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it(`has a ${TOL} s tolerance, inclusive, in both directions`, () => {
    expect(TOL).toBe(300);
    expect(verify(signWebhook(SECRET, NOW - 300, BODY))).toEqual({ valid: true });
    expect(verify(signWebhook(SECRET, NOW + 300, BODY))).toEqual({ valid: true });
    expect(verify(signWebhook(SECRET, NOW - 301, BODY))).toEqual({ valid: false, reason: 'STALE' });
    expect(verify(signWebhook(SECRET, NOW + 301, BODY))).toEqual({ valid: false, reason: 'STALE' });
    expect(verify(signWebhook(SECRET, 0, BODY))).toEqual({ valid: false, reason: 'STALE' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'garbage'],
    ['only a timestamp', `t=${NOW}`],
    ['only a signature', `v1=${mac(SECRET, NOW, BODY)}`],
    ['empty timestamp', `t=,v1=${mac(SECRET, NOW, BODY)}`],
    ['non-numeric timestamp', `t=abc,v1=${mac(SECRET, 'abc', BODY)}`],
    ['negative timestamp', `t=-${NOW},v1=${mac(SECRET, -NOW, BODY)}`],
    ['exponent timestamp', `t=1.79e9,v1=${mac(SECRET, '1.79e9', BODY)}`],
    ['milliseconds (13 digits)', `t=${NOW * 1000},v1=${mac(SECRET, NOW * 1000, BODY)}`],
    ['upper-case keys', `T=${NOW},V1=${mac(SECRET, NOW, BODY)}`],
    ['a Bearer-style value', `Bearer ${mac(SECRET, NOW, BODY)}`],
    ['separators only', ',,,='],
  ])('refuses a malformed header (%s) as MALFORMED, without throwing', (_name, header) => {
    expect(verify(header)).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it.each([
    ['not hex', `v1=${'z'.repeat(64)}`],
    ['too short', `v1=${mac(SECRET, NOW, BODY).slice(0, 63)}`],
    ['too long', `v1=${mac(SECRET, NOW, BODY)}00`],
    ['empty', 'v1='],
    ['a v0 scheme only', `v0=${mac(SECRET, NOW, BODY)},v1=${'0'.repeat(64)}`],
  ])('refuses a v1 value that is %s, without throwing', (_name, v1part) => {
    expect(verify(`t=${NOW},${v1part}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('tolerates spaces around the parts and upper-case hex', () => {
    const v1 = mac(SECRET, NOW, BODY);
    expect(verify(` t=${NOW} , v1=${v1} `)).toEqual({ valid: true });
    expect(verify(`t=${NOW},v1=${v1.toUpperCase()}`)).toEqual({ valid: true });
  });

  it('accepts several v1 values if any one is right (secret rotation), in any order', () => {
    const good = mac(SECRET, NOW, BODY);
    const old = mac('previous-secret', NOW, BODY);
    expect(verify(`t=${NOW},v1=${old},v1=${good}`)).toEqual({ valid: true });
    expect(verify(`t=${NOW},v1=${good},v1=${old}`)).toEqual({ valid: true });
    expect(verify(`t=${NOW},v1=nothex,v1=${good}`)).toEqual({ valid: true });
    expect(verify(`t=${NOW},v1=${old},v1=${mac('another', NOW, BODY)}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('uses the first t when there are several, so a second t cannot smuggle a fresh time', () => {
    const staleSigned = mac(SECRET, NOW - 1000, BODY);
    expect(verify(`t=${NOW - 1000},t=${NOW},v1=${staleSigned}`)).toEqual({ valid: false, reason: 'STALE' });
    expect(verify(`t=${NOW},t=${NOW - 1000},v1=${staleSigned}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  // Bodies arrive as UTF-8 bytes, so they are strings of whole code points (no lone surrogates).
  const body = fc.string({ unit: 'binary', maxLength: 300 });
  const codePoint = fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff);
  const secret = fc.string({ minLength: 1, maxLength: 64 });

  it('property: any body signed with any secret verifies at any time within tolerance', () => {
    fc.assert(
      fc.property(body, secret, fc.integer({ min: -TOL, max: TOL }), (b, s, skew) => {
        expect(verifyWebhook(signWebhook(s, NOW + skew, b), b, s, NOW, TOL)).toEqual({ valid: true });
      }),
      { numRuns: 500 },
    );
  });

  it('property: changing any single character of the body breaks the signature', () => {
    fc.assert(
      fc.property(body.filter((b) => b.length > 0), fc.nat(), codePoint, (b, at, replacement) => {
        const chars = Array.from(b);
        const i = at % chars.length;
        const c = String.fromCodePoint(replacement);
        fc.pre(chars[i] !== c);
        chars[i] = c;
        expect(verify(signWebhook(SECRET, NOW, b), chars.join(''))).toEqual({ valid: false, reason: 'MISMATCH' });
      }),
      { numRuns: 500 },
    );
  });

  it('property: changing any single hex digit of the signature breaks it', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 15 }), (b, i, delta) => {
        const v1 = mac(SECRET, NOW, b);
        const flipped = v1.slice(0, i) + ((parseInt(v1[i], 16) + delta) % 16).toString(16) + v1.slice(i + 1);
        expect(verify(`t=${NOW},v1=${flipped}`, b)).toEqual({ valid: false, reason: 'MISMATCH' });
      }),
      { numRuns: 300 },
    );
  });

  it('property: never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary', maxLength: 200 })), (header) => {
        const out = verify(header ?? undefined);
        expect(out.valid).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
