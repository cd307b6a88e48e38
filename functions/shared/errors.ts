/**
 * Typed domain errors. Handlers throw these; one middleware at the edge maps them
 * to the contract's status and code. The codes are part of the API contract.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_SIGNATURE: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  PHONE_UNVERIFIED: 403,
  KYC_REQUIRED: 403,
  ACCOUNT_FROZEN: 403,
  BANK_ACCOUNT_LOCKED: 403,
  SECOND_APPROVER_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  ACCOUNT_ALREADY_LINKED: 409,
  PHONE_ALREADY_VERIFIED: 409,
  KYC_ALREADY_VERIFIED: 409,
  INVALID_STATE: 409,
  CASE_ASSIGNED: 409,
  INVALID_CODE: 422,
  BANK_AUTHORIZATION_FAILED: 422,
  BANK_NOT_SUPPORTED: 422,
  BANK_DECLINED: 422,
  HOLDER_MISMATCH: 422,
  LIMIT_EXCEEDED: 422,
  CHARGE_DECLINED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_ATTEMPTS: 429,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  BANK_UNAVAILABLE: 502,
  BANK_SUSPENDED: 503,
  SERVICE_UNAVAILABLE: 503,
  EKYC_UNAVAILABLE: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Shared by every copy of this module: the local stack's adapters and the deployed bundles each have one. */
const DOMAIN_ERROR = Symbol.for('anshin.DomainError');

export class DomainError extends Error {
  readonly status: number;
  readonly [DOMAIN_ERROR] = true;
  /** `instanceof` by brand, so an error thrown by a local simulator is recognized inside a bundle. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [DOMAIN_ERROR]?: boolean })[DOMAIN_ERROR] === true;
  }
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = ERROR_STATUS[code];
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
