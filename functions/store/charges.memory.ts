import { deviceHash } from '../domain/user';
import {
  isFinal,
  UNSUCCESSFUL,
  windowAfterEnd,
  windowWithout,
  type Activity,
  type ChargeRecord,
  type ChargeStatus,
  type GuardReason,
  type GuardedResult,
} from '../domain/charge';
import type { WalletEntry } from '../domain/ledger';
import { addDebit, emptyStats, pruneStats } from '../domain/link-stats';
import { CHARGE_TIMEOUTS, LIMITS } from '../domain/policy';
import { emit, METRIC } from '../shared/metrics';
import { invalidCursor, type ChargesStore } from './charges';
import { copy, type MemoryWorld } from './memory-world';

const EMPTY: Activity = { version: 0, recent: [], waiting: {}, held: {}, links: {} };
const sweepAt = (dueMs: number, chargeId: string) => `${new Date(dueMs).toISOString()}#${chargeId}`;

/**
 * The controls and a charge's status move over the world, shared by every memory store that moves a
 * charge (the review decisions too): the DynamoDB side has one guard and one `moveChargeItem` as well.
 */
export function memoryChargeMoves(world: MemoryWorld) {
  const keyOf = (userId: string, chargeId: string) => `${userId}/${chargeId}`;

  function failedGuard(c: Pick<ChargeRecord, 'userId' | 'linkId' | 'bankCode'>): GuardReason | undefined {
    if (world.users.get(c.userId)?.status !== 'ACTIVE') return 'WALLET_FROZEN';
    if (world.links.get(`${c.userId}/${c.linkId}`)?.status !== 'ACTIVE') return 'LINK_NOT_ACTIVE';
    if (world.banks.get(c.bankCode)?.chargingEnabled !== true) return 'BANK_SUSPENDED';
    return undefined;
  }

  /** A status move, its history and the sweeper's index; the caller checked its conditions. */
  function move(
    c: ChargeRecord,
    to: ChargeStatus,
    now: number,
    actor: string,
    options: { reason?: string; set?: Partial<ChargeRecord>; remove?: (keyof ChargeRecord)[] } = {},
  ) {
    const at = new Date(now).toISOString();
    const next: ChargeRecord = {
      ...c,
      ...copy(options.set),
      status: to,
      updatedAt: at,
      history: [...c.history, { at, status: to, actor, ...(options.reason ? { reason: options.reason } : {}) }],
    };
    for (const k of options.remove ?? []) delete next[k];
    const key = keyOf(c.userId, c.chargeId);
    world.charges.set(key, next);
    if (isFinal(to)) world.chargeSweepAt.delete(key);
    else world.chargeSweepAt.set(key, sweepAt(now + CHARGE_TIMEOUTS.stuckAfterSeconds * 1000, c.chargeId));
  }

  return { failedGuard, move };
}

/**
 * The charges store over the in-memory world, with the DynamoDB store's semantics: each verb checks
 * every condition (the step's own first, then the controls in their order) before it changes anything,
 * and changes everything with no `await` in between.
 */
export function memoryChargesStore(world: MemoryWorld): ChargesStore {
  const keyOf = (userId: string, chargeId: string) => `${userId}/${chargeId}`;
  const stored = (userId: string, chargeId: string) => world.charges.get(keyOf(userId, chargeId));

  const { failedGuard, move } = memoryChargeMoves(world);

  /** An unconditional change of the window (the DynamoDB updates ADD its version: an optimistic writer retries). */
  function touchWindow(userId: string, change: (a: Activity) => Activity) {
    const a = world.activity.get(userId) ?? EMPTY;
    world.activity.set(userId, { ...change(copy(a)), version: a.version + 1 });
  }

  async function getActivity(userId: string): Promise<Activity> {
    return copy(world.activity.get(userId) ?? EMPTY);
  }

  async function saveActivity(userId: string, previous: Activity, next: Omit<Activity, 'version'>): Promise<boolean> {
    if ((world.activity.get(userId)?.version ?? 0) !== previous.version) return false;
    const links = Object.fromEntries(Object.entries(next.links).map(([linkId, stats]) => [linkId, pruneStats(stats)]));
    world.activity.set(userId, copy({ ...next, links, version: previous.version + 1 }));
    return true;
  }

  async function withoutCharges(userId: string, chargeIds: string[], options: { recent: boolean }) {
    if (!chargeIds.length) return;
    const activity = await getActivity(userId);
    const window = windowWithout(activity, chargeIds, options);
    if (window.changed) await saveActivity(userId, activity, window.next);
  }

  /** The step's own condition first (STALE), then the controls. */
  const guarded = (own: boolean, c: ChargeRecord): GuardedResult => (!own ? 'STALE' : (failedGuard(c) ?? 'OK'));

  return {
    async getCharge(userId, chargeId) {
      return copy(stored(userId, chargeId));
    },
    async listCharges(userId) {
      return [...world.charges.entries()]
        .filter(([k]) => k.startsWith(`${userId}/`))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, c]) => copy(c));
    },
    async openCharges(options = {}) {
      const due = options.dueBy === undefined ? undefined : new Date(options.dueBy).toISOString();
      const open = [...world.chargeSweepAt.entries()].filter(([, at]) => due === undefined || at < due).sort(([, a], [, b]) => a.localeCompare(b));
      return { charges: open.map(([k]) => copy(world.charges.get(k)!)), complete: true };
    },
    getActivity,
    saveActivity,
    releaseReservation: (userId, chargeId) => withoutCharges(userId, [chargeId], { recent: true }),
    dropFromWaiting: (userId, chargeIds) => withoutCharges(userId, chargeIds, { recent: false }),

    async createCharge(charge, guard = true) {
      const key = keyOf(charge.userId, charge.chargeId);
      if (world.charges.has(key)) return 'EXISTS';
      const failed = guard ? failedGuard(charge) : undefined;
      if (failed) return failed;
      world.charges.set(key, copy(charge));
      if (!isFinal(charge.status)) {
        const held = charge.status === 'PENDING_HOLD' && charge.availableAt;
        world.chargeSweepAt.set(
          key,
          sweepAt(held ? Date.parse(charge.availableAt!) : Date.parse(charge.updatedAt) + CHARGE_TIMEOUTS.stuckAfterSeconds * 1000, charge.chargeId),
        );
      }
      return 'CREATED';
    },
    async checkControls(c) {
      return failedGuard(c);
    },
    async setResponse(charge, response) {
      const c = stored(charge.userId, charge.chargeId);
      if (c && !c.response) c.response = copy(response);
    },
    async confirm(charge, to, now, actor, by) {
      const c = stored(charge.userId, charge.chargeId);
      const own = !!c && c.status === charge.status && (by === 'HOLDER' || (c.hash === by.code.hash && (c.attempts ?? Infinity) < by.code.maxAttempts));
      const result = guarded(own, charge);
      if (result !== 'OK') return result;
      if (by === 'HOLDER') move(c!, to, now, actor, { reason: 'HOLDER_CONFIRMED', remove: ['attempts', 'expiresAt', 'sentAt'] });
      else move(c!, to, now, actor, { reason: 'SMS_CONFIRMED', remove: ['hash', 'attempts', 'expiresAt', 'sentAt', 'sendsInWindow', 'windowStart'] });
      touchWindow(charge.userId, (a) => {
        if (to === 'PROCESSING') delete a.waiting[charge.chargeId];
        return a;
      });
      if (by !== 'HOLDER' && by.code.deviceId) {
        const key = `${charge.userId}/${deviceHash(by.code.deviceId)}`;
        const at = new Date(now).toISOString();
        const device = world.devices.get(key);
        world.devices.set(key, { ...device, trustedAt: at, firstSeenAt: device?.firstSeenAt ?? at });
      }
      return 'OK';
    },
    async countHolderTry(charge, maxAttempts) {
      const c = stored(charge.userId, charge.chargeId);
      if (!c || c.status !== 'PENDING_CONFIRMATION' || c.codeChannel !== 'HOLDER' || !((c.attempts ?? Infinity) < maxAttempts)) return undefined;
      c.attempts = (c.attempts ?? 0) + 1;
      return c.attempts;
    },
    async awaitConfirmation(userId, chargeId, taskToken) {
      const c = stored(userId, chargeId);
      if (c?.status !== 'PENDING_CONFIRMATION') return false;
      c.confirmToken = taskToken;
      return true;
    },
    async endHold(charge, now, executionName) {
      const c = stored(charge.userId, charge.chargeId);
      const result = guarded(c?.status === charge.status, charge);
      if (result !== 'OK') return result;
      move(c!, 'PROCESSING', now, 'system:hold', { reason: 'HOLD_ENDED', set: { executionName } });
      touchWindow(charge.userId, (a) => {
        delete a.waiting[charge.chargeId];
        delete a.held[charge.chargeId];
        return a;
      });
      return 'OK';
    },
    async checkDebit(charge, now) {
      const c = stored(charge.userId, charge.chargeId);
      const result = guarded(c?.status === 'PROCESSING', charge);
      if (result === 'OK') (c as ChargeRecord & { debitCheckedAt?: string }).debitCheckedAt = new Date(now).toISOString();
      return result;
    },
    async finishUnsuccessfully(userId, chargeId, to, now, actor, reason) {
      if (!UNSUCCESSFUL.includes(to)) throw new Error(`${to} is not an unsuccessful end`);
      const c = stored(userId, chargeId);
      if (!c || isFinal(c.status)) return { charge: copy(c), changed: false };
      const activity = world.activity.get(userId) ?? EMPTY;
      const window = windowAfterEnd(copy(activity), c);
      move(c, to, now, actor, { reason });
      if (window.changed) world.activity.set(userId, copy({ ...window.next, version: activity.version + 1 }));
      emit(METRIC.chargeFinished, 1, 'Count', { status: to });
      return { charge: { ...copy(c), status: to }, changed: true };
    },
    async recordResumption(charge, name) {
      const c = stored(charge.userId, charge.chargeId);
      if (!c || c.updatedAt !== charge.updatedAt || c.resumedBy !== charge.resumedBy) return false;
      c.resumedBy = name;
      return true;
    },
    async rescheduleSweep(charge, dueMs) {
      const key = keyOf(charge.userId, charge.chargeId);
      if (stored(charge.userId, charge.chargeId)?.updatedAt !== charge.updatedAt || !world.chargeSweepAt.has(key)) return false;
      world.chargeSweepAt.set(key, sweepAt(dueMs, charge.chargeId));
      return true;
    },

    async credit(charge, entry, now, response, currentBalance) {
      const c = stored(charge.userId, charge.chargeId);
      const wallet = world.wallets.get(charge.userId);
      const at = new Date(now).toISOString();
      const balanceAfter = currentBalance + charge.amount;
      const entryKey = `${charge.userId}/${at}#${entry.entryId}`;
      if (c?.status !== charge.status) return c?.status === 'COMPLETED' ? 'ALREADY' : 'STALE';
      if (wallet?.balance !== currentBalance || balanceAfter > LIMITS.maxBalance) return balanceAfter > LIMITS.maxBalance ? 'CAP' : 'STALE';
      const failed = failedGuard(charge);
      if (failed) return failed;
      if (world.entries.has(entryKey)) throw new Error(`entry ${entry.entryId} exists`);
      world.wallets.set(charge.userId, { ...wallet, balance: balanceAfter, version: wallet.version + 1 });
      const written: WalletEntry = {
        entryId: entry.entryId,
        entryType: entry.type,
        postings: entry.postings,
        amount: charge.amount,
        balanceAfter,
        chargeId: charge.chargeId,
        createdAt: at,
      };
      world.entries.set(entryKey, written);
      move(c, 'COMPLETED', now, 'system:ledger', { set: { completedAt: at, response: response(balanceAfter), bankTransactionId: charge.bankTransactionId } });
      emit(METRIC.chargeFinished, 1, 'Count', { status: 'COMPLETED' });
      // The link's history learns of the debit (DynamoDB: a record folded in on the next read).
      touchWindow(charge.userId, (a) => ({
        ...a,
        links: { ...a.links, [charge.linkId]: addDebit(a.links[charge.linkId] ?? emptyStats(), now, charge.amount) },
      }));
      return 'CREDITED';
    },
    async entries(userId, limit, cursor) {
      let after: string | undefined;
      if (cursor) {
        after = Buffer.from(cursor, 'base64url').toString('utf8');
        if (!after.startsWith(`${userId}/`)) throw invalidCursor();
      }
      const newestFirst = [...world.entries.keys()]
        .filter((k) => k.startsWith(`${userId}/`) && (after === undefined || k < after))
        .sort()
        .reverse();
      const page = newestFirst.slice(0, limit);
      return {
        items: page.map((k) => copy(world.entries.get(k)!)),
        // As DynamoDB: a full page has a next cursor, even when nothing follows it.
        ...(page.length === limit && limit > 0 ? { next: Buffer.from(page[page.length - 1]).toString('base64url') } : {}),
      };
    },
  };
}
