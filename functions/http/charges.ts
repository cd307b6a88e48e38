import type { z } from 'zod';
import {
  chargeConfirmedItem, countHolderTry, createCharge, getActivity, getCharge, listEntries, moveChargeItem, releaseReservation, saveActivity, setResponse, transactGuarded,
  type ChargeRecord, type GuardReason, type StoredResponse,
} from '../adapters/charges-repo';
import { currentGuard, guardError, pruneWaiting, stopCharge } from '../app/charge-lifecycle';
import { getBank } from '../adapters/banks-repo';
import { accountLastActiveElsewhere, getLink, strikesSince } from '../adapters/links-repo';
import { countDeniedWhileFrozen, getDeviceFacts, getWallet, recordDeviceUse, requireUser, trustedDeviceItem, youngDevicesYen } from '../adapters/users-repo';
import { chargeIdFor, countSince, dayTotal, pruneRecent, requestHash } from '../domain/charge';
import { CODE_POLICY, LIMITS } from '../domain/policy';
import { decide, denyError, jstDay, type ChargeFacts, type Decision } from '../domain/risk';
import { activeRules } from '../app/active-rules';
import { recordDecision } from '../adapters/rules-repo';
import { listHits } from '../adapters/lists-repo';
import { applyListHits } from '../domain/lists';
import { DomainError, ERROR_STATUS } from '../shared/errors';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import { logger } from '../shared/logger';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import type { CodeBody, CreateChargeBody, TransactionsQuery } from '../shared/schemas';
import { keys } from '../shared/table';
import { credit, debit, finish, reverseAndFail } from '../workflow/charge-steps';
import { WORKFLOW_ERRORS, WorkflowError } from '../workflow/errors';
import { BANK_NOTICE_LANG, DEFAULT_LANG, NOTICES, SMS } from '../shared/messages';
import { addCharge, emptyStats, isVetted, linkHistory, removeCharge } from '../domain/link-stats';
import { NOT_ME_TTL_DAYS, signNotMeToken } from '../domain/not-me-token';
import type { LinkRecord } from '../adapters/links-repo';
import { config } from '../shared/config';
import { randomUUID } from 'node:crypto';
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

/** The decision's record for the backtest is written beside the charge's own writes and awaited before the answer. */
async function create(req: HttpRequest<z.infer<typeof CreateChargeBody>>) {
  const pending: Promise<unknown>[] = [];
  try {
    return await decideAndRun(req, pending);
  } finally {
    await Promise.all(pending);
  }
}

async function decideAndRun(req: HttpRequest<z.infer<typeof CreateChargeBody>>, pending: Promise<unknown>[]) {
  const { userId } = callerOf(req);
  const p = ports();
  const { linkId, amount } = req.body;
  const chargeId = chargeIdFor(userId, req.headers['idempotency-key']);
  const hash = requestHash(req.body);
  // Everything the decision needs, read in two parallel rounds: latency is round trips, not reads.
  const [existing, user, wallet, link, device, firstActivity, rules] = await Promise.all([
    getCharge(userId, chargeId), requireUser(userId), getWallet(userId), getLink(userId, linkId), getDeviceFacts(userId, req.deviceId), getActivity(userId),
    activeRules(),
  ]);
  if (existing) return replay(existing, hash);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  // A frozen wallet's attempts are counted on the user, not stored one by one: they would only fill every ops view.
  if (user.status !== 'ACTIVE') {
    await countDeniedWhileFrozen(userId);
    throw guardError('WALLET_FROZEN');
  }
  const [bank, accountStrikes, listed, accountElsewhereAt] = await Promise.all([
    getBank(link.bankCode),
    strikesSince(`ACCOUNT#${link.accountHash}`, p.clock.now() - rules.rules.review.accountFailedLinksDays * DAY),
    // Deny/review lists: up to four GetItems by key, in the same round.
    listHits({ deviceId: req.deviceId, phoneNumber: user.phoneNumber, accountHash: link.accountHash, identity: user.identity }, p.clock.now()),
    // The account across wallets: one GetItem by key.
    accountLastActiveElsewhere(link.accountHash, userId),
  ]);

  // Decide and reserve the day limit together: a concurrent charge changes the window, so both re-decide.
  let decision: (Decision & { ruleVersion: number }) | undefined;
  let facts: ChargeFacts | undefined;
  let now = p.clock.now();
  for (let attempt = 0; attempt < 6 && !decision; attempt++) {
    const activity = attempt === 0 ? firstActivity : await getActivity(userId);
    now = p.clock.now();
    const today = jstDay(now);
    const recent = pruneRecent(activity.recent, now, today);
    // A concurrent duplicate of this request may have reserved already: its reservation is this
    // charge, so it must not count against itself (it would turn into a DAILY_LIMIT or a velocity REVIEW).
    const others = recent.filter((r) => r.chargeId !== chargeId);
    // The link's own history, from the same item: a concurrent duplicate's reservation is this charge, so it is taken out.
    const mine = recent.find((r) => r.chargeId === chargeId);
    // The same key reserved with another body (a concurrent request whose charge item is not written yet):
    // the reservation is that body's, so this one must not take it as its own.
    if (mine && (mine.amount !== amount || (mine.linkId !== undefined && mine.linkId !== linkId))) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request');
    }
    const stats = mine ? removeCharge(activity.links[linkId] ?? emptyStats(), mine.at, mine.amount) : activity.links[linkId];
    const history = linkHistory(stats, now, rules.rules.review.exposureDays, rules.rules.link.historyDays);
    const activatedAt = link.activatedAt ? Date.parse(link.activatedAt) : undefined;
    facts = {
      amount, now,
      walletStatus: user.status, walletCreatedAt: Date.parse(user.createdAt), balance: wallet?.balance ?? 0,
      pending: Object.entries(activity.held).filter(([id]) => id !== chargeId).reduce((sum, [, yen]) => sum + yen, 0),
      dayTotal: dayTotal(others, today),
      bankChargingEnabled: !!bank?.chargingEnabled,
      linkStatus: link.status, linkActivatedAt: activatedAt,
      // The bank's "linked" notice goes out when the link is activated.
      linkNotifiedAt: activatedAt,
      phoneAttested: link.phoneAttested === true,
      linkVetted: isVetted(link, stats, now, rules.rules.link),
      linkExposure30d: history.exposure, linkLargestDebit: history.largestDebit, linkDayTotal: history.dayTotal, linkLargestDay: history.largestDay,
      chargesInLastHour: countSince(others, now - HOUR),
      deviceSeen: device.trusted,
      accountFailedLinksByOthers: accountStrikes.filter((s) => s.userId !== userId).length,
      accountLastActiveElsewhereAt: accountElsewhereAt,
      deviceOtherWalletsSeenAt: device.otherWalletsSeenAt,
      deviceFirstSeenAt: device.firstSeenAt,
      deviceYenSinceFirstSeen: youngDevicesYen(device, now, rules.rules.review.newDeviceHours),
    };
    const d = { ...applyListHits(decide(facts, rules.rules), listed), ruleVersion: rules.version };
    const waits = d.outcome === 'CHALLENGE' || d.outcome === 'REVIEW' || d.outcome === 'HOLD';
    let waiting = activity.waiting;
    if (waits && !(chargeId in waiting) && Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
      waiting = await pruneWaiting(userId, waiting, now);
      if (Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
        throw new DomainError('RATE_LIMITED', `At most ${LIMITS.maxWaitingCharges} charges may wait for a code, a review or a hold at once`, undefined, { 'retry-after': '60' });
      }
    }
    if (d.outcome === 'DENY' || recent.some((r) => r.chargeId === chargeId)) decision = d;
    else if (
      await saveActivity(userId, activity, {
        recent: [...recent, { chargeId, at: now, amount, day: today, linkId }],
        waiting: waits ? { ...waiting, [chargeId]: now } : waiting,
        held: d.outcome === 'HOLD' ? { ...activity.held, [chargeId]: amount } : activity.held,
        links: { ...activity.links, [linkId]: addCharge(activity.links[linkId] ?? emptyStats(), now, amount) },
      })
    ) decision = d;
  }
  if (!decision) throw new DomainError('RATE_LIMITED', 'Too many charges at once; retry', undefined, { 'retry-after': '1' });
  emit(METRIC.chargeDecision, 1, 'Count', { outcome: decision.outcome });
  // The device's first sighting and yen on this wallet, and its stamp across wallets (writes only what changed).
  // The device the wallet was opened on is never new to it: its yen need no counting.
  const opener = device.firstSeenAt !== undefined && device.firstSeenAt <= Date.parse(user.createdAt);
  await recordDeviceUse(userId, req.deviceId, device, now, decision.outcome === 'DENY' || opener ? 0 : amount);

  const at = new Date(now).toISOString();
  pending.push(
    recordDecision({ chargeId, userId, amount, at, facts: facts!, ...(listed.length ? { listHits: listed } : {}), outcome: decision.outcome, ruleVersion: decision.ruleVersion })
      .catch((error) => logger.error('decision record failed', { chargeId, error: error as Error })),
  );
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

  if (decision.outcome === 'HOLD') return hold({ ...base, status: 'PENDING_HOLD', history: [] }, decision, link, audit);

  const response: StoredResponse = { status: 202, body: { chargeId, status: 'PENDING_CONFIRMATION' } };
  const executionName = `${chargeId}-1`;
  const awaiting = { ...base, status: 'PENDING_CONFIRMATION' as const, response, executionName, history: [{ ...audit, status: 'PENDING_CONFIRMATION' as const }] };
  if (decision.reasons.includes('HOLDER_CHALLENGE')) {
    // The holder's code: the bank sends it to the holder's registered phone and alone checks it. The charge keeps
    // the wallet's own guards on the code (5 minutes, 5 tries), with no hash: there is nothing here to compare.
    // Its answer is stored once the bank has answered: a replay meanwhile waits for it.
    const charge: ChargeRecord = { ...awaiting, response: undefined, codeChannel: 'HOLDER', expiresAt: now + CODE_POLICY.ttlSeconds * 1000, attempts: 0, sentAt: now };
    const result = await createCharge(charge);
    if (result === 'EXISTS') return replay((await getCharge(userId, chargeId))!, hash);
    await refusedByControls(result, charge);
    try {
      await p.bank.startHolderChallenge({ bankCode: link.bankCode, accountRef: link.accountRef!, challengeId: chargeId, amount });
    } catch (error) {
      // No code reached the holder, and none may go to the wallet phone instead: the charge ends now, nothing moved.
      logger.error('holder challenge not sent', { chargeId, error: error as Error });
      await finish(userId, chargeId, 'CANCELLED', 'HOLDER_CHALLENGE_UNAVAILABLE', 'system:charge');
      const failed = errorResponse('BANK_UNAVAILABLE', 'The bank could not send its code to the account holder; try again later', req.requestId, { reasons: ['HOLDER_CHALLENGE'] });
      await setResponse(charge, failed);
      return failed;
    }
    await setResponse(charge, response);
    return startConfirmation(chargeId, userId, decision, executionName, response);
  }
  const code = await issueCode(p, 'charge', chargeId, now, { sendsInWindow: 1, windowStart: now });
  const charge: ChargeRecord = { ...awaiting, ...code.record };
  const result = await createCharge(charge);
  if (result === 'EXISTS') return replay((await getCharge(userId, chargeId))!, hash);
  await refusedByControls(result, charge);
  await code.send(user.phoneNumber, (c) => SMS.chargeCode[DEFAULT_LANG](c, amount, link));
  return startConfirmation(chargeId, userId, decision, executionName, response);
}

/** The workflow of a charge that waits for its code (then, for a REVIEW, a human). */
async function startConfirmation(chargeId: string, userId: string, decision: Decision, executionName: string, response: StoredResponse) {
  const p = ports();
  try {
    await p.workflow.start(executionName, { chargeId, userId, outcome: decision.outcome as 'CHALLENGE' | 'REVIEW', stage: 'CONFIRM' });
  } catch (error) {
    // The charge is stored; the sweeper starts its workflow if this start was lost.
    logger.error('workflow start failed', { chargeId, error: error as Error });
  }
  return response;
}

/**
 * The debit waits until `availableAt`; meanwhile the bank tells the account holder, with the
 * not-me link, so an identity thief's charge is stopped before any money moves. The sweeper
 * runs the debit when the hold ends (functions/workflow/sweeper.ts), through the same guards.
 */
async function hold(base: ChargeRecord, decision: Decision, link: LinkRecord, audit: { at: string; actor: string; reason: string }) {
  const p = ports();
  const availableAt = new Date(decision.availableAt!).toISOString();
  const response: StoredResponse = { status: 202, body: { chargeId: base.chargeId, status: 'PENDING_HOLD', availableAt } };
  const charge: ChargeRecord = { ...base, availableAt, response, history: [{ ...audit, status: 'PENDING_HOLD' }] };
  const result = await createCharge(charge);
  if (result === 'EXISTS') return replay((await getCharge(base.userId, base.chargeId))!, base.requestHash);
  await refusedByControls(result, charge);
  const now = p.clock.now();
  const { notMeTokenKey } = await p.secrets();
  const token = signNotMeToken(notMeTokenKey, {
    linkId: link.linkId, userId: base.userId, expiresAt: Math.floor(now / 1000) + NOT_ME_TTL_DAYS * 86400, tokenId: randomUUID(),
    event: { kind: 'HOLD', at: Math.floor(now / 1000), chargeId: base.chargeId },
  });
  try {
    await p.bank.notifyHolder({
      bankCode: link.bankCode, target: { accountRef: link.accountRef! }, notice: 'CHARGED',
      message: NOTICES.preDebitHold[BANK_NOTICE_LANG]({ accountMasked: link.accountMasked, amount: base.amount, availableAt: decision.availableAt! }),
      notMeUrl: `${config().notMePageUrl}?token=${token}`,
    });
  } catch (error) {
    // The hold stands either way (the debit's own notice still comes); ops hear that this one was lost.
    logger.error('pre-debit notice failed', { chargeId: base.chargeId, error: error as Error });
    await p.alerts.notify('Pre-debit notice failed', `The bank could not be asked to tell the holder of held charge ${base.chargeId} (bank ${link.bankCode}).`).catch(() => undefined);
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
  if (charge.codeChannel === 'HOLDER') {
    await verifyHolderCode(charge, req.body.code, next, actor);
    await resumeWith(charge.chargeId, userId, (wf, token) => wf.succeed(token, { confirmed: true }));
    return { status: 200, body: { chargeId: charge.chargeId, status: next } };
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
        chargeConfirmedItem(userId, next === 'PROCESSING' ? charge.chargeId : undefined),
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

/**
 * The holder's code (HOLDER_CHALLENGE): the wallet counts the try and keeps its own limits (5 tries, the
 * charge's 5 minutes, the controls), then relays the code to the bank, which alone knows it. A success is
 * the holder's consent to this charge; it does not make the device trusted (that takes the wallet phone's code).
 */
async function verifyHolderCode(charge: ChargeRecord, candidate: string, next: 'PENDING_REVIEW' | 'PROCESSING', actor: string) {
  const p = ports();
  const used = await countHolderTry(charge, CODE_POLICY.maxAttempts);
  if (used === undefined) {
    const fresh = await getCharge(charge.userId, charge.chargeId);
    if (fresh?.status !== 'PENDING_CONFIRMATION') throw new DomainError('INVALID_STATE', `The charge is ${fresh?.status}`, { status: fresh?.status });
    throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
  }
  const answer = await p.bank.verifyHolderChallenge({ bankCode: charge.bankCode, challengeId: charge.chargeId, code: candidate });
  if (!answer.verified) {
    emit(METRIC.codeFailure, 1, 'Count', { purpose: 'holder' });
    if (used >= CODE_POLICY.maxAttempts || answer.attemptsLeft === 0) {
      await finish(charge.userId, charge.chargeId, 'CANCELLED', 'CONFIRMATION_CODE_EXHAUSTED', actor);
      await resumeWith(charge.chargeId, charge.userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.cancelled, 'too many wrong codes'));
      throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
    }
    throw new DomainError('INVALID_CODE', 'The code is wrong', { attemptsLeft: CODE_POLICY.maxAttempts - used });
  }
  // The confirmation and the controls in one transaction, as for a wallet-phone code.
  const result = await transactGuarded([
    moveChargeItem(charge, next, p.clock.now(), actor, { reason: 'HOLDER_CONFIRMED', remove: ['attempts', 'expiresAt', 'sentAt'] }),
    chargeConfirmedItem(charge.userId, next === 'PROCESSING' ? charge.chargeId : undefined),
  ], charge);
  if (result === 'OK') return;
  const fresh = await getCharge(charge.userId, charge.chargeId);
  if (result === 'STALE') throw new DomainError('INVALID_STATE', `The charge is ${fresh?.status}`, { status: fresh?.status });
  if (fresh) await stopCharge(fresh, result, actor);
  throw guardError(result, charge.chargeId);
}

/** Resumes the workflow's waiting task if its token is on the charge (else the task resumes itself). */
async function resumeWith(chargeId: string, userId: string, send: (wf: ReturnType<typeof ports>['workflow'], token: string) => Promise<boolean>) {
  const fresh = await getCharge(userId, chargeId);
  if (fresh?.confirmToken) await send(ports().workflow, fresh.confirmToken);
}

async function wallet(req: HttpRequest) {
  const { userId } = callerOf(req);
  const [w, activity] = await Promise.all([getWallet(userId), getActivity(userId)]);
  const pending = Object.values(activity.held).reduce((sum, yen) => sum + yen, 0);
  return { status: 200, body: { balance: w?.balance ?? 0, pending, currency: 'JPY' } };
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
