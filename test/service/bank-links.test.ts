/**
 * The bank-link use cases (functions/app/bank-links.ts, bank-events.ts, bank-breaker.ts) on the
 * in-memory stores and ports: the happy path and every refusal code of the link routes, the
 * abuse counters, the bank's events and the breaker, and a property: whatever wallets do, an
 * account is held by at most one link, and the claim names it. No Java, no emulators, no HTTP.
 */
import fc from 'fast-check';
import type { UserRecord } from '../../functions/adapters/users-repo';
import { checkBankSignature, receiveBankEvent } from '../../functions/app/bank-events';
import { authorizeLink, confirmLink, listBankLinks, startLink, unlink } from '../../functions/app/bank-links';
import type { BankSettings } from '../../functions/domain/bank';
import { accountHash, LINK_ABUSE, type BankAccount } from '../../functions/domain/bank-link';
import type { StoredCode } from '../../functions/domain/codes';
import type { ListHit } from '../../functions/domain/lists';
import { decodeNotMeToken } from '../../functions/domain/not-me-token';
import { signWebhook } from '../../functions/domain/webhook-signature';
import { DomainError } from '../../functions/shared/errors';
import { ports } from '../../functions/shared/runtime';
import { stores, useStores, type Stores } from '../../functions/store';
import type { MemoryWorld } from '../../functions/store/memory-world';
import type { BankSimulator } from '../../local/bank-simulator';
import { SimulatorError } from '../../local/ekyc-simulator';
import type { LocalClock } from '../../local/clock';
import type { SmsOutbox } from '../../local/sms-outbox';
import { BANK_WEBHOOK_SECRET, serviceWorld, type ServiceWorld } from '../support/service';

// ------------------------------------------------------------------------------------------------
// Stand-ins until the other areas' in-memory stores are merged (issue 9): the wallets (users), the
// lists, the charges, and the code checks and the freeze that still import their DynamoDB modules.
// They do what those stores do for the paths below (no charge ever waits here). After the merge
// this block and `useStores(standIns)` go, and the three helpers below marked "stand-in" become:
//   putUser = (user) => world.users.set(user.userId, user);  userNow = (id) => world.users.get(id)!;
//   givenListed = (account, hit) => stores().lists.putEntry(hashOf(account),
//     { ...hit, value: '****', createdAt: new Date(clock.now()).toISOString(), createdBy: 'ops:test' },
//     { userId: 'lists', actor: 'ops:test', action: 'LIST_PUT', at: clock.now() });
// (Tried on a trial merge of b-9l with b-9i, b-9o and b-9c: all 27 tests pass that way, with no stand-in.)
const mockState: { world?: MemoryWorld; users: Map<string, UserRecord>; listed: Map<string, ListHit> } = { users: new Map(), listed: new Map() };
const mockCodeKey = (key: { pk: string; sk: string }) => `link/${key.pk.slice('LINK#'.length)}`;
const mockUsers = {
  getUser: async (userId: string) => structuredClone(mockState.users.get(userId)),
  requireUser: async (userId: string) => {
    const user = mockState.users.get(userId);
    if (!user) throw new DomainError('NOT_FOUND', 'No such user');
    return structuredClone(user);
  },
  freezeUser: async (userId: string, reason: string, audit: { userId: string; actor: string; action: string; at: number }) => {
    const user = mockState.users.get(userId);
    if (!user || user.status === 'FROZEN') return false;
    mockState.users.set(userId, { ...user, status: 'FROZEN', frozenReason: reason });
    mockState.world!.audit.push(audit);
    return true;
  },
};
jest.mock('../../functions/adapters/users-repo', () => ({
  ...jest.requireActual('../../functions/adapters/users-repo'),
  freezeUser: (...a: unknown[]) => (mockUsers.freezeUser as (...x: unknown[]) => unknown)(...a),
}));
jest.mock('../../functions/adapters/codes-repo', () => ({
  ...jest.requireActual('../../functions/adapters/codes-repo'),
  getCode: async (key: { pk: string; sk: string }) => structuredClone(mockState.world!.codes.get(mockCodeKey(key))),
  countWrongCode: async (key: { pk: string; sk: string }, hash: string, max: number) => {
    const code: StoredCode | undefined = mockState.world!.codes.get(mockCodeKey(key));
    if (code?.hash !== hash || code.attempts >= max) return undefined;
    code.attempts += 1;
    return code.attempts;
  },
}));
jest.mock('../../functions/adapters/charges-repo', () => ({
  ...jest.requireActual('../../functions/adapters/charges-repo'),
  getActivity: async () => ({ waiting: {} }),
}));
const standIns = {
  users: mockUsers as unknown as Stores['users'],
  lists: {
    listHits: async (probe: { accountHash?: string }) => [...mockState.listed].filter(([h]) => h === probe.accountHash).map(([, hit]) => hit),
  } as unknown as Stores['lists'],
  charges: { listCharges: async () => [] } as unknown as Stores['charges'],
};
// ------------------------------------------------------------------------------------------------

const HOLDER = { holderNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-04-01' };
const IDENTITY = { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-04-01' };

const opened: ServiceWorld[] = [];
let world: MemoryWorld;
let clock: LocalClock;
let sms: SmsOutbox;
let bank: BankSimulator;
let alerts: { subject: string; message: string }[];
let accountKey: string;
let seq = 0;

/** A fresh service world with the two seeded banks (and, until the merge, the stand-ins over it). */
async function freshWorld() {
  const w = serviceWorld();
  opened.push(w);
  ({ world, clock, sms, bank, alerts } = w);
  useStores(standIns);
  mockState.world = world;
  mockState.users.clear();
  mockState.listed.clear();
  accountKey = (await ports().secrets()).accountKey;
  for (const bankCode of ['0001', '9900']) await stores().banks.seedBank(bankSettings(bankCode));
}

beforeEach(freshWorld);
afterEach(() => {
  for (const w of opened.splice(0)) w.close();
});
afterAll(() => useStores(undefined));

// ------------------------------------------------------------------------------------------------ helpers

const bankSettings = (bankCode: string, over: Partial<BankSettings> = {}): BankSettings => ({
  bankCode,
  name: `Bank ${bankCode}`,
  linkingEnabled: true,
  chargingEnabled: true,
  updatedAt: new Date(0).toISOString(),
  updatedBy: 'seed',
  ...over,
});

function givenUser(over: Partial<UserRecord> = {}): UserRecord {
  const n = ++seq;
  const user: UserRecord = {
    userId: `user-${n}`,
    email: `u${n}@example.com`,
    phoneNumber: `+8190${String(n).padStart(8, '0')}`,
    phoneVerified: true,
    kycStatus: 'VERIFIED',
    status: 'ACTIVE',
    createdAt: new Date(clock.now()).toISOString(),
    termsVersion: 't',
    identity: IDENTITY,
    ...over,
  };
  putUser(user);
  return user;
}
const putUser = (user: UserRecord) => mockState.users.set(user.userId, user); // stand-in
const userNow = (userId: string) => mockState.users.get(userId)!; // stand-in
const givenListed = async (account: BankAccount, hit: ListHit) => void mockState.listed.set(hashOf(account), hit); // stand-in

function openAccount(over: Partial<typeof HOLDER & { phoneNumber: string; bankCode: string }> = {}): BankAccount & { pin: string; phoneNumber: string } {
  const phoneNumber = over.phoneNumber ?? `+8170${String(++seq).padStart(8, '0')}`;
  const bankCode = over.bankCode ?? '0001';
  const opened = bank.openAccount({ bankCode, ...HOLDER, ...over, phoneNumber, balance: 1_000_000 });
  return { bankCode, branchCode: opened.branchCode, accountNumber: opened.accountNumber, pin: opened.pin, phoneNumber };
}
const accountOnly = (a: BankAccount): BankAccount => ({ bankCode: a.bankCode, branchCode: a.branchCode, accountNumber: a.accountNumber });
const hashOf = (a: BankAccount) => accountHash(accountKey, a);
const lastCode = (phone: string) => /\d{6}/.exec(sms.messagesTo(phone).at(-1)?.body ?? '')?.[0] ?? '';

/** What the holder does at the bank's page: the PIN, then the one-time code the bank sends to the holder's phone. */
async function authorizeAtBank(authorizationUrl: string, account: { pin: string; phoneNumber: string }): Promise<string> {
  const requestId = new URL(authorizationUrl).searchParams.get('request')!;
  await bank.startAuthorization(requestId, account.pin);
  return bank.completeAuthorization(requestId, lastCode(account.phoneNumber)).authorizationCode;
}

async function linkedToCode(user: UserRecord, account: ReturnType<typeof openAccount>) {
  const started = await startLink({ userId: user.userId, account: accountOnly(account), deviceId: 'dev-1' });
  const authorizationCode = await authorizeAtBank(started.authorizationUrl, account);
  expect(await authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode })).toEqual({ status: 'PENDING_CONFIRMATION' });
  return started.linkId;
}

async function activeLink(user: UserRecord, account: ReturnType<typeof openAccount>) {
  const linkId = await linkedToCode(user, account);
  expect(await confirmLink({ userId: user.userId, linkId, code: lastCode(user.phoneNumber) })).toEqual({ status: 'ACTIVE' });
  return linkId;
}

/** The use case's refusal: its contract code (and details where they are part of the answer). */
async function refused(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

const linkOf = async (userId: string, linkId: string) => (await stores().links.getLink(userId, linkId))!;
const actions = (userId: string) => world.audit.filter((a) => a.userId === userId).map((a) => a.action);

// ------------------------------------------------------------------------------------------------ the happy path

describe('a link from request to holder notice', () => {
  it('goes PENDING_BANK_AUTH → PENDING_CONFIRMATION → ACTIVE, claims the account and has the bank tell the holder', async () => {
    const user = givenUser();
    const account = openAccount();
    const started = await startLink({ userId: user.userId, account: accountOnly(account), deviceId: 'dev-1' });
    expect(started).toEqual({
      linkId: expect.stringMatching(/^lnk_/),
      status: 'PENDING_BANK_AUTH',
      authorizationUrl: expect.stringContaining('/local/bank/authorize?request='),
    });

    const authorizationCode = await authorizeAtBank(started.authorizationUrl, account);
    await authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode });
    const waiting = await linkOf(user.userId, started.linkId);
    expect(waiting).toMatchObject({ status: 'PENDING_CONFIRMATION', phoneAttested: false, accountRef: expect.stringMatching(/^acct_/) });
    expect(lastCode(user.phoneNumber)).toMatch(/^\d{6}$/);

    await confirmLink({ userId: user.userId, linkId: started.linkId, code: lastCode(user.phoneNumber) });
    expect(await linkOf(user.userId, started.linkId)).toMatchObject({ status: 'ACTIVE', activatedAt: expect.any(String) });
    expect(await stores().links.getAccountClaim(hashOf(account))).toEqual({ userId: user.userId, linkId: started.linkId });
    expect(world.codes.size).toBe(0); // the code was spent with the activation

    const notice = sms.messagesTo(account.phoneNumber).at(-1)!.body;
    const token = decodeURIComponent(/token=([^\s]+)/.exec(notice)![1]);
    expect(decodeNotMeToken(token)).toMatchObject({ valid: true, claims: { linkId: started.linkId, userId: user.userId, event: { kind: 'LINKED' } } });
    expect(actions(user.userId)).toEqual(['LINK_REQUESTED', 'LINK_BANK_AUTHORIZED', 'LINK_ACTIVATED']);

    expect(await listBankLinks(user.userId)).toEqual([
      {
        linkId: started.linkId,
        bankCode: '0001',
        branchCode: account.branchCode,
        accountNumber: `****${account.accountNumber.slice(-3)}`,
        status: 'ACTIVE',
        createdAt: expect.any(String),
        activatedAt: expect.any(String),
      },
    ]);
  });

  it("attests the phone when the wallet phone is the holder's bank-registered phone", async () => {
    const user = givenUser();
    const linkId = await linkedToCode(user, openAccount({ phoneNumber: user.phoneNumber }));
    expect((await linkOf(user.userId, linkId)).phoneAttested).toBe(true);
  });

  it('lists newest first, with no hash, reference or attestation', async () => {
    const user = givenUser();
    const first = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    clock.advance(60);
    const second = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    const listed = await listBankLinks(user.userId);
    expect(listed.map((l) => l.linkId)).toEqual([second.linkId, first.linkId]);
    expect(Object.keys(listed[0]).sort()).toEqual(['accountNumber', 'bankCode', 'branchCode', 'createdAt', 'linkId', 'status']);
    expect(await listBankLinks(givenUser().userId)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------ POST /v1/me/bank-links

describe('starting a link refuses', () => {
  it('a frozen wallet, an unverified phone, a wallet without eKYC', async () => {
    const account = accountOnly(openAccount());
    await refused(startLink({ userId: givenUser({ status: 'FROZEN' }).userId, account }), 'ACCOUNT_FROZEN');
    await refused(startLink({ userId: givenUser({ phoneVerified: false }).userId, account }), 'PHONE_UNVERIFIED');
    await refused(startLink({ userId: givenUser({ kycStatus: 'PENDING' }).userId, account }), 'KYC_REQUIRED');
    expect(world.links.size).toBe(0);
  });

  it(`more than ${LINK_ABUSE.attemptsPerDay} attempts a day (429 with retry-after), before looking at the account`, async () => {
    const user = givenUser();
    for (let i = 0; i < LINK_ABUSE.attemptsPerDay; i++) await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    await stores().links.lockAccount(hashOf(openAccount()), clock.now() + 86_400_000, 'TEST', { userId: 'x', actor: 'test', action: 'LOCK', at: clock.now() });
    const error = await refused(startLink({ userId: user.userId, account: { bankCode: '7777', branchCode: '001', accountNumber: '0000001' } }), 'RATE_LIMITED');
    expect(error.headers).toEqual({ 'retry-after': '3600' });
    clock.advance(86_401);
    await expect(startLink({ userId: user.userId, account: accountOnly(openAccount()) })).resolves.toMatchObject({ status: 'PENDING_BANK_AUTH' });
  });

  it('a bank we do not support, and a bank whose linking is off (503 with retry-after)', async () => {
    const user = givenUser();
    await refused(startLink({ userId: user.userId, account: { bankCode: '7777', branchCode: '001', accountNumber: '0000001' } }), 'BANK_NOT_SUPPORTED');
    await stores().banks.saveBank(bankSettings('0001', { linkingEnabled: false }), {
      userId: 'bank-0001',
      actor: 'ops:test',
      action: 'BANK_SWITCHED',
      at: clock.now(),
    });
    const error = await refused(startLink({ userId: user.userId, account: accountOnly(openAccount()) }), 'BANK_SUSPENDED');
    expect(error.headers).toEqual({ 'retry-after': '3600' });
  });

  it('a locked account, and one with a DENY list entry (a REVIEW entry lets the link be made)', async () => {
    const user = givenUser();
    const locked = openAccount();
    await stores().links.lockAccount(hashOf(locked), clock.now() + 3600_000, 'REPEATED_LINK_FAILURES', {
      userId: 'x',
      actor: 'test',
      action: 'LOCK',
      at: clock.now(),
    });
    await refused(startLink({ userId: user.userId, account: accountOnly(locked) }), 'BANK_ACCOUNT_LOCKED');
    clock.advance(3601);
    await expect(startLink({ userId: user.userId, account: accountOnly(locked) })).resolves.toMatchObject({ status: 'PENDING_BANK_AUTH' });

    const denied = openAccount();
    await givenListed(denied, { kind: 'BANK_ACCOUNT', action: 'DENY', reason: 'fraud ring', until: new Date(clock.now() + 3600_000).toISOString() });
    const error = await refused(startLink({ userId: user.userId, account: accountOnly(denied) }), 'BANK_ACCOUNT_LOCKED');
    expect(error.details).toEqual({ reasons: ['LISTED_BANK_ACCOUNT'] });
    const reviewed = openAccount();
    await givenListed(reviewed, { kind: 'BANK_ACCOUNT', action: 'REVIEW', reason: 'watch', until: new Date(clock.now() + 3600_000).toISOString() });
    await expect(startLink({ userId: user.userId, account: accountOnly(reviewed) })).resolves.toMatchObject({ status: 'PENDING_BANK_AUTH' });
  });

  it('an account active on another wallet (409)', async () => {
    const account = openAccount();
    await activeLink(givenUser(), account);
    await refused(startLink({ userId: givenUser().userId, account: accountOnly(account) }), 'ACCOUNT_ALREADY_LINKED');
  });
});

// ------------------------------------------------------------------------------------------------ authorization

describe('authorizing a link', () => {
  it("refuses an unknown link (another wallet's too) and a link not waiting for the bank", async () => {
    const user = givenUser();
    const account = openAccount();
    await refused(authorizeLink({ userId: user.userId, linkId: 'lnk_nope', authorizationCode: 'x' }), 'NOT_FOUND');
    const linkId = await linkedToCode(user, account);
    await refused(authorizeLink({ userId: givenUser().userId, linkId, authorizationCode: 'x' }), 'NOT_FOUND');
    await refused(authorizeLink({ userId: user.userId, linkId, authorizationCode: 'x' }), 'INVALID_STATE');
  });

  it('refuses a frozen wallet and a bank switched off meanwhile', async () => {
    const user = givenUser();
    const started = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    await stores().banks.saveBank(bankSettings('0001', { linkingEnabled: false }), {
      userId: 'bank-0001',
      actor: 'ops:test',
      action: 'BANK_SWITCHED',
      at: clock.now(),
    });
    await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'x' }), 'BANK_SUSPENDED');
    putUser({ ...userNow(user.userId), status: 'FROZEN' });
    await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'x' }), 'ACCOUNT_FROZEN');
    expect((await linkOf(user.userId, started.linkId)).status).toBe('PENDING_BANK_AUTH');
  });

  it('fails the link without a strike when the account was locked after the link started', async () => {
    const user = givenUser();
    const account = openAccount();
    const started = await startLink({ userId: user.userId, account: accountOnly(account) });
    await stores().links.lockAccount(hashOf(account), clock.now() + 3600_000, 'HOLDER_BLOCKED_LINKING', {
      userId: 'x',
      actor: 'test',
      action: 'LOCK',
      at: clock.now(),
    });
    await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'x' }), 'BANK_ACCOUNT_LOCKED');
    expect(await linkOf(user.userId, started.linkId)).toMatchObject({ status: 'FAILED', failureReason: 'BANK_ACCOUNT_LOCKED' });
    expect(world.strikes.size).toBe(0);
  });

  it('fails the link with a strike on a code the bank refuses (BANK_AUTHORIZATION_FAILED)', async () => {
    const user = givenUser();
    const account = openAccount();
    const started = await startLink({ userId: user.userId, account: accountOnly(account) });
    await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'not-a-code' }), 'BANK_AUTHORIZATION_FAILED');
    expect(await linkOf(user.userId, started.linkId)).toMatchObject({ status: 'FAILED', failureReason: 'BANK_AUTHORIZATION_FAILED' });
    expect(world.strikes.get(`USER#${user.userId}`)).toHaveLength(1);
    expect(world.strikes.get(`ACCOUNT#${hashOf(account)}`)).toHaveLength(1);
    expect(actions(user.userId)).toEqual(['LINK_REQUESTED', 'LINK_FAILED', 'LINK_STRIKE']);
  });

  it('fails the link on a holder who is not the eKYC person (HOLDER_MISMATCH), and sends no code', async () => {
    const user = givenUser();
    const account = openAccount({ holderNameKana: 'スズキ ハナコ' });
    const started = await startLink({ userId: user.userId, account: accountOnly(account) });
    const authorizationCode = await authorizeAtBank(started.authorizationUrl, account);
    await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode }), 'HOLDER_MISMATCH');
    expect(await linkOf(user.userId, started.linkId)).toMatchObject({ status: 'FAILED', failureReason: 'HOLDER_MISMATCH' });
    expect(sms.messagesTo(user.phoneNumber)).toEqual([]);
  });

  it(`freezes a wallet at its ${LINK_ABUSE.walletStrikesToFreeze}rd failure in a day`, async () => {
    const user = givenUser();
    for (let i = 0; i < LINK_ABUSE.walletStrikesToFreeze; i++) {
      const started = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
      await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'bad' }), 'BANK_AUTHORIZATION_FAILED');
      expect(userNow(user.userId).status).toBe(i < LINK_ABUSE.walletStrikesToFreeze - 1 ? 'ACTIVE' : 'FROZEN');
    }
    expect(userNow(user.userId).frozenReason).toBe('LINK_ABUSE');
    await refused(startLink({ userId: user.userId, account: accountOnly(openAccount()) }), 'ACCOUNT_FROZEN');
  });

  it(`locks an account at its ${LINK_ABUSE.accountStrikesToLock}rd failure across wallets, and the bank tells its holder`, async () => {
    const account = openAccount({ holderNameKana: 'スズキ ハナコ' });
    for (let i = 0; i < LINK_ABUSE.accountStrikesToLock; i++) {
      const user = givenUser();
      const started = await startLink({ userId: user.userId, account: accountOnly(account) });
      await refused(
        authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: await authorizeAtBank(started.authorizationUrl, account) }),
        'HOLDER_MISMATCH',
      );
    }
    expect(await stores().links.getAccountLock(hashOf(account), clock.now())).toEqual({ until: expect.any(String), reason: 'REPEATED_LINK_FAILURES' });
    expect(sms.messagesTo(account.phoneNumber).at(-1)!.body).toContain(`***${account.accountNumber.slice(-3)}`);
    await refused(startLink({ userId: givenUser().userId, account: accountOnly(account) }), 'BANK_ACCOUNT_LOCKED');
    clock.advance(LINK_ABUSE.accountLockDays * 86_400 + 1);
    await expect(startLink({ userId: givenUser().userId, account: accountOnly(account) })).resolves.toMatchObject({ status: 'PENDING_BANK_AUTH' });
  });
});

// ------------------------------------------------------------------------------------------------ confirmation

describe('confirming a link', () => {
  it('refuses an unknown link, a link not waiting for its code, a frozen wallet', async () => {
    const user = givenUser();
    await refused(confirmLink({ userId: user.userId, linkId: 'lnk_nope', code: '000000' }), 'NOT_FOUND');
    const started = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    await refused(confirmLink({ userId: user.userId, linkId: started.linkId, code: '000000' }), 'INVALID_STATE');
    const linkId = await linkedToCode(user, openAccount());
    putUser({ ...userNow(user.userId), status: 'FROZEN' });
    await refused(confirmLink({ userId: user.userId, linkId, code: lastCode(user.phoneNumber) }), 'ACCOUNT_FROZEN');
  });

  it('counts wrong codes (INVALID_CODE with the tries left), and the fifth fails the link (TOO_MANY_ATTEMPTS)', async () => {
    const user = givenUser();
    const linkId = await linkedToCode(user, openAccount());
    const right = lastCode(user.phoneNumber);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 1; i < 5; i++)
      expect((await refused(confirmLink({ userId: user.userId, linkId, code: wrong }), 'INVALID_CODE')).details).toEqual({ attemptsLeft: 5 - i });
    await refused(confirmLink({ userId: user.userId, linkId, code: wrong }), 'TOO_MANY_ATTEMPTS');
    expect(await linkOf(user.userId, linkId)).toMatchObject({ status: 'FAILED', failureReason: 'CONFIRMATION_CODE_EXHAUSTED' });
    await refused(confirmLink({ userId: user.userId, linkId, code: right }), 'INVALID_STATE');
  });

  it('refuses an expired code', async () => {
    const user = givenUser();
    const linkId = await linkedToCode(user, openAccount());
    clock.advance(301);
    await refused(confirmLink({ userId: user.userId, linkId, code: lastCode(user.phoneNumber) }), 'INVALID_CODE');
    expect((await linkOf(user.userId, linkId)).status).toBe('PENDING_CONFIRMATION');
  });

  it("lets one of two wallets racing for an account win; the other's link fails without a strike (ACCOUNT_ALREADY_LINKED)", async () => {
    const account = openAccount();
    const [a, b] = [givenUser(), givenUser()];
    const linkA = await linkedToCode(a, account);
    const linkB = await linkedToCode(b, account);
    await confirmLink({ userId: a.userId, linkId: linkA, code: lastCode(a.phoneNumber) });
    await refused(confirmLink({ userId: b.userId, linkId: linkB, code: lastCode(b.phoneNumber) }), 'ACCOUNT_ALREADY_LINKED');
    expect(await linkOf(b.userId, linkB)).toMatchObject({ status: 'FAILED', failureReason: 'ACCOUNT_ALREADY_LINKED' });
    expect(world.strikes.get(`USER#${b.userId}`)).toBeUndefined();
    expect(await stores().links.getAccountClaim(hashOf(account))).toEqual({ userId: a.userId, linkId: linkA });
  });
});

// ------------------------------------------------------------------------------------------------ DELETE

describe('unlinking', () => {
  it('removes an active link and frees its account for another wallet', async () => {
    const account = openAccount();
    const user = givenUser();
    const linkId = await activeLink(user, account);
    await unlink({ userId: user.userId, linkId });
    expect((await linkOf(user.userId, linkId)).status).toBe('REMOVED');
    expect(await stores().links.getAccountClaim(hashOf(account))).toBeUndefined();
    const other = givenUser();
    const removedAt = (await linkOf(user.userId, linkId)).updatedAt;
    expect(await stores().links.accountLastActiveElsewhere(hashOf(account), other.userId)).toBe(Date.parse(removedAt));
    await activeLink(other, account);
    await unlink({ userId: user.userId, linkId }); // again: nothing to do
  });

  it('removes a pending link, leaves a failed one as it is, and refuses an unknown or suspended one', async () => {
    const user = givenUser();
    const pending = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    await unlink({ userId: user.userId, linkId: pending.linkId });
    expect((await linkOf(user.userId, pending.linkId)).status).toBe('REMOVED');

    const failing = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
    await refused(authorizeLink({ userId: user.userId, linkId: failing.linkId, authorizationCode: 'bad' }), 'BANK_AUTHORIZATION_FAILED');
    await unlink({ userId: user.userId, linkId: failing.linkId });
    expect((await linkOf(user.userId, failing.linkId)).status).toBe('FAILED');

    await refused(unlink({ userId: user.userId, linkId: 'lnk_nope' }), 'NOT_FOUND');
    const account = openAccount();
    const active = await activeLink(user, account);
    await receiveBankEvent({ eventId: 'evt-1', type: 'ACCOUNT_COMPROMISED', ...accountOnly(account) });
    const error = await refused(unlink({ userId: user.userId, linkId: active }), 'INVALID_STATE');
    expect(error.details).toEqual({ status: 'SUSPENDED' });
    expect(await stores().links.getAccountClaim(hashOf(account))).toEqual({ userId: user.userId, linkId: active });
  });
});

// ------------------------------------------------------------------------------------------------ the bank's events and breaker

describe('bank events', () => {
  const signed = (body: string, at = Math.floor(clock.now() / 1000)) => signWebhook(BANK_WEBHOOK_SECRET, at, body);

  it('accept only a fresh signature with the bank secret', async () => {
    const body = '{"eventId":"e"}';
    await expect(checkBankSignature(signed(body), body)).resolves.toBeUndefined();
    await refused(checkBankSignature(undefined, body), 'INVALID_SIGNATURE');
    await refused(checkBankSignature(signed(body), `${body} `), 'INVALID_SIGNATURE');
    await refused(checkBankSignature(signed(body, Math.floor(clock.now() / 1000) - 301), body), 'INVALID_SIGNATURE');
  });

  it("ACCOUNT_COMPROMISED suspends the account's links, locks it, alerts ops, once per event id", async () => {
    const account = openAccount();
    const user = givenUser();
    const linkId = await activeLink(user, account);
    const event = { eventId: 'evt-c', type: 'ACCOUNT_COMPROMISED' as const, ...accountOnly(account) };
    expect(await receiveBankEvent(event)).toEqual({ received: true, applied: true, suspendedLinks: 1, frozenWallets: 0, cancelledCharges: 0 });
    expect((await linkOf(user.userId, linkId)).status).toBe('SUSPENDED');
    expect(await stores().links.getAccountLock(hashOf(account), clock.now())).toMatchObject({ reason: 'ACCOUNT_COMPROMISED' });
    expect(alerts).toHaveLength(1);
    expect(await receiveBankEvent(event)).toEqual({ received: true, applied: false, suspendedLinks: 1, frozenWallets: 0, cancelledCharges: 0 });
    expect(alerts).toHaveLength(1);
  });

  it('HOLDER_BLOCKED_LINKING locks the account until `until`, which must be in the future', async () => {
    const account = openAccount();
    const until = new Date(clock.now() + 2 * 3600_000).toISOString();
    await refused(
      receiveBankEvent({ eventId: 'evt-p', type: 'HOLDER_BLOCKED_LINKING', ...accountOnly(account), until: new Date(clock.now() - 1000).toISOString() }),
      'VALIDATION_ERROR',
    );
    await receiveBankEvent({ eventId: 'evt-b', type: 'HOLDER_BLOCKED_LINKING', ...accountOnly(account), until });
    await refused(startLink({ userId: givenUser().userId, account: accountOnly(account) }), 'BANK_ACCOUNT_LOCKED');
    clock.advance(2 * 3600 + 1);
    await expect(startLink({ userId: givenUser().userId, account: accountOnly(account) })).resolves.toMatchObject({ status: 'PENDING_BANK_AUTH' });
  });

  it('a spike of link failures at one bank pauses its new links (the breaker) and pages ops', async () => {
    await stores().banks.saveBank(bankSettings('0001', { breaker: { linkFailures: 2 } }), {
      userId: 'bank-0001',
      actor: 'ops:test',
      action: 'BANK_SWITCHED',
      at: clock.now(),
    });
    for (let i = 0; i < 2; i++) {
      const user = givenUser();
      const started = await startLink({ userId: user.userId, account: accountOnly(openAccount()) });
      await refused(authorizeLink({ userId: user.userId, linkId: started.linkId, authorizationCode: 'bad' }), 'BANK_AUTHORIZATION_FAILED');
    }
    expect(await stores().banks.getBank('0001')).toMatchObject({ linkingEnabled: false, chargingEnabled: true, updatedBy: 'system:circuit-breaker' });
    expect(alerts.map((a) => a.subject)).toEqual(['Bank 0001: new links paused']);
    await refused(startLink({ userId: givenUser().userId, account: accountOnly(openAccount()) }), 'BANK_SUSPENDED');
    await expect(startLink({ userId: givenUser().userId, account: accountOnly(openAccount({ bankCode: '9900' })) })).resolves.toMatchObject({
      status: 'PENDING_BANK_AUTH',
    });
  });
});

// ------------------------------------------------------------------------------------------------ a property

describe('whatever wallets do with links to a few accounts, in any interleaving', () => {
  const step = fc.record({
    wallet: fc.integer({ min: 0, max: 1 }),
    // Mostly the one account whose holder is the wallets' eKYC person: races for it are the point.
    account: fc.constantFrom(0, 0, 0, 1),
    op: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('start', 'authorize', 'confirm') },
      { weight: 1, arbitrary: fc.constantFrom('badCode', 'unlink', 'compromise') },
    ),
  });

  it('an account is held by at most one link, ACTIVE or SUSPENDED, and its claim names that link', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 24 }), async (steps) => {
        await freshWorld();
        const wallets = [givenUser(), givenUser()];
        const accounts = [openAccount(), openAccount({ holderNameKana: 'スズキ ハナコ' })];
        // Each wallet's links under way: started (with the bank's page) and authorized.
        const started = wallets.map(() => [] as { linkId: string; url: string; account: number }[]);
        let events = 0;
        for (const s of steps) {
          const user = wallets[s.wallet];
          const mine = started[s.wallet];
          try {
            if (s.op === 'start') {
              const link = await startLink({ userId: user.userId, account: accountOnly(accounts[s.account]) });
              mine.push({ linkId: link.linkId, url: link.authorizationUrl, account: s.account });
            } else if ((s.op === 'authorize' || s.op === 'badCode') && mine.length) {
              const link = mine[mine.length - 1];
              const code = s.op === 'authorize' ? await authorizeAtBank(link.url, accounts[link.account]) : 'bad';
              await authorizeLink({ userId: user.userId, linkId: link.linkId, authorizationCode: code });
            } else if (s.op === 'confirm' && mine.length) {
              await confirmLink({ userId: user.userId, linkId: mine[mine.length - 1].linkId, code: lastCode(user.phoneNumber) });
            } else if (s.op === 'unlink' && mine.length) {
              await unlink({ userId: user.userId, linkId: mine.shift()!.linkId });
            } else if (s.op === 'compromise') {
              await receiveBankEvent({ eventId: `evt-${++events}`, type: 'ACCOUNT_COMPROMISED', ...accountOnly(accounts[s.account]) });
            }
          } catch (e) {
            // A refusal (a DomainError) is an answer; anything else is a bug. The bank page's own refusals are the simulator's.
            if (!(e instanceof DomainError) && !(e instanceof SimulatorError)) throw e;
          }
          for (const a of accounts) {
            const holding = [...world.links.values()].filter((l) => l.accountHash === hashOf(a) && (l.status === 'ACTIVE' || l.status === 'SUSPENDED'));
            expect(holding.length).toBeLessThanOrEqual(1);
            const claim = await stores().links.getAccountClaim(hashOf(a));
            expect(claim).toEqual(holding[0] ? { userId: holding[0].userId, linkId: holding[0].linkId } : undefined);
          }
        }
      }),
      {
        numRuns: 100,
        // The race the claim exists for: two wallets each one code away from the same account.
        examples: [
          [
            [0, 1]
              .flatMap((wallet) => [
                { wallet, account: 0, op: 'start' },
                { wallet, account: 0, op: 'authorize' },
              ])
              .concat([0, 1].map((wallet) => ({ wallet, account: 0, op: 'confirm' }))),
          ],
        ],
      },
    );
  });
});

// The link's code waits where the codes store looks for a link's code (its slot { purpose: 'link', linkId }).
test('the link code waits in the link slot of the codes', async () => {
  const user = givenUser();
  const linkId = await linkedToCode(user, openAccount());
  expect(world.codes.get(`link/${linkId}`)).toMatchObject({ attempts: 0, hash: expect.any(String) });
});
