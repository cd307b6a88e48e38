import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { BankAccountRef, BankGateway, BankMove, Clock, DebitNotice, HolderNotice, SmsSender } from '../functions/app/ports';
import { DomainError } from '../functions/shared/errors';
import { BANK_NOTICE, BANK_NOTICE_LANG as LANG, NOTICES } from '../functions/shared/messages';
import { JsonStore } from './json-store';
import { SimulatorError } from './ekyc-simulator';

interface SimAccount {
  bankCode: string;
  branchCode: string;
  accountNumber: string;
  holderNameKana: string;
  dateOfBirth: string;
  phoneNumber: string;
  balance: number;
  pinHash: string;
  /** Wrong PINs across all authorization requests; reset by a right one. */
  pinFailures: number;
  accountRef: string;
  createdAt: string;
}

interface SimRequest {
  id: string;
  bankCode: string;
  accountKey: string;
  state: string;
  expiresAt: number;
  status: 'OPEN' | 'PIN_OK' | 'AUTHORIZED' | 'DEAD';
  pinFailures: number;
  otpHash?: string;
  otpExpiresAt?: number;
  otpFailures: number;
}

/** A code for one charge, sent to the holder's registered phone; the bank alone can check it. */
interface SimHolderChallenge {
  accountKey: string;
  amount: number;
  codeHash: string;
  expiresAt: number;
  attempts: number;
  used: boolean;
}

interface SimCode {
  requestId: string;
  expiresAt: number;
  used: boolean;
}

export interface SimMove {
  kind: 'DEBIT' | 'CREDIT' | 'REVERSAL' | 'VOID';
  idempotencyKey: string;
  accountKey: string;
  amount: number;
  bankTransactionId: string;
  reason?: string;
  at: string;
}

interface SimState {
  accounts: Record<string, SimAccount>;
  refs: Record<string, string>;
  requests: Record<string, SimRequest>;
  codes: Record<string, SimCode>;
  moves: Record<string, SimMove>;
  /** Absent in stores written before holder challenges. */
  challenges?: Record<string, SimHolderChallenge>;
}

/** Faults a test can switch on: each counter is used up by the calls it affects. */
export interface BankFaults {
  /** The next N debits time out without reaching the bank. */
  debitTimeouts: number;
  /** The next N debits are executed by the bank, but the answer is lost (a timeout after the fact). */
  debitLostReplies: number;
  /** The next N debits are declined. */
  debitDeclines: number;
}

const REQUEST_TTL_MS = 15 * 60_000;
const OTP_TTL_MS = 5 * 60_000;
const CODE_TTL_MS = 2 * 60_000;
const MAX_PIN_FAILURES = 3;
/** Like a cash card: wrong PINs add up across requests, and the account locks. */
const MAX_ACCOUNT_PIN_FAILURES = 6;
const MAX_OTP_FAILURES = 3;
const HOLDER_CHALLENGE_TTL_MS = 5 * 60_000;
const HOLDER_CHALLENGE_TRIES = 5;

const keyOf = (a: { bankCode: string; branchCode: string; accountNumber: string }) => `${a.bankCode}-${a.branchCode}-${a.accountNumber}`;
const masked = (a: { accountNumber: string }) => `****${a.accountNumber.slice(-3)}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A bank as the 2020 attack met it, and as it should be: accounts with balances and
 * 4-digit PINs, and linking that needs the PIN AND a one-time code sent to the
 * holder's bank-registered phone. Authorization codes are single-use and short-lived.
 * Every move is idempotent by key. Notices go to the holder's phone (the SMS outbox).
 */
export class BankSimulator implements BankGateway {
  private readonly store: JsonStore<SimState>;
  readonly faults: BankFaults = { debitTimeouts: 0, debitLostReplies: 0, debitDeclines: 0 };

  constructor(file: string, private readonly baseUrl: () => string, private readonly sms: SmsSender, private readonly clock: Clock) {
    this.store = new JsonStore<SimState>(file, { accounts: {}, refs: {}, requests: {}, codes: {}, moves: {} });
  }

  // ---- the bank's own customer-facing side (`/local/bank/...`) ----

  openAccount(input: { bankCode: string; holderNameKana: string; dateOfBirth: string; phoneNumber: string; balance: number }) {
    const pin = String(randomInt(0, 10_000)).padStart(4, '0');
    let account: SimAccount;
    do {
      account = {
        ...input,
        branchCode: String(randomInt(0, 1000)).padStart(3, '0'),
        accountNumber: String(randomInt(0, 10_000_000)).padStart(7, '0'),
        pinHash: sha(pin),
        pinFailures: 0,
        accountRef: `acct_${randomBytes(16).toString('hex')}`,
        createdAt: new Date(this.clock.now()).toISOString(),
      };
    } while (this.store.read().accounts[keyOf(account)]);
    this.store.update((d) => {
      d.accounts[keyOf(account)] = account;
      d.refs[account.accountRef] = keyOf(account);
    });
    return { branchCode: account.branchCode, accountNumber: account.accountNumber, pin };
  }

  account(a: BankAccountRef) {
    const acc = this.store.read().accounts[keyOf(a)];
    if (!acc) return undefined;
    const moves = Object.values(this.store.read().moves).filter((m) => m.accountKey === keyOf(a));
    return { bankCode: acc.bankCode, branchCode: acc.branchCode, accountNumber: acc.accountNumber, holderNameKana: acc.holderNameKana, balance: acc.balance, moves };
  }

  /** Step 1 at the bank's page: the PIN. A right PIN sends a one-time code to the holder's phone, not to whoever typed it. */
  async startAuthorization(requestId: string, pin: string) {
    const req = this.liveRequest(requestId);
    const account = this.store.read().accounts[req.accountKey];
    if (account && account.pinFailures >= MAX_ACCOUNT_PIN_FAILURES) throw new SimulatorError(423, 'this card is locked after too many wrong PINs; call your bank');
    if (!account || account.pinHash !== sha(pin)) {
      let lockedNow = false;
      this.store.update((d) => {
        const a = d.accounts[req.accountKey];
        if (a) {
          a.pinFailures = (a.pinFailures ?? 0) + 1;
          lockedNow = a.pinFailures === MAX_ACCOUNT_PIN_FAILURES;
        }
        const r = d.requests[requestId];
        r.pinFailures += 1;
        if (r.pinFailures >= MAX_PIN_FAILURES) r.status = 'DEAD';
      });
      if (lockedNow && account) {
        await this.sms.send(account.phoneNumber, BANK_NOTICE[LANG](account.bankCode, NOTICES.pinLocked[LANG]({ accountMasked: masked(account), failures: MAX_ACCOUNT_PIN_FAILURES })));
      }
      throw new SimulatorError(401, 'wrong PIN');
    }
    if (req.status !== 'OPEN' && req.status !== 'PIN_OK') throw new SimulatorError(409, 'this authorization request is no longer open');
    const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.store.update((d) => {
      const r = d.requests[requestId];
      d.accounts[req.accountKey].pinFailures = 0;
      r.status = 'PIN_OK';
      r.otpHash = sha(`${requestId}:${otp}`);
      r.otpExpiresAt = this.clock.now() + OTP_TTL_MS;
      r.otpFailures = 0;
    });
    await this.sms.send(account.phoneNumber, BANK_NOTICE[LANG](account.bankCode, NOTICES.linkRequested[LANG](otp, { accountMasked: masked(account) })));
    return { otpSent: true };
  }

  /** Step 2: the one-time code. Only now does the bank issue an authorization code. */
  completeAuthorization(requestId: string, otp: string) {
    const req = this.liveRequest(requestId);
    if (req.status !== 'PIN_OK' || !req.otpHash || !req.otpExpiresAt || this.clock.now() > req.otpExpiresAt) {
      throw new SimulatorError(409, 'no one-time code is waiting for this request');
    }
    if (req.otpHash !== sha(`${requestId}:${otp}`)) {
      this.store.update((d) => {
        const r = d.requests[requestId];
        r.otpFailures += 1;
        if (r.otpFailures >= MAX_OTP_FAILURES) r.status = 'DEAD';
      });
      throw new SimulatorError(401, 'wrong one-time code');
    }
    const authorizationCode = randomBytes(16).toString('hex');
    this.store.update((d) => {
      d.requests[requestId].status = 'AUTHORIZED';
      d.codes[authorizationCode] = { requestId, expiresAt: this.clock.now() + CODE_TTL_MS, used: false };
    });
    return { authorizationCode };
  }

  private liveRequest(requestId: string): SimRequest {
    const req = this.store.read().requests[requestId];
    if (!req) throw new SimulatorError(404, 'unknown authorization request');
    if (req.status === 'DEAD' || this.clock.now() > req.expiresAt) throw new SimulatorError(410, 'this authorization request has expired or was locked');
    return req;
  }

  allMoves(): SimMove[] {
    return Object.values(this.store.read().moves);
  }

  // ---- the gateway API the wallet calls (BankGateway) ----

  async createAuthorizationRequest(input: { account: BankAccountRef; state: string }) {
    // A request is made even for an account that does not exist, so the answer reveals nothing.
    const id = `req_${randomUUID()}`;
    this.store.update((d) => {
      d.requests[id] = {
        id, bankCode: input.account.bankCode, accountKey: keyOf(input.account), state: input.state,
        expiresAt: this.clock.now() + REQUEST_TTL_MS, status: 'OPEN', pinFailures: 0, otpFailures: 0,
      };
    });
    return { requestId: id, authorizationUrl: `${this.baseUrl()}/local/bank/authorize?request=${encodeURIComponent(id)}` };
  }

  async exchangeAuthorizationCode(input: { bankCode: string; requestId: string; authorizationCode: string; walletPhoneNumber?: string }) {
    const code = this.store.read().codes[input.authorizationCode];
    const req = code && this.store.read().requests[code.requestId];
    if (!code || !req || code.used || this.clock.now() > code.expiresAt || code.requestId !== input.requestId || req.bankCode !== input.bankCode) {
      throw new DomainError('BANK_AUTHORIZATION_FAILED', 'The bank did not accept the authorization code');
    }
    this.store.update((d) => {
      d.codes[input.authorizationCode].used = true;
    });
    const account = this.store.read().accounts[req.accountKey];
    // The bank compares and answers yes or no: the holder's own number never leaves the bank.
    const phoneMatchesHolder = input.walletPhoneNumber !== undefined && input.walletPhoneNumber === account.phoneNumber;
    return { holderNameKana: account.holderNameKana, dateOfBirth: account.dateOfBirth, accountRef: account.accountRef, phoneMatchesHolder };
  }

  async startHolderChallenge(input: { bankCode: string; accountRef: string; challengeId: string; amount: number }) {
    const d = this.store.read();
    const seen = d.challenges?.[input.challengeId];
    if (seen) return { challengeId: input.challengeId, expiresAt: new Date(seen.expiresAt).toISOString() };
    const key = d.refs[input.accountRef];
    const account = key ? d.accounts[key] : undefined;
    if (!account || account.bankCode !== input.bankCode) throw new DomainError('BANK_DECLINED', 'Unknown account');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = this.clock.now() + HOLDER_CHALLENGE_TTL_MS;
    this.store.update((s) => {
      (s.challenges ??= {})[input.challengeId] = { accountKey: key!, amount: input.amount, codeHash: sha(`${input.challengeId}:${code}`), expiresAt, attempts: 0, used: false };
    });
    await this.sms.send(account.phoneNumber, BANK_NOTICE[LANG](account.bankCode, NOTICES.holderChallenge[LANG](code, { accountMasked: masked(account), amount: input.amount })));
    return { challengeId: input.challengeId, expiresAt: new Date(expiresAt).toISOString() };
  }

  async verifyHolderChallenge(input: { bankCode: string; challengeId: string; code: string }) {
    const c = this.store.read().challenges?.[input.challengeId];
    if (!c || c.used || this.clock.now() >= c.expiresAt || c.attempts >= HOLDER_CHALLENGE_TRIES || this.store.read().accounts[c.accountKey]?.bankCode !== input.bankCode) {
      return { verified: false, attemptsLeft: 0 };
    }
    const verified = c.codeHash === sha(`${input.challengeId}:${input.code}`);
    let attempts = 0;
    this.store.update((s) => {
      const x = s.challenges![input.challengeId];
      if (verified) x.used = true;
      else x.attempts += 1;
      attempts = x.attempts;
    });
    return { verified, attemptsLeft: verified ? 0 : HOLDER_CHALLENGE_TRIES - attempts };
  }

  async notifyHolder(input: { bankCode: string; target: { accountRef: string } | { requestId: string }; notice: HolderNotice; message: string; notMeUrl?: string }) {
    const d = this.store.read();
    const key = 'accountRef' in input.target ? d.refs[input.target.accountRef] : d.requests[input.target.requestId]?.accountKey;
    const account = key ? d.accounts[key] : undefined;
    if (!account) return;
    await this.sms.send(account.phoneNumber, BANK_NOTICE[LANG](account.bankCode, input.message, input.notMeUrl));
  }

  async debit(move: BankMove & { notice?: DebitNotice }) {
    if (this.faults.debitTimeouts > 0) {
      this.faults.debitTimeouts -= 1;
      throw new DomainError('BANK_UNAVAILABLE', 'The bank did not answer (simulated timeout)');
    }
    const fresh = !this.store.read().moves[move.idempotencyKey];
    const result = this.move('DEBIT', move);
    if (fresh && move.notice) {
      const account = this.store.read().accounts[this.store.read().refs[move.accountRef]];
      await this.sms.send(account.phoneNumber, BANK_NOTICE[LANG](account.bankCode, move.notice.message, move.notice.notMeUrl));
    }
    if (this.faults.debitLostReplies > 0) {
      this.faults.debitLostReplies -= 1;
      throw new DomainError('BANK_UNAVAILABLE', 'The bank did not answer (simulated lost reply)');
    }
    return result;
  }

  async credit(move: BankMove & { reason: string }) {
    return this.move('CREDIT', move);
  }

  /** Undoes the debit with this key if it happened; otherwise voids the key so the debit can never happen later. */
  async reverseDebit(move: BankMove) {
    const reversalKey = `reversal:${move.idempotencyKey}`;
    const d = this.store.read();
    if (d.moves[reversalKey]) return { reversed: d.moves[reversalKey].kind === 'REVERSAL' };
    const debit = d.moves[move.idempotencyKey];
    const at = new Date(this.clock.now()).toISOString();
    if (!debit) {
      this.store.update((s) => {
        s.moves[move.idempotencyKey] = { kind: 'VOID', idempotencyKey: move.idempotencyKey, accountKey: '', amount: 0, bankTransactionId: '', at };
        s.moves[reversalKey] = { kind: 'VOID', idempotencyKey: reversalKey, accountKey: '', amount: 0, bankTransactionId: '', at };
      });
      return { reversed: false };
    }
    if (debit.kind !== 'DEBIT') return { reversed: false };
    this.store.update((s) => {
      s.accounts[debit.accountKey].balance += debit.amount;
      s.moves[reversalKey] = { kind: 'REVERSAL', idempotencyKey: reversalKey, accountKey: debit.accountKey, amount: debit.amount, bankTransactionId: `btx_${randomUUID()}`, at };
    });
    return { reversed: true };
  }

  async statement(bankCode: string) {
    const d = this.store.read();
    return Object.values(d.moves)
      .filter((m) => m.kind !== 'VOID' && d.accounts[m.accountKey]?.bankCode === bankCode)
      .map((m) => ({ kind: m.kind as 'DEBIT' | 'CREDIT' | 'REVERSAL', idempotencyKey: m.idempotencyKey, amount: m.amount, at: m.at }));
  }

  private move(kind: SimMove['kind'], move: BankMove & { reason?: string }) {
    const seen = this.store.read().moves[move.idempotencyKey];
    if (seen?.kind === 'VOID') throw new DomainError('BANK_DECLINED', 'This move was voided');
    if (seen) {
      if (seen.kind !== kind || seen.amount !== move.amount) throw new DomainError('BANK_DECLINED', 'Idempotency key reused for another move');
      return { bankTransactionId: seen.bankTransactionId };
    }
    const key = this.store.read().refs[move.accountRef];
    const account = key ? this.store.read().accounts[key] : undefined;
    if (!account || account.bankCode !== move.bankCode) throw new DomainError('BANK_DECLINED', 'Unknown account');
    if (!Number.isSafeInteger(move.amount) || move.amount <= 0) throw new DomainError('BANK_DECLINED', 'Invalid amount');
    if (kind === 'DEBIT' && this.faults.debitDeclines > 0) {
      this.faults.debitDeclines -= 1;
      throw new DomainError('BANK_DECLINED', 'The bank declined the debit (simulated)');
    }
    if (kind === 'DEBIT' && account.balance < move.amount) throw new DomainError('BANK_DECLINED', 'Insufficient funds');
    const bankTransactionId = `btx_${randomUUID()}`;
    this.store.update((d) => {
      d.accounts[key!].balance += kind === 'DEBIT' ? -move.amount : move.amount;
      d.moves[move.idempotencyKey] = { kind, idempotencyKey: move.idempotencyKey, accountKey: key!, amount: move.amount, bankTransactionId, reason: move.reason, at: new Date(this.clock.now()).toISOString() };
    });
    return { bankTransactionId };
  }
}
