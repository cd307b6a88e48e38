/**
 * The bank-link routes over HTTP against the local stack, with every error code
 * they can answer. Each test uses its own wallets and its own bank accounts:
 * failed links count against both (three freeze a wallet or lock an account).
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
  badInput,
  type ApiResponse,
  type TestAccount,
  type TestUser,
} from '../support/api';

// ---------------------------------------------------------------- helpers

function expectError(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), requestId: expect.any(String) }));
}

const accountBody = (a: Pick<TestAccount, 'bankCode' | 'branchCode' | 'accountNumber'>) => ({ bankCode: a.bankCode, branchCode: a.branchCode, accountNumber: a.accountNumber });
const startLink = (user: TestUser, body: unknown) => api('POST', '/v1/me/bank-links', { token: user.token, body });
const authorize = (user: TestUser, linkId: string, authorizationCode: string) => api('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: user.token, body: { authorizationCode } });
const confirm = (user: TestUser, linkId: string, code: string) => api('POST', `/v1/me/bank-links/${linkId}/confirmation`, { token: user.token, body: { code } });
const removeLink = (user: TestUser, linkId: string) => api('DELETE', `/v1/me/bank-links/${linkId}`, { token: user.token });

async function links(user: TestUser): Promise<{ linkId: string; status: string; bankCode: string; branchCode: string; accountNumber: string }[]> {
  const res = await api('GET', '/v1/me/bank-links', { token: user.token });
  expect(res.status).toBe(200);
  return res.body.items;
}

async function statusOf(user: TestUser, linkId: string): Promise<string | undefined> {
  return (await links(user)).find((l) => l.linkId === linkId)?.status;
}

async function created(user: TestUser, account: TestAccount): Promise<{ linkId: string; authorizationUrl: string }> {
  const res = await startLink(user, accountBody(account));
  expect(res.status).toBe(201);
  return res.body;
}

/** A link waiting for the wallet phone's code; returns the code too. */
async function pendingConfirmation(user: TestUser, account: TestAccount): Promise<{ linkId: string; code: string }> {
  const { linkId, authorizationUrl } = await created(user, account);
  const res = await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl));
  expect(res.status).toBe(200);
  return { linkId, code: await lastCode(user.phone) };
}

/** A code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');


// ---------------------------------------------------------------- POST /v1/me/bank-links

describe('POST /v1/me/bank-links', () => {
  it('201: a verified wallet starts a link; the holder authenticates at the bank page it names', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const res = await startLink(user, accountBody(account));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ linkId: expect.stringMatching(/^lnk_[0-9a-f-]{36}$/), status: 'PENDING_BANK_AUTH', authorizationUrl: expect.any(String) });
    const url = new URL(res.body.authorizationUrl);
    expect(url.pathname).toBe('/local/bank/authorize');
    expect(requestOf(res.body.authorizationUrl)).toBeTruthy();
    expect(await links(user)).toEqual([
      expect.objectContaining({ linkId: res.body.linkId, status: 'PENDING_BANK_AUTH', bankCode: account.bankCode, branchCode: account.branchCode, accountNumber: `****${account.accountNumber.slice(-3)}` }),
    ]);
  });

  it('403 PHONE_UNVERIFIED for a wallet whose phone is not verified', async () => {
    const user = await registerUser();
    const account = await openBankAccount();
    expectError(await startLink(user, accountBody(account)), 403, 'PHONE_UNVERIFIED');
    expect(await links(user)).toEqual([]);
  });

  it('403 KYC_REQUIRED for a verified phone without eKYC', async () => {
    const user = await registerUser();
    await verifyPhone(user);
    const account = await openBankAccount();
    expectError(await startLink(user, accountBody(account)), 403, 'KYC_REQUIRED');
    expect(await links(user)).toEqual([]);
  });

  describe('400 VALIDATION_ERROR', () => {
    let user: TestUser;
    const good = { bankCode: '0001', branchCode: '123', accountNumber: '1234567' };
    beforeAll(async () => {
      user = await verifiedUser();
    });

    test.each([
      ['bankCode too short', { ...good, bankCode: '001' }, 'bankCode'],
      ['bankCode too long', { ...good, bankCode: '00001' }, 'bankCode'],
      ['bankCode not digits', { ...good, bankCode: 'abcd' }, 'bankCode'],
      ['bankCode a number', { ...good, bankCode: 1 }, 'bankCode'],
      ['bankCode missing', { branchCode: '123', accountNumber: '1234567' }, 'bankCode'],
      ['branchCode too short', { ...good, branchCode: '12' }, 'branchCode'],
      ['branchCode too long', { ...good, branchCode: '1234' }, 'branchCode'],
      ['branchCode not digits', { ...good, branchCode: '1a3' }, 'branchCode'],
      ['accountNumber too short', { ...good, accountNumber: '123456' }, 'accountNumber'],
      ['accountNumber too long', { ...good, accountNumber: '12345678' }, 'accountNumber'],
      ['accountNumber with a letter', { ...good, accountNumber: '123456a' }, 'accountNumber'],
      ['accountNumber padded with a space', { ...good, accountNumber: ' 1234567' }, 'accountNumber'],
      ['accountNumber in full-width digits', { ...good, accountNumber: '１２３４５６７' }, 'accountNumber'],
      ['accountNumber a number', { ...good, accountNumber: 1234567 }, 'accountNumber'],
      ['accountNumber null', { ...good, accountNumber: null }, 'accountNumber'],
      ['an extra field', { ...good, holderName: 'ヤマダ タロウ' }, ''],
      ['an extra field that smells like the 2020 flow', { ...good, pin: '1234' }, ''],
    ])('%s', async (_why, body, path) => {
      const res = await badInput(() => startLink(user, body));
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'body', path })]));
    });

    test.each([
      ['not JSON', '{"bankCode":'],
      ['an array', '[]'],
      ['empty', ''],
      ['a string', '"0001"'],
    ])('a body that is %s', async (_why, rawBody) => {
      expectError(await api('POST', '/v1/me/bank-links', { token: user.token, rawBody, headers: { 'content-type': 'application/json' }, invalid: true }), 400, 'VALIDATION_ERROR');
    });

    it('none of them started a link', async () => {
      expect(await links(user)).toEqual([]);
    });
  });

  it('422 BANK_NOT_SUPPORTED for a well-formed bank code the service does not work with', async () => {
    const user = await verifiedUser();
    expectError(await startLink(user, { bankCode: '8765', branchCode: '123', accountNumber: '1234567' }), 422, 'BANK_NOT_SUPPORTED');
    expect(await links(user)).toEqual([]);
  });

  // TODO(operations suite): 503 BANK_SUSPENDED with Retry-After once an ops route can switch linking off for a bank
  // (PUT /v1/ops/banks/{bankCode} {linkingEnabled:false}); both the start and the authorization step must answer it.

  it('409 ACCOUNT_ALREADY_LINKED when the account is active on another wallet', async () => {
    const [owner, other] = [await verifiedUser(), await verifiedUser()];
    const account = await openBankAccount();
    await linkAccount(owner, account);
    expectError(await startLink(other, accountBody(account)), 409, 'ACCOUNT_ALREADY_LINKED');
    // ...and on the same wallet: one account, one active link.
    expectError(await startLink(owner, accountBody(account)), 409, 'ACCOUNT_ALREADY_LINKED');
  });
});

// ---------------------------------------------------------------- POST .../authorization

describe('POST /v1/me/bank-links/{linkId}/authorization', () => {
  it('200 PENDING_CONFIRMATION with a good code; the wallet phone gets a code that names the account, masked', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const { linkId, authorizationUrl } = await created(user, account);
    const before = (await smsTo(user.phone)).length;
    const res = await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'PENDING_CONFIRMATION' });
    expect(await statusOf(user, linkId)).toBe('PENDING_CONFIRMATION');
    const sent = (await smsTo(user.phone)).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toMatch(/\b\d{6}\b/);
    expect(sent[0].body).toContain(`****${account.accountNumber.slice(-3)}`);
    expect(sent[0].body).not.toContain(account.accountNumber);
  });

  it('422 BANK_AUTHORIZATION_FAILED for a made-up code, and the link is FAILED', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const { linkId } = await created(user, account);
    expectError(await authorize(user, linkId, 'made-up-code'), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await statusOf(user, linkId)).toBe('FAILED');
    // A failed link is over: no second try on it.
    expectError(await authorize(user, linkId, 'another-code'), 409, 'INVALID_STATE');
  });

  it('422 BANK_AUTHORIZATION_FAILED for a code that was already used, and the link is FAILED', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const first = await created(user, account);
    const code = await authorizeAtBank(account, first.authorizationUrl);
    expect((await authorize(user, first.linkId, code)).status).toBe(200);
    expect((await removeLink(user, first.linkId)).status).toBe(204);
    const second = await created(user, account);
    expectError(await authorize(user, second.linkId, code), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await statusOf(user, second.linkId)).toBe('FAILED');
  });

  it('422 BANK_AUTHORIZATION_FAILED for a good code issued for another link', async () => {
    const user = await verifiedUser();
    const [a1, a2] = [await openBankAccount(), await openBankAccount()];
    const l1 = await created(user, a1);
    const l2 = await created(user, a2);
    const codeForL1 = await authorizeAtBank(a1, l1.authorizationUrl);
    expectError(await authorize(user, l2.linkId, codeForL1), 422, 'BANK_AUTHORIZATION_FAILED');
    expect(await statusOf(user, l2.linkId)).toBe('FAILED');
  });

  it('422 HOLDER_MISMATCH when the bank holder has another kana name, and the link is FAILED', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount({ holderNameKana: 'ｽｽﾞｷ ｲﾁﾛｳ' });
    const { linkId, authorizationUrl } = await created(user, account);
    const before = (await smsTo(user.phone)).length;
    expectError(await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl)), 422, 'HOLDER_MISMATCH');
    expect(await statusOf(user, linkId)).toBe('FAILED');
    expect((await smsTo(user.phone)).length).toBe(before); // no confirmation code was sent
  });

  it('422 HOLDER_MISMATCH when only the birth date differs, and the link is FAILED', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount({ dateOfBirth: '1990-04-02' });
    const { linkId, authorizationUrl } = await created(user, account);
    expectError(await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl)), 422, 'HOLDER_MISMATCH');
    expect(await statusOf(user, linkId)).toBe('FAILED');
  });

  it('422 HOLDER_MISMATCH when the names differ only in voicing (ﾀﾞ vs タ)', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount({ holderNameKana: 'ﾔﾏﾀ ﾀﾛｳ' });
    const { linkId, authorizationUrl } = await created(user, account);
    expectError(await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl)), 422, 'HOLDER_MISMATCH');
  });

  it('matches the holder despite half-width at the bank (ﾔﾏﾀﾞ ﾀﾛｳ) and full-width in eKYC (ヤマダ タロウ)', async () => {
    expect(IDENTITY.fullNameKana).toBe('ヤマダ タロウ');
    const user = await verifiedUser(IDENTITY);
    const account = await openBankAccount({ holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: IDENTITY.dateOfBirth });
    const { linkId, authorizationUrl } = await created(user, account);
    expect((await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl))).body).toEqual({ status: 'PENDING_CONFIRMATION' });
  });

  it('matches a hiragana eKYC name with an ideographic space against the bank\'s half-width record', async () => {
    const user = await verifiedUser({ fullName: '佐藤 京子', fullNameKana: 'さとう　きょうこ', dateOfBirth: '1985-12-31' });
    const account = await openBankAccount({ holderNameKana: 'ｻﾄｳ ｷﾖｳｺ', dateOfBirth: '1985-12-31' });
    const { linkId, authorizationUrl } = await created(user, account);
    expect((await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl))).status).toBe(200);
  });

  it('409 INVALID_STATE for the authorization of an ACTIVE link', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const linkId = await linkAccount(user, account);
    expectError(await authorize(user, linkId, 'any-code'), 409, 'INVALID_STATE');
    expect(await statusOf(user, linkId)).toBe('ACTIVE');
  });

  it('409 INVALID_STATE for a second authorization of a link waiting for confirmation', async () => {
    const user = await verifiedUser();
    const { linkId } = await pendingConfirmation(user, await openBankAccount());
    expectError(await authorize(user, linkId, 'any-code'), 409, 'INVALID_STATE');
    expect(await statusOf(user, linkId)).toBe('PENDING_CONFIRMATION');
  });

  it('400 VALIDATION_ERROR for a missing or empty code, an extra field, or a malformed link id', async () => {
    const user = await verifiedUser();
    const { linkId } = await created(user, await openBankAccount());
    for (const body of [{}, { authorizationCode: '' }, { authorizationCode: 12 }, { authorizationCode: 'x', extra: 1 }, { authorizationCode: 'x'.repeat(513) }]) {
      expectError(await api('POST', `/v1/me/bank-links/${linkId}/authorization`, { token: user.token, body, invalid: true }), 400, 'VALIDATION_ERROR');
    }
    expectError(await badInput(() => authorize(user, 'not-a-link', 'x')), 400, 'VALIDATION_ERROR');
    expect(await statusOf(user, linkId)).toBe('PENDING_BANK_AUTH');
  });
});

// ---------------------------------------------------------------- POST .../confirmation

describe('POST /v1/me/bank-links/{linkId}/confirmation', () => {
  it('200 ACTIVE with the right code; the holder\'s bank phone gets a notice with a not-me link', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const { linkId, code } = await pendingConfirmation(user, account);
    const res = await confirm(user, linkId, code);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ACTIVE' });
    expect(await links(user)).toEqual([expect.objectContaining({ linkId, status: 'ACTIVE', activatedAt: expect.any(String) })]);

    const notices = (await smsTo(account.holderPhone)).filter((m) => /に登録されました/.test(m.body));
    expect(notices).toHaveLength(1);
    const url = /https?:\/\/\S*[?&]token=([\w.-]+)/.exec(notices[0].body);
    expect(url).not.toBeNull();
    expect(decodeNotMeToken(url![1])).toEqual({ valid: true, claims: expect.objectContaining({ linkId, userId: user.userId }) });
    expect(notices[0].body).toContain(`****${account.accountNumber.slice(-3)}`);
    // The notice goes to the bank's phone for the holder, not to the wallet.
    expect((await smsTo(user.phone)).some((m) => m.body.includes('token='))).toBe(false);
  });

  it('422 INVALID_CODE for a wrong code; the 5th wrong code is 429 TOO_MANY_ATTEMPTS and the link FAILED', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const { linkId, code } = await pendingConfirmation(user, account);
    const wrong = otherThan(code);
    for (let i = 1; i <= 4; i++) {
      const res = await confirm(user, linkId, wrong);
      expectError(res, 422, 'INVALID_CODE');
      expect(await statusOf(user, linkId)).toBe('PENDING_CONFIRMATION');
    }
    expectError(await confirm(user, linkId, wrong), 429, 'TOO_MANY_ATTEMPTS');
    expect(await statusOf(user, linkId)).toBe('FAILED');
    // The right code is dead too, and the holder heard of no link.
    expectError(await confirm(user, linkId, code), 409, 'INVALID_STATE');
    expect(await statusOf(user, linkId)).toBe('FAILED');
    expect((await smsTo(account.holderPhone)).some((m) => /に登録されました/.test(m.body))).toBe(false);
  });

  it('409 INVALID_STATE before the bank has authorized the link', async () => {
    const user = await verifiedUser();
    const { linkId } = await created(user, await openBankAccount());
    expectError(await confirm(user, linkId, '123456'), 409, 'INVALID_STATE');
  });

  it('400 VALIDATION_ERROR for a code that is not 6 digits', async () => {
    const user = await verifiedUser();
    const { linkId } = await pendingConfirmation(user, await openBankAccount());
    for (const code of ['12345', '1234567', 'abcdef', '１２３４５６']) expectError(await badInput(() => confirm(user, linkId, code)), 400, 'VALIDATION_ERROR');
    expect(await statusOf(user, linkId)).toBe('PENDING_CONFIRMATION');
  });
});

// ---------------------------------------------------------------- the account number

describe('the account number', () => {
  it('never appears in full in any API response, only as **** and the last 3 digits', async () => {
    const user = await verifiedUser();
    const other = await verifiedUser();
    const account = await openBankAccount();
    const responses: ApiResponse[] = [];
    const keep = async (p: Promise<ApiResponse>) => {
      const res = await p;
      responses.push(res);
      return res;
    };
    const start = await keep(startLink(user, accountBody(account)));
    const { linkId, authorizationUrl } = start.body;
    await keep(authorize(user, linkId, await authorizeAtBank(account, authorizationUrl)));
    await keep(confirm(user, linkId, otherThan(await lastCode(user.phone))));
    await keep(confirm(user, linkId, await lastCode(user.phone)));
    const list = await keep(api('GET', '/v1/me/bank-links', { token: user.token }));
    await keep(startLink(other, accountBody(account))); // 409
    await keep(api('GET', '/v1/me', { token: user.token }));
    await keep(removeLink(user, linkId));
    await keep(api('GET', '/v1/me/bank-links', { token: user.token }));

    expect(list.body.items[0].accountNumber).toBe(`****${account.accountNumber.slice(-3)}`);
    for (const res of responses) {
      let text = JSON.stringify(res.body ?? '');
      res.headers.forEach((value, name) => (text += `\n${name}: ${value}`));
      expect(text).not.toContain(account.accountNumber);
    }
    // Nor in what the wallet and the holder are sent.
    for (const m of [...(await smsTo(user.phone)), ...(await smsTo(account.holderPhone))]) expect(m.body).not.toContain(account.accountNumber);
  });
});

// ---------------------------------------------------------------- GET and DELETE

describe('DELETE /v1/me/bank-links/{linkId}', () => {
  it('204, the link is REMOVED, and the account can then be linked by another wallet', async () => {
    const [first, second] = [await verifiedUser(), await verifiedUser()];
    const account = await openBankAccount();
    const linkId = await linkAccount(first, account);
    expectError(await startLink(second, accountBody(account)), 409, 'ACCOUNT_ALREADY_LINKED');

    const res = await removeLink(first, linkId);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(await statusOf(first, linkId)).toBe('REMOVED');

    const secondLink = await linkAccount(second, account);
    expect(await statusOf(second, secondLink)).toBe('ACTIVE');
    expect(await statusOf(first, linkId)).toBe('REMOVED');
    // Deleting again changes nothing, and does not free the account the second wallet now holds.
    expect((await removeLink(first, linkId)).status).toBe(204);
    expectError(await startLink(first, accountBody(account)), 409, 'ACCOUNT_ALREADY_LINKED');
  });

  it('204 for a pending link, which is REMOVED and can no longer be authorized', async () => {
    const user = await verifiedUser();
    const account = await openBankAccount();
    const { linkId, authorizationUrl } = await created(user, account);
    expect((await removeLink(user, linkId)).status).toBe(204);
    expect(await statusOf(user, linkId)).toBe('REMOVED');
    expectError(await authorize(user, linkId, await authorizeAtBank(account, authorizationUrl)), 409, 'INVALID_STATE');
  });
});

describe("another user's link", () => {
  it('404 NOT_FOUND for authorization, confirmation and deletion, and the link is untouched', async () => {
    const [owner, stranger] = [await verifiedUser(), await verifiedUser()];
    const account = await openBankAccount();
    const { linkId, code } = await pendingConfirmation(owner, account);
    expectError(await authorize(stranger, linkId, 'x'), 404, 'NOT_FOUND');
    expectError(await confirm(stranger, linkId, code), 404, 'NOT_FOUND');
    expectError(await removeLink(stranger, linkId), 404, 'NOT_FOUND');
    expect(await links(stranger)).toEqual([]);
    expect(await statusOf(owner, linkId)).toBe('PENDING_CONFIRMATION');
    expect((await confirm(owner, linkId, code)).body).toEqual({ status: 'ACTIVE' });
  });

  it('404 NOT_FOUND for a well-formed link id that does not exist', async () => {
    const user = await verifiedUser();
    expectError(await removeLink(user, 'lnk_00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
  });
});

describe('authentication', () => {
  const linkId = 'lnk_00000000-0000-4000-8000-000000000000';
  test.each([
    ['POST', '/v1/me/bank-links', { bankCode: '0001', branchCode: '123', accountNumber: '1234567' }],
    ['GET', '/v1/me/bank-links', undefined],
    ['POST', `/v1/me/bank-links/${linkId}/authorization`, { authorizationCode: 'x' }],
    ['POST', `/v1/me/bank-links/${linkId}/confirmation`, { code: '123456' }],
    ['DELETE', `/v1/me/bank-links/${linkId}`, undefined],
  ])('401 for %s %s without a token or with a forged one', async (method, path, body) => {
    expect((await api(method, path, { body, invalid: true })).status).toBe(401);
    expect((await api(method, path, { body, token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', invalid: true })).status).toBe(401);
  });
});
