import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { keys } from '../shared/table';
import { auditPut, type AuditEntry, type TransactItem } from './audit';
import { codeItem, spendCode } from './codes-repo';
import { cancellationReasons, ddb, transact } from '../store/dynamo';

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
  deniedWhileFrozen?: number;
  /** Four eyes: the first of two unfreezes of a wallet a holder or a bank reported. */
  unfreezeRequest?: { byId: string; by: string; at: string; reason: string };
}

export interface WalletRecord {
  userId: string;
  balance: number;
  currency: 'JPY';
  version: number;
}

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

/** A reservation older than this belongs to a sign-up that died; another may take the email over. */
export const EMAIL_RESERVATION_MS = 60_000;

/** What a dead sign-up left on the email it had reserved. */
export interface EmailReservation {
  reservationId: string;
  reservedAt: number;
  /** The Cognito user that sign-up created (its sub), recorded right after it was created. */
  signInSub?: string;
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
      { Put: { TableName: t, Item: { ...keys.wallet(user.userId), type: 'WALLET', userId: user.userId, balance: 0, currency: 'JPY', version: 0 } } },
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

export const deviceHash = (deviceId: string) => createHash('sha256').update(deviceId).digest('hex').slice(0, 32);

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

/** What the risk engine knows about a charge's device: this wallet's record of it and the other wallets that used it. */
export interface DeviceFacts {
  trusted: boolean;
  /** First seen on this wallet (epoch ms); undefined if never. */
  firstSeenAt?: number;
  /** Yen charged through it on this wallet since first seen (counted while it is young). */
  yenMoved: number;
  /** When this wallet last used it, as the cross-wallet item has it. */
  seenHereAt?: number;
  otherWalletsSeenAt: number[];
  /**
   * Every device of this wallet as first seen (epoch ms) and yen moved through it (this one included).
   * A device id is the client's word: a thief who sends a fresh id per charge must not get a fresh
   * allowance per charge, so the new-device rule sums the wallet's young devices (`youngDevicesYen`).
   */
  walletDevices: { firstSeenAt: number; yenMoved: number }[];
}

/** The device of a charge that names none: counted on the wallet as one device of its own, never trusted, never shared across wallets. */
export const NO_DEVICE = 'no-device-header';

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
  const item = own.Item as { trustedAt?: string; firstSeenAt?: string; yenMoved?: number } | undefined;
  const wallets = Object.entries(across.Item ?? {}).filter(([k]) => k.startsWith(DEVICE_WALLET_PREFIX)).map(([k, v]) => [k.slice(DEVICE_WALLET_PREFIX.length), v as number] as const);
  const firstSeen = item?.firstSeenAt ?? item?.trustedAt;
  const walletDevices = ((mine.Items ?? []) as { firstSeenAt?: string; trustedAt?: string; yenMoved?: number }[])
    .map((d) => ({ firstSeenAt: Date.parse(d.firstSeenAt ?? d.trustedAt ?? ''), yenMoved: d.yenMoved ?? 0 }))
    .filter((d) => Number.isFinite(d.firstSeenAt));
  return {
    trusted: !!deviceId && !!item?.trustedAt,
    firstSeenAt: firstSeen ? Date.parse(firstSeen) : undefined,
    yenMoved: item?.yenMoved ?? 0,
    seenHereAt: wallets.find(([u]) => u === userId)?.[1],
    otherWalletsSeenAt: wallets.filter(([u]) => u !== userId).map(([, at]) => at),
    walletDevices,
  };
}

/** Yen moved on the wallet through devices first seen on it within the last `hours`. */
export const youngDevicesYen = (facts: Pick<DeviceFacts, 'walletDevices'>, now: number, hours: number) =>
  facts.walletDevices.filter((d) => now - d.firstSeenAt < hours * 3600_000).reduce((sum, d) => sum + d.yenMoved, 0);

/** A device's yen is counted while it is this young on the wallet (the new-device rule looks back hours, not weeks). */
const DEVICE_YEN_DAYS = 7;
/** The cross-wallet stamp is refreshed at most this often: windows of days need no fresher one, and the common charge writes nothing. */
const DEVICE_STAMP_REFRESH_MS = 3600_000;

/** Records a charge's use of its device: first seen and yen on this wallet, and the cross-wallet stamp. Writes only what changed. */
export async function recordDeviceUse(userId: string, deviceId: string | undefined, facts: DeviceFacts, now: number, amount: number): Promise<void> {
  const hash = deviceHash(deviceId ?? NO_DEVICE);
  const writes: Promise<unknown>[] = [];
  const young = facts.firstSeenAt === undefined || now - facts.firstSeenAt < DEVICE_YEN_DAYS * 86_400_000;
  if (facts.firstSeenAt === undefined || (young && amount > 0)) {
    writes.push(ddb().send(new UpdateCommand({
      TableName: table(), Key: keys.device(userId, hash),
      // Seen, not trusted: no trustedAt (only a code proves a device). A second key of the wallet like a trusted one (gsi1).
      UpdateExpression: 'SET #type = :type, firstSeenAt = if_not_exists(firstSeenAt, :at), gsi1pk = :d, gsi1sk = :u ADD yenMoved :yen',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'DEVICE', ':at': new Date(now).toISOString(), ':d': keys.deviceIndexKey(hash), ':u': userId, ':yen': young ? amount : 0 },
    })));
  }
  // A charge without a device id is not stamped across wallets: every such wallet would look shared.
  if (deviceId && (facts.seenHereAt === undefined || now - facts.seenHereAt >= DEVICE_STAMP_REFRESH_MS)) {
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
