import type { z } from 'zod';
import type { ERROR_STATUS, ErrorCode } from './errors';
import * as s from './schemas';
import type { FunctionName } from './catalog';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Auth = 'public' | 'user' | 'ops';

export interface RouteDef {
  method: Method;
  path: string;
  fn: FunctionName;
  auth: Auth;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Headers the route requires or reads, validated like the body. */
  headers?: z.ZodObject;
  status: number;
  response?: z.ZodType;
  /** Other success statuses the route answers (e.g. 202 when a charge waits), with their bodies. */
  alsoReturns?: readonly { status: number; response?: z.ZodType; description: string }[];
  errors: readonly ErrorCode[];
}

/**
 * The route table: the CDK HTTP API, the local gateway, the handlers' router and
 * the OpenAPI document all read this one list.
 */
const TABLE = [
  { method: 'GET', path: '/health', fn: 'meta', auth: 'public', summary: 'Liveness', status: 200, response: s.HealthResponse, errors: [] },
  { method: 'GET', path: '/v1/terms', fn: 'meta', auth: 'public', summary: 'The terms a new user must accept, with the compensation policy', status: 200, response: s.TermsResponse, errors: [] },
  { method: 'GET', path: '/openapi.json', fn: 'meta', auth: 'public', summary: 'This document', status: 200, response: s.OpenApiResponse, errors: [] },
  {
    method: 'POST', path: '/v1/users', fn: 'identity', auth: 'public', summary: 'Register; sends a 6-digit SMS code',
    body: s.RegisterBody, status: 201, response: s.RegisterResponse, errors: ['VALIDATION_ERROR', 'EMAIL_TAKEN', 'RATE_LIMITED'],
  },
  {
    method: 'POST', path: '/v1/sessions', fn: 'identity', auth: 'public', summary: 'Sign in',
    body: s.SessionBody, status: 200, response: s.SessionResponse, errors: ['VALIDATION_ERROR', 'INVALID_CREDENTIALS'],
  },
  { method: 'GET', path: '/v1/me', fn: 'profile', auth: 'user', summary: 'The signed-in user', status: 200, response: s.MeResponse, errors: ['UNAUTHORIZED', 'NOT_FOUND'] },
  {
    method: 'POST', path: '/v1/me/phone/verification', fn: 'profile', auth: 'user', summary: 'Verify the phone with the SMS code',
    body: s.CodeBody, status: 200, response: s.PhoneVerifiedResponse, errors: ['VALIDATION_ERROR', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS'],
  },
  {
    method: 'POST', path: '/v1/me/phone/verification/resend', fn: 'profile', auth: 'user', summary: 'Send a new SMS code (rate limited)',
    status: 202, response: s.AcceptedResponse, errors: ['RATE_LIMITED', 'PHONE_ALREADY_VERIFIED'],
  },
  {
    method: 'POST', path: '/v1/me/ekyc', fn: 'profile', auth: 'user', summary: 'Start identity verification with the eKYC provider',
    status: 201, response: s.EkycStartResponse, errors: ['PHONE_UNVERIFIED', 'KYC_ALREADY_VERIFIED', 'ACCOUNT_FROZEN', 'EKYC_UNAVAILABLE'],
  },
  {
    method: 'POST', path: '/v1/webhooks/ekyc', fn: 'ekycWebhook', auth: 'public', summary: 'eKYC provider callback (signed)',
    headers: s.EkycWebhookHeaders, body: s.EkycWebhookBody, status: 200, response: s.EkycWebhookResponse, errors: ['INVALID_SIGNATURE', 'VALIDATION_ERROR', 'NOT_FOUND'],
  },
  {
    method: 'POST', path: '/v1/webhooks/bank', fn: 'bankWebhook', auth: 'public',
    summary: 'Bank callback (signed): ACCOUNT_COMPROMISED suspends links, cancels waiting charges, freezes wallets that charged from it in 30 days; HOLDER_BLOCKED_LINKING refuses new links until `until`',
    headers: s.BankWebhookHeaders, body: s.BankWebhookBody, status: 200, response: s.BankWebhookResponse, errors: ['INVALID_SIGNATURE', 'VALIDATION_ERROR'],
  },
  {
    method: 'POST', path: '/v1/me/bank-links', fn: 'bankLinks', auth: 'user', summary: 'Start linking a bank account (the holder authenticates at the bank)',
    body: s.CreateLinkBody, status: 201, response: s.CreateLinkResponse,
    errors: ['PHONE_UNVERIFIED', 'KYC_REQUIRED', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'BANK_NOT_SUPPORTED', 'BANK_ACCOUNT_LOCKED', 'ACCOUNT_ALREADY_LINKED', 'RATE_LIMITED', 'BANK_UNAVAILABLE'],
  },
  {
    method: 'POST', path: '/v1/me/bank-links/{linkId}/authorization', fn: 'bankLinks', auth: 'user', summary: "Hand over the bank's authorization code; the holder must match the eKYC identity",
    params: s.LinkParams, body: s.AuthorizeLinkBody, status: 200, response: s.LinkStatusResponse,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'HOLDER_MISMATCH', 'BANK_AUTHORIZATION_FAILED', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'BANK_UNAVAILABLE'],
  },
  {
    method: 'POST', path: '/v1/me/bank-links/{linkId}/confirmation', fn: 'bankLinks', auth: 'user', summary: 'Confirm the link with the SMS code sent to the wallet phone',
    params: s.LinkParams, body: s.CodeBody, status: 200, response: s.LinkStatusResponse,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'ACCOUNT_ALREADY_LINKED', 'ACCOUNT_FROZEN'],
  },
  { method: 'GET', path: '/v1/me/bank-links', fn: 'bankLinks', auth: 'user', summary: "The wallet's bank links", status: 200, response: s.LinkListResponse, errors: [] },
  {
    method: 'DELETE', path: '/v1/me/bank-links/{linkId}', fn: 'bankLinks', auth: 'user', summary: 'Remove a bank link (cancels its waiting charges; a SUSPENDED link only ops can release)',
    params: s.LinkParams, status: 204, errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  {
    method: 'POST', path: '/v1/me/charges', fn: 'charges', auth: 'user', summary: 'Charge the wallet from a linked bank account (idempotent by Idempotency-Key)',
    headers: s.IdempotencyHeaders, body: s.CreateChargeBody, status: 201, response: s.CreateChargeResponse,
    alsoReturns: [{ status: 202, response: s.ChargeAcceptedResponse, description: 'Accepted: the charge waits for a code (PENDING_CONFIRMATION: SMS to the wallet phone, or for HOLDER_CHALLENGE a code the bank sends to the account holder\'s registered phone) or a review, for the holder\'s window (PENDING_HOLD, with availableAt), or the bank\'s answer was lost (PROCESSING)' }],
    errors: ['IDEMPOTENCY_KEY_REUSED', 'LIMIT_EXCEEDED', 'CHARGE_DECLINED', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'NOT_FOUND', 'RATE_LIMITED', 'BANK_UNAVAILABLE'],
  },
  {
    method: 'GET', path: '/v1/me/charges/{chargeId}', fn: 'charges', auth: 'user', summary: 'A charge with its risk decision',
    params: s.ChargeParams, status: 200, response: s.ChargeView, errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/v1/me/charges/{chargeId}/confirmation', fn: 'charges', auth: 'user', summary: 'Confirm a charge with its code: the SMS to the wallet phone, or for HOLDER_CHALLENGE the code the bank sent to the account holder',
    params: s.ChargeParams, body: s.CodeBody, status: 200, response: s.ChargeStatusResponse,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'CHARGE_DECLINED', 'BANK_UNAVAILABLE'],
  },
  { method: 'GET', path: '/v1/me/wallet', fn: 'charges', auth: 'user', summary: 'The wallet balance', status: 200, response: s.WalletResponse, errors: [] },
  {
    method: 'GET', path: '/v1/me/transactions', fn: 'charges', auth: 'user', summary: 'Ledger entries of the wallet, newest first',
    query: s.TransactionsQuery, status: 200, response: s.TransactionsResponse, errors: [],
  },
  {
    method: 'GET', path: '/v1/ops/reviews', fn: 'reviews', auth: 'ops', summary: 'Review queue, each open case with its decision context',
    query: s.ReviewsQuery, status: 200, response: s.ReviewsResponse, errors: [],
  },
  {
    method: 'POST', path: '/v1/ops/reviews/{caseId}/assignment', fn: 'reviews', auth: 'ops', summary: "Take a case (another's only with a takeOver reason, audited)",
    params: s.CaseParams, body: s.AssignmentBody, status: 200, response: s.AssignmentResponse, errors: ['NOT_FOUND', 'INVALID_STATE', 'CASE_ASSIGNED'],
  },
  {
    method: 'POST', path: '/v1/ops/reviews/{caseId}/decision', fn: 'reviews', auth: 'ops',
    summary: 'Approve or reject a paused charge (by its assignee; a large APPROVE needs two distinct approvers: the first answers 202)',
    params: s.CaseParams, body: s.ReviewDecisionBody, status: 200, response: s.ReviewDecisionResponse,
    alsoReturns: [{ status: 202, response: s.ReviewDecisionResponse, description: 'The first of two approvals (≥ 200,000 yen): {status: AWAITING_SECOND_APPROVAL, firstApprover}' }],
    errors: ['NOT_FOUND', 'INVALID_STATE', 'ACCOUNT_FROZEN', 'BANK_SUSPENDED', 'CHARGE_DECLINED', 'CASE_ASSIGNED', 'SECOND_APPROVER_REQUIRED'],
  },
  {
    method: 'POST', path: '/v1/reports/not-me', fn: 'reports', auth: 'public', summary: 'A bank account holder reports a link they did not make (token from the bank notice)',
    body: s.NotMeBody, status: 200, response: s.NotMeResponse, errors: ['INVALID_TOKEN'],
  },
  {
    method: 'GET', path: '/v1/reports/not-me', fn: 'reports', auth: 'public', summary: 'What a not-me token is about (masked), for the not-me page: the event, account, time, amount, and whether it was reported',
    query: s.NotMeQuery, status: 200, response: s.NotMeDetailsResponse, errors: ['INVALID_TOKEN'],
  },
  {
    method: 'GET', path: '/v1/ops/users/{userId}', fn: 'ops', auth: 'ops', summary: 'A user as ops see it: status, balance, links, charges',
    params: s.UserIdParams, status: 200, response: s.OpsUserResponse, errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/v1/ops/users/{userId}/freeze', fn: 'ops', auth: 'ops', summary: 'Freeze a wallet (cancels its waiting charges)',
    params: s.UserIdParams, body: s.ReasonBody, status: 200, response: s.FreezeResponse, errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/v1/ops/users/{userId}/unfreeze', fn: 'ops', auth: 'ops',
    summary: 'Unfreeze a wallet (frozen by a not-me report or a bank event: two staff members, the first answers 202)',
    params: s.UserIdParams, body: s.ReasonBody, status: 200, response: s.FreezeResponse,
    alsoReturns: [{ status: 202, response: s.FreezeResponse, description: 'The first of two unfreezes of a wallet a holder or a bank reported: {status: AWAITING_SECOND_APPROVAL}' }],
    errors: ['NOT_FOUND', 'SECOND_APPROVER_REQUIRED'],
  },
  {
    method: 'POST', path: '/v1/ops/users/{userId}/links/{linkId}/release', fn: 'ops', auth: 'ops',
    summary: "Release a SUSPENDED link's claim on its bank account (after the case is settled); audited",
    params: s.UserLinkParams, body: s.ReasonBody, status: 200, response: s.LinkReleasedResponse, errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  { method: 'GET', path: '/v1/ops/banks', fn: 'ops', auth: 'ops', summary: 'Banks and their switches', status: 200, response: s.BanksResponse, errors: [] },
  {
    method: 'PUT', path: '/v1/ops/banks/{bankCode}', fn: 'ops', auth: 'ops', summary: 'Switch linking and charging for a bank (takes effect at once)',
    params: s.BankCodeParams, body: s.BankSettingsBody, status: 200, response: s.BankView, errors: [],
  },
  {
    method: 'GET', path: '/v1/ops/compensations', fn: 'ops', auth: 'ops', summary: 'Compensation claims, open (default) or closed',
    query: s.ClaimsQuery, status: 200, response: s.ClaimsResponse, errors: [],
  },
  {
    method: 'POST', path: '/v1/ops/compensations', fn: 'ops', auth: 'ops', summary: 'Open a compensation claim for completed charges of one wallet and bank account',
    body: s.CompensationBody, status: 201, response: s.CompensationCreated, errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  {
    method: 'POST', path: '/v1/ops/compensations/{claimId}/decision', fn: 'ops', auth: 'ops', summary: "PAY refunds the victim's bank, claws back from the wallet and freezes it; DENY closes the claim",
    params: s.ClaimParams, body: s.CompensationDecisionBody, status: 200, response: s.ClaimView, errors: ['NOT_FOUND', 'INVALID_STATE', 'BANK_UNAVAILABLE', 'SECOND_APPROVER_REQUIRED'],
  },
  { method: 'GET', path: '/v1/ops/lists', fn: 'ops', auth: 'ops', summary: 'Deny and review list entries in force', status: 200, response: s.ListsResponse, errors: [] },
  {
    method: 'PUT', path: '/v1/ops/lists/{kind}/{value}', fn: 'ops', auth: 'ops', summary: 'List a device, phone, bank account or eKYC identity until a time (audited)',
    params: s.ListParams, body: s.ListEntryBody, status: 200, response: s.ListEntryView, errors: ['VALIDATION_ERROR'],
  },
  {
    method: 'DELETE', path: '/v1/ops/lists/{kind}/{value}', fn: 'ops', auth: 'ops', summary: 'Remove a list entry (audited)',
    params: s.ListParams, status: 204, errors: ['NOT_FOUND', 'VALIDATION_ERROR'],
  },
  { method: 'GET', path: '/v1/ops/rules', fn: 'ops', auth: 'ops', summary: 'The rule set in force and its version', status: 200, response: s.RulesResponse, errors: [] },
  {
    method: 'GET', path: '/v1/ops/rules/proposals', fn: 'ops', auth: 'ops', summary: 'Rule proposals with their backtests: open (default) or closed',
    query: s.RulesProposalsQuery, status: 200, response: s.RulesProposalsResponse, errors: [],
  },
  {
    method: 'POST', path: '/v1/ops/rules/proposals', fn: 'ops', auth: 'ops',
    summary: 'Propose a rule set: answers with a backtest over the charge decisions of the last 30 days (audited)',
    body: s.RulesProposalBody, status: 201, response: s.RulesProposalCreated, errors: ['VALIDATION_ERROR'],
  },
  {
    method: 'POST', path: '/v1/ops/rules/proposals/{proposalId}/decision', fn: 'ops', auth: 'ops',
    summary: 'Approve (activates it as the next version) or reject a proposal: by another member of staff than its proposer (audited)',
    params: s.ProposalParams, body: s.RulesDecisionBody, status: 200, response: s.RulesDecisionResponse, errors: ['NOT_FOUND', 'INVALID_STATE', 'SECOND_APPROVER_REQUIRED'],
  },
  {
    method: 'GET', path: '/v1/ops/audit', fn: 'ops', auth: 'ops', summary: "A user's audit trail: who did what, when and why (newest first)",
    query: s.AuditQuery, status: 200, response: s.AuditResponse, errors: [],
  },
] as const satisfies readonly RouteDef[];

/** The table as a list of routes, for code that walks all of them (CDK, gateway, OpenAPI). */
export const ROUTES: readonly RouteDef[] = TABLE;

/** The body schema a route's requests are validated with: a route without fields takes no body, an empty body or `{}`. */
export const bodyOf = (r: Pick<RouteDef, 'method' | 'body'>): z.ZodType | undefined => r.body ?? (r.method === 'GET' ? undefined : s.EmptyBody);

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}

/*
 * Types derived from the table, so a handler cannot drift from its route: its request has the
 * parsed types of the route's body, query and path schemas, and it must answer with the route's
 * status and response body (or another status the route declares, or one of its error codes).
 */
export type Route = (typeof TABLE)[number];
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
export type RouteKey = KeyOf<Route>;
/** The route of a key (`'POST /v1/me/charges'`). */
export type RouteAt<K extends RouteKey> = Route extends infer R ? (R extends Route ? (KeyOf<R> extends K ? R : never) : never) : never;
/** The keys of one function's routes. */
export type RouteKeysOf<F extends FunctionName> = KeyOf<Extract<Route, { fn: F }>>;

type Parsed<R, F extends string, Else> = R extends { [P in F]: infer S extends z.ZodType } ? z.output<S> : Else;
/** No declared fields: nothing to read (a body-less POST parses to `{}`). */
type Nothing = Record<string, never>;
export type BodyOf<K extends RouteKey> = Parsed<RouteAt<K>, 'body', Nothing>;
export type QueryOf<K extends RouteKey> = Parsed<RouteAt<K>, 'query', Nothing>;
export type ParamsOf<K extends RouteKey> = Parsed<RouteAt<K>, 'params', Nothing>;

type Headers = Record<string, string>;
type Answer<St, S> = { status: St; body: S extends z.ZodType ? z.input<S> : undefined; headers?: Headers };
type Also<R> = R extends { alsoReturns: readonly (infer A)[] } ? (A extends { status: infer St; response?: infer S } ? Answer<St, S> : never) : never;
type ErrorAnswer<R> = R extends { errors: readonly (infer C extends ErrorCode)[] }
  ? C extends ErrorCode
    ? { status: (typeof ERROR_STATUS)[C]; body: { error: { code: C; message: string; requestId: string; details?: Record<string, unknown> } }; headers?: Headers }
    : never
  : never;
/** What a route's implementation may answer: its status and body, another declared success, or one of its errors as a body. */
export type ResultOf<K extends RouteKey> =
  | Answer<RouteAt<K>['status'], RouteAt<K> extends { response: infer S } ? S : undefined>
  | Also<RouteAt<K>>
  | ErrorAnswer<RouteAt<K>>;
