import type { AuditEntry, AuditRecord } from '../domain/audit';
import { redact } from '../shared/redact';
import type { AuditStore } from './audit';
import { copy, type MemoryWorld } from './memory-world';

/** Appends to the trail as the DynamoDB audit item does: details redacted (staff read it). */
export function recordAudit(world: MemoryWorld, entry: AuditEntry): void {
  world.audit.push({ ...copy(entry), ...(entry.details ? { details: redact(entry.details) as Record<string, unknown> } : {}) });
}

export function memoryAudit(world: MemoryWorld): AuditStore {
  return {
    async auditTrail(subject, limit = 200) {
      const records: AuditRecord[] = [];
      // Newest first; records of the same millisecond newest-written first.
      world.audit.forEach((e, i) => {
        if (e.userId !== subject) return;
        records.push({
          auditId: `aud_${i}`,
          userId: e.userId,
          actor: e.actor,
          action: e.action,
          at: new Date(e.at).toISOString(),
          ...(e.reason !== undefined ? { reason: e.reason } : {}),
          ...(e.details ? { details: copy(e.details) } : {}),
        });
      });
      return records
        .reverse()
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, limit);
    },
  };
}
