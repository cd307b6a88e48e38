import { createHash } from 'node:crypto';

export type SmsLimitScope = 'PHONE' | 'ADDRESS' | 'OVERALL';

export interface SmsSendCount {
  phoneNumber: string;
  sourceIp: string;
  /** The window the send is counted in (epoch ms): counters are per window. */
  windowStart: number;
  windowEnd: number;
  limits: Record<SmsLimitScope, number>;
}

/** Counters of SMS-sending requests (sign-up and resend) per phone number, per client address and overall. */
export interface SmsLimitStore {
  /**
   * Counts one send against all three counters of the window, all or none: parallel requests
   * can never count past a limit. The first scope already at its limit (then nothing is counted),
   * or undefined when counted.
   */
  countSend(input: SmsSendCount): Promise<SmsLimitScope | undefined>;
}

/** The counters of one send: keyed on hashes, so no phone number or address is stored for this. */
export function smsCounters(input: Pick<SmsSendCount, 'phoneNumber' | 'sourceIp'>): { scope: SmsLimitScope; subject: string }[] {
  const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);
  return [
    { scope: 'PHONE', subject: digest(input.phoneNumber) },
    { scope: 'ADDRESS', subject: digest(input.sourceIp) },
    { scope: 'OVERALL', subject: 'ALL' },
  ];
}
