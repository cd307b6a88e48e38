import type { RecentCharge } from '../domain/charge';
import type { LinkDay, LinkStats } from '../domain/link-stats';
import { jstDay } from '../domain/risk';

/**
 * How the activity item stores its window and its links' histories: compactly, because every
 * low-risk charge writes the item twice (its day-limit reservation and its debit's record) and
 * DynamoDB bills each write by the whole item, 1 unit per started KB. Stored as maps, a day of a
 * link's history took about 50 bytes and a recent charge about 125: a wallet that charged once a day
 * for 180 days had a 9 KB item (20 write units a charge on this item alone). Here a day takes
 * about 6 bytes (about 13 with several debits that day) and a recent charge about 37.
 *
 * - `recent`: one string per link, `<linkId>|<charge>|<charge>…`, each charge `<id>,<at>,<amount>`
 *   (numbers in base 36; its JST day follows from `at`; an id `chg_` + 32 hex digits as `~` + 22
 *   base64url characters).
 * - a link's `days`: one string `d`, the days in order, `<day>:<yen>[:<maxDebit>[:<debits>[:<debited>]]];…`:
 *   the first day as days since 1970-01-01, each next one as days after the one before (usually
 *   `1`); a field left out takes its default (`maxDebit` and `debited` = `yen`, `debits` = 1), so a
 *   day whose charges were all debited, in one debit, is `1:3uw`.
 *
 * Anything these forms cannot carry exactly (an id with a separator in it, a number that is not a
 * whole non-negative one, a day that does not follow from `at`) is stored as the map it always was;
 * the reader takes both, so items written before this format read the same.
 */

type StoredRecent = string | RecentCharge;
interface StoredLinkStats {
  /** The compact days. */
  d?: string;
  /** `noticed`. */
  n?: number[];
  /** The days as maps (items written before the compact form, or a value it cannot carry). */
  days?: Record<string, LinkDay>;
  noticed?: number[];
}

const B36 = 36;
const DAY_MS = 86_400_000;
const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
/** An instant `jstDay` can name (a Date holds ±8.64e15 ms; JST adds 9 hours). */
const instant = (n: unknown): n is number => whole(n) && n < 8.6e15;
const num = (s: string) => parseInt(s, B36);
const CHARGE_ID = /^chg_[0-9a-f]{32}$/;
const SAFE_ID = /^[^|,;:~]+$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

const packId = (id: string) => (CHARGE_ID.test(id) ? `~${Buffer.from(id.slice(4), 'hex').toString('base64url')}` : id);
const unpackId = (s: string) => (s.startsWith('~') ? `chg_${Buffer.from(s.slice(1), 'base64url').toString('hex')}` : s);

const compactCharge = (r: RecentCharge) =>
  SAFE_ID.test(r.chargeId) && instant(r.at) && whole(r.amount) && r.day === jstDay(r.at) && (r.linkId === undefined || SAFE_ID.test(r.linkId));

export function encodeRecent(recent: RecentCharge[]): StoredRecent[] {
  const byLink = new Map<string, string[]>();
  const kept: StoredRecent[] = [];
  for (const r of recent) {
    if (!compactCharge(r)) {
      kept.push(r);
      continue;
    }
    const link = r.linkId ?? '';
    byLink.set(link, [...(byLink.get(link) ?? []), `${packId(r.chargeId)},${r.at.toString(B36)},${r.amount.toString(B36)}`]);
  }
  return [...[...byLink].map(([link, charges]) => [link, ...charges].join('|')), ...kept];
}

export function decodeRecent(stored: StoredRecent[] | undefined): RecentCharge[] {
  return (stored ?? []).flatMap((s): RecentCharge[] => {
    if (typeof s !== 'string') return [s];
    const [link, ...charges] = s.split('|');
    return charges.map((c) => {
      const [id, at, amount] = c.split(',');
      const r: RecentCharge = { chargeId: unpackId(id), at: num(at), amount: num(amount), day: jstDay(num(at)) };
      return link ? { ...r, linkId: link } : r;
    });
  });
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** A day's record after the day `previous` (undefined: the first, written in full): trailing fields at their defaults left out. */
function encodeDay(day: number, previous: number | undefined, d: LinkDay): string {
  const fields = [previous === undefined ? day : day - previous, d.yen, d.maxDebit, d.debits, d.debited];
  const defaults = [undefined, undefined, d.yen, 1, d.yen];
  let end = fields.length;
  while (end > 2 && fields[end - 1] === defaults[end - 1]) end--;
  return fields.slice(0, end).map((n) => n.toString(B36)).join(':');
}

const compactDays = (days: Record<string, LinkDay>) =>
  Object.entries(days).every(([day, d]) => ISO_DAY.test(day) && Number.isSafeInteger(dayNumber(day)) && dayOf(dayNumber(day)) === day && [d.yen, d.debited, d.maxDebit, d.debits].every(whole));

export function encodeLinkStats(s: LinkStats): StoredLinkStats {
  if (!compactDays(s.days) || !s.noticed.every(whole)) return s;
  const days = Object.entries(s.days)
    .map(([day, d]) => [dayNumber(day), d] as const)
    .sort(([a], [b]) => a - b);
  return { d: days.map(([day, d], i) => encodeDay(day, i === 0 ? undefined : days[i - 1][0], d)).join(';'), n: s.noticed };
}

export function decodeLinkStats(stored: StoredLinkStats): LinkStats {
  if (stored.d === undefined) return { days: stored.days ?? {}, noticed: stored.noticed ?? [] };
  const days: Record<string, LinkDay> = {};
  let day = 0;
  for (const record of stored.d ? stored.d.split(';') : []) {
    const [step, yen, maxDebit = yen, debits = 1, debited = yen] = record.split(':').map(num);
    day += step;
    days[dayOf(day)] = { yen, debited, maxDebit, debits };
  }
  return { days, noticed: stored.n ?? [] };
}

/** A credited debit's record on the activity item (`debit:<chargeId>`), until the next window write folds it. */
export interface DebitRecord {
  linkId: string;
  amount: number;
  at: number;
}

export const encodeDebit = (d: DebitRecord): string | DebitRecord => (SAFE_ID.test(d.linkId) && whole(d.amount) && whole(d.at) ? `${d.linkId}|${d.amount.toString(B36)}|${d.at.toString(B36)}` : d);

export function decodeDebit(stored: string | DebitRecord): DebitRecord {
  if (typeof stored !== 'string') return stored;
  const [linkId, amount, at] = stored.split('|');
  return { linkId, amount: num(amount), at: num(at) };
}
