import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../functions/shared/table';
import { chargingSwitchKey } from '../../functions/adapters/banks-repo';
import { itemSize, readUnits, writeUnits } from './item-size';
import { round } from './stats';
import { activityItem } from '../../functions/adapters/charges-repo';
import { encodeDebit } from '../../functions/adapters/activity-codec';
import * as linkStats from '../../functions/domain/link-stats';
import { jstDay } from '../../functions/domain/risk';

export interface BillingRuleUnits {
  charges: number;
  wcuPerCharge: number;
  rcuPerCharge: number;
  wcuByWrite: Record<string, number>;
  itemBytes: Record<string, number>;
  /**
   * The activity item as a wallet ages: one link charged (and debited) 5,000 yen `chargesPerDay`
   * times a day for `days` days (today's in the day-limit window), with one debit record not yet
   * folded; a low-risk charge writes it twice (the reservation and the debit's record), each write
   * billed by the whole item.
   */
  activityGrowth: { days: number; chargesPerDay: number; bytes: number; wcuPerCharge: number; bytesAsMaps: number; wcuPerChargeAsMaps: number }[];
  notes: string[];
}

const DAY = 24 * 3600_000;

/** The activity item of a wallet that charged its one link `perDay` times a day for `days` days, built with the product's own code. */
function agedActivity(sample: { userId: string; chargeId: string; linkId: string }, now: number, days: number, perDay: number, packed: boolean) {
  let stats = linkStats.emptyStats();
  const charge = (at: number) => (stats = linkStats.addDebit(linkStats.addCharge(stats, at, 5_000), at, 5_000));
  for (let d = days - 1; d >= 1; d--) for (let i = 0; i < perDay; i++) charge(now - d * DAY - i * 60_000);
  const recent = Array.from({ length: perDay }, (_, i) => {
    const at = now - i * 60_000;
    charge(at);
    return { chargeId: `${sample.chargeId.slice(0, -4)}${String(i).padStart(4, '0')}`, at, amount: 5_000, day: jstDay(at), linkId: sample.linkId };
  });
  const debit = { linkId: sample.linkId, amount: 5_000, at: now };
  return { ...activityItem(sample.userId, 1_000 + days, { recent, waiting: {}, held: {}, links: { [sample.linkId]: stats } }, packed), [`debit:${sample.chargeId}`]: packed ? encodeDebit(debit) : debit };
}

/**
 * Capacity of the low-risk path by DynamoDB's billing rules, from the real items of
 * charges the API just made: every write is sized from the item it wrote (the charge as
 * created is the completed charge minus what completion added), transactional items
 * count double, index entries are written for the projections the table declares.
 */
export async function billingRuleUnits(dynamoDbUrl: string, tableName: string, sample: { userId: string; chargeId: string }[]): Promise<BillingRuleUnits> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoDbUrl, region: 'ap-northeast-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const get = async (key: { pk: string; sk: string }) => (await client.send(new GetCommand({ TableName: tableName, Key: key }))).Item as Record<string, any> | undefined;
  const totals: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  let reads = 0;
  let n = 0;
  let aged: { userId: string; chargeId: string; linkId: string; now: number } | undefined;
  for (const s of sample) {
    const done = await get(keys.charge(s.userId, s.chargeId));
    if (!done || done.status !== 'COMPLETED') continue;
    const { completedAt, response: _response, bankTransactionId: _btx, ...rest } = done;
    // The charge as the low-risk path creates it: PROCESSING, its first history entry, in the sweeper's queue.
    const created = { ...rest, status: 'PROCESSING', updatedAt: done.createdAt, history: done.history.slice(0, 1), gsi1pk: keys.openChargesShard(s.chargeId), gsi1sk: `${done.createdAt}#${s.chargeId}` };
    const entry = await get(keys.entry(s.userId, completedAt, `ent_${s.chargeId.slice(4)}`));
    const [wallet, activity, user, link, bank] = await Promise.all([
      get(keys.wallet(s.userId)), get(keys.activity(s.userId)), get(keys.user(s.userId)), get(keys.link(s.userId, done.linkId)), get(chargingSwitchKey(done.bankCode, s.userId)),
    ]);
    // The charge stores its device as the hash its records are keyed by (a reviewable charge keeps the id too).
    const device = await get(keys.device(s.userId, done.deviceHash ?? createHash('sha256').update(done.deviceId).digest('hex').slice(0, 32)));
    const decision = await get(keys.decisionRecord(done.createdAt, s.chargeId));
    if (!entry || !wallet || !activity || !user || !link || !bank || !decision) continue;
    n++;
    // Both activity writes are billed by the item with one debit record not yet folded: the reservation
    // replaces an item that holds the previous charge's, the debit's record adds this charge's.
    const withoutDebits = Object.fromEntries(Object.entries(activity).filter(([k]) => !k.startsWith('debit:')));
    const size = {
      activity: itemSize(withoutDebits), chargeCreated: itemSize(created), chargeCompleted: itemSize(done), wallet: itemSize(wallet), entry: itemSize(entry),
      chargeIdIndexEntry: itemSize({ pk: done.pk, sk: done.sk, gsi2pk: done.gsi2pk ?? s.chargeId }),
      decision: itemSize(decision),
      // The debit's record on the activity item (`debit:<chargeId>` = {linkId, amount, at}), until the next window write folds it.
      activityWithDebit: itemSize({ ...withoutDebits, [`debit:${s.chargeId}`]: encodeDebit({ linkId: done.linkId, amount: done.amount, at: Date.parse(completedAt) }) }),
    };
    for (const [k, v] of Object.entries(size)) bytes[k] = (bytes[k] ?? 0) + v;
    aged ??= { userId: s.userId, chargeId: s.chargeId, linkId: done.linkId as string, now: Date.parse(completedAt) };
    const writes = {
      'saveActivity (PutItem ACTIVITY: the day-limit reservation)': writeUnits(size.activityWithDebit),
      'recordDecision (PutItem DECISION: the backtest\'s record)': writeUnits(size.decision),
      'createCharge (PutItem CHARGE, no ConditionChecks: the controls are read after it)': writeUnits(size.chargeCreated),
      // Index entries are not part of the transaction's two-phase write: DynamoDB propagates a
      // transaction's changes to global secondary indexes after it completes (Developer Guide,
      // "Amazon DynamoDB Transactions: How it works"), so each index write is a standard one.
      'createCharge gsi1 (the sweeper\'s queue, ALL)': writeUnits(size.chargeCreated),
      'createCharge gsi2 (charge id, KEYS_ONLY)': writeUnits(size.chargeIdIndexEntry),
      'creditWallet wallet (transactional; the wallet and link controls are its conditions)': 2 * writeUnits(size.wallet),
      'creditWallet entry (transactional)': 2 * writeUnits(size.entry),
      'creditWallet charge (transactional)': 2 * writeUnits(Math.max(size.chargeCreated, size.chargeCompleted)),
      'creditWallet bank switch (transactional ConditionCheck on the wallet\'s copy)': 2,
      'creditWallet gsi1 delete (leaves the sweeper\'s queue)': writeUnits(size.chargeCreated),
      'recordDebit (UpdateItem ACTIVITY: the link history learns of the debit)': writeUnits(size.activityWithDebit),
    };
    for (const [k, v] of Object.entries(writes)) totals[k] = (totals[k] ?? 0) + v;
    reads +=
      readUnits(0, true) + // the charge, not there yet
      readUnits(itemSize(user), false) + readUnits(size.wallet, false) + readUnits(itemSize(link), true) +
      readUnits(itemSize(bank), true) + readUnits(device ? itemSize(device) : 0, false) + readUnits(0, true) + // strikes: none
      4 * readUnits(0, false) + // list entries (device, phone, bank account, eKYC identity): none
      readUnits(size.activity, true) +
      // The controls after the charge is written (wallet, link, the wallet's copy of the bank switch).
      readUnits(itemSize(user), true) + readUnits(itemSize(link), true) + readUnits(itemSize(bank), true);
    // No second wallet read: the credit takes the balance the create read as its hint and
    // reads the wallet again only when that conditional update loses a race.
  }
  const per = (v: number) => round(v / Math.max(1, n), 3);
  return {
    charges: n,
    wcuPerCharge: per(Object.values(totals).reduce((a, b) => a + b, 0)),
    rcuPerCharge: per(reads),
    wcuByWrite: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, per(v)])),
    itemBytes: Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, Math.round(v / Math.max(1, n))])),
    activityGrowth: !aged
      ? []
      : [1, 2, 12].flatMap((chargesPerDay) =>
          [1, 30, 90, 180].map((days) => {
            const b = itemSize(agedActivity(aged!, aged!.now, days, chargesPerDay, true));
            const maps = itemSize(agedActivity(aged!, aged!.now, days, chargesPerDay, false));
            return { days, chargesPerDay, bytes: b, wcuPerCharge: 2 * writeUnits(b), bytesAsMaps: maps, wcuPerChargeAsMaps: 2 * writeUnits(maps) };
          }),
        ),
    notes: [
      'Sizes follow the Developer Guide (names + values; numbers ~1 byte per 2 digits + 1; lists and maps 3 bytes + 1 per element).',
      'A write costs 1 unit per started KB of the larger of the item before and after; transactional writes cost double, a ConditionCheck 2 write units (measured against DynamoDB: paritysuite/dynamodb-conformance#67).',
      'Index writes are standard writes even when the table write is transactional (a transaction\'s changes reach the indexes after it completes); DynamoDB Local reports them double. The gsi1 removal of a completed charge is one index delete of the entry\'s size.',
      'Reads: 1 unit per started 4 KB strongly consistent, half eventually consistent, at least that for a read that finds nothing.',
      'Device writes are not in this table: a new device\'s record, and its stamp across wallets (at most once a day per wallet and device, 1 unit) — the stack\'s write report counts them as they happen (UpdateItem DEVICE, UpdateItem WALLETS).',
    ],
  };
}
