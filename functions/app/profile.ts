import { checkResend } from '../domain/codes';
import { CODE_POLICY, LIMITS } from '../domain/policy';
import type { UserRecord } from '../domain/user';
import { DomainError } from '../shared/errors';
import { DEFAULT_LANG, SMS } from '../shared/messages';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { countSmsSend, issueCode, verifyCode } from './one-time-codes';

/** What the user sees of their account; `phoneNumber` is masked: the profile never shows the whole number. */
export type Profile = Pick<UserRecord, 'userId' | 'email' | 'phoneNumber' | 'phoneVerified' | 'kycStatus' | 'status'> & {
  balance: number;
  limits: { perCharge: number; perDay: number; maxBalance: number };
};

export async function profileOf(userId: string): Promise<Profile> {
  const users = stores().users;
  const [user, wallet] = await Promise.all([users.requireUser(userId), users.getWallet(userId)]);
  return {
    userId,
    email: user.email,
    phoneNumber: maskTail(user.phoneNumber),
    phoneVerified: user.phoneVerified,
    kycStatus: user.kycStatus,
    status: user.status,
    balance: wallet?.balance ?? 0,
    limits: { perCharge: LIMITS.perCharge, perDay: LIMITS.perDay, maxBalance: LIMITS.maxBalance },
  };
}

/** The phone code: a match verifies the phone and trusts the device it came from; a verified phone stays verified. */
export async function verifyPhone(input: { userId: string; code: string; deviceId?: string }): Promise<{ phoneVerified: true }> {
  const { userId } = input;
  const p = ports();
  const users = stores().users;
  const user = await users.requireUser(userId);
  if (user.phoneVerified) return { phoneVerified: true };
  await verifyCode({
    p,
    slot: { purpose: 'phone', userId },
    purpose: 'phone',
    subject: userId,
    candidate: input.code,
    spend: (hash) =>
      users.markPhoneVerified(
        userId,
        hash,
        CODE_POLICY.maxAttempts,
        { userId, actor: `user:${userId}`, action: 'PHONE_VERIFIED', at: p.clock.now() },
        input.deviceId,
      ),
  });
  return { phoneVerified: true };
}

/** Another phone code: at most one a minute and five an hour per user, and within the SMS limits of the phone and the address. */
export async function resendPhoneCode(input: { userId: string; sourceIp: string }): Promise<{ accepted: true; retryAfterSeconds: number }> {
  const { userId } = input;
  const p = ports();
  const { users, codes } = stores();
  const user = await users.requireUser(userId);
  if (user.phoneVerified) throw new DomainError('PHONE_ALREADY_VERIFIED', 'The phone number is already verified');
  const slot = { purpose: 'phone', userId } as const;
  const stored = await codes.getCode(slot);
  const now = p.clock.now();
  const allowed = checkResend(stored, now);
  if (!allowed.allowed) {
    throw new DomainError(
      'RATE_LIMITED',
      `Wait ${allowed.retryAfterSeconds} s before asking for another code`,
      { retryAfterSeconds: allowed.retryAfterSeconds },
      {
        'retry-after': String(allowed.retryAfterSeconds),
      },
    );
  }
  await countSmsSend({ phoneNumber: user.phoneNumber, sourceIp: input.sourceIp, now });
  const code = await issueCode(p, 'phone', userId, now, allowed);
  if (!(await codes.replaceCode(slot, code.record, stored?.sentAt))) {
    throw new DomainError('RATE_LIMITED', 'A code was just sent', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
  }
  await code.send(user.phoneNumber, SMS.phoneCode[DEFAULT_LANG]);
  return { accepted: true, retryAfterSeconds: 60 };
}
