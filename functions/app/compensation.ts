import { randomUUID } from 'node:crypto';
import type { ChargeRecord } from '../domain/charge';
import type { Claim, ClaimedCharge } from '../domain/claim';
import { compensationPostings } from '../domain/ledger';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/caller';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { freezeWallet } from './wallet-controls';


/** An OPENING claim this old was left by a request that died: nothing will finish it. */
const ABANDONED_AFTER_MS = 15 * 60_000;

/** Undoes the claims, OPENING and abandoned, that hold charges of `charges`; true if it freed any. */
async function freeFromAbandonedClaims(charges: ClaimedCharge[], claimId: string): Promise<boolean> {
  const { claims, charges: chargeStore } = stores();
  const holders = new Set<string>();
  for (const c of charges) {
    const fresh = await chargeStore.getCharge(c.userId, c.chargeId);
    if (fresh?.claimId && fresh.claimId !== claimId) holders.add(fresh.claimId);
  }
  let freed = false;
  const now = ports().clock.now();
  for (const holder of holders) {
    const other = await claims.get(holder);
    if (!other || other.claimStatus !== 'OPENING' || now - Date.parse(other.createdAt) < ABANDONED_AFTER_MS) continue;
    await claims.unmarkCharges(holder, other.chargeIds.map((chargeId) => ({ userId: other.userId, chargeId })));
    await claims.discard(holder);
    freed = true;
  }
  return freed;
}

/**
 * A claim covers completed charges of one wallet through one link (one victim account); each
 * charge at most once. Any number of charges: the claim is written OPENING, its charges are
 * marked (in batches), then it opens (with its audit record). With a stable `claimId`
 * (a not-me report's) a retry after a partial failure finishes the same claim.
 */
export async function openClaim(charges: ChargeRecord[], note: string, source: string, createdBy: string, claimId = `clm_${randomUUID()}`): Promise<Claim> {
  const { claims } = stores();
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
  if (!(await claims.begin(fresh))) {
    const existing = (await claims.get(claimId))!;
    if (existing.claimStatus !== 'OPENING') return existing; // a retry of a claim that opened already
  }
  const claim = (await claims.get(claimId))!;
  // Every charge the stored claim names is marked, not only those this call was given: a retry
  // (a not-me report resumed after a crash) may no longer list a charge another claim took
  // meanwhile, and opening without marking it would pay that charge twice.
  const ours = claim.chargeIds.map((chargeId) => ({ userId: claim.userId, chargeId }));
  // A charge held by a claim that died while OPENING (a crashed request) is set free, then marking is tried again.
  const marked = (await claims.markCharges(claimId, ours)) || ((await freeFromAbandonedClaims(ours, claimId)) && (await claims.markCharges(claimId, ours)));
  if (!marked) {
    // A charge is in another claim (or no longer completed): undo this claim's marks and refuse it.
    await claims.unmarkCharges(claimId, ours);
    await claims.discard(claimId);
    throw new DomainError('INVALID_STATE', 'A charge is already part of another claim');
  }
  // False when a concurrent retry opened it already.
  await claims.open(claim, { userId: claim.userId, actor: createdBy, action: 'COMPENSATION_OPENED', reason: note, details: { claimId, amount: claim.amount, charges: claim.chargeIds.length, source }, at: now });
  return (await claims.get(claimId))!;
}

/**
 * Pays a claim: the wallet is frozen, the victim's account is credited in full
 * through the bank (idempotent by claim), and the ledger records where the money
 * came from: what the wallet still holds is clawed back, the rest is the operator's loss.
 * A PAY that stopped half-way (bank down) is resumed by the next PAY.
 */
export async function payClaim(claimId: string, actor: string, note?: string): Promise<Claim> {
  const p = ports();
  const { claims, users } = stores();
  let claim = await claims.get(claimId);
  if (!claim) throw new DomainError('NOT_FOUND', 'No such claim');
  if (claim.claimStatus === 'OPEN') {
    await claims.startPaying(claimId, actor);
    claim = (await claims.get(claimId))!;
  }
  if (claim.claimStatus !== 'PAYING') throw new DomainError('INVALID_STATE', `The claim is ${claim.claimStatus}`);

  await freezeWallet(claim.userId, `COMPENSATION ${claimId}`, actor);
  await p.bank.credit({ bankCode: claim.bankCode, accountRef: claim.accountRef, amount: claim.amount, idempotencyKey: `comp-${claimId}`, reason: `Anshin Wallet compensation ${claimId}` });

  for (let attempt = 0; attempt < 10; attempt++) {
    const before = (await users.getWallet(claim.userId))?.balance ?? 0;
    const { clawback, loss, postings } = compensationPostings(claim.userId, claim.bankCode, claim.amount, before);
    const now = p.clock.now();
    const audit = { userId: claim.userId, actor, action: 'COMPENSATION_PAID', reason: note ?? claim.note, details: { claimId, refunded: claim.amount, clawback, loss, bankCode: claim.bankCode }, at: now };
    const paid = await claims.pay(claim, { balanceBefore: before, clawback, loss, postings, at: now, audit });
    if (paid === 'PAID') emit(METRIC.compensationPaid, claim.amount, 'None');
    if (paid !== 'WALLET_CHANGED') return (await claims.get(claimId))!; // NOT_PAYING: paid by a concurrent PAY
  }
  throw new DomainError('INVALID_STATE', 'The wallet kept changing; PAY again to finish');
}

/**
 * Denies an open claim, then frees its charges so they may be claimed again later,
 * with better evidence. A DENY repeated after a partial failure finishes freeing them.
 */
export async function denyClaim(claimId: string, actor: string, note?: string): Promise<Claim> {
  const { claims } = stores();
  const claim = await claims.get(claimId);
  if (!claim) throw new DomainError('NOT_FOUND', 'No such claim');
  if (claim.claimStatus !== 'OPEN' && claim.claimStatus !== 'DENIED') throw new DomainError('INVALID_STATE', `The claim is ${claim.claimStatus}`);
  const now = ports().clock.now();
  if (claim.claimStatus === 'OPEN') {
    const audit = { userId: claim.userId, actor, action: 'COMPENSATION_DENIED', reason: note ?? '', details: { claimId, amount: claim.amount }, at: now };
    if (!(await claims.deny(claimId, actor, new Date(now).toISOString(), audit))) throw new DomainError('INVALID_STATE', 'The claim changed meanwhile');
  }
  await claims.unmarkCharges(claimId, claim.chargeIds.map((chargeId) => ({ userId: claim.userId, chargeId })));
  return (await claims.get(claimId))!;
}

/** The ops queue of claims (oldest first), or the decided ones (newest first). */
export async function listClaims(status: 'OPEN' | 'CLOSED' | undefined): Promise<Claim[]> {
  if (status === 'CLOSED') return stores().claims.listClosed();
  const open = await stores().claims.listOpen();
  return open.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Ops open a claim for charges named by id alone (of one wallet and one bank account). */
export async function claimCharges(input: { chargeIds: string[]; note: string; caller: Caller }): Promise<Claim> {
  const { claims, charges: chargeStore, staff } = stores();
  const ids = [...new Set(input.chargeIds)];
  const charges: ChargeRecord[] = [];
  // Looked up 25 at a time: a claim may name hundreds of charges.
  for (let i = 0; i < ids.length; i += 25) {
    charges.push(
      ...(await Promise.all(
        ids.slice(i, i + 25).map(async (chargeId) => {
          const userId = await claims.ownerOfCharge(chargeId);
          const charge = userId ? await chargeStore.getCharge(userId, chargeId) : undefined;
          if (!charge) throw new DomainError('NOT_FOUND', `No charge ${chargeId}`);
          return charge;
        }),
      )),
    );
  }
  return openClaim(charges, input.note, 'OPS', (await staff.staffOf(input)).actor);
}

/** PAY or DENY; four eyes on money: whoever opened a claim cannot also pay it. */
export async function decideClaim(input: { claimId: string; decision: 'PAY' | 'DENY'; note?: string; caller: Caller }): Promise<Claim> {
  const st = await stores().staff.staffOf(input);
  if (input.decision === 'DENY') return denyClaim(input.claimId, st.actor, input.note);
  // Claims opened by a holder's not-me report (actor system:*) may be paid by any member of staff.
  const existing = await stores().claims.get(input.claimId);
  if (existing && (existing.claimStatus === 'OPEN' || existing.claimStatus === 'PAYING') && [st.actor, `ops:${st.id}`].includes(existing.createdBy)) {
    throw new DomainError('SECOND_APPROVER_REQUIRED', 'You opened this claim; another member of staff must pay it');
  }
  return payClaim(input.claimId, st.actor, input.note);
}
