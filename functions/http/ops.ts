import type { z } from 'zod';
import { auditPut, auditTrail } from '../adapters/audit';
import { bankWrites, getBank, listBanks, type BankSettings } from '../adapters/banks-repo';
import { closedClaims, findChargeKey, getClaim, openClaims } from '../adapters/claims-repo';
import { deleteEntryItem, listAudit, listEntries, listKey, putEntryItem, type ListEntry } from '../adapters/lists-repo';
import { staffOf } from '../adapters/staff-repo';
import { cancellationReasons } from '../store/dynamo';
import { canonicalValue, type ListKind } from '../domain/lists';
import { LIST_REF_PREFIX, openListRef, sealListRef } from '../domain/list-ref';
import { maskAccount } from '../domain/bank-link';
import { FOUR_EYES, LIST_POLICY } from '../domain/policy';
import { getCharge, listCharges, type ChargeRecord } from '../adapters/charges-repo';
import { accountWalletItem, getLink, listLinks, moveLink, releaseClaimItem } from '../adapters/links-repo';
import { cancelBankCharges } from '../app/charge-lifecycle';
import { getUser, getWallet, requestUnfreeze, unfreezeUser } from '../adapters/users-repo';
import { transact } from '../store/dynamo';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { httpHandler, type Caller, type HttpRequest } from '../shared/http';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import type { AuditQuery, BankSettingsBody, ClaimsQuery, CompensationBody, CompensationDecisionBody, ListEntryBody, ReasonBody } from '../shared/schemas';
import { denyClaim, openClaim, payClaim } from '../app/compensation';
import { freezeWallet } from '../app/wallet-controls';
import { RULES_ROUTES } from './ops-rules';

/** Every ops action is recorded against the member of staff who took it, by e-mail. */
const staff = async (req: { caller?: Caller }) => (await staffOf(req)).actor;

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
      ...(user.deniedWhileFrozen ? { deniedWhileFrozen: user.deniedWhileFrozen } : {}),
      kycStatus: user.kycStatus, createdAt: user.createdAt, balance: wallet?.balance ?? 0,
      links: links.map((l) => ({ linkId: l.linkId, bankCode: l.bankCode, branchCode: l.branchCode, accountNumber: l.accountMasked, status: l.status, createdAt: l.createdAt, ...(l.activatedAt ? { activatedAt: l.activatedAt } : {}), phoneAttested: l.phoneAttested === true })),
      charges: charges.slice(0, 100).map((c) => ({ chargeId: c.chargeId, status: c.status, amount: c.amount, linkId: c.linkId, createdAt: c.createdAt, updatedAt: c.updatedAt, decision: { outcome: c.decision.outcome, reasons: c.decision.reasons, ...(c.decision.ruleVersion !== undefined ? { ruleVersion: c.decision.ruleVersion } : {}) } })),
    },
  };
}

async function freeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, { userId: string }>) {
  await requireUser(req.params.userId);
  const result = await freezeWallet(req.params.userId, req.body.reason, (await staff(req)));
  return { status: 200, body: { userId: req.params.userId, status: 'FROZEN', cancelledCharges: result.cancelledCharges } };
}

const needsTwoToUnfreeze = (frozenReason: string | undefined) => !!frozenReason && FOUR_EYES.unfreezeReasonPrefixes.some((p) => frozenReason.startsWith(p));

/**
 * A wallet frozen because its holder or a bank reported it is unfrozen by two staff members: the
 * first answers 202 and is recorded, the same person again 403, a second one unfreezes.
 */
async function unfreeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, { userId: string }>) {
  const user = await requireUser(req.params.userId);
  const st = await staffOf(req);
  const now = ports().clock.now();
  if (user.status === 'FROZEN' && needsTwoToUnfreeze(user.frozenReason)) {
    const first = user.unfreezeRequest;
    if (first?.byId === st.id) {
      throw new DomainError('SECOND_APPROVER_REQUIRED', `${first.by} asked to unfreeze this wallet already; a second, different member of staff must confirm`, { firstApprover: first.by });
    }
    if (!first) {
      const recorded = await requestUnfreeze(user.userId, { byId: st.id, by: st.email, at: new Date(now).toISOString(), reason: req.body.reason }, {
        userId: user.userId, actor: st.actor, action: 'USER_UNFREEZE_REQUESTED', reason: req.body.reason, details: { frozenReason: user.frozenReason }, at: now,
      });
      if (recorded) return { status: 202, body: { userId: user.userId, status: 'AWAITING_SECOND_APPROVAL', firstApprover: st.email } };
      return unfreeze(req); // another request landed first (or the wallet changed): decide again on what is there now
    }
  }
  await unfreezeUser(req.params.userId, {
    userId: req.params.userId, actor: st.actor, action: 'USER_UNFROZEN', reason: req.body.reason,
    ...(user.unfreezeRequest ? { details: { firstApprover: user.unfreezeRequest.by, firstReason: user.unfreezeRequest.reason } } : {}), at: now,
  });
  return { status: 200, body: { userId: req.params.userId, status: 'ACTIVE' } };
}

const bankView = (b: BankSettings) => ({
  bankCode: b.bankCode, name: b.name, linkingEnabled: b.linkingEnabled, chargingEnabled: b.chargingEnabled, updatedAt: b.updatedAt, updatedBy: b.updatedBy,
  ...(b.breaker ? { breaker: b.breaker } : {}),
});

async function banks() {
  const items = await listBanks();
  items.sort((a, b) => a.bankCode.localeCompare(b.bankCode));
  return { status: 200, body: { items: items.map(bankView) } };
}

/** Creates the bank if it is new, so a deployment is seeded by the first switch. Read on every link and charge: effective at once. */
async function putBank(req: HttpRequest<z.infer<typeof BankSettingsBody>, Record<string, string>, { bankCode: string }>) {
  const now = ports().clock.now();
  const actor = await staff(req);
  const current = await getBank(req.params.bankCode);
  const settings = {
    bankCode: req.params.bankCode, name: req.body.name ?? current?.name ?? `Bank ${req.params.bankCode}`,
    linkingEnabled: req.body.linkingEnabled, chargingEnabled: req.body.chargingEnabled, updatedAt: new Date(now).toISOString(), updatedBy: actor,
    ...(req.body.breaker ?? current?.breaker ? { breaker: req.body.breaker ?? current?.breaker } : {}),
  };
  await transact([
    ...bankWrites(settings),
    auditPut(config().tableName, {
      userId: `bank-${settings.bankCode}`, actor, action: 'BANK_SWITCHED',
      details: { bankCode: settings.bankCode, from: current ? { linkingEnabled: current.linkingEnabled, chargingEnabled: current.chargingEnabled } : null, to: { linkingEnabled: settings.linkingEnabled, chargingEnabled: settings.chargingEnabled } },
      at: now,
    }),
  ]);
  // Charging switched off: charges of this bank still waiting for a code or a human stop now;
  // one racing the switch fails its own guard at its next step.
  if (!settings.chargingEnabled && current?.chargingEnabled !== false) await cancelBankCharges(settings.bankCode, actor);
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
    { userId: link.userId, actor: (await staff(req)), action: 'LINK_RELEASED', reason: req.body.reason, details: { linkId: link.linkId, bankCode: link.bankCode }, at: now },
    {}, [releaseClaimItem(link), accountWalletItem(link.accountHash, link.userId, now)],
  );
  if (!moved) throw new DomainError('INVALID_STATE', 'The link changed meanwhile; try again');
  return { status: 200, body: { linkId: link.linkId, status: 'REMOVED' } };
}

async function listClaims(req: HttpRequest<unknown, z.infer<typeof ClaimsQuery>>) {
  if (req.query.status === 'CLOSED') return { status: 200, body: { items: (await closedClaims()).map(claimView) } };
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
  const claim = await openClaim(charges, req.body.note, 'OPS', (await staff(req)));
  return { status: 201, body: { claimId: claim.claimId, amount: claim.amount } };
}

async function decideClaim(req: HttpRequest<z.infer<typeof CompensationDecisionBody>, Record<string, string>, { claimId: string }>) {
  const st = await staffOf(req);
  if (req.body.decision === 'PAY') {
    // Four eyes on money: whoever opened a claim cannot also pay it. Claims opened by a holder's
    // not-me report (actor system:*) may be paid by any member of staff.
    const existing = await getClaim(req.params.claimId);
    if (existing && (existing.claimStatus === 'OPEN' || existing.claimStatus === 'PAYING') && [st.actor, `ops:${st.id}`].includes(existing.createdBy)) {
      throw new DomainError('SECOND_APPROVER_REQUIRED', 'You opened this claim; another member of staff must pay it');
    }
  }
  const claim = req.body.decision === 'PAY' ? await payClaim(req.params.claimId, st.actor, req.body.note) : await denyClaim(req.params.claimId, st.actor, req.body.note);
  return { status: 200, body: claimView(claim) };
}

/**
 * Lists: values are checked and made canonical here; a bank account is kept only as its keyed hash
 * and masked. A sealed reference (a case's `context.listRefs`, an entry's `ref`) stands for a value
 * the console never holds: a bank account's number, a full phone number, a birth date.
 */
async function listValue(params: { kind: ListKind; value: string }) {
  const { accountKey } = await ports().secrets();
  const sealed = openListRef(accountKey, params.kind, params.value);
  if (sealed) return { key: sealed.key, shown: sealed.shown ?? shownOfKey(params.kind, sealed.key) };
  if (params.kind !== 'DEVICE' && params.value.startsWith(LIST_REF_PREFIX)) {
    throw new DomainError('VALIDATION_ERROR', 'The list value is not valid', { issues: [{ in: 'path', path: 'value', message: `not a ${params.kind} reference this service issued` }] });
  }
  // A phone's `+` or a kana name arrives percent-encoded if the gateway passed the path raw; only a
  // device id may contain a literal `%`, so the others are decoded once more when they still look encoded.
  let raw = params.value;
  if (params.kind !== 'DEVICE' && raw.includes('%')) {
    try {
      raw = decodeURIComponent(raw);
    } catch {
      /* not encoded after all: validated as it is */
    }
  }
  const canonical = canonicalValue(params.kind, raw);
  if ('error' in canonical) throw new DomainError('VALIDATION_ERROR', 'The list value is not valid', { issues: [{ in: 'path', path: 'value', message: canonical.error }] });
  const key = await listKey(params.kind, canonical.value);
  // Masked as the links mask it (last three digits), so an entry and a link together never show more.
  const shown = params.kind === 'BANK_ACCOUNT' ? canonical.value.replace(/-(\d{7})$/, (_, n: string) => `-${maskAccount(n)}`) : canonical.value;
  return { key, shown };
}

/** What a sealed phone or identity shows: the phone masked, the identity without its birth date. */
function shownOfKey(kind: ListKind, key: string): string {
  if (kind === 'PHONE') return maskTail(key);
  if (kind === 'EKYC_IDENTITY') return key.replace(/_\d{4}-\d{2}-\d{2}$/, '_****-**-**');
  return kind === 'BANK_ACCOUNT' ? '****' : key;
}

const LISTS_AUDIT_SUBJECT = 'lists';

async function lists() {
  const [items, { accountKey }] = await Promise.all([listEntries(ports().clock.now()), ports().secrets()]);
  items.sort((a, b) => a.kind.localeCompare(b.kind) || a.value.localeCompare(b.value));
  // `ref` removes the entry (DELETE) whatever its kind: a device by its id, the others sealed.
  const ref = (e: ListEntry & { key: string }) => (e.kind === 'DEVICE' ? e.value : sealListRef(accountKey, e.kind, e.kind === 'BANK_ACCOUNT' ? { key: e.key, shown: e.value } : { key: e.key }));
  return { status: 200, body: { items: items.map((e) => ({ ...entryView(e), ref: ref(e) })) } };
}

const entryView = (e: ListEntry) => ({ kind: e.kind, value: e.value, action: e.action, until: e.until, reason: e.reason, createdAt: e.createdAt, createdBy: e.createdBy });

async function putList(req: HttpRequest<z.infer<typeof ListEntryBody>, Record<string, string>, { kind: ListKind; value: string }>) {
  const now = ports().clock.now();
  const until = Date.parse(req.body.until);
  if (until <= now || until > now + LIST_POLICY.maxDays * 86_400_000) {
    throw new DomainError('VALIDATION_ERROR', 'until must be in the future', { issues: [{ in: 'body', path: 'until', message: `must be after now and within ${LIST_POLICY.maxDays} days` }] });
  }
  const { key, shown } = await listValue(req.params);
  const actor = await staff(req);
  const entry: ListEntry = { kind: req.params.kind, value: shown, action: req.body.action, until: new Date(until).toISOString(), reason: req.body.reason, createdAt: new Date(now).toISOString(), createdBy: actor };
  await transact([
    putEntryItem(key, entry),
    listAudit({ userId: LISTS_AUDIT_SUBJECT, actor, action: 'LIST_ENTRY_PUT', reason: req.body.reason, details: { kind: entry.kind, value: shown, action: entry.action, until: entry.until }, at: now }),
  ]);
  return { status: 200, body: entryView(entry) };
}

async function deleteList(req: HttpRequest<unknown, Record<string, string>, { kind: ListKind; value: string }>) {
  const now = ports().clock.now();
  const { key, shown } = await listValue(req.params);
  const actor = await staff(req);
  try {
    await transact([deleteEntryItem(req.params.kind, key), listAudit({ userId: LISTS_AUDIT_SUBJECT, actor, action: 'LIST_ENTRY_DELETED', details: { kind: req.params.kind, value: shown }, at: now })]);
  } catch (e) {
    if (cancellationReasons(e)) throw new DomainError('NOT_FOUND', 'No such list entry');
    throw e;
  }
  return { status: 204 };
}

async function audit(req: HttpRequest<unknown, z.infer<typeof AuditQuery>>) {
  const userId = req.query.userId;
  const [records, charges] = await Promise.all([auditTrail(userId), userId.startsWith('bank-') ? [] : listCharges(userId)]);
  const items = [
    ...records.map((r) => ({ at: r.at as string, actor: r.actor as string, action: r.action as string, ...(r.reason ? { reason: r.reason as string } : {}), ...(r.details ? { details: r.details } : {}) })),
    // Each charge keeps its own history of moves (written with the move itself): part of the trail.
    ...charges.flatMap((c) =>
      c.history.map((h) => ({ at: h.at, actor: h.actor, action: `CHARGE_${h.status}`, ...(h.reason ? { reason: h.reason } : {}), details: { chargeId: c.chargeId, amount: c.amount, outcome: c.decision.outcome, ...(c.decision.ruleVersion !== undefined ? { ruleVersion: c.decision.ruleVersion } : {}) } })),
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
  'GET /v1/ops/lists': lists,
  'PUT /v1/ops/lists/{kind}/{value}': putList,
  'DELETE /v1/ops/lists/{kind}/{value}': deleteList,
  ...RULES_ROUTES,
});
