/**
 * Every threshold of the product in one place: limits, codes, rate limits and
 * (with the charge issue) the risk rules. Reason codes are stable strings.
 */
export const LIMITS = {
  perCharge: 500_000,
  perDay: 500_000,
  maxBalance: 1_000_000,
  /** Charges of one wallet that may wait for a code or a human at once (429 beyond). */
  maxWaitingCharges: 3,
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

/**
 * SMS pumping: the public sign-up (and the resend of its code) sends an SMS to a number
 * the caller names. Sends are counted per phone number, per client address and overall,
 * in fixed windows, before any sign-in is created or SMS sent. The deployment may change
 * each value (functions/shared/config.ts reads them; CDK context sets them).
 */
export const SMS_ABUSE_DEFAULTS = {
  /** E.164 country calling codes a wallet phone may have: Japan only. */
  allowedCountryCodes: ['+81'] as readonly string[],
  windowSeconds: 3600,
  /** Sign-ups and resends to one phone number an hour (one user's own resends stop at RESEND_POLICY first). */
  perPhone: 5,
  /** Per client address an hour. Japanese mobile carriers put many phones behind one address (CGNAT): not lower. */
  perAddress: 20,
  /** All SMS sends of sign-up and resend an hour; beyond it the SNS monthly spend limit is the last stop. */
  overall: 1000,
} as const;

export const WEBHOOK_POLICY = {
  toleranceSeconds: 300,
} as const;

/** Risk rules for charges (DESIGN.md, Risk defaults). Amounts in yen, ages in hours unless named. */
export const RISK_POLICY = {
  challenge: {
    amountAtLeast: 50_000,
    /** AMOUNT_UNUSUAL_FOR_LINK: on a vetted link, more than this many times its largest debit of `linkHistoryDays`... */
    unusualForLinkTimes: 2,
    /** ...and at least this much. */
    unusualForLinkAtLeast: 100_000,
  },
  review: {
    amountAtLeast: 200_000,
    chargesInLastHour: 3,
    accountFailedLinksDays: 30,
    /** The bank account was ACTIVE on another wallet this recently (ACCOUNT_RECENTLY_LINKED_ELSEWHERE). */
    accountLinkedElsewhereDays: 90,
    /** The device was seen on this many wallets (this one included) within the window (DEVICE_SHARED). */
    deviceSharedWallets: 2,
    deviceSharedDays: 30,
    /** A device first seen on the wallet this recently, moving more than this many yen (NEW_DEVICE_EXPOSURE). */
    newDeviceHours: 72,
    newDeviceExposureAbove: 10_000,
    /** YOUNG_LINK_EXPOSURE: an unvetted link's yen of the last `exposureDays` (held included) plus this charge above this. */
    youngLinkExposureAbove: 100_000,
    exposureDays: 30,
  },
  /**
   * The account holder's own channel, through the bank. On a young link whose wallet phone the bank
   * did not attest as the holder's registered phone, the link's exposure plus the charge above this
   * needs a code the bank sends to the holder's phone (HOLDER_CHALLENGE).
   */
  holder: {
    challengeExposureAbove: 10_000,
  },
  hold: {
    /** HOLDER_WINDOW: the debit waits until this long after the bank's "linked" notice (unless the bank attested the phone). */
    holderWindowHours: 72,
    /** DAY_ABOVE_LINK_HISTORY: on a vetted link, a day total (this charge included) above this many times its largest day... */
    dayAboveHistoryTimes: 3,
    /** ...and at least this much, waits this long. */
    dayAboveHistoryAtLeast: 50_000,
    dayAboveHistoryHours: 24,
  },
  link: {
    /** How far back a link's own history (largest debit, largest day) reaches. */
    historyDays: 180,
    /** Vetted without a reviewer: older than this... */
    vettedAfterDays: 30,
    /** ...with at least this many debits notified to the holder... */
    vettedDebits: 3,
    /** ...more than this many days ago, and no objection (an objection suspends the link). */
    vettedNoticeDays: 7,
  },
} as const;

/**
 * A debit counts toward vetting a link by age only from this amount on: three 1-yen debits must not
 * vet a thief's link (the holder barely notices them). Fixed here, not a runtime rule: the link's
 * history records the debits that count when they are credited.
 */
export const VETTING = { debitAtLeast: 5_000 } as const;

/** Callback waits of the charge workflow, in seconds, and the review SLA that pages ops. */
export const CHARGE_TIMEOUTS = {
  smsConfirmationSeconds: 5 * 60,
  reviewSeconds: 24 * 3600,
  reviewSlaSeconds: 30 * 60,
  /** A charge that should be moving but is not, for this long, is picked up by the sweeper. */
  stuckAfterSeconds: 2 * 60,
} as const;

/**
 * Four eyes on money (issue 13): what one member of staff may not do alone. A review's APPROVE at or
 * over `reviewApprovalAmountAtLeast` needs a second, distinct approver; a wallet frozen for one of
 * `unfreezeReasonPrefixes` needs a second staff member to unfreeze it; a compensation claim is paid
 * by someone other than the one who opened it.
 */
export const FOUR_EYES = {
  reviewApprovalAmountAtLeast: 200_000,
  unfreezeReasonPrefixes: ['NOT_ME_REPORT', 'BANK_'],
} as const;

/** Lists (issue 13): how far ahead an entry may expire, in days. */
export const LIST_POLICY = {
  maxDays: 3650,
} as const;
