import { outboundBudgetMs } from '../shared/deadline';
import { DomainError } from '../shared/errors';
import type { BankGateway, BankMove, DebitNotice, HolderChallengeResult, HolderInfo, HolderNotice, BankAccountRef } from '../app/ports';

export interface BankHttpOptions {
  baseUrl: string;
  apiKey: () => Promise<string>;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Time left for outbound calls; defaults to the running invocation's (functions/shared/deadline.ts). */
  budgetMs?: () => number | undefined;
  /** Injected so tests need not wait for real back-off. */
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Below this an attempt could not get an answer from a bank anyway. */
const MIN_ATTEMPT_MS = 300;

/**
 * The bank gateway's HTTPS API. Every call carries an Idempotency-Key, so a retry
 * after a timeout cannot move money twice; retries are bounded with jittered back-off.
 */
export class HttpBankGateway implements BankGateway {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly budgetMs: () => number | undefined;

  constructor(private readonly o: BankHttpOptions) {
    this.timeoutMs = o.timeoutMs ?? 4000;
    this.maxAttempts = o.maxAttempts ?? 3;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.budgetMs = o.budgetMs ?? outboundBudgetMs;
  }

  async createAuthorizationRequest(input: { account: BankAccountRef; state: string }) {
    const out = await this.call<{ requestId: string; authorizationUrl: string }>(input.account.bankCode, 'POST', '/authorization-requests', `authreq-${input.state}`, {
      branchCode: input.account.branchCode,
      accountNumber: input.account.accountNumber,
      state: input.state,
    });
    return { requestId: out.requestId, authorizationUrl: out.authorizationUrl };
  }

  async exchangeAuthorizationCode(input: { bankCode: string; requestId: string; authorizationCode: string; walletPhoneNumber?: string }): Promise<HolderInfo> {
    const out = await this.call<HolderInfo>(input.bankCode, 'POST', '/token', `token-${input.requestId}`, {
      requestId: input.requestId, code: input.authorizationCode, ...(input.walletPhoneNumber ? { walletPhoneNumber: input.walletPhoneNumber } : {}),
    });
    // Only an explicit yes attests the phone: a bank that does not answer the question leaves it unattested.
    return { holderNameKana: out.holderNameKana, dateOfBirth: out.dateOfBirth, accountRef: out.accountRef, phoneMatchesHolder: out.phoneMatchesHolder === true };
  }

  async startHolderChallenge(input: { bankCode: string; accountRef: string; challengeId: string; amount: number }) {
    return this.call<{ challengeId: string; expiresAt: string }>(input.bankCode, 'POST', '/holder-challenges', `holder-challenge-${input.challengeId}`, {
      challengeId: input.challengeId, accountRef: input.accountRef, amount: input.amount, purpose: 'WALLET_CHARGE',
    });
  }

  async verifyHolderChallenge(input: { bankCode: string; challengeId: string; code: string }): Promise<HolderChallengeResult> {
    // No fixed key: each try is a new try at the bank (a retry after a lost answer may count one twice, never zero times).
    const out = await this.call<HolderChallengeResult>(input.bankCode, 'POST', `/holder-challenges/${encodeURIComponent(input.challengeId)}/verification`, undefined, { code: input.code });
    return { verified: out.verified === true, ...(typeof out.attemptsLeft === 'number' ? { attemptsLeft: out.attemptsLeft } : {}) };
  }

  async notifyHolder(input: { bankCode: string; target: { accountRef: string } | { requestId: string }; notice: HolderNotice; message: string; notMeUrl?: string }) {
    await this.call(input.bankCode, 'POST', '/holder-notifications', undefined, input);
  }

  async debit(move: BankMove & { notice?: DebitNotice }) {
    return this.call<{ bankTransactionId: string }>(move.bankCode, 'POST', '/debits', move.idempotencyKey, { accountRef: move.accountRef, amount: move.amount, holderNotice: move.notice });
  }

  async reverseDebit(move: BankMove) {
    return this.call<{ reversed: boolean }>(move.bankCode, 'POST', `/debits/${encodeURIComponent(move.idempotencyKey)}/reversal`, `reverse-${move.idempotencyKey}`, {
      accountRef: move.accountRef,
      amount: move.amount,
    });
  }

  async statement(bankCode: string) {
    const out = await this.call<{ moves: { kind: 'DEBIT' | 'CREDIT' | 'REVERSAL'; idempotencyKey: string; amount: number; at: string }[] }>(bankCode, 'POST', '/statement', undefined, {});
    return out.moves;
  }

  async credit(move: BankMove & { reason: string }) {
    return this.call<{ bankTransactionId: string }>(move.bankCode, 'POST', '/credits', move.idempotencyKey, { accountRef: move.accountRef, amount: move.amount, reason: move.reason });
  }

  private async call<T>(bankCode: string, method: string, path: string, idempotencyKey: string | undefined, body: unknown): Promise<T> {
    const url = new URL(`/banks/${bankCode}${path}`, this.o.baseUrl);
    const key = idempotencyKey ?? crypto.randomUUID();
    const apiKey = await this.o.apiKey();
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      // Each attempt gets what is left of the invocation, so 3 × 4 s can never outlast a 10 s function.
      const left = this.budgetMs();
      if (left !== undefined && left < MIN_ATTEMPT_MS) {
        throw new DomainError('BANK_UNAVAILABLE', `The bank did not answer in the time this request has (${attempt - 1} attempts)`);
      }
      const timeoutMs = left === undefined ? this.timeoutMs : Math.min(this.timeoutMs, left);
      try {
        const res = await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        if (res.ok) return (await res.json()) as T;
        const problem = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        if (!RETRYABLE_STATUS.has(res.status)) throw this.typed(res.status, problem);
      } catch (e) {
        if (e instanceof DomainError) throw e;
        // Timeouts and network failures: the move may or may not have happened; the same key makes the retry safe.
      }
      if (attempt >= this.maxAttempts) throw new DomainError('BANK_UNAVAILABLE', `The bank did not answer (${status ?? 'timeout'}) after ${attempt} attempts`);
      await this.sleep(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }

  private typed(status: number, problem: { code?: string; message?: string }): DomainError {
    if (problem.code === 'INVALID_GRANT' || (status === 400 && problem.code === 'INVALID_CODE')) {
      return new DomainError('BANK_AUTHORIZATION_FAILED', 'The bank did not accept the authorization code');
    }
    if (status === 402 || status === 422 || problem.code === 'DECLINED' || problem.code === 'INSUFFICIENT_FUNDS') {
      return new DomainError('BANK_DECLINED', `The bank declined: ${problem.code ?? status}`);
    }
    return new DomainError('BANK_UNAVAILABLE', `The bank refused the request (${status} ${problem.code ?? ''})`);
  }
}
