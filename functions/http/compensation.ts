import { randomUUID } from 'node:crypto';
import { auditPut } from '../adapters/audit';
import { claimChargeItem, claimPut, getClaim, moveClaimItem, type Claim } from '../adapters/claims-repo';
import type { ChargeRecord } from '../adapters/charges-repo';
import { cancellationReasons } from '../adapters/dynamo';
import { getWallet, transact } from '../adapters/users-repo';
import { compensationPostings } from '../domain/ledger';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { keys } from '../shared/table';
import { freezeWallet } from './wallet-controls';

/** A claim covers completed charges of one wallet through one link (one victim account); each charge at most once. */
export async function openClaim(charges: ChargeRecord[], note: string, source: string, createdBy: string): Promise<Claim> {
  const [first] = charges;
  if (!first) throw new DomainError('VALIDATION_ERROR', 'No charges to compensate');
  if (charges.some((c) => c.userId !== first.userId || c.linkId !== first.linkId)) {
    throw new DomainError('INVALID_STATE', 'A claim covers charges of one wallet and one bank account');
  }
  const notCompleted = charges.filter((c) => c.status !== 'COMPLETED');
  if (notCompleted.length) throw new DomainError('INVALID_STATE', 'Only completed charges can be compensated', { chargeIds: notCompleted.map((c) => c.chargeId) });
  const now = ports().clock.now();
  const claim: Claim = {
    claimId: `clm_${randomUUID()}`, userId: first.userId, linkId: first.linkId, bankCode: first.bankCode, accountRef: first.accountRef!,
    chargeIds: charges.map((c) => c.chargeId), amount: charges.reduce((s, c) => s + c.amount, 0), claimStatus: 'OPEN', source, note,
    createdAt: new Date(now).toISOString(), createdBy,
  };
  try {
    await transact([
      claimPut(claim),
      ...charges.map((c) => claimChargeItem(c, claim.claimId)),
      auditPut(config().tableName, { userId: claim.userId, actor: createdBy, action: 'COMPENSATION_OPENED', reason: note, details: { claimId: claim.claimId, amount: claim.amount, chargeIds: claim.chargeIds, source }, at: now }),
    ]);
  } catch (e) {
    if (cancellationReasons(e)) throw new DomainError('INVALID_STATE', 'A charge is already part of another claim');
    throw e;
  }
  return claim;
}

/**
 * Pays a claim: the wallet is frozen, the victim's account is credited in full
 * through the bank (idempotent by claim), and the ledger records where the money
 * came from: what the wallet still holds is clawed back, the rest is the operator's loss.
 * A PAY that stopped half-way (bank down) is resumed by the next PAY.
 */
export async function payClaim(claimId: string, actor: string, note?: string): Promise<Claim> {
  const p = ports();
  let claim = await getClaim(claimId);
  if (!claim) throw new DomainError('NOT_FOUND', 'No such claim');
  if (claim.claimStatus === 'OPEN') {
    try {
      await transact([moveClaimItem(claimId, 'OPEN', 'PAYING', { decidedBy: actor })]);
    } catch (e) {
      if (!cancellationReasons(e)) throw e;
    }
    claim = (await getClaim(claimId))!;
  }
  if (claim.claimStatus !== 'PAYING') throw new DomainError('INVALID_STATE', `The claim is ${claim.claimStatus}`);

  await freezeWallet(claim.userId, `COMPENSATION ${claimId}`, actor);
  const refundKey = `comp-${claimId}`;
  await p.bank.credit({ bankCode: claim.bankCode, accountRef: claim.accountRef, amount: claim.amount, idempotencyKey: refundKey, reason: `Anshin Wallet compensation ${claimId}` });

  for (let attempt = 0; attempt < 10; attempt++) {
    const wallet = await getWallet(claim.userId);
    const before = wallet?.balance ?? 0;
    const { clawback, loss, postings } = compensationPostings(claim.userId, claim.bankCode, claim.amount, before);
    const now = p.clock.now();
    const at = new Date(now).toISOString();
    const entryId = `ent_${claimId.slice(4)}`;
    const entryKey = clawback > 0 ? keys.entry(claim.userId, at, entryId) : { pk: keys.operatorLedger, sk: `ENTRY#${at}#${entryId}` };
    try {
      await transact([
        moveClaimItem(claimId, 'PAYING', 'PAID', { refunded: claim.amount, clawback, loss, decidedAt: at, decidedBy: actor }),
        {
          Put: {
            TableName: config().tableName,
            Item: { ...entryKey, type: 'ENTRY', entryId, entryType: 'COMPENSATION', postings, amount: claim.amount, balanceAfter: before - clawback, refundKey, claimId, bankCode: claim.bankCode, createdAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(clawback > 0
          ? [{
              Update: {
                TableName: config().tableName,
                Key: keys.wallet(claim.userId),
                UpdateExpression: 'SET balance = :after, version = version + :one',
                ConditionExpression: 'balance = :before',
                ExpressionAttributeValues: { ':before': before, ':after': before - clawback, ':one': 1 },
              },
            }]
          : []),
        auditPut(config().tableName, {
          userId: claim.userId, actor, action: 'COMPENSATION_PAID', reason: note ?? claim.note,
          details: { claimId, refunded: claim.amount, clawback, loss, bankCode: claim.bankCode }, at: now,
        }),
      ]);
      emit(METRIC.compensationPaid, claim.amount, 'None');
      return (await getClaim(claimId))!;
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (!reasons) throw e;
      if (reasons[0] === 'ConditionalCheckFailed') return (await getClaim(claimId))!; // paid by a concurrent PAY
    }
  }
  throw new DomainError('INVALID_STATE', 'The wallet kept changing; PAY again to finish');
}

export async function denyClaim(claimId: string, actor: string, note?: string): Promise<Claim> {
  const claim = await getClaim(claimId);
  if (!claim) throw new DomainError('NOT_FOUND', 'No such claim');
  if (claim.claimStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The claim is ${claim.claimStatus}`);
  const now = ports().clock.now();
  try {
    await transact([
      moveClaimItem(claimId, 'OPEN', 'DENIED', { decidedBy: actor, decidedAt: new Date(now).toISOString() }),
      // The charges may be claimed again later, with better evidence.
      ...claim.chargeIds.map((chargeId) => ({
        Update: {
          TableName: config().tableName,
          Key: keys.charge(claim.userId, chargeId),
          UpdateExpression: 'REMOVE claimId',
          ConditionExpression: 'claimId = :c',
          ExpressionAttributeValues: { ':c': claimId },
        },
      })),
      auditPut(config().tableName, { userId: claim.userId, actor, action: 'COMPENSATION_DENIED', reason: note ?? '', details: { claimId, amount: claim.amount }, at: now }),
    ]);
  } catch (e) {
    if (cancellationReasons(e)) throw new DomainError('INVALID_STATE', 'The claim changed meanwhile');
    throw e;
  }
  return (await getClaim(claimId))!;
}
