import { randomUUID } from 'node:crypto';
import { auditPut } from '../adapters/audit';
import { claimChargeItem, deleteOpeningClaim, getClaim, moveClaimItem, openClaimItem, putOpeningClaim, unclaimChargeItem, type Claim } from '../adapters/claims-repo';
import type { TransactItem } from '../adapters/audit';
import { getCharge, type ChargeRecord } from '../adapters/charges-repo';
import { cancellationReasons } from '../store/dynamo';
import { getWallet } from '../adapters/users-repo';
import { transact } from '../store/dynamo';
import { compensationPostings } from '../domain/ledger';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { keys } from '../shared/table';
import { freezeWallet } from './wallet-controls';

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

/** An OPENING claim this old was left by a request that died: nothing will finish it. */
const ABANDONED_AFTER_MS = 15 * 60_000;

/** Undoes the claims, OPENING and abandoned, that hold charges of `batch`; true if it freed any. */
async function freeFromAbandonedClaims(batch: Pick<ChargeRecord, 'userId' | 'chargeId'>[], claimId: string): Promise<boolean> {
  const holders = new Set<string>();
  for (const c of batch) {
    const fresh = await getCharge(c.userId, c.chargeId);
    if (fresh?.claimId && fresh.claimId !== claimId) holders.add(fresh.claimId);
  }
  let freed = false;
  const now = ports().clock.now();
  for (const holder of holders) {
    const other = await getClaim(holder);
    if (!other || other.claimStatus !== 'OPENING' || now - Date.parse(other.createdAt) < ABANDONED_AFTER_MS) continue;
    await eachIgnoringConditions(other.chargeIds.map((chargeId) => unclaimChargeItem({ userId: other.userId, chargeId }, holder)));
    await deleteOpeningClaim(holder);
    freed = true;
  }
  return freed;
}

/**
 * A claim covers completed charges of one wallet through one link (one victim account); each
 * charge at most once. Any number of charges: the claim is written OPENING, its charges are
 * marked in batches of 100, then it opens (with its audit record). With a stable `claimId`
 * (a not-me report's) a retry after a partial failure finishes the same claim.
 */
export async function openClaim(charges: ChargeRecord[], note: string, source: string, createdBy: string, claimId = `clm_${randomUUID()}`): Promise<Claim> {
  const [first] = charges;
  if (!first) throw new DomainError('VALIDATION_ERROR', 'No charges to compensate');
  if (charges.some((c) => c.userId !== first.userId || c.linkId !== first.linkId)) {
    throw new DomainError('INVALID_STATE', 'A claim covers charges of one wallet and one bank account');
  }
  const notCompleted = charges.filter((c) => c.status !== 'COMPLETED');
  if (notCompleted.length) throw new DomainError('INVALID_STATE', 'Only completed charges can be compensated', { chargeIds: notCompleted.map((c) => c.chargeId) });
  const now = ports().clock.now();
  const fresh: Claim = {
    claimId, userId: first.userId, linkId: first.linkId, bankCode: first.bankCode, accountRef: first.accountRef!,
    chargeIds: charges.map((c) => c.chargeId), amount: charges.reduce((s, c) => s + c.amount, 0), claimStatus: 'OPENING', source, note,
    createdAt: new Date(now).toISOString(), createdBy,
  };
  if (!(await putOpeningClaim(fresh))) {
    const existing = (await getClaim(claimId))!;
    if (existing.claimStatus !== 'OPENING') return existing; // a retry of a claim that opened already
  }
  const claim = (await getClaim(claimId))!;
  // Every charge the stored claim names is marked, not only those this call was given: a retry
  // (a not-me report resumed after a crash) may no longer list a charge another claim took
  // meanwhile, and opening without marking it would pay that charge twice.
  const ours = claim.chargeIds.map((chargeId) => ({ userId: claim.userId, chargeId }));
  for (const batch of batches(ours)) {
    try {
      await transact(batch.map((c) => claimChargeItem(c, claimId)));
      continue;
    } catch (e) {
      if (!cancellationReasons(e)) throw e;
    }
    // A charge held by a claim that died while OPENING (a crashed request) is set free, then the batch is tried again.
    if (await freeFromAbandonedClaims(batch, claimId)) {
      try {
        await transact(batch.map((c) => claimChargeItem(c, claimId)));
        continue;
      } catch (e) {
        if (!cancellationReasons(e)) throw e;
      }
    }
    // A charge is in another claim (or no longer completed): undo this claim's marks and refuse it.
    await eachIgnoringConditions(ours.map((c) => unclaimChargeItem(c, claimId)));
    await deleteOpeningClaim(claimId);
    throw new DomainError('INVALID_STATE', 'A charge is already part of another claim');
  }
  try {
    await transact([
      openClaimItem(claim),
      auditPut(config().tableName, { userId: claim.userId, actor: createdBy, action: 'COMPENSATION_OPENED', reason: note, details: { claimId, amount: claim.amount, charges: claim.chargeIds.length, source }, at: now }),
    ]);
  } catch (e) {
    if (!cancellationReasons(e)) throw e; // opened by a concurrent retry
  }
  return (await getClaim(claimId))!;
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

/**
 * Denies an open claim, then frees its charges (in batches) so they may be claimed again later,
 * with better evidence. A DENY repeated after a partial failure finishes freeing them.
 */
export async function denyClaim(claimId: string, actor: string, note?: string): Promise<Claim> {
  const claim = await getClaim(claimId);
  if (!claim) throw new DomainError('NOT_FOUND', 'No such claim');
  if (claim.claimStatus !== 'OPEN' && claim.claimStatus !== 'DENIED') throw new DomainError('INVALID_STATE', `The claim is ${claim.claimStatus}`);
  const now = ports().clock.now();
  if (claim.claimStatus === 'OPEN') {
    try {
      await transact([
        moveClaimItem(claimId, 'OPEN', 'DENIED', { decidedBy: actor, decidedAt: new Date(now).toISOString() }),
        auditPut(config().tableName, { userId: claim.userId, actor, action: 'COMPENSATION_DENIED', reason: note ?? '', details: { claimId, amount: claim.amount }, at: now }),
      ]);
    } catch (e) {
      if (cancellationReasons(e)) throw new DomainError('INVALID_STATE', 'The claim changed meanwhile');
      throw e;
    }
  }
  const charges = claim.chargeIds.map((chargeId) => ({ userId: claim.userId, chargeId }));
  for (const batch of batches(charges)) {
    try {
      await transact(batch.map((c) => unclaimChargeItem(c, claimId)));
    } catch (e) {
      if (!cancellationReasons(e)) throw e;
      await eachIgnoringConditions(batch.map((c) => unclaimChargeItem(c, claimId))); // some were freed by an earlier try
    }
  }
  return (await getClaim(claimId))!;
}
