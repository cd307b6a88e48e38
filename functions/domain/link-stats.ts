import { RISK_POLICY, VETTING } from './policy';

/**
 * A link's own history, kept per JST day on the wallet's activity item (written in the same
 * optimistic write as the day-limit window), so a decision reads one item and lists no charges.
 *
 * - `yen`: charges created on the link that day and not ended unsuccessfully (held and waiting
 *   ones included): the link's exposure.
 * - `debited`, `maxDebit`, `debits`: the debits the bank executed (each notified to the holder).
 * - `noticed`: when the first debits were notified (the vetting rule needs the first three).
 */
export interface LinkDay {
  yen: number;
  debited: number;
  maxDebit: number;
  debits: number;
}

export interface LinkStats {
  days: Record<string, LinkDay>;
  noticed: number[];
}

const DAY = 24 * 3600_000;
const emptyDay = (): LinkDay => ({ yen: 0, debited: 0, maxDebit: 0, debits: 0 });
export const emptyStats = (): LinkStats => ({ days: {}, noticed: [] });

/** The JST day of an instant, as the day keys are written. */
const jst = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 10);
/** The instant a JST day key starts. */
const dayStart = (day: string) => Date.parse(`${day}T00:00:00+09:00`);

function withDay(s: LinkStats, day: string, change: (d: LinkDay) => LinkDay): LinkStats {
  return { ...s, days: { ...s.days, [day]: change({ ...emptyDay(), ...s.days[day] }) } };
}

/** A charge created on the link (reserved: it counts until it ends unsuccessfully). */
export const addCharge = (s: LinkStats, at: number, amount: number) => withDay(s, jst(at), (d) => ({ ...d, yen: d.yen + amount }));

/** A charge that ended without moving money gives its exposure back (never below zero; a pruned day is gone anyway). */
export function removeCharge(s: LinkStats, createdAt: number, amount: number): LinkStats {
  const day = jst(createdAt);
  if (!s.days[day]) return s;
  return withDay(s, day, (d) => ({ ...d, yen: Math.max(0, d.yen - amount) }));
}

/** A debit the bank executed (and notified to the holder). */
export function addDebit(s: LinkStats, at: number, amount: number): LinkStats {
  const next = withDay(s, jst(at), (d) => ({ ...d, debited: d.debited + amount, maxDebit: Math.max(d.maxDebit, amount), debits: d.debits + 1 }));
  // Only debits of some size vet a link: a holder may well overlook three 1-yen lines on a statement.
  const counts = amount >= VETTING.debitAtLeast && next.noticed.length < RISK_POLICY.link.vettedDebits;
  const noticed = counts ? [...next.noticed, at].sort((a, b) => a - b) : next.noticed;
  return { ...next, noticed };
}

/**
 * Only what a rule can still read: `historyDays` days back from the link's latest day (the service
 * clock is at or after it, so nothing a rule reads is dropped; the writer needs no clock).
 */
export function pruneStats(s: LinkStats, historyDays: number = RISK_POLICY.link.historyDays): LinkStats {
  const latest = Object.keys(s.days).sort().at(-1);
  if (!latest) return s;
  const from = dayStart(latest) + DAY - (historyDays + 1) * DAY;
  return { ...s, days: Object.fromEntries(Object.entries(s.days).filter(([day]) => dayStart(day) + DAY > from)) };
}

export interface LinkHistory {
  /** Yen of the link in the last `days` days (whole JST days), held and waiting charges included. */
  exposure: number;
  /** Today's (JST) yen on the link so far. */
  dayTotal: number;
  /** The largest single debit within the history window. */
  largestDebit: number;
  /** The largest day of debits before today within the history window. */
  largestDay: number;
}

export function linkHistory(s: LinkStats | undefined, now: number, exposureDays: number, historyDays: number): LinkHistory {
  const today = jst(now);
  const exposureFrom = now - exposureDays * DAY;
  const historyFrom = now - historyDays * DAY;
  let exposure = 0;
  let largestDebit = 0;
  let largestDay = 0;
  for (const [day, d] of Object.entries(s?.days ?? {})) {
    const start = dayStart(day);
    if (start + DAY > exposureFrom) exposure += d.yen;
    if (start + DAY > historyFrom) {
      largestDebit = Math.max(largestDebit, d.maxDebit);
      if (day !== today) largestDay = Math.max(largestDay, d.debited);
    }
  }
  return { exposure, dayTotal: s?.days[today]?.yen ?? 0, largestDebit, largestDay };
}

/**
 * Vetted: a reviewer trusted the link, or it is older than `vettedAfterDays` with at least
 * `vettedDebits` debits notified to the holder more than `vettedNoticeDays` ago. An objection
 * (a not-me report) suspends the link, which no rule lets charge at all.
 */
export function isVetted(link: { trustedAt?: string; activatedAt?: string }, s: LinkStats | undefined, now: number, rules: { vettedAfterDays: number; vettedDebits: number; vettedNoticeDays: number } = RISK_POLICY.link): boolean {
  if (link.trustedAt) return true;
  if (!link.activatedAt || now - Date.parse(link.activatedAt) <= rules.vettedAfterDays * DAY) return false;
  return (s?.noticed ?? []).filter((t) => t < now - rules.vettedNoticeDays * DAY).length >= rules.vettedDebits;
}
