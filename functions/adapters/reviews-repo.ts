import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { ddb, isConditionFailure } from '../store/dynamo';

export type CaseStatus = 'OPEN' | 'APPROVED' | 'REJECTED' | 'CLOSED';

export interface ReviewCase {
  caseId: string;
  chargeId: string;
  userId: string;
  amount: number;
  reasons: string[];
  /** The version of the rule set that sent the charge here. */
  ruleVersion?: number;
  caseStatus: CaseStatus;
  createdAt: string;
  dueAt: string;
  expiresAt: string;
  taskToken?: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  /** The member of staff who owns the case (Cognito sub), their e-mail, and since when. */
  assigneeId?: string;
  assignee?: string;
  assignedAt?: string;
  /** Four eyes: the first APPROVE of a large charge, waiting for a second, distinct approver. */
  firstApproval?: { byId: string; by: string; at: string; note: string };
}

const table = () => config().tableName;

export const caseIdFor = (chargeId: string) => `case_${chargeId.slice(4)}`;

export async function getCase(caseId: string): Promise<ReviewCase | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.reviewCase(caseId), ConsistentRead: true }));
  return out.Item as ReviewCase | undefined;
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
    items.push(...((out.Items ?? []) as ReviewCase[]));
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
  return (out.Items ?? []) as ReviewCase[];
}

/**
 * Gives an open case to a member of staff. Without `takeOver` only an unowned case (or one the caller
 * holds already) can be taken; the condition makes two reviewers racing for a case end with one owner.
 */
export function assignCaseItem(caseId: string, staff: { id: string; email: string }, now: number, takeOver: boolean): TransactItem {
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
export function firstApprovalItem(caseId: string, approval: NonNullable<ReviewCase['firstApproval']>): TransactItem {
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
