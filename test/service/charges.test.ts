/**
 * The charge use cases on the in-memory stores and ports (the service tier): every outcome of the
 * risk decision, the idempotent replay, the controls at confirmation and at credit, the limits, the
 * holder's code, the hold and the sweeper. The workflow is the synthesized definition run in-process.
 */
import fc from 'fast-check';
import { confirmCharge } from '../../functions/app/charge-confirm';
import { createCharge, type CreateChargeInput } from '../../functions/app/charge-create';
import { getChargeView, getWalletView, listTransactions } from '../../functions/app/charges';
import { sweep } from '../../functions/app/charge-sweep';
import { chargeIdFor, type ChargeRecord } from '../../functions/domain/charge';
import { DomainError } from '../../functions/shared/errors';
import { stores, useStores } from '../../functions/store';
import { deviceHash } from '../../functions/domain/user';
import { serviceWorld, type ServiceWorld } from '../support/service';

/** The ops area's lists are not in memory yet: no entry matches (its memory store replaces this when it lands). */

let w: ServiceWorld;
let seq = 0;

beforeEach(() => {
  w = serviceWorld();
  const now = new Date(w.clock.now()).toISOString();
  w.world.banks.set('0001', { bankCode: '0001', name: 'Sim Bank', linkingEnabled: true, chargingEnabled: true, updatedAt: now, updatedBy: 'seed' });
});
afterEach(() => {
  w.workflow.stopAll();
  w.close();
});
afterAll(() => useStores(undefined));

const HOUR = 3600_000;

interface Wallet {
  userId: string;
  /** The device the wallet was opened on. */
  device: string;
  linkId: string;
  phone: string;
  holderPhone: string;
  account: { bankCode: string; branchCode: string; accountNumber: string };
}

/**
 * A wallet opened 30 days ago on its own device (trusted; one device per wallet, or DEVICE_SHARED would send it to review), with an ACTIVE link to a fresh account at the
 * simulated bank, authorized at the bank as a holder would. `attested`: the bank said the wallet
 * phone is the holder's (no holder window, no holder code).
 */
async function openWallet(options: { attested?: boolean; linkAgeHours?: number; balance?: number; bankBalance?: number } = {}): Promise<Wallet> {
  const n = ++seq;
  const now = w.clock.now();
  const userId = `user-${n}`;
  const device = `phone-${n}`;
  const linkId = `lnk_${n}`;
  const phone = `+8190${String(10_000_000 + n)}`;
  const holderPhone = `+8180${String(10_000_000 + n)}`;
  const createdAt = new Date(now - 30 * 24 * HOUR).toISOString();
  const { world, bank } = w;
  world.users.set(userId, {
    userId,
    email: `u${n}@example.com`,
    phoneNumber: phone,
    phoneVerified: true,
    kycStatus: 'VERIFIED',
    status: 'ACTIVE',
    createdAt,
    termsVersion: '2026-04',
  });
  world.wallets.set(userId, { userId, balance: options.balance ?? 0, currency: 'JPY', version: 0 });
  world.devices.set(`${userId}/${deviceHash(device)}`, { trustedAt: createdAt, firstSeenAt: createdAt });
  const opened = bank.openAccount({
    bankCode: '0001',
    holderNameKana: 'ヤマダ タロウ',
    dateOfBirth: '1990-01-01',
    phoneNumber: holderPhone,
    balance: options.bankBalance ?? 1_000_000,
  });
  const account = { bankCode: '0001', branchCode: opened.branchCode, accountNumber: opened.accountNumber };
  const { requestId } = await bank.createAuthorizationRequest({ account, state: linkId });
  await bank.startAuthorization(requestId, opened.pin);
  const { authorizationCode } = bank.completeAuthorization(requestId, lastCode(holderPhone));
  const { accountRef } = await bank.exchangeAuthorizationCode({ bankCode: '0001', requestId, authorizationCode });
  const activatedAt = new Date(now - (options.linkAgeHours ?? 24 * 10) * HOUR).toISOString();
  world.links.set(`${userId}/${linkId}`, {
    linkId,
    userId,
    bankCode: '0001',
    branchCode: opened.branchCode,
    accountMasked: `****${opened.accountNumber.slice(-3)}`,
    accountHash: `hash-${n}`,
    status: 'ACTIVE',
    bankRequestId: requestId,
    accountRef,
    createdAt: activatedAt,
    updatedAt: activatedAt,
    activatedAt,
    phoneAttested: options.attested ?? true,
  });
  return { userId, device, linkId, phone, holderPhone, account };
}

/** A device the wallet has not seen. */
const newDevice = (wallet: Wallet) => `${wallet.device}-new`;

function lastCode(phone: string): string {
  const body = w.sms.messagesTo(phone).at(-1)?.body ?? '';
  return /\b(\d{6})\b/.exec(body)?.[1] ?? '';
}

let key = 0;
const charge = (wallet: Wallet, amount: number, extra: Partial<CreateChargeInput> = {}) =>
  createCharge({
    userId: wallet.userId,
    linkId: wallet.linkId,
    amount,
    idempotencyKey: `order-${++key}`,
    deviceId: wallet.device,
    requestId: `req-${key}`,
    ...extra,
  });

const body = (answer: { body: unknown }) =>
  answer.body as { chargeId: string; status: string; balance?: number; availableAt?: string; error?: { code: string; details?: Record<string, unknown> } };
const stored = (wallet: Wallet, chargeId: string) => w.world.charges.get(`${wallet.userId}/${chargeId}`) as ChargeRecord;
const bankBalance = (wallet: Wallet) => w.bank.account(wallet.account)!.balance;

/** The workflow runs on its own: wait until the charge reaches `status`. */
async function settles(wallet: Wallet, chargeId: string, status: string) {
  for (let i = 0; i < 200 && stored(wallet, chargeId)?.status !== status; i++) await new Promise((r) => setTimeout(r, 10));
  expect(stored(wallet, chargeId)?.status).toBe(status);
}

async function refusal(p: Promise<unknown>) {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('creating a charge: each outcome of the decision', () => {
  it('ALLOW: debited and credited inside the call, 201 with the balance; the holder is told of the debit; one journal entry', async () => {
    const wallet = await openWallet();
    const answer = await charge(wallet, 5_000);
    expect(answer.status).toBe(201);
    expect(body(answer)).toEqual({ chargeId: expect.stringMatching(/^chg_/), status: 'COMPLETED', balance: 5_000 });
    expect(bankBalance(wallet)).toBe(995_000);
    expect(await getWalletView(wallet.userId)).toEqual({ balance: 5_000, pending: 0, currency: 'JPY' });
    expect(w.sms.messagesTo(wallet.holderPhone).at(-1)?.body).toContain('token=');
    const statement = await listTransactions(wallet.userId, 20);
    expect(statement.items).toEqual([
      { entryId: expect.any(String), type: 'CHARGE', amount: 5_000, balanceAfter: 5_000, chargeId: body(answer).chargeId, createdAt: expect.any(String) },
    ]);
    expect(await getChargeView(wallet.userId, body(answer).chargeId)).toEqual(
      expect.objectContaining({ status: 'COMPLETED', amount: 5_000, decision: { outcome: 'ALLOW', reasons: [] } }),
    );
    expect(w.world.decisionRecords.size).toBe(1);
  });


  it('a charge stores its device as a fixed-size hash (a 200-character X-Device-Id keeps the item small); one that can reach a reviewer keeps the id too', async () => {
    const wallet = await openWallet();
    const allowed = stored(wallet, body(await charge(wallet, 2_000)).chargeId);
    expect(allowed.status).toBe('COMPLETED');
    expect(allowed).toEqual(expect.objectContaining({ deviceHash: deviceHash(wallet.device) }));
    expect(allowed.deviceId).toBeUndefined();
    const long = `${newDevice(wallet)}-${'x'.repeat(200)}`.slice(0, 200);
    const challenged = stored(wallet, body(await charge(wallet, 3_000, { deviceId: long })).chargeId);
    expect([challenged.status, challenged.deviceId, challenged.deviceHash]).toEqual(['PENDING_CONFIRMATION', long, deviceHash(long)]);
    expect((await charge(wallet, 500_001, { deviceId: long, idempotencyKey: 'too-much' })).status).toBe(422);
    const declined = stored(wallet, chargeIdFor(wallet.userId, 'too-much'));
    expect([declined.status, declined.deviceId, declined.deviceHash]).toEqual(['DECLINED', undefined, deviceHash(long)]);
  });

  it('CHALLENGE (new device): 202, a code to the wallet phone; the code moves it on, the workflow completes it, and the device is trusted after', async () => {
    const wallet = await openWallet();
    const answer = await charge(wallet, 3_000, { deviceId: newDevice(wallet) });
    expect([answer.status, body(answer).status]).toEqual([202, 'PENDING_CONFIRMATION']);
    const { chargeId } = body(answer);
    expect(stored(wallet, chargeId).decision.reasons).toEqual(['NEW_DEVICE']);
    await expect(confirmCharge({ userId: wallet.userId, chargeId, code: lastCode(wallet.phone), deviceId: newDevice(wallet) })).resolves.toEqual({
      chargeId,
      status: 'PROCESSING',
    });
    await settles(wallet, chargeId, 'COMPLETED');
    expect((await getWalletView(wallet.userId)).balance).toBe(3_000);
    expect((await charge(wallet, 1_000, { deviceId: newDevice(wallet) })).status).toBe(201);
  });

  it('REVIEW (≥ 200,000): a code first, then the case waits for a human; the sweeper expires it after 24 h and closes the case', async () => {
    const wallet = await openWallet();
    const answer = await charge(wallet, 200_000);
    expect([answer.status, body(answer).status]).toEqual([202, 'PENDING_CONFIRMATION']);
    const { chargeId } = body(answer);
    expect(stored(wallet, chargeId).decision.outcome).toBe('REVIEW');
    await expect(confirmCharge({ userId: wallet.userId, chargeId, code: lastCode(wallet.phone), deviceId: wallet.device })).resolves.toEqual({
      chargeId,
      status: 'PENDING_REVIEW',
    });
    const { cases } = w.world;
    for (let i = 0; i < 200 && !cases.get(stores().reviews.caseIdFor(chargeId))?.taskToken; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cases.get(stores().reviews.caseIdFor(chargeId))).toEqual(expect.objectContaining({ caseStatus: 'OPEN', taskToken: expect.any(String) }));
    w.clock.advance(24 * 3600 + 60);
    expect((await sweep()).expired).toEqual([chargeId]);
    expect(stored(wallet, chargeId).status).toBe('EXPIRED');
    expect(cases.get(stores().reviews.caseIdFor(chargeId))?.caseStatus).toBe('CLOSED');
    expect(bankBalance(wallet)).toBe(1_000_000);
  });

  it('HOLD (young unattested link): 202 PENDING_HOLD until the holder window ends, pending meanwhile, the holder warned; the sweeper then debits it', async () => {
    const wallet = await openWallet({ attested: false, linkAgeHours: 1 });
    const answer = await charge(wallet, 5_000);
    const link = w.world.links.get(`${wallet.userId}/${wallet.linkId}`)!;
    const availableAt = new Date(Date.parse(link.activatedAt!) + 72 * HOUR).toISOString();
    expect([answer.status, body(answer)]).toEqual([202, { chargeId: body(answer).chargeId, status: 'PENDING_HOLD', availableAt }]);
    expect(await getWalletView(wallet.userId)).toEqual({ balance: 0, pending: 5_000, currency: 'JPY' });
    expect(w.sms.messagesTo(wallet.holderPhone).at(-1)?.body).toContain('token=');
    expect((await sweep()).released).toEqual([]);
    w.clock.advance(72 * 3600);
    expect((await sweep()).released).toEqual([body(answer).chargeId]);
    await settles(wallet, body(answer).chargeId, 'COMPLETED');
    expect(await getWalletView(wallet.userId)).toEqual({ balance: 5_000, pending: 0, currency: 'JPY' });
    expect(bankBalance(wallet)).toBe(995_000);
  });

  it('HOLDER_CHALLENGE (young unattested link, above 10,000): the bank sends the holder a code; the wallet phone code is just wrong; the holder code completes it', async () => {
    const wallet = await openWallet({ attested: false, linkAgeHours: 1 });
    const answer = await charge(wallet, 20_000);
    expect([answer.status, body(answer).status]).toEqual([202, 'PENDING_CONFIRMATION']);
    const { chargeId } = body(answer);
    expect(stored(wallet, chargeId)).toEqual(expect.objectContaining({ codeChannel: 'HOLDER', response: answer }));
    expect(w.sms.messagesTo(wallet.phone)).toEqual([]);
    const wrong = await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: '000000', deviceId: wallet.device }));
    expect([wrong.code, wrong.details]).toEqual(['INVALID_CODE', { attemptsLeft: 4 }]);
    await expect(confirmCharge({ userId: wallet.userId, chargeId, code: lastCode(wallet.holderPhone), deviceId: wallet.device })).resolves.toEqual({
      chargeId,
      status: 'PROCESSING',
    });
    await settles(wallet, chargeId, 'COMPLETED');
    expect(bankBalance(wallet)).toBe(980_000);
  });

  it('DENY: a bank switched off answers 503 BANK_SUSPENDED with retry-after, stores the declined charge, moves nothing', async () => {
    const wallet = await openWallet();
    w.world.banks.get('0001')!.chargingEnabled = false;
    const answer = await charge(wallet, 5_000, { idempotencyKey: 'off' });
    expect([answer.status, body(answer).error?.code, answer.headers]).toEqual([503, 'BANK_SUSPENDED', { 'retry-after': '3600' }]);
    expect(stored(wallet, chargeIdFor(wallet.userId, 'off')).status).toBe('DECLINED');
    expect(bankBalance(wallet)).toBe(1_000_000);
  });

  it('DENY: a suspended link is 422 CHARGE_DECLINED; a frozen wallet is 403 ACCOUNT_FROZEN and only counted', async () => {
    const wallet = await openWallet();
    w.world.links.get(`${wallet.userId}/${wallet.linkId}`)!.status = 'SUSPENDED';
    expect(body(await charge(wallet, 5_000)).error).toEqual(expect.objectContaining({ code: 'CHARGE_DECLINED', details: { reasons: ['LINK_NOT_ACTIVE'] } }));
    w.world.users.get(wallet.userId)!.status = 'FROZEN';
    const frozen = await refusal(charge(wallet, 5_000));
    expect([frozen.code, frozen.details]).toEqual(['ACCOUNT_FROZEN', { reasons: ['WALLET_FROZEN'] }]);
    expect(w.world.users.get(wallet.userId)!.deniedWhileFrozen).toBe(1);
  });

  it('an unknown link is NOT_FOUND', async () => {
    const wallet = await openWallet();
    expect((await refusal(charge(wallet, 5_000, { linkId: 'lnk_nope' }))).code).toBe('NOT_FOUND');
  });
});

describe('the same Idempotency-Key', () => {
  it('with the same body replays the first answer (marked replayed) and debits once; with another body is IDEMPOTENCY_KEY_REUSED', async () => {
    const wallet = await openWallet();
    const first = await charge(wallet, 5_000, { idempotencyKey: 'same' });
    const again = await charge(wallet, 5_000, { idempotencyKey: 'same' });
    expect(again).toEqual({ ...first, headers: { 'idempotent-replayed': 'true' } });
    expect(bankBalance(wallet)).toBe(995_000);
    expect((await refusal(charge(wallet, 6_000, { idempotencyKey: 'same' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await getWalletView(wallet.userId)).balance).toBe(5_000);
  });

  it('replays a declined answer too', async () => {
    const wallet = await openWallet({ balance: 999_000 });
    const first = await charge(wallet, 5_000, { idempotencyKey: 'k' });
    expect(body(first).error?.code).toBe('LIMIT_EXCEEDED');
    expect(await charge(wallet, 5_000, { idempotencyKey: 'k' })).toEqual({ ...first, headers: { 'idempotent-replayed': 'true' } });
  });
});

describe('controls hold for a charge’s whole life', () => {
  it('at confirmation: a wallet frozen while the charge waited is 403, the charge CANCELLED, its waiting slot given back, its workflow ended', async () => {
    const wallet = await openWallet();
    const { chargeId } = body(await charge(wallet, 3_000, { deviceId: newDevice(wallet) }));
    for (let i = 0; i < 200 && !stored(wallet, chargeId).confirmToken; i++) await new Promise((r) => setTimeout(r, 10));
    w.world.users.get(wallet.userId)!.status = 'FROZEN';
    const stop = await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: lastCode(wallet.phone), deviceId: newDevice(wallet) }));
    expect([stop.code, stop.details]).toEqual(['ACCOUNT_FROZEN', { reasons: ['WALLET_FROZEN'], chargeId, status: 'CANCELLED' }]);
    expect(stored(wallet, chargeId).status).toBe('CANCELLED');
    expect((await stores().charges.getActivity(wallet.userId)).waiting).toEqual({});
    for (let i = 0; i < 200 && (await w.workflow.isRunning(`${chargeId}-1`)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await w.workflow.isRunning(`${chargeId}-1`)).toBe(false);
    expect(bankBalance(wallet)).toBe(1_000_000);
  });

  it('at credit: a freeze that lands after the debit stops the credit; the debit is reversed and the answer is the control', async () => {
    const wallet = await openWallet();
    // The freeze races the request: it lands while the bank tells the holder of the debit.
    const send = w.sms.send.bind(w.sms);
    w.sms.send = async (to, text) => {
      if (to === wallet.holderPhone) w.world.users.get(wallet.userId)!.status = 'FROZEN';
      return send(to, text);
    };
    const answer = await charge(wallet, 5_000);
    expect([answer.status, body(answer).error]).toEqual([
      403,
      expect.objectContaining({ code: 'ACCOUNT_FROZEN', details: { reasons: ['WALLET_FROZEN'], chargeId: expect.any(String), status: 'CANCELLED' } }),
    ]);
    const chargeId = (body(answer).error!.details as { chargeId: string }).chargeId;
    expect(stored(wallet, chargeId)).toEqual(expect.objectContaining({ status: 'CANCELLED', response: { status: 403, body: answer.body } }));
    expect(bankBalance(wallet)).toBe(1_000_000);
    expect((await getWalletView(wallet.userId)).balance).toBe(0);
    expect((await listTransactions(wallet.userId, 20)).items).toEqual([]);
  });

  it('at the end of a hold: a link suspended meanwhile cancels the held charge instead of debiting it', async () => {
    const wallet = await openWallet({ attested: false, linkAgeHours: 1 });
    const { chargeId } = body(await charge(wallet, 5_000));
    w.world.links.get(`${wallet.userId}/${wallet.linkId}`)!.status = 'SUSPENDED';
    w.clock.advance(72 * 3600);
    expect((await sweep()).released).toEqual([]);
    expect(stored(wallet, chargeId).status).toBe('CANCELLED');
    expect(await getWalletView(wallet.userId)).toEqual({ balance: 0, pending: 0, currency: 'JPY' });
    expect(bankBalance(wallet)).toBe(1_000_000);
  });
});

describe('money and limits', () => {
  it('insufficient funds at the bank: 422 CHARGE_DECLINED (BANK_DECLINED), the charge FAILED, its day reservation given back', async () => {
    const wallet = await openWallet({ bankBalance: 1_000 });
    const answer = await charge(wallet, 5_000);
    expect([answer.status, body(answer).error?.code, body(answer).error?.details]).toEqual([422, 'CHARGE_DECLINED', { reasons: ['BANK_DECLINED'] }]);
    expect((await stores().charges.getActivity(wallet.userId)).recent).toEqual([]);
    expect((await getWalletView(wallet.userId)).balance).toBe(0);
  });

  it('the balance cap: counted at the decision (DENY) and held at the credit (reversed, 422 LIMIT_EXCEEDED)', async () => {
    const wallet = await openWallet({ balance: 996_000 });
    expect(body(await charge(wallet, 5_000)).error).toEqual(expect.objectContaining({ code: 'LIMIT_EXCEEDED', details: { reasons: ['BALANCE_CAP'] } }));
    // Money arriving between the decision and the credit (another charge's credit) fills the wallet.
    const send = w.sms.send.bind(w.sms);
    w.sms.send = async (to, text) => {
      if (to === wallet.holderPhone) w.world.wallets.get(wallet.userId)!.balance = 999_000;
      return send(to, text);
    };
    const answer = await charge(wallet, 3_000);
    expect([answer.status, body(answer).error?.details]).toEqual([422, { reasons: ['BALANCE_CAP'] }]);
    expect(bankBalance(wallet)).toBe(1_000_000);
  });

  it('the day limit and the per-charge limit are 422 LIMIT_EXCEEDED', async () => {
    const wallet = await openWallet();
    expect(body(await charge(wallet, 500_001)).error?.details).toEqual({ reasons: ['PER_CHARGE_LIMIT', 'DAILY_LIMIT'] });
    expect(body(await charge(wallet, 300_000)).status).toBe('PENDING_CONFIRMATION');
    expect(body(await charge(wallet, 250_000)).error?.details).toEqual({ reasons: ['DAILY_LIMIT'] });
  });

  it('at most 3 charges wait at once: the 4th is 429 RATE_LIMITED with retry-after 60', async () => {
    const wallet = await openWallet();
    for (let i = 0; i < 3; i++) expect((await charge(wallet, 1_000, { deviceId: newDevice(wallet) })).status).toBe(202);
    const limited = await refusal(charge(wallet, 1_000, { deviceId: newDevice(wallet) }));
    expect([limited.code, limited.headers]).toEqual(['RATE_LIMITED', { 'retry-after': '60' }]);
  });

  it('property: whatever the amounts, the wallet holds exactly what the bank debited, and the journal says so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 9_000 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 30_000 }),
        async (amounts, funds) => {
          const wallet = await openWallet({ bankBalance: funds });
          for (const amount of amounts) await charge(wallet, amount);
          const { balance } = await getWalletView(wallet.userId);
          const completed = [...w.world.charges.values()]
            .filter((c) => c.userId === wallet.userId && c.status === 'COMPLETED')
            .reduce((s, c) => s + c.amount, 0);
          const journal = (await listTransactions(wallet.userId, 100)).items.reduce((s, e) => s + e.amount, 0);
          expect([balance, journal, funds - bankBalance(wallet)]).toEqual([completed, completed, completed]);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('confirming', () => {
  it('a wrong code says how many tries are left; the 5th wrong one cancels the charge (429 TOO_MANY_ATTEMPTS)', async () => {
    const wallet = await openWallet();
    const { chargeId } = body(await charge(wallet, 3_000, { deviceId: newDevice(wallet) }));
    const right = lastCode(wallet.phone);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      const e = await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: wrong }));
      expect([e.code, e.details]).toEqual(['INVALID_CODE', { attemptsLeft: left }]);
    }
    expect((await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: wrong }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect(stored(wallet, chargeId).status).toBe('CANCELLED');
    expect((await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: right }))).code).toBe('INVALID_STATE');
  });

  it('after 5 minutes the charge has EXPIRED; another user’s charge is NOT_FOUND', async () => {
    const wallet = await openWallet();
    const other = await openWallet();
    const { chargeId } = body(await charge(wallet, 3_000, { deviceId: newDevice(wallet) }));
    expect((await refusal(confirmCharge({ userId: other.userId, chargeId, code: '123456' }))).code).toBe('NOT_FOUND');
    expect((await refusal(getChargeView(other.userId, chargeId))).code).toBe('NOT_FOUND');
    w.clock.advance(5 * 60);
    const expired = await refusal(confirmCharge({ userId: wallet.userId, chargeId, code: lastCode(wallet.phone) }));
    expect([expired.code, expired.details]).toEqual(['INVALID_STATE', { status: 'EXPIRED' }]);
    expect(stored(wallet, chargeId).status).toBe('EXPIRED');
  });
});

describe('the statement', () => {
  it('pages newest first with a cursor, and refuses a cursor that is not from this list', async () => {
    const wallet = await openWallet();
    for (const amount of [1_000, 2_000, 3_000]) {
      await charge(wallet, amount);
      w.clock.advance(1);
    }
    const first = await listTransactions(wallet.userId, 2);
    expect(first.items.map((e) => e.amount)).toEqual([3_000, 2_000]);
    const second = await listTransactions(wallet.userId, 2, first.nextCursor!);
    expect([second.items.map((e) => e.amount), second.nextCursor]).toEqual([[1_000], null]);
    const other = await openWallet();
    const bad = await refusal(listTransactions(other.userId, 2, first.nextCursor!));
    expect([bad.code, bad.details]).toEqual(['VALIDATION_ERROR', { issues: [{ in: 'query', path: 'cursor', message: 'not a cursor from this list' }] }]);
  });
});
