import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { caseIdFor, type CaseStatus, type FirstApproval, type ReviewCase, type SharedVia } from '../domain/review';
import { config } from '../shared/config';
import { isDomainError } from '../shared/errors';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { doneWaitingItem, finishUnsuccessfully, moveChargeItem, transactGuarded } from './charges-repo';
import type { ChargeRecord } from '../domain/charge';
import { deviceHash } from '../domain/user';
import { cancellationReasons, ddb, isConditionFailure, transact } from './dynamo';
import type { CaseDecision, CaseHolder, ReviewStore } from '../store/reviews';

const table = () => config().tableName;

/** An item read back as its entity: the table's key and index attributes and its type tag left out. */
export function entityOf<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, type: _type, gsi1pk: _g1, gsi1sk: _s1, gsi2pk: _g2, gsi2sk: _s2, ttl: _ttl, ...entity } = item;
  return entity as T;
}

export async function getCase(caseId: string): Promise<ReviewCase | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.reviewCase(caseId), ConsistentRead: true }));
  return out.Item && entityOf<ReviewCase>(out.Item);
}

/**
 * Opens the case with the workflow's task token, or hands a new token to the open
 * case (an execution resumed by the sweeper). Returns the case as it now stands.
 */
export async function openCaseWithToken(c: Omit<ReviewCase, 'caseStatus' | 'taskToken'>, taskToken: string): Promise<ReviewCase> {
  try {
    await ddb().send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.reviewCase(c.caseId), type: 'REVIEW', ...c, caseStatus: 'OPEN', taskToken, gsi1pk: keys.openReviewsIndexKey, gsi1sk: `${c.createdAt}#${c.caseId}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { ...c, caseStatus: 'OPEN', taskToken };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.reviewCase(c.caseId),
        UpdateExpression: 'SET taskToken = :t',
        ConditionExpression: 'caseStatus = :open',
        ExpressionAttributeValues: { ':t': taskToken, ':open': 'OPEN' },
      }),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  return (await getCase(c.caseId))!;
}

export async function openCases(): Promise<ReviewCase[]> {
  const items: ReviewCase[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :open',
        ExpressionAttributeValues: { ':open': keys.openReviewsIndexKey },
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(out.Items ?? []).map((i) => entityOf<ReviewCase>(i)));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** Closes an open case (decision, or the charge ended otherwise); leaves the open-reviews index. */
export function closeCaseItem(caseId: string, status: Exclude<CaseStatus, 'OPEN'>, now: number, by: string, note?: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.reviewCase(caseId),
      // Leaves the open queue for the closed one (GET /v1/ops/reviews?status=CLOSED, newest decision first).
      UpdateExpression: 'SET caseStatus = :s, decidedBy = :by, decidedAt = :at, note = :note, gsi1pk = :closed, gsi1sk = :closedsk',
      ConditionExpression: 'caseStatus = :open',
      ExpressionAttributeValues: {
        ':s': status, ':by': by, ':at': new Date(now).toISOString(), ':note': note ?? null, ':open': 'OPEN',
        ':closed': keys.closedReviewsIndexKey, ':closedsk': `${new Date(now).toISOString()}#${caseId}`,
      },
    },
  };
}

/** Decided or otherwise closed cases, newest first (cases closed before this index existed are not listed). */
export async function closedCases(limit = 100): Promise<ReviewCase[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :c', ExpressionAttributeValues: { ':c': keys.closedReviewsIndexKey },
      ScanIndexForward: false, Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => entityOf<ReviewCase>(i));
}

/**
 * Gives an open case to a member of staff. Without `takeOver` only an unowned case (or one the caller
 * holds already) can be taken; the condition makes two reviewers racing for a case end with one owner.
 */
function assignCaseItem(caseId: string, staff: { id: string; email: string }, now: number, takeOver: boolean): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.reviewCase(caseId),
      UpdateExpression: 'SET assigneeId = :id, assignee = :email, assignedAt = :at',
      ConditionExpression: takeOver ? 'caseStatus = :open' : 'caseStatus = :open AND (attribute_not_exists(assigneeId) OR assigneeId = :id)',
      ExpressionAttributeValues: { ':id': staff.id, ':email': staff.email, ':at': new Date(now).toISOString(), ':open': 'OPEN' },
    },
  };
}

/** The first of two approvals: recorded once, while the case is open and nobody has approved yet. */
function firstApprovalItem(caseId: string, approval: FirstApproval): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.reviewCase(caseId),
      UpdateExpression: 'SET firstApproval = :a',
      ConditionExpression: 'caseStatus = :open AND attribute_not_exists(firstApproval)',
      ExpressionAttributeValues: { ':a': approval, ':open': 'OPEN' },
    },
  };
}

/** True if the transaction went through; false if one of its conditions failed (a concurrent change won). */
async function conditional(items: TransactItem[]): Promise<boolean> {
  try {
    await transact(items);
    return true;
  } catch (e) {
    if (cancellationReasons(e)) return false;
    throw e;
  }
}

export const assignCase = (caseId: string, staff: CaseHolder, now: number, takeOver: boolean, audit: AuditEntry) =>
  conditional([assignCaseItem(caseId, staff, now, takeOver), auditPut(table(), audit)]);

export const recordFirstApproval = (caseId: string, approval: FirstApproval, audit: AuditEntry) => conditional([firstApprovalItem(caseId, approval), auditPut(table(), audit)]);

/** The approval and the charge's controls in one transaction: a frozen wallet, a removed link or a bank switched off stops the charge here. */
export function approveCase(c: ReviewCase, charge: ChargeRecord, d: CaseDecision, audit: AuditEntry) {
  return transactGuarded(
    [
      moveChargeItem(charge, 'PROCESSING', d.at, d.actor, { reason: 'REVIEW_APPROVED' }),
      closeCaseItem(c.caseId, 'APPROVED', d.at, d.actor, d.note),
      auditPut(table(), audit),
      doneWaitingItem(charge.userId, charge.chargeId),
    ],
    charge,
  );
}

export async function rejectCase(c: ReviewCase, d: CaseDecision, audit: AuditEntry): Promise<boolean> {
  try {
    const ended = await finishUnsuccessfully(c.userId, c.chargeId, 'DECLINED', d.at, d.actor, 'REVIEW_REJECTED', [closeCaseItem(c.caseId, 'REJECTED', d.at, d.actor, d.note), auditPut(table(), audit)]);
    return ended.changed;
  } catch (e) {
    // Every round lost on the case's own condition: another decision closed it (an APPROVE moved the charge on,
    // so the charge is not ended and the window was never the conflict). That is a refusal, not a busy wallet.
    if (isDomainError(e) && e.code === 'RATE_LIMITED' && (await getCase(c.caseId))?.caseStatus !== 'OPEN') return false;
    throw e;
  }
}

/** The case leaves the queue because its charge ended otherwise; a decided or closed case is left as it is. */
export async function closeCase(caseId: string, now: number, actor: string, note: string): Promise<void> {
  await conditional([closeCaseItem(caseId, 'CLOSED', now, actor, note)]);
}

export async function trustLink(userId: string, linkId: string, now: number, actor: string): Promise<void> {
  await transact([
    {
      Update: {
        TableName: table(),
        Key: keys.link(userId, linkId),
        UpdateExpression: 'SET trustedAt = :at, trustedBy = :by',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':by': actor },
      },
    },
  ]);
}

const SHARED_INDEX: Record<SharedVia, { index: 'gsi1' | 'gsi2'; key: (value: string) => string }> = {
  BANK_ACCOUNT: { index: 'gsi1', key: (accountHash) => `LINKACCT#${accountHash}` },
  DEVICE: { index: 'gsi1', key: (deviceId) => keys.deviceIndexKey(deviceHash(deviceId)) },
  PHONE: { index: 'gsi1', key: (phoneNumber) => keys.phoneIndexKey(phoneNumber) },
  EKYC_IDENTITY: { index: 'gsi2', key: (identity) => keys.identityIndexKey(identity) },
};

/** Wallets found under one second key (an index query by key: no scan). */
export async function walletsSharing(via: SharedVia, value: string): Promise<string[]> {
  const { index, key } = SHARED_INDEX[via];
  const attr = index === 'gsi1' ? 'gsi1pk' : 'gsi2pk';
  const out = await ddb().send(
    new QueryCommand({ TableName: table(), IndexName: index, KeyConditionExpression: `${attr} = :k`, ExpressionAttributeValues: { ':k': key(value) }, Limit: 50 }),
  );
  return [...new Set((out.Items ?? []).map((i) => String(i.pk).replace(/^USER#/, '')))];
}

/** The review cases on the table. */
export const reviewsRepo: ReviewStore = {
  caseIdFor, getCase, openCaseWithToken, openCases, closedCases,
  assign: assignCase, recordFirstApproval, approve: approveCase, reject: rejectCase, closeCase, trustLink, walletsSharing,
};
