import type { NotMeResponse } from '../domain/claim';
import { verifyNotMeToken } from '../domain/not-me-token';
import { DomainError } from '../shared/errors';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { countBankSignal } from './bank-breaker';
import { openClaim } from './compensation';
import { freezeWallet } from './wallet-controls';

const ACTOR = 'holder:not-me';

async function claimsOf(token: string) {
  const p = ports();
  const check = verifyNotMeToken((await p.secrets()).notMeTokenKey, token, Math.floor(p.clock.now() / 1000));
  if (!check.valid) throw new DomainError('INVALID_TOKEN', check.reason === 'EXPIRED' ? 'This link has expired; call your bank' : 'This link is not valid');
  return check.claims;
}

/**
 * What the notice behind a token was about, for the holder to recognise it before
 * reporting: the event, the masked account, when, how much; and the report if made.
 * Nothing the notice did not already say.
 */
export async function notMeDetails(token: string) {
  const { userId, linkId, tokenId, event } = await claimsOf(token);
  const [link, seen, charge] = await Promise.all([
    stores().links.getLink(userId, linkId),
    stores().claims.report(tokenId),
    event?.chargeId ? stores().charges.getCharge(userId, event.chargeId) : undefined,
  ]);
  // A token names its link; a link that is gone leaves nothing to show (the report itself still works).
  if (!link) throw new DomainError('INVALID_TOKEN', 'This link is not valid');
  const at = event ? new Date(event.at * 1000).toISOString() : link.activatedAt;
  const report = seen?.response;
  return {
    event: event?.kind ?? 'LINKED',
    bankCode: link.bankCode,
    accountMasked: link.accountMasked,
    ...(at ? { at } : {}),
    ...(charge ? { amount: charge.amount } : {}),
    reported: !!report,
    ...(report
      ? {
          report: {
            walletFrozen: report.walletFrozen,
            cancelledCharges: report.cancelledCharges,
            ...(report.claimId ? { claimId: report.claimId } : {}),
            amount: report.amount,
          },
        }
      : {}),
  };
}

async function alertOps(subject: string, message: string) {
  try {
    await ports().alerts.notify(subject, message);
  } catch (error) {
    logger.error('ops alert failed', { error: error as Error });
  }
}

/**
 * A bank account holder says "not me" to a link or a debit they were told about. Everything
 * that can stop the money happens now: the report is recorded first (so it survives any later
 * failure), ops are paged, the wallet freezes (cancelling its waiting charges), the link is
 * suspended (keeping its claim on the account, so it cannot be linked elsewhere), and a
 * compensation claim is opened for what already moved, in batches for any number of charges.
 * One token, one report: a retry of a report that stopped half-way finishes it (`replayed`: it had finished).
 */
export async function reportNotMe(token: string): Promise<{ response: NotMeResponse; replayed: boolean }> {
  const p = ports();
  const { claims, links, charges } = stores();
  const { userId, linkId, tokenId } = await claimsOf(token);
  const seen = await claims.report(tokenId);
  if (seen?.response) return { response: seen.response, replayed: true };

  const now = p.clock.now();
  if (!seen) await claims.recordReport(tokenId, { userId, linkId, reportedAt: new Date(now).toISOString() });
  await alertOps(
    'Not-me report: freezing the wallet',
    `A bank account holder reported link ${linkId} of wallet ${userId}. The wallet is being frozen, the link suspended, and a compensation claim opened for what moved.`,
  );

  const frozen = await freezeWallet(userId, 'NOT_ME_REPORT', ACTOR);
  const link = await links.getLink(userId, linkId);
  if (link && !seen) await countBankSignal(link.bankCode, 'NOT_ME_REPORT');
  const linkSuspended =
    link?.status === 'ACTIVE'
      ? await links.moveLink(link, 'SUSPENDED', now, { userId, actor: ACTOR, action: 'LINK_SUSPENDED', reason: 'NOT_ME_REPORT', details: { linkId }, at: now })
      : link?.status === 'SUSPENDED';

  // One claim per report (its id comes from the token), so a retry completes the same claim.
  const claimId = `clm_${tokenId}`;
  const claimable = (await charges.listCharges(userId)).filter((c) => c.linkId === linkId && c.status === 'COMPLETED' && (!c.claimId || c.claimId === claimId));
  let claim: { claimId: string; amount: number } | undefined;
  if (claimable.length) {
    try {
      claim = await openClaim(claimable, "Opened by the account holder's not-me report", 'NOT_ME_REPORT', ACTOR, claimId);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'INVALID_STATE')) throw e; // a concurrent report claimed them
    }
  }
  const response: NotMeResponse = {
    reported: true,
    walletFrozen: true,
    linkSuspended,
    cancelledCharges: frozen.cancelledCharges,
    ...(claim ? { claimId: claim.claimId } : {}),
    amount: claim?.amount ?? 0,
  };
  await claims.settleReport(tokenId, response);
  if (claim) {
    await alertOps(
      'Not-me report: claim opened',
      `Claim ${claim.claimId} opened for ${claim.amount} yen (wallet ${userId}, link ${linkId}); ${frozen.cancelledCharges.length} waiting charge(s) cancelled.`,
    );
  }
  return { response, replayed: false };
}
