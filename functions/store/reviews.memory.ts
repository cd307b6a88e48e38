import type { AuditEntry } from '../adapters/audit';
import type { Activity, ChargeRecord, GuardReason } from '../adapters/charges-repo';
import { deviceHash } from '../adapters/users-repo';
import { isFinal, type ChargeStatus } from '../domain/charge';
import { removeCharge } from '../domain/link-stats';
import { identityValue } from '../domain/lists';
import { caseIdFor, type CaseStatus, type ReviewCase } from '../domain/review';
import { jstDay } from '../domain/risk';
import { copy, type MemoryWorld } from './memory-world';
import type { ReviewStore } from './reviews';

/**
 * The charges area's map a decision writes that is not on MemoryWorld yet (the wallet's window):
 * it declares it there; until then an absent map reads as empty.
 */
export interface ReviewNeighbours {
  activity?: Map<string, Activity>;
}

const LIMIT = 50;

/** The review cases over the in-memory world, with the DynamoDB store's conditions and results. */
export function memoryReviews(world: MemoryWorld): ReviewStore {
  const w = world as MemoryWorld & ReviewNeighbours;
  const chargeKey = (userId: string, chargeId: string) => `${userId}/${chargeId}`;
  const audit = (entry: AuditEntry) => w.audit.push(copy(entry));

  function failedGuard(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): GuardReason | undefined {
    if (w.users.get(c.userId)?.status !== 'ACTIVE') return 'WALLET_FROZEN';
    if (w.links.get(`${c.userId}/${c.linkId}`)?.status !== 'ACTIVE') return 'LINK_NOT_ACTIVE';
    if (w.banks.get(c.bankCode)?.chargingEnabled !== true) return 'BANK_SUSPENDED';
    return undefined;
  }

  function moveCharge(c: ChargeRecord, to: ChargeStatus, at: number, actor: string, reason: string) {
    const iso = new Date(at).toISOString();
    w.charges.set(chargeKey(c.userId, c.chargeId), { ...c, status: to, updatedAt: iso, history: [...c.history, { at: iso, status: to, actor, reason }] });
  }

  function closeCase(c: ReviewCase, status: Exclude<CaseStatus, 'OPEN'>, at: number, by: string, note: string) {
    w.cases.set(c.caseId, { ...c, caseStatus: status, decidedBy: by, decidedAt: new Date(at).toISOString(), note });
  }

  /** The wallet's window after the charge ended: its reservation, waiting slot, hold and link exposure given back. */
  function releaseWindow(c: ChargeRecord) {
    const activity = w.activity?.get(c.userId);
    if (!activity) return;
    const { [c.chargeId]: _waiting, ...waiting } = activity.waiting;
    const { [c.chargeId]: _held, ...held } = activity.held;
    const stats = activity.links[c.linkId];
    const reserved = c.decision.outcome !== 'DENY' && stats?.days[jstDay(Date.parse(c.createdAt))];
    const links = reserved ? { ...activity.links, [c.linkId]: removeCharge(stats, Date.parse(c.createdAt), c.amount) } : activity.links;
    w.activity!.set(c.userId, copy({ version: activity.version + 1, recent: activity.recent.filter((r) => r.chargeId !== c.chargeId), waiting, held, links }));
  }

  const sharing = {
    BANK_ACCOUNT: (hash: string) => [...w.links.values()].filter((l) => l.accountHash === hash).map((l) => l.userId),
    DEVICE: (deviceId: string) => [...w.devices.keys()].filter((k) => k.endsWith(`/${deviceHash(deviceId)}`)).map((k) => k.slice(0, k.indexOf('/'))),
    PHONE: (phone: string) => [...w.users.values()].filter((u) => u.phoneNumber === phone).map((u) => u.userId),
    EKYC_IDENTITY: (value: string) =>
      [...w.users.values()].filter((u) => u.identity && identityValue(u.identity.fullNameKana, u.identity.dateOfBirth) === value).map((u) => u.userId),
  };

  return {
    caseIdFor,
    async getCase(caseId) {
      return copy(w.cases.get(caseId));
    },
    async openCaseWithToken(c, taskToken) {
      const existing = w.cases.get(c.caseId);
      if (!existing) w.cases.set(c.caseId, copy({ ...c, caseStatus: 'OPEN', taskToken }));
      else if (existing.caseStatus === 'OPEN') existing.taskToken = taskToken;
      return copy(w.cases.get(c.caseId)!);
    },
    async openCases() {
      return [...w.cases.values()].filter((c) => c.caseStatus === 'OPEN').map(copy);
    },
    async closedCases(limit = 100) {
      const order = (c: ReviewCase) => `${c.decidedAt}#${c.caseId}`;
      return [...w.cases.values()]
        .filter((c) => c.caseStatus !== 'OPEN' && c.decidedAt)
        .sort((a, b) => order(b).localeCompare(order(a)))
        .slice(0, limit)
        .map(copy);
    },
    async assign(caseId, staff, at, takeOver, entry) {
      const c = w.cases.get(caseId);
      if (c?.caseStatus !== 'OPEN' || (!takeOver && c.assigneeId !== undefined && c.assigneeId !== staff.id)) return false;
      w.cases.set(caseId, { ...c, assigneeId: staff.id, assignee: staff.email, assignedAt: new Date(at).toISOString() });
      audit(entry);
      return true;
    },
    async recordFirstApproval(caseId, approval, entry) {
      const c = w.cases.get(caseId);
      if (c?.caseStatus !== 'OPEN' || c.firstApproval) return false;
      w.cases.set(caseId, { ...c, firstApproval: copy(approval) });
      audit(entry);
      return true;
    },
    async approve(c, charge, d, entry) {
      const stored = w.charges.get(chargeKey(charge.userId, charge.chargeId));
      // The step's own conditions first (the charge as it was read, the case still open), then the controls.
      if (stored?.status !== charge.status || w.cases.get(c.caseId)?.caseStatus !== 'OPEN') return 'STALE';
      const failed = failedGuard(charge);
      if (failed) return failed;
      moveCharge(stored, 'PROCESSING', d.at, d.actor, 'REVIEW_APPROVED');
      closeCase(w.cases.get(c.caseId)!, 'APPROVED', d.at, d.actor, d.note);
      audit(entry);
      const activity = w.activity?.get(charge.userId);
      if (activity) {
        const { [charge.chargeId]: _done, ...waiting } = activity.waiting;
        w.activity!.set(charge.userId, { ...activity, waiting, version: activity.version + 1 });
      }
      return 'OK';
    },
    async reject(c, d, entry) {
      const charge = w.charges.get(chargeKey(c.userId, c.chargeId));
      const open = w.cases.get(c.caseId);
      if (!charge || isFinal(charge.status) || open?.caseStatus !== 'OPEN') return false;
      releaseWindow(charge);
      moveCharge(charge, 'DECLINED', d.at, d.actor, 'REVIEW_REJECTED');
      closeCase(open, 'REJECTED', d.at, d.actor, d.note);
      audit(entry);
      return true;
    },
    async closeCase(caseId, at, actor, note) {
      const c = w.cases.get(caseId);
      if (c?.caseStatus === 'OPEN') closeCase(c, 'CLOSED', at, actor, note);
    },
    async trustLink(userId, linkId, at, actor) {
      const link = w.links.get(`${userId}/${linkId}`);
      // DynamoDB: the update's condition (the link exists) cancels the transaction.
      if (!link) throw Object.assign(new Error(`no link ${userId}/${linkId}`), { name: 'TransactionCanceledException' });
      w.links.set(`${userId}/${linkId}`, { ...link, trustedAt: new Date(at).toISOString(), trustedBy: actor });
    },
    async walletsSharing(via, value) {
      return [...new Set(sharing[via](value))].slice(0, LIMIT);
    },
  };
}
