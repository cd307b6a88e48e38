import type { ChargeRecord } from '../domain/charge';
import { CHARGE_TIMEOUTS } from '../domain/policy';
import { WORKFLOW_ERRORS } from '../domain/saga';
import { logger } from '../shared/logger';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import type { ChargeStage } from './ports';
import { finish, stopCharge } from './charge-lifecycle';

export interface SweepReport {
  examined: number;
  expired: string[];
  resumed: string[];
  /** Healthy charges told when to be looked at next (their deadline, or the stuck threshold). */
  rescheduled: number;
  /** Held charges whose hold ended: moved on to the bank (or cancelled by a control that failed meanwhile). */
  released: string[];
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
  const { charges, reviews } = stores();
  const { charges: due, complete } = await charges.openCharges({ dueBy: now, until });
  const report: SweepReport = { examined: 0, expired: [], resumed: [], rescheduled: 0, released: [], complete };
  for (const stale of due) {
    if (Date.now() > until) {
      report.complete = false;
      break;
    }
    report.examined += 1;
    const charge = await charges.getCharge(stale.userId, stale.chargeId);
    if (!charge || charge.updatedAt !== stale.updatedAt) continue; // it moved since the index was read
    if (charge.status === 'PENDING_HOLD') {
      const outcome = await endHold(charge, now);
      if (outcome === 'RELEASED') report.released.push(charge.chargeId);
      else if (outcome === 'WAITING') report.rescheduled += 1;
      continue;
    }
    const deadline =
      charge.status === 'PENDING_CONFIRMATION'
        ? Date.parse(charge.updatedAt) + CHARGE_TIMEOUTS.smsConfirmationSeconds * 1000
        : charge.status === 'PENDING_REVIEW'
          ? Date.parse(charge.updatedAt) + CHARGE_TIMEOUTS.reviewSeconds * 1000
          : undefined;
    if (deadline !== undefined && now >= deadline) {
      const token = charge.status === 'PENDING_CONFIRMATION' ? charge.confirmToken : (await reviews.getCase(reviews.caseIdFor(charge.chargeId)))?.taskToken;
      const ended = await finish(charge.userId, charge.chargeId, 'EXPIRED', 'TIMEOUT', 'system:sweeper');
      if (ended?.status === 'EXPIRED') report.expired.push(charge.chargeId);
      if (token) await p.workflow.fail(token, WORKFLOW_ERRORS.expired, 'expired by the sweeper');
      continue;
    }
    const names = [charge.executionName, charge.resumedBy, `${charge.chargeId}-x`, `${charge.chargeId}-a`].filter((n): n is string => !!n);
    const running = await Promise.all(names.map((n) => p.workflow.isRunning(n)));
    if (running.some(Boolean)) {
      // Healthy: a person has until the deadline; a charge moving money gets another stuck interval.
      if (await charges.rescheduleSweep(charge, deadline ?? now + CHARGE_TIMEOUTS.stuckAfterSeconds * 1000)) report.rescheduled += 1;
      continue;
    }
    const name = `${charge.chargeId}-s${now}`;
    // Recorded first, so the next sweep sees this execution and does not start another.
    if (!(await charges.recordResumption(charge, name))) continue;
    const outcome = charge.decision.outcome === 'DENY' || charge.decision.outcome === 'HOLD' ? 'ALLOW' : charge.decision.outcome;
    await p.workflow.start(name, { chargeId: charge.chargeId, userId: charge.userId, outcome, stage: stageOf(charge) });
    report.resumed.push(charge.chargeId);
  }
  const open = await reviews.openCases();
  const oldest = open.reduce((min, c) => Math.min(min, Date.parse(c.createdAt)), now);
  emit(METRIC.oldestOpenReviewAge, Math.max(0, Math.round((now - oldest) / 1000)), 'Seconds');
  if (report.expired.length || report.resumed.length || report.released.length) logger.info('sweep', { ...report });
  return report;
}

/**
 * A held charge whose hold has ended moves on to the bank: PENDING_HOLD → PROCESSING with the
 * charge's controls in the same write (a freeze, a suspended or removed link, a bank
 * switched off cancel it instead), then the workflow debits and credits it as any other.
 * Not yet ended: it is told to come back when it does. A lost workflow start is resumed by
 * the next sweep (the charge is PROCESSING and its execution is not running).
 */
async function endHold(charge: ChargeRecord, now: number): Promise<'RELEASED' | 'WAITING' | 'STOPPED' | 'MOVED'> {
  const p = ports();
  const charges = stores().charges;
  const due = Date.parse(charge.availableAt ?? charge.createdAt);
  if (now < due) return (await charges.rescheduleSweep(charge, due)) ? 'WAITING' : 'MOVED';
  const executionName = `${charge.chargeId}-h`;
  const result = await charges.endHold(charge, now, executionName);
  if (result === 'STALE') return 'MOVED';
  if (result !== 'OK') {
    await stopCharge(charge, result, 'system:hold');
    return 'STOPPED';
  }
  try {
    await p.workflow.start(executionName, { chargeId: charge.chargeId, userId: charge.userId, outcome: 'ALLOW', stage: 'EXECUTE' });
  } catch (error) {
    logger.error('workflow start failed', { chargeId: charge.chargeId, error: error as Error });
  }
  return 'RELEASED';
}
