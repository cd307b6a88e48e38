import { normalizeKana } from './kana';
import type { Decision, ReasonCode } from './risk';

/**
 * Deny and review lists (issue 13): pure rules. An entry is found by its kind and a canonical
 * key, so a charge or a link checks each of its four keys with one GetItem.
 */
export type ListKind = 'DEVICE' | 'PHONE' | 'BANK_ACCOUNT' | 'EKYC_IDENTITY';
export type ListAction = 'DENY' | 'REVIEW';

export interface ListHit {
  kind: ListKind;
  action: ListAction;
  reason: string;
  until: string;
}

export const LIST_REASON: Record<ListKind, ReasonCode> = {
  DEVICE: 'LISTED_DEVICE', PHONE: 'LISTED_PHONE', BANK_ACCOUNT: 'LISTED_BANK_ACCOUNT', EKYC_IDENTITY: 'LISTED_EKYC_IDENTITY',
};

/** The canonical eKYC identity: the kana name as the holder match normalizes it, `_`, the birth date (YYYY-MM-DD). */
export const identityValue = (fullNameKana: string, dateOfBirth: string) => `${normalizeKana(fullNameKana)}_${dateOfBirth}`;

/**
 * Checks a value as ops type it and returns its canonical form (before any hashing), or why it is
 * not valid. BANK_ACCOUNT is `bankCode-branchCode-accountNumber`; EKYC_IDENTITY is `<kana>_<YYYY-MM-DD>`.
 */
export function canonicalValue(kind: ListKind, raw: string): { value: string } | { error: string } {
  switch (kind) {
    case 'DEVICE':
      return raw.length >= 1 && raw.length <= 200 ? { value: raw } : { error: 'a device id is 1 to 200 characters' };
    case 'PHONE':
      return /^\+[1-9]\d{7,14}$/.test(raw) ? { value: raw } : { error: 'must be an E.164 phone number such as +819012345678' };
    case 'BANK_ACCOUNT':
      return /^\d{4}-\d{3}-\d{7}$/.test(raw) ? { value: raw } : { error: 'must be bankCode-branchCode-accountNumber (4-3-7 digits)' };
    case 'EKYC_IDENTITY': {
      const m = /^(.+)_(\d{4}-\d{2}-\d{2})$/.exec(raw);
      if (!m || Number.isNaN(Date.parse(m[2]))) return { error: 'must be <kana name>_<YYYY-MM-DD>' };
      const kana = normalizeKana(m[1]);
      if (!/^[\u30A0-\u30FF]+$/.test(kana)) return { error: 'the name must be in kana' };
      return { value: `${kana}_${m[2]}` };
    }
  }
}

/**
 * What list entries do to a risk decision: a DENY entry declines (reason `LISTED_<KIND>`), a REVIEW
 * entry sends an allowed or challenged charge to a human (after its code, like every review). A
 * decision already DENY keeps its own reasons and gains the listed ones.
 */
export function applyListHits(d: Decision, hits: ListHit[]): Decision & { facts?: Record<string, unknown> } {
  if (!hits.length) return d;
  // The facts of a listed reason are the entry itself, stored with the decision for the reviewer.
  const facts = { ...d.facts, ...Object.fromEntries(hits.map((h) => [LIST_REASON[h.kind], { action: h.action, reason: h.reason, until: h.until }])) };
  const deny = hits.filter((h) => h.action === 'DENY').map((h) => LIST_REASON[h.kind]);
  const review = hits.filter((h) => h.action === 'REVIEW').map((h) => LIST_REASON[h.kind]);
  if (deny.length) return { outcome: 'DENY', reasons: d.outcome === 'DENY' ? [...d.reasons, ...deny] : deny, facts };
  if (d.outcome === 'DENY') return d;
  return { outcome: 'REVIEW', reasons: [...review, ...d.reasons.filter((r) => !review.includes(r))], facts };
}

export interface ListEntry {
  kind: ListKind;
  /** What ops typed, canonical; a bank account only masked (its number is stored nowhere in clear). */
  value: string;
  action: ListAction;
  until: string;
  reason: string;
  createdAt: string;
  createdBy: string;
}

/** What a charge or a link is checked against: each key that it has. */
export interface ListProbe {
  deviceId?: string;
  phoneNumber?: string;
  accountHash?: string;
  identity?: { fullNameKana: string; dateOfBirth: string };
}
