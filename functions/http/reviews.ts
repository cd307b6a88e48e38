import type { z } from 'zod';
import { auditPut, type TransactItem } from '../adapters/audit';
import { keys } from '../shared/table';
import { doneWaitingItem, finishUnsuccessfully, getCharge, moveChargeItem, transactGuarded } from '../adapters/charges-repo';
import { guardError, stopCharge } from '../app/charge-lifecycle';
import { assignCaseItem, closeCaseItem, closedCases, firstApprovalItem, getCase, openCases, type ReviewCase } from '../adapters/reviews-repo';
import { staffOf, type Staff } from '../adapters/staff-repo';
import { transact } from '../store/dynamo';
import { cancellationReasons } from '../store/dynamo';
import { activeRules } from '../app/active-rules';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { httpHandler, type HttpRequest } from '../shared/http';
import { ports } from '../shared/runtime';
import type { AssignmentBody, ReviewDecisionBody, ReviewsQuery } from '../shared/schemas';
import { reviewContext } from '../app/review-context';
import { WORKFLOW_ERRORS } from '../workflow/errors';
import { freezeWallet } from '../app/wallet-controls';

const caseView = (c: ReviewCase) => ({
  caseId: c.caseId, chargeId: c.chargeId, userId: c.userId, amount: c.amount, reasons: c.reasons, createdAt: c.createdAt, dueAt: c.dueAt, expiresAt: c.expiresAt,
  caseStatus: c.caseStatus,
  ...(c.assignee ? { assignee: c.assignee, assignedAt: c.assignedAt } : {}),
  ...(c.firstApproval ? { firstApprover: c.firstApproval.by } : {}),
  ...(c.decidedBy ? { decidedBy: c.decidedBy, decidedAt: c.decidedAt } : {}),
  ...(c.ruleVersion !== undefined ? { ruleVersion: c.ruleVersion } : {}),
});

/** Open cases oldest first, each with its decision context (read by key, 8 cases at a time); closed ones newest first. */
async function list(req: HttpRequest<unknown, z.infer<typeof ReviewsQuery>>) {
  const now = ports().clock.now();
  if (req.query.status === 'CLOSED') {
    return { status: 200, body: { items: (await closedCases()).map(caseView), now: new Date(now).toISOString() } };
  }
  const cases = await openCases();
  cases.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const items: unknown[] = [];
  for (let i = 0; i < cases.length; i += 8) {
    items.push(...(await Promise.all(cases.slice(i, i + 8).map(async (c) => ({ ...caseView(c), context: await reviewContext(c, now) })))));
  }
  return { status: 200, body: { items, now: new Date(now).toISOString() } };
}

const caseAssigned = (c: ReviewCase) =>
  new DomainError('CASE_ASSIGNED', `The case is held by ${c.assignee ?? 'another member of staff'}; take it over with a reason first`, { assignee: c.assignee, assignedAt: c.assignedAt });

/** Takes a case for the caller; holding another's case needs `takeOver` (the reason is audited). */
async function assign(req: HttpRequest<z.infer<typeof AssignmentBody>, Record<string, string>, { caseId: string }>) {
  const staff = await staffOf(req);
  const c = await getCase(req.params.caseId);
  if (!c) throw new DomainError('NOT_FOUND', 'No such review case');
  if (c.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${c.caseStatus}`);
  const takeOver = req.body.takeOver;
  const fromOther = !!c.assigneeId && c.assigneeId !== staff.id;
  if (fromOther && !takeOver) throw caseAssigned(c);
  if (c.assigneeId === staff.id) return { status: 200, body: { caseId: c.caseId, assignee: staff.email, assignedAt: c.assignedAt } };
  const now = ports().clock.now();
  try {
    await transact([
      assignCaseItem(c.caseId, staff, now, fromOther),
      auditPut(config().tableName, {
        userId: c.userId, actor: staff.actor, action: fromOther ? 'CASE_TAKEN_OVER' : 'CASE_ASSIGNED', ...(fromOther ? { reason: takeOver } : {}),
        details: { caseId: c.caseId, chargeId: c.chargeId, ...(fromOther ? { from: c.assignee } : {}) }, at: now,
      }),
    ]);
  } catch (e) {
    if (!cancellationReasons(e)) throw e;
    // Someone took it first (or it closed) between the read and the write.
    const fresh = await getCase(c.caseId);
    if (fresh?.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${fresh?.caseStatus ?? 'gone'}`);
    throw caseAssigned(fresh);
  }
  return { status: 200, body: { caseId: c.caseId, assignee: staff.email, assignedAt: new Date(now).toISOString() } };
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
      throw new DomainError('SECOND_APPROVER_REQUIRED', `${c.firstApproval.by} approved this case already; a second, different member of staff must approve it`, { firstApprover: c.firstApproval.by });
    }
    return;
  }
  if (c.assigneeId && c.assigneeId !== staff.id) throw caseAssigned(c);
}

type DecideRequest = HttpRequest<z.infer<typeof ReviewDecisionBody>, Record<string, string>, { caseId: string }>;

/**
 * A decision that asks to freeze the user freezes it even when the decision itself cannot be
 * made (the charge ended meanwhile, or a control stopped it): the reviewer's judgement of the
 * wallet stands. Refusals about who may decide (ownership, four eyes) freeze nothing.
 */
async function decide(req: DecideRequest) {
  try {
    return await decideCase(req);
  } catch (e) {
    if (req.body.freezeUser && e instanceof DomainError && ['INVALID_STATE', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'CHARGE_DECLINED'].includes(e.code)) {
      const c = await getCase(req.params.caseId);
      if (c) await freezeWallet(c.userId, `REVIEW ${req.body.decision}: ${req.body.note}`, (await staffOf(req)).actor);
    }
    throw e;
  }
}

async function decideCase(req: DecideRequest) {
  const staff = await staffOf(req);
  const actor = staff.actor;
  const p = ports();
  const { decision, note, freezeUser, trustLink } = req.body;
  if (trustLink && decision !== 'APPROVE') {
    throw new DomainError('VALIDATION_ERROR', 'trustLink goes with APPROVE only', { issues: [{ in: 'body', path: 'trustLink', message: 'only with decision APPROVE' }] });
  }
  const c = await getCase(req.params.caseId);
  if (!c) throw new DomainError('NOT_FOUND', 'No such review case');
  if (c.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${c.caseStatus}`);
  checkDecider(c, staff, decision);
  const charge = await getCharge(c.userId, c.chargeId);
  if (!charge || charge.status !== 'PENDING_REVIEW') throw new DomainError('INVALID_STATE', `The charge is ${charge?.status ?? 'gone'}`);
  const now = p.clock.now();

  // Four eyes: the first APPROVE of a large charge is recorded and waits for a second, distinct approver.
  // The amount is a rule (fourEyes.reviewApprovalAmountAtLeast), changed at runtime like the risk thresholds.
  if (decision === 'APPROVE' && !c.firstApproval && c.amount >= (await activeRules()).rules.fourEyes.reviewApprovalAmountAtLeast) {
    try {
      await transact([
        firstApprovalItem(c.caseId, { byId: staff.id, by: staff.email, at: new Date(now).toISOString(), note }),
        auditPut(config().tableName, {
          userId: c.userId, actor, action: 'REVIEW_FIRST_APPROVAL', reason: note, details: { caseId: c.caseId, chargeId: c.chargeId, amount: c.amount, reasons: c.reasons }, at: now,
        }),
      ]);
    } catch (e) {
      if (!cancellationReasons(e)) throw e;
      const fresh = await getCase(c.caseId);
      if (fresh?.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${fresh?.caseStatus ?? 'gone'}`);
      checkDecider(fresh, staff, decision); // another approved first: this one is the second approval if it is someone else
      return decideCase(req);
    }
    // A freeze asked with the first approval would cancel the very charge awaiting its second approver:
    // freezing waits for the final decision (or POST /v1/ops/users/{userId}/freeze).
    return { status: 202, body: { caseId: c.caseId, decision, status: 'AWAITING_SECOND_APPROVAL', firstApprover: staff.email, chargeStatus: 'PENDING_REVIEW' } };
  }

  const audit = auditPut(config().tableName, {
    userId: c.userId, actor, action: decision === 'APPROVE' ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED', reason: note,
    details: { caseId: c.caseId, chargeId: c.chargeId, amount: c.amount, reasons: c.reasons, ...(c.firstApproval ? { firstApprover: c.firstApproval.by } : {}), ...(trustLink ? { trustLink: true, linkId: charge.linkId } : {}) }, at: now,
  });

  let chargeStatus: 'PROCESSING' | 'DECLINED';
  if (decision === 'APPROVE') {
    // The approval and the charge's controls in one transaction: a frozen wallet, a removed link or a
    // bank switched off stops the charge here, whenever the freeze landed.
    const result = await transactGuarded([
      moveChargeItem(charge, 'PROCESSING', now, actor, { reason: 'REVIEW_APPROVED' }),
      closeCaseItem(c.caseId, 'APPROVED', now, actor, note),
      audit,
      doneWaitingItem(charge.userId, charge.chargeId),
    ], charge);
    if (result === 'STALE') throw new DomainError('INVALID_STATE', 'The case or charge changed meanwhile');
    if (result !== 'OK') {
      await stopCharge(charge, result, actor);
      throw guardError(result, charge.chargeId);
    }
    chargeStatus = 'PROCESSING';
    // The reviewer vouches for the link: it is vetted from now on (no holder window, no young-link cap).
    // Written after the approval (its audit names it): the approval's guards already check this link item.
    if (trustLink) await transact([trustLinkItem(charge.userId, charge.linkId, now, actor)]);
    const resumed = c.taskToken ? await p.workflow.succeed(c.taskToken, { approved: true }) : false;
    // The waiting execution is gone (a restart): a fresh one runs the execution stage.
    if (!resumed) await p.workflow.start(`${c.chargeId}-a`, { chargeId: c.chargeId, userId: c.userId, outcome: 'REVIEW', stage: 'EXECUTE' });
  } else {
    const ended = await finishUnsuccessfully(c.userId, c.chargeId, 'DECLINED', now, actor, 'REVIEW_REJECTED', [closeCaseItem(c.caseId, 'REJECTED', now, actor, note), audit]);
    if (!ended.changed) throw new DomainError('INVALID_STATE', 'The case or charge changed meanwhile');
    chargeStatus = 'DECLINED';
    if (c.taskToken) await p.workflow.fail(c.taskToken, WORKFLOW_ERRORS.rejected, 'rejected by review');
  }
  if (freezeUser) await freezeWallet(c.userId, `REVIEW ${decision}: ${note}`, actor);
  return { status: 200, body: { caseId: c.caseId, decision, chargeStatus } };
}

function trustLinkItem(userId: string, linkId: string, now: number, actor: string): TransactItem {
  return {
    Update: {
      TableName: config().tableName,
      Key: keys.link(userId, linkId),
      UpdateExpression: 'SET trustedAt = :at, trustedBy = :by',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':by': actor },
    },
  };
}

export const handler = httpHandler('reviews', {
  'GET /v1/ops/reviews': list,
  'POST /v1/ops/reviews/{caseId}/assignment': assign,
  'POST /v1/ops/reviews/{caseId}/decision': decide,
});
