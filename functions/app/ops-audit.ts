import { stores } from '../store';

export interface AuditItem {
  at: string;
  actor: string;
  action: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/**
 * Who did what to a subject, when and why, newest first (at most 500): its audit records and,
 * for a wallet, the history each of its charges keeps of its own moves.
 */
export async function auditTrailOf(subject: string): Promise<AuditItem[]> {
  const [records, charges] = await Promise.all([stores().audit.auditTrail(subject), subject.startsWith('bank-') ? [] : stores().charges.listCharges(subject)]);
  const items: AuditItem[] = [
    ...records.map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.details ? { details: r.details } : {}),
    })),
    // Each charge keeps its own history of moves (written with the move itself): part of the trail.
    ...charges.flatMap((c) =>
      c.history.map((h) => ({
        at: h.at,
        actor: h.actor,
        action: `CHARGE_${h.status}`,
        ...(h.reason ? { reason: h.reason } : {}),
        details: {
          chargeId: c.chargeId,
          amount: c.amount,
          outcome: c.decision.outcome,
          ...(c.decision.ruleVersion !== undefined ? { ruleVersion: c.decision.ruleVersion } : {}),
        },
      })),
    ),
  ];
  items.sort((a, b) => b.at.localeCompare(a.at));
  return items.slice(0, 500);
}
