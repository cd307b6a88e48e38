/**
 * The ports handlers depend on. Each has a cloud adapter (the default) and a local
 * one that the local runtime installs with `usePorts` before serving requests.
 */
export interface SmsSender {
  send(to: string, body: string): Promise<void>;
}

export interface EkycProvider {
  /** Opens a verification session at the provider; the user finishes it at `redirectUrl`. */
  startSession(input: { reference: string; callbackUrl: string }): Promise<{ sessionId: string; redirectUrl: string }>;
}

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface IdentityProvider {
  /** Creates a confirmed user with a permanent password; `EMAIL_TAKEN` if the email is in use. */
  createUser(email: string, password: string): Promise<{ userId: string }>;
  /** The sign-in with this email (its sub as userId) and the groups it is in; undefined if there is none. */
  findUser(email: string): Promise<{ userId: string; groups: string[] } | undefined>;
  /** Deletes by email or by sub (a sub names exactly one sign-in, never a later one with the same email). */
  deleteUser(emailOrSub: string): Promise<void>;
  signIn(email: string, password: string): Promise<Tokens>;
}

export interface BankAccountRef {
  bankCode: string;
  branchCode: string;
  accountNumber: string;
}

/** What the bank tells us about the holder once they have authenticated at the bank. */
export interface HolderInfo {
  holderNameKana: string;
  dateOfBirth: string;
  /** The bank's opaque token for the account, used for debits, refunds and notices from then on. */
  accountRef: string;
  /**
   * The bank's answer to "is the wallet phone we sent the holder's bank-registered phone?": a yes/no,
   * never the holder's number. Absent when the bank does not say (then the phone is not attested).
   */
  phoneMatchesHolder?: boolean;
}

/**
 * A code the bank sends to its account holder's registered phone and checks itself (as a card issuer
 * does in 3-D Secure): the wallet relays what its user types and learns only yes or no.
 */
export interface HolderChallengeResult {
  verified: boolean;
  /** Tries the bank still allows for this challenge (it keeps its own count too). */
  attemptsLeft?: number;
}

export type HolderNotice = 'LINK_REQUESTED' | 'LINKED' | 'ACCOUNT_LOCKED' | 'CHARGED' | 'REFUNDED';

export interface BankMove {
  bankCode: string;
  accountRef: string;
  amount: number;
  /** The bank executes a move at most once per key (the charge id for debits). */
  idempotencyKey: string;
}

/** What the bank tells its holder when it executes a debit for us, with our not-me link. */
export interface DebitNotice {
  message: string;
  notMeUrl: string;
}

/**
 * A bank behind the bank gateway. Errors are DomainErrors: BANK_AUTHORIZATION_FAILED
 * (bad, used or expired code), BANK_DECLINED (the bank refused a debit), BANK_UNAVAILABLE
 * (timeouts and 5xx after bounded retries: the outcome of a move is then unknown).
 */
export interface BankGateway {
  /** Pushes the account to the bank and returns the page where its holder authenticates. */
  createAuthorizationRequest(input: { account: BankAccountRef; state: string }): Promise<{ requestId: string; authorizationUrl: string }>;
  /** `walletPhoneNumber`: the wallet's verified phone, which the bank compares with the holder's registered phone. */
  exchangeAuthorizationCode(input: { bankCode: string; requestId: string; authorizationCode: string; walletPhoneNumber?: string }): Promise<HolderInfo>;
  /**
   * Asks the bank to send its holder a code for this charge (amount and payee in the bank's own message),
   * to the phone registered at the bank. Idempotent by `challengeId` (the charge id): a retry sends no second code.
   */
  startHolderChallenge(input: { bankCode: string; accountRef: string; challengeId: string; amount: number }): Promise<{ challengeId: string; expiresAt: string }>;
  /** Relays the code the wallet user typed; the bank says whether it is the holder's code. */
  verifyHolderChallenge(input: { bankCode: string; challengeId: string; code: string }): Promise<HolderChallengeResult>;
  /** The bank tells its account holder, on the bank's own channel, with our not-me link where there is one. */
  notifyHolder(input: { bankCode: string; target: { accountRef: string } | { requestId: string }; notice: HolderNotice; message: string; notMeUrl?: string }): Promise<void>;
  /** Debits once per key; when it executes the debit, the bank sends `notice` to its account holder. */
  debit(move: BankMove & { notice?: DebitNotice }): Promise<{ bankTransactionId: string }>;
  /** The bank's record of our moves on its side, for reconciliation. */
  statement(bankCode: string): Promise<{ kind: 'DEBIT' | 'CREDIT' | 'REVERSAL'; idempotencyKey: string; amount: number; at: string }[]>;
  /**
   * Reverses the debit made with `idempotencyKey` if the bank executed it, and makes
   * sure a late arrival of that debit is refused: safe when the debit's outcome is unknown.
   */
  reverseDebit(move: BankMove): Promise<{ reversed: boolean }>;
  /** Pays money back to the account (a refund of a debit, or compensation). */
  credit(move: BankMove & { reason: string }): Promise<{ bankTransactionId: string }>;
}

/** Where a charge's workflow (re)starts: the sweeper resumes lost executions at their stage. */
export type ChargeStage = 'CONFIRM' | 'REVIEW' | 'EXECUTE';

export interface ChargeWorkflowInput {
  chargeId: string;
  userId: string;
  outcome: 'CHALLENGE' | 'REVIEW' | 'ALLOW';
  stage: ChargeStage;
  /** The API request (or sweep) that started the execution; every task logs it. Engines fill it in. */
  correlationId?: string;
}

/** The charge state machine: Step Functions in the cloud, aws-local-stepfunctions locally. */
export interface WorkflowEngine {
  /** Starts an execution; a second start with the same name is a no-op. */
  start(name: string, input: ChargeWorkflowInput): Promise<void>;
  isRunning(name: string): Promise<boolean>;
  /** Resumes a waiting task. False if the token is unknown, used or timed out. */
  succeed(token: string, output: Record<string, unknown>): Promise<boolean>;
  fail(token: string, error: string, cause: string): Promise<boolean>;
}

/** Pages the operations team (an SNS topic in the cloud). */
export interface OpsAlerts {
  notify(subject: string, message: string): Promise<void>;
}

/** Local fault injection points (no-ops in the cloud). */
export interface Faults {
  /** Throws a simulated crash at `point` if a fault is armed there. */
  check(point: 'afterDebit' | 'beforeCredit'): void;
  /** Throws a simulated crash in the sign-up of `email` after its Cognito user was created, if armed for it. */
  checkSignUp?(email: string): void;
}

export interface Secrets {
  /** Key of the HMAC that stores one-time codes as hashes. */
  codeKey: string;
  /** Undefined until the deployer sets the provider's secret (at least 16 characters): the webhook then refuses every call. */
  ekycWebhookSecret?: string;
  /** Key that signs not-me report tokens sent to bank account holders. */
  notMeTokenKey: string;
  /** Key of the HMAC under which bank account numbers are stored. */
  accountKey: string;
  /** API key for the bank gateway (cloud only). */
  bankApiKey?: string;
  /** The banks' webhook secret (X-Bank-Signature); absent until set, and then every bank webhook is refused. */
  bankWebhookSecret?: string;
  /** API key for the eKYC provider's session API (cloud only). */
  ekycApiKey?: string;
}

export interface Clock {
  now(): number;
}

export interface Ports {
  sms: SmsSender;
  ekyc: EkycProvider;
  identity: IdentityProvider;
  bank: BankGateway;
  workflow: WorkflowEngine;
  faults: Faults;
  alerts: OpsAlerts;
  secrets: () => Promise<Secrets>;
  clock: Clock;
}
