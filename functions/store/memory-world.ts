import type { BankSettings } from '../adapters/banks-repo';
import type { LinkRecord } from '../adapters/links-repo';
import type { UserRecord, WalletRecord } from '../adapters/users-repo';
import type { Activity, ChargeRecord } from '../domain/charge';
import type { WalletEntry } from '../domain/ledger';

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
  /** The charges store (functions/store/charges.memory.ts): charges by `${userId}/${chargeId}`. */
  charges = new Map<string, ChargeRecord>();
  /** When the sweeper should look at an open charge next (its `gsi1sk`), by `${userId}/${chargeId}`; absent once it ended. */
  chargeSweepAt = new Map<string, string>();
  /** Each wallet's activity window, by userId (credited debits already folded into `links`). */
  activity = new Map<string, Activity>();
  /** The ledger's journal entries, by `${userId}/${createdAt}#${entryId}` (their sort key's order). */
  entries = new Map<string, WalletEntry>();
  /** Read by the charges' controls and credit; owned by the identity and links areas. */
  users = new Map<string, UserRecord>();
  wallets = new Map<string, WalletRecord>();
  /** The wallet's devices by `${userId}/${deviceHash}`: a confirmed charge code trusts its device. */
  devices = new Map<string, { trustedAt?: string; firstSeenAt?: string; yenMoved?: number }>();
  links = new Map<string, LinkRecord>();
  banks = new Map<string, BankSettings>();

  /** Monotonic ids for items whose DynamoDB key has a random part. */
  private seq = 0;
  nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).padStart(8, '0')}`;
  }
}

/** A copy of a stored record (or undefined), so callers never hold the world's own objects. */
export const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
