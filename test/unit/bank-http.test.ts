/**
 * The HTTPS bank gateway against a throwaway bank on 127.0.0.1: every call carries
 * an Idempotency-Key that stays the same across retries (a retried debit must not
 * move money twice), retries are bounded, and the bank's answers become the typed
 * errors the handlers rely on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpBankGateway, type BankHttpOptions } from '../../functions/adapters/bank-http';
import { DomainError } from '../../functions/shared/errors';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** What the bank does with one request: answer with a status and JSON, or never answer. */
type Reply = { status: number; body?: unknown } | 'HANG';

/** No test needs more than this many requests; anything beyond is a runaway retry loop. */
const MAX_REQUESTS = 12;

let server: Server;
let baseUrl: string;
let seen: Seen[];
let script: Reply[];
let hanging: ServerResponse[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      if (seen.length > MAX_REQUESTS) {
        res.writeHead(418, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'TOO_MANY_TEST_REQUESTS' }));
        return;
      }
      const reply = script.length > 1 ? script.shift()! : script[0];
      if (reply === undefined) throw new Error('no reply scripted');
      if (reply === 'HANG') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  seen = [];
  script = [];
  hanging = [];
});

afterEach(() => {
  for (const res of hanging) res.destroy();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sleeps: number[] = [];
function gateway(over: Partial<BankHttpOptions> = {}) {
  sleeps.length = 0;
  return new HttpBankGateway({
    baseUrl,
    apiKey: async () => 'test-api-key',
    timeoutMs: 2000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
}

async function failure(p: Promise<unknown>): Promise<DomainError> {
  const outcome = await p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(DomainError);
  return outcome.error as DomainError;
}

const move = { bankCode: '0001', accountRef: 'acct_abc', amount: 5000, idempotencyKey: 'chg_1234' };
const OK_DEBIT = { status: 200, body: { bankTransactionId: 'btx_1' } };

describe('HttpBankGateway', () => {
  it('sends the move to the bank with the API key and the idempotency key', async () => {
    script = [OK_DEBIT];
    await expect(gateway().debit(move)).resolves.toEqual({ bankTransactionId: 'btx_1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/banks/0001/debits',
      headers: { authorization: 'Bearer test-api-key', 'idempotency-key': 'chg_1234', 'content-type': 'application/json' },
      body: { accountRef: 'acct_abc', amount: 5000 },
    });
  });

  it('retries a 503 with the same Idempotency-Key, then returns the answer', async () => {
    script = [{ status: 503 }, { status: 503 }, OK_DEBIT];
    await expect(gateway({ maxAttempts: 3 }).debit(move)).resolves.toEqual({ bankTransactionId: 'btx_1' });
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['chg_1234', 'chg_1234', 'chg_1234']);
    expect(seen.map((s) => s.body)).toEqual([move, move, move].map(({ accountRef, amount }) => ({ accountRef, amount })));
    // Back-off between tries, never after the last; bounded.
    expect(sleeps).toHaveLength(2);
    for (const ms of sleeps) expect(ms).toBeGreaterThan(0);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(2000);
  });

  it('keeps one generated Idempotency-Key across retries of a call that has none of its own', async () => {
    script = [{ status: 502 }, { status: 200, body: {} }];
    await gateway().notifyHolder({ bankCode: '0001', target: { accountRef: 'acct_abc' }, notice: 'LINKED', message: 'hello', notMeUrl: 'https://x/not-me?token=t' });
    expect(seen).toHaveLength(2);
    const [k1, k2] = seen.map((s) => s.headers['idempotency-key']);
    expect(k1).toMatch(/^[0-9a-f-]{36}$/);
    expect(k2).toBe(k1);
    expect(seen[0].url).toBe('/banks/0001/holder-notifications');
    // A second notice is another call with its own key.
    script = [{ status: 200, body: {} }];
    await gateway().notifyHolder({ bankCode: '0001', target: { accountRef: 'acct_abc' }, notice: 'LINKED', message: 'again' });
    expect(seen[2].headers['idempotency-key']).not.toBe(k1);
  });

  it('derives the authorization calls\' keys from the link and the request, so a retried exchange is the same exchange', async () => {
    script = [{ status: 503 }, { status: 201, body: { requestId: 'req_1', authorizationUrl: 'https://bank/authorize?request=req_1' } }];
    const gw = gateway();
    await expect(gw.createAuthorizationRequest({ account: { bankCode: '9900', branchCode: '123', accountNumber: '1234567' }, state: 'lnk_1' })).resolves.toEqual({
      requestId: 'req_1', authorizationUrl: 'https://bank/authorize?request=req_1',
    });
    expect(seen.map((s) => [s.url, s.headers['idempotency-key']])).toEqual([
      ['/banks/9900/authorization-requests', 'authreq-lnk_1'],
      ['/banks/9900/authorization-requests', 'authreq-lnk_1'],
    ]);
    script = [{ status: 504 }, { status: 200, body: { holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: '1990-04-01', accountRef: 'acct_1' } }];
    await gw.exchangeAuthorizationCode({ bankCode: '9900', requestId: 'req_1', authorizationCode: 'code-1' });
    expect(seen.slice(2).map((s) => [s.url, s.headers['idempotency-key'], s.body])).toEqual([
      ['/banks/9900/token', 'token-req_1', { requestId: 'req_1', code: 'code-1' }],
      ['/banks/9900/token', 'token-req_1', { requestId: 'req_1', code: 'code-1' }],
    ]);
  });

  it.each([3, 5])('gives up after maxAttempts (%i) with BANK_UNAVAILABLE', async (maxAttempts) => {
    script = [{ status: 503 }];
    const error = await failure(gateway({ maxAttempts }).debit(move));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(maxAttempts);
    expect(new Set(seen.map((s) => s.headers['idempotency-key']))).toEqual(new Set(['chg_1234']));
    expect(sleeps).toHaveLength(maxAttempts - 1);
  });

  it('retries every status that may be passing (408, 429, 500, 502, 504) before giving up', async () => {
    script = [{ status: 408 }, { status: 429 }, { status: 500 }, { status: 502 }, { status: 504 }];
    const error = await failure(gateway({ maxAttempts: 5 }).debit(move));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(5);
  });

  it.each([
    [400, 'INVALID_GRANT'],
    [401, 'INVALID_GRANT'],
    [400, 'INVALID_CODE'],
  ])('maps %i %s to BANK_AUTHORIZATION_FAILED without retrying', async (status, code) => {
    script = [{ status, body: { code, message: 'no' } }, { status: 200, body: { holderNameKana: 'X', dateOfBirth: '2000-01-01', accountRef: 'acct_x' } }];
    const error = await failure(gateway().exchangeAuthorizationCode({ bankCode: '0001', requestId: 'req_1', authorizationCode: 'used' }));
    expect(error.code).toBe('BANK_AUTHORIZATION_FAILED');
    expect(error.status).toBe(422);
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it.each([
    [402, undefined],
    [422, undefined],
    [400, 'DECLINED'],
    [409, 'INSUFFICIENT_FUNDS'],
  ])('maps a decline (%i %s) to BANK_DECLINED without retrying', async (status, code) => {
    script = [{ status, body: code ? { code } : {} }, OK_DEBIT];
    const error = await failure(gateway().debit(move));
    expect(error.code).toBe('BANK_DECLINED');
    expect(seen).toHaveLength(1);
  });

  it('does not retry a request the bank refuses for good (404) and reports it as BANK_UNAVAILABLE', async () => {
    script = [{ status: 404, body: { code: 'NO_SUCH_ROUTE' } }, OK_DEBIT];
    const error = await failure(gateway().debit(move));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(1);
  });

  it('times out a bank that never answers, retries with the same key, then gives up with BANK_UNAVAILABLE', async () => {
    script = ['HANG'];
    const started = Date.now();
    const error = await failure(gateway({ timeoutMs: 200, maxAttempts: 3 }).debit(move));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(3);
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['chg_1234', 'chg_1234', 'chg_1234']);
    // Three 200 ms timeouts, not the default 4 s each.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a timeout followed by an answer succeeds on the retry', async () => {
    script = ['HANG', OK_DEBIT];
    await expect(gateway({ timeoutMs: 200 }).debit(move)).resolves.toEqual({ bankTransactionId: 'btx_1' });
    expect(seen).toHaveLength(2);
    expect(seen[1].headers['idempotency-key']).toBe('chg_1234');
  });

  it('a bank that refuses connections is retried, then BANK_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(gateway({ baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 }).debit(move));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(sleeps).toHaveLength(1);
  });
});

describe('the holder\'s channel (issue 12)', () => {
  it('sends the wallet phone with the token exchange; only an explicit yes from the bank attests it', async () => {
    const holder = { holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: '1990-04-01', accountRef: 'acct_1' };
    script = [{ status: 200, body: { ...holder, phoneMatchesHolder: true } }];
    await expect(gateway().exchangeAuthorizationCode({ bankCode: '0001', requestId: 'req_1', authorizationCode: 'c', walletPhoneNumber: '+819012345678' }))
      .resolves.toEqual({ ...holder, phoneMatchesHolder: true });
    expect(seen[0].body).toEqual({ requestId: 'req_1', code: 'c', walletPhoneNumber: '+819012345678' });
    for (const answer of [{}, { phoneMatchesHolder: 'yes' }, { phoneMatchesHolder: false }]) {
      script = [{ status: 200, body: { ...holder, ...answer } }];
      await expect(gateway().exchangeAuthorizationCode({ bankCode: '0001', requestId: 'req_1', authorizationCode: 'c', walletPhoneNumber: '+819012345678' }))
        .resolves.toEqual({ ...holder, phoneMatchesHolder: false });
    }
  });

  it('starts a holder challenge keyed by the charge, so a retried start sends no second code', async () => {
    script = [{ status: 503 }, { status: 201, body: { challengeId: 'chg_1', expiresAt: '2026-11-30T00:05:00.000Z' } }];
    await expect(gateway().startHolderChallenge({ bankCode: '0001', accountRef: 'acct_1', challengeId: 'chg_1', amount: 15_000 }))
      .resolves.toEqual({ challengeId: 'chg_1', expiresAt: '2026-11-30T00:05:00.000Z' });
    expect(seen.map((x) => [x.url, x.headers['idempotency-key'], x.body])).toEqual([
      ['/banks/0001/holder-challenges', 'holder-challenge-chg_1', { challengeId: 'chg_1', accountRef: 'acct_1', amount: 15_000, purpose: 'WALLET_CHARGE' }],
      ['/banks/0001/holder-challenges', 'holder-challenge-chg_1', { challengeId: 'chg_1', accountRef: 'acct_1', amount: 15_000, purpose: 'WALLET_CHARGE' }],
    ]);
  });

  it('relays the typed code and reads only a yes as verified', async () => {
    script = [{ status: 200, body: { verified: true } }];
    await expect(gateway().verifyHolderChallenge({ bankCode: '0001', challengeId: 'chg_1', code: '123456' })).resolves.toEqual({ verified: true });
    expect(seen[0]).toEqual(expect.objectContaining({ url: '/banks/0001/holder-challenges/chg_1/verification', body: { code: '123456' } }));
    script = [{ status: 200, body: { verified: 'true', attemptsLeft: 2 } }];
    await expect(gateway().verifyHolderChallenge({ bankCode: '0001', challengeId: 'chg_1', code: '000000' })).resolves.toEqual({ verified: false, attemptsLeft: 2 });
  });
});

describe('time budget', () => {
  it('never outlasts the invocation: with 1.8 s left, a hanging bank gets one attempt and BANK_UNAVAILABLE, not 3 × 4 s', async () => {
    script = ['HANG'];
    let left = 1800;
    const g = gateway({ timeoutMs: 4000, budgetMs: () => left, sleep: async (ms) => void (left -= ms + 1800) });
    const error = await failure(g.debit({ bankCode: '0001', accountRef: 'ref', amount: 1000, idempotencyKey: 'chg_budget' }));
    expect(error.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(1);
  });

  it('reads the budget from the running invocation (functions/shared/deadline.ts)', async () => {
    const { withinInvocation, outboundBudgetMs, RESERVE_MS } = await import('../../functions/shared/deadline');
    expect(outboundBudgetMs()).toBeUndefined();
    const seenBudget = await withinInvocation({ getRemainingTimeInMillis: () => 9000 }, async () => outboundBudgetMs());
    expect(seenBudget).toBe(9000 - RESERVE_MS);
    script = [{ status: 200, body: { bankTransactionId: 'btx' } }];
    const refused = await withinInvocation({ getRemainingTimeInMillis: () => RESERVE_MS + 100 }, () =>
      failure(gateway().debit({ bankCode: '0001', accountRef: 'ref', amount: 1000, idempotencyKey: 'chg_late' })),
    );
    expect(refused.code).toBe('BANK_UNAVAILABLE');
    expect(seen).toHaveLength(0);
  });
});
