import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Claim, ClaimedCharge, ClaimStatus, NotMeReport } from '../domain/claim';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import { cancellationReasons, ddb, isConditionFailure, transact } from './dynamo';
import type { ClaimStore } from '../store/claims';


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
export function claimChargeItem(charge: ClaimedCharge, claimId: string): TransactItem {
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
export function unclaimChargeItem(charge: ClaimedCharge, claimId: string): TransactItem {
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

/** DynamoDB takes at most 100 items in one transaction: claims of any size are marked in batches. */
const BATCH = 100;
const batches = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

/** Runs each item on its own, for a batch that failed as a whole: items whose condition already holds the outcome change nothing. */
async function eachIgnoringConditions(items: TransactItem[]): Promise<string[]> {
  const failed: string[] = [];
  for (const item of items) {
    try {
      await transact([item]);
    } catch (e) {
      if (!cancellationReasons(e)) throw e;
      failed.push(String((item.Update?.Key as { sk?: string } | undefined)?.sk ?? '').replace(/^CHARGE#/, ''));
    }
  }
  return failed;
}

/** True if the transaction ran, false if a condition cancelled it. */
async function transactIf(items: TransactItem[]): Promise<boolean> {
  try {
    await transact(items);
    return true;
  } catch (e) {
    if (!cancellationReasons(e)) throw e;
    return false;
  }
}

export const claimStore: ClaimStore = {
  get: getClaim,
  listOpen: openClaims,
  listClosed: closedClaims,
  async ownerOfCharge(chargeId) {
    return (await findChargeKey(chargeId))?.pk.replace(/^USER#/, '');
  },
  begin: putOpeningClaim,
  async markCharges(claimId, charges) {
    for (const batch of batches(charges)) if (!(await transactIf(batch.map((c) => claimChargeItem(c, claimId))))) return false;
    return true;
  },
  async unmarkCharges(claimId, charges) {
    const failed: string[] = [];
    for (const batch of batches(charges)) {
      const items = batch.map((c) => unclaimChargeItem(c, claimId));
      // Some of a failed batch were freed by an earlier try: each is tried on its own.
      if (!(await transactIf(items))) failed.push(...(await eachIgnoringConditions(items)));
    }
    return failed;
  },
  discard: deleteOpeningClaim,
  open: (claim, audit) => transactIf([openClaimItem(claim), auditPut(table(), audit)]),
  startPaying: (claimId, decidedBy) => transactIf([moveClaimItem(claimId, 'OPEN', 'PAYING', { decidedBy })]),
  async pay(claim, { balanceBefore, clawback, loss, postings, at: now, audit }) {
    const at = new Date(now).toISOString();
    const entryId = `ent_${claim.claimId.slice(4)}`;
    const entryKey = clawback > 0 ? keys.entry(claim.userId, at, entryId) : { pk: keys.operatorLedger, sk: `ENTRY#${at}#${entryId}` };
    try {
      await transact([
        moveClaimItem(claim.claimId, 'PAYING', 'PAID', { refunded: claim.amount, clawback, loss, decidedAt: at, decidedBy: audit.actor }),
        {
          Put: {
            TableName: table(),
            Item: {
              ...entryKey, type: 'ENTRY', entryId, entryType: 'COMPENSATION', postings, amount: claim.amount, balanceAfter: balanceBefore - clawback,
              refundKey: `comp-${claim.claimId}`, claimId: claim.claimId, bankCode: claim.bankCode, createdAt: at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(clawback > 0
          ? [{
              Update: {
                TableName: table(),
                Key: keys.wallet(claim.userId),
                UpdateExpression: 'SET balance = :after, version = version + :one',
                ConditionExpression: 'balance = :before',
                ExpressionAttributeValues: { ':before': balanceBefore, ':after': balanceBefore - clawback, ':one': 1 },
              },
            }]
          : []),
        auditPut(table(), audit),
      ]);
      return 'PAID';
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (!reasons) throw e;
      return reasons[0] === 'ConditionalCheckFailed' ? 'NOT_PAYING' : 'WALLET_CHANGED';
    }
  },
  deny: (claimId, decidedBy, decidedAt, audit) => transactIf([moveClaimItem(claimId, 'OPEN', 'DENIED', { decidedBy, decidedAt }), auditPut(table(), audit)]),
  async report(tokenId) {
    const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.notMeReport(tokenId), ConsistentRead: true }));
    return out.Item as NotMeReport | undefined;
  },
  async recordReport(tokenId, report) {
    try {
      await ddb().send(
        new PutCommand({
          TableName: table(),
          Item: { ...keys.notMeReport(tokenId), type: 'NOT_ME_REPORT', ...report, gsi1pk: keys.notMeReportsIndexKey, gsi1sk: report.reportedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  },
  async settleReport(tokenId, response) {
    await ddb().send(
      new UpdateCommand({
        TableName: table(), Key: keys.notMeReport(tokenId),
        UpdateExpression: 'SET #r = if_not_exists(#r, :r)', ExpressionAttributeNames: { '#r': 'response' }, ExpressionAttributeValues: { ':r': response },
      }),
    );
  },
};
