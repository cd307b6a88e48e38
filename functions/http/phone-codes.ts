import { generateCode, hashCode, newStoredCode, type StoredCode } from '../domain/codes';
import type { Ports } from '../adapters/ports';

/** A fresh phone code: the record to store (hash only) and the SMS that carries the code. */
export async function issuePhoneCode(
  p: Ports,
  userId: string,
  now: number,
  window: { sendsInWindow: number; windowStart: number },
): Promise<{ record: StoredCode; send: (to: string) => Promise<void> }> {
  const code = generateCode();
  const { codeKey } = await p.secrets();
  const record = newStoredCode(hashCode(codeKey, 'phone', userId, code), now, window);
  return {
    record,
    send: (to) => p.sms.send(to, `Anshin Wallet: your phone verification code is ${code}. It expires in 5 minutes. Never share it with anyone.`),
  };
}
