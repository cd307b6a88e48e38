import type { z } from 'zod';
import { auditPut, auditTrail } from '../adapters/audit';
import { bankItem, getBank, listBanks } from '../adapters/banks-repo';
import { findChargeKey, getClaim, openClaims } from '../adapters/claims-repo';
import { getCharge, listCharges, type ChargeRecord } from '../adapters/charges-repo';
import { getLink, listLinks, moveLink, releaseClaimItem } from '../adapters/links-repo';
import { cancelBankCharges } from '../app/charge-lifecycle';
import { getUser, getWallet, transact, unfreezeUser } from '../adapters/users-repo';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { callerOf, httpHandler, type Caller, type HttpRequest } from '../shared/http';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import type { AuditQuery, BankSettingsBody, CompensationBody, CompensationDecisionBody, ReasonBody } from '../shared/schemas';
import { denyClaim, openClaim, payClaim } from '../app/compensation';
import { freezeWallet } from '../app/wallet-controls';

/** Every ops action is recorded against the member of staff who took it. */
const staff = (req: { caller?: Caller }) => `ops:${callerOf(req).userId}`;

async function requireUser(userId: string) {
  const user = await getUser(userId);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user');
  return user;
}

async function userView(req: HttpRequest<unknown, Record<string, string>, { userId: string }>) {
  const user = await requireUser(req.params.userId);
  const [wallet, links, charges] = await Promise.all([getWallet(user.userId), listLinks(user.userId), listCharges(user.userId)]);
  charges.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return {
    status: 200,
    body: {
      userId: user.userId, email: user.email, phoneNumber: maskTail(user.phoneNumber), status: user.status,
      ...(user.frozenReason ? { frozenReason: user.frozenReason } : {}),
      kycStatus: user.kycStatus, createdAt: user.createdAt, balance: wallet?.balance ?? 0,
      links: links.map((l) => ({ linkId: l.linkId, bankCode: l.bankCode, branchCode: l.branchCode, accountNumber: l.accountMasked, status: l.status, createdAt: l.createdAt, ...(l.activatedAt ? { activatedAt: l.activatedAt } : {}) })),
      charges: charges.slice(0, 100).map((c) => ({ chargeId: c.chargeId, status: c.status, amount: c.amount, linkId: c.linkId, createdAt: c.createdAt, updatedAt: c.updatedAt, decision: c.decision })),
    },
  };
}

async function freeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, { userId: string }>) {
  await requireUser(req.params.userId);
  const result = await freezeWallet(req.params.userId, req.body.reason, staff(req));
  return { status: 200, body: { userId: req.params.userId, status: 'FROZEN', cancelledCharges: result.cancelledCharges } };
}

async function unfreeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, { userId: string }>) {
  await requireUser(req.params.userId);
  await unfreezeUser(req.params.userId, { userId: req.params.userId, actor: staff(req), action: 'USER_UNFROZEN', reason: req.body.reason, at: ports().clock.now() });
  return { status: 200, body: { userId: req.params.userId, status: 'ACTIVE' } };
}

const bankView = (b: { bankCode: string; name: string; linkingEnabled: boolean; chargingEnabled: boolean; updatedAt: string; updatedBy: string }) => ({
  bankCode: b.bankCode, name: b.name, linkingEnabled: b.linkingEnabled, chargingEnabled: b.chargingEnabled, updatedAt: b.updatedAt, updatedBy: b.updatedBy,
});

async function banks() {
  const items = await listBanks();
  items.sort((a, b) => a.bankCode.localeCompare(b.bankCode));
  return { status: 200, body: { items: items.map(bankView) } };
}

/** Creates the bank if it is new, so a deployment is seeded by the first switch. Read on every link and charge: effective at once. */
async function putBank(req: HttpRequest<z.infer<typeof BankSettingsBody>, Record<string, string>, { bankCode: string }>) {
  const now = ports().clock.now();
  const current = await getBank(req.params.bankCode);
  const settings = {
    bankCode: req.params.bankCode, name: req.body.name ?? current?.name ?? `Bank ${req.params.bankCode}`,
    linkingEnabled: req.body.linkingEnabled, chargingEnabled: req.body.chargingEnabled, updatedAt: new Date(now).toISOString(), updatedBy: staff(req),
  };
  await transact([
    { Put: { TableName: config().tableName, Item: bankItem(settings) } },
    auditPut(config().tableName, {
      userId: `bank-${settings.bankCode}`, actor: staff(req), action: 'BANK_SWITCHED',
      details: { bankCode: settings.bankCode, from: current ? { linkingEnabled: current.linkingEnabled, chargingEnabled: current.chargingEnabled } : null, to: { linkingEnabled: settings.linkingEnabled, chargingEnabled: settings.chargingEnabled } },
      at: now,
    }),
  ]);
  // Charging switched off: charges of this bank still waiting for a code or a human stop now;
  // one racing the switch fails its own guard at its next step.
  if (!settings.chargingEnabled && current?.chargingEnabled !== false) await cancelBankCharges(settings.bankCode, staff(req));
  return { status: 200, body: bankView(settings) };
}

/** A SUSPENDED link keeps the victim's account claimed until ops, having settled the case, let it go. */
async function releaseLink(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, { userId: string; linkId: string }>) {
  const link = await getLink(req.params.userId, req.params.linkId);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  if (link.status !== 'SUSPENDED') throw new DomainError('INVALID_STATE', `Only a SUSPENDED link can be released; this one is ${link.status}`, { status: link.status });
  const now = ports().clock.now();
  const moved = await moveLink(
    link, 'REMOVED', now,
    { userId: link.userId, actor: staff(req), action: 'LINK_RELEASED', reason: req.body.reason, details: { linkId: link.linkId, bankCode: link.bankCode }, at: now },
    {}, [releaseClaimItem(link)],
  );
  if (!moved) throw new DomainError('INVALID_STATE', 'The link changed meanwhile; try again');
  return { status: 200, body: { linkId: link.linkId, status: 'REMOVED' } };
}

async function listClaims() {
  const claims = await openClaims();
  claims.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { status: 200, body: { items: claims.map(claimView) } };
}

const claimView = (c: Awaited<ReturnType<typeof getClaim>> & object) => ({
  claimId: c.claimId, userId: c.userId, linkId: c.linkId, bankCode: c.bankCode, chargeIds: c.chargeIds, amount: c.amount, claimStatus: c.claimStatus,
  source: c.source, note: c.note, createdAt: c.createdAt, createdBy: c.createdBy,
  ...(c.refunded !== undefined ? { refunded: c.refunded, clawback: c.clawback, loss: c.loss } : {}),
});

async function createClaim(req: HttpRequest<z.infer<typeof CompensationBody>>) {
  const ids = [...new Set(req.body.chargeIds)];
  const charges: ChargeRecord[] = [];
  // Looked up 25 at a time: a claim may name hundreds of charges.
  for (let i = 0; i < ids.length; i += 25) {
    charges.push(
      ...(await Promise.all(
        ids.slice(i, i + 25).map(async (chargeId) => {
          const key = await findChargeKey(chargeId);
          const charge = key ? await getCharge(key.pk.replace(/^USER#/, ''), chargeId) : undefined;
          if (!charge) throw new DomainError('NOT_FOUND', `No charge ${chargeId}`);
          return charge;
        }),
      )),
    );
  }
  const claim = await openClaim(charges, req.body.note, 'OPS', staff(req));
  return { status: 201, body: { claimId: claim.claimId, amount: claim.amount } };
}

async function decideClaim(req: HttpRequest<z.infer<typeof CompensationDecisionBody>, Record<string, string>, { claimId: string }>) {
  const claim = req.body.decision === 'PAY' ? await payClaim(req.params.claimId, staff(req), req.body.note) : await denyClaim(req.params.claimId, staff(req), req.body.note);
  return { status: 200, body: claimView(claim) };
}

async function audit(req: HttpRequest<unknown, z.infer<typeof AuditQuery>>) {
  const userId = req.query.userId;
  const [records, charges] = await Promise.all([auditTrail(userId), userId.startsWith('bank-') ? [] : listCharges(userId)]);
  const items = [
    ...records.map((r) => ({ at: r.at as string, actor: r.actor as string, action: r.action as string, ...(r.reason ? { reason: r.reason as string } : {}), ...(r.details ? { details: r.details } : {}) })),
    // Each charge keeps its own history of moves (written with the move itself): part of the trail.
    ...charges.flatMap((c) =>
      c.history.map((h) => ({ at: h.at, actor: h.actor, action: `CHARGE_${h.status}`, ...(h.reason ? { reason: h.reason } : {}), details: { chargeId: c.chargeId, amount: c.amount, outcome: c.decision.outcome } })),
    ),
  ];
  items.sort((a, b) => b.at.localeCompare(a.at));
  return { status: 200, body: { items: items.slice(0, 500) } };
}

export const handler = httpHandler('ops', {
  'GET /v1/ops/users/{userId}': userView,
  'POST /v1/ops/users/{userId}/freeze': freeze,
  'POST /v1/ops/users/{userId}/unfreeze': unfreeze,
  'POST /v1/ops/users/{userId}/links/{linkId}/release': releaseLink,
  'GET /v1/ops/banks': banks,
  'PUT /v1/ops/banks/{bankCode}': putBank,
  'GET /v1/ops/compensations': listClaims,
  'POST /v1/ops/compensations': createClaim,
  'POST /v1/ops/compensations/{claimId}/decision': decideClaim,
  'GET /v1/ops/audit': audit,
});
