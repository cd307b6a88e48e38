/**
 * `npm run simulate`: a seeded population of honest users and attackers replaying the
 * 2020 playbook (and its variations) against the running service, over HTTP only.
 * It counts which layer stopped each attack attempt, the yen that reached attackers'
 * wallets with and without a human having approved it, and the friction honest users
 * met. Starts its own local stack unless ANSHIN_URL is set.
 *
 * Time: the stack's clock moves in one-hour ticks (POST /local/clock), aligned to
 * midnight JST, so velocity, wallet-age, link-age and daily limits behave as they
 * would over days. Everything an actor does inside a tick happens within minutes of
 * simulated time, so SMS codes stay valid.
 *
 * Reproducible: every choice comes from a seeded PRNG, keyed per actor (and per review),
 * so concurrency inside a tick does not change outcomes. Knobs (environment):
 *   SIM_SEED (2020)            the population and every choice
 *   SIM_HONEST (200)           honest users
 *   SIM_DAYS (14)              simulated days
 *   SIM_REVIEWER_CATCH (0.9)   chance the reviewer rejects an attacker's charge
 *   SIM_VICTIM_REPORT (0.5)    chance a victim acts on the bank's "linked" notice (not-me)
 *   SIM_VICTIM_DELAY_H (24)    mean hours before such a victim reports
 *   SIM_CONCURRENCY (8)        actors acting at once within a tick
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  Api, charge, chargeView, codeOf, decideReview, ekyc, linkOwnAccount, notMeToken, openAccount, openReviews, opsToken, register, requestOf, smsCode,
  verifyPhone, PASSWORD, type BankAccount, type Identity, type Wallet,
} from './lib/api';
import { Rng } from './lib/prng';
import { Progress } from './lib/progress';
import { creditTimes, requestCharge, secondStaff, Reviewer } from './lib/sim-actors';
import { liveMonthParams, runLiveMonth } from './lib/sim-live-month';
import { attackResultOf, canEnterCode, ruleAt, scaleYenThresholds, scenarioMetrics, type ChargeRecord, tickSchedule, type ScenarioMetrics } from './lib/sim-model';
import { renderLossFriction } from './lib/svg';
import { REPO_ROOT, startOrAttach } from './lib/stack';
import { RISK_POLICY } from '../functions/domain/policy';
import { pool, round, table } from './lib/stats';
import { renderChart } from './lib/svg';

const num = (name: string, fallback: number) => (process.env[name] !== undefined ? Number(process.env[name]) : fallback);
const P = {
  seed: num('SIM_SEED', 2020),
  honestUsers: num('SIM_HONEST', 200),
  days: num('SIM_DAYS', 14),
  reviewerCatchRate: num('SIM_REVIEWER_CATCH', 0.9),
  victimReportRate: num('SIM_VICTIM_REPORT', 0.5),
  victimReportMeanHours: num('SIM_VICTIM_DELAY_H', 24),
  concurrency: num('SIM_CONCURRENCY', 8),
  /** Chance an honest charge comes from a phone the user has not used before. */
  newDeviceRate: 0.02,
  /** Share of victims in the reverse brute force whose PIN is the one the attacker tries. */
  commonPinShare: 0.1,
  /** Chance an identity thief phishes the victim again, live, for a code the bank sent to the victim's phone. */
  rephishChance: num('SIM_REPHISH', 0.2),
};
const TICKS = P.days * 24;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A PRNG for one key, independent of the order in which keys are used. */
const rngFor = (key: string) => new Rng(createHash('sha256').update(`${P.seed}:${key}`).digest().readUInt32LE(0));

// ---------------------------------------------------------------------------------------------
// Layers and bookkeeping

const LAYERS = [
  'KYC_REQUIRED', 'BANK_PIN', 'BANK_OTP', 'HOLDER_MISMATCH', 'WALLET_FREEZE', 'ACCOUNT_LOCK', 'SMS_CHALLENGE', 'HOLDER_CHANNEL', 'HUMAN_REVIEW', 'LIMITS',
  'NOT_STOPPED_REVIEWER_APPROVED', 'NOT_STOPPED', 'UNRESOLVED',
] as const;
type Layer = (typeof LAYERS)[number];

/** The layer an API refusal belongs to. */
function layerOfCode(code: string | undefined, status: number): Layer | undefined {
  switch (code) {
    case 'KYC_REQUIRED': return 'KYC_REQUIRED';
    case 'HOLDER_MISMATCH': return 'HOLDER_MISMATCH';
    case 'ACCOUNT_FROZEN': return 'WALLET_FREEZE';
    case 'BANK_ACCOUNT_LOCKED': return 'ACCOUNT_LOCK';
    case 'BANK_AUTHORIZATION_FAILED': return 'BANK_OTP';
    case 'LIMIT_EXCEEDED': case 'RATE_LIMITED': case 'TOO_MANY_ATTEMPTS': return 'LIMITS';
    default: return status === 429 ? 'LIMITS' : undefined;
  }
}

interface AttackCharge {
  chargeId: string;
  amount: number;
  outcome?: string;
  reasons?: string[];
  review?: 'APPROVED' | 'REJECTED';
  finalStatus?: string;
  rec?: ChargeRecord;
}

interface Attempt {
  id: string;
  kind: string;
  description: string;
  startTick: number;
  wallet?: Wallet;
  linkId?: string;
  victim?: Victim;
  rng: Rng;
  stoppedBy?: Layer;
  events: string[];
  charges: AttackCharge[];
  /** Charge requests made (each with its own Idempotency-Key). */
  requests: number;
  done: boolean;
  victimReportedAtTick?: number;
  /** When the bank's "linked" notice went out (epoch ms of the service clock). */
  linkNotifiedAt?: number;
}

interface Victim {
  account: BankAccount;
  identity: Identity;
  kanaAtBank: string;
}

interface HonestCharge {
  user: number;
  amount: number;
  outcome: 'ALLOW' | 'HOLD' | 'CHALLENGE' | 'REVIEW' | 'DENY' | 'ERROR';
  rec?: ChargeRecord;
  reasons: string[];
  code?: string;
  chargeId?: string;
  firstOnLink: boolean;
  newDevice: boolean;
  finalStatus?: string;
}

interface HonestUser {
  index: number;
  rng: Rng;
  signupTick: number;
  meanHoursBetweenCharges: number;
  wallet?: Wallet;
  linkId?: string;
  device: string;
  devices: number;
  charged: boolean;
  seq: number;
  firstAsk?: number;
  chargeIds: string[];
}

interface PendingReview {
  chargeId: string;
  key: string;
  honest: boolean;
  attempt?: Attempt;
  charge?: AttackCharge;
  after?: (approved: boolean) => void;
  record?: ChargeRecord;
}

// Names as eKYC reads them (full-width) and as a bank stores them (half-width, Zengin).
const NAMES: [string, string, string][] = [
  ['山田 太郎', 'ヤマダ タロウ', 'ﾔﾏﾀﾞ ﾀﾛｳ'], ['佐藤 花子', 'サトウ ハナコ', 'ｻﾄｳ ﾊﾅｺ'], ['鈴木 一郎', 'スズキ イチロウ', 'ｽｽﾞｷ ｲﾁﾛｳ'],
  ['田中 裕子', 'タナカ ユウコ', 'ﾀﾅｶ ﾕｳｺ'], ['渡辺 健', 'ワタナベ ケン', 'ﾜﾀﾅﾍﾞ ｹﾝ'], ['伊藤 美咲', 'イトウ ミサキ', 'ｲﾄｳ ﾐｻｷ'],
  ['中村 翔', 'ナカムラ ショウ', 'ﾅｶﾑﾗ ｼｮｳ'], ['小林 愛', 'コバヤシ アイ', 'ｺﾊﾞﾔｼ ｱｲ'], ['加藤 涼', 'カトウ リョウ', 'ｶﾄｳ ﾘｮｳ'],
  ['吉田 舞', 'ヨシダ マイ', 'ﾖｼﾀﾞ ﾏｲ'], ['山本 大輔', 'ヤマモト ダイスケ', 'ﾔﾏﾓﾄ ﾀﾞｲｽｹ'], ['松本 由美', 'マツモト ユミ', 'ﾏﾂﾓﾄ ﾕﾐ'],
];

function person(rng: Rng): { identity: Identity; kanaAtBank: string } {
  const [fullName, fullNameKana, kanaAtBank] = rng.pick(NAMES);
  const dob = new Date(Date.UTC(1945 + rng.int(0, 60), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10);
  return { identity: { fullName, fullNameKana, dateOfBirth: dob }, kanaAtBank };
}

/** Top-up sizes: mostly small, a few large (yen, whole thousands). */
function honestAmount(rng: Rng): number {
  const r = rng.next();
  const k = r < 0.45 ? rng.int(1, 5) : r < 0.75 ? rng.int(5, 10) : r < 0.92 ? rng.int(10, 29) : r < 0.98 ? rng.int(30, 49) : rng.int(50, 100);
  return k * 1000;
}

/** 08:00 JST of the next day. */
const nextMorning = (tick: number) => tick - (tick % 24) + 24 + 8;

/** Pushes a tick into waking hours (07:00-23:00 JST); tick 0 is midnight JST. */
const awake = (tick: number, rng: Rng) => (tick % 24 < 7 ? tick - (tick % 24) + 7 + rng.int(0, 4) : tick);

// ---------------------------------------------------------------------------------------------

interface RunCtx {
  api: Api;
  ops: string;
  /** A second member of staff, for four-eyes approvals. */
  second?: string;
  runTag: string;
  phone: (prefix: string, i: number) => string;
  holderWindowHours: number;
  reportsDir: string;
}

interface ScenarioRun {
  metrics: ScenarioMetrics;
  details: Record<string, unknown>;
  text: string;
}

const victimKey = (a: BankAccount) => `${a.bankCode}-${a.accountNumber}`;

/** Today's scenario (`default`): 200 honest users joining over 14 days, the 2020 playbook and its variations. */
async function runDefault(ctx: RunCtx): Promise<ScenarioRun> {
  const started = Date.now();
  const { api, ops, runTag, phone, reportsDir } = ctx;
  const loadBefore = loadavg();
  const allCharges: ChargeRecord[] = [];

  log(`default: seed ${P.seed}, ${P.honestUsers} honest users, ${P.days} days, reviewer catches ${P.reviewerCatchRate * 100} %, victims report ${P.victimReportRate * 100} %`);

  // The clock starts at the next midnight JST, so tick % 24 is the hour of the day in Japan.
  const now = await api.now();
  const jstMidnight = Math.ceil((now + 9 * 3600_000) / 86_400_000) * 86_400_000 - 9 * 3600_000;
  await api.advance(Math.ceil((jstMidnight - now) / 1000) + 1);
  const simStart = jstMidnight + 1000;
  /** The service's time at the current tick (the clock moves an hour a tick). */
  const simNow = () => simStart + currentTick * 3600_000;

  const { due, at } = tickSchedule(TICKS);
  let currentTick = 0;
  const reviews: PendingReview[] = [];
  const reviewLog = { honestApproved: 0, attackerRejected: 0, attackerApproved: 0, vanished: 0 };
  const errors: string[] = [];
  const failSoft = (where: string, e: unknown) => {
    if (errors.length < 50) errors.push(`${where}: ${(e as Error).message.slice(0, 300)}`);
  };

  {
    // ---- honest users ----------------------------------------------------------------------
    const honest: HonestUser[] = Array.from({ length: P.honestUsers }, (_, index) => {
      const rng = rngFor(`honest:${index}`);
      // A third join in the first two days, the rest over the first two thirds of the period.
      const signupTick = rng.chance(0.33) ? rng.int(0, 47) : rng.int(48, Math.max(48, Math.floor(TICKS * 0.66)));
      return { index, rng, signupTick: awake(signupTick, rng), meanHoursBetweenCharges: rng.int(36, 168), device: `h${index}-d0`, devices: 0, charged: false, seq: 0, chargeIds: [] };
    });
    const honestCharges: HonestCharge[] = [];
    let onboarded = 0;
    const onboardingFailures: string[] = [];

    const scheduleNextCharge = (u: HonestUser, from: number, first = false) => {
      const hours = first ? u.rng.int(1, 6) : Math.max(1, Math.round(u.rng.exponential(u.meanHoursBetweenCharges)));
      at(awake(from + hours, u.rng), () => honestCharge(u));
    };

    const honestSignup = async (u: HonestUser) => {
      try {
        const who = person(u.rng);
        const w = await register(api, `sim-${runTag}-h${u.index}@example.com`, phone('80', u.index), u.device);
        await verifyPhone(api, w);
        await ekyc(api, w, who.identity);
        const account = await openAccount(api, { bankCode: u.rng.pick(['0001', '9900']), holderNameKana: who.kanaAtBank, dateOfBirth: who.identity.dateOfBirth, holderPhone: w.phone, balance: u.rng.int(2, 30) * 100_000 });
        u.linkId = await linkOwnAccount(api, w, account);
        u.wallet = w;
        onboarded++;
        scheduleNextCharge(u, currentTick, true);
      } catch (e) {
        onboardingFailures.push(`user ${u.index}: ${(e as Error).message.slice(0, 200)}`);
      }
    };

    const honestCharge = async (u: HonestUser) => {
      const w = u.wallet!;
      let newDevice = false;
      if (u.charged && u.rng.chance(P.newDeviceRate)) {
        u.device = `h${u.index}-d${++u.devices}`;
        newDevice = true;
      }
      const amount = honestAmount(u.rng);
      const record: HonestCharge = { user: u.index, amount, outcome: 'ERROR', reasons: [], firstOnLink: !u.charged, newDevice };
      honestCharges.push(record);
      u.firstAsk ??= simNow();
      try {
        // An honest user owns the wallet phone and the bank phone (here the same): every code is typed.
        const c = await requestCharge(api, { wallet: w, linkId: u.linkId!, deviceId: u.device, holderPhone: w.phone, mayEnterCode: () => true }, amount, `${runTag}-h${u.index}-${u.seq++}`, {
          honest: true, counted: true, requestedAt: simNow(),
        });
        allCharges.push(c);
        record.rec = c;
        record.chargeId = c.reading.chargeId;
        if (c.reading.chargeId) u.chargeIds.push(c.reading.chargeId);
        record.reasons = c.decisionReasons ?? c.reading.reasons;
        record.code = c.reading.refusal;
        record.outcome = c.reading.answer === 'COMPLETED' ? 'ALLOW' : c.reading.answer === 'REFUSED' ? 'DENY' : c.reading.answer === 'ERROR' ? 'ERROR' : ((c.outcome ?? 'CHALLENGE') as HonestCharge['outcome']);
        if (c.reading.answer === 'COMPLETED') record.finalStatus = 'COMPLETED';
        if (c.afterCode?.startsWith('HTTP_')) throw new Error(`confirmation ${c.afterCode}`);
        if (c.afterCode === 'PENDING_REVIEW') reviews.push({ chargeId: c.reading.chargeId!, key: `h${u.index}:${u.seq}`, honest: true, record: c });
        u.charged ||= record.outcome !== 'DENY';
      } catch (e) {
        failSoft(`honest ${u.index}`, e);
      }
      scheduleNextCharge(u, currentTick);
    };

    for (const u of honest) at(u.signupTick, () => honestSignup(u));

    // ---- victims and attackers ---------------------------------------------------------------
    let victimCount = 0;
    let attackerCount = 0;
    const attempts: Attempt[] = [];

    const newVictim = async (rng: Rng): Promise<Victim> => {
      const who = person(rng);
      const i = victimCount++;
      const account = await openAccount(api, { bankCode: rng.pick(['0001', '9900']), holderNameKana: who.kanaAtBank, dateOfBirth: who.identity.dateOfBirth, holderPhone: phone('90', i), balance: rng.int(3, 30) * 100_000 });
      return { account, identity: who.identity, kanaAtBank: who.kanaAtBank };
    };

    const newAttackerWallet = async (a: Attempt, o: { ekyc?: Identity; ekycResult?: 'APPROVED' | 'REJECTED' }): Promise<Wallet> => {
      const i = attackerCount++;
      const w = await register(api, `sim-${runTag}-a${i}@example.net`, phone('70', i), `${a.id}-phone`);
      await verifyPhone(api, w);
      if (o.ekyc) await ekyc(api, w, o.ekyc, o.ekycResult ?? 'APPROVED');
      return w;
    };

    /** The attacker's own (or a mule's) identity: real, verified, and not the victim. */
    const attackerIdentity = (a: Attempt) => person(a.rng).identity;

    const stop = (a: Attempt, layer: Layer, why: string) => {
      if (!a.stoppedBy) a.stoppedBy = layer;
      a.events.push(`t${currentTick} ${layer}: ${why}`);
      a.done = true;
    };

    /**
     * A link attempt on a victim's account. `pin` is what the attacker types at the bank;
     * `otp` is 'phished' (relayed from the victim in real time) or 'guess' (three tries);
     * `noisy` attackers hand the wallet a made-up authorization code when the bank refused them.
     */
    const attemptLink = async (a: Attempt, w: Wallet, v: Victim, o: { pin: string; otp: 'phished' | 'guess'; noisy?: boolean }): Promise<string | undefined> => {
      const acct = v.account;
      const created = await api.call('POST', '/v1/me/bank-links', { token: w.token, body: { bankCode: acct.bankCode, branchCode: acct.branchCode, accountNumber: acct.accountNumber } });
      if (created.status !== 201) {
        stop(a, layerOfCode(codeOf(created), created.status) ?? 'LIMITS', `link refused ${created.status} ${codeOf(created)}`);
        return undefined;
      }
      const { linkId, authorizationUrl } = created.body as { linkId: string; authorizationUrl: string };
      const request = requestOf(authorizationUrl);
      const pinStep = await api.call('POST', '/local/bank/authorize/start', { body: { request, pin: o.pin } });
      let authorizationCode: string | undefined;
      let bankLayer: Layer | undefined;
      if (pinStep.status !== 200) bankLayer = 'BANK_PIN';
      else if (o.otp === 'phished') {
        const otp = await smsCode(api, acct.holderPhone, 'bankOtp');
        const done = await api.call('POST', '/local/bank/authorize/complete', { body: { request, otp } });
        if (done.status === 200) authorizationCode = done.body.authorizationCode;
        else bankLayer = 'BANK_OTP';
      } else {
        for (let i = 0; i < 3 && !authorizationCode; i++) {
          const done = await api.call('POST', '/local/bank/authorize/complete', { body: { request, otp: a.rng.digits(6) } });
          if (done.status === 200) authorizationCode = done.body.authorizationCode;
        }
        if (!authorizationCode) bankLayer = 'BANK_OTP';
      }
      if (!authorizationCode) {
        if (o.noisy) {
          const fake = await api.call('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: w.token, body: { authorizationCode: randomBytes(16).toString('hex') } });
          a.events.push(`t${currentTick} made-up authorization code: ${fake.status} ${codeOf(fake)}`);
        }
        stop(a, bankLayer!, bankLayer === 'BANK_PIN' ? 'wrong PIN at the bank' : 'the one-time code went to the holder\'s phone');
        return undefined;
      }
      const auth = await api.call('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: w.token, body: { authorizationCode } });
      if (auth.status !== 200) {
        stop(a, layerOfCode(codeOf(auth), auth.status) ?? 'HOLDER_MISMATCH', `authorization ${auth.status} ${codeOf(auth)}`);
        return undefined;
      }
      const code = await smsCode(api, w.phone, 'link');
      const confirmed = await api.call('POST', `/v1/me/bank-links/${linkId}/confirmation`, { token: w.token, body: { code } });
      if (confirmed.status !== 200) {
        stop(a, layerOfCode(codeOf(confirmed), confirmed.status) ?? 'SMS_CHALLENGE', `link confirmation ${confirmed.status} ${codeOf(confirmed)}`);
        return undefined;
      }
      a.linkNotifiedAt = await api.now(); // the bank's "linked" notice goes out with the confirmation
      a.events.push(`t${currentTick} linked the victim's account`);
      return linkId;
    };

    /** The holder reads the bank's "your account was linked" SMS and, maybe, says "not me". */
    const maybeVictimReports = (a: Attempt) => {
      const r = rngFor(`victim:${a.id}`);
      if (!r.chance(P.victimReportRate)) return;
      const delay = Math.max(1, Math.round(r.exponential(P.victimReportMeanHours)));
      at(currentTick + delay, async () => {
        const token = await notMeToken(api, a.victim!.account.holderPhone);
        if (!token) return void a.events.push(`t${currentTick} victim found no not-me link`);
        const res = await api.call('POST', '/v1/reports/not-me', { body: { token } });
        a.victimReportedAtTick = currentTick;
        a.events.push(`t${currentTick} victim reported not-me: ${res.status} ${res.status === 200 ? JSON.stringify({ frozen: res.body.walletFrozen, cancelled: res.body.cancelledCharges?.length, claim: res.body.amount }) : codeOf(res)}`);
      });
    };

    /**
     * One charge by an attacker who holds the wallet's phone: codes to the wallet phone are typed, a
     * holder challenge (the bank's code to the victim's phone) only if he phishes the victim again;
     * holds wait for the clock, reviews for a human.
     */
    const attackerCharge = async (a: Attempt, amount: number, after?: (approved: boolean) => void): Promise<'DONE' | 'REVIEW' | 'FROZEN' | 'DAY_LIMIT' | 'LIMIT' | 'DECLINED'> => {
      const w = a.wallet!;
      const actor = { wallet: w, linkId: a.linkId!, deviceId: `${a.id}-phone`, holderPhone: a.victim?.account.holderPhone ?? w.phone, mayEnterCode: (d: 'WALLET' | 'HOLDER') => canEnterCode('thief', d, a.rng, P.rephishChance) };
      const rec = await requestCharge(api, actor, amount, `${runTag}-${a.id}-${a.requests++}`, {
        honest: false, counted: true, requestedAt: simNow(), victim: a.victim ? victimKey(a.victim.account) : a.id, linkNotifiedAt: a.linkNotifiedAt, tags: [a.kind],
      });
      allCharges.push(rec);
      const result = attackResultOf(rec.reading, { codeEntered: rec.codeEntered, afterCode: rec.afterCode });
      if (rec.reading.chargeId) {
        const c: AttackCharge = { chargeId: rec.reading.chargeId, amount, outcome: rec.outcome ?? (rec.reading.answer === 'COMPLETED' ? 'ALLOW' : undefined), reasons: rec.decisionReasons, rec };
        a.charges.push(c);
        if (result === 'REVIEW') reviews.push({ chargeId: c.chargeId, key: `${a.id}:${a.charges.length}`, honest: false, attempt: a, charge: c, after, record: rec });
      }
      if (result !== 'COMPLETED' && result !== 'REVIEW') a.events.push(`t${currentTick} charge of ${amount}: ${result} ${rec.reading.refusal ?? ''} ${JSON.stringify(rec.decisionReasons ?? rec.reading.reasons)}`);
      switch (result) {
        case 'COMPLETED': case 'HELD': return 'DONE';
        case 'REVIEW': return 'REVIEW';
        case 'FROZEN': return 'FROZEN';
        case 'DAY_LIMIT': case 'RATE_LIMITED': return 'DAY_LIMIT'; // waits: tomorrow, or until a hold or code clears
        case 'LIMIT': return 'LIMIT';
        default: return 'DECLINED';
      }
    };

    const attack = (kind: string, description: string, count: number, firstTick: number, lastTick: number, run: (a: Attempt) => Promise<void>) => {
      for (let i = 0; i < count; i++) {
        const id = `${kind}-${i}`;
        const rng = rngFor(`attack:${id}`);
        const a: Attempt = { id, kind, description, startTick: awake(rng.int(firstTick, lastTick), rng), rng, events: [], charges: [], requests: 0, done: false };
        attempts.push(a);
        at(a.startTick, async () => {
          try {
            await run(a);
          } catch (e) {
            failSoft(id, e);
            a.events.push(`error: ${(e as Error).message.slice(0, 200)}`);
          }
        });
      }
    };
    const early = 24;
    const late = Math.floor(TICKS * 0.6);

    // 1. Throwaway wallets, as in 2020: an email and a phone, no identity verification (or a failed one).
    attack('throwaway', 'new wallet without eKYC (or with a rejected eKYC) links a victim\'s account with a stolen PIN', 12, early, late, async (a) => {
      a.victim = await newVictim(a.rng);
      a.wallet = await newAttackerWallet(a, a.rng.chance(0.5) ? { ekyc: attackerIdentity(a), ekycResult: 'REJECTED' } : {});
      await attemptLink(a, a.wallet, a.victim, { pin: a.victim.account.pin, otp: 'guess', noisy: true });
    });

    // 2. Stolen PIN, no one-time code: the bank's code goes to the holder's phone. One wallet, five victims.
    attack('stolen-pin', 'verified mule wallet, victims\' real PINs, guesses the bank\'s one-time code, then tries a made-up authorization code', 2, early, late, async (lead) => {
      lead.wallet = await newAttackerWallet(lead, { ekyc: attackerIdentity(lead) });
      for (let k = 0; k < 5; k++) {
        const a: Attempt = k === 0 ? lead : { ...lead, id: `${lead.id}.${k}`, events: [], charges: [], requests: 0, done: false, stoppedBy: undefined };
        if (k > 0) attempts.push(a);
        a.victim = await newVictim(a.rng);
        await attemptLink(a, lead.wallet, a.victim, { pin: a.victim.account.pin, otp: 'guess', noisy: true });
      }
    });

    // 3. Phished PIN and one-time code, but the wallet's eKYC identity is the attacker's: the holder does not match.
    attack('phished-own-ekyc', 'phished PIN and bank one-time code relayed in real time; wallet verified with the attacker\'s own identity', 2, early, late, async (lead) => {
      lead.wallet = await newAttackerWallet(lead, { ekyc: attackerIdentity(lead) });
      for (let k = 0; k < 5; k++) {
        const a: Attempt = k === 0 ? lead : { ...lead, id: `${lead.id}.${k}`, events: [], charges: [], requests: 0, done: false, stoppedBy: undefined };
        if (k > 0) attempts.push(a);
        a.victim = await newVictim(a.rng);
        await attemptLink(a, lead.wallet, a.victim, { pin: a.victim.account.pin, otp: 'phished' });
      }
    });

    // 4. The same phished account tried from several wallets: strikes on the account lock it.
    attack('one-account-many-wallets', 'phished PIN and code for one account, tried from four verified wallets in turn', 2, early, late, async (lead) => {
      const victim = await newVictim(lead.rng);
      for (let k = 0; k < 4; k++) {
        const a: Attempt = k === 0 ? lead : { ...lead, id: `${lead.id}.${k}`, events: [], charges: [], requests: 0, done: false, stoppedBy: undefined };
        if (k > 0) attempts.push(a);
        a.victim = victim;
        a.wallet = await newAttackerWallet(a, { ekyc: attackerIdentity(a) });
        await attemptLink(a, a.wallet, victim, { pin: victim.account.pin, otp: 'phished' });
      }
    });

    // 5. Reverse brute force: one common PIN against many accounts, from two verified wallets each.
    for (const noisy of [false, true]) {
      attack(noisy ? 'reverse-brute-force-noisy' : 'reverse-brute-force', `one common PIN tried against 12 accounts per wallet${noisy ? ', made-up authorization codes after each refusal' : ''}`, 2, early, late, async (lead) => {
        lead.wallet = await newAttackerWallet(lead, { ekyc: attackerIdentity(lead) });
        for (let k = 0; k < 12; k++) {
          const a: Attempt = k === 0 ? lead : { ...lead, id: `${lead.id}.${k}`, events: [], charges: [], requests: 0, done: false, stoppedBy: undefined };
          if (k > 0) attempts.push(a);
          a.victim = await newVictim(a.rng);
          const real = a.victim.account.pin;
          const pin = a.rng.chance(P.commonPinShare) ? real : String((Number(real) + 1 + a.rng.int(0, 9000)) % 10_000).padStart(4, '0');
          await attemptLink(a, lead.wallet, a.victim, { pin, otp: 'guess', noisy });
        }
      });
    }

    // 6. Identity theft: eKYC passed with the victim's identity, phished PIN and code, the wallet phone is the attacker's.
    const identityTheft = async (a: Attempt) => {
      a.victim = await newVictim(a.rng);
      a.wallet = await newAttackerWallet(a, { ekyc: a.victim.identity });
      a.linkId = await attemptLink(a, a.wallet, a.victim, { pin: a.victim.account.pin, otp: 'phished' });
      if (a.linkId) maybeVictimReports(a);
      return !!a.linkId;
    };
    const ended = (a: Attempt, result: string) => {
      if (result === 'FROZEN') stop(a, 'WALLET_FREEZE', a.victimReportedAtTick !== undefined ? 'frozen by the holder\'s not-me report' : 'frozen');
      else if (result === 'DECLINED') {
      const last = a.events[a.events.length - 1] ?? '';
      if (last.includes('BANK_DECLINED')) stop(a, 'LIMITS', 'the victim\'s bank balance ran out');
      else if (last.includes('CODE_UNREACHABLE')) stop(a, 'HOLDER_CHANNEL', 'the code went to the holder\'s bank phone');
      else stop(a, 'WALLET_FREEZE', `charges declined: ${last.replace(/^t\d+ /, '')}`);
    }
    };

    attack('identity-theft-large', 'identity theft, then at once 1,000,000 and 490,000 yen charges, one a day', 6, early, late, async (a) => {
      if (!(await identityTheft(a))) return;
      await attackerCharge(a, 1_000_000); // over the per-charge limit: refused, the attacker learns the limit
      const large = async (day: number) => {
        const res = await attackerCharge(a, 490_000, (approved) => {
          if (!approved) return stop(a, 'HUMAN_REVIEW', 'the reviewer rejected and froze the wallet');
          if (day < 2) at(currentTick + 24, () => large(day + 1));
        });
        if (res === 'LIMIT' || res === 'DAY_LIMIT') stop(a, 'LIMITS', 'limits');
        else if (res !== 'REVIEW' && res !== 'DONE') ended(a, res);
      };
      await large(0);
    });

    attack('identity-theft-slow', 'identity theft, then 20,000-29,000 yen charges, two an hour every other hour for four days', 6, early, late, async (a) => {
      if (!(await identityTheft(a))) return;
      const t0 = currentTick;
      const burst = async () => {
        for (let k = 0; k < 2 && !a.done; k++) {
          const res = await attackerCharge(a, a.rng.int(20, 29) * 1000);
          if (res === 'FROZEN' || res === 'DECLINED') return ended(a, res);
          if (res === 'LIMIT') return stop(a, 'LIMITS', 'balance cap');
          if (res === 'REVIEW') return; // not expected below the thresholds; a human decides
          if (res === 'DAY_LIMIT') return at(nextMorning(currentTick), burst);
        }
        if (currentTick + 2 < t0 + 96) at(currentTick + 2, burst);
      };
      at(currentTick + 1, burst);
    });

    attack('identity-theft-sleeper', 'identity theft, one small charge, four quiet days, then 49,000 yen charges', 4, early, Math.floor(TICKS * 0.4), async (a) => {
      if (!(await identityTheft(a))) return;
      const first = await attackerCharge(a, 5_000);
      if (first !== 'DONE') return ended(a, first);
      const t0 = currentTick + 96;
      const burst = async () => {
        for (let k = 0; k < 2 && !a.done; k++) {
          const res = await attackerCharge(a, 49_000);
          if (res === 'FROZEN' || res === 'DECLINED') return ended(a, res);
          if (res === 'LIMIT') return stop(a, 'LIMITS', 'balance cap');
          if (res === 'REVIEW') return;
          if (res === 'DAY_LIMIT') return at(nextMorning(currentTick), burst);
        }
        if (currentTick + 2 < t0 + 72) at(currentTick + 2, burst);
      };
      at(t0, burst);
    });

    // 7. A stolen wallet password (credential stuffing) used from the attacker's phone: the SMS goes to the owner.
    attack('account-takeover', 'signs in to an honest user\'s wallet and charges 30,000 yen from a new device; guesses the SMS code', 5, Math.floor(TICKS * 0.3), late, async (a) => {
      const candidates = honest.filter((u) => u.wallet && u.charged);
      if (!candidates.length) return stop(a, 'SMS_CHALLENGE', 'no honest wallet to take over');
      const victim = a.rng.pick(candidates);
      const session = await api.must<{ accessToken: string }>(200, 'POST', '/v1/sessions', { body: { email: victim.wallet!.email, password: PASSWORD } });
      a.wallet = { ...victim.wallet!, token: session.accessToken, deviceId: `${a.id}-phone` };
      a.linkId = victim.linkId;
      const r = await charge(api, a.wallet, a.linkId!, 30_000, `${a.id}-0`, `${a.id}-phone`);
      if (r.status === 201) {
        a.charges.push({ chargeId: r.body.chargeId, amount: 30_000, outcome: 'ALLOW' });
        return stop(a, 'NOT_STOPPED', 'charged without a challenge');
      }
      if (r.status !== 202) return stop(a, layerOfCode(codeOf(r), r.status) ?? 'LIMITS', `refused ${codeOf(r)}`);
      // The money would go to the owner's own wallet; the attacker's aim is its later use, which needs the charge.
      for (let k = 0; k < 5; k++) {
        const res = await api.call('POST', `/v1/me/charges/${r.body.chargeId}/confirmation`, { token: a.wallet.token, body: { code: a.rng.digits(6) }, headers: { 'x-device-id': `${a.id}-phone` } });
        if (res.status === 200) return stop(a, 'NOT_STOPPED', 'guessed the SMS code');
      }
      stop(a, 'SMS_CHALLENGE', 'the code went to the owner\'s phone; five wrong guesses cancelled the charge');
    });

    // ---- the reviewer ----------------------------------------------------------------------------
    const review = async () => {
      if (!reviews.length) return;
      const batch = reviews.splice(0, reviews.length).sort((x, y) => x.key.localeCompare(y.key));
      let open = await openReviews(api, ops);
      for (let i = 0; i < 100 && batch.some((b) => !open.some((c) => c.chargeId === b.chargeId)); i++) {
        await new Promise((r) => setTimeout(r, 50));
        open = await openReviews(api, ops);
      }
      for (const b of batch) {
        const c = open.find((x) => x.chargeId === b.chargeId);
        if (!c) {
          reviewLog.vanished++; // the charge ended first (e.g. the holder's report cancelled it)
          if (b.attempt && b.attempt.victimReportedAtTick !== undefined) stop(b.attempt, 'WALLET_FREEZE', 'the holder\'s not-me report cancelled the charge before review');
          continue;
        }
        const approve = b.honest || !rngFor(`review:${b.key}`).chance(P.reviewerCatchRate);
        let res = await decideReview(api, ops, c.caseId, approve ? 'APPROVE' : 'REJECT', approve ? 'looks fine' : 'identity and pattern do not fit', !approve);
        if (res.status === 202 && ctx.second) res = await decideReview(api, ctx.second, c.caseId, 'APPROVE', 'second approval: looks fine');
        if (res.status !== 200) {
          failSoft(`review ${b.chargeId}`, new Error(`${res.status} ${JSON.stringify(res.body)}`));
          continue;
        }
        if (b.honest) reviewLog.honestApproved++;
        else if (approve) reviewLog.attackerApproved++;
        else reviewLog.attackerRejected++;
        if (b.charge) b.charge.review = approve ? 'APPROVED' : 'REJECTED';
        if (b.record) b.record.review = approve ? 'APPROVED' : 'REJECTED';
        b.after?.(approve);
      }
    };

    // ---- the run -----------------------------------------------------------------------------
    const bar = new Progress('simulate', TICKS);
    for (currentTick = 0; currentTick < TICKS; currentTick++) {
      const steps = due.get(currentTick) ?? [];
      due.delete(currentTick);
      await pool(steps, P.concurrency, (s) => s().catch((e) => failSoft(`tick ${currentTick}`, e)));
      await review();
      bar.tick(1, `day ${Math.floor(currentTick / 24) + 1} · honest charges ${honestCharges.length} · attack attempts ${attempts.filter((a) => a.events.length).length}`);
      await api.advance(3600);
    }
    bar.finish();

    // ---- final statuses ------------------------------------------------------------------------
    // Holds still waiting when the period ends run out their window (nobody acts any more).
    await api.advance((ctx.holderWindowHours + 1) * 3600);
    log('collecting final statuses...');
    const settle = async (w: Wallet, chargeId: string) => {
      for (let i = 0; i < 100; i++) {
        const v = await chargeView(api, w, chargeId);
        if (v.status !== 'PROCESSING') return v.status;
        await new Promise((r) => setTimeout(r, 100));
      }
      return 'PROCESSING';
    };
    await pool(attempts.flatMap((a) => a.charges.map((c) => ({ a, c }))), P.concurrency, async ({ a, c }) => {
      c.finalStatus = await settle(a.wallet!, c.chargeId);
      if (c.rec) c.rec.finalStatus = c.finalStatus;
    });
    await pool(honestCharges.filter((h) => h.chargeId && h.outcome !== 'ALLOW'), P.concurrency, async (h) => {
      h.finalStatus = await settle(honest[h.user].wallet!, h.chargeId!);
      if (h.rec) h.rec.finalStatus = h.finalStatus;
    });
    const reconciliation = await api.call('GET', '/local/reconcile');
    const credited = new Map<string, number>();
    const wallets = [...honest.filter((u) => u.wallet).map((u) => u.wallet!), ...attempts.filter((a) => a.wallet && a.charges.length && a.kind !== 'account-takeover').map((a) => a.wallet!)];
    await pool([...new Map(wallets.map((w) => [w.userId, w])).values()], P.concurrency, async (w) => {
      for (const [id, t] of await creditTimes(api, w)) credited.set(id, t);
    });
    for (const c of allCharges) if (c.reading.chargeId) c.creditedAt = credited.get(c.reading.chargeId);
    const metrics = scenarioMetrics({
      charges: allCharges,
      victims: [...new Set(attempts.filter((a) => a.victim && a.kind !== 'account-takeover').map((a) => victimKey(a.victim!.account)))],
      holderWindowHours: ctx.holderWindowHours,
      firstMoney: honest.filter((u) => u.firstAsk !== undefined).map((u) => {
        const times = u.chargeIds.map((id) => credited.get(id)).filter((x): x is number => x !== undefined);
        return { requestedAt: u.firstAsk!, creditedAt: times.length ? Math.min(...times) : undefined };
      }),
    });

    // ---- results ---------------------------------------------------------------------------------
    const yenOf = (a: Attempt, human: boolean) => a.charges.filter((c) => c.finalStatus === 'COMPLETED' && (c.review === 'APPROVED') === human).reduce((s, c) => s + c.amount, 0);
    const attemptRows = [...attempts].sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true })).map((a) => {
      const withoutHuman = a.kind === 'account-takeover' ? 0 : yenOf(a, false);
      const approved = a.kind === 'account-takeover' ? 0 : yenOf(a, true);
      const held = a.charges.some((c) => c.review === 'REJECTED' || c.finalStatus === 'PENDING_REVIEW');
      const layer: Layer = withoutHuman > 0 ? 'NOT_STOPPED' : approved > 0 ? 'NOT_STOPPED_REVIEWER_APPROVED' : a.stoppedBy ?? (held ? 'HUMAN_REVIEW' : 'UNRESOLVED');
      return {
        id: a.id, kind: a.kind, layer, yenWithoutHumanDecision: withoutHuman, yenApprovedByReviewer: approved,
        victimReported: a.victimReportedAtTick !== undefined, startTick: a.startTick, charges: a.charges.map((c) => ({ amount: c.amount, outcome: c.outcome, review: c.review, finalStatus: c.finalStatus })), events: a.events,
      };
    });
    const attacksStoppedByLayer = Object.fromEntries(LAYERS.map((l) => [l, attemptRows.filter((r) => r.layer === l).length])) as Record<Layer, number>;
    const attackerYenWithoutHumanDecision = attemptRows.reduce((s, r) => s + r.yenWithoutHumanDecision, 0);
    const attackerYenApprovedByReviewer = attemptRows.reduce((s, r) => s + r.yenApprovedByReviewer, 0);
    const attackerYenTotal = attackerYenWithoutHumanDecision + attackerYenApprovedByReviewer;
    const kinds = [...new Set(attempts.map((a) => a.kind))];
    const byKind = Object.fromEntries(
      kinds.map((k) => {
        const rows = attemptRows.filter((r) => r.kind === k);
        const layers: Record<string, number> = {};
        for (const r of rows) layers[r.layer] = (layers[r.layer] ?? 0) + 1;
        return [k, { description: attempts.find((a) => a.kind === k)!.description, attempts: rows.length, byLayer: layers, yenWithoutHumanDecision: rows.reduce((s, r) => s + r.yenWithoutHumanDecision, 0), yenApprovedByReviewer: rows.reduce((s, r) => s + r.yenApprovedByReviewer, 0) }];
      }),
    );

    const counted = honestCharges.filter((h) => h.outcome !== 'ERROR');
    const pct = (n: number, d: number) => (d ? round((100 * n) / d, 2) : 0);
    const count = (f: (h: HonestCharge) => boolean, list = counted) => list.filter(f).length;
    const reasonsOf = (outcome: string) => {
      const r: Record<string, number> = {};
      for (const h of counted.filter((x) => x.outcome === outcome)) for (const reason of h.reasons) r[reason] = (r[reason] ?? 0) + 1;
      return r;
    };
    const later = counted.filter((h) => !h.firstOnLink);
    const legitChallengedPct = pct(count((h) => h.outcome === 'CHALLENGE'), counted.length);
    const legitReviewedPct = pct(count((h) => h.outcome === 'REVIEW'), counted.length);
    const report = {
      generatedAt: new Date().toISOString(),
      durationSeconds: round((Date.now() - started) / 1000, 1),
      parameters: { ...P, ticks: TICKS, tickSeconds: 3600 },
      attackerYenWithoutHumanDecision,
      attackerYenTotal,
      attackerYenApprovedByReviewer,
      attacksStoppedByLayer,
      legitChallengedPct,
      legitReviewedPct,
      legitDeniedPct: pct(count((h) => h.outcome === 'DENY'), counted.length),
      legitChallengedPctAfterFirstChargeOnLink: pct(count((h) => h.outcome === 'CHALLENGE', later), later.length),
      legitReviewedPctAfterFirstChargeOnLink: pct(count((h) => h.outcome === 'REVIEW', later), later.length),
      honest: {
        users: P.honestUsers,
        onboarded,
        onboardingFailures,
        charges: counted.length,
        chargeErrors: honestCharges.length - counted.length,
        byOutcome: { ALLOW: count((h) => h.outcome === 'ALLOW'), HOLD: count((h) => h.outcome === 'HOLD'), CHALLENGE: count((h) => h.outcome === 'CHALLENGE'), REVIEW: count((h) => h.outcome === 'REVIEW'), DENY: count((h) => h.outcome === 'DENY') },
        challengeReasons: reasonsOf('CHALLENGE'),
        reviewReasons: reasonsOf('REVIEW'),
        denyCodes: counted.filter((h) => h.outcome === 'DENY').reduce<Record<string, number>>((m, h) => ({ ...m, [`${h.code} ${h.reasons.join('+')}`]: (m[`${h.code} ${h.reasons.join('+')}`] ?? 0) + 1 }), {}),
        firstChargesOnLink: count((h) => h.firstOnLink),
        newDeviceCharges: count((h) => h.newDevice),
        challengedOrReviewedNotCompleted: counted.filter((h) => h.finalStatus && h.finalStatus !== 'COMPLETED').map((h) => ({ user: h.user, amount: h.amount, outcome: h.outcome, finalStatus: h.finalStatus })),
        yenCompleted: counted.filter((h) => h.finalStatus === 'COMPLETED').reduce((s, h) => s + h.amount, 0),
      },
      reviewer: { catchRate: P.reviewerCatchRate, ...reviewLog },
      attacks: { attempts: attemptRows.length, byKind, attempts_detail: attemptRows },
      reconciliation: reconciliation.status === 200 ? reconciliation.body : { status: reconciliation.status },
      errors,
      machineLoad: { before: loadBefore.map((l) => round(l, 2)), after: loadavg().map((l) => round(l, 2)) },
    };
    writeFileSync(
      join(reportsDir, 'simulation-default.svg'),
      renderChart({
        title: 'Anshin Wallet: loss against friction (npm run simulate)',
        subtitle: `seed ${P.seed} · ${P.honestUsers} honest users · ${P.days} days · ${attemptRows.length} attack attempts · reviewer catches ${P.reviewerCatchRate * 100} % · victims report ${P.victimReportRate * 100} %`,
        stoppedByLayer: attacksStoppedByLayer,
        attackerYen: [
          { label: 'without a human decision', yen: attackerYenWithoutHumanDecision, color: '#c0392b' },
          { label: 'approved by the reviewer', yen: attackerYenApprovedByReviewer, color: '#e67e22' },
        ],
        friction: [
          { label: 'honest charges challenged (SMS)', pct: legitChallengedPct, target: 3 },
          { label: 'honest charges reviewed', pct: legitReviewedPct, target: 0.5 },
          { label: 'challenged, after a link\'s 1st charge', pct: report.legitChallengedPctAfterFirstChargeOnLink, target: 3 },
          { label: 'honest charges refused (limits)', pct: report.legitDeniedPct },
        ],
      }),
    );

    const out: string[] = [''];
    out.push(`Attack attempts by the layer that stopped them (${attemptRows.length} attempts)`);
    out.push(table(['kind', 'attempts', ...LAYERS.filter((l) => attacksStoppedByLayer[l] > 0), 'yen, no human', 'yen, approved'], kinds.map((k) => {
      const v = byKind[k];
      return [k, v.attempts, ...LAYERS.filter((l) => attacksStoppedByLayer[l] > 0).map((l) => v.byLayer[l] ?? 0), v.yenWithoutHumanDecision.toLocaleString('en-US'), v.yenApprovedByReviewer.toLocaleString('en-US')];
    })));
    out.push(table(['total', '', ...LAYERS.filter((l) => attacksStoppedByLayer[l] > 0)], [['', attemptRows.length, ...LAYERS.filter((l) => attacksStoppedByLayer[l] > 0).map((l) => attacksStoppedByLayer[l])]]));
    out.push('');
    out.push(`attackerYenWithoutHumanDecision  ${attackerYenWithoutHumanDecision.toLocaleString('en-US')} yen`);
    out.push(`attackerYenApprovedByReviewer    ${attackerYenApprovedByReviewer.toLocaleString('en-US')} yen`);
    out.push(`attackerYenTotal                 ${attackerYenTotal.toLocaleString('en-US')} yen`);
    out.push('');
    out.push(`Honest users: ${onboarded}/${P.honestUsers} onboarded, ${counted.length} charges`);
    out.push(table(['', 'ALLOW', 'CHALLENGE', 'REVIEW', 'DENY', 'challenged %', 'reviewed %', 'challenged % after 1st on link'], [[
      'honest charges', report.honest.byOutcome.ALLOW, report.honest.byOutcome.CHALLENGE, report.honest.byOutcome.REVIEW, report.honest.byOutcome.DENY, legitChallengedPct, legitReviewedPct, report.legitChallengedPctAfterFirstChargeOnLink,
    ]]));
    out.push(`challenge reasons ${JSON.stringify(report.honest.challengeReasons)}; review reasons ${JSON.stringify(report.honest.reviewReasons)}`);
    out.push(`reviewer: ${JSON.stringify(report.reviewer)}`);
    if (errors.length) out.push(`errors (${errors.length}): ${errors.slice(0, 5).join(' | ')}`);
    out.push('', `default scenario: ${report.durationSeconds} s (wrote reports/simulation-default.svg)`);
    return { metrics, details: report, text: out.join('\n') };
  }
}

const SCENARIOS = ['default', 'live-month'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The rule settings the chart compares: the defaults of policy.ts and every yen threshold halved or doubled. */
const RULE_SETTINGS: Record<string, Record<string, unknown> | undefined> = {
  defaults: undefined,
  'yen thresholds ×0.5': scaleYenThresholds(RISK_POLICY, 0.5) as unknown as Record<string, unknown>,
  'yen thresholds ×2': scaleYenThresholds(RISK_POLICY, 2) as unknown as Record<string, unknown>,
};

interface Run {
  scenario: Scenario;
  setting: string;
}

/** One scenario under one rule setting, on a stack of its own (the setting is the stack's RISK_RULES). */
async function runOne(run: Run): Promise<ScenarioRun & { runtimeSeconds: number }> {
  const started = Date.now();
  const rules = RULE_SETTINGS[run.setting];
  const stack = await startOrAttach(`simulate-${run.scenario}`, rules ? { RISK_RULES: JSON.stringify(rules) } : {});
  try {
    const api = new Api(stack.url);
    const ops = await opsToken(api);
    const runTag = randomBytes(3).toString('hex');
    const phoneNonce = String(randomBytes(1)[0] % 100).padStart(2, '0');
    const ctx: RunCtx = {
      api, ops, second: await secondStaff(api, runTag), runTag,
      phone: (prefix: string, i: number) => `+81${prefix}${phoneNonce}${String(i).padStart(6, '0')}`,
      holderWindowHours: ruleAt(rules ?? RISK_POLICY, 'hold.holderWindowHours') ?? 72,
      reportsDir: join(REPO_ROOT, 'reports'),
    };
    let result: ScenarioRun;
    if (run.scenario === 'default') result = await runDefault(ctx);
    else {
      const reviewer = new Reviewer(api, ops, P.reviewerCatchRate, rngFor, ctx.second);
      const lm = await runLiveMonth({ api, reviewer, runTag, phone: ctx.phone, rngFor, person, log, holderWindowHours: ctx.holderWindowHours }, liveMonthParams(num));
      result = { ...lm, text: '' };
    }
    return { ...result, runtimeSeconds: round((Date.now() - started) / 1000, 1) };
  } catch (e) {
    if (stack.owned) log(`the local stack ${stack.alive() ? 'is running' : 'has exited'}; its last lines:\n${stack.logTail()}`);
    throw e;
  } finally {
    await stack.stop();
  }
}

const GOALS = {
  attackerYenInWindowWithoutHumanDecision: 0,
  maxAttackerYenPerVictimWithoutHumanDecision: 10_000,
  liveMonth: { legitChallengedPct: 3, legitReviewedPct: 0.5, legitHeldPct: 3 },
};

function goalsMissed(name: string, m: ScenarioMetrics): string[] {
  const missed: string[] = [];
  if (m.attackerYenInWindowWithoutHumanDecision > GOALS.attackerYenInWindowWithoutHumanDecision) missed.push(`${name}: ${m.attackerYenInWindowWithoutHumanDecision.toLocaleString('en-US')} attacker yen inside the holder's window (goal 0)`);
  if (m.maxAttackerYenPerVictimWithoutHumanDecision > GOALS.maxAttackerYenPerVictimWithoutHumanDecision) missed.push(`${name}: up to ${m.maxAttackerYenPerVictimWithoutHumanDecision.toLocaleString('en-US')} yen from one victim without a human decision (goal ≤ 10,000)`);
  if (name === 'live-month') {
    for (const [k, goal] of Object.entries(GOALS.liveMonth)) {
      const v = m[k as keyof ScenarioMetrics] as number;
      if (v > goal) missed.push(`${name}: ${k} ${v} (goal ≤ ${goal})`);
    }
  }
  return missed;
}

async function main() {
  const started = Date.now();
  const which = process.env.SIM_SCENARIO ?? 'all';
  const scenarios: Scenario[] = which === 'all' ? [...SCENARIOS] : (which.split(',') as Scenario[]);
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`SIM_SCENARIO must be default, live-month or all; got ${which}`);
  // The alternatives re-run live-month under other thresholds: they need stacks of their own.
  const alternatives = process.env.ANSHIN_URL ? [] : (process.env.SIM_ALTERNATIVES ?? (scenarios.includes('live-month') ? '1' : '0')) === '1' ? Object.keys(RULE_SETTINGS).slice(1) : [];
  // SIM_ONLY_ALTERNATIVES=1 runs just the alternatives (e.g. in a second process beside the main run).
  const onlyAlternatives = process.env.SIM_ONLY_ALTERNATIVES === '1';
  const runs: Run[] = [...(onlyAlternatives ? [] : scenarios.map((scenario) => ({ scenario, setting: 'defaults' }))), ...alternatives.map((setting) => ({ scenario: 'live-month' as const, setting }))];
  const parallel = process.env.ANSHIN_URL ? 1 : num('SIM_PARALLEL', 2);
  const reportsDir = join(REPO_ROOT, 'reports');
  mkdirSync(reportsDir, { recursive: true });
  const loadBefore = loadavg();
  log(`simulate: ${runs.map((r) => `${r.scenario} (${r.setting})`).join(', ')}; ${parallel} at a time`);
  // A run that fails (a stack that would not start) is reported; the others still land in the report.
  const failures: string[] = [];
  const settled = await pool(runs, parallel, async (r, index) => {
    // Staggered: stacks starting together (each synthesizes the CDK template) starve each other.
    if (index > 0 && index < parallel) await new Promise((ok) => setTimeout(ok, index * 45_000));
    try {
      return { run: r, result: await runOne(r) };
    } catch (e) {
      failures.push(`${r.scenario} (${r.setting}): ${(e as Error).message.slice(0, 500)}`);
      log(`simulate: ${r.scenario} (${r.setting}) failed: ${(e as Error).message.slice(0, 500)}`);
      return undefined;
    }
  });
  const results = settled.filter((x): x is NonNullable<typeof x> => !!x);

  // Scenarios not run this time keep their last result (SIM_SCENARIO=default refreshes only that one).
  const file = join(reportsDir, 'simulation.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { scenarios?: Record<string, unknown>; alternatives?: Record<string, unknown> }) : {};
  const scenarioEntries: Record<string, unknown> = { ...(previous.scenarios ?? {}) };
  const alternativeEntries: Record<string, unknown> = { ...(alternatives.length ? {} : (previous.alternatives ?? {})) };
  for (const { run, result } of results) {
    const entry = { ...result.metrics, runtimeSeconds: result.runtimeSeconds, generatedAt: new Date().toISOString(), details: result.details };
    if (run.setting === 'defaults') scenarioEntries[run.scenario] = entry;
    else alternativeEntries[run.setting] = { scenario: run.scenario, rules: RULE_SETTINGS[run.setting], ...result.metrics, runtimeSeconds: result.runtimeSeconds };
  }
  const missed = Object.entries(scenarioEntries).flatMap(([name, m]) => goalsMissed(name, m as ScenarioMetrics));
  const points = [
    ...(scenarioEntries['live-month'] ? [['live-month, defaults', scenarioEntries['live-month']] as const] : []),
    ...Object.entries(alternativeEntries).map(([name, m]) => [`live-month, ${name}`, m] as const),
    ...(scenarioEntries.default ? [['default scenario, defaults', scenarioEntries.default] as const] : []),
  ].map(([label, raw]) => {
    const m = raw as ScenarioMetrics;
    return {
      label, frictionPct: m.legitFrictionPct ?? 0, maxPerVictimYen: m.maxAttackerYenPerVictimWithoutHumanDecision, totalYen: m.attackerYenWithoutHumanDecision, inWindowYen: m.attackerYenInWindowWithoutHumanDecision,
      heldPct: m.legitHeldPct, challengedPct: m.legitChallengedPct, reviewedPct: m.legitReviewedPct, medianFirstMoneyHours: m.medianFirstMoneyWaitHours, victims: m.victims,
    };
  });
  // Best: the least taken from any one victim, then the least in total, then the least friction.
  const best = [...points].filter((p) => p.label.startsWith('live-month')).sort((a, b) => a.maxPerVictimYen - b.maxPerVictimYen || a.totalYen - b.totalYen || a.frictionPct - b.frictionPct)[0];
  const report = {
    generatedAt: new Date().toISOString(),
    durationSeconds: results.length ? round((Date.now() - started) / 1000, 1) : (previous as { durationSeconds?: number }).durationSeconds,
    seed: P.seed,
    goals: GOALS,
    scenarios: scenarioEntries,
    alternatives: alternativeEntries,
    closingNote: missed.length
      ? { goalsMissed: missed, tradeOff: points, bestSettingFound: best ? `${best.label}: ${best.maxPerVictimYen.toLocaleString('en-US')} yen max per victim, ${best.totalYen.toLocaleString('en-US')} in total, at ${best.frictionPct} % friction` : undefined }
      : { goalsMissed: [], note: 'every goal of issue 12 met' },
    failures,
    machineLoad: { before: loadBefore.map((l) => round(l, 2)), after: loadavg().map((l) => round(l, 2)) },
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const lmShape = ((scenarioEntries['live-month'] as { details?: { parameters?: { users: number; days: number } } } | undefined)?.details?.parameters) ?? liveMonthParams(num);
  writeFileSync(join(reportsDir, 'simulation.svg'), renderLossFriction({
    title: 'Anshin Wallet: loss against friction (npm run simulate)',
    subtitle: `seed ${P.seed} · live-month: ${lmShape.users} users, ${lmShape.days} days · reviewer catches ${P.reviewerCatchRate * 100} % · thieves re-phish ${P.rephishChance * 100} %`,
    points,
  }));

  const out: string[] = [];
  for (const { result } of results) if (result.text) out.push(result.text);
  const keys = ['attackerYenInWindowWithoutHumanDecision', 'attackerYenWithoutHumanDecision', 'maxAttackerYenPerVictimWithoutHumanDecision', 'legitChallengedPct', 'legitHeldPct', 'legitReviewedPct', 'legitFrictionPct', 'medianFirstMoneyWaitHours', 'legitCharges', 'runtimeSeconds'] as const;
  const columns = [...Object.entries(scenarioEntries), ...Object.entries(alternativeEntries).map(([k, v]) => [`live-month ${k}`, v] as const)];
  out.push('', table(['', ...columns.map(([k]) => k)], keys.map((k) => [k, ...columns.map(([, v]) => String((v as Record<string, unknown>)[k] ?? '–'))])));
  if (missed.length) out.push('', 'goals missed:', ...missed.map((m) => `  ${m}`));
  out.push('', `wrote reports/simulation.json and reports/simulation.svg in ${report.durationSeconds} s`);
  console.log(out.join('\n'));
  if (failures.length) process.exitCode = 1;
}


main().catch((e: Error) => {
  console.error(`simulate failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
