import type { BankSettings } from '../domain/bank';
import { BANK_BREAKER } from '../domain/bank-link';
import { logger } from '../shared/logger';
import { ports } from '../shared/runtime';
import { stores } from '../store';

export type BreakerSignal = 'LINK_FAILURE' | 'NOT_ME_REPORT';

/**
 * A bank's own threshold (set by ops), else the deployment's (ANSHIN_BREAKER_LINK_FAILURES /
 * ANSHIN_BREAKER_NOT_ME_REPORTS: the integration-test stack raises them, since its suites
 * provoke failures and reports at the seeded banks on purpose), else the policy's.
 */
function thresholdOf(breaker: BankSettings['breaker'], signal: BreakerSignal): number {
  if (signal === 'LINK_FAILURE') return breaker?.linkFailures ?? Number(process.env.ANSHIN_BREAKER_LINK_FAILURES ?? BANK_BREAKER.linkFailures);
  return breaker?.notMeReports ?? Number(process.env.ANSHIN_BREAKER_NOT_ME_REPORTS ?? BANK_BREAKER.notMeReports);
}

/**
 * Counts a signal against its bank; past the threshold in the window, new links to the bank
 * pause (linking off, charging untouched), audited on the bank's trail and paged to ops, who
 * resume it with PUT /v1/ops/banks/{bankCode}. Returns true if this signal tripped it.
 */
export async function countBankSignal(bankCode: string, signal: BreakerSignal): Promise<boolean> {
  const p = ports();
  const now = p.clock.now();
  const { links, banks } = stores();
  const subject = `BANK#${bankCode}#${signal}`;
  await links.addStrike(subject, now, 1, { bankCode, signal });
  const seen = (await links.strikesSince(subject, now - BANK_BREAKER.windowMinutes * 60_000)).length;
  const bank = await banks.getBank(bankCode);
  if (!bank?.linkingEnabled) return false;
  if (seen < thresholdOf(bank.breaker, signal)) return false;
  const actor = 'system:circuit-breaker';
  const paused = await banks.pauseLinking(bankCode, now, actor, {
    userId: `bank-${bankCode}`, actor, action: 'BANK_SWITCHED', reason: `${signal}_SPIKE`,
    details: { bankCode, signal, count: seen, windowMinutes: BANK_BREAKER.windowMinutes, from: { linkingEnabled: true, chargingEnabled: bank.chargingEnabled }, to: { linkingEnabled: false, chargingEnabled: bank.chargingEnabled } },
    at: now,
  });
  if (!paused) return false; // paused meanwhile (by another signal or by ops)
  try {
    await p.alerts.notify(`Bank ${bankCode}: new links paused`, `${seen} ${signal === 'LINK_FAILURE' ? 'failed link attempts' : 'not-me reports'} in ${BANK_BREAKER.windowMinutes} minutes at bank ${bankCode}: new links are paused. Charging is unchanged. Resume with PUT /v1/ops/banks/${bankCode} once the cause is known.`);
  } catch (error) {
    logger.error('ops alert failed', { error: error as Error });
  }
  return true;
}
