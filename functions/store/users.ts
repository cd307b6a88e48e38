import type { AuditEntry } from '../adapters/audit';
import type { StoredCode } from '../domain/codes';
import type { DeviceFacts, EmailReservation, UserRecord, WalletRecord } from '../domain/user';

/**
 * The wallet's owner: profile, wallet balance record, email claim and devices.
 * Every change that matters writes its audit entry in the same step (all or nothing).
 */
export interface UserStore {
  getUser(userId: string): Promise<UserRecord | undefined>;
  /** The user, or NOT_FOUND (a sign-in without a wallet account). */
  requireUser(userId: string): Promise<UserRecord>;
  getWallet(userId: string): Promise<WalletRecord | undefined>;

  /**
   * Claims an email for one sign-up before its sign-in is created, so two sign-ups of one address
   * can never both proceed. `held` if this sign-up holds it; `previous` is the stale reservation it
   * took over (older than EMAIL_RESERVATION_MS and never completed), if any.
   */
  reserveEmail(email: string, reservationId: string, now: number): Promise<{ held: boolean; previous?: EmailReservation }>;
  /** Notes on the reservation which sign-in this sign-up created, so a later sign-up can tell its orphan from anyone else's. */
  recordSignInCreated(email: string, reservationId: string, sub: string): Promise<void>;
  /** Gives up a reservation this sign-up still holds (never a completed registration). */
  releaseEmail(email: string, reservationId: string): Promise<void>;
  /** The profile, the empty wallet, the email claim made final, the first phone code and the device, all or nothing; EMAIL_TAKEN if the reservation was lost. */
  createUser(user: UserRecord, code: StoredCode, audit: AuditEntry, reservationId: string, deviceId?: string): Promise<void>;
  /** Marks the phone verified, spends its code (if it still has this hash and tries left) and trusts the device, in one step; false if the code lost. */
  markPhoneVerified(userId: string, hash: string, maxAttempts: number, audit: AuditEntry, deviceId?: string): Promise<boolean>;

  /** Freezes a wallet; false (and nothing recorded) if it is frozen already or does not exist. */
  freezeUser(userId: string, reason: string, audit: AuditEntry): Promise<boolean>;
  /** Unfreezes a frozen wallet; false if it is not frozen. */
  unfreezeUser(userId: string, audit: AuditEntry): Promise<boolean>;
  /** Records the first of two unfreezes (once, while the wallet is frozen); false if one is recorded already. */
  requestUnfreeze(userId: string, request: NonNullable<UserRecord['unfreezeRequest']>, audit: AuditEntry): Promise<boolean>;
  /** A charge attempt by a frozen wallet: counted on the user, never stored as a charge. */
  countDeniedWhileFrozen(userId: string): Promise<void>;

  getDevice(userId: string, deviceId: string): Promise<{ trustedAt: string; firstSeenAt?: string } | undefined>;
  /** Whether the user proved this device with an SMS code (a device only seen on a charge is not trusted). */
  isDeviceTrusted(userId: string, deviceId: string | undefined): Promise<boolean>;
  getDeviceFacts(userId: string, deviceId: string | undefined): Promise<DeviceFacts>;
  /** Records a charge's use of its device: first seen and yen on this wallet, and the cross-wallet stamp. Writes only what changed. */
  recordDeviceUse(userId: string, deviceId: string | undefined, facts: DeviceFacts, now: number, amount: number): Promise<void>;

  /** Pure (functions/domain/user.ts), kept on the port for the callers that reach them here. */
  deviceHash(deviceId: string): string;
  youngDevicesYen(facts: Pick<DeviceFacts, 'walletDevices'>, now: number, hours: number): number;
}
