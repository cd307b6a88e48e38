import type { z } from 'zod';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getCharge, listCharges } from '../adapters/charges-repo';
import { ddb, isConditionFailure } from '../store/dynamo';
import { getLink, moveLink } from '../adapters/links-repo';
import { verifyNotMeToken } from '../domain/not-me-token';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import type { NotMeBody, NotMeQuery } from '../shared/schemas';
import { keys } from '../shared/table';
import { openClaim } from '../app/compensation';
import { countBankSignal } from '../app/bank-breaker';
import { freezeWallet } from '../app/wallet-controls';

const ACTOR = 'holder:not-me';

/**
 * A bank account holder says "not me" to a link or a debit they were told about. Everything
 * that can stop the money happens now: the report is recorded first (so it survives any later
 * failure), ops are paged, the wallet freezes (cancelling its waiting charges), the link is
 * suspended (keeping its claim on the account, so it cannot be linked elsewhere), and a
 * compensation claim is opened for what already moved, in batches for any number of charges.
 * One token, one report: a retry of a report that stopped half-way finishes it.
 */
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
async function details(req: HttpRequest<unknown, z.infer<typeof NotMeQuery>>) {
  const { userId, linkId, tokenId, event } = await claimsOf(req.query.token);
  const [link, seen, charge] = await Promise.all([
    getLink(userId, linkId),
    ddb().send(new GetCommand({ TableName: config().tableName, Key: keys.notMeReport(tokenId), ConsistentRead: true })),
    event?.chargeId ? getCharge(userId, event.chargeId) : undefined,
  ]);
  // A token names its link; a link that is gone leaves nothing to show (the report itself still works).
  if (!link) throw new DomainError('INVALID_TOKEN', 'This link is not valid');
  const at = event ? new Date(event.at * 1000).toISOString() : link.activatedAt;
  const report = seen.Item?.response as { walletFrozen: boolean; cancelledCharges: string[]; claimId?: string; amount: number } | undefined;
  return {
    status: 200,
    body: {
      event: event?.kind ?? 'LINKED', bankCode: link.bankCode, accountMasked: link.accountMasked,
      ...(at ? { at } : {}), ...(charge ? { amount: charge.amount } : {}),
      reported: !!report,
      ...(report ? { report: { walletFrozen: report.walletFrozen, cancelledCharges: report.cancelledCharges, ...(report.claimId ? { claimId: report.claimId } : {}), amount: report.amount } } : {}),
    },
  };
}

async function notMe(req: HttpRequest<z.infer<typeof NotMeBody>>) {
  const p = ports();
  const { userId, linkId, tokenId } = await claimsOf(req.body.token);
  const reportKey = keys.notMeReport(tokenId);
  const table = config().tableName;
  const seen = await ddb().send(new GetCommand({ TableName: table, Key: reportKey, ConsistentRead: true }));
  if (seen.Item?.response) return { status: 200, body: seen.Item.response as unknown, headers: { 'idempotent-replayed': 'true' } };

  const now = p.clock.now();
  if (!seen.Item) {
    try {
      await ddb().send(new PutCommand({ TableName: table, Item: { ...reportKey, type: 'NOT_ME_REPORT', userId, linkId, reportedAt: new Date(now).toISOString(), gsi1pk: keys.notMeReportsIndexKey, gsi1sk: new Date(now).toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  try {
    await p.alerts.notify('Not-me report: freezing the wallet', `A bank account holder reported link ${linkId} of wallet ${userId}. The wallet is being frozen, the link suspended, and a compensation claim opened for what moved.`);
  } catch (error) {
    logger.error('ops alert failed', { error: error as Error });
  }

  const frozen = await freezeWallet(userId, 'NOT_ME_REPORT', ACTOR);
  const link = await getLink(userId, linkId);
  if (link && !seen.Item) await countBankSignal(link.bankCode, 'NOT_ME_REPORT');
  const linkSuspended = link?.status === 'ACTIVE'
    ? await moveLink(link, 'SUSPENDED', now, { userId, actor: ACTOR, action: 'LINK_SUSPENDED', reason: 'NOT_ME_REPORT', details: { linkId }, at: now })
    : link?.status === 'SUSPENDED';

  // One claim per report (its id comes from the token), so a retry completes the same claim.
  const claimId = `clm_${tokenId}`;
  const claimable = (await listCharges(userId)).filter((c) => c.linkId === linkId && c.status === 'COMPLETED' && (!c.claimId || c.claimId === claimId));
  let claim: { claimId: string; amount: number } | undefined;
  if (claimable.length) {
    try {
      claim = await openClaim(claimable, "Opened by the account holder's not-me report", 'NOT_ME_REPORT', ACTOR, claimId);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'INVALID_STATE')) throw e; // a concurrent report claimed them
    }
  }
  const response = {
    reported: true, walletFrozen: true, linkSuspended, cancelledCharges: frozen.cancelledCharges,
    ...(claim ? { claimId: claim.claimId } : {}), amount: claim?.amount ?? 0,
  };
  await ddb().send(new UpdateCommand({ TableName: table, Key: reportKey, UpdateExpression: 'SET #r = if_not_exists(#r, :r)', ExpressionAttributeNames: { '#r': 'response' }, ExpressionAttributeValues: { ':r': response } }));
  if (claim) {
    try {
      await p.alerts.notify('Not-me report: claim opened', `Claim ${claim.claimId} opened for ${claim.amount} yen (wallet ${userId}, link ${linkId}); ${frozen.cancelledCharges.length} waiting charge(s) cancelled.`);
    } catch (error) {
      logger.error('ops alert failed', { error: error as Error });
    }
  }
  return { status: 200, body: response };
}

export const handler = httpHandler('reports', { 'POST /v1/reports/not-me': notMe, 'GET /v1/reports/not-me': details });
