import { linkView } from '../domain/bank-link';
import { FOUR_EYES } from '../domain/policy';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/caller';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { freezeWallet } from './wallet-controls';

/** A member of staff's action on a wallet: who (their token) and why. */
export interface StaffAction {
  caller: Caller;
  reason: string;
}

async function requireUser(userId: string) {
  const user = await stores().users.getUser(userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user');
  return user;
}

/** A user as ops see it: status, balance, links (accounts masked) and the 100 newest charges. */
export async function opsUserView(userId: string) {
  const { users, links, charges } = stores();
  const user = await requireUser(userId);
  const [wallet, linkList, chargeList] = await Promise.all([users.getWallet(user.userId), links.listLinks(user.userId), charges.listCharges(user.userId)]);
  chargeList.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return {
    userId: user.userId,
    email: user.email,
    phoneNumber: maskTail(user.phoneNumber),
    status: user.status,
    ...(user.frozenReason ? { frozenReason: user.frozenReason } : {}),
    ...(user.deniedWhileFrozen ? { deniedWhileFrozen: user.deniedWhileFrozen } : {}),
    kycStatus: user.kycStatus,
    createdAt: user.createdAt,
    balance: wallet?.balance ?? 0,
    // Ops also see whether the bank attested the wallet phone as the holder's.
    links: linkList.map((l) => ({ ...linkView(l), phoneAttested: l.phoneAttested === true })),
    charges: chargeList.slice(0, 100).map((c) => ({
      chargeId: c.chargeId,
      status: c.status,
      amount: c.amount,
      linkId: c.linkId,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      decision: {
        outcome: c.decision.outcome,
        reasons: c.decision.reasons,
        ...(c.decision.ruleVersion !== undefined ? { ruleVersion: c.decision.ruleVersion } : {}),
      },
    })),
  };
}

/** Staff freeze a wallet: its waiting charges are cancelled. */
export async function freezeByStaff(input: StaffAction & { userId: string }): Promise<{ cancelledCharges: string[] }> {
  await requireUser(input.userId);
  const { cancelledCharges } = await freezeWallet(input.userId, input.reason, (await stores().staff.staffOf(input)).actor);
  return { cancelledCharges };
}

const needsTwoToUnfreeze = (frozenReason: string | undefined) => !!frozenReason && FOUR_EYES.unfreezeReasonPrefixes.some((p) => frozenReason.startsWith(p));

/**
 * A wallet frozen because its holder or a bank reported it is unfrozen by two staff members: the
 * first is recorded (AWAITING_SECOND_APPROVAL), the same person again is refused, a second one unfreezes.
 */
export async function unfreezeByStaff(
  input: StaffAction & { userId: string },
): Promise<{ status: 'ACTIVE' } | { status: 'AWAITING_SECOND_APPROVAL'; firstApprover: string }> {
  const { users, staff } = stores();
  const user = await requireUser(input.userId);
  const st = await staff.staffOf(input);
  const now = ports().clock.now();
  if (user.status === 'FROZEN' && needsTwoToUnfreeze(user.frozenReason)) {
    const first = user.unfreezeRequest;
    if (first?.byId === st.id) {
      throw new DomainError('SECOND_APPROVER_REQUIRED', `${first.by} asked to unfreeze this wallet already; a second, different member of staff must confirm`, {
        firstApprover: first.by,
      });
    }
    if (!first) {
      const recorded = await users.requestUnfreeze(
        user.userId,
        { byId: st.id, by: st.email, at: new Date(now).toISOString(), reason: input.reason },
        {
          userId: user.userId,
          actor: st.actor,
          action: 'USER_UNFREEZE_REQUESTED',
          reason: input.reason,
          details: { frozenReason: user.frozenReason },
          at: now,
        },
      );
      if (recorded) return { status: 'AWAITING_SECOND_APPROVAL', firstApprover: st.email };
      return unfreezeByStaff(input); // another request landed first (or the wallet changed): decide again on what is there now
    }
  }
  await users.unfreezeUser(input.userId, {
    userId: input.userId,
    actor: st.actor,
    action: 'USER_UNFROZEN',
    reason: input.reason,
    ...(user.unfreezeRequest ? { details: { firstApprover: user.unfreezeRequest.by, firstReason: user.unfreezeRequest.reason } } : {}),
    at: now,
  });
  return { status: 'ACTIVE' };
}

/** A SUSPENDED link keeps the victim's account claimed until ops, having settled the case, let it go. */
export async function releaseLink(input: StaffAction & { userId: string; linkId: string }): Promise<{ linkId: string; status: 'REMOVED' }> {
  const link = await stores().links.getLink(input.userId, input.linkId);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  if (link.status !== 'SUSPENDED')
    throw new DomainError('INVALID_STATE', `Only a SUSPENDED link can be released; this one is ${link.status}`, { status: link.status });
  const now = ports().clock.now();
  const actor = (await stores().staff.staffOf(input)).actor;
  const audit = {
    userId: link.userId,
    actor,
    action: 'LINK_RELEASED',
    reason: input.reason,
    details: { linkId: link.linkId, bankCode: link.bankCode },
    at: now,
  };
  // Removing a SUSPENDED link lets its claim on the account go in the same step.
  if (!(await stores().links.removeLink(link, now, audit))) throw new DomainError('INVALID_STATE', 'The link changed meanwhile; try again');
  return { linkId: link.linkId, status: 'REMOVED' };
}
