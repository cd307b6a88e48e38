import { maskAccount } from '../domain/bank-link';
import { LIST_REF_PREFIX, openListRef, sealListRef } from '../domain/list-ref';
import { canonicalValue, type ListAction, type ListEntry, type ListKind } from '../domain/lists';
import { LIST_POLICY } from '../domain/policy';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/caller';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import { stores } from '../store';

/** The audit subject of every list change. */
const LISTS_AUDIT_SUBJECT = 'lists';

const invalidValue = (message: string) =>
  new DomainError('VALIDATION_ERROR', 'The list value is not valid', { issues: [{ in: 'path', path: 'value', message }] });

/**
 * Values are checked and made canonical here; a bank account is kept only as its keyed hash
 * and masked. A sealed reference (a case's `context.listRefs`, an entry's `ref`) stands for a value
 * the console never holds: a bank account's number, a full phone number, a birth date.
 */
async function listValue(kind: ListKind, value: string) {
  const { accountKey } = await ports().secrets();
  const sealed = openListRef(accountKey, kind, value);
  if (sealed) return { key: sealed.key, shown: sealed.shown ?? shownOfKey(kind, sealed.key) };
  if (kind !== 'DEVICE' && value.startsWith(LIST_REF_PREFIX)) throw invalidValue(`not a ${kind} reference this service issued`);
  // A phone's `+` or a kana name arrives percent-encoded if the gateway passed the path raw; only a
  // device id may contain a literal `%`, so the others are decoded once more when they still look encoded.
  let raw = value;
  if (kind !== 'DEVICE' && raw.includes('%')) {
    try {
      raw = decodeURIComponent(raw);
    } catch {
      /* not encoded after all: validated as it is */
    }
  }
  const canonical = canonicalValue(kind, raw);
  if ('error' in canonical) throw invalidValue(canonical.error);
  const key = await stores().lists.listKey(kind, canonical.value);
  // Masked as the links mask it (last three digits), so an entry and a link together never show more.
  const shown = kind === 'BANK_ACCOUNT' ? canonical.value.replace(/-(\d{7})$/, (_, n: string) => `-${maskAccount(n)}`) : canonical.value;
  return { key, shown };
}

/** What a sealed phone or identity shows: the phone masked, the identity without its birth date. */
function shownOfKey(kind: ListKind, key: string): string {
  if (kind === 'PHONE') return maskTail(key);
  if (kind === 'EKYC_IDENTITY') return key.replace(/_\d{4}-\d{2}-\d{2}$/, '_****-**-**');
  return kind === 'BANK_ACCOUNT' ? '****' : key;
}

/** The entries in force, each with the `ref` that removes it (DELETE) whatever its kind: a device by its id, the others sealed. */
export async function listsInForce(): Promise<(ListEntry & { ref: string })[]> {
  const [items, { accountKey }] = await Promise.all([stores().lists.listEntries(ports().clock.now()), ports().secrets()]);
  items.sort((a, b) => a.kind.localeCompare(b.kind) || a.value.localeCompare(b.value));
  return items.map((e) => ({
    ...entryOf(e),
    ref: e.kind === 'DEVICE' ? e.value : sealListRef(accountKey, e.kind, e.kind === 'BANK_ACCOUNT' ? { key: e.key, shown: e.value } : { key: e.key }),
  }));
}

/** An entry's own fields, without what it is stored under. */
const entryOf = (e: ListEntry): ListEntry => ({
  kind: e.kind,
  value: e.value,
  action: e.action,
  until: e.until,
  reason: e.reason,
  createdAt: e.createdAt,
  createdBy: e.createdBy,
});

export interface ListEntryInput {
  kind: ListKind;
  value: string;
  action: ListAction;
  until: string;
  reason: string;
  caller: Caller;
}

/** Lists a value until a time (at most LIST_POLICY.maxDays ahead), audited. */
export async function putListEntry(input: ListEntryInput): Promise<ListEntry> {
  const now = ports().clock.now();
  const until = Date.parse(input.until);
  if (until <= now || until > now + LIST_POLICY.maxDays * 86_400_000) {
    throw new DomainError('VALIDATION_ERROR', 'until must be in the future', {
      issues: [{ in: 'body', path: 'until', message: `must be after now and within ${LIST_POLICY.maxDays} days` }],
    });
  }
  const { key, shown } = await listValue(input.kind, input.value);
  const actor = (await stores().staff.staffOf(input)).actor;
  const entry: ListEntry = {
    kind: input.kind,
    value: shown,
    action: input.action,
    until: new Date(until).toISOString(),
    reason: input.reason,
    createdAt: new Date(now).toISOString(),
    createdBy: actor,
  };
  await stores().lists.putEntry(key, entry, {
    userId: LISTS_AUDIT_SUBJECT,
    actor,
    action: 'LIST_ENTRY_PUT',
    reason: input.reason,
    details: { kind: entry.kind, value: shown, action: entry.action, until: entry.until },
    at: now,
  });
  return entry;
}

/** Removes an entry (by value or by its `ref`), audited; NOT_FOUND if there is none. */
export async function deleteListEntry(input: { kind: ListKind; value: string; caller: Caller }): Promise<void> {
  const now = ports().clock.now();
  const { key, shown } = await listValue(input.kind, input.value);
  const actor = (await stores().staff.staffOf(input)).actor;
  const removed = await stores().lists.deleteEntry(input.kind, key, {
    userId: LISTS_AUDIT_SUBJECT,
    actor,
    action: 'LIST_ENTRY_DELETED',
    details: { kind: input.kind, value: shown },
    at: now,
  });
  if (!removed) throw new DomainError('NOT_FOUND', 'No such list entry');
}
