import { z } from 'zod';

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
export const EkycWebhookBody = z.object({
  eventId: z.string().min(1).max(128),
  ekycSessionId: z.string().min(1).max(128),
  result: z.enum(['APPROVED', 'REJECTED']),
  identity: Identity.optional(),
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
