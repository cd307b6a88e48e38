import type { AuditRecord } from '../domain/audit';

/** The audit trail: records are written with the change they record (by each store's verbs); read here by subject. */
export interface AuditStore {
  /** A subject's records (a user id, `bank-<code>`, `lists`), newest first. */
  auditTrail(subject: string, limit?: number): Promise<AuditRecord[]>;
}
