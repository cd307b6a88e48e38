import type { AuditEntry } from '../domain/audit';
import type { Claim, NotMeReport } from '../domain/claim';
import type { ListEntry } from '../domain/lists';
import type { StoredCode } from '../domain/codes';
import type { EkycResult, EkycSession } from '../domain/ekyc';
import type { DeviceRecord, EmailReservation, UserRecord, WalletRecord } from '../domain/user';
import type { BankEvent, BankEventResult, BankSettings } from '../domain/bank';
import type { AccountClaim, AccountLock, LinkRecord } from '../domain/bank-link';
import type { Activity, ChargeRecord } from '../domain/charge';
import type { WalletEntry } from '../domain/ledger';
import type { RecordedDecision } from '../domain/backtest';
import type { ReviewCase } from '../domain/review';
import type { RulesProposal, RulesVersionRecord } from '../domain/rules-proposal';

/** An email's claim: the reservation of the sign-up holding it, made final by the `userId` it registered. */
export type EmailClaim = Partial<EmailReservation> & { userId?: string };

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
  // Identity (functions/store/users.memory.ts, codes.memory.ts, ekyc.memory.ts, sms-limits.memory.ts).
  /** Profiles by userId. */
  users = new Map<string, UserRecord>();
  /** Wallet balance records by userId (the ledger's credits and debits change `balance` and `version`). */
  wallets = new Map<string, WalletRecord>();
  /** Email claims by lower-case email: a sign-up's reservation until `userId` makes it final. */
  emails = new Map<string, EmailClaim>();
  /** A wallet's devices by `${userId}/${deviceHash}`. */
  devices = new Map<string, DeviceRecord>();
  /** Each device's last use by each wallet: deviceHash → userId → epoch ms. */
  deviceWallets = new Map<string, Map<string, number>>();
  /** Phone and link codes by `phone/${userId}` and `link/${linkId}` (a charge's code is on the charge). */
  codes = new Map<string, StoredCode>();
  ekycSessions = new Map<string, EkycSession>();
  /** Provider events seen, by eventId (a replay changes nothing). */
  ekycEvents = new Map<string, { sessionId: string; result: EkycResult; receivedAt: string }>();
  /** SMS sends counted by `${scope}#${subjectHash}#${windowStart}`. */
  smsCounters = new Map<string, number>();
  // links and banks (functions/store/links.memory.ts, banks.memory.ts)
  /** Bank links, keyed `${userId}/${linkId}`. */
  links = new Map<string, LinkRecord>();
  /** The one link holding each bank account (ACTIVE or SUSPENDED), by account hash. */
  accountClaims = new Map<string, AccountClaim & { bankCode: string; since: string }>();
  /** Accounts closed to new links, by account hash (a lock past its `until` no longer counts). */
  accountLocks = new Map<string, AccountLock>();
  /** When each wallet last held an account ACTIVE (epoch ms): account hash → userId → ms. */
  accountWallets = new Map<string, Map<string, number>>();
  /** Failed link attempts and breaker signals by subject (`USER#id`, `ACCOUNT#hash`, `BANK#code#signal`), oldest first. */
  strikes = new Map<string, ({ at: string; userId?: string } & Record<string, unknown>)[]>();
  /** Bank settings by bank code. */
  banks = new Map<string, BankSettings>();
  /** Bank events by `${bankCode}/${eventId}`, with their result once applied to the end. */
  bankEvents = new Map<string, { event: BankEvent; receivedAt: string; result?: BankEventResult }>();
  /** The audit trail, oldest first: every area's memory store appends in the step that makes the change. */
  audit: AuditEntry[] = [];

  // reviews and rules (functions/store/reviews.memory.ts, rules.memory.ts)
  /** Review cases by caseId. */
  cases = new Map<string, ReviewCase>();
  /** The rule set in force (absent: version 1, the defaults) and every version activated, by number. */
  activeRules?: RulesVersionRecord;
  rulesVersions = new Map<number, RulesVersionRecord>();
  /** Rules proposals by proposalId. */
  rulesProposals = new Map<string, RulesProposal>();
  /** What each charge decision was decided on, by `${at}#${chargeId}` (its sort key). */
  decisionRecords = new Map<string, RecordedDecision>();
  // charges and the ledger (functions/store/charges.memory.ts)
  /** Charges by `${userId}/${chargeId}` (a review decision moves its charge too). */
  charges = new Map<string, ChargeRecord>();
  /** When the sweeper should look at an open charge next (its `gsi1sk`), by `${userId}/${chargeId}`; absent once it ended. */
  chargeSweepAt = new Map<string, string>();
  /** Each wallet's activity window, by userId (credited debits already folded into `links`). */
  activity = new Map<string, Activity>();
  /** The ledger's journal entries, by `${userId}/${createdAt}#${entryId}` (their sort key's order). */
  entries = new Map<string, WalletEntry>();

  /** Monotonic ids for items whose DynamoDB key has a random part. */
  private seq = 0;
  nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).padStart(8, '0')}`;
  }
}

/** A copy of a stored record (or undefined), so callers never hold the world's own objects. */
export const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
