import type { AuditEntry } from '../domain/audit';
import type { Claim, NotMeReport } from '../domain/claim';
import type { ListEntry } from '../domain/lists';

/**
 * The in-memory stores' one shared state: the service tests' stand-in for the table.
 *
 * Every in-memory store reads and writes this one object, so a use case that touches
 * several areas (a credit checks the wallet, the link and the bank's switch) sees them
 * all, as the DynamoDB implementations see one table. A store method is atomic the way a
 * DynamoDB transaction is: it checks every condition first and then changes the maps,
 * with no `await` in between (JavaScript runs it to the end without interleaving).
 * Records are stored as copies (`structuredClone`) so a caller's object never aliases state.
 *
 * Each area adds the maps it owns, keyed as its DynamoDB items are (e.g. `${userId}/${linkId}`).
 */
export class MemoryWorld {
  // Ops (functions/store/claims.memory.ts, staff.memory.ts, lists.memory.ts, audit.memory.ts).
  /** Compensation claims by claimId. */
  claims = new Map<string, Claim>();
  /** Not-me reports by the token's id. */
  notMeReports = new Map<string, NotMeReport>();
  /** Staff e-mails as their sign-in recorded them, by sub. */
  staff = new Map<string, { email: string; signedInAt: string }>();
  /** Deny and review list entries by `${kind}/${key}` (the key `listKey` gives). */
  listEntries = new Map<string, ListEntry>();
  /** The audit trail, oldest first: every area's memory store appends in the step that makes the change. */
  audit: AuditEntry[] = [];

  /** Monotonic ids for items whose DynamoDB key has a random part. */
  private seq = 0;
  nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).padStart(8, '0')}`;
  }
}

/** A copy of a stored record (or undefined), so callers never hold the world's own objects. */
export const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
