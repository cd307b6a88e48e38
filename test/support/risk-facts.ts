import type { ChargeFacts } from '../../functions/domain/risk';

const HOUR = 3600_000;

/** An old wallet, an old vetted link with debits up to 100,000 (200,000 a day), a trusted device: a small charge is ALLOW. */
export function safeFacts(now: number, over: Partial<ChargeFacts> = {}): ChargeFacts {
  return {
    amount: 1_000,
    now,
    walletStatus: 'ACTIVE',
    walletCreatedAt: now - 400 * HOUR,
    balance: 0,
    pending: 0,
    dayTotal: 0,
    bankChargingEnabled: true,
    linkStatus: 'ACTIVE',
    linkActivatedAt: now - 400 * HOUR,
    linkNotifiedAt: now - 400 * HOUR,
    phoneAttested: false,
    linkVetted: true,
    linkExposure30d: 60_000,
    linkLargestDebit: 100_000,
    linkDayTotal: 0,
    linkLargestDay: 200_000,
    chargesInLastHour: 0,
    deviceSeen: true,
    accountFailedLinksByOthers: 0,
    accountLastActiveElsewhereAt: undefined,
    deviceOtherWalletsSeenAt: [],
    deviceFirstSeenAt: now - 400 * HOUR,
    deviceYenSinceFirstSeen: 0,
    ...over,
  };
}
