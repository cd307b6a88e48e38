import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { accountHash } from '../domain/bank-link';
import { identityValue, type ListEntry, type ListHit, type ListKind, type ListProbe } from '../domain/lists';
import { config } from '../shared/config';
import { ports } from '../shared/runtime';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { cancellationReasons, ddb, transact } from './dynamo';
import type { KeyedListEntry, ListStore } from '../store/lists';
import { deviceHash } from '../domain/user';


const table = () => config().tableName;

/**
 * The key an entry is stored and matched under: bank accounts under the same keyed hash the links
 * use (so the number is never stored), devices under the hash the device items use.
 */
export async function listKey(kind: ListKind, canonical: string): Promise<string> {
  if (kind === 'DEVICE') return deviceHash(canonical);
  if (kind === 'BANK_ACCOUNT') {
    const [bankCode, branchCode, accountNumber] = canonical.split('-');
    return accountHash((await ports().secrets()).accountKey, { bankCode, branchCode, accountNumber });
  }
  return canonical;
}

/** DynamoDB's TTL removes an expired entry eventually; until then readers ignore it. */
export function putEntryItem(key: string, entry: ListEntry): TransactItem {
  return {
    Put: {
      TableName: table(),
      Item: { ...keys.listEntry(entry.kind, key), type: 'LIST', ...entry, gsi1pk: keys.listIndexKey, gsi1sk: `${entry.kind}#${key}`, ttl: Math.ceil(Date.parse(entry.until) / 1000) },
    },
  };
}

export function deleteEntryItem(kind: ListKind, key: string): TransactItem {
  return { Delete: { TableName: table(), Key: keys.listEntry(kind, key), ConditionExpression: 'attribute_exists(pk)' } };
}

export const listAudit = (entry: AuditEntry) => auditPut(table(), entry);

/** The entries in force, each with the key it is stored under (for a sealed reference to it). */
export async function listEntries(now: number): Promise<KeyedListEntry[]> {
  const items: KeyedListEntry[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({ TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :l', ExpressionAttributeValues: { ':l': keys.listIndexKey }, ExclusiveStartKey: cursor }),
    );
    items.push(...(out.Items ?? []).map((i) => ({ ...(i as ListEntry), key: String(i.gsi1sk).slice(String(i.kind).length + 1) })));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items.filter((e) => Date.parse(e.until) > now);
}

/**
 * The entries in force for a charge's or a link's keys: at most four GetItems by key, in parallel
 * (GetItem, which every function that checks lists already holds; no BatchGetItem grant needed).
 */
export async function listHits(probe: ListProbe, now: number): Promise<ListHit[]> {
  const wanted: [ListKind, string][] = [];
  if (probe.deviceId) wanted.push(['DEVICE', deviceHash(probe.deviceId)]);
  if (probe.phoneNumber) wanted.push(['PHONE', probe.phoneNumber]);
  if (probe.accountHash) wanted.push(['BANK_ACCOUNT', probe.accountHash]);
  if (probe.identity) wanted.push(['EKYC_IDENTITY', identityValue(probe.identity.fullNameKana, probe.identity.dateOfBirth)]);
  const items = await Promise.all(
    wanted.map(async ([kind, key]) => (await ddb().send(new GetCommand({ TableName: table(), Key: keys.listEntry(kind, key) }))).Item as ListHit | undefined),
  );
  return items
    .filter((h): h is ListHit => !!h && Date.parse(h.until) > now)
    .map((h) => ({ kind: h.kind, action: h.action, reason: h.reason, until: h.until }));
}

export const listStore: ListStore = {
  listHits,
  listKey,
  listEntries,
  async putEntry(key, entry, audit) {
    await transact([putEntryItem(key, entry), listAudit(audit)]);
  },
  async deleteEntry(kind, key, audit) {
    try {
      await transact([deleteEntryItem(kind, key), listAudit(audit)]);
      return true;
    } catch (e) {
      if (cancellationReasons(e)) return false;
      throw e;
    }
  },
};
