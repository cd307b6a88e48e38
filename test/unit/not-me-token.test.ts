/**
 * The token in the bank holder's "not me" link freezes a wallet when it is used, so
 * only a token this service signed, for that purpose, and not yet expired, may pass.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signNotMeToken, verifyNotMeToken, type NotMeClaims } from '../../functions/domain/not-me-token';

const KEY = 'unit-test-not-me-key';
const NOW = 1_775_000_000; // epoch seconds
const claims: NotMeClaims = { linkId: 'lnk_0b7a2c1e-2f51-4bb5-9a52-5d1d0c2b8f10', userId: 'user-123', expiresAt: NOW + 30 * 86400, tokenId: 'tok-1' };

/** A token signed with the right key over any payload we like: the way to reach the checks behind the signature. */
function signRaw(payload: unknown, key = KEY): string {
  const p = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64url');
  return `v1.${p}.${createHmac('sha256', key).update(`v1.${p}`).digest('base64url')}`;
}

/** Replaces the character at `i` with another one from the base64url alphabet. */
function flip(s: string, i: number): string {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

describe('not-me token', () => {
  it('round-trips the claims', () => {
    const token = signNotMeToken(KEY, claims);
    expect(token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(verifyNotMeToken(KEY, token, NOW)).toEqual({ valid: true, claims });
  });

  it('round-trips any claims (property)', () => {
    const anyClaims = fc.record({
      linkId: fc.string({ maxLength: 60 }),
      userId: fc.string({ maxLength: 60 }),
      tokenId: fc.uuid(),
      expiresAt: fc.integer({ min: NOW + 1, max: NOW + 10 * 365 * 86400 }),
    });
    fc.assert(fc.property(anyClaims, (c) => {
      expect(verifyNotMeToken(KEY, signNotMeToken(KEY, c), NOW)).toEqual({ valid: true, claims: c });
    }));
  });

  describe('v2: the compact form for ids of the usual shapes (a shorter SMS)', () => {
    const real: NotMeClaims = {
      linkId: 'lnk_0b7a2c1e-2f51-4bb5-9a52-5d1d0c2b8f10', userId: '0f8fad5b-d9cb-469f-a165-70867728950e', expiresAt: NOW + 30 * 86400,
      tokenId: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b', event: { kind: 'DEBITED', at: NOW - 5, chargeId: `chg_${'0123456789abcdef'.repeat(2)}` },
    };
    const signRawV2 = (bytes: Buffer, key = KEY) => {
      const p = bytes.toString('base64url');
      return `v2.${p}.${createHmac('sha256', key).update(`not-me.v2.${p}`).digest().subarray(0, 16).toString('base64url')}`;
    };

    it('round-trips with and without an event and a charge, at about a third of the v1 length', () => {
      for (const c of [real, { ...real, event: { kind: 'LINKED' as const, at: NOW } }, { ...real, event: { kind: 'HOLD' as const, at: NOW, chargeId: real.event!.chargeId } }, { ...real, event: undefined }]) {
        const token = signNotMeToken(KEY, c);
        expect(token).toMatch(/^v2\.[\w-]+\.[\w-]{22}$/);
        expect(verifyNotMeToken(KEY, token, NOW)).toEqual({ valid: true, claims: c });
      }
      expect(signNotMeToken(KEY, real).length).toBeLessThanOrEqual(125);
    });

    it('falls back to v1 for ids of any other shape', () => {
      for (const odd of [{ userId: 'user-123' }, { linkId: 'link-1' }, { tokenId: 'tok-1' }, { userId: real.userId.toUpperCase() }, { event: { kind: 'DEBITED' as const, at: NOW, chargeId: 'chg_x' } }, { expiresAt: 2 ** 33 }]) {
        const c = { ...real, ...odd };
        const token = signNotMeToken(KEY, c);
        expect(token.startsWith('v1.')).toBe(true);
        expect(verifyNotMeToken(KEY, token, NOW)).toEqual({ valid: true, claims: c });
      }
    });

    it('refuses any single-character change, another key, a v1 MAC on a v2 payload, and expiry', () => {
      const token = signNotMeToken(KEY, real);
      for (let i = 3; i < token.length; i++) {
        if (token[i] === '.') continue;
        expect(verifyNotMeToken(KEY, token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1), NOW).valid).toBe(false);
      }
      expect(verifyNotMeToken('another-key', token, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
      const [, p] = token.split('.');
      expect(verifyNotMeToken(KEY, `v2.${p}.${createHmac('sha256', KEY).update(`v1.${p}`).digest('base64url')}`, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
      expect(verifyNotMeToken(KEY, token, real.expiresAt)).toEqual({ valid: false, reason: 'EXPIRED' });
    });

    it('refuses a signed payload of the wrong layout as MALFORMED', () => {
      const good = Buffer.from(signNotMeToken(KEY, real).split('.')[1], 'base64url');
      const cases = [
        good.subarray(0, good.length - 1), // short
        Buffer.concat([good, Buffer.from([0])]), // long
        Buffer.concat([Buffer.from([good[0] | 8]), good.subarray(1)]), // unknown flag
        Buffer.concat([Buffer.from([4]), good.subarray(1)]), // a charge without an event
        Buffer.alloc(0),
      ];
      for (const bytes of cases) expect(verifyNotMeToken(KEY, signRawV2(bytes), NOW)).toEqual({ valid: false, reason: 'MALFORMED' });
    });
  });

  it('carries the event the notice told of (for the not-me page), and refuses a malformed one', () => {
    const withEvent: NotMeClaims = { ...claims, event: { kind: 'DEBITED', at: NOW - 60, chargeId: `chg_${'a'.repeat(32)}` } };
    expect(verifyNotMeToken(KEY, signNotMeToken(KEY, withEvent), NOW)).toEqual({ valid: true, claims: withEvent });
    const linked: NotMeClaims = { ...claims, event: { kind: 'LINKED', at: NOW - 60 } };
    expect(verifyNotMeToken(KEY, signNotMeToken(KEY, linked), NOW)).toEqual({ valid: true, claims: linked });
    const base = { p: 'not-me', lid: claims.linkId, uid: claims.userId, exp: claims.expiresAt, jti: claims.tokenId };
    for (const bad of [{ ev: 'STOLEN', at: NOW }, { ev: 'DEBITED' }, { ev: 'DEBITED', at: '2026' }, { ev: 'DEBITED', at: NOW, cid: 7 }]) {
      expect(verifyNotMeToken(KEY, signRaw({ ...base, ...bad }), NOW)).toEqual({ valid: false, reason: 'MALFORMED' });
    }
  });

  it('is URL-safe as it stands (it travels in a `token=` query parameter)', () => {
    const token = signNotMeToken(KEY, claims);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('refuses a payload edited to name another link or user (the signature no longer fits)', () => {
    const [v, payload, mac] = signNotMeToken(KEY, claims).split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString());
    for (const edit of [{ lid: 'lnk_other' }, { uid: 'someone-else' }, { exp: claims.expiresAt + 86400 }]) {
      const forged = `${v}.${Buffer.from(JSON.stringify({ ...body, ...edit })).toString('base64url')}.${mac}`;
      expect(verifyNotMeToken(KEY, forged, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    }
  });

  it('refuses any single-character change of the payload', () => {
    const token = signNotMeToken(KEY, claims);
    const [, payload] = token.split('.');
    fc.assert(fc.property(fc.nat({ max: payload.length - 1 }), (i) => {
      const tampered = token.replace(payload, flip(payload, i));
      expect(verifyNotMeToken(KEY, tampered, NOW).valid).toBe(false);
    }));
  });

  it('refuses a changed signature', () => {
    const token = signNotMeToken(KEY, claims);
    const [v, payload, mac] = token.split('.');
    expect(verifyNotMeToken(KEY, `${v}.${payload}.${flip(mac, 0)}`, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    expect(verifyNotMeToken(KEY, `${v}.${payload}.${mac.slice(0, -2)}`, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    expect(verifyNotMeToken(KEY, `${v}.${payload}.${mac}AA`, NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    // Every byte of the MAC counts: change each of the first 42 characters (the 43rd also carries padding bits).
    for (let i = 0; i < mac.length - 1; i++) expect(verifyNotMeToken(KEY, `${v}.${payload}.${flip(mac, i)}`, NOW).valid).toBe(false);
  });

  it('refuses a token signed with another key', () => {
    expect(verifyNotMeToken(KEY, signNotMeToken('another-key', claims), NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    expect(verifyNotMeToken('another-key', signNotMeToken(KEY, claims), NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
    expect(verifyNotMeToken(KEY, signNotMeToken('', claims), NOW)).toEqual({ valid: false, reason: 'SIGNATURE' });
  });

  it('expires at expiresAt: valid one second before, refused at and after it', () => {
    const token = signNotMeToken(KEY, claims);
    expect(verifyNotMeToken(KEY, token, claims.expiresAt - 1).valid).toBe(true);
    expect(verifyNotMeToken(KEY, token, claims.expiresAt)).toEqual({ valid: false, reason: 'EXPIRED' });
    expect(verifyNotMeToken(KEY, token, claims.expiresAt + 86400)).toEqual({ valid: false, reason: 'EXPIRED' });
  });

  it('refuses a token signed with the right key for another purpose', () => {
    const body = { lid: claims.linkId, uid: claims.userId, exp: claims.expiresAt, jti: claims.tokenId };
    expect(verifyNotMeToken(KEY, signRaw({ ...body, p: 'charge-confirm' }), NOW)).toEqual({ valid: false, reason: 'PURPOSE' });
    expect(verifyNotMeToken(KEY, signRaw(body), NOW)).toEqual({ valid: false, reason: 'PURPOSE' });
    expect(verifyNotMeToken(KEY, signRaw({ ...body, p: 'NOT-ME' }), NOW)).toEqual({ valid: false, reason: 'PURPOSE' });
    // The purpose check is no formality: the same body with p = not-me passes.
    expect(verifyNotMeToken(KEY, signRaw({ ...body, p: 'not-me' }), NOW).valid).toBe(true);
  });

  it('refuses a correctly signed payload that is not the expected JSON', () => {
    const good = { p: 'not-me', lid: 'l', uid: 'u', exp: NOW + 60, jti: 'j' };
    for (const payload of ['not json', '', 'null', '[]', '"not-me"', '{"p":"not-me"}', JSON.stringify({ ...good, exp: String(NOW + 60) }), JSON.stringify({ ...good, lid: 7 }), JSON.stringify({ ...good, uid: null }), JSON.stringify({ ...good, jti: undefined })]) {
      const check = verifyNotMeToken(KEY, signRaw(payload), NOW);
      expect({ payload, valid: check.valid }).toEqual({ payload, valid: false });
      expect(['MALFORMED', 'PURPOSE']).toContain((check as { reason: string }).reason);
    }
  });

  it.each([
    ['empty', ''],
    ['one part', 'v1'],
    ['two parts', 'v1.abc'],
    ['four parts', 'v1.abc.def.ghi'],
    ['empty parts', 'v1..'],
    ['another version', 'v3.abc.def'],
    ['padding', 'v1.abc=.def='],
    ['standard base64 characters', 'v1.ab+c.de/f'],
    ['spaces', 'v1.abc .def'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
  ])('refuses a malformed token (%s) as MALFORMED', (_why, token) => {
    expect(verifyNotMeToken(KEY, token, NOW)).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it('refuses the real token with its version changed', () => {
    const token = signNotMeToken(KEY, claims);
    expect(verifyNotMeToken(KEY, token.replace(/^v1/, 'v2'), NOW).valid).toBe(false);
  });

  it('random strings never verify and never throw', () => {
    const shaped = fc
      .tuple(fc.string({ unit: fc.constantFrom(...'ABCabc019-_'), maxLength: 80 }), fc.string({ unit: fc.constantFrom(...'ABCabc019-_'), maxLength: 50 }))
      .map(([p, m]) => `v1.${p}.${m}`);
    const any = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 120 }), shaped);
    fc.assert(
      fc.property(any, fc.integer({ min: 0, max: 2 ** 32 }), (token, now) => {
        let check;
        expect(() => (check = verifyNotMeToken(KEY, token, now))).not.toThrow();
        expect(check).toEqual({ valid: false, reason: expect.stringMatching(/^(MALFORMED|SIGNATURE|EXPIRED|PURPOSE)$/) });
      }),
      { numRuns: 3000 },
    );
  });
});
