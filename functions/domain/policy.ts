/**
 * Every threshold of the product in one place: limits, codes, rate limits and
 * (with the charge issue) the risk rules. Reason codes are stable strings.
 */
export const LIMITS = {
  perCharge: 500_000,
  perDay: 500_000,
  maxBalance: 1_000_000,
} as const;

export const CODE_POLICY = {
  digits: 6,
  ttlSeconds: 5 * 60,
  maxAttempts: 5,
} as const;

export const RESEND_POLICY = {
  minIntervalSeconds: 60,
  maxPerHour: 5,
} as const;

export const WEBHOOK_POLICY = {
  toleranceSeconds: 300,
} as const;
