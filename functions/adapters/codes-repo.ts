import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import { config } from '../shared/config';
import { keys, type Key } from '../shared/table';
import type { CodeSlot, CodeStore } from '../store/codes';
import type { TransactItem } from './audit';
import { ddb, isConditionFailure } from './dynamo';

/**
 * One-time codes (phone, bank link, charge confirmation), stored by key. Codes
 * linger an hour past use so a resend window survives; DynamoDB TTL removes them after.
 */
const ttlFor = (code: StoredCode) => Math.floor(Math.max(code.expiresAt, code.windowStart + 3600_000) / 1000);

export function codeItem(key: Key, code: StoredCode) {
  return { ...key, type: 'CODE', ...code, ttl: ttlFor(code) };
}

/** Where each slot's code is: the phone's and a link's on their own items, a charge's on the charge item. */
export function codeKey(slot: CodeSlot): Key {
  switch (slot.purpose) {
    case 'phone':
      return keys.phoneCode(slot.userId);
    case 'link':
      return keys.linkCode(slot.linkId);
    case 'charge':
      return keys.charge(slot.userId, slot.chargeId);
  }
}

/** A charge's code is written and spent with the charge (its own store's verbs): replacing or deleting the item would destroy the charge. */
function mustOwnItem(slot: CodeSlot): void {
  if (slot.purpose === 'charge') throw new Error('a charge code is written and removed with its charge');
}

export async function getCode(slot: CodeSlot): Promise<StoredCode | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: config().tableName, Key: codeKey(slot), ConsistentRead: true }));
  return out.Item as StoredCode | undefined;
}

/** Replaces a code, unless another send won the race (then the caller is rate limited). */
export async function replaceCode(slot: CodeSlot, code: StoredCode, previousSentAt: number | undefined): Promise<boolean> {
  mustOwnItem(slot);
  try {
    await ddb().send(
      new PutCommand({
        TableName: config().tableName,
        Item: codeItem(codeKey(slot), code),
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
export async function countWrongCode(slot: CodeSlot, hash: string, maxAttempts: number): Promise<number | undefined> {
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: codeKey(slot),
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

export async function deleteCode(slot: CodeSlot): Promise<void> {
  mustOwnItem(slot);
  await ddb().send(new DeleteCommand({ TableName: config().tableName, Key: codeKey(slot) }));
}

/** The codes port on DynamoDB. */
export const dynamoCodes: CodeStore = { getCode, replaceCode, countWrongCode, deleteCode };
