import type { AuditEntry } from '../adapters/audit';
import type { AccountClaim, AccountLock, LinkRecord, LinkStatus, Strike } from '../domain/bank-link';
import type { StoredCode } from '../domain/codes';

/** Of two wallets racing for one account, exactly one activation wins; a link that moved meanwhile is STALE. */
export type ActivationResult = 'ACTIVATED' | 'ACCOUNT_TAKEN' | 'STALE';

/**
 * Bank links, the account they claim, the account's locks and the failed attempts counted against
 * wallets, accounts and banks. Every change of a link is audited with it, all or nothing; a move
 * returns false (and changes nothing) when the link is no longer in the state it was read in.
 */
export interface LinkStore {
  getLink(userId: string, linkId: string): Promise<LinkRecord | undefined>;
  listLinks(userId: string): Promise<LinkRecord[]>;
  /** Every link ever made to one bank account, in any wallet (by the account's HMAC). */
  linksOfAccount(accountHash: string): Promise<LinkRecord[]>;
  createLink(link: LinkRecord, audit: AuditEntry): Promise<void>;
  moveLink(link: LinkRecord, to: LinkStatus, now: number, audit: AuditEntry, set?: Partial<LinkRecord>): Promise<boolean>;
  /** The bank authorized the link: it waits for the code sent to the wallet phone, stored with the move. */
  awaitConfirmation(link: LinkRecord, now: number, audit: AuditEntry, set: Partial<LinkRecord>, code: StoredCode): Promise<boolean>;
  /**
   * The link becomes ACTIVE, claims its account, spends its code (`hash`, still live within `maxAttempts`)
   * and records that the wallet holds the account: all in one step.
   */
  activateLink(link: LinkRecord, code: { hash: string; maxAttempts: number }, now: number, audit: AuditEntry): Promise<ActivationResult>;
  /** The link is REMOVED; one that held its account (ACTIVE or SUSPENDED) lets the claim go in the same step. */
  removeLink(link: LinkRecord, now: number, audit: AuditEntry): Promise<boolean>;
  getAccountClaim(accountHash: string): Promise<AccountClaim | undefined>;
  /** The lock in force at `now`, if any. */
  getAccountLock(accountHash: string, now: number): Promise<AccountLock | undefined>;
  lockAccount(accountHash: string, until: number, reason: string, audit: AuditEntry): Promise<void>;
  /** Counts a failure against `subject` (`USER#<id>`, `ACCOUNT#<hash>`, `BANK#<code>#<signal>`), kept `retentionDays`. */
  addStrike(subject: string, now: number, retentionDays: number, details: Record<string, unknown>): Promise<void>;
  strikesSince(subject: string, sinceMs: number): Promise<Strike[]>;
  /** Puts where the counts of failed attempts stand after one more on the audit trail (`audit.details`). */
  noteStrikes(audit: AuditEntry): Promise<void>;
  /** When the account was last ACTIVE on a wallet other than `userId`, if ever (epoch ms). */
  accountLastActiveElsewhere(accountHash: string, userId: string): Promise<number | undefined>;
}
