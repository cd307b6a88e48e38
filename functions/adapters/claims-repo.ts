import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import type { TransactItem } from './audit';
import { ddb, isConditionFailure } from '../store/dynamo';
import type { ChargeRecord } from './charges-repo';

/** OPENING: the claim is being assembled (its charges marked in batches); not listed, not payable. */
export type ClaimStatus = 'OPENING' | 'OPEN' | 'PAYING' | 'PAID' | 'DENIED';

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

/** Decided claims (PAID, DENIED), newest opened first; claims decided before this index existed are not listed. */
export async function closedClaims(limit = 200): Promise<Claim[]> {
  const out = await ddb().send(
    new QueryCommand({ TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :c', ExpressionAttributeValues: { ':c': keys.closedClaimsIndexKey }, ScanIndexForward: false, Limit: limit }),
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

/** A new claim, OPENING (not listed) until all its charges are marked: false if it exists already. */
export async function putOpeningClaim(claim: Claim): Promise<boolean> {
  try {
    await ddb().send(new PutCommand({ TableName: table(), Item: { ...keys.claim(claim.claimId), type: 'CLAIM', ...claim, claimStatus: 'OPENING' }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** OPENING → OPEN: the claim enters the ops queue once every charge is marked. */
export function openClaimItem(claim: Pick<Claim, 'claimId' | 'createdAt'>): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.claim(claim.claimId),
      UpdateExpression: 'SET claimStatus = :open, gsi1pk = :idx, gsi1sk = :sk',
      ConditionExpression: 'claimStatus = :opening',
      ExpressionAttributeValues: { ':open': 'OPEN', ':opening': 'OPENING', ':idx': keys.openClaimsIndexKey, ':sk': `${claim.createdAt}#${claim.claimId}` },
    },
  };
}

export async function deleteOpeningClaim(claimId: string): Promise<void> {
  try {
    await ddb().send(new DeleteCommand({ TableName: table(), Key: keys.claim(claimId), ConditionExpression: 'claimStatus = :opening', ExpressionAttributeValues: { ':opening': 'OPENING' } }));
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}

/**
 * A charge joins at most one claim: the condition stops paying the same charge twice.
 * Marking it again for the same claim changes nothing, so a retried batch finishes the job.
 */
export function claimChargeItem(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, claimId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.charge(charge.userId, charge.chargeId),
      UpdateExpression: 'SET claimId = :c',
      ConditionExpression: '(attribute_not_exists(claimId) OR claimId = :c) AND #s = :completed',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':c': claimId, ':completed': 'COMPLETED' },
    },
  };
}

/** Frees a charge from a claim (a denied or abandoned one), so it can be claimed again. */
export function unclaimChargeItem(charge: Pick<ChargeRecord, 'userId' | 'chargeId'>, claimId: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.charge(charge.userId, charge.chargeId),
      UpdateExpression: 'REMOVE claimId',
      ConditionExpression: 'claimId = :c',
      ExpressionAttributeValues: { ':c': claimId },
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
  // A decided claim leaves the open queue for the closed one (listable with ?status=CLOSED).
  if (to === 'PAID' || to === 'DENIED') {
    values[':closed'] = keys.closedClaimsIndexKey;
    sets.push('gsi1pk = :closed');
  }
  return {
    Update: {
      TableName: table(),
      Key: keys.claim(claimId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: '#s = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
