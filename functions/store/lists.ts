import type { AuditEntry } from '../domain/audit';
import type { ListEntry, ListHit, ListKind, ListProbe } from '../domain/lists';

/** An entry in force with the key it is stored and matched under (for a sealed reference to it). */
export type KeyedListEntry = ListEntry & { key: string };

/** Deny and review lists: entries by kind and key, each expiring at its `until`. */
export interface ListStore {
  /** The entries in force for a charge's or a link's keys. */
  listHits(probe: ListProbe, now: number): Promise<ListHit[]>;
  /**
   * The key an entry is stored and matched under: bank accounts under the same keyed hash the links
   * use (so the number is never stored), devices under the hash the device items use.
   */
  listKey(kind: ListKind, canonical: string): Promise<string>;
  /** The entries in force at `now`. */
  listEntries(now: number): Promise<KeyedListEntry[]>;
  /** Puts (or replaces) the entry under `key`, with its audit record. */
  putEntry(key: string, entry: ListEntry, audit: AuditEntry): Promise<void>;
  /** Removes the entry with its audit record: false (and nothing written) if there is none. */
  deleteEntry(kind: ListKind, key: string, audit: AuditEntry): Promise<boolean>;
}
