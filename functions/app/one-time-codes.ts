import { checkCode, generateCode, hashCode, newStoredCode, type StoredCode } from '../domain/codes';
import { CODE_POLICY } from '../domain/policy';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import type { Key } from '../shared/table';
import { stores } from '../store';
import type { CodePurpose, CodeSlot } from '../store/codes';
import type { Ports } from './ports';

export type { CodePurpose, CodeSlot } from '../store/codes';

/** A fresh code: the record to store (its hash only) and a sender for the SMS that carries it. */
export async function issueCode(
  p: Ports,
  purpose: CodePurpose,
  subject: string,
  now: number,
  window: { sendsInWindow: number; windowStart: number },
): Promise<{ record: StoredCode; send: (to: string, text: (code: string) => string) => Promise<void> }> {
  const code = generateCode();
  const { codeKey } = await p.secrets();
  return {
    record: newStoredCode(hashCode(codeKey, purpose, subject, code), now, window),
    send: (to, text) => p.sms.send(to, text(code)),
  };
}

/**
 * The slot of a code named the old way, by its table key: the subject is the user (phone), the link
 * or the charge, and a charge's key names its user. Callers that pass `slot` skip this.
 */
function slotOf(input: { slot?: CodeSlot; key?: Key; purpose: CodePurpose; subject: string }): CodeSlot {
  if (input.slot) return input.slot;
  switch (input.purpose) {
    case 'phone':
      return { purpose: 'phone', userId: input.subject };
    case 'link':
      return { purpose: 'link', linkId: input.subject };
    case 'charge': {
      const userId = input.key?.pk.startsWith('USER#') ? input.key.pk.slice('USER#'.length) : undefined;
      if (!userId) throw new Error('a charge code needs its slot (or the charge key)');
      return { purpose: 'charge', userId, chargeId: input.subject };
    }
  }
}

/**
 * Checks a submitted code. On a match, `spend` must consume the code atomically
 * with whatever the code unlocks (and return false if it lost a race). A wrong code
 * uses up one of the tries; the last one kills the code: `onExhausted` runs, then 429.
 * The code is found by `slot` (or, for callers not moved yet, by `key`, its table key).
 */
export async function verifyCode(input: {
  p: Ports;
  slot?: CodeSlot;
  key?: Key;
  purpose: CodePurpose;
  subject: string;
  candidate: string;
  spend: (hash: string) => Promise<boolean>;
  onExhausted?: () => Promise<void>;
}): Promise<void> {
  const { p } = input;
  const codes = stores().codes;
  const slot = slotOf(input);
  const found = await codes.getCode(slot);
  // A charge keeps its code on its own record: once a concurrent request has spent it, the record is there without a hash.
  const stored = typeof found?.hash === 'string' ? found : undefined;
  const candidate = hashCode((await p.secrets()).codeKey, input.purpose, input.subject, input.candidate);
  const check = checkCode(stored, candidate, p.clock.now());
  switch (check.outcome) {
    case 'NONE':
      throw new DomainError('INVALID_CODE', 'No code is waiting; ask for a new one');
    case 'EXPIRED':
      throw new DomainError('INVALID_CODE', 'The code has expired; ask for a new one');
    case 'EXHAUSTED':
      throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
    case 'MATCH':
      if (await input.spend(stored!.hash)) return;
      throw new DomainError('INVALID_CODE', 'The code is no longer valid; ask for a new one');
    case 'WRONG': {
      emit(METRIC.codeFailure, 1, 'Count', { purpose: input.purpose });
      const used = await codes.countWrongCode(slot, stored!.hash, CODE_POLICY.maxAttempts);
      if (used === undefined) {
        // The try was not counted: the code was spent or replaced meanwhile, or the last try was taken.
        const now = await codes.getCode(slot);
        if (now?.hash === stored!.hash && now.attempts >= CODE_POLICY.maxAttempts) {
          throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
        }
        throw new DomainError('INVALID_CODE', 'The code is no longer valid; ask for a new one');
      }
      if (used >= CODE_POLICY.maxAttempts) {
        await input.onExhausted?.();
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
      }
      throw new DomainError('INVALID_CODE', 'The code is wrong', { attemptsLeft: CODE_POLICY.maxAttempts - used });
    }
  }
}

/**
 * Counts one SMS-sending request (a sign-up or a resend) against the phone number, the client
 * address and the overall budget of the current window, whatever its outcome. Beyond any limit:
 * 429 RATE_LIMITED with `retry-after` (seconds to the window's end), and nothing is counted.
 */
export async function countSmsSend(input: { phoneNumber: string; sourceIp: string; now: number }): Promise<void> {
  const limits = config().smsAbuse;
  const windowMs = limits.windowSeconds * 1000;
  const windowStart = Math.floor(input.now / windowMs) * windowMs;
  const windowEnd = windowStart + windowMs;
  const hit = await stores().smsLimits.countSend({
    phoneNumber: input.phoneNumber, sourceIp: input.sourceIp, windowStart, windowEnd,
    limits: { PHONE: limits.perPhone, ADDRESS: limits.perAddress, OVERALL: limits.overall },
  });
  if (!hit) return;
  const retryAfter = Math.max(1, Math.ceil((windowEnd - input.now) / 1000));
  const what = { PHONE: 'this phone number', ADDRESS: 'your network address', OVERALL: 'the service' }[hit];
  throw new DomainError('RATE_LIMITED', `Too many verification messages for ${what}; retry later`, { limit: hit, retryAfterSeconds: retryAfter }, { 'retry-after': String(retryAfter) });
}
