import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { ddb } from './dynamo';
import type { ChargeRecord } from './charges-repo';

export type ClaimStatus = 'OPEN' | 'PAYING' | 'PAID' | 'DENIED';

/** A compensation claim: charges that drained one bank account through one wallet. */
export interface Claim {
  claimId: string;
  userId: string;
  linkId: string;
  bankCode: string;
  accountRef: string;
  chargeIds: string[];
  amount: number;
  claimStatus: ClaimStatus;
  source: string;
  note: string;
  createdAt: string;
  createdBy: string;
  decidedBy?: string;
  decidedAt?: string;
  refunded?: number;
  clawback?: number;
  loss?: number;
}

const table = () => config().tableName;

export async function getClaim(claimId: string): Promise<Claim | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.claim(claimId), ConsistentRead: true }));
  return out.Item as Claim | undefined;
}

export async function openClaims(): Promise<Claim[]> {
  const out = await ddb().send(
    new QueryCommand({ TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :o', ExpressionAttributeValues: { ':o': keys.openClaimsIndexKey } }),
  );
  return (out.Items ?? []) as Claim[];
}

/** The user-partition key of a charge found by its id alone (the keys-only index). */
export async function findChargeKey(chargeId: string): Promise<{ pk: string; sk: string } | undefined> {
  const out = await ddb().send(
    new QueryCommand({ TableName: table(), IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :c', ExpressionAttributeValues: { ':c': chargeId } }),
  );
  const item = out.Items?.[0];
  return item ? { pk: item.pk as string, sk: item.sk as string } : undefined;
}

export function claimPut(claim: Claim): TransactItem {
  return {
    Put: {
      TableName: table(),
      Item: { ...keys.claim(claim.claimId), type: 'CLAIM', gsi1pk: keys.openClaimsIndexKey, gsi1sk: `${claim.createdAt}#${claim.claimId}`, ...claim },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A charge joins at most one claim: the condition stops paying the same charge twice. */
export function claimChargeItem(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, claimId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.charge(charge.userId, charge.chargeId),
      UpdateExpression: 'SET claimId = :c',
      ConditionExpression: 'attribute_not_exists(claimId) AND #s = :completed',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':c': claimId, ':completed': 'COMPLETED' },
    },
  };
}

export function moveClaimItem(claimId: string, from: ClaimStatus, to: ClaimStatus, set: Record<string, unknown> = {}): TransactItem {
  const names: Record<string, string> = { '#s': 'claimStatus' };
  const values: Record<string, unknown> = { ':from': from, ':to': to };
  const sets = ['#s = :to'];
  Object.entries(set).forEach(([k, v], i) => {
    names[`#k${i}`] = k;
    values[`:v${i}`] = v;
    sets.push(`#k${i} = :v${i}`);
  });
  const done = to === 'PAID' || to === 'DENIED';
  return {
    Update: {
      TableName: table(),
      Key: keys.claim(claimId),
      UpdateExpression: `SET ${sets.join(', ')}${done ? ' REMOVE gsi1pk, gsi1sk' : ''}`,
      ConditionExpression: '#s = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
