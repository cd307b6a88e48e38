import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import { config } from '../shared/config';
import type { Key } from '../shared/table';
import type { TransactItem } from './audit';
import { ddb, isConditionFailure } from '../store/dynamo';

/**
 * One-time codes (phone, bank link, charge confirmation), stored by key. Codes
 * linger an hour past use so a resend window survives; DynamoDB TTL removes them after.
 */
const ttlFor = (code: StoredCode) => Math.floor(Math.max(code.expiresAt, code.windowStart + 3600_000) / 1000);

export function codeItem(key: Key, code: StoredCode) {
  return { ...key, type: 'CODE', ...code, ttl: ttlFor(code) };
}

export async function getCode(key: Key): Promise<StoredCode | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: config().tableName, Key: key, ConsistentRead: true }));
  return out.Item as StoredCode | undefined;
}

/** Replaces a code, unless another send won the race (then the caller is rate limited). */
export async function replaceCode(key: Key, code: StoredCode, previousSentAt: number | undefined): Promise<boolean> {
  try {
    await ddb().send(
      new PutCommand({
        TableName: config().tableName,
        Item: codeItem(key, code),
        ConditionExpression: previousSentAt === undefined ? 'attribute_not_exists(pk)' : 'sentAt = :prev',
        ExpressionAttributeValues: previousSentAt === undefined ? undefined : { ':prev': previousSentAt },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * Counts one wrong try, atomically: the condition makes concurrent guesses each
 * use up a try. Returns the tries used, or undefined if the code had changed or died.
 */
export async function countWrongCode(key: Key, hash: string, maxAttempts: number): Promise<number | undefined> {
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: key,
        UpdateExpression: 'ADD attempts :one',
        ConditionExpression: '#h = :hash AND attempts < :max',
        ExpressionAttributeNames: { '#h': 'hash' },
        ExpressionAttributeValues: { ':one': 1, ':hash': hash, ':max': maxAttempts },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.attempts as number;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

/** Spends the code inside a transaction: it must still be the same, live code. */
export function spendCode(key: Key, hash: string, maxAttempts: number): TransactItem {
  return {
    Delete: {
      TableName: config().tableName,
      Key: key,
      ConditionExpression: '#h = :hash AND attempts < :max',
      ExpressionAttributeNames: { '#h': 'hash' },
      ExpressionAttributeValues: { ':hash': hash, ':max': maxAttempts },
    },
  };
}

export async function deleteCode(key: Key): Promise<void> {
  await ddb().send(new DeleteCommand({ TableName: config().tableName, Key: key }));
}
