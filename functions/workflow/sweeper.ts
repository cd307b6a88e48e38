import middy from '@middy/core';
import { getCharge, openCharges, recordResumption, rescheduleSweep, type ChargeRecord } from '../adapters/charges-repo';
import type { ChargeStage } from '../adapters/ports';
import { caseIdFor, getCase, openCases } from '../adapters/reviews-repo';
import { CHARGE_TIMEOUTS } from '../domain/policy';
import type { Context } from 'aws-lambda';
import { withCorrelationId } from '../shared/correlation';
import { logger } from '../shared/logger';
import { powertools } from '../shared/powertools';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { finish } from './charge-steps';
import { WORKFLOW_ERRORS } from './errors';

export interface SweepReport {
  examined: number;
  expired: string[];
  resumed: string[];
  /** Healthy charges told when to be looked at next (their deadline, or the stuck threshold). */
  rescheduled: number;
  /** False if the time budget ran out before every due charge was read: the next sweep goes on. */
  complete: boolean;
}

/** How long one sweep may read and work (well inside the sweeper's 60 s timeout). */
const SWEEP_BUDGET_MS = 40_000;

const stageOf = (c: ChargeRecord): ChargeStage => (c.status === 'PENDING_CONFIRMATION' ? 'CONFIRM' : c.status === 'PENDING_REVIEW' ? 'REVIEW' : 'EXECUTE');

/**
 * The safety net under the workflow. Every charge that should be moving but is not
 * is either expired (its deadline passed) or handed to a fresh execution at its
 * stage: a lost start, an execution cut off by a restart, a crash between debit and credit.
 */
export async function sweep(): Promise<SweepReport> {
  const p = ports();
  const now = p.clock.now();
  const until = Date.now() + SWEEP_BUDGET_MS;
  // Only charges due for a look: those parked for a human were rescheduled to their deadline, so
  // however many of them there are, a charge stuck after its debit is in this list, and every page is read.
  const { charges: due, complete } = await openCharges({ dueBy: now, until });
  const report: SweepReport = { examined: 0, expired: [], resumed: [], rescheduled: 0, complete };
  for (const stale of due) {
    if (Date.now() > until) {
      report.complete = false;
      break;
    }
    report.examined += 1;
    const charge = await getCharge(stale.userId, stale.chargeId);
    if (!charge || charge.updatedAt !== stale.updatedAt) continue; // it moved since the index was read
    const deadline =
      charge.status === 'PENDING_CONFIRMATION'
        ? Date.parse(charge.updatedAt) + CHARGE_TIMEOUTS.smsConfirmationSeconds * 1000
        : charge.status === 'PENDING_REVIEW'
          ? Date.parse(charge.updatedAt) + CHARGE_TIMEOUTS.reviewSeconds * 1000
          : undefined;
    if (deadline !== undefined && now >= deadline) {
      const token = charge.status === 'PENDING_CONFIRMATION' ? charge.confirmToken : (await getCase(caseIdFor(charge.chargeId)))?.taskToken;
      const ended = await finish(charge.userId, charge.chargeId, 'EXPIRED', 'TIMEOUT', 'system:sweeper');
      if (ended?.status === 'EXPIRED') report.expired.push(charge.chargeId);
      if (token) await p.workflow.fail(token, WORKFLOW_ERRORS.expired, 'expired by the sweeper');
      continue;
    }
    const names = [charge.executionName, charge.resumedBy, `${charge.chargeId}-x`, `${charge.chargeId}-a`].filter((n): n is string => !!n);
    const running = await Promise.all(names.map((n) => p.workflow.isRunning(n)));
    if (running.some(Boolean)) {
      // Healthy: a person has until the deadline; a charge moving money gets another stuck interval.
      if (await rescheduleSweep(charge, deadline ?? now + CHARGE_TIMEOUTS.stuckAfterSeconds * 1000)) report.rescheduled += 1;
      continue;
    }
    const name = `${charge.chargeId}-s${now}`;
    // Recorded first, so the next sweep sees this execution and does not start another.
    if (!(await recordResumption(charge, name))) continue;
    await p.workflow.start(name, { chargeId: charge.chargeId, userId: charge.userId, outcome: charge.decision.outcome === 'DENY' ? 'ALLOW' : charge.decision.outcome, stage: stageOf(charge) });
    report.resumed.push(charge.chargeId);
  }
  const open = await openCases();
  const oldest = open.reduce((min, c) => Math.min(min, Date.parse(c.createdAt)), now);
  emit(METRIC.oldestOpenReviewAge, Math.max(0, Math.round((now - oldest) / 1000)), 'Seconds');
  if (report.expired.length || report.resumed.length) logger.info('sweep', { ...report });
  return report;
}

// Executions a sweep resumes carry the sweep's own request id as their correlation id.
export const handler = middy(async (_event: unknown, context: Context) => withCorrelationId(context.awsRequestId, () => sweep())).use(powertools());
