import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BankEvent, BankEventResult, BankSettings } from '../domain/bank';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import type { BankStore } from '../store/banks';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { cancellationReasons, ddb, isConditionFailure } from './dynamo';
import { transact } from './dynamo';


/** Read on every link and charge, never cached: a switch by ops takes effect at once. */
export async function getBank(bankCode: string): Promise<BankSettings | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: config().tableName, Key: keys.bank(bankCode), ConsistentRead: true }));
  return out.Item as BankSettings | undefined;
}

export async function listBanks(): Promise<BankSettings[]> {
  const out = await ddb().send(
    new QueryCommand({ TableName: config().tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :b', ExpressionAttributeValues: { ':b': 'BANK' } }),
  );
  return (out.Items ?? []) as BankSettings[];
}

export function bankItem(settings: BankSettings) {
  return { ...keys.bank(settings.bankCode), type: 'BANK', gsi1pk: 'BANK', gsi1sk: settings.bankCode, ...settings };
}

/**
 * The charging switch is kept in CHARGING_SHARDS copies. Each step toward money checks one copy
 * inside its own transaction (a ConditionCheck is billed as a write: 2 units); on the single bank
 * item that capped a bank at about 250 charges/s (1,000 write units/s per partition). A wallet
 * always checks the same copy; ops switch all copies and the bank item in one transaction, so no
 * charge ever sees a half-switched bank.
 */
export const CHARGING_SHARDS = 16;

export const chargingShardOf = (userId: string) => createHash('sha256').update(userId).digest().readUInt32BE(0) % CHARGING_SHARDS;

export const chargingSwitchKey = (bankCode: string, userId: string) => keys.bankChargingSwitch(bankCode, chargingShardOf(userId));

/** Every write a change of a bank's settings makes: the settings item and each copy of its charging switch. */
export function bankWrites(settings: BankSettings, table = config().tableName): TransactItem[] {
  const copies = Array.from({ length: CHARGING_SHARDS }, (_, shard): TransactItem => ({
    Put: { TableName: table, Item: { ...keys.bankChargingSwitch(settings.bankCode, shard), type: 'BANK_SWITCH', bankCode: settings.bankCode, chargingEnabled: settings.chargingEnabled } },
  }));
  return [{ Put: { TableName: table, Item: bankItem(settings) } }, ...copies];
}

/** Seeds a bank only if it is not there, so a restart never undoes an operator's switch. */
export async function seedBank(settings: BankSettings): Promise<void> {
  const [settingsPut, ...copies] = bankWrites(settings);
  try {
    await transact([{ Put: { ...settingsPut.Put!, ConditionExpression: 'attribute_not_exists(pk)' } }, ...copies]);
  } catch (e) {
    if ((e as { name?: string }).name !== 'TransactionCanceledException') throw e;
    // The bank is there. A data directory from before the copies existed gets them from the bank item.
    const current = await getBank(settings.bankCode);
    if (!current) return;
    await Promise.all(
      bankWrites(current).slice(1).map(async (copy) => {
        try {
          await ddb().send(new PutCommand({ ...copy.Put!, ConditionExpression: 'attribute_not_exists(pk)' } as ConstructorParameters<typeof PutCommand>[0]));
        } catch (error) {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }),
    );
  }
}

export async function saveBank(settings: BankSettings, audit: AuditEntry): Promise<void> {
  await transact([...bankWrites(settings), auditPut(config().tableName, audit)]);
}

export async function pauseLinking(bankCode: string, now: number, by: string, audit: AuditEntry): Promise<boolean> {
  try {
    await transact([
      {
        Update: {
          TableName: config().tableName, Key: keys.bank(bankCode),
          UpdateExpression: 'SET linkingEnabled = :off, updatedAt = :at, updatedBy = :by',
          ConditionExpression: 'linkingEnabled = :on',
          ExpressionAttributeValues: { ':off': false, ':on': true, ':at': new Date(now).toISOString(), ':by': by },
        },
      },
      auditPut(config().tableName, audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)) return false;
    throw e;
  }
}

const eventKey = (e: BankEvent) => ({ pk: `BANKEVENT#${e.bankCode}#${e.eventId}`, sk: 'EVENT' });

export async function receiveEvent(e: BankEvent, now: number): Promise<{ result?: BankEventResult }> {
  const table = config().tableName;
  const seen = await ddb().send(new GetCommand({ TableName: table, Key: eventKey(e), ConsistentRead: true }));
  if (seen.Item) return { result: seen.Item.result as BankEventResult | undefined };
  try {
    await ddb().send(new PutCommand({ TableName: table, Item: { ...eventKey(e), type: 'BANK_EVENT', event: e, receivedAt: new Date(now).toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  return {};
}

export async function finishEvent(e: BankEvent, result: BankEventResult): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: config().tableName, Key: eventKey(e),
      UpdateExpression: 'SET #r = if_not_exists(#r, :r)', ExpressionAttributeNames: { '#r': 'result' }, ExpressionAttributeValues: { ':r': result },
    }),
  );
}

/** The banks store on DynamoDB (`bankWrites` and `chargingSwitchKey` stay exported for other DynamoDB modules). */
export const dynamoBanks: BankStore = { getBank, listBanks, seedBank, saveBank, pauseLinking, receiveEvent, finishEvent };
