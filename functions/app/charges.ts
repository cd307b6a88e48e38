import { walletAccount } from '../domain/ledger';
import { DomainError } from '../shared/errors';
import { stores } from '../store';

/** The wallet user's own reads: a charge, the wallet, its statement. */

export async function getChargeView(userId: string, chargeId: string) {
  const charge = await stores().charges.getCharge(userId, chargeId);
  if (!charge) throw new DomainError('NOT_FOUND', 'No such charge');
  return {
    chargeId: charge.chargeId,
    status: charge.status,
    amount: charge.amount,
    linkId: charge.linkId,
    createdAt: charge.createdAt,
    updatedAt: charge.updatedAt,
    decision: { outcome: charge.decision.outcome, reasons: charge.decision.reasons },
  };
}

/** `pending`: the yen of held charges, which the balance cap counts. */
export async function getWalletView(userId: string) {
  const { users, charges } = stores();
  const [w, activity] = await Promise.all([users.getWallet(userId), charges.getActivity(userId)]);
  const pending = Object.values(activity.held).reduce((sum, yen) => sum + yen, 0);
  return { balance: w?.balance ?? 0, pending, currency: 'JPY' as const };
}

/** The statement, newest first; a compensation's entry reads as the clawback it is for the wallet. */
export async function listTransactions(userId: string, limit: number, cursor?: string) {
  const page = await stores().charges.entries(userId, limit, cursor);
  const wallet = walletAccount(userId);
  return {
    items: page.items.map((e) => ({
      entryId: e.entryId,
      type: e.entryType === 'COMPENSATION' ? 'CLAWBACK' : e.entryType,
      amount: e.postings.find((p) => p.account === wallet)?.amount ?? 0,
      balanceAfter: e.balanceAfter,
      ...(e.chargeId ? { chargeId: e.chargeId } : {}),
      createdAt: e.createdAt,
    })),
    nextCursor: page.next ?? null,
  };
}
