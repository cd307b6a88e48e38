import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import { ddb } from './dynamo';

export interface BankSettings {
  bankCode: string;
  name: string;
  linkingEnabled: boolean;
  chargingEnabled: boolean;
  updatedAt: string;
  updatedBy: string;
  /** This bank's circuit-breaker thresholds, where ops set them. */
  breaker?: { linkFailures?: number; notMeReports?: number };
}

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

/** Seeds a bank only if it is not there, so a restart never undoes an operator's switch. */
export async function seedBank(settings: BankSettings): Promise<void> {
  try {
    await ddb().send(new PutCommand({ TableName: config().tableName, Item: bankItem(settings), ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (e) {
    if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
  }
}
