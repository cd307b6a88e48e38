import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredCode } from '../domain/codes';
import type { AccountClaim, AccountLock, LinkRecord, LinkStatus, Strike } from '../domain/bank-link';
import type { ActivationResult, LinkStore } from '../store/links';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { codeItem, spendCode } from './codes-repo';
import { cancellationReasons, ddb } from './dynamo';
import { transact } from './dynamo';

export type { ActivationResult } from '../store/links';

const table = () => config().tableName;

export async function createLink(link: LinkRecord, audit: AuditEntry): Promise<void> {
  await transact([
    { Put: { TableName: table(), Item: { ...keys.link(link.userId, link.linkId), type: 'LINK', gsi1pk: `LINKACCT#${link.accountHash}`, gsi1sk: link.createdAt, ...link }, ConditionExpression: 'attribute_not_exists(pk)' } },
    auditPut(table(), audit),
  ]);
}

export async function getLink(userId: string, linkId: string): Promise<LinkRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.link(userId, linkId), ConsistentRead: true }));
  return out.Item as LinkRecord | undefined;
}

export async function listLinks(userId: string): Promise<LinkRecord[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':prefix': keys.linkPrefix },
    }),
  );
  return (out.Items ?? []) as LinkRecord[];
}

/** A conditional status move of a link, with whatever else must change with it, in one transaction. */
export function moveLinkItem(link: LinkRecord, to: LinkStatus, now: number, set: Partial<LinkRecord> = {}): TransactItem {
  const fields: Record<string, unknown> = { ...set, status: to, updatedAt: new Date(now).toISOString() };
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':from': link.status };
  const assignments = Object.entries(fields).map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = v;
    return `#f${i} = :v${i}`;
  });
  return {
    Update: {
      TableName: table(),
      Key: keys.link(link.userId, link.linkId),
      UpdateExpression: `SET ${assignments.join(', ')}`,
      ConditionExpression: '#st = :from',
      ExpressionAttributeNames: { ...names, '#st': 'status' },
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * A move into or out of ACTIVE changes the wallet item's mirror of its ACTIVE links in the same
 * transaction (the credit's condition reads it: functions/adapters/users-repo.ts walletControlsMirror).
 */
export function walletLinksItem(link: Pick<LinkRecord, 'userId' | 'linkId' | 'status'>, to: LinkStatus): TransactItem[] {
  const was = link.status === 'ACTIVE';
  const is = to === 'ACTIVE';
  if (was === is) return [];
  return [{
    Update: {
      TableName: table(), Key: keys.wallet(link.userId),
      UpdateExpression: `${is ? 'ADD' : 'DELETE'} activeLinks :l`,
      ExpressionAttributeValues: { ':l': new Set([link.linkId]) },
    },
  }];
}

/** Returns false when the link was no longer in the state it was read in (a concurrent change won). */
export async function moveLink(link: LinkRecord, to: LinkStatus, now: number, audit: AuditEntry, set: Partial<LinkRecord> = {}, extra: TransactItem[] = []): Promise<boolean> {
  try {
    await transact([moveLinkItem(link, to, now, set), auditPut(table(), audit), ...extra, ...walletLinksItem(link, to)]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
    throw e;
  }
}

/** The bank authorized the link: it moves to PENDING_CONFIRMATION with its code. */
export function awaitConfirmation(link: LinkRecord, now: number, audit: AuditEntry, set: Partial<LinkRecord>, code: StoredCode): Promise<boolean> {
  return moveLink(link, 'PENDING_CONFIRMATION', now, audit, set, [linkCodePut(link.linkId, code)]);
}

/** A link that held its account (ACTIVE or SUSPENDED) releases the claim as it goes; the wallet held the account until now. */
export function removeLink(link: LinkRecord, now: number, audit: AuditEntry): Promise<boolean> {
  const holdsClaim = link.status === 'ACTIVE' || link.status === 'SUSPENDED';
  return moveLink(link, 'REMOVED', now, audit, {}, holdsClaim ? [releaseClaimItem(link), accountWalletItem(link.accountHash, link.userId, now)] : []);
}

export function linkCodePut(linkId: string, code: StoredCode): TransactItem {
  return { Put: { TableName: table(), Item: codeItem(keys.linkCode(linkId), code) } };
}

/**
 * The claim on the account and the link's activation in one transaction: of two
 * wallets racing for one account, exactly one claim's condition holds.
 */
export async function activateLink(link: LinkRecord, code: { hash: string; maxAttempts: number }, now: number, audit: AuditEntry): Promise<ActivationResult> {
  try {
    await transact([
      {
        Put: {
          TableName: table(),
          Item: { ...keys.accountClaim(link.accountHash), type: 'ACCOUNT_CLAIM', userId: link.userId, linkId: link.linkId, bankCode: link.bankCode, since: new Date(now).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      moveLinkItem(link, 'ACTIVE', now, { activatedAt: new Date(now).toISOString() }),
      spendCode(keys.linkCode(link.linkId), code.hash, code.maxAttempts),
      auditPut(table(), audit),
      accountWalletItem(link.accountHash, link.userId, now),
      ...walletLinksItem(link, 'ACTIVE'),
    ]);
    return 'ACTIVATED';
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (reasons?.[0] === 'ConditionalCheckFailed') return 'ACCOUNT_TAKEN';
    if (reasons?.[1] === 'ConditionalCheckFailed' || reasons?.[2] === 'ConditionalCheckFailed') return 'STALE';
    throw e;
  }
}

/** Releases the account claim together with a move out of ACTIVE/SUSPENDED (with `accountWalletItem`: the wallet held it until now). */
export function releaseClaimItem(link: LinkRecord): TransactItem {
  return {
    Delete: {
      TableName: table(),
      Key: keys.accountClaim(link.accountHash),
      ConditionExpression: 'linkId = :lid',
      ExpressionAttributeValues: { ':lid': link.linkId },
    },
  };
}

/**
 * The account across wallets: attribute `w:<userId>` = when that wallet last held it ACTIVE (epoch ms),
 * written when a link becomes ACTIVE and when its claim is released. Only the account's HMAC is in the key.
 */
const ACCOUNT_WALLET_PREFIX = 'w:';
export function accountWalletItem(accountHash: string, userId: string, now: number): TransactItem {
  return {
    Update: {
      TableName: table(), Key: keys.accountWallets(accountHash),
      UpdateExpression: 'SET #type = :type, #w = :now',
      ExpressionAttributeNames: { '#type': 'type', '#w': `${ACCOUNT_WALLET_PREFIX}${userId}` },
      ExpressionAttributeValues: { ':type': 'ACCOUNT_WALLETS', ':now': now },
    },
  };
}

/** When the account was last ACTIVE on a wallet other than `userId`, if ever: one GetItem. */
export async function accountLastActiveElsewhere(accountHash: string, userId: string): Promise<number | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.accountWallets(accountHash) }));
  const others = Object.entries(out.Item ?? {}).filter(([k]) => k.startsWith(ACCOUNT_WALLET_PREFIX) && k !== `${ACCOUNT_WALLET_PREFIX}${userId}`).map(([, v]) => v as number);
  return others.length ? Math.max(...others) : undefined;
}

export async function getAccountClaim(accountHash: string): Promise<AccountClaim | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.accountClaim(accountHash), ConsistentRead: true }));
  const claim = out.Item as AccountClaim | undefined;
  return claim && { userId: claim.userId, linkId: claim.linkId };
}

export async function getAccountLock(accountHash: string, now: number): Promise<AccountLock | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.accountLock(accountHash), ConsistentRead: true }));
  const lock = out.Item as AccountLock | undefined;
  return lock && Date.parse(lock.until) > now ? { until: lock.until, reason: lock.reason } : undefined;
}

export async function lockAccount(accountHash: string, until: number, reason: string, audit: AuditEntry): Promise<void> {
  await transact([
    { Put: { TableName: table(), Item: { ...keys.accountLock(accountHash), type: 'ACCOUNT_LOCK', until: new Date(until).toISOString(), reason, ttl: Math.floor(until / 1000) } } },
    auditPut(table(), audit),
  ]);
}

/** A failed link attempt, counted against a wallet (`USER#id`) or a bank account (`ACCOUNT#hash`). */
export async function addStrike(subject: string, now: number, retentionDays: number, details: Record<string, unknown>): Promise<void> {
  const at = new Date(now).toISOString();
  await ddb().send(
    new PutCommand({
      TableName: table(),
      Item: { ...keys.strike(subject, at, randomUUID()), type: 'STRIKE', at, ...details, ttl: Math.floor(now / 1000) + retentionDays * 86400 },
    }),
  );
}

export async function strikesSince(subject: string, sinceMs: number): Promise<Strike[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': keys.strikePartition(subject), ':since': new Date(sinceMs).toISOString() },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []) as Strike[];
}

export async function noteStrikes(audit: AuditEntry): Promise<void> {
  await transact([auditPut(table(), audit)]);
}

/** Every link ever made to one bank account, in any wallet (by the account's HMAC). */
export async function linksOfAccount(accountHash: string): Promise<LinkRecord[]> {
  const items: LinkRecord[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :a',
        ExpressionAttributeValues: { ':a': `LINKACCT#${accountHash}` }, ExclusiveStartKey: cursor,
      }),
    );
    items.push(...((out.Items ?? []) as LinkRecord[]));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** The links store on DynamoDB (the item builders above stay exported for other DynamoDB modules' transactions). */
export const dynamoLinks: LinkStore = {
  getLink, listLinks, linksOfAccount, createLink, moveLink, awaitConfirmation, activateLink, removeLink,
  getAccountClaim, getAccountLock, lockAccount, addStrike, strikesSince, noteStrikes, accountLastActiveElsewhere,
};
