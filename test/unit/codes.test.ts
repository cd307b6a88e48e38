import crypto from 'node:crypto';
import fc from 'fast-check';
import { checkCode, checkResend, codeMatches, generateCode, hashCode, newStoredCode, type StoredCode } from '../../functions/domain/codes';
import { CODE_POLICY, RESEND_POLICY } from '../../functions/domain/policy';

const KEY = 'unit-test-code-key';
const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

function stored(over: Partial<StoredCode> = {}): StoredCode {
  return { ...newStoredCode(hashCode(KEY, 'phone', 'user-1', '123456'), T0, { sendsInWindow: 1, windowStart: T0 }), ...over };
}

describe('generateCode', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is always six decimal digits', () => {
    for (let i = 0; i < 5000; i++) expect(generateCode()).toMatch(/^\d{6}$/);
  });

  it('draws from the whole range [0, 10^6) of the CSPRNG', () => {
    const spy = jest.spyOn(crypto, 'randomInt');
    generateCode();
    expect(spy).toHaveBeenCalledWith(0, 10 ** CODE_POLICY.digits);
  });

  it('keeps leading zeros: every number in range maps to its zero-padded self', () => {
    const spy = jest.spyOn(crypto, 'randomInt');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), (n) => {
        spy.mockReturnValueOnce(n as never);
        const code = generateCode();
        expect(code).toHaveLength(6);
        expect(Number(code)).toBe(n);
      }),
    );
    for (const [n, code] of [[0, '000000'], [7, '000007'], [42_000, '042000'], [999_999, '999999']] as const) {
      spy.mockReturnValueOnce(n as never);
      expect(generateCode()).toBe(code);
    }
  });

  it('is roughly uniform in every digit position (chi-square sanity check)', () => {
    const n = 40_000;
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    let leadingZero = 0;
    for (let i = 0; i < n; i++) {
      const code = generateCode();
      if (code[0] === '0') leadingZero++;
      for (let p = 0; p < 6; p++) counts[p][Number(code[p])]++;
    }
    const expected = n / 10;
    for (const position of counts) {
      const chi2 = position.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      // df = 9: p(chi2 > 45) is about 1e-6, so a fair generator practically never trips this.
      expect(chi2).toBeLessThan(45);
    }
    // About a tenth of real codes start with 0; a generator that dropped them would show none.
    expect(leadingZero).toBeGreaterThan(n * 0.08);
  });
});

describe('hashCode', () => {
  it('is a deterministic hex HMAC, never the code itself', () => {
    const h = hashCode(KEY, 'phone', 'user-1', '123456');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(hashCode(KEY, 'phone', 'user-1', '123456'));
    expect(h).not.toContain('123456');
  });

  it('binds the code to its key, purpose and subject', () => {
    const base = hashCode(KEY, 'phone', 'user-1', '123456');
    expect(hashCode('other-key', 'phone', 'user-1', '123456')).not.toBe(base);
    expect(hashCode(KEY, 'charge', 'user-1', '123456')).not.toBe(base);
    expect(hashCode(KEY, 'phone', 'user-2', '123456')).not.toBe(base);
    expect(hashCode(KEY, 'phone', 'user-1', '123457')).not.toBe(base);
    // The separator keeps "phone"+"1user" apart from "phone1"+"user".
    expect(hashCode(KEY, 'phone1', 'user', '123456')).not.toBe(hashCode(KEY, 'phone', '1user', '123456'));
  });

  it('gives different hashes for any two different (purpose, subject, code) triples', () => {
    // Purposes and subjects are ids we generate (no NUL characters), codes are 6 digits.
    const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\u0000'));
    const code = fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0'));
    const triple = fc.tuple(id, id, code);
    fc.assert(
      fc.property(triple, triple, (a, b) => {
        fc.pre(a.some((x, i) => x !== b[i]));
        expect(hashCode(KEY, ...a)).not.toBe(hashCode(KEY, ...b));
      }),
      { numRuns: 500 },
    );
  });

  it('a code issued for one purpose or subject does not match another', () => {
    const issued = stored({ hash: hashCode(KEY, 'phone', 'user-1', '654321') });
    expect(checkCode(issued, hashCode(KEY, 'charge', 'user-1', '654321'), T0).outcome).toBe('WRONG');
    expect(checkCode(issued, hashCode(KEY, 'phone', 'user-2', '654321'), T0).outcome).toBe('WRONG');
    expect(checkCode(issued, hashCode(KEY, 'phone', 'user-1', '654321'), T0).outcome).toBe('MATCH');
  });
});

describe('codeMatches', () => {
  it('compares hex digests and refuses anything of another length or not hex', () => {
    const h = hashCode(KEY, 'phone', 'u', '000000');
    expect(codeMatches(h, h)).toBe(true);
    expect(codeMatches(h, h.toUpperCase())).toBe(true);
    expect(codeMatches(h, h.slice(0, -2))).toBe(false);
    expect(codeMatches(h, '')).toBe(false);
    expect(codeMatches(h, 'zz'.repeat(32))).toBe(false);
    expect(codeMatches(h, hashCode(KEY, 'phone', 'u', '000001'))).toBe(false);
  });
});

describe('newStoredCode', () => {
  it('expires after the policy TTL with no attempts used and carries the send window', () => {
    const c = newStoredCode('abc', T0, { sendsInWindow: 3, windowStart: T0 - 10 * MINUTE });
    expect(c).toEqual({ hash: 'abc', expiresAt: T0 + CODE_POLICY.ttlSeconds * 1000, attempts: 0, sentAt: T0, sendsInWindow: 3, windowStart: T0 - 10 * MINUTE });
    expect(CODE_POLICY.ttlSeconds).toBe(300);
    expect(CODE_POLICY.maxAttempts).toBe(5);
  });
});

describe('checkCode', () => {
  const right = hashCode(KEY, 'phone', 'user-1', '123456');
  const wrong = hashCode(KEY, 'phone', 'user-1', '000000');

  it('NONE when no code is waiting', () => {
    expect(checkCode(undefined, right, T0)).toEqual({ outcome: 'NONE' });
  });

  it('MATCH for the right code inside its lifetime, up to the last millisecond', () => {
    expect(checkCode(stored(), right, T0)).toEqual({ outcome: 'MATCH' });
    expect(checkCode(stored(), right, T0 + 300_000 - 1)).toEqual({ outcome: 'MATCH' });
    expect(checkCode(stored({ attempts: 4 }), right, T0)).toEqual({ outcome: 'MATCH' });
  });

  it('EXPIRED from the expiry instant on, even for the right code', () => {
    expect(checkCode(stored(), right, T0 + 300_000)).toEqual({ outcome: 'EXPIRED' });
    expect(checkCode(stored(), right, T0 + 301_000)).toEqual({ outcome: 'EXPIRED' });
    expect(checkCode(stored(), wrong, T0 + 301_000)).toEqual({ outcome: 'EXPIRED' });
  });

  it('EXHAUSTED after five wrong tries: the right code is refused too, expired or not', () => {
    expect(checkCode(stored({ attempts: 5 }), right, T0)).toEqual({ outcome: 'EXHAUSTED' });
    expect(checkCode(stored({ attempts: 6 }), right, T0)).toEqual({ outcome: 'EXHAUSTED' });
    expect(checkCode(stored({ attempts: 5 }), right, T0 + HOUR)).toEqual({ outcome: 'EXHAUSTED' });
  });

  it('WRONG counts down the tries left: 4, 3, 2, 1, 0', () => {
    expect([0, 1, 2, 3, 4].map((attempts) => checkCode(stored({ attempts }), wrong, T0))).toEqual(
      [4, 3, 2, 1, 0].map((attemptsLeft) => ({ outcome: 'WRONG', attemptsLeft })),
    );
  });

  it('property: the outcome is decided by presence, attempts, expiry and hash, in that order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: -HOUR, max: HOUR }),
        fc.boolean(),
        (attempts, offset, isRight) => {
          const out = checkCode(stored({ attempts }), isRight ? right : wrong, T0 + offset);
          if (attempts >= 5) expect(out.outcome).toBe('EXHAUSTED');
          else if (offset >= 300_000) expect(out.outcome).toBe('EXPIRED');
          else if (isRight) expect(out.outcome).toBe('MATCH');
          else expect(out).toEqual({ outcome: 'WRONG', attemptsLeft: 4 - attempts });
        },
      ),
    );
  });
});

describe('checkResend', () => {
  const afterSend = (at: number, sendsInWindow: number, windowStart: number) => ({ sentAt: at, sendsInWindow, windowStart });

  it('allows the first send and opens a window', () => {
    expect(checkResend(undefined, T0)).toEqual({ allowed: true, sendsInWindow: 1, windowStart: T0 });
  });

  it('refuses a second send within 60 s, with retry-after rounded up', () => {
    const s = afterSend(T0, 1, T0);
    expect(checkResend(s, T0)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(checkResend(s, T0 + 1)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(checkResend(s, T0 + 30_000)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(checkResend(s, T0 + 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(checkResend(s, T0 + 60_000)).toEqual({ allowed: true, sendsInWindow: 2, windowStart: T0 });
    expect(RESEND_POLICY.minIntervalSeconds).toBe(60);
  });

  it('allows five sends an hour, then refuses until the window closes', () => {
    let s = afterSend(T0, 1, T0);
    for (let i = 2; i <= 5; i++) {
      const at = T0 + (i - 1) * 61_000;
      const r = checkResend(s, at);
      expect(r).toEqual({ allowed: true, sendsInWindow: i, windowStart: T0 });
      s = afterSend(at, i, T0);
    }
    const sixth = checkResend(s, T0 + 10 * MINUTE);
    expect(sixth).toEqual({ allowed: false, retryAfterSeconds: 50 * 60 });
    expect(checkResend(s, T0 + HOUR - 1)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(checkResend(s, T0 + HOUR)).toEqual({ allowed: true, sendsInWindow: 1, windowStart: T0 + HOUR });
    expect(RESEND_POLICY.maxPerHour).toBe(5);
  });

  it('property: whatever the request times, sends are 60 s apart, at most 5 per window, and waiting retry-after gets through', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 * MINUTE }), { minLength: 1, maxLength: 60 }), (gaps) => {
        let now = T0;
        let state: ReturnType<typeof afterSend> | undefined;
        const sends: { at: number; windowStart: number }[] = [];
        for (const gap of gaps) {
          now += gap;
          const r = checkResend(state, now);
          if (r.allowed) {
            state = afterSend(now, r.sendsInWindow, r.windowStart);
            sends.push({ at: now, windowStart: r.windowStart });
            continue;
          }
          expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(r.retryAfterSeconds).toBeLessThanOrEqual(3600);
          // Waiting as told clears the reason given; at most one other reason (the hourly cap) can remain.
          const later = checkResend(state, now + r.retryAfterSeconds * 1000);
          if (!later.allowed) expect(checkResend(state, now + (r.retryAfterSeconds + later.retryAfterSeconds) * 1000).allowed).toBe(true);
        }
        for (let i = 1; i < sends.length; i++) expect(sends[i].at - sends[i - 1].at).toBeGreaterThanOrEqual(60_000);
        for (const s of sends) {
          const inWindow = sends.filter((o) => o.windowStart === s.windowStart);
          expect(inWindow.length).toBeLessThanOrEqual(5);
          for (const o of inWindow) expect(o.at - s.windowStart).toBeLessThan(HOUR);
        }
      }),
      { numRuns: 300 },
    );
  });
});
