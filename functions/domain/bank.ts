/** A bank's settings, switched by ops (and its linking switch by the circuit breaker). */
export interface BankSettings {
  bankCode: string;
  name: string;
  linkingEnabled: boolean;
  chargingEnabled: boolean;
  updatedAt: string;
  updatedBy: string;
  /** This bank's circuit-breaker thresholds, where ops set them. */
  breaker?: { linkFailures?: number; notMeReports?: number };
}

/** What a bank tells us as a partner (mutual checks), by its signed webhook. */
export interface BankEvent {
  eventId: string;
  type: 'ACCOUNT_COMPROMISED' | 'HOLDER_BLOCKED_LINKING';
  bankCode: string;
  branchCode: string;
  accountNumber: string;
  until?: string;
}

export interface BankEventResult {
  received: true;
  applied: boolean;
  suspendedLinks: number;
  frozenWallets: number;
  cancelledCharges: number;
}
