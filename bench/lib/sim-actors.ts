/**
 * The HTTP side of an actor's charge in `npm run simulate`: ask, read the answer (COMPLETED,
 * PENDING_HOLD, a code to the wallet phone or — HOLDER_CHALLENGE — to the holder's bank phone,
 * a refusal), type the code if this actor can, and learn afterwards when the money arrived.
 */
import { charge, chargeView, decideReview, openReviews, smsCode, type Api, type Wallet } from './api';
import { codeDestination, newestCodeSince, readChargeAnswer, type ChargeRecord, type OutboxMessage } from './sim-model';

export interface ChargeActor {
  wallet: Wallet;
  linkId: string;
  deviceId: string;
  /** The bank-registered phone of the account holder (the victim's, for a thief). */
  holderPhone: string;
  /** Decides whether the code can be typed (see canEnterCode). */
  mayEnterCode: (destination: 'WALLET' | 'HOLDER') => boolean;
}

export async function outbox(api: Api, phone: string): Promise<OutboxMessage[]> {
  return (await api.must<{ messages: OutboxMessage[] }>(200, 'GET', `/local/sms?to=${encodeURIComponent(phone)}`)).messages;
}

/** One charge request, start to the point where only time (a hold, a review, the workflow) remains. */
export async function requestCharge(api: Api, a: ChargeActor, amount: number, key: string, record: Omit<ChargeRecord, 'reading' | 'amount'>): Promise<ChargeRecord> {
  const r = await charge(api, a.wallet, a.linkId, amount, key, a.deviceId);
  const c: ChargeRecord = { ...record, amount, reading: readChargeAnswer(r.status, r.body) };
  if (c.reading.answer === 'COMPLETED') c.finalStatus = 'COMPLETED';
  if (c.reading.answer !== 'CODE' && c.reading.answer !== 'HELD') return c;
  const view = await chargeView(api, a.wallet, c.reading.chargeId!);
  c.outcome = view.decision.outcome;
  c.decisionReasons = view.decision.reasons;
  if (c.reading.answer === 'HELD') return c;
  c.codeTo = codeDestination(view.decision.reasons);
  c.codeEntered = a.mayEnterCode(c.codeTo);
  if (!c.codeEntered) return c; // the code dies in 5 minutes; the sweeper expires the charge
  const code =
    c.codeTo === 'WALLET' ? await smsCode(api, a.wallet.phone, 'charge') : newestCodeSince(await outbox(api, a.holderPhone), Date.parse((view as { createdAt?: string }).createdAt ?? '') || record.requestedAt);
  if (!code) {
    c.codeEntered = false;
    c.tags = [...(c.tags ?? []), 'NO_CODE_FOUND'];
    return c;
  }
  const confirmed = await api.call('POST', `/v1/me/charges/${c.reading.chargeId}/confirmation`, { token: a.wallet.token, body: { code }, headers: { 'x-device-id': a.deviceId } });
  c.afterCode = confirmed.status === 200 ? confirmed.body.status : `HTTP_${confirmed.status}`;
  return c;
}

/** When each charge of a wallet was credited (its ledger entry), by charge id. */
export async function creditTimes(api: Api, w: Wallet): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | null | undefined;
  for (let page = 0; page < 50; page++) {
    const q = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const r = await api.call<{ items: { type: string; chargeId?: string; createdAt: string }[]; nextCursor: string | null }>('GET', `/v1/me/transactions${q}`, { token: w.token });
    if (r.status !== 200) break;
    for (const e of r.body.items) if (e.type === 'CHARGE' && e.chargeId) out.set(e.chargeId, Date.parse(e.createdAt));
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** The final status of a charge, waiting out PROCESSING (the workflow runs in real time). */
export async function settledStatus(api: Api, w: Wallet, chargeId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const v = await chargeView(api, w, chargeId);
    if (v.status !== 'PROCESSING') return v.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'PROCESSING';
}

export interface ReviewItem {
  chargeId: string;
  /** Keys the reviewer's seeded choice, so concurrency does not change it. */
  key: string;
  honest: boolean;
  record?: ChargeRecord;
  after?: (approved: boolean) => void;
}

/**
 * The 24/7 reviewer: approves honest charges, rejects an attacker's with `catchRate` (and freezes
 * his wallet). Runs after every step of the clock.
 */
export class Reviewer {
  readonly queue: ReviewItem[] = [];
  readonly log = { honestApproved: 0, attackerRejected: 0, attackerApproved: 0, vanished: 0, errors: 0 };

  constructor(
    private readonly api: Api,
    private readonly ops: string,
    private readonly catchRate: number,
    private readonly rngFor: (key: string) => { chance(p: number): boolean },
    /** A second member of staff: an APPROVE of 200,000 or more needs two (FOUR_EYES). */
    private readonly second?: string,
  ) {}

  async run(): Promise<void> {
    if (!this.queue.length) return;
    const batch = this.queue.splice(0, this.queue.length).sort((x, y) => x.key.localeCompare(y.key));
    let open = await openReviews(this.api, this.ops);
    for (let i = 0; i < 60 && batch.some((b) => !open.some((c) => c.chargeId === b.chargeId)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      open = await openReviews(this.api, this.ops);
    }
    for (const b of batch) {
      const c = open.find((x) => x.chargeId === b.chargeId);
      if (!c) {
        this.log.vanished++; // the charge ended first (a not-me report, a freeze, an expiry)
        continue;
      }
      const approve = b.honest || !this.rngFor(`review:${b.key}`).chance(this.catchRate);
      let res = await decideReview(this.api, this.ops, c.caseId, approve ? 'APPROVE' : 'REJECT', approve ? 'looks fine' : 'identity and pattern do not fit', !approve);
      if (res.status === 202 && this.second) res = await decideReview(this.api, this.second, c.caseId, 'APPROVE', 'second approval: looks fine');
      if (res.status !== 200) {
        this.log.errors++;
        continue;
      }
      if (b.honest) this.log.honestApproved++;
      else if (approve) this.log.attackerApproved++;
      else this.log.attackerRejected++;
      if (b.record) b.record.review = approve ? 'APPROVED' : 'REJECTED';
      b.after?.(approve);
    }
  }
}

/** A second member of staff for four-eyes decisions (POST /local/staff), signed in. */
export async function secondStaff(api: Api, tag: string): Promise<string | undefined> {
  const email = `sim-${tag}-staff2@anshin.local`;
  const password = 'Sim-Staff-Passw0rd';
  const made = await api.call('POST', '/local/staff', { body: { email, password } });
  if (made.status !== 201 && made.status !== 409) return undefined;
  const s = await api.call<{ accessToken: string }>('POST', '/v1/sessions', { body: { email, password } });
  return s.status === 200 ? s.body.accessToken : undefined;
}
