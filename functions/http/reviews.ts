import type { z } from 'zod';
import { auditPut } from '../adapters/audit';
import { doneWaitingItem, finishUnsuccessfully, getCharge, moveChargeItem, transactGuarded } from '../adapters/charges-repo';
import { guardError, stopCharge } from '../app/charge-lifecycle';
import { closeCaseItem, getCase, openCases } from '../adapters/reviews-repo';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import { ports } from '../shared/runtime';
import type { ReviewDecisionBody } from '../shared/schemas';
import { WORKFLOW_ERRORS } from '../workflow/errors';
import { freezeWallet } from '../app/wallet-controls';

async function list() {
  const cases = await openCases();
  cases.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    status: 200,
    body: {
      items: cases.map((c) => ({ caseId: c.caseId, chargeId: c.chargeId, userId: c.userId, amount: c.amount, reasons: c.reasons, createdAt: c.createdAt, dueAt: c.dueAt, expiresAt: c.expiresAt })),
      now: new Date(ports().clock.now()).toISOString(),
    },
  };
}

async function decide(req: HttpRequest<z.infer<typeof ReviewDecisionBody>, Record<string, string>, { caseId: string }>) {
  const staff = callerOf(req);
  const actor = `ops:${staff.userId}`;
  const p = ports();
  const { decision, note, freezeUser } = req.body;
  const c = await getCase(req.params.caseId);
  if (!c) throw new DomainError('NOT_FOUND', 'No such review case');
  if (c.caseStatus !== 'OPEN') throw new DomainError('INVALID_STATE', `The case is already ${c.caseStatus}`);
  const charge = await getCharge(c.userId, c.chargeId);
  if (!charge || charge.status !== 'PENDING_REVIEW') throw new DomainError('INVALID_STATE', `The charge is ${charge?.status ?? 'gone'}`);
  const now = p.clock.now();
  const audit = auditPut(config().tableName, {
    userId: c.userId, actor, action: decision === 'APPROVE' ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED', reason: note,
    details: { caseId: c.caseId, chargeId: c.chargeId, amount: c.amount, reasons: c.reasons }, at: now,
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

export const handler = httpHandler('reviews', {
  'GET /v1/ops/reviews': list,
  'POST /v1/ops/reviews/{caseId}/decision': decide,
});
