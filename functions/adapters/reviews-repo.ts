import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { ddb, isConditionFailure } from './dynamo';

export type CaseStatus = 'OPEN' | 'APPROVED' | 'REJECTED' | 'CLOSED';

export interface ReviewCase {
  caseId: string;
  chargeId: string;
  userId: string;
  amount: number;
  reasons: string[];
  caseStatus: CaseStatus;
  createdAt: string;
  dueAt: string;
  expiresAt: string;
  taskToken?: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
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
      UpdateExpression: 'SET caseStatus = :s, decidedBy = :by, decidedAt = :at, note = :note REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'caseStatus = :open',
      ExpressionAttributeValues: { ':s': status, ':by': by, ':at': new Date(now).toISOString(), ':note': note ?? null, ':open': 'OPEN' },
    },
  };
}
