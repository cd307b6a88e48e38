import { createHash } from 'node:crypto';

export type KycStatus = 'NONE' | 'PENDING' | 'VERIFIED' | 'REJECTED';
export type UserStatus = 'ACTIVE' | 'FROZEN';

export interface VerifiedIdentity {
  fullName: string;
  fullNameKana: string;
  dateOfBirth: string;
}

export interface UserRecord {
  userId: string;
  email: string;
  phoneNumber: string;
  phoneVerified: boolean;
  kycStatus: KycStatus;
  status: UserStatus;
  createdAt: string;
  termsVersion: string;
  ekycSessionId?: string;
  identity?: VerifiedIdentity;
  frozenReason?: string;
  frozenAt?: string;
  deniedWhileFrozen?: number;
  /** Four eyes: the first of two unfreezes of a wallet a holder or a bank reported. */
  unfreezeRequest?: { byId: string; by: string; at: string; reason: string };
}

export interface WalletRecord {
  userId: string;
  balance: number;
  currency: 'JPY';
  version: number;
}

/** A reservation older than this belongs to a sign-up that died; another may take the email over. */
export const EMAIL_RESERVATION_MS = 60_000;

/** What a dead sign-up left on the email it had reserved. */
export interface EmailReservation {
  reservationId: string;
  reservedAt: number;
  /** The sign-in that sign-up created (its sub), recorded right after it was created. */
  signInSub?: string;
}

/** What the risk engine knows about a charge's device: this wallet's record of it and the other wallets that used it. */
export interface DeviceFacts {
  trusted: boolean;
  /** First seen on this wallet (epoch ms); undefined if never. */
  firstSeenAt?: number;
  /** Yen charged through it on this wallet since first seen (counted while it is young). */
  yenMoved: number;
  /** When this wallet last used it, as the cross-wallet record has it. */
  seenHereAt?: number;
  otherWalletsSeenAt: number[];
  /**
   * Every device of this wallet as first seen (epoch ms) and yen moved through it (this one included).
   * A device id is the client's word: a thief who sends a fresh id per charge must not get a fresh
   * allowance per charge, so the new-device rule sums the wallet's young devices (`youngDevicesYen`).
   */
  walletDevices: { firstSeenAt: number; yenMoved: number }[];
}

/** The device of a charge that names none: counted on the wallet as one device of its own, never trusted, never shared across wallets. */
export const NO_DEVICE = 'no-device-header';

/** Only a hash of a client's device id is ever stored. */
export const deviceHash = (deviceId: string) => createHash('sha256').update(deviceId).digest('hex').slice(0, 32);

/** Yen moved on the wallet through devices first seen on it within the last `hours`. */
export const youngDevicesYen = (facts: Pick<DeviceFacts, 'walletDevices'>, now: number, hours: number) =>
  facts.walletDevices.filter((d) => now - d.firstSeenAt < hours * 3600_000).reduce((sum, d) => sum + d.yenMoved, 0);

/** A device's yen is counted while it is this young on the wallet (the new-device rule looks back hours, not weeks). */
export const DEVICE_YEN_DAYS = 7;
/**
 * The cross-wallet stamp is refreshed at most once a day per wallet and device: the rule that reads it
 * looks back 30 days (a stamp up to a day old moves its window's edge by at most a day), and a wallet
 * charging several times a day writes it once (1 write unit), not at every charge.
 */
export const DEVICE_STAMP_REFRESH_MS = 24 * 3600_000;

/** Whether a charge's use of its device changes this wallet's record of it: a first sighting, or yen while it is young. */
export function deviceUseCounts(facts: Pick<DeviceFacts, 'firstSeenAt'>, now: number, amount: number): { write: boolean; yen: number } {
  const young = facts.firstSeenAt === undefined || now - facts.firstSeenAt < DEVICE_YEN_DAYS * 86_400_000;
  return { write: facts.firstSeenAt === undefined || (young && amount > 0), yen: young ? amount : 0 };
}

/** Whether the cross-wallet stamp of a named device needs writing (a charge without a device id is never stamped: every such wallet would look shared). */
export const deviceStampDue = (deviceId: string | undefined, facts: Pick<DeviceFacts, 'seenHereAt'>, now: number) =>
  !!deviceId && (facts.seenHereAt === undefined || now - facts.seenHereAt >= DEVICE_STAMP_REFRESH_MS);

/** A wallet's record of one device, as stored (ISO times): trusted once proved with a code, seen once charged from. */
export interface DeviceRecord {
  trustedAt?: string;
  firstSeenAt?: string;
  yenMoved?: number;
}

/** The facts of a charge's device from what is stored: this wallet's record of it, its last use by each wallet, and all this wallet's devices. */
export function deviceFactsFrom(input: {
  userId: string;
  deviceId: string | undefined;
  own: DeviceRecord | undefined;
  lastUseByWallet: [userId: string, at: number][];
  walletDevices: DeviceRecord[];
}): DeviceFacts {
  const { own, userId, lastUseByWallet } = input;
  const firstSeen = own?.firstSeenAt ?? own?.trustedAt;
  return {
    trusted: !!input.deviceId && !!own?.trustedAt,
    firstSeenAt: firstSeen ? Date.parse(firstSeen) : undefined,
    yenMoved: own?.yenMoved ?? 0,
    seenHereAt: lastUseByWallet.find(([u]) => u === userId)?.[1],
    otherWalletsSeenAt: lastUseByWallet.filter(([u]) => u !== userId).map(([, at]) => at),
    walletDevices: input.walletDevices
      .map((d) => ({ firstSeenAt: Date.parse(d.firstSeenAt ?? d.trustedAt ?? ''), yenMoved: d.yenMoved ?? 0 }))
      .filter((d) => Number.isFinite(d.firstSeenAt)),
  };
}
