import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import {
  deviceFactsFrom, deviceHash, deviceStampDue, deviceUseCounts, EMAIL_RESERVATION_MS, NO_DEVICE, youngDevicesYen,
  type DeviceFacts, type DeviceRecord, type EmailReservation, type UserRecord, type WalletRecord,
} from '../domain/user';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { codeItem, spendCode } from './codes-repo';
import { cancellationReasons, ddb, transact } from './dynamo';
import type { UserStore } from '../store/users';

const table = () => config().tableName;

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

/**
 * Claims an email for one sign-up before anything is created at Cognito, so two
 * sign-ups of one address can never both proceed. `held` if this sign-up holds it;
 * `previous` is the stale reservation it took over, if any.
 */
export async function reserveEmail(email: string, reservationId: string, now: number): Promise<{ held: boolean; previous?: EmailReservation }> {
  try {
    const out = await ddb().send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.email(email), type: 'EMAIL', reservationId, reservedAt: now, ttl: Math.floor(now / 1000) + 86400 },
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(userId) AND reservedAt < :stale)',
        ExpressionAttributeValues: { ':stale': now - EMAIL_RESERVATION_MS },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = out.Attributes as EmailReservation | undefined;
    return { held: true, previous: old ? { reservationId: old.reservationId, reservedAt: old.reservedAt, signInSub: old.signInSub } : undefined };
  } catch (e) {
    if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return { held: false };
    throw e;
  }
}

/**
 * Records on the reservation which Cognito user this sign-up created, so that if it dies
 * before the profile is written, a later sign-up can tell its orphan from anyone else's
 * sign-in (staff, or users made outside the API) and remove only the orphan.
 */
export async function recordSignInCreated(email: string, reservationId: string, sub: string): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.email(email),
      UpdateExpression: 'SET signInSub = :s',
      ConditionExpression: 'reservationId = :r AND attribute_not_exists(userId)',
      ExpressionAttributeValues: { ':s': sub, ':r': reservationId },
    }),
  );
}

export async function releaseEmail(email: string, reservationId: string): Promise<void> {
  try {
    await ddb().send(
      new DeleteCommand({
        TableName: table(),
        Key: keys.email(email),
        ConditionExpression: 'reservationId = :r AND attribute_not_exists(userId)',
        ExpressionAttributeValues: { ':r': reservationId },
      }),
    );
  } catch (e) {
    if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
  }
}

/** The profile, the empty wallet, the email claim made final and the first phone code, all or nothing. */
export async function createUser(user: UserRecord, code: StoredCode, audit: AuditEntry, reservationId: string, deviceId?: string): Promise<void> {
  const t = table();
  try {
    await transact([
      {
        Update: {
          TableName: t,
          Key: keys.email(user.email),
          UpdateExpression: 'SET userId = :u REMOVE #ttl, reservedAt, signInSub',
          ConditionExpression: 'reservationId = :r AND attribute_not_exists(userId)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':u': user.userId, ':r': reservationId },
        },
      },
      // The phone is a second key of the wallet (gsi1): wallets sharing a phone are found by it.
      { Put: { TableName: t, Item: { ...keys.user(user.userId), type: 'USER', ...user, gsi1pk: keys.phoneIndexKey(user.phoneNumber), gsi1sk: user.userId }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: t, Item: { ...keys.wallet(user.userId), type: 'WALLET', userId: user.userId, balance: 0, currency: 'JPY', version: 0, ...walletControlsMirror() } } },
      { Put: { TableName: t, Item: codeItem(keys.phoneCode(user.userId), code) } },
      auditPut(t, audit),
      ...(deviceId ? [trustedDeviceItem(user.userId, deviceId, audit.at), deviceWalletItem(deviceId, user.userId, audit.at)] : []),
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

/**
 * The wallet item mirrors the wallet's status and its ACTIVE links (`walletStatus`, `activeLinks`),
 * written in the same transaction as every freeze, unfreeze and link move, so the ledger's credit
 * holds those controls as conditions of the balance update it makes anyway (no ConditionCheck, no
 * write unit). `controlsMirror` marks a wallet whose mirror is complete from its creation; one
 * created before the mirror existed is credited with ConditionChecks instead. So is one created
 * while older code may still run (`CONTROLS_MIRROR=untrusted`): that code freezes and unlinks without
 * writing the copy, so such a wallet is never marked.
 */
const walletControlsMirror = () => ({ walletStatus: 'ACTIVE', ...(config().controlsMirror === 'trusted' ? { controlsMirror: 1 } : {}) });

export function walletStatusItem(userId: string, status: UserRecord['status']): TransactItem {
  return {
    Update: { TableName: table(), Key: keys.wallet(userId), UpdateExpression: 'SET walletStatus = :s', ExpressionAttributeValues: { ':s': status } },
  };
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
          UpdateExpression: 'SET #s = :frozen, frozenReason = :reason, frozenAt = :at REMOVE unfreezeRequest',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :frozen',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':frozen': 'FROZEN', ':reason': reason, ':at': new Date(audit.at).toISOString() },
        },
      },
      walletStatusItem(userId, 'FROZEN'),
      auditPut(t, audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

/** A charge attempt by a frozen wallet: counted on the user, never stored as a charge. */
export async function countDeniedWhileFrozen(userId: string): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: table(), Key: keys.user(userId), UpdateExpression: 'ADD deniedWhileFrozen :one', ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  ).catch((e: unknown) => {
    if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
  });
}

/** A device the user proved with an SMS code; charges from it need no new-device challenge. */
export function trustedDeviceItem(userId: string, deviceId: string, now: number): TransactItem {
  const hash = deviceHash(deviceId);
  return {
    Update: {
      TableName: table(),
      Key: keys.device(userId, hash),
      // First seen is kept; the device is a second key of the wallet (gsi1): wallets sharing it are found by it.
      UpdateExpression: 'SET #type = :type, trustedAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at), gsi1pk = :d, gsi1sk = :u',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'DEVICE', ':at': new Date(now).toISOString(), ':d': keys.deviceIndexKey(hash), ':u': userId },
    },
  };
}

export async function getDevice(userId: string, deviceId: string): Promise<{ trustedAt: string; firstSeenAt?: string } | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.device(userId, deviceHash(deviceId)) }));
  return out.Item as { trustedAt: string; firstSeenAt?: string } | undefined;
}

export async function isDeviceTrusted(userId: string, deviceId: string | undefined): Promise<boolean> {
  if (!deviceId) return false;
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.device(userId, deviceHash(deviceId)) }));
  // A device item without trustedAt was only seen (a charge from it), never proved with a code.
  return !!out.Item?.trustedAt;
}

/** The device across wallets: attribute `w:<userId>` = when that wallet last used it (epoch ms). Only the hash of the id is stored. */
const DEVICE_WALLET_PREFIX = 'w:';
export function deviceWalletItem(deviceId: string, userId: string, now: number): TransactItem {
  return {
    Update: {
      TableName: table(), Key: keys.deviceWallets(deviceHash(deviceId)),
      UpdateExpression: 'SET #type = :type, #w = :now',
      ExpressionAttributeNames: { '#type': 'type', '#w': `${DEVICE_WALLET_PREFIX}${userId}` },
      ExpressionAttributeValues: { ':type': 'DEVICE_WALLETS', ':now': now },
    },
  };
}

/**
 * Read in parallel: the wallet's item for this device and the device's cross-wallet item (GetItems by
 * key), and the wallet's own device items (one Query in the user's partition) for the young devices' yen.
 */
export async function getDeviceFacts(userId: string, deviceId: string | undefined): Promise<DeviceFacts> {
  const hash = deviceHash(deviceId ?? NO_DEVICE);
  const [own, across, mine] = await Promise.all([
    ddb().send(new GetCommand({ TableName: table(), Key: keys.device(userId, hash), ConsistentRead: true })),
    deviceId ? ddb().send(new GetCommand({ TableName: table(), Key: keys.deviceWallets(hash) })) : Promise.resolve({ Item: undefined }),
    ddb().send(new QueryCommand({
      TableName: table(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)', ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':d': 'DEVICE#' }, ProjectionExpression: 'firstSeenAt, trustedAt, yenMoved', Limit: 100,
    })),
  ]);
  const wallets = Object.entries(across.Item ?? {}).filter(([k]) => k.startsWith(DEVICE_WALLET_PREFIX)).map(([k, v]) => [k.slice(DEVICE_WALLET_PREFIX.length), v as number] as [string, number]);
  return deviceFactsFrom({ userId, deviceId, own: own.Item as DeviceRecord | undefined, lastUseByWallet: wallets, walletDevices: (mine.Items ?? []) as DeviceRecord[] });
}

/** Records a charge's use of its device: first seen and yen on this wallet, and the cross-wallet stamp. Writes only what changed. */
export async function recordDeviceUse(userId: string, deviceId: string | undefined, facts: DeviceFacts, now: number, amount: number): Promise<void> {
  const hash = deviceHash(deviceId ?? NO_DEVICE);
  const writes: Promise<unknown>[] = [];
  const use = deviceUseCounts(facts, now, amount);
  if (use.write) {
    writes.push(ddb().send(new UpdateCommand({
      TableName: table(), Key: keys.device(userId, hash),
      // Seen, not trusted: no trustedAt (only a code proves a device). A second key of the wallet like a trusted one (gsi1).
      UpdateExpression: 'SET #type = :type, firstSeenAt = if_not_exists(firstSeenAt, :at), gsi1pk = :d, gsi1sk = :u ADD yenMoved :yen',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'DEVICE', ':at': new Date(now).toISOString(), ':d': keys.deviceIndexKey(hash), ':u': userId, ':yen': use.yen },
    })));
  }
  if (deviceId && deviceStampDue(deviceId, facts, now)) {
    writes.push(ddb().send(new UpdateCommand(deviceWalletItem(deviceId, userId, now).Update!)));
  }
  await Promise.all(writes);
}

export async function unfreezeUser(userId: string, audit: AuditEntry): Promise<boolean> {
  const t = table();
  try {
    await transact([
      {
        Update: {
          TableName: t,
          Key: keys.user(userId),
          UpdateExpression: 'SET #s = :active REMOVE frozenReason, frozenAt, unfreezeRequest',
          ConditionExpression: 'attribute_exists(pk) AND #s = :frozen',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':frozen': 'FROZEN', ':active': 'ACTIVE' },
        },
      },
      walletStatusItem(userId, 'ACTIVE'),
      auditPut(t, audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

/** Records the first of two unfreezes (once, while the wallet is frozen); false if one is recorded already. */
export async function requestUnfreeze(userId: string, request: NonNullable<UserRecord['unfreezeRequest']>, audit: AuditEntry): Promise<boolean> {
  try {
    await transact([
      {
        Update: {
          TableName: table(),
          Key: keys.user(userId),
          UpdateExpression: 'SET unfreezeRequest = :r',
          ConditionExpression: '#s = :frozen AND attribute_not_exists(unfreezeRequest)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':r': request, ':frozen': 'FROZEN' },
        },
      },
      auditPut(table(), audit),
    ]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

/** The users port on DynamoDB. */
export const dynamoUsers: UserStore = {
  getUser, requireUser, getWallet, reserveEmail, recordSignInCreated, releaseEmail, createUser, markPhoneVerified,
  freezeUser, unfreezeUser, requestUnfreeze, countDeniedWhileFrozen, getDevice, isDeviceTrusted, getDeviceFacts, recordDeviceUse,
  deviceHash, youngDevicesYen,
};
