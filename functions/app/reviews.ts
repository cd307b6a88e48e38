import { guardError, stopCharge } from './charge-lifecycle';
import { activeRules } from './active-rules';
import { reviewContext } from './review-context';
import { freezeWallet } from './wallet-controls';
import type { ReviewCase } from '../domain/review';
import { DomainError } from '../shared/errors';
import type { Caller } from '../shared/caller';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { WORKFLOW_ERRORS } from '../domain/saga';

/**
 * The review queue: ops take a case, then approve or reject the charge it holds. An APPROVE of a
 * large charge needs two distinct approvers (four eyes); the amount is a rule changed at runtime.
 */

type Staff = Awaited<ReturnType<ReturnType<typeof stores>['staff']['staffOf']>>;
const staffOf = (caller: Caller | undefined) => stores().staff.staffOf({ caller });

const caseView = (c: ReviewCase) => ({
  caseId: c.caseId,
  chargeId: c.chargeId,
  userId: c.userId,
  amount: c.amount,
  reasons: c.reasons,
  createdAt: c.createdAt,
  dueAt: c.dueAt,
  expiresAt: c.expiresAt,
  caseStatus: c.caseStatus,
  ...(c.assignee ? { assignee: c.assignee, assignedAt: c.assignedAt } : {}),
  ...(c.firstApproval ? { firstApprover: c.firstApproval.by } : {}),
  ...(c.decidedBy ? { decidedBy: c.decidedBy, decidedAt: c.decidedAt } : {}),
  ...(c.ruleVersion !== undefined ? { ruleVersion: c.ruleVersion } : {}),
});

/** Open cases oldest first, each with its decision context (read by key, 8 cases at a time); closed ones newest first. */
export async function listReviews(input: { status?: 'OPEN' | 'CLOSED' }) {
  const now = ports().clock.now();
  const reviews = stores().reviews;
  if (input.status === 'CLOSED') return { items: (await reviews.closedCases()).map(caseView), now: new Date(now).toISOString() };
  const cases = await reviews.openCases();
  cases.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const items: (ReturnType<typeof caseView> & { context: Awaited<ReturnType<typeof reviewContext>> })[] = [];
  for (let i = 0; i < cases.length; i += 8) {
    items.push(...(await Promise.all(cases.slice(i, i + 8).map(async (c) => ({ ...caseView(c), context: await reviewContext(c, now) })))));
  }
  return { items, now: new Date(now).toISOString() };
}

const caseAssigned = (c: ReviewCase) =>
  new DomainError('CASE_ASSIGNED', `The case is held by ${c.assignee ?? 'another member of staff'}; take it over with a reason first`, {
    assignee: c.assignee,
    assignedAt: c.assignedAt,
  });

async function openCase(caseId: string): Promise<ReviewCase> {
  const c = await stores().reviews.getCase(caseId);
  if (!c) throw new DomainError('NOT_FOUND', 'No such review case');
  if (c.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${c.caseStatus}`);
  return c;
}

/** The case after a lost race: closed meanwhile is INVALID_STATE; still open, it is returned for the caller to judge. */
async function stillOpen(caseId: string): Promise<ReviewCase> {
  const fresh = await stores().reviews.getCase(caseId);
  if (fresh?.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${fresh?.caseStatus ?? 'gone'}`);
  return fresh;
}

/** Takes a case for the caller; holding another's case needs `takeOver` (the reason is audited). */
export async function assignReview(input: { caller?: Caller; caseId: string; takeOver?: string }) {
  const staff = await staffOf(input.caller);
  const c = await openCase(input.caseId);
  const fromOther = !!c.assigneeId && c.assigneeId !== staff.id;
  if (fromOther && !input.takeOver) throw caseAssigned(c);
  if (c.assigneeId === staff.id) return { caseId: c.caseId, assignee: staff.email, assignedAt: c.assignedAt };
  const now = ports().clock.now();
  const taken = await stores().reviews.assign(c.caseId, staff, now, fromOther, {
    userId: c.userId,
    actor: staff.actor,
    action: fromOther ? 'CASE_TAKEN_OVER' : 'CASE_ASSIGNED',
    ...(fromOther ? { reason: input.takeOver } : {}),
    details: { caseId: c.caseId, chargeId: c.chargeId, ...(fromOther ? { from: c.assignee } : {}) },
    at: now,
  });
  // Someone took it first (or it closed) between the read and the write.
  if (!taken) throw caseAssigned(await stillOpen(c.caseId));
  return { caseId: c.caseId, assignee: staff.email, assignedAt: new Date(now).toISOString() };
}

/**
 * Who may decide: the assignee, or anyone while the case is unowned (a night shift of one must not
 * be blocked by a missing click; the decision is audited with its author either way). Once a large
 * APPROVE waits for its second approver, the checker is by definition someone else: any staff member
 * but the first approver may then APPROVE or REJECT, and the first approver may still REJECT.
 */
function checkDecider(c: ReviewCase, staff: Staff, decision: 'APPROVE' | 'REJECT') {
  if (c.firstApproval) {
    if (decision === 'APPROVE' && c.firstApproval.byId === staff.id) {
      throw new DomainError(
        'SECOND_APPROVER_REQUIRED',
        `${c.firstApproval.by} approved this case already; a second, different member of staff must approve it`,
        { firstApprover: c.firstApproval.by },
      );
    }
    return;
  }
  if (c.assigneeId && c.assigneeId !== staff.id) throw caseAssigned(c);
}

export interface ReviewDecisionInput {
  caller?: Caller;
  caseId: string;
  decision: 'APPROVE' | 'REJECT';
  note: string;
  freezeUser?: boolean;
  trustLink?: boolean;
}

export type ReviewDecisionResult =
  | { caseId: string; decision: 'APPROVE'; status: 'AWAITING_SECOND_APPROVAL'; firstApprover: string; chargeStatus: 'PENDING_REVIEW' }
  | { caseId: string; decision: 'APPROVE' | 'REJECT'; chargeStatus: 'PROCESSING' | 'DECLINED' };

/** Errors of a decision that could not be made on the charge: a freeze asked with it still happens. */
const CHARGE_REFUSALS = ['INVALID_STATE', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'CHARGE_DECLINED'];

/**
 * A decision that asks to freeze the user freezes it even when the decision itself cannot be
 * made (the charge ended meanwhile, or a control stopped it): the reviewer's judgement of the
 * wallet stands. Refusals about who may decide (ownership, four eyes) freeze nothing.
 */
export async function decideReview(input: ReviewDecisionInput): Promise<ReviewDecisionResult> {
  try {
    return await decideCase(input);
  } catch (e) {
    if (input.freezeUser && e instanceof DomainError && CHARGE_REFUSALS.includes(e.code)) {
      const c = await stores().reviews.getCase(input.caseId);
      if (c) await freezeWallet(c.userId, `REVIEW ${input.decision}: ${input.note}`, (await staffOf(input.caller)).actor);
    }
    throw e;
  }
}

async function decideCase(input: ReviewDecisionInput): Promise<ReviewDecisionResult> {
  const staff = await staffOf(input.caller);
  const actor = staff.actor;
  const p = ports();
  const reviews = stores().reviews;
  const { decision, note, freezeUser, trustLink } = input;
  if (trustLink && decision !== 'APPROVE') {
    throw new DomainError('VALIDATION_ERROR', 'trustLink goes with APPROVE only', {
      issues: [{ in: 'body', path: 'trustLink', message: 'only with decision APPROVE' }],
    });
  }
  const c = await openCase(input.caseId);
  checkDecider(c, staff, decision);
  const charge = await stores().charges.getCharge(c.userId, c.chargeId);
  if (!charge || charge.status !== 'PENDING_REVIEW') throw new DomainError('INVALID_STATE', `The charge is ${charge?.status ?? 'gone'}`);
  const now = p.clock.now();

  // Four eyes: the first APPROVE of a large charge is recorded and waits for a second, distinct approver.
  // The amount is a rule (fourEyes.reviewApprovalAmountAtLeast), changed at runtime like the risk thresholds.
  if (decision === 'APPROVE' && !c.firstApproval && c.amount >= (await activeRules()).rules.fourEyes.reviewApprovalAmountAtLeast) {
    const recorded = await reviews.recordFirstApproval(
      c.caseId,
      { byId: staff.id, by: staff.email, at: new Date(now).toISOString(), note },
      {
        userId: c.userId,
        actor,
        action: 'REVIEW_FIRST_APPROVAL',
        reason: note,
        details: { caseId: c.caseId, chargeId: c.chargeId, amount: c.amount, reasons: c.reasons },
        at: now,
      },
    );
    if (!recorded) {
      checkDecider(await stillOpen(c.caseId), staff, decision); // another approved first: this one is the second approval if it is someone else
      return decideCase(input);
    }
    // A freeze asked with the first approval would cancel the very charge awaiting its second approver:
    // freezing waits for the final decision (or POST /v1/ops/users/{userId}/freeze).
    return { caseId: c.caseId, decision, status: 'AWAITING_SECOND_APPROVAL', firstApprover: staff.email, chargeStatus: 'PENDING_REVIEW' };
  }

  const audit = {
    userId: c.userId,
    actor,
    action: decision === 'APPROVE' ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED',
    reason: note,
    details: {
      caseId: c.caseId,
      chargeId: c.chargeId,
      amount: c.amount,
      reasons: c.reasons,
      ...(c.firstApproval ? { firstApprover: c.firstApproval.by } : {}),
      ...(trustLink ? { trustLink: true, linkId: charge.linkId } : {}),
    },
    at: now,
  };
  const decided = { at: now, actor, note };

  let chargeStatus: 'PROCESSING' | 'DECLINED';
  if (decision === 'APPROVE') {
    // A frozen wallet, a removed link or a bank switched off stops the charge here, whenever the freeze landed.
    const result = await reviews.approve(c, charge, decided, audit);
    if (result === 'STALE') throw new DomainError('INVALID_STATE', 'The case or charge changed meanwhile');
    if (result !== 'OK') {
      await stopCharge(charge, result, actor);
      throw guardError(result, charge.chargeId);
    }
    chargeStatus = 'PROCESSING';
    // The reviewer vouches for the link: it is vetted from now on (no holder window, no young-link cap).
    // Written after the approval (its audit names it): the approval's guards already check this link item.
    if (trustLink) await reviews.trustLink(charge.userId, charge.linkId, now, actor);
    const resumed = c.taskToken ? await p.workflow.succeed(c.taskToken, { approved: true }) : false;
    // The waiting execution is gone (a restart): a fresh one runs the execution stage.
    if (!resumed) await p.workflow.start(`${c.chargeId}-a`, { chargeId: c.chargeId, userId: c.userId, outcome: 'REVIEW', stage: 'EXECUTE' });
  } else {
    if (!(await reviews.reject(c, decided, audit))) throw new DomainError('INVALID_STATE', 'The case or charge changed meanwhile');
    chargeStatus = 'DECLINED';
    if (c.taskToken) await p.workflow.fail(c.taskToken, WORKFLOW_ERRORS.rejected, 'rejected by review');
  }
  if (freezeUser) await freezeWallet(c.userId, `REVIEW ${decision}: ${note}`, actor);
  return { caseId: c.caseId, decision, chargeStatus };
}
