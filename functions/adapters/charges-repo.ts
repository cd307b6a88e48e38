import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ChargeStatus, RecentCharge } from '../domain/charge';
import { isFinal, UNSUCCESSFUL } from '../domain/charge';
import type { StoredCode } from '../domain/codes';
import type { JournalEntry } from '../domain/ledger';
import { LIMITS } from '../domain/policy';
import type { Decision } from '../domain/risk';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { cancellationReasons, ddb, isConditionFailure } from './dynamo';
import { transact } from './users-repo';

export interface ChargeHistory {
  at: string;
  status: ChargeStatus;
  actor: string;
  reason?: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface ChargeRecord extends Partial<StoredCode> {
  chargeId: string;
  userId: string;
  linkId: string;
  bankCode: string;
  accountRef?: string;
  amount: number;
  status: ChargeStatus;
  decision: Decision;
  requestHash: string;
  deviceId?: string;
  createdAt: string;
  updatedAt: string;
  /** The first answer, replayed for the same Idempotency-Key. */
  response?: StoredResponse;
  confirmToken?: string;
  reviewToken?: string;
  caseId?: string;
  executionName?: string;
  /** The last execution the sweeper started for this charge. */
  resumedBy?: string;
  bankTransactionId?: string;
  completedAt?: string;
  history: ChargeHistory[];
}

export interface Activity {
  version: number;
  recent: RecentCharge[];
  confirmedLinks: string[];
}

const table = () => config().tableName;

/** Every write reports the capacity it consumed when ANSHIN_CAPACITY is set (the benchmark reads it). */
export const capacity = (): { ReturnConsumedCapacity?: 'INDEXES' } => (process.env.ANSHIN_CAPACITY ? { ReturnConsumedCapacity: 'INDEXES' } : {});

export interface WriteCapacity {
  requests: number;
  units: number;
  table: number;
  indexes: Record<string, number>;
}

/**
 * Write units the low-risk path consumed in this process, per write, summed since start.
 * Filled only when ANSHIN_CAPACITY is set; the local stack serves it at GET /local/capacity.
 */
export const consumedWriteCapacity: Record<string, WriteCapacity> = {};

function recordCapacity(write: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
  if (!consumed) return;
  const sum = (consumedWriteCapacity[write] ??= { requests: 0, units: 0, table: 0, indexes: {} });
  sum.requests += 1;
  for (const c of Array.isArray(consumed) ? consumed : [consumed]) {
    sum.units += c.CapacityUnits ?? 0;
    sum.table += c.Table?.CapacityUnits ?? 0;
    for (const [name, index] of Object.entries(c.GlobalSecondaryIndexes ?? {})) sum.indexes[name] = (sum.indexes[name] ?? 0) + (index.CapacityUnits ?? 0);
  }
}

export async function getCharge(userId: string, chargeId: string): Promise<ChargeRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.charge(userId, chargeId), ConsistentRead: true }));
  return out.Item as ChargeRecord | undefined;
}

export async function getActivity(userId: string): Promise<Activity> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.activity(userId), ConsistentRead: true }));
  const item = out.Item as { version: number; recent: RecentCharge[]; confirmedLinks?: Set<string> } | undefined;
  return item ? { version: item.version, recent: item.recent ?? [], confirmedLinks: [...(item.confirmedLinks ?? [])] } : { version: 0, recent: [], confirmedLinks: [] };
}

function activityWrite(userId: string, previousVersion: number, next: Omit<Activity, 'version'>): TransactItem & { Put: NonNullable<TransactItem['Put']> } {
  return {
    Put: {
      TableName: table(),
      // confirmedLinks is a string set so confirmations can ADD to it without reading; an empty set is left out.
      Item: { ...keys.activity(userId), type: 'ACTIVITY', version: previousVersion + 1, recent: next.recent, confirmedLinks: next.confirmedLinks.length ? new Set(next.confirmedLinks) : undefined },
      ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
      ExpressionAttributeValues: previousVersion === 0 ? undefined : { ':v': previousVersion },
    },
  };
}

/** Optimistic write of the activity window; false if another request changed it first. */
export async function saveActivity(userId: string, previous: Activity, next: Omit<Activity, 'version'>): Promise<boolean> {
  try {
    const out = await ddb().send(new PutCommand({ ...activityWrite(userId, previous.version, next).Put, ...capacity() }));
    recordCapacity('saveActivity', out.ConsumedCapacity);
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

const openIndex = (status: ChargeStatus, at: string, chargeId: string) =>
  isFinal(status) ? {} : { gsi1pk: keys.openChargesIndexKey, gsi1sk: `${at}#${chargeId}` };

/** Creates the charge unless one exists for this key already (then false: the caller replays). */
export async function createCharge(charge: ChargeRecord): Promise<boolean> {
  try {
    const out = await ddb().send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.charge(charge.userId, charge.chargeId), type: 'CHARGE', gsi2pk: charge.chargeId, ...openIndex(charge.status, charge.updatedAt, charge.chargeId), ...charge },
        ConditionExpression: 'attribute_not_exists(pk)',
        ...capacity(),
      }),
    );
    recordCapacity('createCharge', out.ConsumedCapacity);
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
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
    sets.push('gsi1pk = :open', 'gsi1sk = :opensk');
    values[':open'] = keys.openChargesIndexKey;
    values[':opensk'] = `${at}#${charge.chargeId}`;
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
    await ddb().send(new UpdateCommand({ ...moveChargeItem(charge, to, now, actor, options).Update, ...capacity() }));
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
    const recent = activity.recent.filter((r) => r.chargeId !== chargeId);
    const items: TransactItem[] = [moveChargeItem(charge, to, now, actor, { reason }), ...extra];
    if (recent.length !== activity.recent.length) items.push(activityWrite(userId, activity.version, { recent, confirmedLinks: activity.confirmedLinks }));
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
 * The money move into the wallet: balance (capped, never negative), the journal
 * entry (append-only, one per charge) and the charge's completion, all or nothing.
 */
export async function creditWallet(charge: ChargeRecord, entry: JournalEntry, now: number, response: (balance: number) => StoredResponse, currentBalance: number): Promise<'CREDITED' | 'ALREADY' | 'CAP' | 'STALE'> {
  const at = new Date(now).toISOString();
  const balanceAfter = currentBalance + charge.amount;
  try {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: table(),
          Key: keys.wallet(charge.userId),
          UpdateExpression: 'SET balance = :after, version = version + :one',
          ConditionExpression: 'balance = :before AND :after <= :cap',
          ExpressionAttributeValues: { ':before': currentBalance, ':after': balanceAfter, ':one': 1, ':cap': LIMITS.maxBalance },
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
    ];
    const out = await ddb().send(new TransactWriteCommand({ TransactItems: items, ...capacity() }));
    recordCapacity('creditWallet', out.ConsumedCapacity);
    emit(METRIC.chargeFinished, 1, 'Count', { status: 'COMPLETED' });
    return 'CREDITED';
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (!reasons) throw e;
    if (reasons[2] === 'ConditionalCheckFailed') {
      const now2 = await getCharge(charge.userId, charge.chargeId);
      return now2?.status === 'COMPLETED' ? 'ALREADY' : 'STALE';
    }
    if (reasons[0] === 'ConditionalCheckFailed') return balanceAfter > LIMITS.maxBalance ? 'CAP' : 'STALE';
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

/** Marks the link as having a confirmed charge; bumps the version so a concurrent window write retries. */
export function confirmLinkItem(userId: string, linkId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.activity(userId),
      UpdateExpression: 'ADD confirmedLinks :l, version :one SET #t = :type, recent = if_not_exists(recent, :empty)',
      ExpressionAttributeNames: { '#t': 'type' },
      ExpressionAttributeValues: { ':l': new Set([linkId]), ':one': 1, ':type': 'ACTIVITY', ':empty': [] },
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

/** Charges that are not final, oldest activity first: the sweeper's queue. */
export async function openCharges(olderThan: number, limit = 100): Promise<ChargeRecord[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :open AND gsi1sk < :before',
      ExpressionAttributeValues: { ':open': keys.openChargesIndexKey, ':before': new Date(olderThan).toISOString() },
      Limit: limit,
    }),
  );
  return (out.Items ?? []) as ChargeRecord[];
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
