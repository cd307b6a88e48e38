import * as z from 'zod';
import { RulesSchema } from '../domain/rules';

/**
 * Request and response schemas. The same objects validate requests at the edge
 * and produce the OpenAPI document, so the two cannot drift.
 */
export const E164 = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number such as +819012345678');
export const SixDigitCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');
export const Email = z.email().max(254);
// Cognito's default policy, checked here first so a weak password is a 400 with the field named.
export const Password = z
  .string()
  .min(8)
  .max(256)
  .regex(/[a-z]/, 'needs a lower-case letter')
  .regex(/[A-Z]/, 'needs an upper-case letter')
  .regex(/\d/, 'needs a digit');

/** The body of a route that takes no fields: nothing, or an empty JSON object. */
export const EmptyBody = z.strictObject({});

export const RegisterBody = z.strictObject({
  email: Email,
  password: Password,
  phoneNumber: E164,
  acceptedTermsVersion: z.string().min(1).max(32),
});
export const RegisterResponse = z.object({ userId: z.string() });

export const SessionBody = z.strictObject({ email: Email, password: z.string().min(1).max(256) });
export const SessionResponse = z.object({
  accessToken: z.string(),
  idToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
});

export const Limits = z.object({
  perCharge: z.number().int(),
  perDay: z.number().int(),
  maxBalance: z.number().int(),
});
export const MeResponse = z.object({
  userId: z.string(),
  email: z.string(),
  phoneNumber: z.string().describe('masked: only the last 4 digits are shown'),
  phoneVerified: z.boolean(),
  kycStatus: z.enum(['NONE', 'PENDING', 'VERIFIED', 'REJECTED']),
  status: z.enum(['ACTIVE', 'FROZEN']),
  balance: z.number().int(),
  limits: Limits,
});

export const CodeBody = z.strictObject({ code: SixDigitCode });
export const PhoneVerifiedResponse = z.object({ phoneVerified: z.literal(true) });
export const AcceptedResponse = z.object({ accepted: z.literal(true), retryAfterSeconds: z.number().int() });

export const EkycStartResponse = z.object({ ekycSessionId: z.string(), redirectUrl: z.string() });
export const Identity = z.strictObject({
  fullName: z.string().min(1).max(100),
  fullNameKana: z.string().min(1).max(100),
  dateOfBirth: z.iso.date(),
});
export const EkycWebhookHeaders = z.object({
  'x-ekyc-signature': z.string().min(1).describe('t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>'),
});
export const EkycWebhookBody = z.object({
  eventId: z.string().min(1).max(128),
  ekycSessionId: z.string().min(1).max(128),
  result: z.enum(['APPROVED', 'REJECTED']),
  identity: Identity.optional(),
});

export const BankWebhookHeaders = z.object({
  'x-bank-signature': z.string().min(1).describe("t=<unix seconds>,v1=<hex HMAC-SHA256(the bank's secret, t + \".\" + rawBody)>"),
});
export const BankWebhookBody = z.object({
  eventId: z.string().min(1).max(128),
  type: z.enum(['ACCOUNT_COMPROMISED', 'HOLDER_BLOCKED_LINKING']),
  bankCode: z.string().regex(/^\d{4}$/, '4 digits'),
  branchCode: z.string().regex(/^\d{3}$/, '3 digits'),
  accountNumber: z.string().regex(/^\d{7}$/, '7 digits'),
  until: z.iso.datetime({ offset: true }).optional().describe('HOLDER_BLOCKED_LINKING: links are refused until then'),
});
export const BankWebhookResponse = z.object({
  received: z.literal(true),
  applied: z.boolean(),
  suspendedLinks: z.number().int(),
  frozenWallets: z.number().int(),
  cancelledCharges: z.number().int(),
});
export const EkycWebhookResponse = z.object({ received: z.literal(true), applied: z.boolean().describe('false when the eventId was seen before: nothing changed') });
export const OpenApiResponse = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }).describe('this OpenAPI 3.1 document');

export const TermsResponse = z.object({
  version: z.string().describe('send it as acceptedTermsVersion to POST /v1/users'),
  url: z.string().describe('the full terms'),
  compensationPolicy: z.string().describe("the terms' compensation promise, in the caller's language (Accept-Language)"),
});

export const HealthResponse = z.object({ status: z.literal('ok'), stage: z.string(), time: z.string() });

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});

export const LinkId = z.string().regex(/^lnk_[0-9a-f-]{36}$/, 'not a link id');
export const LinkParams = z.object({ linkId: LinkId });
export const CreateLinkBody = z.strictObject({
  bankCode: z.string().regex(/^\d{4}$/, 'must be 4 digits'),
  branchCode: z.string().regex(/^\d{3}$/, 'must be 3 digits'),
  accountNumber: z.string().regex(/^\d{7}$/, 'must be 7 digits'),
});
export const LinkStatusEnum = z.enum(['PENDING_BANK_AUTH', 'PENDING_CONFIRMATION', 'ACTIVE', 'FAILED', 'SUSPENDED', 'REMOVED']);
export const CreateLinkResponse = z.object({ linkId: z.string(), status: z.literal('PENDING_BANK_AUTH'), authorizationUrl: z.string() });
export const AuthorizeLinkBody = z.strictObject({ authorizationCode: z.string().min(1).max(512) });
export const LinkStatusResponse = z.object({ status: LinkStatusEnum });
export const LinkView = z.object({
  linkId: z.string(),
  bankCode: z.string(),
  branchCode: z.string(),
  accountNumber: z.string().describe('masked: only the last 3 digits'),
  status: LinkStatusEnum,
  createdAt: z.string(),
  activatedAt: z.string().optional(),
});
export const LinkListResponse = z.object({ items: z.array(LinkView) });

export const ChargeId = z.string().regex(/^chg_[0-9a-f]{32}$/, 'not a charge id');
export const ChargeParams = z.object({ chargeId: ChargeId });
export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'required: 1 to 128 characters of A-Z a-z 0-9 _ . : -'),
});
export const CreateChargeBody = z.strictObject({
  linkId: LinkId,
  amount: z.number().int('must be whole yen').min(1).max(10_000_000),
});
export const ChargeStatusEnum = z.enum(['PENDING_HOLD', 'PENDING_CONFIRMATION', 'PENDING_REVIEW', 'PROCESSING', 'COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED']);
export const CreateChargeResponse = z.object({
  chargeId: z.string(),
  status: z.literal('COMPLETED'),
  balance: z.number().int().describe('the wallet balance after the credit'),
});
export const ChargeAcceptedResponse = z.object({
  chargeId: z.string(),
  status: ChargeStatusEnum.describe('PENDING_CONFIRMATION (a code was sent), PENDING_HOLD (the debit waits for the holder\'s window) or PROCESSING (the bank\'s answer was lost); a replay answers the current status'),
  availableAt: z.string().optional().describe('PENDING_HOLD: when the debit runs unless the account holder objects (ISO 8601)'),
});
export const ChargeView = z.object({
  chargeId: z.string(),
  status: ChargeStatusEnum,
  amount: z.number().int(),
  linkId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  decision: z.object({ outcome: z.enum(['ALLOW', 'HOLD', 'CHALLENGE', 'REVIEW', 'DENY']), reasons: z.array(z.string()), ruleVersion: z.number().int().optional().describe('the rule set version that decided it (ops views)') }),
});
export const ChargeStatusResponse = z.object({ chargeId: z.string(), status: ChargeStatusEnum });
export const WalletResponse = z.object({ balance: z.number().int(), pending: z.number().int().describe('yen of held charges (PENDING_HOLD); the balance cap counts them'), currency: z.literal('JPY') });
export const TransactionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(2000).optional(),
});
export const TransactionsResponse = z.object({
  items: z.array(
    z.object({
      entryId: z.string(),
      type: z.enum(['CHARGE', 'CLAWBACK']),
      amount: z.number().int().describe('signed: negative when money left the wallet'),
      balanceAfter: z.number().int(),
      chargeId: z.string().optional(),
      createdAt: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const ReviewsQuery = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional().describe('OPEN (default) or CLOSED: the last 100 closed cases, newest decision first') });
export const CaseParams = z.object({ caseId: z.string().regex(/^case_[0-9a-f]{32}$/, 'not a case id') });
export const ReviewContext = z.object({
  user: z.object({
    kycName: z.string().nullable(), kycNameKana: z.string().nullable(), walletAgeHours: z.number(), status: z.string(),
    phoneNumber: z.string().describe('masked'), balance: z.number().int(), pending: z.number().int().describe('yen of charges still waiting (code, review)'),
    createdAt: z.string().nullable().optional().describe('when the wallet was opened'),
  }),
  link: z.object({
    linkId: z.string(), bankCode: z.string(), branchCode: z.string(), accountMasked: z.string(), status: z.string(), ageHours: z.number().nullable(),
    phoneAttested: z.boolean().describe('whether the bank attested that the wallet phone is its holder\'s registered phone'),
    activatedAt: z.string().nullable().optional(), debitsNotified: z.number().int().optional().describe('debits on this link so far, each notified to the holder by the bank'),
  }).nullable(),
  device: z.object({ id: z.string(), firstSeenAt: z.string().nullable(), otherWallets: z.array(z.string()) }).nullable(),
  recentCharges: z.array(z.object({ chargeId: z.string(), amount: z.number().int(), status: z.string(), outcome: z.string(), reasons: z.array(z.string()), createdAt: z.string() })),
  facts: z.record(z.string(), z.unknown()).describe('per reason code, the facts the decision stored for it'),
  relatedWallets: z.array(z.object({ userId: z.string(), via: z.array(z.enum(['BANK_ACCOUNT', 'DEVICE', 'PHONE', 'EKYC_IDENTITY'])) })),
  listRefs: z.partialRecord(z.enum(['DEVICE', 'PHONE', 'BANK_ACCOUNT', 'EKYC_IDENTITY']), z.object({ value: z.string(), shown: z.string() }))
    .optional().describe('per list kind, the {value} for PUT /v1/ops/lists/{kind}/{value} (a device id as it is, the others sealed) and what it shows'),
});
export const ReviewItem = z.object({
  caseId: z.string(),
  chargeId: z.string(),
  userId: z.string(),
  amount: z.number().int(),
  reasons: z.array(z.string()),
  createdAt: z.string(),
  dueAt: z.string().describe('the 30-minute review SLA'),
  expiresAt: z.string().describe('the charge expires unreviewed after 24 hours'),
  caseStatus: z.enum(['OPEN', 'APPROVED', 'REJECTED', 'CLOSED']),
  assignee: z.string().optional().describe("the owner's e-mail"),
  assignedAt: z.string().optional(),
  firstApprover: z.string().optional().describe('set while a large APPROVE waits for its second approver'),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  ruleVersion: z.number().int().optional().describe('the version of the rule set that decided the charge'),
  context: ReviewContext.optional().describe('open cases only'),
});
export const ReviewsResponse = z.object({ items: z.array(ReviewItem), now: z.string().describe("the service's clock, for time left before dueAt") });
export const AssignmentBody = z.strictObject({ takeOver: z.string().min(1).max(1000).optional().describe("why the case is taken from its owner (audited)") });
export const AssignmentResponse = z.object({ caseId: z.string(), assignee: z.string(), assignedAt: z.string().optional() });
export const ReviewDecisionBody = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT']),
  note: z.string().min(1).max(2000),
  freezeUser: z.boolean().optional(),
  trustLink: z.boolean().optional().describe('APPROVE only: the charge\'s link becomes vetted (no holder window, no young-link exposure cap)'),
});
export const ReviewDecisionResponse = z.object({
  caseId: z.string(), decision: z.enum(['APPROVE', 'REJECT']), chargeStatus: ChargeStatusEnum,
  status: z.literal('AWAITING_SECOND_APPROVAL').optional().describe('202: the first of two approvals'), firstApprover: z.string().optional(),
});

export const UserIdParams = z.object({ userId: z.string().regex(/^[0-9a-f-]{36}$/, 'not a user id') });
export const ReasonBody = z.strictObject({ reason: z.string().min(1).max(1000) });
export const UserLinkParams = z.object({ userId: UserIdParams.shape.userId, linkId: LinkId });
export const LinkReleasedResponse = z.object({ linkId: z.string(), status: LinkStatusEnum });
export const FreezeResponse = z.object({
  userId: z.string(), status: z.enum(['ACTIVE', 'FROZEN', 'AWAITING_SECOND_APPROVAL']).describe('AWAITING_SECOND_APPROVAL (202): the first of two unfreezes'),
  cancelledCharges: z.array(z.string()).optional(), firstApprover: z.string().optional(),
});
export const BankCodeParams = z.object({ bankCode: z.string().regex(/^\d{4}$/, 'must be 4 digits') });
export const BreakerSettings = z
  .strictObject({ linkFailures: z.number().int().min(1).max(100_000).optional(), notMeReports: z.number().int().min(1).max(100_000).optional() })
  .describe('Circuit-breaker thresholds for this bank (per 10 minutes); omitted: the defaults');
export const BankSettingsBody = z.strictObject({ linkingEnabled: z.boolean(), chargingEnabled: z.boolean(), name: z.string().min(1).max(100).optional(), breaker: BreakerSettings.optional() });
export const BankView = z.object({ bankCode: z.string(), name: z.string(), linkingEnabled: z.boolean(), chargingEnabled: z.boolean(), updatedAt: z.string(), updatedBy: z.string(), breaker: BreakerSettings.optional() });
export const BanksResponse = z.object({ items: z.array(BankView) });
export const CompensationBody = z.strictObject({ chargeIds: z.array(ChargeId).min(1).max(1000), note: z.string().min(1).max(2000) });
export const CompensationCreated = z.object({ claimId: z.string(), amount: z.number().int() });
export const ClaimParams = z.object({ claimId: z.string().regex(/^clm_[0-9a-f-]{36}$/, 'not a claim id') });
export const CompensationDecisionBody = z.strictObject({ decision: z.enum(['PAY', 'DENY']), note: z.string().max(2000).optional() });
export const ClaimView = z.object({
  claimId: z.string(),
  userId: z.string(),
  linkId: z.string(),
  bankCode: z.string(),
  chargeIds: z.array(z.string()),
  amount: z.number().int(),
  claimStatus: z.enum(['OPEN', 'PAYING', 'PAID', 'DENIED']),
  source: z.string(),
  note: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  refunded: z.number().int().optional(),
  clawback: z.number().int().optional(),
  loss: z.number().int().optional(),
});
export const ClaimsResponse = z.object({ items: z.array(ClaimView) });
export const ClaimsQuery = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional().describe('OPEN (default: OPEN and PAYING) or CLOSED (PAID and DENIED, newest first)') });
export const ListKind = z.enum(['DEVICE', 'PHONE', 'BANK_ACCOUNT', 'EKYC_IDENTITY']);
export const ListParams = z.object({
  kind: ListKind,
  value: z.string().min(1).max(300).describe('DEVICE: the X-Device-Id; PHONE: E.164; BANK_ACCOUNT: bankCode-branchCode-accountNumber; EKYC_IDENTITY: kana name and birth date, `<kana>_<YYYY-MM-DD>`; or, for any kind, a sealed reference `~…` from a case\'s `context.listRefs` or an entry\'s `ref`'),
});
export const ListEntryBody = z.strictObject({
  action: z.enum(['DENY', 'REVIEW']),
  until: z.iso.datetime({ offset: true }).describe('the entry stops applying at this time'),
  reason: z.string().min(1).max(1000),
});
export const ListEntryView = z.object({
  kind: ListKind, value: z.string().describe('as entered; a bank account is shown masked'), action: z.enum(['DENY', 'REVIEW']), until: z.string(), reason: z.string(),
  createdAt: z.string(), createdBy: z.string(),
  ref: z.string().optional().describe('the {value} that removes this entry (DELETE): a device id as it is, the others sealed'),
});
export const ListsResponse = z.object({ items: z.array(ListEntryView) });
export const AuditQuery = z.object({
  userId: z.string().regex(/^([0-9a-f-]{36}|bank-\d{4}|lists|rules)$/, 'a user id, bank-<bankCode> for a bank\'s switches, `lists` for list changes, or `rules` for rule proposals and activations'),
});
export const AuditResponse = z.object({
  items: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), reason: z.string().optional(), details: z.unknown().optional() })),
});
/** Rules at runtime (issue 13): the shape is RISK_POLICY's plus fourEyes, derived in domain/rules.ts; every leaf a non-negative integer. */
export const RuleSet = RulesSchema.describe('every risk threshold (amounts in yen, ages in hours, counts), the same keys as the defaults');
export const RulesResponse = z.object({
  version: z.number().int().describe('1 is the defaults of the code'),
  rules: RuleSet,
  activatedAt: z.string().optional(),
  activatedBy: z.string().optional(),
});
export const RulesProposalBody = z.strictObject({ rules: RuleSet, note: z.string().min(1).max(2000) });
export const OutcomeCounts = z.object({ ALLOW: z.number().int(), HOLD: z.number().int(), CHALLENGE: z.number().int(), REVIEW: z.number().int(), DENY: z.number().int() });
export const BeforeAfter = z.object({ before: z.number().int(), after: z.number().int() });
export const RulesBacktest = z.object({
  charges: z.number().int().describe('charge decisions recorded in the window'),
  changed: z.number().int().describe('of them, how many the proposal decides otherwise'),
  before: OutcomeCounts.describe('outcomes under the active rules'),
  after: OutcomeCounts.describe('outcomes under the proposed rules'),
  transitions: z.record(z.string(), z.number().int()).describe('changed outcomes by move, e.g. "ALLOW→REVIEW"'),
  fraudCharges: z.number().int().describe('charges labelled fraud: a not-me report on them, or a paid compensation claim containing them'),
  fraudYenCaught: BeforeAfter.describe('yen of fraud charges whose outcome is not ALLOW (HOLD counts: the holder is told before the debit)'),
  fraudYenMissed: BeforeAfter.describe('yen of fraud charges allowed outright'),
  honestFriction: BeforeAfter.describe('charges without a fraud label that were not allowed outright'),
  from: z.string(),
  to: z.string(),
});
export const RuleChange = z.object({ rule: z.string().describe('group.key'), from: z.number().int(), to: z.number().int() });
export const RulesProposalCreated = z.object({ proposalId: z.string(), baseVersion: z.number().int(), changes: z.array(RuleChange), backtest: RulesBacktest });
export const RulesProposalView = z.object({
  proposalId: z.string(), rules: RuleSet, note: z.string(), baseVersion: z.number().int(), changes: z.array(RuleChange), backtest: RulesBacktest,
  proposalStatus: z.enum(['OPEN', 'APPROVED', 'REJECTED']), proposedBy: z.string(), createdAt: z.string(),
  decidedBy: z.string().optional(), decidedAt: z.string().optional(), activatedVersion: z.number().int().optional(),
});
export const RulesProposalsQuery = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional().describe('OPEN (default, oldest first) or CLOSED (the last 50 decided, newest first)') });
export const RulesProposalsResponse = z.object({ items: z.array(RulesProposalView) });
export const ProposalParams = z.object({ proposalId: z.string().regex(/^rp_[0-9a-f-]{36}$/, 'not a proposal id') });
export const RulesDecisionBody = z.strictObject({ decision: z.enum(['APPROVE', 'REJECT']), note: z.string().max(2000).optional() });
export const RulesDecisionResponse = z.object({
  proposalId: z.string(), proposalStatus: z.enum(['APPROVED', 'REJECTED']), version: z.number().int().describe('the active version after the decision'),
});
export const OpsUserResponse = z.object({
  userId: z.string(),
  email: z.string(),
  phoneNumber: z.string(),
  status: z.enum(['ACTIVE', 'FROZEN']),
  frozenReason: z.string().optional(),
  /** Charge attempts refused while the wallet was frozen: counted, not stored one by one. */
  deniedWhileFrozen: z.number().int().optional(),
  kycStatus: z.string(),
  createdAt: z.string(),
  balance: z.number().int(),
  links: z.array(LinkView.extend({ phoneAttested: z.boolean().describe('the bank attested at authorization that the wallet phone is the holder\'s registered phone (ops only)') })),
  charges: z.array(ChargeView),
});
export const NotMeBody = z.strictObject({ token: z.string().min(1).max(2000) });
export const NotMeQuery = z.object({ token: z.string().min(1).max(2000) });
/** What the not-me page shows before the holder reports: masked, and only what the notice already said. */
export const NotMeDetailsResponse = z.object({
  event: z.enum(['LINKED', 'DEBITED', 'HOLD']),
  bankCode: z.string(),
  accountMasked: z.string(),
  at: z.string().optional(),
  amount: z.number().int().optional(),
  reported: z.boolean(),
  report: z.object({ walletFrozen: z.boolean(), cancelledCharges: z.array(z.string()), claimId: z.string().optional(), amount: z.number().int() }).optional(),
});
export const NotMeResponse = z.object({ reported: z.literal(true), walletFrozen: z.boolean(), linkSuspended: z.boolean(), cancelledCharges: z.array(z.string()), claimId: z.string().optional(), amount: z.number().int() });
