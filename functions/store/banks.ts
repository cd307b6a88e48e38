import type { AuditEntry } from '../adapters/audit';
import type { BankEvent, BankEventResult, BankSettings } from '../domain/bank';

/** The banks' settings (switched by ops and the circuit breaker) and the events banks send us. */
export interface BankStore {
  /** Read on every link and charge, never cached: a switch by ops takes effect at once. */
  getBank(bankCode: string): Promise<BankSettings | undefined>;
  listBanks(): Promise<BankSettings[]>;
  /** Seeds a bank only if it is not there, so a restart never undoes an operator's switch. */
  seedBank(settings: BankSettings): Promise<void>;
  /** Writes a bank's settings (every copy of its charging switch with them) and the audit entry, all or nothing. */
  saveBank(settings: BankSettings, audit: AuditEntry): Promise<void>;
  /** Turns linking off if it is on, audited; false if it was off already (paused meanwhile by ops or another signal). */
  pauseLinking(bankCode: string, now: number, by: string, audit: AuditEntry): Promise<boolean>;
  /**
   * Records a bank event on its first delivery. A redelivery finds the event: with its result
   * once it has been applied to the end, without one if an earlier delivery stopped half-way.
   */
  receiveEvent(event: BankEvent, now: number): Promise<{ result?: BankEventResult }>;
  /** Keeps the first result of an event, so every later delivery answers the same. */
  finishEvent(event: BankEvent, result: BankEventResult): Promise<void>;
}
