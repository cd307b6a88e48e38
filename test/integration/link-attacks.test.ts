/**
 * The 2020 attack, step by step, against the local stack. Then, criminals opened
 * wallets with just an email address and linked victims' bank accounts with the
 * account number, the holder's name and a stolen or brute-forced 4-digit PIN. Each
 * test here is one step of that attack (or of its obvious variants) and proves that
 * it is stopped. Every test uses its own wallets and bank accounts.
 */
import { decodeNotMeToken } from '../../functions/domain/not-me-token';
import {
  IDENTITY,
  api,
  authorizeAtBank,
  lastCode,
  linkAccount,
  openBankAccount,
  registerUser,
  requestOf,
  smsTo,
  verifiedUser,
  verifyPhone,
  type ApiResponse,
  type TestAccount,
  type TestUser,
} from '../support/api';

/** The criminal's own, real identity: eKYC verifies who the wallet's owner is, not who they claim to link. */
const ATTACKER = { fullName: '鈴木 一郎', fullNameKana: 'スズキ イチロウ', dateOfBirth: '1975-07-07' };

// ---------------------------------------------------------------- helpers

function expectError(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

const accountBody = (a: TestAccount) => ({ bankCode: a.bankCode, branchCode: a.branchCode, accountNumber: a.accountNumber });
const startLink = (user: TestUser, a: TestAccount) => api('POST', '/v1/me/bank-links', { token: user.token, body: accountBody(a) });
const authorize = (user: TestUser, linkId: string, authorizationCode: string) => api('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: user.token, body: { authorizationCode } });
const confirm = (user: TestUser, linkId: string, code: string) => api('POST', `/v1/me/bank-links/${linkId}/confirmation`, { token: user.token, body: { code } });
const bankStart = (request: string, pin: string) => api('POST', '/local/bank/authorize/start', { body: { request, pin } });
const bankComplete = (request: string, otp: string) => api('POST', '/local/bank/authorize/complete', { body: { request, otp } });

async function created(user: TestUser, account: TestAccount): Promise<{ linkId: string; authorizationUrl: string }> {
  const res = await startLink(user, account);
  expect(res.status).toBe(201);
  return res.body;
}

async function links(user: TestUser): Promise<{ linkId: string; status: string }[]> {
  const res = await api('GET', '/v1/me/bank-links', { token: user.token });
  expect(res.status).toBe(200);
  return res.body.items;
}
const statusOf = async (user: TestUser, linkId: string) => (await links(user)).find((l) => l.linkId === linkId)?.status;

async function walletStatus(user: TestUser): Promise<string> {
  const res = await api('GET', '/v1/me', { token: user.token });
  expect(res.status).toBe(200);
  return res.body.status;
}

async function bankBalance(a: TestAccount): Promise<number> {
  const res = await api('GET', `/local/bank/accounts/${a.bankCode}/${a.branchCode}/${a.accountNumber}`);
  expect(res.status).toBe(200);
  return res.body.balance;
}

const otherThan = (code: string, by = 1) => String((Number(code) + by) % 1_000_000).padStart(6, '0');
const otherPin = (pin: string, by = 1) => String((Number(pin) + by) % 10_000).padStart(4, '0');
// The bank's notices are Japanese (functions/shared/messages.ts): 「…に登録されました」, 「…ロックしました」.
const linkedNotices = async (a: TestAccount) => (await smsTo(a.holderPhone)).filter((m) => /に登録されました/.test(m.body));
const lockNotices = async (a: TestAccount) => (await smsTo(a.holderPhone)).filter((m) => /ロック/.test(m.body));

/** A phished holder: the criminal has the PIN and talks the victim into reading out the one-time code. */
async function phishedAuthorizationCode(victim: TestAccount, authorizationUrl: string): Promise<string> {
  return authorizeAtBank(victim, authorizationUrl);
}

// ---------------------------------------------------------------- the attack steps

describe('2020 attack step: a throwaway wallet opened with just an email address', () => {
  it('(c) is refused before any bank contact: 403 PHONE_UNVERIFIED, then 403 KYC_REQUIRED even with a verified phone', async () => {
    const victim = await openBankAccount();
    const throwaway = await registerUser();
    expectError(await startLink(throwaway, victim), 403, 'PHONE_UNVERIFIED');
    await verifyPhone(throwaway);
    for (let i = 0; i < 4; i++) expectError(await startLink(throwaway, victim), 403, 'KYC_REQUIRED');
    // The identity check comes before the bank is even looked up.
    expectError(await api('POST', '/v1/me/bank-links', { token: throwaway.token, body: { bankCode: '8765', branchCode: '000', accountNumber: '0000000' } }), 403, 'KYC_REQUIRED');

    expect(await links(throwaway)).toEqual([]);
    expect(await smsTo(victim.holderPhone)).toEqual([]);
    // Nothing reached the account either: the attempts neither locked it nor froze the wallet.
    expect(await walletStatus(throwaway)).toBe('ACTIVE');
    const holder = await verifiedUser(IDENTITY);
    await linkAccount(holder, victim);
  });
});

describe('2020 attack step: link a victim account with a stolen PIN', () => {
  it('(a) the one-time code goes to the victim\'s phone, guessing it kills the request, and made-up authorization codes fail', async () => {
    const attacker = await verifiedUser(ATTACKER);
    const victim = await openBankAccount({ balance: 300_000 });
    const attackerSmsBefore = (await smsTo(attacker.phone)).length;

    const { linkId, authorizationUrl } = await created(attacker, victim);
    const request = requestOf(authorizationUrl);
    const pin = await bankStart(request, victim.pin);
    expect(pin.status).toBe(200);

    // The one-time code went to the victim's bank-registered phone, and only there.
    const toVictim = await smsTo(victim.holderPhone);
    expect(toVictim).toHaveLength(1);
    expect(toVictim[0].body).toMatch(/\b\d{6}\b/);
    expect(toVictim[0].body).toContain(`****${victim.accountNumber.slice(-3)}`);
    expect((await smsTo(attacker.phone)).length).toBe(attackerSmsBefore);

    // Guessing: three wrong codes, and the request is dead, even for the right code and the right PIN.
    const otp = await lastCode(victim.holderPhone);
    for (let i = 1; i <= 3; i++) expect((await bankComplete(request, otherThan(otp, i))).status).toBe(401);
    const late = await bankComplete(request, otp);
    expect(late.status).not.toBe(200);
    expect(late.body?.authorizationCode).toBeUndefined();
    expect((await bankStart(request, victim.pin)).status).not.toBe(200);
    expect(await smsTo(victim.holderPhone)).toHaveLength(1); // no fresh code to guess at

    // Without an authorization code from the bank, made-up ones get nowhere.
    expectError(await authorize(attacker, linkId, 'a'.repeat(32)), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await statusOf(attacker, linkId)).toBe('FAILED');
    const second = await created(attacker, victim);
    expectError(await authorize(attacker, second.linkId, requestOf(second.authorizationUrl)), 422, 'BANK_AUTHORIZATION_FAILED');

    expect((await links(attacker)).map((l) => l.status)).toEqual(['FAILED', 'FAILED']);
    expect((await smsTo(attacker.phone)).length).toBe(attackerSmsBefore);
    expect(await linkedNotices(victim)).toEqual([]);
    expect(await bankBalance(victim)).toBe(300_000);
  });

  it('(a) a brute-forced PIN: three wrong PINs kill the request, and no code is ever sent', async () => {
    const attacker = await verifiedUser(ATTACKER);
    const victim = await openBankAccount();
    const { authorizationUrl } = await created(attacker, victim);
    const request = requestOf(authorizationUrl);
    for (let i = 1; i <= 3; i++) expect((await bankStart(request, otherPin(victim.pin, i))).status).toBe(401);
    // The fourth guess is the right PIN, too late.
    expect((await bankStart(request, victim.pin)).status).not.toBe(200);
    expect(await smsTo(victim.holderPhone)).toEqual([]);
  });
});

describe('2020 attack step: walking the PIN space with one verified wallet', () => {
  it('(h) a wallet may start only 5 link attempts a day, and the card locks after 6 wrong PINs across requests (the holder is told)', async () => {
    const attacker = await verifiedUser(ATTACKER);
    const victim = await openBankAccount();
    let guess = 1;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { authorizationUrl } = await created(attacker, victim);
      const request = requestOf(authorizationUrl);
      // Two wrong PINs per request: under the request's own limit of three, so only the card's limit stops the walk.
      for (let i = 0; i < 2 && guess <= 6; i++, guess++) {
        const res = await bankStart(request, otherPin(victim.pin, guess));
        expect(res.status).toBe(401);
      }
      if (guess > 6) {
        // The card is locked now: even the right PIN is refused, and no one-time code goes out.
        expect((await bankStart(request, victim.pin)).status).toBe(423);
      }
    }
    expectError(await startLink(attacker, victim), 429, 'RATE_LIMITED');
    const messages = (await smsTo(victim.holderPhone)).map((m) => m.body);
    expect(messages.some((m) => /6回誤って入力/.test(m))).toBe(true);
    expect(messages.some((m) => /ワンタイムパスワード/.test(m))).toBe(false);
  });
});

describe('2020 attack step: using the link-attempt cap as an oracle of linked accounts', () => {
  it('(i) after the 5-a-day cap, a linked and an unlinked account get the same 429 RATE_LIMITED: the answer never depends on the account', async () => {
    const holder = await verifiedUser(IDENTITY);
    const linked = await openBankAccount();
    await linkAccount(holder, linked);
    const unlinked = await openBankAccount();

    const prober = await verifiedUser(ATTACKER);
    // Before the cap, the answers differ (that is the contract: 409 for an account active elsewhere)...
    expectError(await startLink(prober, linked), 409, 'ACCOUNT_ALREADY_LINKED');
    for (let i = 0; i < 5; i++) await created(prober, await openBankAccount());
    // ...after it, they must not: the cap comes before any look at the account.
    const answers = await Promise.all([startLink(prober, linked), startLink(prober, unlinked), startLink(prober, linked)]);
    for (const res of answers) {
      expectError(res, 429, 'RATE_LIMITED');
      expect(res.headers.get('retry-after')).toBe(answers[1].headers.get('retry-after'));
      expect(res.body.error.message).toBe(answers[1].body.error.message);
    }
    expect(await links(prober)).toHaveLength(5);
  });
});

describe('2020 attack step: a phished PIN and one-time code', () => {
  it('(b) the bank authorizes, but the holder is not the wallet\'s eKYC identity: 422 HOLDER_MISMATCH, link FAILED', async () => {
    const attacker = await verifiedUser(ATTACKER);
    const victim = await openBankAccount({ balance: 500_000 });
    const attackerSmsBefore = (await smsTo(attacker.phone)).length;
    const { linkId, authorizationUrl } = await created(attacker, victim);
    const code = await phishedAuthorizationCode(victim, authorizationUrl);

    expectError(await authorize(attacker, linkId, code), 422, 'HOLDER_MISMATCH');
    expect(await statusOf(attacker, linkId)).toBe('FAILED');
    // No confirmation code was sent, the holder heard of no link, and the money stays.
    expect((await smsTo(attacker.phone)).length).toBe(attackerSmsBefore);
    expect(await linkedNotices(victim)).toEqual([]);
    expect(await bankBalance(victim)).toBe(500_000);
    // Nor can the same code be replayed on a fresh link.
    const again = await created(attacker, victim);
    expectError(await authorize(attacker, again.linkId, code), 422, 'BANK_AUTHORIZATION_FAILED');
  });

  it('(b) an identity that copies the victim\'s name but not the birth date is refused too', async () => {
    const attacker = await verifiedUser({ fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1991-04-01' });
    const victim = await openBankAccount({ holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: '1990-04-01' });
    const { linkId, authorizationUrl } = await created(attacker, victim);
    expectError(await authorize(attacker, linkId, await phishedAuthorizationCode(victim, authorizationUrl)), 422, 'HOLDER_MISMATCH');
    expect(await statusOf(attacker, linkId)).toBe('FAILED');
  });
});

describe('2020 attack step: one wallet trying account after account', () => {
  it('(d) three failures within 24 h freeze the wallet: GET /v1/me says FROZEN, and linking is 403 ACCOUNT_FROZEN', async () => {
    const attacker = await verifiedUser(ATTACKER);
    const victims = [await openBankAccount(), await openBankAccount(), await openBankAccount(), await openBankAccount()];
    // A link started while the wallet was still in good standing.
    const waiting = await created(attacker, victims[3]);
    const waitingCode = await phishedAuthorizationCode(victims[3], waiting.authorizationUrl);

    const l1 = await created(attacker, victims[0]);
    expectError(await authorize(attacker, l1.linkId, 'made-up-1'), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await walletStatus(attacker)).toBe('ACTIVE');

    const l2 = await created(attacker, victims[1]);
    expectError(await authorize(attacker, l2.linkId, await phishedAuthorizationCode(victims[1], l2.authorizationUrl)), 422, 'HOLDER_MISMATCH');
    expect(await walletStatus(attacker)).toBe('ACTIVE');

    const l3 = await created(attacker, victims[2]);
    expectError(await authorize(attacker, l3.linkId, 'made-up-3'), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await walletStatus(attacker)).toBe('FROZEN');

    expectError(await startLink(attacker, await openBankAccount()), 403, 'ACCOUNT_FROZEN');
    expectError(await authorize(attacker, waiting.linkId, waitingCode), 403, 'ACCOUNT_FROZEN');
    expect(await statusOf(attacker, waiting.linkId)).toBe('PENDING_BANK_AUTH');
  });
});

describe('2020 attack step: reverse brute force, many wallets on one account', () => {
  it('(e) three wallets failing on one account lock it: a 4th wallet, even the honest holder, gets 403 BANK_ACCOUNT_LOCKED, and the holder is told', async () => {
    const victim = await openBankAccount();
    const attackers = [
      await verifiedUser(ATTACKER),
      await verifiedUser({ fullName: '佐藤 次郎', fullNameKana: 'サトウ ジロウ', dateOfBirth: '1980-02-02' }),
      await verifiedUser({ fullName: '田中 三郎', fullNameKana: 'タナカ サブロウ', dateOfBirth: '1970-03-03' }),
    ];
    const first = await created(attackers[0], victim);
    expectError(await authorize(attackers[0], first.linkId, 'guess-0'), 422, 'BANK_AUTHORIZATION_FAILED');
    const second = await created(attackers[1], victim);
    expectError(await authorize(attackers[1], second.linkId, await phishedAuthorizationCode(victim, second.authorizationUrl)), 422, 'HOLDER_MISMATCH');
    expect(await lockNotices(victim)).toEqual([]);
    // Two failures do not lock yet: the third wallet may still start.
    const third = await created(attackers[2], victim);
    expectError(await authorize(attackers[2], third.linkId, 'guess-2'), 422, 'BANK_AUTHORIZATION_FAILED');

    const honest = await verifiedUser(IDENTITY);
    expectError(await startLink(honest, victim), 403, 'BANK_ACCOUNT_LOCKED');
    for (const attacker of attackers) expectError(await startLink(attacker, victim), 403, 'BANK_ACCOUNT_LOCKED');

    const notices = await lockNotices(victim);
    expect(notices).toHaveLength(1);
    expect(notices[0].body).toContain(`****${victim.accountNumber.slice(-3)}`);
    expect(notices[0].body).not.toContain(victim.accountNumber);
    // One strike each: the lock is on the account, not on wallets that failed once.
    for (const attacker of attackers) expect(await walletStatus(attacker)).toBe('ACTIVE');
    // Other accounts are not affected.
    await linkAccount(honest, await openBankAccount());
  });
});

describe('2020 attack step: linking an account that is already in use', () => {
  it('(f) two wallets racing to confirm links to one account: exactly one ACTIVE, the other 409 ACCOUNT_ALREADY_LINKED (5 races)', async () => {
    for (let race = 0; race < 5; race++) {
      const account = await openBankAccount();
      const wallets = [await verifiedUser(IDENTITY), await verifiedUser(IDENTITY)];
      const started = [];
      for (const wallet of wallets) started.push(await created(wallet, account));
      // Both owners of the same identity pass the bank (one after the other: the bank's codes go to one phone).
      const pending: { linkId: string; code: string }[] = [];
      for (const [i, wallet] of wallets.entries()) {
        const auth = await authorize(wallet, started[i].linkId, await authorizeAtBank(account, started[i].authorizationUrl));
        expect(auth.status).toBe(200);
        pending.push({ linkId: started[i].linkId, code: await lastCode(wallet.phone) });
      }

      const answers = await Promise.all(wallets.map((w, i) => confirm(w, pending[i].linkId, pending[i].code)));
      const outcome = answers.map((a) => `${a.status} ${a.body?.status ?? a.body?.error?.code}`).sort();
      expect({ race, outcome }).toEqual({ race, outcome: ['200 ACTIVE', '409 ACCOUNT_ALREADY_LINKED'] });

      const winner = answers.findIndex((a) => a.status === 200);
      const loser = 1 - winner;
      expect(await statusOf(wallets[winner], pending[winner].linkId)).toBe('ACTIVE');
      expect(await statusOf(wallets[loser], pending[loser].linkId)).toBe('FAILED');
      // The holder hears of the one link that exists; losing a race is no abuse.
      expect(await linkedNotices(account)).toHaveLength(1);
      expect(await walletStatus(wallets[loser])).toBe('ACTIVE');
    }
  });
});

describe('2020 attack step: victims who never knew', () => {
  it('(g) the holder hears of every link: exactly one LINKED notice from the bank, with a not-me URL for that link', async () => {
    const user = await verifiedUser(IDENTITY);
    const account = await openBankAccount();
    const linkId = await linkAccount(user, account);

    const messages = await smsTo(account.holderPhone);
    const notices = messages.filter((m) => /に登録されました/.test(m.body));
    expect(notices).toHaveLength(1);
    expect(messages).toHaveLength(2); // the bank's one-time code, then the notice
    const url = new URL(/https?:\/\/\S+/.exec(notices[0].body)![0]);
    expect(url.pathname).toBe('/not-me');
    const token = url.searchParams.get('token')!;
    // The compact form (a shorter SMS); what it names is checked without the service's key.
    expect(token).toMatch(/^v2\.[\w-]+\.[\w-]+$/);
    const decoded = decodeNotMeToken(token);
    expect(decoded).toEqual({ valid: true, claims: expect.objectContaining({ linkId, userId: user.userId, event: expect.objectContaining({ kind: 'LINKED' }) }) });
    expect(decoded.valid && decoded.claims.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('(g) after the account moves to another wallet, the holder hears again, with a not-me link naming the new one', async () => {
    const [first, second] = [await verifiedUser(IDENTITY), await verifiedUser(IDENTITY)];
    const account = await openBankAccount();
    const firstLink = await linkAccount(first, account);
    expect((await api('DELETE', `/v1/me/bank-links/${firstLink}`, { token: first.token })).status).toBe(204);
    const secondLink = await linkAccount(second, account);

    const tokens = (await linkedNotices(account)).map((m) => /[?&]token=([\w.-]+)/.exec(m.body)![1]);
    expect(tokens).toHaveLength(2);
    const named = tokens.map((t) => decodeNotMeToken(t)).map((d) => (d.valid ? d.claims : undefined));
    expect(named.map((c) => [c?.linkId, c?.userId])).toEqual([
      [firstLink, first.userId],
      [secondLink, second.userId],
    ]);
  });
});
