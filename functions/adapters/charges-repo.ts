import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Activity, ChargeRecord, ChargeStatus, GuardedResult, GuardReason, StoredResponse } from '../domain/charge';
import { GUARD_REASONS, isFinal, UNSUCCESSFUL, windowAfterEnd, windowWithout } from '../domain/charge';
import type { JournalEntry, WalletEntry } from '../domain/ledger';
import { CHARGE_TIMEOUTS, LIMITS } from '../domain/policy';
import { addDebit, emptyStats, pruneStats, type LinkStats } from '../domain/link-stats';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { logger } from '../shared/logger';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { chargingSwitchKey } from './banks-repo';
import { trustedDeviceItem } from './users-repo';
import { invalidCursor, type ChargesStore } from '../store/charges';
import { cancellationReasons, ddb, isConditionFailure } from './dynamo';
import { transact } from './dynamo';
import { decodeDebit, decodeLinkStats, decodeRecent, encodeDebit, encodeLinkStats, encodeRecent, type DebitRecord } from './activity-codec';


const table = () => config().tableName;

export async function getCharge(userId: string, chargeId: string): Promise<ChargeRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.charge(userId, chargeId), ConsistentRead: true }));
  return out.Item as ChargeRecord | undefined;
}

export async function getActivity(userId: string): Promise<Activity> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.activity(userId), ConsistentRead: true }));
  const item = out.Item as ({ version: number; recent?: Parameters<typeof decodeRecent>[0]; links?: Record<string, Parameters<typeof decodeLinkStats>[0]> } & Record<string, unknown>) | undefined;
  if (!item) return { version: 0, recent: [], waiting: {}, held: {}, links: {} };
  const prefixed = (prefix: string) => Object.fromEntries(
    Object.entries(item).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]),
  );
  const links: Record<string, LinkStats> = Object.fromEntries(Object.entries(item.links ?? {}).map(([linkId, stored]) => [linkId, decodeLinkStats(stored)]));
  for (const stored of Object.values(prefixed(DEBIT_PREFIX)) as Parameters<typeof decodeDebit>[0][]) {
    const d = decodeDebit(stored);
    links[d.linkId] = addDebit(links[d.linkId] ?? emptyStats(), d.at, d.amount);
  }
  return {
    version: item.version ?? 0, recent: decodeRecent(item.recent),
    waiting: prefixed(WAITING_PREFIX) as Record<string, number>, held: prefixed(HELD_PREFIX) as Record<string, number>, links,
  };
}

/**
 * Each waiting charge is a top-level attribute of the activity item (`waiting:<chargeId>` = when
 * it was created), not an entry of one map: removing one is then a plain REMOVE, which is a no-op
 * when it is absent, whatever the item looked like before (no document path to be missing).
 */
const WAITING_PREFIX = 'waiting:';
const HELD_PREFIX = 'held:';
const DEBIT_PREFIX = 'debit:';

/** Whether this deployment writes the compact activity item (it reads both forms either way). */
const compact = () => config().activityItemFormat === 'compact';

/** The activity item as a window write stores it (exported for the benchmark's item sizes). */
export const activityItem = (userId: string, version: number, next: Omit<Activity, 'version'>, packed = compact()) => ({
  ...keys.activity(userId), type: 'ACTIVITY', version, recent: packed ? encodeRecent(next.recent) : next.recent,
  ...Object.fromEntries(Object.entries(next.waiting).map(([chargeId, at]) => [`${WAITING_PREFIX}${chargeId}`, at])),
  ...Object.fromEntries(Object.entries(next.held).map(([chargeId, amount]) => [`${HELD_PREFIX}${chargeId}`, amount])),
  // Folded debits are written into `links`; the Put replaces the item, so their records go with it.
  links: Object.fromEntries(Object.entries(next.links).map(([linkId, stats]) => [linkId, packed ? encodeLinkStats(pruneStats(stats)) : pruneStats(stats)])),
});

function activityWrite(userId: string, previousVersion: number, next: Omit<Activity, 'version'>): TransactItem & { Put: NonNullable<TransactItem['Put']> } {
  return {
    Put: {
      TableName: table(),
      Item: activityItem(userId, previousVersion + 1, next),
      ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
      ExpressionAttributeValues: previousVersion === 0 ? undefined : { ':v': previousVersion },
    },
  };
}

/** Optimistic write of the activity window; false if another request changed it first. */
export async function saveActivity(userId: string, previous: Activity, next: Omit<Activity, 'version'>): Promise<boolean> {
  try {
    await ddb().send(new PutCommand(activityWrite(userId, previous.version, next).Put));
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * The sweeper's queue: open charges, spread over shards by id (no hot partition key), sorted
 * by when the sweeper should next look at them. A move schedules a look after the stuck
 * threshold; a charge found healthy (waiting for a person with its execution alive) is
 * rescheduled to its deadline, so charges parked for a human never crowd out stuck ones.
 */
const sweepAt = (dueMs: number, chargeId: string) => `${new Date(dueMs).toISOString()}#${chargeId}`;
const openIndex = (status: ChargeStatus, atMs: number, chargeId: string) =>
  isFinal(status) ? {} : { gsi1pk: keys.openChargesShard(chargeId), gsi1sk: sweepAt(atMs + CHARGE_TIMEOUTS.stuckAfterSeconds * 1000, chargeId) };

/** A held charge is due for the sweeper when its hold ends, not after the stuck threshold. */
const heldIndex = (c: Pick<ChargeRecord, 'status' | 'availableAt' | 'chargeId'>) =>
  c.status === 'PENDING_HOLD' && c.availableAt ? { gsi1sk: sweepAt(Date.parse(c.availableAt), c.chargeId) } : {};

/**
 * The controls a charge must pass at every step toward money, in GUARD_REASONS order: the item and
 * the attribute value that must hold. Both the ConditionChecks and the consistent read come from it.
 */
function controls(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): { reason: GuardReason; Key: Record<string, string>; attribute: string; holds: unknown }[] {
  return [
    { reason: 'WALLET_FROZEN', Key: keys.user(c.userId), attribute: 'status', holds: 'ACTIVE' },
    { reason: 'LINK_NOT_ACTIVE', Key: keys.link(c.userId, c.linkId), attribute: 'status', holds: 'ACTIVE' },
    { reason: 'BANK_SUSPENDED', Key: chargingSwitchKey(c.bankCode, c.userId), attribute: 'chargingEnabled', holds: true },
  ];
}

/**
 * The controls as ConditionChecks for a step's own transaction. Order matters: `guardFailure` names
 * the control by its position (GUARD_REASONS).
 */
export function guardItems(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): TransactItem[] {
  return controls(c).map(({ Key, attribute, holds }) => ({
    ConditionCheck: { TableName: table(), Key, ConditionExpression: '#a = :v', ExpressionAttributeNames: { '#a': attribute }, ExpressionAttributeValues: { ':v': holds } },
  }));
}

/** The controls as they stand now, read strongly consistent; the first that fails (in GUARD_REASONS order). */
export async function checkControls(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): Promise<GuardReason | undefined> {
  const all = controls(c);
  const items = await Promise.all(all.map(({ Key }) => ddb().send(new GetCommand({ TableName: table(), Key, ConsistentRead: true })).then((out) => out.Item)));
  return all.find(({ attribute, holds }, i) => items[i]?.[attribute] !== holds)?.reason;
}

/** Which control failed in a cancelled transaction whose guard items start at `offset`. */
export function guardFailure(error: unknown, offset: number): GuardReason | undefined {
  const reasons = cancellationReasons(error);
  if (!reasons) return undefined;
  const i = GUARD_REASONS.findIndex((_, k) => reasons[offset + k] === 'ConditionalCheckFailed');
  return i >= 0 ? GUARD_REASONS[i] : undefined;
}

/** Runs a step with its guard appended: OK, STALE (the step's own condition lost a race), or the failed control. */
export async function transactGuarded(items: TransactItem[], charge: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): Promise<GuardedResult> {
  try {
    await transact([...items, ...guardItems(charge)]);
    return 'OK';
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (!reasons) throw e;
    if (reasons.slice(0, items.length).some((r) => r === 'ConditionalCheckFailed')) return 'STALE';
    const guard = guardFailure(e, items.length);
    if (guard) return guard;
    throw e;
  }
}

/**
 * Creates the charge unless one exists for this key already (EXISTS: the caller replays).
 * A charge that may move money is created only while its controls hold (`guarded`), in
 * the same transaction: a charge racing a freeze is either seen by the freeze or refused.
 */
export async function createCharge(charge: ChargeRecord, guarded = true): Promise<'CREATED' | 'EXISTS' | GuardReason> {
  const put = {
    TableName: table(),
    Item: { ...keys.charge(charge.userId, charge.chargeId), type: 'CHARGE', gsi2pk: charge.chargeId, ...openIndex(charge.status, Date.parse(charge.updatedAt), charge.chargeId), ...heldIndex(charge), ...charge },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
  try {
    if (guarded) await ddb().send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...guardItems(charge)] }));
    else await ddb().send(new PutCommand(put));
    return 'CREATED';
  } catch (e) {
    if (isConditionFailure(e) || cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return 'EXISTS';
    const guard = guardFailure(e, 1);
    if (guard) return guard;
    throw e;
  }
}

/**
 * A status move of a charge as a transaction item: conditional on the status it
 * was read in, appending to its history and keeping the open-charges index right.
 */
export function moveChargeItem(
  charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'status'>,
  to: ChargeStatus,
  now: number,
  actor: string,
  options: { reason?: string; set?: Record<string, unknown>; remove?: string[]; extraCondition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> } } = {},
): TransactItem & { Update: NonNullable<TransactItem['Update']> } {
  const at = new Date(now).toISOString();
  const names: Record<string, string> = { '#st': 'status', ...options.extraCondition?.names };
  const values: Record<string, unknown> = {
    ':from': charge.status, ':to': to, ':at': at,
    ':h': [{ at, status: to, actor, ...(options.reason ? { reason: options.reason } : {}) }],
    ...options.extraCondition?.values,
  };
  const sets = ['#st = :to', 'updatedAt = :at', 'history = list_append(history, :h)'];
  Object.entries(options.set ?? {}).forEach(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    sets.push(`#s${i} = :s${i}`);
  });
  const removes = [...(options.remove ?? [])];
  if (isFinal(to)) removes.push('gsi1pk', 'gsi1sk');
  else {
    const index = openIndex(to, now, charge.chargeId) as { gsi1pk: string; gsi1sk: string };
    sets.push('gsi1pk = :open', 'gsi1sk = :opensk');
    values[':open'] = index.gsi1pk;
    values[':opensk'] = index.gsi1sk;
  }
  return {
    Update: {
      TableName: table(),
      Key: keys.charge(charge.userId, charge.chargeId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: `#st = :from${options.extraCondition ? ` AND (${options.extraCondition.expression})` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Runs a transaction; false if its first item's condition failed (a concurrent change won). */
export async function transactFirstWins(items: TransactItem[]): Promise<boolean> {
  try {
    await transact(items);
    return true;
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (reasons?.some((r) => r === 'ConditionalCheckFailed')) return false;
    throw e;
  }
}

export async function moveCharge(charge: ChargeRecord, to: ChargeStatus, now: number, actor: string, options: Parameters<typeof moveChargeItem>[4] = {}): Promise<boolean> {
  try {
    await ddb().send(new UpdateCommand(moveChargeItem(charge, to, now, actor, options).Update));
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * Ends a charge unsuccessfully, once: the status move and the return of its day-limit
 * reservation are one transaction, so whoever ends it first (a handler, the workflow,
 * the sweeper) gives the reservation back and everyone after changes nothing.
 */
export async function finishUnsuccessfully(
  userId: string,
  chargeId: string,
  to: ChargeStatus,
  now: number,
  actor: string,
  reason: string,
  extra: TransactItem[] = [],
): Promise<{ charge?: ChargeRecord; changed: boolean }> {
  if (!UNSUCCESSFUL.includes(to)) throw new Error(`${to} is not an unsuccessful end`);
  for (let attempt = 0; attempt < 8; attempt++) {
    const [charge, activity] = await Promise.all([getCharge(userId, chargeId), getActivity(userId)]);
    if (!charge || isFinal(charge.status)) return { charge, changed: false };
    const window = windowAfterEnd(activity, charge);
    const items: TransactItem[] = [moveChargeItem(charge, to, now, actor, { reason }), ...extra];
    if (window.changed) items.push(activityWrite(userId, activity.version, window.next));
    if (await transactFirstWins(items)) {
      emit(METRIC.chargeFinished, 1, 'Count', { status: to });
      return { charge: { ...charge, status: to }, changed: true };
    }
    // Another writer of the wallet's window won: back off a little, with jitter, before re-reading.
    await new Promise((r) => setTimeout(r, Math.random() * 25 * (attempt + 1)));
  }
  throw new DomainError('RATE_LIMITED', 'The wallet is busy; retry', { chargeId }, { 'retry-after': '1' });
}

/**
 * The money move into the wallet: balance (capped, never negative), the journal entry
 * (append-only, one per charge) and the charge's completion, all or nothing, while the
 * charge's controls hold.
 *
 * Two of the controls cost no write unit of their own: the wallet item carries the wallet's status
 * and its ACTIVE links (`walletStatus`, `activeLinks`, written in the same transaction as every
 * freeze, unfreeze and link move), so they are conditions of the balance update this credit makes
 * anyway. The bank's switch stays a ConditionCheck on the wallet's copy (a switch-off must stop a
 * credit that races it, and nothing the credit writes could carry it). The mirror only ever lets a
 * credit through: a credit it refuses is tried again with the three ConditionChecks on the real
 * items, whose answer stands, so a wallet from before the mirror, or a mirror out of date, never
 * refuses a charge its controls allow.
 */
export async function creditWallet(
  charge: ChargeRecord,
  entry: JournalEntry,
  now: number,
  response: (balance: number) => StoredResponse,
  currentBalance: number,
  controls: 'MIRROR' | 'GUARD_ITEMS' = config().controlsMirror === 'trusted' ? 'MIRROR' : 'GUARD_ITEMS',
  /** The wallet is marked as mirrored, yet its copy refused a credit its controls allow: worth a warning. */
  staleCopy = false,
): Promise<'CREDITED' | 'ALREADY' | 'CAP' | 'STALE' | GuardReason> {
  const at = new Date(now).toISOString();
  const balanceAfter = currentBalance + charge.amount;
  const mirror = controls === 'MIRROR';
  const [, , switchCheck] = guardItems(charge);
  try {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: table(),
          Key: keys.wallet(charge.userId),
          UpdateExpression: 'SET balance = :after, version = version + :one',
          ConditionExpression: `balance = :before AND :after <= :cap${mirror ? ' AND controlsMirror = :one AND walletStatus = :active AND contains(activeLinks, :link)' : ''}`,
          ExpressionAttributeValues: {
            ':before': currentBalance, ':after': balanceAfter, ':one': 1, ':cap': LIMITS.maxBalance,
            ...(mirror ? { ':active': 'ACTIVE', ':link': charge.linkId } : {}),
          },
        },
      },
      {
        Put: {
          TableName: table(),
          Item: {
            ...keys.entry(charge.userId, at, entry.entryId), type: 'ENTRY', entryId: entry.entryId, entryType: entry.type, postings: entry.postings,
            amount: charge.amount, balanceAfter, chargeId: charge.chargeId, bankCode: charge.bankCode, createdAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      moveChargeItem(charge, 'COMPLETED', now, 'system:ledger', { set: { completedAt: at, response: response(balanceAfter), bankTransactionId: charge.bankTransactionId } }),
      // The last step toward money holds the controls too: a freeze, a switch-off or an unlink
      // that landed after the debit stops the credit, and the saga gives the debit back.
      ...(mirror ? [switchCheck] : guardItems(charge)),
    ];
    await transact(items);
    emit(METRIC.chargeFinished, 1, 'Count', { status: 'COMPLETED' });
    // A wallet not marked as mirrored (made before the mirror, or during a deploy beside older code) is
    // expected here; a marked one whose copy refused what its controls allow has a stale copy.
    if (staleCopy) logger.warn('credit confirmed by the controls themselves', { chargeId: charge.chargeId, reason: 'the wallet item\'s controls copy refused a credit its controls allow' });
    await recordDebit(charge, now);
    return 'CREDITED';
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (!reasons) throw e;
    if (reasons[2] === 'ConditionalCheckFailed') {
      const now2 = await getCharge(charge.userId, charge.chargeId);
      return now2?.status === 'COMPLETED' ? 'ALREADY' : 'STALE';
    }
    if (reasons[0] === 'ConditionalCheckFailed') {
      if (!mirror) return balanceAfter > LIMITS.maxBalance ? 'CAP' : 'STALE';
      const wallet = (await ddb().send(new GetCommand({ TableName: table(), Key: keys.wallet(charge.userId), ConsistentRead: true }))).Item;
      if (wallet?.balance !== currentBalance || balanceAfter > LIMITS.maxBalance) return balanceAfter > LIMITS.maxBalance ? 'CAP' : 'STALE';
      // The mirror refused (or the wallet has none): the controls themselves decide.
      return creditWallet(charge, entry, now, response, currentBalance, 'GUARD_ITEMS', wallet?.controlsMirror === 1);
    }
    if (mirror && reasons[3] === 'ConditionalCheckFailed') return 'BANK_SUSPENDED';
    const guard = guardFailure(e, 3);
    if (guard) return guard;
    throw e;
  }
}

export async function listEntries(userId: string, limit: number, cursor?: Record<string, unknown>) {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':prefix': keys.entryPrefix },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor,
    }),
  );
  return { items: out.Items ?? [], next: out.LastEvaluatedKey };
}

/**
 * A charge was confirmed: bumps the window's version so a concurrent window write retries.
 * `doneWaiting`: the charge moves on to the bank, so it leaves the waiting list.
 */
export function chargeConfirmedItem(userId: string, doneWaiting?: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.activity(userId),
      UpdateExpression: `ADD version :one SET #t = :type, recent = if_not_exists(recent, :empty)${doneWaiting ? ' REMOVE #w' : ''}`,
      ExpressionAttributeNames: { '#t': 'type', ...(doneWaiting ? { '#w': `${WAITING_PREFIX}${doneWaiting}` } : {}) },
      ExpressionAttributeValues: { ':one': 1, ':type': 'ACTIVITY', ':empty': [] },
    },
  };
}

/**
 * Records a credited debit on the activity item, folded into the link's history on the next read;
 * bumps the window's version. Its own write after the credit, not an item of the credit's
 * transaction: the activity item is the wallet's hottest, and a credit must not wait on it.
 * A crash in between loses the debit from the history only, which errs towards friction
 * (a smaller largest debit, slower vetting), never towards letting money through.
 */
async function recordDebit(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'linkId' | 'amount'>, now: number): Promise<void> {
  try {
    await ddb().send(new UpdateCommand(debitRecordItem(charge, now).Update));
  } catch (error) {
    logger.warn('debit not recorded in the link history', { chargeId: charge.chargeId, error: error as Error });
  }
}

function debitRecordItem(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'linkId' | 'amount'>, now: number): TransactItem & { Update: NonNullable<TransactItem['Update']> } {
  const record: DebitRecord = { linkId: charge.linkId, amount: charge.amount, at: now };
  return {
    Update: {
      TableName: table(),
      Key: keys.activity(charge.userId),
      UpdateExpression: 'SET #d = :d, #t = :type, recent = if_not_exists(recent, :empty) ADD version :one',
      ExpressionAttributeNames: { '#d': `${DEBIT_PREFIX}${charge.chargeId}`, '#t': 'type' },
      ExpressionAttributeValues: { ':d': compact() ? encodeDebit(record) : record, ':type': 'ACTIVITY', ':empty': [], ':one': 1 },
    },
  };
}

/** A hold ends and the charge moves on to the bank: it no longer waits and is no longer pending; bumps the window's version. */
export function holdEndedItem(userId: string, chargeId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.activity(userId),
      UpdateExpression: 'REMOVE #w, #h ADD version :one',
      ExpressionAttributeNames: { '#w': `${WAITING_PREFIX}${chargeId}`, '#h': `${HELD_PREFIX}${chargeId}` },
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** The charge no longer waits (approved: it moves on to the bank); bumps the window's version. */
export function doneWaitingItem(userId: string, chargeId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.activity(userId),
      UpdateExpression: 'REMOVE #w ADD version :one',
      ExpressionAttributeNames: { '#w': `${WAITING_PREFIX}${chargeId}` },
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** Marks which execution resumes the charge; false if the charge moved (or another sweep won) since it was read. */
export async function recordResumption(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'updatedAt' | 'resumedBy'>, name: string): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.charge(charge.userId, charge.chargeId),
        UpdateExpression: 'SET resumedBy = :n',
        ConditionExpression: charge.resumedBy ? 'updatedAt = :at AND resumedBy = :prev' : 'updatedAt = :at AND attribute_not_exists(resumedBy)',
        ExpressionAttributeValues: { ':n': name, ':at': charge.updatedAt, ...(charge.resumedBy ? { ':prev': charge.resumedBy } : {}) },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * One try at the holder's code (HOLDER_CHALLENGE), counted before the bank is asked, so concurrent
 * guesses each use one. The tries used, or undefined if none is left or the charge no longer waits for it.
 */
export async function countHolderTry(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, maxAttempts: number): Promise<number | undefined> {
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.charge(charge.userId, charge.chargeId),
        UpdateExpression: 'ADD attempts :one',
        ConditionExpression: '#st = :pending AND codeChannel = :holder AND attempts < :max',
        ExpressionAttributeNames: { '#st': 'status' },
        ExpressionAttributeValues: { ':one': 1, ':pending': 'PENDING_CONFIRMATION', ':holder': 'HOLDER', ':max': maxAttempts },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.attempts as number;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

export async function setResponse(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, response: StoredResponse): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.charge(charge.userId, charge.chargeId),
      UpdateExpression: 'SET #r = if_not_exists(#r, :r)',
      ExpressionAttributeNames: { '#r': 'response' },
      ExpressionAttributeValues: { ':r': response },
    }),
  );
}

/**
 * Open charges across every shard, page by page: those due for the sweeper by `dueBy`, or all
 * of them. Stops early (`complete: false`) when `until` (epoch ms of the real clock) passes.
 */
export async function openCharges(options: { dueBy?: number; until?: number } = {}): Promise<{ charges: ChargeRecord[]; complete: boolean }> {
  const charges: ChargeRecord[] = [];
  let complete = true;
  await Promise.all(
    keys.openChargesShards().map(async (shard) => {
      let cursor: Record<string, unknown> | undefined;
      do {
        if (options.until !== undefined && Date.now() > options.until) {
          complete = false;
          return;
        }
        const out = await ddb().send(
          new QueryCommand({
            TableName: table(),
            IndexName: 'gsi1',
            KeyConditionExpression: options.dueBy === undefined ? 'gsi1pk = :open' : 'gsi1pk = :open AND gsi1sk < :due',
            ExpressionAttributeValues: { ':open': shard, ...(options.dueBy === undefined ? {} : { ':due': new Date(options.dueBy).toISOString() }) },
            ExclusiveStartKey: cursor,
          }),
        );
        charges.push(...((out.Items ?? []) as ChargeRecord[]));
        cursor = out.LastEvaluatedKey;
      } while (cursor);
    }),
  );
  charges.sort((a, b) => String((a as { gsi1sk?: string }).gsi1sk).localeCompare(String((b as { gsi1sk?: string }).gsi1sk)));
  return { charges, complete };
}

/** Tells the sweeper when to look at a charge next (it is healthy until then); false if it moved meanwhile. */
export async function rescheduleSweep(charge: Pick<ChargeRecord, 'userId' | 'chargeId' | 'updatedAt'>, dueMs: number): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.charge(charge.userId, charge.chargeId),
        UpdateExpression: 'SET gsi1sk = :due',
        ConditionExpression: 'updatedAt = :at AND attribute_exists(gsi1pk)',
        ExpressionAttributeValues: { ':due': sweepAt(dueMs, charge.chargeId), ':at': charge.updatedAt },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

export async function listCharges(userId: string): Promise<ChargeRecord[]> {
  const items: ChargeRecord[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':prefix': keys.chargePrefix },
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...((out.Items ?? []) as ChargeRecord[]));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/**
 * Takes charges out of the wallet's activity window (its day-limit reservations with `recent`,
 * its waiting slots always), written back optimistically: a concurrent writer costs a re-read.
 */
async function withoutCharges(userId: string, chargeIds: string[], options: { recent: boolean }): Promise<void> {
  if (!chargeIds.length) return;
  for (let attempt = 0; attempt < 8; attempt++) {
    const activity = await getActivity(userId);
    const window = windowWithout(activity, chargeIds, options);
    if (!window.changed) return;
    if (await saveActivity(userId, activity, window.next)) return;
    await new Promise((r) => setTimeout(r, Math.random() * 25 * (attempt + 1)));
  }
}

/** Gives back the day-limit reservation (and the waiting slot) of a charge that was never created. */
export const releaseReservation = (userId: string, chargeId: string) => withoutCharges(userId, [chargeId], { recent: true });

/** Drops from the waiting list the charges that moved on (or never got created): the cap counts only real waits. */
export const dropFromWaiting = (userId: string, chargeIds: string[]) => withoutCharges(userId, chargeIds, { recent: false });

/** A confirmed code: PENDING_CONFIRMATION → `to` with the controls (and, for the wallet phone's code, its hash still unspent). */
async function confirm(
  charge: ChargeRecord,
  to: 'PENDING_REVIEW' | 'PROCESSING',
  now: number,
  actor: string,
  by: { code: { hash: string; maxAttempts: number; deviceId?: string } } | 'HOLDER',
): Promise<GuardedResult> {
  const move =
    by === 'HOLDER'
      ? moveChargeItem(charge, to, now, actor, { reason: 'HOLDER_CONFIRMED', remove: ['attempts', 'expiresAt', 'sentAt'] })
      : moveChargeItem(charge, to, now, actor, {
          reason: 'SMS_CONFIRMED',
          remove: ['#h', 'attempts', 'expiresAt', 'sentAt', 'sendsInWindow', 'windowStart'],
          extraCondition: { expression: '#h = :hash AND attempts < :max', values: { ':hash': by.code.hash, ':max': by.code.maxAttempts }, names: { '#h': 'hash' } },
        });
  const device = by !== 'HOLDER' && by.code.deviceId ? [trustedDeviceItem(charge.userId, by.code.deviceId, now)] : [];
  return transactGuarded([move, chargeConfirmedItem(charge.userId, to === 'PROCESSING' ? charge.chargeId : undefined), ...device], charge);
}

async function awaitConfirmation(userId: string, chargeId: string, taskToken: string): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.charge(userId, chargeId),
        UpdateExpression: 'SET confirmToken = :t',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':t': taskToken, ':pending': 'PENDING_CONFIRMATION' },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

const endHold = (charge: ChargeRecord, now: number, executionName: string): Promise<GuardedResult> =>
  transactGuarded([moveChargeItem(charge, 'PROCESSING', now, 'system:hold', { reason: 'HOLD_ENDED', set: { executionName } }), holdEndedItem(charge.userId, charge.chargeId)], charge);

const checkDebit = (charge: ChargeRecord, now: number): Promise<GuardedResult> =>
  transactGuarded(
    [{
      Update: {
        TableName: table(),
        Key: keys.charge(charge.userId, charge.chargeId),
        UpdateExpression: 'SET debitCheckedAt = :at',
        ConditionExpression: '#st = :processing',
        ExpressionAttributeNames: { '#st': 'status' },
        ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':processing': 'PROCESSING' },
      },
    }],
    charge,
  );

/** A statement cursor is the last key of a page, accepted back only if it is a key of this wallet's entries. */
function decodeCursor(cursor: string | undefined, userId: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const k = key as { pk?: unknown; sk?: unknown } | undefined;
  if (!k || typeof k !== 'object' || Object.keys(k).length !== 2 || k.pk !== keys.user(userId).pk || typeof k.sk !== 'string' || !k.sk.startsWith(keys.entryPrefix)) {
    throw invalidCursor();
  }
  return k as Record<string, unknown>;
}

async function entries(userId: string, limit: number, cursor?: string): Promise<{ items: WalletEntry[]; next?: string }> {
  const page = await listEntries(userId, limit, decodeCursor(cursor, userId));
  return {
    items: page.items as unknown as WalletEntry[],
    ...(page.next ? { next: Buffer.from(JSON.stringify({ pk: page.next.pk, sk: page.next.sk })).toString('base64url') } : {}),
  };
}

/** The charges store on DynamoDB (functions/store/charges.ts). */
export const chargesStore: ChargesStore = {
  getCharge, listCharges, openCharges, getActivity, saveActivity, releaseReservation, dropFromWaiting, createCharge, checkControls, setResponse,
  confirm, countHolderTry, awaitConfirmation, endHold, checkDebit,
  finishUnsuccessfully: (userId, chargeId, to, now, actor, reason) => finishUnsuccessfully(userId, chargeId, to, now, actor, reason),
  recordResumption, rescheduleSweep,
  credit: creditWallet,
  entries,
};
