import { randomUUID } from 'node:crypto';
import { rememberActiveRules } from './active-rules';
import { backtest } from '../domain/backtest';
import { changedRules, withDefaults, type Rules } from '../domain/rules';
import type { RuleChange, RulesProposal } from '../domain/rules-proposal';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/caller';
import { ports } from '../shared/runtime';
import { stores } from '../store';

/**
 * Rules at runtime, maker-checker: a member of staff proposes a rule set, which is backtested when
 * it is made; another member of staff approves (it becomes the next version) or rejects it.
 */

/** Rule changes are audited under this subject (GET /v1/ops/audit?userId=rules). */
const AUDIT_SUBJECT = 'rules';
/** Changes as one line each in audit records (the redactor would hide a field named `to`, which it reads as a phone number). */
const changeLines = (changes: RuleChange[]) => changes.map((c) => `${c.rule}: ${c.from} → ${c.to}`);
export const BACKTEST_DAYS = 30;

const staffOf = (caller: Caller | undefined) => stores().staff.staffOf({ caller });

/** The set in force, read from the table (not the 60-second cache): ops see what the next cache refresh will use. */
export const rulesInForce = () => stores().rules.getActiveRules();

const proposalView = (p: RulesProposal) => ({
  // Read over today's defaults like the active set: a proposal made before a rule was added still has every rule.
  proposalId: p.proposalId,
  rules: withDefaults(p.rules),
  note: p.note,
  baseVersion: p.baseVersion,
  changes: p.changes,
  backtest: p.backtest,
  proposalStatus: p.proposalStatus,
  proposedBy: p.proposedBy,
  createdAt: p.createdAt,
  ...(p.decidedBy ? { decidedBy: p.decidedBy, decidedAt: p.decidedAt } : {}),
  ...(p.activatedVersion ? { activatedVersion: p.activatedVersion } : {}),
});

export async function listRuleProposals(input: { status?: 'OPEN' | 'CLOSED' }) {
  return { items: (await stores().rules.listProposals(input.status ?? 'OPEN')).map(proposalView) };
}

/**
 * A proposal is backtested when it is made, against the version in force: the recorded facts of
 * every charge decision of the last 30 days, replayed through decide() under both rule sets.
 */
export async function proposeRules(input: { caller?: Caller; rules: Rules; note: string }) {
  const st = await staffOf(input.caller);
  const store = stores().rules;
  const now = ports().clock.now();
  const from = now - BACKTEST_DAYS * 86_400_000;
  const current = await store.getActiveRules();
  const changes = changedRules(current.rules, input.rules);
  if (!changes.length) {
    throw new DomainError('VALIDATION_ERROR', 'The proposal changes no rule', {
      issues: [{ in: 'body', path: 'rules', message: `equals version ${current.version}, the rules in force` }],
    });
  }
  const [records, labels] = await Promise.all([store.recordedDecisions(from, now), store.fraudLabels(from)]);
  const result = { ...backtest(records, labels, current.rules, input.rules), from: new Date(from).toISOString(), to: new Date(now).toISOString() };
  const proposal: RulesProposal = {
    proposalId: `rp_${randomUUID()}`,
    rules: input.rules,
    note: input.note,
    baseVersion: current.version,
    changes,
    backtest: result,
    proposalStatus: 'OPEN',
    proposedById: st.id,
    proposedBy: st.email,
    createdAt: new Date(now).toISOString(),
  };
  await store.putProposal(proposal, {
    userId: AUDIT_SUBJECT,
    actor: st.actor,
    action: 'RULES_PROPOSED',
    reason: input.note,
    details: { proposalId: proposal.proposalId, baseVersion: current.version, changes: changeLines(changes), charges: result.charges, changed: result.changed },
    at: now,
  });
  return { proposalId: proposal.proposalId, baseVersion: current.version, changes, backtest: result };
}

/** Maker-checker: the proposer can neither approve nor withdraw their own proposal; anyone else can do either. */
export async function decideRuleProposal(input: { caller?: Caller; proposalId: string; decision: 'APPROVE' | 'REJECT'; note?: string }) {
  const st = await staffOf(input.caller);
  const store = stores().rules;
  const p = await store.getProposal(input.proposalId);
  if (!p) throw new DomainError('NOT_FOUND', 'No such rules proposal');
  if (p.proposalStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The proposal is already ${p.proposalStatus}`, { proposalStatus: p.proposalStatus });
  if (p.proposedById === st.id)
    throw new DomainError('SECOND_APPROVER_REQUIRED', 'You proposed these rules; another member of staff must decide on them', { proposedBy: p.proposedBy });
  const now = ports().clock.now();
  const current = await store.getActiveRules();
  const audit = {
    userId: AUDIT_SUBJECT,
    actor: st.actor,
    ...(input.note ? { reason: input.note } : {}),
    at: now,
    details: { proposalId: p.proposalId, proposedBy: p.proposedBy, baseVersion: p.baseVersion, changes: changeLines(p.changes) },
  };
  if (input.decision === 'REJECT') {
    if (!(await store.rejectProposal(p, st.email, { ...audit, action: 'RULES_REJECTED' })))
      throw new DomainError('INVALID_STATE', 'The proposal was decided meanwhile');
    return { proposalId: p.proposalId, proposalStatus: 'REJECTED' as const, version: current.version };
  }
  // Its backtest compared it with the version it was made against: over a newer one it would undo
  // changes nobody backtested against it. It is proposed again instead.
  if (current.version !== p.baseVersion) {
    throw new DomainError(
      'INVALID_STATE',
      `The proposal was made against version ${p.baseVersion}; version ${current.version} is in force now: propose it again`,
      { baseVersion: p.baseVersion, version: current.version },
    );
  }
  const version = await store.activateProposal(p, current, st.email, {
    ...audit,
    action: 'RULES_ACTIVATED',
    details: { ...audit.details, version: current.version + 1 },
  });
  if (version === 'STALE') throw new DomainError('INVALID_STATE', 'The proposal was decided, or other rules activated, meanwhile');
  // This process uses it at once; every other function within its cache's 60 seconds.
  rememberActiveRules({ version, rules: withDefaults(p.rules) });
  return { proposalId: p.proposalId, proposalStatus: 'APPROVED' as const, version };
}
