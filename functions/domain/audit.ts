/** Who did what to whom, when and why. Written in the same transaction as the change it records. */
export interface AuditEntry {
  userId: string;
  /** `user:<id>`, `ops:<staff email or id>`, `system:<component>`, `provider:ekyc`, `bank:<code>`. */
  actor: string;
  action: string;
  reason?: string;
  details?: Record<string, unknown>;
  at: number;
}

/** An audit record as stored and read back: `at` an ISO time, details redacted. */
export interface AuditRecord {
  auditId: string;
  userId: string;
  actor: string;
  action: string;
  reason?: string;
  details?: Record<string, unknown>;
  at: string;
}
