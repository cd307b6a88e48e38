import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { CODE_POLICY, RESEND_POLICY } from './policy';

/** A one-time code as stored: never the code itself, only a keyed hash of it. */
export interface StoredCode {
  hash: string;
  expiresAt: number; // epoch ms
  attempts: number;
  sentAt: number; // epoch ms of the last send
  sendsInWindow: number;
  windowStart: number; // epoch ms
}

/** 6 digits from the CSPRNG, leading zeros kept. */
export function generateCode(): string {
  return randomInt(0, 10 ** CODE_POLICY.digits).toString().padStart(CODE_POLICY.digits, '0');
}

/** The hash binds the code to its purpose and subject, so a code for one thing never unlocks another. */
export function hashCode(key: string, purpose: string, subject: string, code: string): string {
  return createHmac('sha256', key).update(`${purpose}\u0000${subject}\u0000${code}`).digest('hex');
}

export function codeMatches(stored: string, candidate: string): boolean {
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(candidate, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type CodeCheck =
  | { outcome: 'MATCH' }
  | { outcome: 'WRONG'; attemptsLeft: number }
  | { outcome: 'EXHAUSTED' }
  | { outcome: 'EXPIRED' }
  | { outcome: 'NONE' };

/** What an attempt means before it is counted. The store makes the count atomic. */
export function checkCode(stored: StoredCode | undefined, candidateHash: string, now: number): CodeCheck {
  if (!stored) return { outcome: 'NONE' };
  if (stored.attempts >= CODE_POLICY.maxAttempts) return { outcome: 'EXHAUSTED' };
  if (now >= stored.expiresAt) return { outcome: 'EXPIRED' };
  if (codeMatches(stored.hash, candidateHash)) return { outcome: 'MATCH' };
  return { outcome: 'WRONG', attemptsLeft: CODE_POLICY.maxAttempts - stored.attempts - 1 };
}

export type ResendCheck = { allowed: true; sendsInWindow: number; windowStart: number } | { allowed: false; retryAfterSeconds: number };

/** At most one send a minute and five an hour, per subject. */
export function checkResend(stored: Pick<StoredCode, 'sentAt' | 'sendsInWindow' | 'windowStart'> | undefined, now: number): ResendCheck {
  if (!stored) return { allowed: true, sendsInWindow: 1, windowStart: now };
  const sinceLast = now - stored.sentAt;
  if (sinceLast < RESEND_POLICY.minIntervalSeconds * 1000) {
    return { allowed: false, retryAfterSeconds: Math.ceil((RESEND_POLICY.minIntervalSeconds * 1000 - sinceLast) / 1000) };
  }
  const windowOpen = now - stored.windowStart < 3600_000;
  if (!windowOpen) return { allowed: true, sendsInWindow: 1, windowStart: now };
  if (stored.sendsInWindow >= RESEND_POLICY.maxPerHour) {
    return { allowed: false, retryAfterSeconds: Math.ceil((stored.windowStart + 3600_000 - now) / 1000) };
  }
  return { allowed: true, sendsInWindow: stored.sendsInWindow + 1, windowStart: stored.windowStart };
}

/** A fresh code record for `hash`, carrying the send window forward. */
export function newStoredCode(hash: string, now: number, window: { sendsInWindow: number; windowStart: number }): StoredCode {
  return { hash, expiresAt: now + CODE_POLICY.ttlSeconds * 1000, attempts: 0, sentAt: now, ...window };
}
