import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token in a bank holder's "not me" link: signed, expiring, and good for one
 * purpose only (reporting the link it names). Format `v1.<payload>.<mac>`, both
 * base64url; the payload is JSON {p, lid, uid, exp, jti} and, for the not-me page to say
 * what it is about, {ev, at, cid?}: the event the notice told of, when, and its charge.
 */
export type NotMeEventKind = 'LINKED' | 'DEBITED' | 'HOLD';
const EVENT_KINDS: readonly string[] = ['LINKED', 'DEBITED', 'HOLD'];

export interface NotMeEvent {
  kind: NotMeEventKind;
  /** epoch seconds: when the link became active, the debit happened, or the hold was placed */
  at: number;
  /** the charge of a DEBITED or HOLD notice */
  chargeId?: string;
}

export interface NotMeClaims {
  linkId: string;
  userId: string;
  /** epoch seconds */
  expiresAt: number;
  tokenId: string;
  /** Absent in tokens issued before notices named their event. */
  event?: NotMeEvent;
}

const PURPOSE = 'not-me';
export const NOT_ME_TTL_DAYS = 30;

const mac = (key: string, payload: string) => createHmac('sha256', key).update(`v1.${payload}`).digest();

/*
 * v2: the same claims packed in binary, for an SMS that costs less. The bank's notice
 * is Japanese, so the whole SMS is UCS-2 (67 characters a segment) and the URL is
 * most of it: v1 is ~375 characters, v2 ~125 (a debit notice 4 segments instead of 8).
 * Layout: flags (bits 0-1 event kind, bit 2 charge id), link id, user id, token id
 * (16 bytes each), exp (uint32), [at (uint32)], [charge id (16 bytes)]. The MAC is
 * HMAC-SHA256 truncated to 128 bits over "not-me.v2." + payload (domain-separated
 * from v1). Ids of another shape are signed as v1.
 */
const V2_MAC_BYTES = 16;
const mac2 = (key: string, payload: string) => createHmac('sha256', key).update(`${PURPOSE}.v2.${payload}`).digest().subarray(0, V2_MAC_BYTES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KIND_BITS: Record<NotMeEventKind, number> = { LINKED: 1, DEBITED: 2, HOLD: 3 };
const KINDS_BY_BITS: (NotMeEventKind | undefined)[] = [undefined, 'LINKED', 'DEBITED', 'HOLD'];
const uuidBytes = (s: string) => (UUID.test(s) ? Buffer.from(s.replace(/-/g, ''), 'hex') : undefined);
const uuidOf = (b: Buffer) => b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

function packV2(claims: NotMeClaims): Buffer | undefined {
  const lid = claims.linkId.startsWith('lnk_') ? uuidBytes(claims.linkId.slice(4)) : undefined;
  const uid = uuidBytes(claims.userId);
  const jti = uuidBytes(claims.tokenId);
  const cid = claims.event?.chargeId;
  const cidBytes = cid !== undefined && /^chg_[0-9a-f]{32}$/.test(cid) ? Buffer.from(cid.slice(4), 'hex') : undefined;
  if (!lid || !uid || !jti || !u32(claims.expiresAt) || (claims.event && !u32(claims.event.at)) || (cid !== undefined && !cidBytes)) return undefined;
  const flags = (claims.event ? KIND_BITS[claims.event.kind] : 0) | (cidBytes ? 4 : 0);
  const exp = Buffer.alloc(4);
  exp.writeUInt32BE(claims.expiresAt);
  const at = claims.event ? Buffer.alloc(4) : Buffer.alloc(0);
  if (claims.event) at.writeUInt32BE(claims.event.at);
  return Buffer.concat([Buffer.from([flags]), lid, uid, jti, exp, at, cidBytes ?? Buffer.alloc(0)]);
}

function unpackV2(b: Buffer): NotMeClaims | undefined {
  if (b.length < 1) return undefined;
  const flags = b[0];
  const kind = KINDS_BY_BITS[flags & 3];
  const hasCid = (flags & 4) !== 0;
  if ((flags & ~7) !== 0 || (hasCid && !kind)) return undefined;
  if (b.length !== 1 + 48 + 4 + (kind ? 4 : 0) + (hasCid ? 16 : 0)) return undefined;
  const claims: NotMeClaims = {
    linkId: `lnk_${uuidOf(b.subarray(1, 17))}`, userId: uuidOf(b.subarray(17, 33)), tokenId: uuidOf(b.subarray(33, 49)), expiresAt: b.readUInt32BE(49),
  };
  if (kind) claims.event = { kind, at: b.readUInt32BE(53), ...(hasCid ? { chargeId: `chg_${b.subarray(57, 73).toString('hex')}` } : {}) };
  return claims;
}

export function signNotMeToken(key: string, claims: NotMeClaims): string {
  const packed = packV2(claims);
  if (packed) {
    const payload = packed.toString('base64url');
    return `v2.${payload}.${mac2(key, payload).toString('base64url')}`;
  }
  const ev = claims.event ? { ev: claims.event.kind, at: claims.event.at, ...(claims.event.chargeId ? { cid: claims.event.chargeId } : {}) } : {};
  const payload = Buffer.from(JSON.stringify({ p: PURPOSE, lid: claims.linkId, uid: claims.userId, exp: claims.expiresAt, jti: claims.tokenId, ...ev })).toString('base64url');
  return `v1.${payload}.${mac(key, payload).toString('base64url')}`;
}

export type NotMeCheck = { valid: true; claims: NotMeClaims } | { valid: false; reason: 'MALFORMED' | 'SIGNATURE' | 'EXPIRED' | 'PURPOSE' };
type Decoded = { valid: true; claims: NotMeClaims } | { valid: false; reason: 'MALFORMED' | 'PURPOSE' };

/**
 * What a token says, WITHOUT checking its signature or expiry: for tests that look
 * inside a notice's link. Decisions use `verifyNotMeToken`.
 */
export function decodeNotMeToken(token: string): Decoded {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[\w-]+$/.test(parts[1]) || !/^[\w-]+$/.test(parts[2])) return { valid: false, reason: 'MALFORMED' };
  if (parts[0] === 'v2') {
    const claims = unpackV2(Buffer.from(parts[1], 'base64url'));
    return claims ? { valid: true, claims } : { valid: false, reason: 'MALFORMED' };
  }
  if (parts[0] !== 'v1') return { valid: false, reason: 'MALFORMED' };
  let body: { p?: unknown; lid?: unknown; uid?: unknown; exp?: unknown; jti?: unknown; ev?: unknown; at?: unknown; cid?: unknown };
  try {
    body = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'MALFORMED' };
  }
  // `null`, a number or a string is valid JSON too, and has no fields to read.
  if (typeof body !== 'object' || body === null) return { valid: false, reason: 'MALFORMED' };
  if (body.p !== PURPOSE) return { valid: false, reason: 'PURPOSE' };
  if (typeof body.lid !== 'string' || typeof body.uid !== 'string' || typeof body.exp !== 'number' || typeof body.jti !== 'string') return { valid: false, reason: 'MALFORMED' };
  let event: NotMeEvent | undefined;
  if (body.ev !== undefined) {
    if (typeof body.ev !== 'string' || !EVENT_KINDS.includes(body.ev) || typeof body.at !== 'number' || (body.cid !== undefined && typeof body.cid !== 'string')) return { valid: false, reason: 'MALFORMED' };
    event = { kind: body.ev as NotMeEventKind, at: body.at, ...(typeof body.cid === 'string' ? { chargeId: body.cid } : {}) };
  }
  return { valid: true, claims: { linkId: body.lid, userId: body.uid, expiresAt: body.exp, tokenId: body.jti, ...(event ? { event } : {}) } };
}

export function verifyNotMeToken(key: string, token: string, nowSeconds: number): NotMeCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || (parts[0] !== 'v1' && parts[0] !== 'v2') || !/^[\w-]+$/.test(parts[1]) || !/^[\w-]+$/.test(parts[2])) return { valid: false, reason: 'MALFORMED' };
  // The signature first: nothing of an unsigned payload is parsed.
  const expected = parts[0] === 'v2' ? mac2(key, parts[1]) : mac(key, parts[1]);
  const given = Buffer.from(parts[2], 'base64url');
  // Canonical base64url only: the spare low bits of the last character cannot make a second spelling of one token.
  if (given.length !== expected.length || given.toString('base64url') !== parts[2] || !timingSafeEqual(given, expected)) return { valid: false, reason: 'SIGNATURE' };
  const decoded = decodeNotMeToken(token);
  if (!decoded.valid) return decoded;
  if (nowSeconds >= decoded.claims.expiresAt) return { valid: false, reason: 'EXPIRED' };
  return decoded;
}
