import { countWrongCode, getCode } from '../adapters/codes-repo';
import type { Ports } from '../app/ports';
import { checkCode, generateCode, hashCode, newStoredCode, type StoredCode } from '../domain/codes';
import { CODE_POLICY } from '../domain/policy';
import { DomainError } from '../shared/errors';
import { emit, METRIC } from '../shared/metrics';
import type { Key } from '../shared/table';

export type CodePurpose = 'phone' | 'link' | 'charge';

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
 * Checks a submitted code. On a match, `spend` must consume the code atomically
 * with whatever the code unlocks (and return false if it lost a race). A wrong code
 * uses up one of the tries; the last one kills the code: `onExhausted` runs, then 429.
 */
export async function verifyCode(input: {
  p: Ports;
  key: Key;
  purpose: CodePurpose;
  subject: string;
  candidate: string;
  spend: (hash: string) => Promise<boolean>;
  onExhausted?: () => Promise<void>;
}): Promise<void> {
  const { p, key } = input;
  const found = await getCode(key);
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
      const used = await countWrongCode(key, stored!.hash, CODE_POLICY.maxAttempts);
      if (used === undefined) {
        // The try was not counted: the code was spent or replaced meanwhile, or the last try was taken.
        const now = await getCode(key);
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
