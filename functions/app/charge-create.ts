import { chargeIdFor, countSince, dayTotal, pruneRecent, requestHash, type ChargeRecord, type GuardReason, type StoredResponse } from '../domain/charge';
import { deviceHash } from '../domain/user';
import { addCharge, emptyStats, isVetted, linkHistory, removeCharge } from '../domain/link-stats';
import { applyListHits } from '../domain/lists';
import { CODE_POLICY, LIMITS } from '../domain/policy';
import { decide, denyError, jstDay, type ChargeFacts, type Decision } from '../domain/risk';
import { DomainError } from '../shared/errors';
import { issueCode } from './one-time-codes';
import { logger } from '../shared/logger';
import { BANK_NOTICE_LANG, DEFAULT_LANG, NOTICES, SMS } from '../shared/messages';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores, type Stores } from '../store';
import { activeRules } from './active-rules';
import { errorResponse, executeNow, notMeUrlFor, type ChargeAnswer } from './charge-execution';
import { finish, guardError, pruneWaiting } from './charge-lifecycle';

type Link = NonNullable<Awaited<ReturnType<Stores['links']['getLink']>>>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface CreateChargeInput {
  userId: string;
  linkId: string;
  amount: number;
  idempotencyKey: string;
  deviceId?: string;
  requestId: string;
}

/**
 * POST /v1/me/charges: decide (risk engine over facts read in two rounds), reserve the day limit,
 * create the charge with its controls, then run it (ALLOW), hold it (HOLD), ask for a code
 * (CHALLENGE, REVIEW) or decline it (DENY). The charge id comes from the Idempotency-Key, so the
 * charge is its own idempotency record: the same key replays the first answer.
 * The decision's record for the backtest is written beside the charge's own writes and awaited before the answer.
 */
export async function createCharge(input: CreateChargeInput): Promise<ChargeAnswer> {
  const pending: Promise<unknown>[] = [];
  try {
    return await decideAndRun(input, pending);
  } finally {
    await Promise.all(pending);
  }
}

async function replay(existing: ChargeRecord, hash: string): Promise<ChargeAnswer> {
  if (existing.requestHash !== hash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request');
  }
  let charge: ChargeRecord | undefined = existing;
  // A duplicate that arrives while the first request is still working waits briefly for its answer.
  for (let i = 0; i < 25 && charge && !charge.response; i++) {
    await new Promise((r) => setTimeout(r, 200));
    charge = await stores().charges.getCharge(existing.userId, existing.chargeId);
  }
  const headers = { 'idempotent-replayed': 'true' };
  if (charge?.response) return { ...charge.response, headers };
  return { status: 202, body: { chargeId: existing.chargeId, status: charge?.status ?? existing.status }, headers };
}

const replayStored = async (userId: string, chargeId: string, hash: string) => replay((await stores().charges.getCharge(userId, chargeId))!, hash);

async function decideAndRun(input: CreateChargeInput, pending: Promise<unknown>[]): Promise<ChargeAnswer> {
  const { userId, linkId, amount, deviceId } = input;
  const p = ports();
  const { charges, users, links, banks, lists, rules: ruleStore } = stores();
  const chargeId = chargeIdFor(userId, input.idempotencyKey);
  const hash = requestHash({ linkId, amount });
  // Everything the decision needs, read in two parallel rounds: latency is round trips, not reads.
  const [existing, user, wallet, link, device, firstActivity, rules] = await Promise.all([
    charges.getCharge(userId, chargeId),
    users.requireUser(userId),
    users.getWallet(userId),
    links.getLink(userId, linkId),
    users.getDeviceFacts(userId, deviceId),
    charges.getActivity(userId),
    activeRules(),
  ]);
  if (existing) return replay(existing, hash);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  // A frozen wallet's attempts are counted on the user, not stored one by one: they would only fill every ops view.
  if (user.status !== 'ACTIVE') {
    await users.countDeniedWhileFrozen(userId);
    throw guardError('WALLET_FROZEN');
  }
  const [bank, accountStrikes, listed, accountElsewhereAt] = await Promise.all([
    banks.getBank(link.bankCode),
    links.strikesSince(`ACCOUNT#${link.accountHash}`, p.clock.now() - rules.rules.review.accountFailedLinksDays * DAY),
    // Deny/review lists: up to four GetItems by key, in the same round.
    lists.listHits({ deviceId, phoneNumber: user.phoneNumber, accountHash: link.accountHash, identity: user.identity }, p.clock.now()),
    // The account across wallets: one GetItem by key.
    links.accountLastActiveElsewhere(link.accountHash, userId),
  ]);

  // Decide and reserve the day limit together: a concurrent charge changes the window, so both re-decide.
  let decision: (Decision & { ruleVersion: number }) | undefined;
  let facts: ChargeFacts | undefined;
  let now = p.clock.now();
  for (let attempt = 0; attempt < 6 && !decision; attempt++) {
    const activity = attempt === 0 ? firstActivity : await charges.getActivity(userId);
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
      amount,
      now,
      walletStatus: user.status,
      walletCreatedAt: Date.parse(user.createdAt),
      balance: wallet?.balance ?? 0,
      pending: Object.entries(activity.held)
        .filter(([id]) => id !== chargeId)
        .reduce((sum, [, yen]) => sum + yen, 0),
      dayTotal: dayTotal(others, today),
      bankChargingEnabled: !!bank?.chargingEnabled,
      linkStatus: link.status,
      linkActivatedAt: activatedAt,
      // The bank's "linked" notice goes out when the link is activated.
      linkNotifiedAt: activatedAt,
      phoneAttested: link.phoneAttested === true,
      linkVetted: isVetted(link, stats, now, rules.rules.link),
      linkExposure30d: history.exposure,
      linkLargestDebit: history.largestDebit,
      linkDayTotal: history.dayTotal,
      linkLargestDay: history.largestDay,
      chargesInLastHour: countSince(others, now - HOUR),
      deviceSeen: device.trusted,
      accountFailedLinksByOthers: accountStrikes.filter((s) => s.userId !== userId).length,
      accountLastActiveElsewhereAt: accountElsewhereAt,
      deviceOtherWalletsSeenAt: device.otherWalletsSeenAt,
      deviceFirstSeenAt: device.firstSeenAt,
      deviceYenSinceFirstSeen: users.youngDevicesYen(device, now, rules.rules.review.newDeviceHours),
    };
    const d = { ...applyListHits(decide(facts, rules.rules), listed), ruleVersion: rules.version };
    const waits = d.outcome === 'CHALLENGE' || d.outcome === 'REVIEW' || d.outcome === 'HOLD';
    let waiting = activity.waiting;
    if (waits && !(chargeId in waiting) && Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
      waiting = await pruneWaiting(userId, waiting, now);
      if (Object.keys(waiting).length >= LIMITS.maxWaitingCharges) {
        throw new DomainError('RATE_LIMITED', `At most ${LIMITS.maxWaitingCharges} charges may wait for a code, a review or a hold at once`, undefined, {
          'retry-after': '60',
        });
      }
    }
    if (d.outcome === 'DENY' || recent.some((r) => r.chargeId === chargeId)) decision = d;
    else if (
      await charges.saveActivity(userId, activity, {
        recent: [...recent, { chargeId, at: now, amount, day: today, linkId }],
        waiting: waits ? { ...waiting, [chargeId]: now } : waiting,
        held: d.outcome === 'HOLD' ? { ...activity.held, [chargeId]: amount } : activity.held,
        links: { ...activity.links, [linkId]: addCharge(activity.links[linkId] ?? emptyStats(), now, amount) },
      })
    )
      decision = d;
  }
  if (!decision) throw new DomainError('RATE_LIMITED', 'Too many charges at once; retry', undefined, { 'retry-after': '1' });
  emit(METRIC.chargeDecision, 1, 'Count', { outcome: decision.outcome });
  // The device's first sighting and yen on this wallet, and its stamp across wallets (writes only what changed).
  // The device the wallet was opened on is never new to it: its yen need no counting.
  const opener = device.firstSeenAt !== undefined && device.firstSeenAt <= Date.parse(user.createdAt);
  await users.recordDeviceUse(userId, deviceId, device, now, decision.outcome === 'DENY' || opener ? 0 : amount);

  const at = new Date(now).toISOString();
  pending.push(
    ruleStore
      .recordDecision({
        chargeId,
        userId,
        amount,
        at,
        facts: facts!,
        ...(listed.length ? { listHits: listed } : {}),
        outcome: decision.outcome,
        ruleVersion: decision.ruleVersion,
      })
      .catch((error) => logger.error('decision record failed', { chargeId, error: error as Error })),
  );
  const base = {
    chargeId,
    userId,
    linkId,
    bankCode: link.bankCode,
    accountRef: link.accountRef,
    amount,
    decision,
    requestHash: hash,
    // The device as the 32-hex hash its records and deny-list entries are keyed by, not the client's
    // id of up to 200 characters: the charge item stays under 1 KB (1 write unit; 2 in the credit's
    // transaction) whatever the client sends. A charge that can reach a reviewer keeps the id too.
    ...(deviceId ? { deviceHash: deviceHash(deviceId) } : {}),
    createdAt: at,
    updatedAt: at,
  };
  const audit = { at, actor: 'system:risk', reason: decision.reasons.join(',') || 'LOW_RISK' };

  if (decision.outcome === 'DENY') {
    const code = denyError(decision.reasons);
    const response = errorResponse(code, 'The charge was declined', input.requestId, { reasons: decision.reasons });
    if ((await charges.createCharge({ ...base, status: 'DECLINED', response, history: [{ ...audit, status: 'DECLINED' }] }, false)) === 'EXISTS')
      return replayStored(userId, chargeId, hash);
    return { ...response, headers: code === 'BANK_SUSPENDED' ? { 'retry-after': '3600' } : undefined };
  }

  if (decision.outcome === 'ALLOW') {
    const charge: ChargeRecord = { ...base, status: 'PROCESSING', history: [{ ...audit, status: 'PROCESSING' }] };
    // A plain write (no ConditionChecks: 7 write units fewer), then the controls read strongly consistent
    // before the debit: the debit is outside the database, so a condition of this write would guard it no
    // better than a read after it. The credit holds the controls atomically (charges store, Ledger.credit).
    const result = await charges.createCharge(charge, false);
    if (result === 'EXISTS') return replayStored(userId, chargeId, hash);
    const stopped = await charges.checkControls(charge);
    if (stopped) return refusedAfterCreate(charge, stopped, input.requestId);
    return executeNow(charge, input.requestId, wallet?.balance, () => replayStored(userId, chargeId, hash));
  }

  if (decision.outcome === 'HOLD') return hold({ ...base, status: 'PENDING_HOLD', history: [] }, decision, link, audit);

  const response: StoredResponse = { status: 202, body: { chargeId, status: 'PENDING_CONFIRMATION' } };
  const executionName = `${chargeId}-1`;
  const awaiting = {
    ...base,
    // The reviewer lists the device by the id the client sent (review context, `listRefs.DEVICE`).
    deviceId,
    status: 'PENDING_CONFIRMATION' as const,
    response,
    executionName,
    history: [{ ...audit, status: 'PENDING_CONFIRMATION' as const }],
  };
  if (decision.reasons.includes('HOLDER_CHALLENGE')) {
    // The holder's code: the bank sends it to the holder's registered phone and alone checks it. The charge keeps
    // the wallet's own guards on the code (5 minutes, 5 tries), with no hash: there is nothing here to compare.
    // Its answer is stored once the bank has answered: a replay meanwhile waits for it.
    const charge: ChargeRecord = {
      ...awaiting,
      response: undefined,
      codeChannel: 'HOLDER',
      expiresAt: now + CODE_POLICY.ttlSeconds * 1000,
      attempts: 0,
      sentAt: now,
    };
    const result = await charges.createCharge(charge);
    if (result === 'EXISTS') return replayStored(userId, chargeId, hash);
    await refusedByControls(result, charge);
    try {
      await p.bank.startHolderChallenge({ bankCode: link.bankCode, accountRef: link.accountRef!, challengeId: chargeId, amount });
    } catch (error) {
      // No code reached the holder, and none may go to the wallet phone instead: the charge ends now, nothing moved.
      logger.error('holder challenge not sent', { chargeId, error: error as Error });
      await finish(userId, chargeId, 'CANCELLED', 'HOLDER_CHALLENGE_UNAVAILABLE', 'system:charge');
      const failed = errorResponse('BANK_UNAVAILABLE', 'The bank could not send its code to the account holder; try again later', input.requestId, {
        reasons: ['HOLDER_CHALLENGE'],
      });
      await charges.setResponse(charge, failed);
      return failed;
    }
    await charges.setResponse(charge, response);
    return startConfirmation(chargeId, userId, decision, executionName, response);
  }
  const code = await issueCode(p, 'charge', chargeId, now, { sendsInWindow: 1, windowStart: now });
  const charge: ChargeRecord = { ...awaiting, ...code.record };
  const result = await charges.createCharge(charge);
  if (result === 'EXISTS') return replayStored(userId, chargeId, hash);
  await refusedByControls(result, charge);
  await code.send(user.phoneNumber, (c) => SMS.chargeCode[DEFAULT_LANG](c, amount, link));
  return startConfirmation(chargeId, userId, decision, executionName, response);
}

/** The workflow of a charge that waits for its code (then, for a REVIEW, a human). */
async function startConfirmation(chargeId: string, userId: string, decision: Decision, executionName: string, response: StoredResponse) {
  try {
    await ports().workflow.start(executionName, { chargeId, userId, outcome: decision.outcome as 'CHALLENGE' | 'REVIEW', stage: 'CONFIRM' });
  } catch (error) {
    // The charge is stored; the sweeper starts its workflow if this start was lost.
    logger.error('workflow start failed', { chargeId, error: error as Error });
  }
  return response;
}

/**
 * The debit waits until `availableAt`; meanwhile the bank tells the account holder, with the
 * not-me link, so an identity thief's charge is stopped before any money moves. The sweeper
 * runs the debit when the hold ends (functions/app/charge-sweep.ts), through the same guards.
 */
async function hold(base: ChargeRecord, decision: Decision, link: Link, audit: { at: string; actor: string; reason: string }): Promise<ChargeAnswer> {
  const p = ports();
  const availableAt = new Date(decision.availableAt!).toISOString();
  const response: StoredResponse = { status: 202, body: { chargeId: base.chargeId, status: 'PENDING_HOLD', availableAt } };
  const charge: ChargeRecord = { ...base, availableAt, response, history: [{ ...audit, status: 'PENDING_HOLD' }] };
  const result = await stores().charges.createCharge(charge);
  if (result === 'EXISTS') return replayStored(base.userId, base.chargeId, base.requestHash);
  await refusedByControls(result, charge);
  const notMeUrl = await notMeUrlFor(base, 'HOLD', p.clock.now());
  try {
    await p.bank.notifyHolder({
      bankCode: link.bankCode,
      target: { accountRef: link.accountRef! },
      notice: 'CHARGED',
      message: NOTICES.preDebitHold[BANK_NOTICE_LANG]({ accountMasked: link.accountMasked, amount: base.amount, availableAt: decision.availableAt! }),
      notMeUrl,
    });
  } catch (error) {
    // The hold stands either way (the debit's own notice still comes); ops hear that this one was lost.
    logger.error('pre-debit notice failed', { chargeId: base.chargeId, error: error as Error });
    await p.alerts
      .notify('Pre-debit notice failed', `The bank could not be asked to tell the holder of held charge ${base.chargeId} (bank ${link.bankCode}).`)
      .catch(() => undefined);
  }
  return response;
}

/**
 * A charge whose controls failed right after it was written, before any money moved: it ends CANCELLED
 * with the control as its reason (its day-limit reservation goes back) and answers with the control's
 * code, naming the cancelled charge (`details.chargeId`, `status: CANCELLED`); a replay of its key answers the same.
 */
async function refusedAfterCreate(charge: ChargeRecord, reason: GuardReason, requestId: string): Promise<never> {
  await finish(charge.userId, charge.chargeId, 'CANCELLED', reason, 'system:charge-guard');
  const refusal = guardError(reason, charge.chargeId);
  await stores().charges.setResponse(charge, errorResponse(refusal.code, refusal.message, requestId, refusal.details));
  throw refusal;
}

/** A charge refused by its controls at creation gives its day-limit reservation back and answers with the control. */
async function refusedByControls(result: 'CREATED' | GuardReason, charge: ChargeRecord) {
  if (result === 'CREATED') return;
  await stores().charges.releaseReservation(charge.userId, charge.chargeId);
  throw guardError(result);
}
