/**
 * The pure parts of `npm run simulate`: how an actor reads the service's answer to a charge, what
 * it does next, how victims read the bank's notices, and the metrics of a scenario. No I/O here,
 * so test/unit/simulation.test.ts pins each decision down, including answers today's service never
 * gives (PENDING_HOLD, HOLDER_CHALLENGE) but the contract (DESIGN.md) promises.
 */
import type { Rng } from './prng';
import { median, round } from './stats';

const HOUR = 3600_000;

/** What the service answered to POST /v1/me/charges, as an actor sees it. */
export type Answer = 'COMPLETED' | 'HELD' | 'CODE' | 'REFUSED' | 'ERROR';

export interface Reading {
  answer: Answer;
  chargeId?: string;
  /** PENDING_HOLD: when the debit runs unless the holder objects (epoch ms). */
  availableAt?: number;
  /** REFUSED: the contract's error code. */
  refusal?: string;
  reasons: string[];
}

/** Reads a charge answer per the contract row of POST /v1/me/charges. */
export function readChargeAnswer(status: number, body: any): Reading {
  if (status === 201 && body?.chargeId) return { answer: 'COMPLETED', chargeId: body.chargeId, reasons: [] };
  if (status === 202 && body?.status === 'PENDING_HOLD') {
    const at = Date.parse(body.availableAt);
    return { answer: 'HELD', chargeId: body.chargeId, availableAt: Number.isFinite(at) ? at : undefined, reasons: [] };
  }
  if (status === 202 && body?.chargeId) return { answer: 'CODE', chargeId: body.chargeId, reasons: [] };
  const code = body && typeof body === 'object' ? body.error?.code : undefined;
  if (code) return { answer: 'REFUSED', refusal: code, reasons: body.error?.details?.reasons ?? [] };
  return { answer: 'ERROR', reasons: [], refusal: `HTTP_${status}` };
}

/** Where the code of a challenged charge went: the bank's holder challenge goes to the holder's bank phone. */
export const codeDestination = (reasons: readonly string[]): 'WALLET' | 'HOLDER' => (reasons.includes('HOLDER_CHALLENGE') ? 'HOLDER' : 'WALLET');

/**
 * Whether the actor can type the code. An honest user owns both phones. An identity thief owns the
 * wallet phone; the holder's phone only if he phishes the victim again, live, for this charge.
 */
export function canEnterCode(actor: 'honest' | 'thief', destination: 'WALLET' | 'HOLDER', rng: Rng, rephishChance: number): boolean {
  if (actor === 'honest' || destination === 'WALLET') return true;
  return rng.chance(rephishChance);
}

export interface OutboxMessage {
  body: string;
  sentAt: string;
}

/**
 * The code in the newest message a phone received at or after `since` (epoch ms), whatever its
 * wording (the bank writes the holder challenge, not us). URLs are dropped first: a not-me token
 * may hold six digits in a row.
 */
export function newestCodeSince(messages: readonly OutboxMessage[], since: number): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (Date.parse(m.sentAt) < since - 1000) break;
    const text = m.body.replace(/https?:\/\/\S+/g, ' ');
    const code = /(?<![\d,.])(\d{6})(?![\d,.])/.exec(text);
    if (code && !/円/.test(text.slice(code.index + 6, code.index + 8))) return code[1];
  }
  return undefined;
}

/** The not-me token of a bank notice (the URL's token= parameter), if it carries one. */
export function notMeTokenOf(body: string): string | undefined {
  const m = /[?&]token=([^\s&]+)/.exec(body);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** How an attacker's charge ended, from his side. */
export type AttackResult =
  | 'COMPLETED' // the money is in the wallet (or was confirmed and is moving)
  | 'HELD' // waits for the holder's window
  | 'REVIEW' // a human decides
  | 'CODE_UNREACHABLE' // the code went to the holder's phone and the victim was not phished again
  | 'DAY_LIMIT'
  | 'LIMIT' // balance cap or per-charge limit
  | 'RATE_LIMITED'
  | 'FROZEN'
  | 'DECLINED';

export function attackResultOf(r: Reading, o: { codeEntered?: boolean; afterCode?: string } = {}): AttackResult {
  switch (r.answer) {
    case 'COMPLETED':
      return 'COMPLETED';
    case 'HELD':
      return 'HELD';
    case 'CODE':
      if (!o.codeEntered) return 'CODE_UNREACHABLE';
      if (o.afterCode === 'PENDING_REVIEW') return 'REVIEW';
      if (o.afterCode === 'PENDING_HOLD') return 'HELD';
      return o.afterCode === 'COMPLETED' || o.afterCode === 'PROCESSING' ? 'COMPLETED' : 'DECLINED';
    case 'REFUSED':
      if (r.refusal === 'ACCOUNT_FROZEN') return 'FROZEN';
      if (r.refusal === 'RATE_LIMITED') return 'RATE_LIMITED';
      if (r.refusal === 'LIMIT_EXCEEDED') return r.reasons.length > 0 && r.reasons.every((x) => x === 'DAILY_LIMIT') ? 'DAY_LIMIT' : 'LIMIT';
      return 'DECLINED';
    default:
      return 'DECLINED';
  }
}

/**
 * The adaptive attacker's next amount: keep what works; after anything that cost him the charge
 * or brought a human in, try half (the thresholds he cannot see are usually round numbers), down
 * to `floor`; below it he gives up on this victim (undefined).
 */
export function nextAttackAmount(current: number, result: AttackResult, floor = 1_000): number | undefined {
  switch (result) {
    case 'COMPLETED':
    case 'HELD':
    case 'DAY_LIMIT':
    case 'RATE_LIMITED':
      return current;
    case 'FROZEN':
    case 'DECLINED':
      return undefined;
    default: {
      const next = Math.floor(current / 2 / 1000) * 1000;
      return next >= floor ? next : undefined;
    }
  }
}

/** Hours until the attacker acts again after a result. */
export function attackPauseHours(result: AttackResult, hoursToNextMorning: number): number {
  switch (result) {
    case 'DAY_LIMIT':
      return hoursToNextMorning;
    case 'RATE_LIMITED':
    case 'REVIEW':
      return 6;
    case 'CODE_UNREACHABLE':
      return 3;
    default:
      return 1;
  }
}

/** One victim: whether they read the bank's messages at all, and how each read goes. */
export interface VictimHabit {
  reads: boolean;
}

export const victimHabit = (rng: Rng, neverReadShare: number): VictimHabit => ({ reads: !rng.chance(neverReadShare) });

/** When a reading victim reads a notice sent at `sentAt` (exponential delay), and whether they report it. */
export function victimReading(rng: Rng, sentAt: number, meanHours: number, reportChance: number): { readAt: number; reports: boolean } {
  return { readAt: sentAt + Math.max(0.1, rng.exponential(meanHours)) * HOUR, reports: rng.chance(reportChance) };
}

/** A lognormal top-up around `medianYen`, in whole thousands (people top up round amounts), at least 1,000. */
export function lognormalYen(rng: Rng, medianYen: number, sigma: number): number {
  const u1 = Math.max(1e-12, rng.next());
  const u2 = rng.next();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.max(1_000, Math.round((medianYen * Math.exp(sigma * z)) / 1000) * 1000);
}

/**
 * An alternative rule set: every yen threshold (a leaf of at least 1,000) times `factor`, rounded
 * to 1,000; hours, days and counts unchanged. Generic over the shape, so it keeps working as rules
 * are added to RISK_POLICY.
 */
export function scaleYenThresholds<T>(rules: T, factor: number): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return v >= 1000 ? Math.max(1000, Math.round((v * factor) / 1000) * 1000) : v;
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(rules) as T;
}

/** A leaf of a rule set by path (e.g. "hold.holderWindowHours"), if the rule exists. */
export function ruleAt(rules: unknown, path: string): number | undefined {
  let v: unknown = rules;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** One charge request and everything learnt about it. */
export interface ChargeRecord {
  honest: boolean;
  /** Counted in the scenario's friction figures (live-month: the month, not the built history). */
  counted: boolean;
  amount: number;
  requestedAt: number;
  reading: Reading;
  /** The decision as GET /v1/me/charges/{id} tells it (for 202 answers). */
  outcome?: string;
  decisionReasons?: string[];
  codeTo?: 'WALLET' | 'HOLDER';
  codeEntered?: boolean;
  afterCode?: string;
  review?: 'APPROVED' | 'REJECTED';
  finalStatus?: string;
  /** When the wallet was credited (the ledger entry's createdAt). */
  creditedAt?: number;
  /** Attackers: the victim (bank account) and when the bank's "linked" notice went out. */
  victim?: string;
  linkNotifiedAt?: number;
  tags?: string[];
}

export interface ScenarioMetrics {
  attackerYenInWindowWithoutHumanDecision: number;
  attackerYenWithoutHumanDecision: number;
  attackerYenApprovedByReviewer: number;
  maxAttackerYenPerVictimWithoutHumanDecision: number;
  victimsOver10000YenWithoutHumanDecision: number;
  victimsWithLoss: number;
  victims: number;
  legitCharges: number;
  legitChallengedPct: number;
  legitHolderChallengedPct: number;
  legitHeldPct: number;
  legitReviewedPct: number;
  /** Held, asked for a code or reviewed: any friction at all. */
  legitFrictionPct: number;
  legitDeniedPct: number;
  legitAbandonedPct: number;
  medianFirstMoneyWaitHours: number | null;
  firstMoneyUsers: number;
  firstMoneyNever: number;
  honestReasons: Record<string, number>;
}

export const pct = (n: number, d: number) => (d ? round((100 * n) / d, 2) : 0);

/** A human decided when a reviewer approved it; everything else that completed did so without one. */
const withoutHuman = (c: ChargeRecord) => c.finalStatus === 'COMPLETED' && c.review !== 'APPROVED';

export function scenarioMetrics(input: {
  charges: readonly ChargeRecord[];
  /** Victims (bank accounts) the attackers linked or tried. */
  victims: readonly string[];
  holderWindowHours: number;
  /** Per honest user measured: when they first asked for money and when the first money arrived. */
  firstMoney: readonly { requestedAt: number; creditedAt?: number }[];
}): ScenarioMetrics {
  const attack = input.charges.filter((c) => !c.honest);
  const lost = attack.filter(withoutHuman);
  const inWindow = lost.filter((c) => {
    if (c.linkNotifiedAt === undefined) return true; // unknown: count it against us
    const at = c.creditedAt ?? c.reading.availableAt ?? c.requestedAt;
    return at < c.linkNotifiedAt + input.holderWindowHours * HOUR;
  });
  const perVictim = new Map<string, number>();
  for (const c of lost) perVictim.set(c.victim ?? '?', (perVictim.get(c.victim ?? '?') ?? 0) + c.amount);
  const legit = input.charges.filter((c) => c.honest && c.counted && c.reading.answer !== 'ERROR');
  const n = (f: (c: ChargeRecord) => boolean) => legit.filter(f).length;
  const reasons: Record<string, number> = {};
  for (const c of legit) for (const r of c.decisionReasons ?? c.reading.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
  const waits = input.firstMoney.filter((f) => f.creditedAt !== undefined).map((f) => (f.creditedAt! - f.requestedAt) / HOUR);
  const sum = (list: readonly ChargeRecord[]) => list.reduce((s, c) => s + c.amount, 0);
  return {
    attackerYenInWindowWithoutHumanDecision: sum(inWindow),
    attackerYenWithoutHumanDecision: sum(lost),
    attackerYenApprovedByReviewer: sum(attack.filter((c) => c.finalStatus === 'COMPLETED' && c.review === 'APPROVED')),
    maxAttackerYenPerVictimWithoutHumanDecision: Math.max(0, ...perVictim.values()),
    victimsOver10000YenWithoutHumanDecision: [...perVictim.values()].filter((y) => y > 10_000).length,
    victimsWithLoss: perVictim.size,
    victims: input.victims.length,
    legitCharges: legit.length,
    legitChallengedPct: pct(n((c) => c.reading.answer === 'CODE'), legit.length),
    legitHolderChallengedPct: pct(n((c) => c.codeTo === 'HOLDER'), legit.length),
    legitHeldPct: pct(n((c) => c.reading.answer === 'HELD' || c.afterCode === 'PENDING_HOLD'), legit.length),
    legitReviewedPct: pct(n((c) => c.outcome === 'REVIEW'), legit.length),
    legitFrictionPct: pct(n((c) => c.reading.answer === 'HELD' || c.reading.answer === 'CODE' || c.outcome === 'REVIEW' || c.afterCode === 'PENDING_HOLD'), legit.length),
    legitDeniedPct: pct(n((c) => c.reading.answer === 'REFUSED'), legit.length),
    legitAbandonedPct: pct(n((c) => c.reading.answer === 'CODE' && !c.codeEntered), legit.length),
    medianFirstMoneyWaitHours: waits.length ? round(Math.max(0, median(waits)), 2) : null,
    firstMoneyUsers: input.firstMoney.length,
    firstMoneyNever: input.firstMoney.length - waits.length,
    honestReasons: reasons,
  };
}

/** Steps scheduled by clock tick (an hour each); a step past the last tick is dropped. */
export function tickSchedule(ticks: number) {
  const due = new Map<number, (() => Promise<void>)[]>();
  const at = (tick: number, step: () => Promise<void>) => {
    if (tick >= ticks) return;
    const list = due.get(tick) ?? [];
    list.push(step);
    due.set(tick, list);
  };
  return { due, at };
}
