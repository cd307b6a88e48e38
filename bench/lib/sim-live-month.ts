/**
 * The `live-month` scenario of `npm run simulate`: a month of a service that has been live for a
 * year. ~90 % of the users linked their accounts 35–400 days ago (their history is built first by
 * moving the clock through a fast-forwarded past: cohorts link at stops 10 days apart and charge a
 * few times at later stops), ~10 % join during the month. Identity thieves adapt: they lower the
 * amount after a refusal, sleep through windows (4, 8, 31, 45 days), charge small and often, and
 * one operator runs several victims' wallets. Victims: a share never read the bank's messages; the
 * others read each notice after a delay and report it most of the time.
 */
import { ekyc, linkOwnAccount, openAccount, register, requestOf, smsCode, verifyPhone, type Api, type BankAccount, type Identity, type Wallet } from './api';
import { Progress } from './progress';
import type { Rng } from './prng';
import { creditTimes, outbox, requestCharge, settledStatus, type ChargeActor, type Reviewer } from './sim-actors';
import {
  attackPauseHours, attackResultOf, canEnterCode, lognormalYen, nextAttackAmount, notMeTokenOf, scenarioMetrics, victimHabit, victimReading,
  type AttackResult, type ChargeRecord, type ScenarioMetrics, tickSchedule } from './sim-model';
import { pool } from './stats';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface LiveMonthParams {
  users: number;
  days: number;
  joinShare: number;
  bankPhoneDiffersShare: number;
  newDeviceRate: number;
  largeShare: number;
  secondLinkShare: number;
  relinkShare: number;
  abandonCodeRate: number;
  abandonLinkShare: number;
  neverReadShare: number;
  readDelayHours: number;
  reportChance: number;
  rephishChance: number;
  concurrency: number;
}

export const liveMonthParams = (num: (name: string, fallback: number) => number): LiveMonthParams => ({
  users: num('SIM_LM_USERS', 1000),
  days: num('SIM_LM_DAYS', 30),
  joinShare: 0.1,
  bankPhoneDiffersShare: 0.25,
  newDeviceRate: 0.02,
  largeShare: 0.01,
  secondLinkShare: 0.03,
  relinkShare: 0.02,
  abandonCodeRate: 0.05,
  abandonLinkShare: 0.01,
  neverReadShare: num('SIM_NEVER_READ', 0.4),
  readDelayHours: num('SIM_READ_DELAY_H', 36),
  reportChance: num('SIM_REPORT', 0.9),
  rephishChance: num('SIM_REPHISH', 0.2),
  concurrency: num('SIM_LM_CONCURRENCY', 16),
});

export interface SimContext {
  api: Api;
  reviewer: Reviewer;
  runTag: string;
  phone: (prefix: string, i: number) => string;
  rngFor: (key: string) => Rng;
  person: (rng: Rng) => { identity: Identity; kanaAtBank: string };
  log: (line: string) => void;
  holderWindowHours: number;
}

interface User {
  index: number;
  rng: Rng;
  wallet?: Wallet;
  linkId?: string;
  account?: BankAccount;
  identity?: Identity;
  kanaAtBank?: string;
  device: string;
  devices: number;
  seq: number;
  typical: number;
  meanDaysBetween: number;
  joiner: boolean;
  firstAsk?: number;
  chargeIds: string[];
}

interface Thief {
  id: string;
  kind: string;
  rng: Rng;
  victim: BankAccount & { key: string };
  wallet?: Wallet;
  linkId?: string;
  device: string;
  linkNotifiedAt?: number;
  amount: number;
  done: boolean;
  stoppedBy?: string;
  seq: number;
  events: string[];
}

interface VictimWatch {
  key: string;
  phone: string;
  rng: Rng;
  reads: boolean;
  seen: number;
  pending: { readAt: number; token: string }[];
  reportedAt?: number;
}

export interface LiveMonthResult {
  metrics: ScenarioMetrics;
  details: Record<string, unknown>;
}

export async function runLiveMonth(ctx: SimContext, P: LiveMonthParams): Promise<LiveMonthResult> {
  const { api, reviewer } = ctx;
  const charges: ChargeRecord[] = [];
  const errors: string[] = [];
  const failSoft = (where: string, e: unknown) => {
    if (errors.length < 50) errors.push(`${where}: ${(e as Error).message.slice(0, 300)}`);
  };
  const counters = { onboarded: 0, onboardingFailures: 0, secondLinks: 0, relinks: 0, abandonedLinks: 0, newDevices: 0, largeCharges: 0, historyCharges: 0 };

  // ---- the clock -------------------------------------------------------------------------------------
  // The month starts at a JST midnight 400+ days after the service's clock now; the past is walked in stops.
  let now = await api.now();
  const firstMidnight = Math.ceil((now + 9 * HOUR) / DAY) * DAY - 9 * HOUR;
  const monthStart = firstMidnight + 402 * DAY;
  const moveTo = async (t: number) => {
    if (t > now) await api.advance(Math.ceil((t - now) / 1000));
    now = Math.max(now, t);
  };
  const TICKS = P.days * 24;
  const tickTime = (tick: number) => monthStart + tick * HOUR;

  // ---- people ------------------------------------------------------------------------------------------
  const users: User[] = Array.from({ length: P.users }, (_, index) => {
    const rng = ctx.rngFor(`lm:user:${index}`);
    return {
      index, rng, device: `lm-u${index}-d0`, devices: 0, seq: 0, chargeIds: [],
      typical: lognormalYen(rng, 5_000, 0.5), meanDaysBetween: rng.int(4, 20), joiner: rng.chance(P.joinShare),
    };
  });

  const onboard = async (u: User) => {
    try {
      const who = ctx.person(u.rng);
      const w = await register(api, `lm-${ctx.runTag}-u${u.index}@example.com`, ctx.phone('80', u.index), u.device);
      await verifyPhone(api, w);
      await ekyc(api, w, who.identity);
      const differs = u.rng.chance(P.bankPhoneDiffersShare);
      u.account = await openAccount(api, {
        bankCode: u.rng.pick(['0001', '9900']), holderNameKana: who.kanaAtBank, dateOfBirth: who.identity.dateOfBirth,
        holderPhone: differs ? ctx.phone('60', u.index) : w.phone, balance: u.rng.int(5, 50) * 100_000,
      });
      u.linkId = await linkOwnAccount(api, w, u.account);
      u.wallet = w;
      u.identity = who.identity;
      u.kanaAtBank = who.kanaAtBank;
      counters.onboarded++;
    } catch (e) {
      counters.onboardingFailures++;
      failSoft(`onboard ${u.index}`, e);
    }
  };

  const honestAmount = (u: User) => {
    if (u.rng.chance(P.largeShare)) {
      counters.largeCharges++;
      return u.rng.int(50, 300) * 1000;
    }
    return lognormalYen(u.rng, u.typical, 0.4);
  };

  /** One honest charge: codes typed from the phone they went to (sometimes abandoned), reviews to the reviewer. */
  const honestCharge = async (u: User, counted: boolean, amount = honestAmount(u), retry = false): Promise<ChargeRecord | undefined> => {
    if (!u.wallet || !u.linkId) return undefined;
    let newDevice = false;
    if (counted && !retry && u.rng.chance(P.newDeviceRate)) {
      u.device = `lm-u${u.index}-d${++u.devices}`;
      newDevice = true;
      counters.newDevices++;
    }
    const abandons = counted && u.rng.chance(P.abandonCodeRate);
    const actor: ChargeActor = { wallet: u.wallet, linkId: u.linkId, deviceId: u.device, holderPhone: u.account!.holderPhone, mayEnterCode: () => !abandons };
    const requestedAt = now;
    u.firstAsk ??= requestedAt;
    try {
      const c = await requestCharge(api, actor, amount, `${ctx.runTag}-lm-u${u.index}-${u.seq++}`, { honest: true, counted, requestedAt, tags: [...(newDevice ? ['NEW_DEVICE'] : []), ...(retry ? ['RETRY'] : [])] });
      charges.push(c);
      if (!counted) counters.historyCharges++;
      if (c.reading.chargeId) u.chargeIds.push(c.reading.chargeId);
      if (c.afterCode === 'PENDING_REVIEW') reviewer.queue.push({ chargeId: c.reading.chargeId!, key: `lm:u${u.index}:${u.seq}`, honest: true, record: c });
      return c;
    } catch (e) {
      failSoft(`charge u${u.index}`, e);
      return undefined;
    }
  };

  // ---- victims watching their bank's messages ------------------------------------------------------------
  const watches: VictimWatch[] = [];
  const watch = (key: string, phone: string) => {
    const rng = ctx.rngFor(`lm:victim:${key}`);
    const w: VictimWatch = { key, phone, rng, reads: victimHabit(rng, P.neverReadShare).reads, seen: 0, pending: [] };
    watches.push(w);
    return w;
  };
  const victimsAct = async () => {
    await pool(watches.filter((w) => w.reads && w.reportedAt === undefined), P.concurrency, async (w) => {
      const messages = await outbox(api, w.phone);
      for (; w.seen < messages.length; w.seen++) {
        const token = notMeTokenOf(messages[w.seen].body);
        if (!token) continue; // the bank's one-time code the phisher had them read out
        const reading = victimReading(w.rng, Date.parse(messages[w.seen].sentAt), P.readDelayHours, P.reportChance);
        if (reading.reports) w.pending.push({ readAt: reading.readAt, token });
      }
      const due = w.pending.filter((p) => p.readAt <= now).sort((a, b) => a.readAt - b.readAt)[0];
      if (!due) return;
      const res = await api.call('POST', '/v1/reports/not-me', { body: { token: due.token } });
      w.reportedAt = now;
      w.pending = [];
      thieves.filter((t) => t.victim.key === w.key).forEach((t) => t.events.push(`${new Date(now).toISOString()} victim reported not-me: ${res.status}`));
    });
  };

  // ---- thieves --------------------------------------------------------------------------------------------
  const thieves: Thief[] = [];
  let victimCount = 0;
  const newThief = async (kind: string, i: number, device?: string): Promise<Thief> => {
    const id = `${kind}-${i}`;
    const rng = ctx.rngFor(`lm:thief:${id}`);
    const who = ctx.person(rng);
    const v = victimCount++;
    const acct = await openAccount(api, { bankCode: rng.pick(['0001', '9900']), holderNameKana: who.kanaAtBank, dateOfBirth: who.identity.dateOfBirth, holderPhone: ctx.phone('90', v), balance: rng.int(5, 30) * 100_000 });
    const t: Thief = { id, kind, rng, victim: { ...acct, key: `${acct.bankCode}-${acct.accountNumber}` }, device: device ?? `lm-${id}-phone`, amount: 0, done: false, seq: 0, events: [] };
    thieves.push(t);
    (t as Thief & { identity: Identity }).identity = who.identity;
    return t;
  };

  /** eKYC in the victim's name, phished PIN and bank code, the thief's own phone as the wallet phone. */
  const thiefLinks = async (t: Thief) => {
    try {
      const i = thieves.indexOf(t);
      t.wallet = await register(api, `lm-${ctx.runTag}-t${i}@example.net`, ctx.phone('70', i), t.device);
      await verifyPhone(api, t.wallet);
      await ekyc(api, t.wallet, (t as Thief & { identity: Identity }).identity);
      const created = await api.must<{ linkId: string; authorizationUrl: string }>(201, 'POST', '/v1/me/bank-links', { token: t.wallet.token, body: { bankCode: t.victim.bankCode, branchCode: t.victim.branchCode, accountNumber: t.victim.accountNumber } });
      const request = requestOf(created.authorizationUrl);
      await api.must(200, 'POST', '/local/bank/authorize/start', { body: { request, pin: t.victim.pin } });
      const otp = await smsCode(api, t.victim.holderPhone, 'bankOtp'); // relayed by the victim on the phone
      const { authorizationCode } = await api.must<{ authorizationCode: string }>(200, 'POST', '/local/bank/authorize/complete', { body: { request, otp } });
      const auth = await api.call('POST', `/v1/me/bank-links/${created.linkId}/authorization`, { token: t.wallet.token, body: { authorizationCode } });
      if (auth.status !== 200) return void stopThief(t, `link authorization ${auth.status} ${auth.body?.error?.code}`);
      const code = await smsCode(api, t.wallet.phone, 'link');
      const confirmed = await api.call('POST', `/v1/me/bank-links/${created.linkId}/confirmation`, { token: t.wallet.token, body: { code } });
      if (confirmed.status !== 200) return void stopThief(t, `link confirmation ${confirmed.status} ${confirmed.body?.error?.code}`);
      t.linkId = created.linkId;
      t.linkNotifiedAt = await api.now();
      t.events.push(`${new Date(t.linkNotifiedAt).toISOString()} linked`);
      watch(t.victim.key, t.victim.holderPhone);
    } catch (e) {
      stopThief(t, `error while linking: ${(e as Error).message.slice(0, 200)}`);
    }
  };
  const stopThief = (t: Thief, why: string) => {
    t.done = true;
    t.stoppedBy ??= why;
    t.events.push(`${new Date(now).toISOString()} stopped: ${why}`);
  };

  /** One charge by a thief; returns what he makes of the answer. */
  const thiefCharge = async (t: Thief, amount: number): Promise<AttackResult> => {
    if (!t.wallet || !t.linkId) return 'DECLINED';
    const actor: ChargeActor = { wallet: t.wallet, linkId: t.linkId, deviceId: t.device, holderPhone: t.victim.holderPhone, mayEnterCode: (d) => canEnterCode('thief', d, t.rng, P.rephishChance) };
    const c = await requestCharge(api, actor, amount, `${ctx.runTag}-lm-${t.id}-${t.seq++}`, { honest: false, counted: true, requestedAt: now, victim: t.victim.key, linkNotifiedAt: t.linkNotifiedAt, tags: [t.kind] });
    charges.push(c);
    const result = attackResultOf(c.reading, { codeEntered: c.codeEntered, afterCode: c.afterCode });
    if (result === 'REVIEW') reviewer.queue.push({ chargeId: c.reading.chargeId!, key: `lm:${t.id}:${t.seq}`, honest: false, record: c, after: (ok) => !ok && stopThief(t, 'the reviewer rejected and froze the wallet') });
    t.events.push(`${new Date(now).toISOString()} ${amount} → ${result}${c.reading.refusal ? ` ${c.reading.refusal}` : ''}${c.decisionReasons?.length ? ` ${c.decisionReasons.join('+')}` : ''}`);
    return result;
  };

  // ---- the schedule of the month --------------------------------------------------------------------------
  const { due, at } = tickSchedule(TICKS);
  let tick = 0;
  const awake = (t: number, rng: Rng) => (t % 24 < 7 ? t - (t % 24) + 7 + rng.int(0, 4) : t);
  const nextMorning = (t: number) => t - (t % 24) + 24 + 8;

  /** The adaptive drain: keep what works, halve after what does not, until `untilTick` or nothing works. */
  const drain = (t: Thief, startAmount: number, everyHours: number, untilTick: number, maxCharges = 30) => {
    t.amount = startAmount;
    let made = 0;
    const step = async () => {
      if (t.done || tick > untilTick || made >= maxCharges) return;
      made++;
      const result = await thiefCharge(t, t.amount);
      if (result === 'FROZEN') return stopThief(t, 'wallet frozen');
      if (result === 'LIMIT' && t.amount <= 1000) return stopThief(t, 'limits');
      const next = nextAttackAmount(t.amount, result);
      if (next === undefined) return stopThief(t, `gave up after ${result}`);
      t.amount = next;
      at(tick + Math.max(everyHours, attackPauseHours(result, nextMorning(tick) - tick)), step);
    };
    return step(); // this tick's steps are already running: the first charge goes now
  };

  // ---- the past: cohorts linked 35–400 days before the month, with a few charges each ------------------------
  const stopsDaysBefore = [...Array.from({ length: 37 }, (_, i) => 400 - i * 10), 35, 28, 21, 14, 7, 3];
  const history = users.filter((u) => !u.joiner);
  const linkStop = new Map<User, number>();
  for (const u of history) {
    const age = u.rng.int(35, 400);
    const stop = stopsDaysBefore.filter((d) => d >= 35).reduce((best, d) => (Math.abs(d - age) < Math.abs(best - age) ? d : best), 400);
    linkStop.set(u, stop);
  }
  // Which later stops each history user charges at: 3 to 6 of them (their link's history).
  const chargeStops = new Map<User, Set<number>>();
  for (const u of history) {
    const later = stopsDaysBefore.filter((d) => d < linkStop.get(u)!);
    const k = Math.min(later.length, u.rng.int(3, 6));
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(later[u.rng.int(0, later.length - 1)]);
    chargeStops.set(u, chosen);
  }

  // Sleepers that must link before the month starts (31 and 45 days), and their drain days in the month.
  const sleepersPast: { t: Thief; sleepDays: number; drainDay: number }[] = [];
  for (const [sleepDays, n] of [[31, 3], [45, 3]] as const) {
    for (let i = 0; i < n; i++) {
      const t = await newThief(`sleeper-${sleepDays}d`, i);
      sleepersPast.push({ t, sleepDays, drainDay: t.rng.int(2, 20) });
    }
  }
  const sleeperLinkStop = (s: { sleepDays: number; drainDay: number }) => {
    const want = s.sleepDays - s.drainDay; // days before the month
    return stopsDaysBefore.reduce((best, d) => (Math.abs(d - want) < Math.abs(best - want) ? d : best), 400);
  };

  const started = Date.now();
  const bar = new Progress('live-month past', stopsDaysBefore.length);
  for (const d of stopsDaysBefore) {
    await moveTo(monthStart - d * DAY + 10 * HOUR);
    const linking = history.filter((u) => linkStop.get(u) === d);
    await pool(linking, P.concurrency, onboard);
    const charging = history.filter((u) => chargeStops.get(u)!.has(d));
    await pool(charging, P.concurrency, async (u) => void (await honestCharge(u, false)));
    for (const s of sleepersPast) {
      if (sleeperLinkStop(s) === d) await thiefLinks(s.t);
      // Three small debits while sleeping, so the link has the history of a harmless one.
      else if (s.t.linkId && !s.t.done && d < sleeperLinkStop(s) && s.t.seq < 3) {
        const r = await thiefCharge(s.t, s.t.rng.int(1, 3) * 1000);
        if (r === 'FROZEN') stopThief(s.t, 'wallet frozen while sleeping');
      }
    }
    await victimsAct();
    await reviewer.run();
    bar.tick(1, `linked ${counters.onboarded}, history charges ${counters.historyCharges}`);
  }
  bar.finish();
  const pastSeconds = (Date.now() - started) / 1000;
  ctx.log(`live-month: the past took ${pastSeconds.toFixed(0)} s (${counters.onboarded} links, ${counters.historyCharges} history charges)`);

  // ---- the month -------------------------------------------------------------------------------------------
  const scheduleNext = (u: User, from: number, first = false) => {
    const hours = first ? u.rng.int(1, 6) : Math.max(2, Math.round(u.rng.exponential(u.meanDaysBetween * 24)));
    at(awake(from + hours, u.rng), async () => {
      const c = await honestCharge(u, true);
      if (c && c.reading.answer === 'CODE' && !c.codeEntered && c.codeTo !== undefined) {
        // Abandoned the code (a call came in, the phone was elsewhere): tries again a little later.
        const amount = c.amount;
        at(tick + u.rng.int(1, 3), async () => void (await honestCharge(u, true, amount, true)));
      }
      scheduleNext(u, tick);
    });
  };
  for (const u of history) if (u.wallet) scheduleNext(u, 0);
  for (const u of users.filter((x) => x.joiner)) {
    at(awake(u.rng.int(0, TICKS - 72), u.rng), async () => {
      await onboard(u);
      if (u.wallet) scheduleNext(u, tick, true);
    });
  }
  // Second links, re-links and abandoned links among the established users.
  for (const u of history) {
    const r = u.rng.next();
    if (r < P.secondLinkShare) {
      at(awake(u.rng.int(0, TICKS - 48), u.rng), async () => {
        if (!u.wallet) return;
        try {
          const acct = await openAccount(api, { bankCode: u.rng.pick(['0001', '9900']), holderNameKana: u.kanaAtBank!, dateOfBirth: u.identity!.dateOfBirth, holderPhone: u.account!.holderPhone, balance: 1_000_000 });
          u.linkId = await linkOwnAccount(api, u.wallet, acct); // the next charges come from the new account
          u.account = acct;
          counters.secondLinks++;
        } catch (e) {
          failSoft(`second link u${u.index}`, e);
        }
      });
    } else if (r < P.secondLinkShare + P.relinkShare) {
      at(awake(u.rng.int(0, TICKS - 48), u.rng), async () => {
        if (!u.wallet) return;
        try {
          await api.must(204, 'DELETE', `/v1/me/bank-links/${u.linkId}`, { token: u.wallet.token });
          u.linkId = await linkOwnAccount(api, u.wallet, u.account!);
          counters.relinks++;
        } catch (e) {
          failSoft(`re-link u${u.index}`, e);
        }
      });
    } else if (r < P.secondLinkShare + P.relinkShare + P.abandonLinkShare) {
      at(awake(u.rng.int(0, TICKS - 48), u.rng), async () => {
        if (!u.wallet) return;
        try {
          // Starts linking another account and never types the bank's code.
          const acct = await openAccount(api, { bankCode: '0001', holderNameKana: u.kanaAtBank!, dateOfBirth: u.identity!.dateOfBirth, holderPhone: u.account!.holderPhone, balance: 100_000 });
          const created = await api.must<{ authorizationUrl: string }>(201, 'POST', '/v1/me/bank-links', { token: u.wallet.token, body: { bankCode: acct.bankCode, branchCode: acct.branchCode, accountNumber: acct.accountNumber } });
          await api.must(200, 'POST', '/local/bank/authorize/start', { body: { request: requestOf(created.authorizationUrl), pin: acct.pin } });
          counters.abandonedLinks++;
        } catch (e) {
          failSoft(`abandoned link u${u.index}`, e);
        }
      });
    }
  }

  // Thieves of the month.
  const thiefStart = (rng: Rng, lastTick: number) => awake(rng.int(0, Math.max(0, lastTick)), rng);
  for (let i = 0; i < 6; i++) {
    const t = await newThief('adaptive-quick', i);
    at(thiefStart(t.rng, TICKS - 96), async () => {
      await thiefLinks(t);
      if (t.linkId) await drain(t, 49_000, 1, tick + 72);
    });
  }
  for (let i = 0; i < 4; i++) {
    const t = await newThief('many-small', i);
    at(thiefStart(t.rng, TICKS - 120), async () => {
      await thiefLinks(t);
      if (t.linkId) await drain(t, 9_000, 2, tick + 96, 40);
    });
  }
  for (const sleepDays of [4, 8]) {
    for (let i = 0; i < 3; i++) {
      const t = await newThief(`sleeper-${sleepDays}d`, i);
      at(thiefStart(t.rng, TICKS - sleepDays * 24 - 48), async () => {
        await thiefLinks(t);
        if (!t.linkId) return;
        await thiefCharge(t, 3_000);
        const wake = tick + sleepDays * 24;
        at(wake, async () => drain(t, 49_000, 1, wake + 48));
      });
    }
  }
  for (const s of sleepersPast) {
    const wake = awake(s.drainDay * 24 + 10, s.t.rng);
    at(wake, async () => {
      if (s.t.linkId && !s.t.done) await drain(s.t, 99_000, 1, wake + 48);
    });
  }
  // One operator behind several victims' wallets; half the operators send one device id from all of them.
  for (let op = 0; op < 2; op++) {
    const shareDevice = ctx.rngFor(`lm:operator:${op}`).chance(0.5);
    const start = awake(ctx.rngFor(`lm:operator-start:${op}`).int(0, TICKS - 120), ctx.rngFor(`lm:operator-awake:${op}`));
    for (let k = 0; k < 4; k++) {
      const t = await newThief(`operator-${op}`, k, shareDevice ? `lm-operator-${op}-phone` : undefined);
      at(start + k * 6, async () => {
        await thiefLinks(t);
        if (t.linkId) await drain(t, 29_000, 2, tick + 72);
      });
    }
  }

  const monthStarted = Date.now();
  await moveTo(tickTime(0));
  const monthBar = new Progress('live-month', TICKS);
  for (tick = 0; tick < TICKS; tick++) {
    const steps = due.get(tick) ?? [];
    due.delete(tick);
    await pool(steps, P.concurrency, (s) => s().catch((e) => failSoft(`tick ${tick}`, e)));
    if (tick % 3 === 0) await victimsAct();
    await reviewer.run();
    monthBar.tick(1, `day ${Math.floor(tick / 24) + 1} · honest charges ${charges.filter((c) => c.honest && c.counted).length} · thief charges ${charges.filter((c) => !c.honest).length}`);
    await moveTo(tickTime(tick + 1));
  }
  monthBar.finish();
  // Holds still waiting at the end of the month run out their window (nobody acts any more).
  await moveTo(now + (ctx.holderWindowHours + 1) * HOUR);
  await victimsAct();
  const monthSeconds = (Date.now() - monthStarted) / 1000;

  // ---- what became of every charge --------------------------------------------------------------------------
  const byCharge = new Map<string, { wallet: Wallet }>();
  for (const u of users) for (const id of u.chargeIds) byCharge.set(id, { wallet: u.wallet! });
  for (const t of thieves) for (const c of charges.filter((x) => !x.honest && x.victim === t.victim.key && x.reading.chargeId)) byCharge.set(c.reading.chargeId!, { wallet: t.wallet! });
  await pool(charges.filter((c) => c.reading.chargeId && (c.counted || !c.honest) && c.reading.answer !== 'COMPLETED'), P.concurrency, async (c) => {
    c.finalStatus = await settledStatus(api, byCharge.get(c.reading.chargeId!)!.wallet, c.reading.chargeId!);
  });
  const joiners = users.filter((u) => u.joiner && u.wallet);
  const credited = new Map<string, number>();
  await pool([...joiners.map((u) => u.wallet!), ...thieves.filter((t) => t.wallet).map((t) => t.wallet!)], P.concurrency, async (w) => {
    for (const [id, at2] of await creditTimes(api, w)) credited.set(id, at2);
  });
  for (const c of charges) if (c.reading.chargeId && credited.has(c.reading.chargeId)) c.creditedAt = credited.get(c.reading.chargeId);
  const firstMoney = joiners.filter((u) => u.firstAsk !== undefined).map((u) => {
    const times = u.chargeIds.map((id) => credited.get(id)).filter((x): x is number => x !== undefined);
    return { requestedAt: u.firstAsk!, creditedAt: times.length ? Math.min(...times) : undefined };
  });

  const metrics = scenarioMetrics({ charges, victims: thieves.map((t) => t.victim.key), holderWindowHours: ctx.holderWindowHours, firstMoney });
  const kinds = [...new Set(thieves.map((t) => t.kind))];
  const lostOf = (t: Thief) => charges.filter((c) => !c.honest && c.victim === t.victim.key && c.finalStatus === 'COMPLETED' && c.review !== 'APPROVED').reduce((s, c) => s + c.amount, 0);
  const history2 = charges.filter((c) => c.honest && !c.counted);
  return {
    metrics,
    details: {
      parameters: P,
      timing: { pastSeconds: Math.round(pastSeconds), monthSeconds: Math.round(monthSeconds) },
      honest: {
        users: P.users, joiners: users.filter((u) => u.joiner).length, ...counters,
        monthCharges: metrics.legitCharges,
        historyCharges: history2.length,
        historyHeldPct: history2.length ? Math.round((10000 * history2.filter((c) => c.reading.answer === 'HELD').length) / history2.length) / 100 : 0,
        historyChallengedPct: history2.length ? Math.round((10000 * history2.filter((c) => c.reading.answer === 'CODE').length) / history2.length) / 100 : 0,
        monthOutcomes: countBy(charges.filter((c) => c.honest && c.counted), (c) => c.outcome ?? c.reading.answer),
        monthRefusals: countBy(charges.filter((c) => c.honest && c.counted && c.reading.refusal), (c) => `${c.reading.refusal} ${c.reading.reasons.join('+')}`),
        notCompleted: countBy(charges.filter((c) => c.honest && c.counted && c.finalStatus && c.finalStatus !== 'COMPLETED'), (c) => c.finalStatus!),
      },
      attackers: {
        byKind: Object.fromEntries(kinds.map((k) => {
          const ts = thieves.filter((t) => t.kind === k);
          return [k, { thieves: ts.length, linked: ts.filter((t) => t.linkId).length, yenWithoutHumanDecision: ts.reduce((s, t) => s + lostOf(t), 0), maxPerVictim: Math.max(0, ...ts.map(lostOf)) }];
        })),
        victimsReporting: watches.filter((w) => w.reportedAt !== undefined).length,
        victimsNeverReading: watches.filter((w) => !w.reads).length,
        detail: thieves.map((t) => ({ id: t.id, yenWithoutHumanDecision: lostOf(t), stoppedBy: t.stoppedBy, events: t.events.slice(0, 40) })),
      },
      reviewer: reviewer.log,
      errors,
    },
  };
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}
