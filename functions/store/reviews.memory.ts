import type { AuditEntry } from '../domain/audit';
import { isFinal, windowAfterEnd, type ChargeRecord, type ChargeStatus } from '../domain/charge';
import { deviceHash } from '../domain/user';
import { identityValue } from '../domain/lists';
import { caseIdFor, type CaseStatus, type ReviewCase } from '../domain/review';
import { memoryChargeMoves } from './charges.memory';
import { recordAudit } from './audit.memory';
import { copy, type MemoryWorld } from './memory-world';
import type { ReviewStore } from './reviews';

const LIMIT = 50;

/** The review cases over the in-memory world, with the DynamoDB store's conditions and results. */
export function memoryReviews(world: MemoryWorld): ReviewStore {
  const w = world;
  const chargeKey = (userId: string, chargeId: string) => `${userId}/${chargeId}`;
  const audit = (entry: AuditEntry) => recordAudit(w, entry);

  const { failedGuard, move } = memoryChargeMoves(w);
  /** The decision's move of the charge: the same move (history, sweeper's index) as the charges memory store's. */
  const moveCharge = (c: ChargeRecord, to: ChargeStatus, at: number, actor: string, reason: string) => move(c, to, at, actor, { reason });

  function closeCase(c: ReviewCase, status: Exclude<CaseStatus, 'OPEN'>, at: number, by: string, note: string) {
    w.cases.set(c.caseId, { ...c, caseStatus: status, decidedBy: by, decidedAt: new Date(at).toISOString(), note });
  }

  /** The wallet's window after the charge ended: its reservation, waiting slot, hold and link exposure given back. */
  function releaseWindow(c: ChargeRecord) {
    const activity = w.activity.get(c.userId);
    if (!activity) return;
    const window = windowAfterEnd(copy(activity), c);
    if (window.changed) w.activity.set(c.userId, copy({ ...window.next, version: activity.version + 1 }));
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
      const activity = w.activity.get(charge.userId);
      if (activity) {
        const { [charge.chargeId]: _done, ...waiting } = activity.waiting;
        w.activity.set(charge.userId, { ...activity, waiting, version: activity.version + 1 });
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
