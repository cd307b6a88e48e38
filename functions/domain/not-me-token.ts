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

export function signNotMeToken(key: string, claims: NotMeClaims): string {
  const ev = claims.event ? { ev: claims.event.kind, at: claims.event.at, ...(claims.event.chargeId ? { cid: claims.event.chargeId } : {}) } : {};
  const payload = Buffer.from(JSON.stringify({ p: PURPOSE, lid: claims.linkId, uid: claims.userId, exp: claims.expiresAt, jti: claims.tokenId, ...ev })).toString('base64url');
  return `v1.${payload}.${mac(key, payload).toString('base64url')}`;
}

export type NotMeCheck = { valid: true; claims: NotMeClaims } | { valid: false; reason: 'MALFORMED' | 'SIGNATURE' | 'EXPIRED' | 'PURPOSE' };

export function verifyNotMeToken(key: string, token: string, nowSeconds: number): NotMeCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || !/^[\w-]+$/.test(parts[1]) || !/^[\w-]+$/.test(parts[2])) return { valid: false, reason: 'MALFORMED' };
  const expected = mac(key, parts[1]);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'SIGNATURE' };
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
  if (nowSeconds >= body.exp) return { valid: false, reason: 'EXPIRED' };
  return { valid: true, claims: { linkId: body.lid, userId: body.uid, expiresAt: body.exp, tokenId: body.jti, ...(event ? { event } : {}) } };
}
