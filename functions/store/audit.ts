import type { BankSettings } from '../adapters/banks-repo';
import type { AuditEntry, AuditRecord } from '../domain/audit';

/** The audit trail: records are written with the change they record (by each store's verbs); read here by subject. */
export interface AuditStore {
  /** A subject's records (a user id, `bank-<code>`, `lists`), newest first. */
  auditTrail(subject: string, limit?: number): Promise<AuditRecord[]>;
  /** A bank's new settings and switches with the audit record of who switched them, all at once. */
  switchBank(settings: BankSettings, audit: AuditEntry): Promise<void>;
}
