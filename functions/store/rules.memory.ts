import type { AuditEntry } from '../domain/audit';
import { DEFAULT_RULES_VERSION } from '../domain/rules';
import { activeRulesOf, type RulesProposal } from '../domain/rules-proposal';
import { config } from '../shared/config';
import { recordAudit } from './audit.memory';
import { copy, type MemoryWorld } from './memory-world';
import type { RulesStore } from './rules';

/** The rule versions, proposals and decision records over the in-memory world, with the DynamoDB store's conditions and results. */
export function memoryRules(world: MemoryWorld): RulesStore {
  const w = world;
  const audit = (entry: AuditEntry) => recordAudit(w, entry);
  const close = (p: RulesProposal, status: 'APPROVED' | 'REJECTED', by: string, at: string, activatedVersion?: number) =>
    w.rulesProposals.set(p.proposalId, {
      ...w.rulesProposals.get(p.proposalId)!,
      proposalStatus: status,
      decidedBy: by,
      decidedAt: at,
      ...(activatedVersion ? { activatedVersion } : {}),
    });

  return {
    async getActiveRules() {
      return activeRulesOf(copy(w.activeRules), config().riskRules);
    },
    async putProposal(p, entry) {
      if (w.rulesProposals.has(p.proposalId)) throw Object.assign(new Error(`proposal ${p.proposalId} exists`), { name: 'TransactionCanceledException' });
      w.rulesProposals.set(p.proposalId, copy(p));
      audit(entry);
    },
    async getProposal(proposalId) {
      return copy(w.rulesProposals.get(proposalId));
    },
    async listProposals(status) {
      const all = [...w.rulesProposals.values()];
      if (status === 'OPEN')
        return all
          .filter((p) => p.proposalStatus === 'OPEN')
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
          .slice(0, 100)
          .map(copy);
      return all
        .filter((p) => p.proposalStatus !== 'OPEN')
        .sort((a, b) => b.decidedAt!.localeCompare(a.decidedAt!))
        .slice(0, 50)
        .map(copy);
    },
    async activateProposal(p, current, by, entry) {
      const version = current.version + 1;
      const first = current.version === DEFAULT_RULES_VERSION;
      const pointerHolds = first ? !w.activeRules : w.activeRules?.version === current.version;
      if (w.rulesVersions.has(version) || !pointerHolds || w.rulesProposals.get(p.proposalId)?.proposalStatus !== 'OPEN') return 'STALE';
      const at = new Date(entry.at).toISOString();
      const record = { version, rules: copy(p.rules), activatedAt: at, activatedBy: by, proposalId: p.proposalId };
      w.rulesVersions.set(version, record);
      w.activeRules = copy(record);
      close(p, 'APPROVED', by, at, version);
      audit(entry);
      // Version 1 is kept on record too once a second exists, so every version a decision names can be read back.
      if (first) w.rulesVersions.set(DEFAULT_RULES_VERSION, { version: DEFAULT_RULES_VERSION, rules: copy(current.rules), activatedBy: 'system:defaults' });
      return version;
    },
    async rejectProposal(p, by, entry) {
      if (w.rulesProposals.get(p.proposalId)?.proposalStatus !== 'OPEN') return false;
      close(p, 'REJECTED', by, new Date(entry.at).toISOString());
      audit(entry);
      return true;
    },
    async recordDecision(r) {
      w.decisionRecords.set(`${r.at}#${r.chargeId}`, copy(r));
    },
    async recordedDecisions(from, to) {
      const lo = new Date(from).toISOString();
      const hi = `${new Date(to).toISOString()}~`;
      return [...w.decisionRecords].filter(([sk]) => sk >= lo && sk <= hi).map(([, r]) => copy(r));
    },
    async fraudLabels(from) {
      const since = new Date(from).toISOString();
      const labels = new Set<string>();
      for (const claim of w.claims.values() ?? []) {
        if (claim.createdAt < since) continue;
        if (claim.claimStatus === 'PAID' || (claim.source === 'NOT_ME_REPORT' && claim.claimStatus !== 'DENIED'))
          for (const id of claim.chargeIds ?? []) labels.add(id);
      }
      for (const report of w.notMeReports.values() ?? []) {
        if (report.reportedAt >= since) for (const id of report.response?.cancelledCharges ?? []) labels.add(id);
      }
      return labels;
    },
  };
}
