import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { ListKind } from './lists';

/**
 * A sealed list reference: how the console lists "this bank account / phone / identity" of a case,
 * and removes an entry it read from GET /v1/ops/lists, without ever holding the value itself. The
 * service knows only a keyed hash of a bank account (never its number), and ops see phones masked
 * and no birth dates; so the API hands out the entry's storage key sealed (AES-256-GCM, the kind as
 * associated data) and accepts the sealed form back in place of a raw value. A reference opens only
 * with the service's key and only for its own kind; it says nothing to whoever holds it.
 */
export interface ListRef {
  /** The key the entry is stored and matched under (what `listKey` gives for a raw value). */
  key: string;
  /** What people read, when it cannot be derived from the key (a bank account: bank, branch, masked number). */
  shown?: string;
}

/** Sealed references start with `~`, which no phone (`+`), bank account (digits) or kana identity can. */
export const LIST_REF_PREFIX = '~';

/** The two keys derived from the account key, once per key (a queue seals three references per case). */
const derived = new Map<string, { enc: Buffer; iv: Buffer }>();
function keysOf(accountKey: string) {
  let k = derived.get(accountKey);
  if (!k) {
    k = { enc: Buffer.from(hkdfSync('sha256', accountKey, 'anshin-wallet', 'list-refs', 32)), iv: Buffer.from(hkdfSync('sha256', accountKey, 'anshin-wallet', 'list-ref-ivs', 32)) };
    derived.set(accountKey, k);
  }
  return k;
}
const refKey = (accountKey: string) => keysOf(accountKey).enc;
const ivKey = (accountKey: string) => keysOf(accountKey).iv;

/**
 * Deterministic (a synthetic IV: a keyed hash of kind and content, as in AES-SIV): one value always
 * seals to one reference, so a read stays a read (the same queue answers the same bytes) and a GCM
 * nonce repeats only with the very same plaintext. What it lets a holder learn is that two
 * references stand for the same value, which the case's related wallets already say.
 */
export function sealListRef(accountKey: string, kind: ListKind, ref: ListRef): string {
  const plain = JSON.stringify(ref.shown === undefined ? [ref.key] : [ref.key, ref.shown]);
  const iv = createHmac('sha256', ivKey(accountKey)).update(`${kind}\0${plain}`).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', refKey(accountKey), iv);
  cipher.setAAD(Buffer.from(kind));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return LIST_REF_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The reference's key and shown value, or undefined when it is not one this service sealed for `kind`. */
export function openListRef(accountKey: string, kind: ListKind, value: string): ListRef | undefined {
  if (!value.startsWith(LIST_REF_PREFIX)) return undefined;
  const raw = Buffer.from(value.slice(LIST_REF_PREFIX.length), 'base64url');
  if (raw.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', refKey(accountKey), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(kind));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const [key, shown] = JSON.parse(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8')) as [unknown, unknown];
    if (typeof key !== 'string' || (shown !== undefined && typeof shown !== 'string')) return undefined;
    return shown === undefined ? { key } : { key, shown };
  } catch {
    return undefined;
  }
}
