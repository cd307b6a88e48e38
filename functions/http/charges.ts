import type { z } from 'zod';
import {
  confirmLinkItem, createCharge, getActivity, getCharge, listEntries, moveChargeItem, releaseReservation, saveActivity, setResponse, transactGuarded,
  type ChargeRecord, type GuardReason, type StoredResponse,
} from '../adapters/charges-repo';
import { currentGuard, guardError, pruneWaiting, stopCharge } from '../app/charge-lifecycle';
import { getBank } from '../adapters/banks-repo';
import { getLink, strikesSince } from '../adapters/links-repo';
import { countDeniedWhileFrozen, getWallet, isDeviceTrusted, requireUser, trustedDeviceItem } from '../adapters/users-repo';
import { chargeIdFor, countSince, dayTotal, pruneRecent, requestHash } from '../domain/charge';
import { CODE_POLICY, LIMITS, RISK_POLICY } from '../domain/policy';
import { decide, denyError, jstDay, type Decision } from '../domain/risk';
import { listHits } from '../adapters/lists-repo';
import { applyListHits } from '../domain/lists';
import { DomainError, ERROR_STATUS } from '../shared/errors';
import { config } from '../shared/config';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import type { CodeBody, CreateChargeBody, TransactionsQuery } from '../shared/schemas';
import { keys } from '../shared/table';
import { credit, debit, finish, reverseAndFail } from '../workflow/charge-steps';
import { WORKFLOW_ERRORS, WorkflowError } from '../workflow/errors';
import { DEFAULT_LANG, SMS } from '../shared/messages';
import { issueCode, verifyCode } from './one-time-codes';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

type Params = { chargeId: string };

async function replay(existing: ChargeRecord, hash: string) {
  if (existing.requestHash !== hash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request');
  }
  let charge: ChargeRecord | undefined = existing;
  // A duplicate that arrives while the first request is still working waits briefly for its answer.
  for (let i = 0; i < 25 && charge && !charge.response; i++) {
    await new Promise((r) => setTimeout(r, 200));
    charge = await getCharge(existing.userId, existing.chargeId);
  }
  const headers = { 'idempotent-replayed': 'true' };
  if (charge?.response) return { ...charge.response, headers };
  return { status: 202, body: { chargeId: existing.chargeId, status: charge?.status ?? existing.status }, headers };
}

const errorResponse = (code: keyof typeof ERROR_STATUS, message: string, requestId: string, details?: Record<string, unknown>): StoredResponse => ({
  status: ERROR_STATUS[code],
  body: { error: { code, message, requestId, ...(details ? { details } : {}) } },
});

async function create(req: HttpRequest<z.infer<typeof CreateChargeBody>>) {
  const { userId } = callerOf(req);
  const p = ports();
  const { linkId, amount } = req.body;
  const chargeId = chargeIdFor(userId, req.headers['idempotency-key']);
  const hash = requestHash(req.body);
  // Everything the decision needs, read in two parallel rounds: latency is round trips, not reads.
  const [existing, user, wallet, link, deviceSeen, firstActivity] = await Promise.all([
    getCharge(userId, chargeId), requireUser(userId), getWallet(userId), getLink(userId, linkId), isDeviceTrusted(userId, req.deviceId), getActivity(userId),
  ]);
  if (existing) return replay(existing, hash);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  // A frozen wallet's attempts are counted on the user, not stored one by one: they would only fill every ops view.
  if (user.status !== 'ACTIVE') {
    await countDeniedWhileFrozen(userId);
    throw guardError('WALLET_FROZEN');
  }
  const [bank, accountStrikes, listed] = await Promise.all([
    getBank(link.bankCode),
    strikesSince(`ACCOUNT#${link.accountHash}`, p.clock.now() - RISK_POLICY.review.accountFailedLinksDays * DAY),
    // Deny/review lists: up to four GetItems by key, in the same round.
    listHits({ deviceId: req.deviceId, phoneNumber: user.phoneNumber, accountHash: link.accountHash, identity: user.identity }, p.clock.now()),
  ]);

  // Decide and reserve the day limit together: a concurrent charge changes the window, so both re-decide.
  let decision: Decision | undefined;
  let now = p.clock.now();
  for (let attempt = 0; attempt < 6 && !decision; attempt++) {
    const activity = attempt === 0 ? firstActivity : await getActivity(userId);
    now = p.clock.now();
    const today = jstDay(now);
    const recent = pruneRecent(activity.recent, now, today);
    // A concurrent duplicate of this request may have reserved already: its reservation is this
    // charge, so it must not count against itself (it would turn into a DAILY_LIMIT or a velocity REVIEW).
    const others = recent.filter((r) => r.chargeId !== chargeId);
    const d = applyListHits(decide({
      amount, now,
      walletStatus: user.status, walletCreatedAt: Date.parse(user.createdAt), balance: wallet?.balance ?? 0,
      dayTotal: dayTotal(others, today),
      bankChargingEnabled: !!bank?.chargingEnabled,
      linkStatus: link.status, linkActivatedAt: link.activatedAt ? Date.parse(link.activatedAt) : undefined,
      linkHasConfirmedCharge: activity.confirmedLinks.includes(linkId),
      chargesInLastHour: countSince(others, now - HOUR),
      deviceSeen,
      accountFailedLinksByOthers: accountStrikes.filter((s) => s.userId !== userId).length,
    }, config().riskRules), listed);
    const waits = d.outcome === 'CHALLENGE' || d.outcome === 'REVIEW';
    let waiting = activity.waiting;
    if (waits && !(chargeId in waiting) && Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
      waiting = await pruneWaiting(userId, waiting, now);
      if (Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
        throw new DomainError('RATE_LIMITED', `At most ${LIMITS.maxWaitingCharges} charges may wait for a code or a review at once`, undefined, { 'retry-after': '60' });
      }
    }
    if (d.outcome === 'DENY' || recent.some((r) => r.chargeId === chargeId)) decision = d;
    else if (
      await saveActivity(userId, activity, {
        recent: [...recent, { chargeId, at: now, amount, day: today }], confirmedLinks: activity.confirmedLinks,
        waiting: waits ? { ...waiting, [chargeId]: now } : waiting,
      })
    ) decision = d;
  }
  if (!decision) throw new DomainError('RATE_LIMITED', 'Too many charges at once; retry', undefined, { 'retry-after': '1' });
  emit(METRIC.chargeDecision, 1, 'Count', { outcome: decision.outcome });

  const at = new Date(now).toISOString();
  const base = {
    chargeId, userId, linkId, bankCode: link.bankCode, accountRef: link.accountRef, amount, decision, requestHash: hash,
    deviceId: req.deviceId, createdAt: at, updatedAt: at,
  };
  const audit = { at, actor: 'system:risk', reason: decision.reasons.join(',') || 'LOW_RISK' };

  if (decision.outcome === 'DENY') {
    const code = denyError(decision.reasons);
    const response = errorResponse(code, 'The charge was declined', req.requestId, { reasons: decision.reasons });
    if ((await createCharge({ ...base, status: 'DECLINED', response, history: [{ ...audit, status: 'DECLINED' }] }, false)) === 'EXISTS') return replay((await getCharge(userId, chargeId))!, hash);
    return { ...response, headers: code === 'BANK_SUSPENDED' ? { 'retry-after': '3600' } : undefined };
  }

  if (decision.outcome === 'ALLOW') {
    const charge: ChargeRecord = { ...base, status: 'PROCESSING', history: [{ ...audit, status: 'PROCESSING' }] };
    // Created only while the controls hold, in one transaction: for this charge that is also the debit's guard.
    const result = await createCharge(charge);
    if (result === 'EXISTS') return replay((await getCharge(userId, chargeId))!, hash);
    await refusedByControls(result, charge);
    return executeNow(charge, req.requestId, wallet?.balance);
  }

  const code = await issueCode(p, 'charge', chargeId, now, { sendsInWindow: 1, windowStart: now });
  const response: StoredResponse = { status: 202, body: { chargeId, status: 'PENDING_CONFIRMATION' } };
  const executionName = `${chargeId}-1`;
  const charge: ChargeRecord = { ...base, ...code.record, status: 'PENDING_CONFIRMATION', response, executionName, history: [{ ...audit, status: 'PENDING_CONFIRMATION' }] };
  const result = await createCharge(charge);
  if (result === 'EXISTS') return replay((await getCharge(userId, chargeId))!, hash);
  await refusedByControls(result, charge);
  await code.send(user.phoneNumber, (c) => SMS.chargeCode[DEFAULT_LANG](c, amount, link));
  try {
    await p.workflow.start(executionName, { chargeId, userId, outcome: decision.outcome, stage: 'CONFIRM' });
  } catch (error) {
    // The charge is stored; the sweeper starts its workflow if this start was lost.
    logger.error('workflow start failed', { chargeId, error: error as Error });
  }
  return response;
}

/** A charge refused by its controls at creation gives its day-limit reservation back and answers with the control. */
async function refusedByControls(result: Exclude<Awaited<ReturnType<typeof createCharge>>, 'EXISTS'>, charge: ChargeRecord) {
  if (result === 'CREATED') return;
  await releaseReservation(charge.userId, charge.chargeId);
  throw guardError(result);
}

/** The low-risk path: debit and credit inside the API call, with the saga's compensation on failure. */
async function executeNow(charge: ChargeRecord, requestId: string, balanceHint?: number) {
  const p = ports();
  try {
    const { bankTransactionId } = await debit(charge);
    p.faults.check('afterDebit');
    const { balance } = await credit(charge, bankTransactionId, balanceHint);
    return { status: 201, body: { chargeId: charge.chargeId, status: 'COMPLETED', balance } };
  } catch (e) {
    if (!(e instanceof WorkflowError)) throw e; // a crash: the charge stays PROCESSING and the sweeper finishes it
    let response: StoredResponse;
    switch (e.name) {
      case WORKFLOW_ERRORS.bankDeclined:
        await finish(charge.userId, charge.chargeId, 'FAILED', 'BANK_DECLINED', 'system:charge-saga');
        response = errorResponse('CHARGE_DECLINED', 'The bank declined the debit', requestId, { reasons: ['BANK_DECLINED'] });
        break;
      case WORKFLOW_ERRORS.creditRejected:
        await reverseOrPage(charge, 'BALANCE_CAP', 'FAILED');
        response = errorResponse('LIMIT_EXCEEDED', 'The wallet would exceed its balance cap', requestId, { reasons: ['BALANCE_CAP'] });
        break;
      case WORKFLOW_ERRORS.stopped: {
        // A control failed at the credit (a freeze or switch-off raced this request): the debit goes back.
        await reverseOrPage(charge, e.message, 'CANCELLED');
        const stop = guardError(e.message as GuardReason, charge.chargeId);
        response = errorResponse(stop.code, stop.message, requestId, stop.details);
        break;
      }
      case WORKFLOW_ERRORS.chargeClosed:
        return replay((await getCharge(charge.userId, charge.chargeId))!, charge.requestHash);
      default: {
        // The bank's answer is unknown: the workflow retries with back-off and reverses if it must.
        await p.workflow.start(`${charge.chargeId}-x`, { chargeId: charge.chargeId, userId: charge.userId, outcome: 'ALLOW', stage: 'EXECUTE' });
        return { status: 202, body: { chargeId: charge.chargeId, status: 'PROCESSING' } };
      }
    }
    await setResponse(charge, response);
    return response;
  }
}

/**
 * The in-request reversal. No execution stands behind this request, so a reversal the bank
 * refuses now would be retried by nothing: ops are paged (as the workflow's ReversalFailed
 * does) and reconciliation shows the debit until it is reversed by hand.
 */
async function reverseOrPage(charge: ChargeRecord, reason: string, status: 'FAILED' | 'CANCELLED') {
  try {
    await reverseAndFail(charge, reason, status, status === 'CANCELLED' ? 'system:charge-guard' : 'system:charge-saga');
  } catch (error) {
    await ports().alerts.notify('Debit reversal failed', `Charge ${charge.chargeId} (${charge.amount} yen, bank ${charge.bankCode}) ended ${status} (${reason}) but its debit could not be reversed: reverse it by hand; npm run reconcile shows it.`).catch(() => undefined);
    throw error;
  }
}

async function get(req: HttpRequest<unknown, Record<string, string>, Params>) {
  const { userId } = callerOf(req);
  const charge = await getCharge(userId, req.params.chargeId);
  if (!charge) throw new DomainError('NOT_FOUND', 'No such charge');
  return {
    status: 200,
    body: {
      chargeId: charge.chargeId, status: charge.status, amount: charge.amount, linkId: charge.linkId, createdAt: charge.createdAt, updatedAt: charge.updatedAt,
      decision: { outcome: charge.decision.outcome, reasons: charge.decision.reasons },
    },
  };
}

async function confirm(req: HttpRequest<z.infer<typeof CodeBody>, Record<string, string>, Params>) {
  const { userId } = callerOf(req);
  const p = ports();
  const charge = await getCharge(userId, req.params.chargeId);
  if (!charge) throw new DomainError('NOT_FOUND', 'No such charge');
  if (charge.status !== 'PENDING_CONFIRMATION') throw new DomainError('INVALID_STATE', `The charge is ${charge.status}`, { status: charge.status });
  if (charge.expiresAt !== undefined && p.clock.now() >= charge.expiresAt) {
    await finish(userId, charge.chargeId, 'EXPIRED', 'CONFIRMATION_TIMEOUT');
    await resumeWith(charge.chargeId, userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.expired, 'confirmation timed out'));
    throw new DomainError('INVALID_STATE', 'The charge expired before it was confirmed', { status: 'EXPIRED' });
  }
  const next = charge.decision.outcome === 'REVIEW' ? 'PENDING_REVIEW' : 'PROCESSING';
  const actor = `user:${userId}`;
  // The controls first: a charge stopped while it waited is cancelled, and its code's tries are not spent.
  const stopped = await currentGuard(charge);
  if (stopped) {
    await stopCharge(charge, stopped, actor);
    throw guardError(stopped, charge.chargeId);
  }
  await verifyCode({
    p, key: keys.charge(userId, charge.chargeId), purpose: 'charge', subject: charge.chargeId, candidate: req.body.code,
    spend: async (hash) => {
      // The confirmation and the controls in one transaction: a freeze that lands meanwhile wins.
      const result = await transactGuarded([
        moveChargeItem(charge, next, p.clock.now(), `user:${userId}`, {
          reason: 'SMS_CONFIRMED',
          remove: ['#h', 'attempts', 'expiresAt', 'sentAt', 'sendsInWindow', 'windowStart'],
          extraCondition: { expression: '#h = :hash AND attempts < :max', values: { ':hash': hash, ':max': CODE_POLICY.maxAttempts }, names: { '#h': 'hash' } },
        }),
        confirmLinkItem(userId, charge.linkId, next === 'PROCESSING' ? charge.chargeId : undefined),
        ...(req.deviceId ? [trustedDeviceItem(userId, req.deviceId, p.clock.now())] : []),
      ], charge);
      if (result === 'OK') return true;
      if (result === 'STALE') return false;
      const fresh = await getCharge(userId, charge.chargeId);
      if (fresh) await stopCharge(fresh, result, actor);
      throw guardError(result, charge.chargeId);
    },
    onExhausted: async () => {
      await finish(userId, charge.chargeId, 'CANCELLED', 'CONFIRMATION_CODE_EXHAUSTED', `user:${userId}`);
      await resumeWith(charge.chargeId, userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.cancelled, 'too many wrong codes'));
    },
  });
  await resumeWith(charge.chargeId, userId, (wf, token) => wf.succeed(token, { confirmed: true }));
  return { status: 200, body: { chargeId: charge.chargeId, status: next } };
}

/** Resumes the workflow's waiting task if its token is on the charge (else the task resumes itself). */
async function resumeWith(chargeId: string, userId: string, send: (wf: ReturnType<typeof ports>['workflow'], token: string) => Promise<boolean>) {
  const fresh = await getCharge(userId, chargeId);
  if (fresh?.confirmToken) await send(ports().workflow, fresh.confirmToken);
}

async function wallet(req: HttpRequest) {
  const { userId } = callerOf(req);
  const w = await getWallet(userId);
  return { status: 200, body: { balance: w?.balance ?? 0, currency: 'JPY' } };
}

function decodeCursor(cursor: string | undefined, userId: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const k = key as { pk?: unknown; sk?: unknown } | undefined;
  if (!k || typeof k !== 'object' || Object.keys(k).length !== 2 || k.pk !== keys.user(userId).pk || typeof k.sk !== 'string' || !k.sk.startsWith(keys.entryPrefix)) {
    throw new DomainError('VALIDATION_ERROR', 'The cursor is not valid', { issues: [{ in: 'query', path: 'cursor', message: 'not a cursor from this list' }] });
  }
  return k as Record<string, unknown>;
}

async function transactions(req: HttpRequest<unknown, z.infer<typeof TransactionsQuery>>) {
  const { userId } = callerOf(req);
  const page = await listEntries(userId, req.query.limit ?? 20, decodeCursor(req.query.cursor, userId));
  const wallet = `wallet:${userId}`;
  return {
    status: 200,
    body: {
      items: page.items.map((e) => ({
        entryId: e.entryId as string,
        type: e.entryType === 'COMPENSATION' ? 'CLAWBACK' : (e.entryType as string),
        amount: ((e.postings as { account: string; amount: number }[]).find((p) => p.account === wallet)?.amount ?? 0),
        balanceAfter: e.balanceAfter as number,
        ...(e.chargeId ? { chargeId: e.chargeId as string } : {}),
        createdAt: e.createdAt as string,
      })),
      nextCursor: page.next ? Buffer.from(JSON.stringify({ pk: page.next.pk, sk: page.next.sk })).toString('base64url') : null,
    },
  };
}

export const handler = httpHandler('charges', {
  'POST /v1/me/charges': create,
  'GET /v1/me/charges/{chargeId}': get,
  'POST /v1/me/charges/{chargeId}/confirmation': confirm,
  'GET /v1/me/wallet': wallet,
  'GET /v1/me/transactions': transactions,
});
