import { createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { keys } from '../shared/table';
import { auditPut, type AuditEntry, type TransactItem } from './audit';
import { codeItem, spendCode } from './codes-repo';
import { cancellationReasons, ddb } from './dynamo';

export type KycStatus = 'NONE' | 'PENDING' | 'VERIFIED' | 'REJECTED';
export type UserStatus = 'ACTIVE' | 'FROZEN';

export interface VerifiedIdentity {
  fullName: string;
  fullNameKana: string;
  dateOfBirth: string;
}

export interface UserRecord {
  userId: string;
  email: string;
  phoneNumber: string;
  phoneVerified: boolean;
  kycStatus: KycStatus;
  status: UserStatus;
  createdAt: string;
  termsVersion: string;
  ekycSessionId?: string;
  identity?: VerifiedIdentity;
  frozenReason?: string;
}

export interface WalletRecord {
  userId: string;
  balance: number;
  currency: 'JPY';
  version: number;
}

const table = () => config().tableName;

export async function transact(items: TransactItem[]): Promise<void> {
  await ddb().send(new TransactWriteCommand({ TransactItems: items }));
}

export async function getUser(userId: string): Promise<UserRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.user(userId) }));
  return out.Item as UserRecord | undefined;
}

export async function requireUser(userId: string): Promise<UserRecord> {
  const user = await getUser(userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No wallet account for this sign-in');
  return user;
}

export async function getWallet(userId: string): Promise<WalletRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.wallet(userId) }));
  return out.Item as WalletRecord | undefined;
}

export async function emailOwner(email: string): Promise<string | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.email(email) }));
  return out.Item?.userId as string | undefined;
}

/** The profile, the empty wallet, the email claim and the first phone code, all or nothing. */
export async function createUser(user: UserRecord, code: StoredCode, audit: AuditEntry, deviceId?: string): Promise<void> {
  const t = table();
  try {
    await transact([
      { Put: { TableName: t, Item: { ...keys.email(user.email), type: 'EMAIL', userId: user.userId }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: t, Item: { ...keys.user(user.userId), type: 'USER', ...user }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: t, Item: { ...keys.wallet(user.userId), type: 'WALLET', userId: user.userId, balance: 0, currency: 'JPY', version: 0 } } },
      { Put: { TableName: t, Item: codeItem(keys.phoneCode(user.userId), code) } },
      auditPut(t, audit),
      ...(deviceId ? [trustedDeviceItem(user.userId, deviceId, audit.at)] : []),
    ]);
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
    throw e;
  }
}

/** Marks the phone verified and spends the code in one step; a spent or changed code loses. */
export async function markPhoneVerified(userId: string, hash: string, maxAttempts: number, audit: AuditEntry, deviceId?: string): Promise<boolean> {
  const t = table();
  try {
    await transact([
      spendCode(keys.phoneCode(userId), hash, maxAttempts),
      { Update: { TableName: t, Key: keys.user(userId), UpdateExpression: 'SET phoneVerified = :t', ExpressionAttributeValues: { ':t': true } } },
      auditPut(t, audit),
      ...(deviceId ? [trustedDeviceItem(userId, deviceId, audit.at)] : []),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

/** Freezes a wallet (idempotent: freezing a frozen wallet changes nothing and records nothing). */
export async function freezeUser(userId: string, reason: string, audit: AuditEntry): Promise<boolean> {
  const t = table();
  try {
    await transact([
      {
        Update: {
          TableName: t,
          Key: keys.user(userId),
          UpdateExpression: 'SET #s = :frozen, frozenReason = :reason, frozenAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :frozen',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':frozen': 'FROZEN', ':reason': reason, ':at': new Date(audit.at).toISOString() },
        },
      },
      auditPut(t, audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

const deviceHash = (deviceId: string) => createHash('sha256').update(deviceId).digest('hex').slice(0, 32);

/** A device the user proved with an SMS code; charges from it need no new-device challenge. */
export function trustedDeviceItem(userId: string, deviceId: string, now: number): TransactItem {
  return { Put: { TableName: table(), Item: { ...keys.device(userId, deviceHash(deviceId)), type: 'DEVICE', trustedAt: new Date(now).toISOString() } } };
}

export async function isDeviceTrusted(userId: string, deviceId: string | undefined): Promise<boolean> {
  if (!deviceId) return false;
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.device(userId, deviceHash(deviceId)) }));
  return !!out.Item;
}

export async function unfreezeUser(userId: string, audit: AuditEntry): Promise<boolean> {
  const t = table();
  try {
    await transact([
      {
        Update: {
          TableName: t,
          Key: keys.user(userId),
          UpdateExpression: 'SET #s = :active REMOVE frozenReason, frozenAt',
          ConditionExpression: 'attribute_exists(pk) AND #s = :frozen',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':frozen': 'FROZEN', ':active': 'ACTIVE' },
        },
      },
      auditPut(t, audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}
