/**
 * The one DynamoDB table and its access patterns, declared once. The CDK data
 * construct and the local runtime both create the table from this declaration,
 * and the repositories build their keys with the helpers below.
 */
export const TABLE = {
  logicalName: 'WalletTable',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: [
    /** Queues and lookups by a second key: open reviews by due time, links by account, users by email. */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /** Charges by id alone (ops compensation names charges, not users): keys only, written once per charge. */
    { name: 'gsi2', partitionKey: 'gsi2pk', projection: 'KEYS_ONLY' },
  ] as ReadonlyArray<{ name: string; partitionKey: string; sortKey?: string; projection: 'ALL' | 'KEYS_ONLY' }>,
} as const;

/** Key builders: every item's identity in one place, named by its access pattern. */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  wallet: (userId: string) => ({ pk: `USER#${userId}`, sk: 'WALLET' }),
  email: (email: string) => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'EMAIL' }),
  phoneCode: (userId: string) => ({ pk: `USER#${userId}`, sk: 'CODE#PHONE' }),
  device: (userId: string, deviceHash: string) => ({ pk: `USER#${userId}`, sk: `DEVICE#${deviceHash}` }),
  ekycSession: (sessionId: string) => ({ pk: `EKYC#${sessionId}`, sk: 'SESSION' }),
  ekycEvent: (eventId: string) => ({ pk: `EKYCEVENT#${eventId}`, sk: 'EVENT' }),
  link: (userId: string, linkId: string) => ({ pk: `USER#${userId}`, sk: `LINK#${linkId}` }),
  linkPrefix: 'LINK#',
  linkCode: (linkId: string) => ({ pk: `LINK#${linkId}`, sk: 'CODE' }),
  /** At most one wallet holds an account ACTIVE: this item is its claim, written with a condition. */
  accountClaim: (accountHash: string) => ({ pk: `ACCOUNT#${accountHash}`, sk: 'ACTIVE' }),
  accountLock: (accountHash: string) => ({ pk: `ACCOUNT#${accountHash}`, sk: 'LOCK' }),
  /** When each wallet last held the account ACTIVE (one attribute per wallet): read by key at every charge. */
  accountWallets: (accountHash: string) => ({ pk: `ACCOUNT#${accountHash}`, sk: 'WALLETS' }),
  /** When each wallet last used a device (one attribute per wallet): read by key at every charge. */
  deviceWallets: (deviceHash: string) => ({ pk: `DEVICE#${deviceHash}`, sk: 'WALLETS' }),
  strikePartition: (subject: string) => `STRIKE#${subject}`,
  strike: (subject: string, at: string, id: string) => ({ pk: `STRIKE#${subject}`, sk: `${at}#${id}` }),
  charge: (userId: string, chargeId: string) => ({ pk: `USER#${userId}`, sk: `CHARGE#${chargeId}` }),
  chargePrefix: 'CHARGE#',
  /**
   * Sparse index of charges that are not final yet (the sweeper's work queue), spread over
   * 16 shards by the first hex digit of the charge id so no one partition key takes every write.
   */
  openChargesShard: (chargeId: string) => `CHARGE#OPEN#${chargeId.charAt(4) || '0'}`,
  // `CHARGE#OPEN` is the unsharded key of charges written before the shards: still read, so none is lost.
  openChargesShards: () => [...Array.from({ length: 16 }, (_, i) => `CHARGE#OPEN#${i.toString(16)}`), 'CHARGE#OPEN'],
  activity: (userId: string) => ({ pk: `USER#${userId}`, sk: 'ACTIVITY' }),
  entry: (userId: string, at: string, entryId: string) => ({ pk: `USER#${userId}`, sk: `ENTRY#${at}#${entryId}` }),
  entryPrefix: 'ENTRY#',
  reviewCase: (caseId: string) => ({ pk: `REVIEW#${caseId}`, sk: 'CASE' }),
  openReviewsIndexKey: 'REVIEW#OPEN',
  /** Decided cases stay listable (gsi1, newest first by decision time). */
  closedReviewsIndexKey: 'REVIEW#CLOSED',
  closedClaimsIndexKey: 'CLAIM#CLOSED',
  /** A member of staff as the sign-in saw them: their e-mail, for audit trails and case owners. */
  staff: (sub: string) => ({ pk: `STAFF#${sub}`, sk: 'PROFILE' }),
  /** A list entry, found by its kind and canonical value in one GetItem; all entries under gsi1 `LIST`. */
  listEntry: (kind: string, value: string) => ({ pk: `LIST#${kind}#${value}`, sk: 'ENTRY' }),
  listIndexKey: 'LIST',
  /** Second keys of a wallet (gsi1 on the device item, gsi2 on the profile): related wallets by device, phone, eKYC identity. */
  deviceIndexKey: (deviceHash: string) => `DEVICE#${deviceHash}`,
  phoneIndexKey: (phone: string) => `PHONE#${phone}`,
  identityIndexKey: (canonical: string) => `IDENTITY#${canonical}`,
  claim: (claimId: string) => ({ pk: `CLAIM#${claimId}`, sk: 'CLAIM' }),
  openClaimsIndexKey: 'CLAIM#OPEN',
  notMeReport: (tokenId: string) => ({ pk: `NOTME#${tokenId}`, sk: 'REPORT' }),
  operatorLedger: 'LEDGER#OPERATOR',
  bank: (bankCode: string) => ({ pk: `BANK#${bankCode}`, sk: 'SETTINGS' }),
  /** A copy of one bank's charging switch; every charge step checks one copy (by wallet), so no key takes every charge of a bank. */
  bankChargingSwitch: (bankCode: string, shard: number) => ({ pk: `BANK#${bankCode}#CHARGING#${shard}`, sk: 'SWITCH' }),
  /** SMS sends counted in one window (sign-up and resend limits), TTL'd; `subject` is a hash or ALL. */
  smsCounter: (scope: string, subject: string, windowStart: number) => ({ pk: `SMSLIMIT#${scope}#${subject}`, sk: `WINDOW#${windowStart}` }),
  /** The rule set in force (one GetItem per decision, cached 60 s) and every version ever activated, under one partition. */
  activeRules: { pk: 'RULES', sk: 'ACTIVE' },
  rulesVersion: (version: number) => ({ pk: 'RULES', sk: `VERSION#${String(version).padStart(8, '0')}` }),
  /** A proposed rule set with its backtest; open ones under gsi1 `RULEPROP#OPEN`, decided ones under `RULEPROP#CLOSED`. */
  rulesProposal: (proposalId: string) => ({ pk: `RULEPROP#${proposalId}`, sk: 'PROPOSAL' }),
  openProposalsIndexKey: 'RULEPROP#OPEN',
  closedProposalsIndexKey: 'RULEPROP#CLOSED',
  /**
   * What each charge decision was decided on (facts, list hits, rule version), for the backtest:
   * time-bucketed by UTC day and spread over `decisionShards` partitions by charge id, so 30 days
   * are read with 30 × shards Queries by key (no scan, no index) and no partition takes every write.
   */
  decisionRecord: (at: string, chargeId: string) => ({ pk: `DECISION#${at.slice(0, 10)}#${(parseInt(chargeId.charAt(4), 16) || 0) % 8}`, sk: `${at}#${chargeId}` }),
  decisionPartition: (day: string, shard: number) => `DECISION#${day}#${shard}`,
  decisionShards: 8,
  /** Not-me reports by time (gsi1): the backtest's fraud labels for charges a report cancelled before any debit. */
  notMeReportsIndexKey: 'NOTME#REPORTS',
  audit: (userId: string, at: string, id: string) => ({ pk: `AUDIT#${userId}`, sk: `${at}#${id}` }),
  auditPartition: (userId: string) => `AUDIT#${userId}`,
} as const;

export type Key = { pk: string; sk: string };
