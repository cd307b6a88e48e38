import {
  deviceFactsFrom,
  deviceHash,
  deviceStampDue,
  deviceUseCounts,
  EMAIL_RESERVATION_MS,
  NO_DEVICE,
  youngDevicesYen,
  type DeviceRecord,
  type UserRecord,
} from '../domain/user';
import { DomainError } from '../shared/errors';
import { recordAudit } from './audit.memory';
import { copy, type MemoryWorld } from './memory-world';
import type { UserStore } from './users';

/** What a DynamoDB condition failure throws, for the calls whose callers let it through as DynamoDB does. */
export const conditionFailed = (): Error => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
/** What a cancelled DynamoDB transaction throws (reasons by item index), for the same calls. */
export const transactionCancelled = (reasons: (string | undefined)[]): Error =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: reasons.map((r) => ({ Code: r ?? 'None' })) });

const iso = (ms: number) => new Date(ms).toISOString();
const deviceKey = (userId: string, hash: string) => `${userId}/${hash}`;

/** A device proved with an SMS code (as `trustedDeviceItem`): first seen is kept. */
export function trustDevice(world: MemoryWorld, userId: string, deviceId: string, now: number): void {
  const key = deviceKey(userId, deviceHash(deviceId));
  const was = world.devices.get(key);
  world.devices.set(key, { ...was, trustedAt: iso(now), firstSeenAt: was?.firstSeenAt ?? iso(now) });
}

/** The device's cross-wallet stamp (as `deviceWalletItem`). */
export function stampDevice(world: MemoryWorld, deviceId: string, userId: string, now: number): void {
  const hash = deviceHash(deviceId);
  const wallets = world.deviceWallets.get(hash) ?? new Map<string, number>();
  wallets.set(userId, now);
  world.deviceWallets.set(hash, wallets);
}

/** The users port over the world's `users`, `wallets`, `emails`, `devices` and `deviceWallets`. */
export function memoryUsers(world: MemoryWorld): UserStore {
  const getUser = async (userId: string) => copy(world.users.get(userId));
  const update = (userId: string, change: (u: UserRecord) => void) => {
    const user = world.users.get(userId)!;
    change(user);
  };
  return {
    getUser,
    async requireUser(userId) {
      const user = await getUser(userId);
      if (!user) throw new DomainError('NOT_FOUND', 'No wallet account for this sign-in');
      return user;
    },
    async getWallet(userId) {
      return copy(world.wallets.get(userId));
    },

    async reserveEmail(email, reservationId, now) {
      const old = world.emails.get(email);
      const free = !old || (old.userId === undefined && (old.reservedAt ?? 0) < now - EMAIL_RESERVATION_MS);
      if (!free) return { held: false };
      world.emails.set(email, { reservationId, reservedAt: now });
      return {
        held: true,
        previous: old ? { reservationId: old.reservationId!, reservedAt: old.reservedAt!, signInSub: old.signInSub } : undefined,
      };
    },
    async recordSignInCreated(email, reservationId, sub) {
      const claim = world.emails.get(email);
      if (claim?.reservationId !== reservationId || claim.userId !== undefined) throw conditionFailed();
      claim.signInSub = sub;
    },
    async releaseEmail(email, reservationId) {
      const claim = world.emails.get(email);
      if (claim?.reservationId === reservationId && claim.userId === undefined) world.emails.delete(email);
    },
    async createUser(user, code, audit, reservationId, deviceId) {
      const claim = world.emails.get(user.email);
      if (claim?.reservationId !== reservationId || claim.userId !== undefined)
        throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
      if (world.users.has(user.userId)) throw transactionCancelled([undefined, 'ConditionalCheckFailed']);
      world.emails.set(user.email, { reservationId, userId: user.userId });
      world.users.set(user.userId, copy(user));
      world.wallets.set(user.userId, { userId: user.userId, balance: 0, currency: 'JPY', version: 0 });
      world.codes.set(`phone/${user.userId}`, copy(code));
      recordAudit(world, audit);
      if (deviceId) {
        trustDevice(world, user.userId, deviceId, audit.at);
        stampDevice(world, deviceId, user.userId, audit.at);
      }
    },
    async markPhoneVerified(userId, hash, maxAttempts, audit, deviceId) {
      const code = world.codes.get(`phone/${userId}`);
      if (code?.hash !== hash || !(code.attempts < maxAttempts)) return false;
      world.codes.delete(`phone/${userId}`);
      if (world.users.has(userId)) update(userId, (u) => (u.phoneVerified = true));
      recordAudit(world, audit);
      if (deviceId) trustDevice(world, userId, deviceId, audit.at);
      return true;
    },

    async freezeUser(userId, reason, audit) {
      const user = world.users.get(userId);
      if (!user || user.status === 'FROZEN') return false;
      update(userId, (u) => {
        Object.assign(u, { status: 'FROZEN', frozenReason: reason, frozenAt: iso(audit.at) });
        delete u.unfreezeRequest;
      });
      recordAudit(world, audit);
      return true;
    },
    async unfreezeUser(userId, audit) {
      if (world.users.get(userId)?.status !== 'FROZEN') return false;
      update(userId, (u) => {
        u.status = 'ACTIVE';
        delete u.frozenReason;
        delete u.frozenAt;
        delete u.unfreezeRequest;
      });
      recordAudit(world, audit);
      return true;
    },
    async requestUnfreeze(userId, request, audit) {
      const user = world.users.get(userId);
      if (user?.status !== 'FROZEN' || user.unfreezeRequest) return false;
      update(userId, (u) => (u.unfreezeRequest = copy(request)));
      recordAudit(world, audit);
      return true;
    },
    async countDeniedWhileFrozen(userId) {
      if (world.users.has(userId)) update(userId, (u) => (u.deniedWhileFrozen = (u.deniedWhileFrozen ?? 0) + 1));
    },

    async getDevice(userId, deviceId) {
      const device = world.devices.get(deviceKey(userId, deviceHash(deviceId)));
      return copy(device) as { trustedAt: string; firstSeenAt?: string } | undefined;
    },
    async isDeviceTrusted(userId, deviceId) {
      return !!deviceId && !!world.devices.get(deviceKey(userId, deviceHash(deviceId)))?.trustedAt;
    },
    async getDeviceFacts(userId, deviceId) {
      const hash = deviceHash(deviceId ?? NO_DEVICE);
      const mine = [...world.devices.entries()]
        .filter(([k]) => k.startsWith(`${userId}/`))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, 100)
        .map(([, d]) => copy(d));
      return deviceFactsFrom({
        userId,
        deviceId,
        own: copy(world.devices.get(deviceKey(userId, hash))),
        lastUseByWallet: deviceId ? [...(world.deviceWallets.get(hash) ?? new Map<string, number>()).entries()] : [],
        walletDevices: mine,
      });
    },
    async recordDeviceUse(userId, deviceId, facts, now, amount) {
      const key = deviceKey(userId, deviceHash(deviceId ?? NO_DEVICE));
      const use = deviceUseCounts(facts, now, amount);
      if (use.write) {
        const was: DeviceRecord | undefined = world.devices.get(key);
        world.devices.set(key, { ...was, firstSeenAt: was?.firstSeenAt ?? iso(now), yenMoved: (was?.yenMoved ?? 0) + use.yen });
      }
      if (deviceId && deviceStampDue(deviceId, facts, now)) stampDevice(world, deviceId, userId, now);
    },

    deviceHash,
    youngDevicesYen,
  };
}
