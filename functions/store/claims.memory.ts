import type { Claim, ClaimedCharge } from '../domain/claim';
import { recordAudit } from './audit.memory';
import type { ClaimStore } from './claims';
import { copy, type MemoryWorld } from './memory-world';

export function memoryClaims(world: MemoryWorld): ClaimStore {
  const chargeOf = (c: ClaimedCharge) => world.charges.get(`${c.userId}/${c.chargeId}`);
  const move = (claimId: string, from: Claim['claimStatus'], to: Claim['claimStatus'], set: Partial<Claim> = {}) => {
    const claim = world.claims.get(claimId);
    if (claim?.claimStatus !== from) return false;
    world.claims.set(claimId, { ...claim, ...copy(set), claimStatus: to });
    return true;
  };
  const get = async (claimId: string) => copy(world.claims.get(claimId));
  return {
    get,
    async listOpen() {
      return [...world.claims.values()].filter((c) => c.claimStatus === 'OPEN' || c.claimStatus === 'PAYING').map(copy);
    },
    async listClosed(limit = 200) {
      const closed = [...world.claims.values()].filter((c) => c.claimStatus === 'PAID' || c.claimStatus === 'DENIED');
      return closed
        .sort((a, b) => `${b.createdAt}#${b.claimId}`.localeCompare(`${a.createdAt}#${a.claimId}`))
        .slice(0, limit)
        .map(copy);
    },
    async ownerOfCharge(chargeId) {
      for (const c of world.charges.values()) if (c.chargeId === chargeId) return c.userId;
      return undefined;
    },
    async begin(claim) {
      if (world.claims.has(claim.claimId)) return false;
      world.claims.set(claim.claimId, { ...copy(claim), claimStatus: 'OPENING' });
      return true;
    },
    async markCharges(claimId, charges) {
      const free = (c: ClaimedCharge) => {
        const charge = chargeOf(c);
        return charge?.status === 'COMPLETED' && (!charge.claimId || charge.claimId === claimId);
      };
      if (!charges.every(free)) return false;
      for (const c of charges) chargeOf(c)!.claimId = claimId;
      return true;
    },
    async unmarkCharges(claimId, charges) {
      const failed: string[] = [];
      for (const c of charges) {
        const charge = chargeOf(c);
        if (charge?.claimId === claimId) delete charge.claimId;
        else failed.push(c.chargeId);
      }
      return failed;
    },
    async discard(claimId) {
      if (world.claims.get(claimId)?.claimStatus === 'OPENING') world.claims.delete(claimId);
    },
    async open(claim, audit) {
      if (!move(claim.claimId, 'OPENING', 'OPEN')) return false;
      recordAudit(world, audit);
      return true;
    },
    async startPaying(claimId, decidedBy) {
      return move(claimId, 'OPEN', 'PAYING', { decidedBy });
    },
    async pay(claim, { balanceBefore, clawback, loss, postings, at: now, audit }) {
      if (world.claims.get(claim.claimId)?.claimStatus !== 'PAYING') return 'NOT_PAYING';
      const at = new Date(now).toISOString();
      const entryId = `ent_${claim.claimId.slice(4)}`;
      const entryKey = `${clawback > 0 ? claim.userId : 'LEDGER#OPERATOR'}/${at}#${entryId}`;
      const wallet = world.wallets.get(claim.userId);
      if (world.entries.has(entryKey) || (clawback > 0 && wallet?.balance !== balanceBefore)) return 'WALLET_CHANGED';
      move(claim.claimId, 'PAYING', 'PAID', { refunded: claim.amount, clawback, loss, decidedAt: at, decidedBy: audit.actor });
      world.entries.set(entryKey, {
        entryId,
        entryType: 'COMPENSATION',
        postings: copy(postings),
        amount: claim.amount,
        balanceAfter: balanceBefore - clawback,
        refundKey: `comp-${claim.claimId}`,
        claimId: claim.claimId,
        bankCode: claim.bankCode,
        createdAt: at,
      });
      if (wallet && clawback > 0) Object.assign(wallet, { balance: balanceBefore - clawback, version: wallet.version + 1 });
      recordAudit(world, audit);
      return 'PAID';
    },
    async deny(claimId, decidedBy, decidedAt, audit) {
      if (!move(claimId, 'OPEN', 'DENIED', { decidedBy, decidedAt })) return false;
      recordAudit(world, audit);
      return true;
    },
    async report(tokenId) {
      return copy(world.notMeReports.get(tokenId));
    },
    async recordReport(tokenId, report) {
      if (!world.notMeReports.has(tokenId)) world.notMeReports.set(tokenId, copy(report));
    },
    async settleReport(tokenId, response) {
      const report = world.notMeReports.get(tokenId);
      if (report && !report.response) report.response = copy(response);
    },
  };
}
