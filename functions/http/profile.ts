import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { openEkycSession } from '../adapters/ekyc-repo';
import { countWrongPhoneCode, getPhoneCode, getWallet, markPhoneVerified, replacePhoneCode, requireUser } from '../adapters/users-repo';
import { checkCode, checkResend, hashCode } from '../domain/codes';
import { CODE_POLICY, LIMITS } from '../domain/policy';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import type { CodeBody } from '../shared/schemas';
import { issuePhoneCode } from './phone-codes';

async function me(req: HttpRequest) {
  const { userId } = callerOf(req);
  const [user, wallet] = await Promise.all([requireUser(userId), getWallet(userId)]);
  return {
    status: 200,
    body: {
      userId,
      email: user.email,
      phoneNumber: maskTail(user.phoneNumber),
      phoneVerified: user.phoneVerified,
      kycStatus: user.kycStatus,
      status: user.status,
      balance: wallet?.balance ?? 0,
      limits: { perCharge: LIMITS.perCharge, perDay: LIMITS.perDay, maxBalance: LIMITS.maxBalance },
    },
  };
}

async function verifyPhone(req: HttpRequest<z.infer<typeof CodeBody>>) {
  const { userId } = callerOf(req);
  const p = ports();
  const user = await requireUser(userId);
  if (user.phoneVerified) return { status: 200, body: { phoneVerified: true } };
  const stored = await getPhoneCode(userId);
  const candidate = hashCode((await p.secrets()).codeKey, 'phone', userId, req.body.code);
  const check = checkCode(stored, candidate, p.clock.now());
  const audit = (action: string, details?: Record<string, unknown>) => ({ userId, actor: `user:${userId}`, action, details, at: p.clock.now() });
  switch (check.outcome) {
    case 'NONE':
      throw new DomainError('INVALID_CODE', 'No code is waiting; ask for a new one');
    case 'EXPIRED':
      throw new DomainError('INVALID_CODE', 'The code has expired; ask for a new one');
    case 'EXHAUSTED':
      throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; ask for a new one');
    case 'MATCH':
      if (await markPhoneVerified(userId, stored!.hash, CODE_POLICY.maxAttempts, audit('PHONE_VERIFIED'))) {
        return { status: 200, body: { phoneVerified: true } };
      }
      // The code was spent or replaced in between: treat as a wrong try.
      throw new DomainError('INVALID_CODE', 'The code is no longer valid; ask for a new one');
    case 'WRONG': {
      const used = await countWrongPhoneCode(userId, stored!.hash, CODE_POLICY.maxAttempts);
      if (used === undefined || used >= CODE_POLICY.maxAttempts) {
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works, ask for a new one');
      }
      throw new DomainError('INVALID_CODE', 'The code is wrong', { attemptsLeft: CODE_POLICY.maxAttempts - used });
    }
  }
}

async function resendPhoneCode(req: HttpRequest) {
  const { userId } = callerOf(req);
  const p = ports();
  const user = await requireUser(userId);
  if (user.phoneVerified) throw new DomainError('PHONE_ALREADY_VERIFIED', 'The phone number is already verified');
  const stored = await getPhoneCode(userId);
  const now = p.clock.now();
  const allowed = checkResend(stored, now);
  if (!allowed.allowed) {
    throw new DomainError('RATE_LIMITED', `Wait ${allowed.retryAfterSeconds} s before asking for another code`, { retryAfterSeconds: allowed.retryAfterSeconds }, {
      'retry-after': String(allowed.retryAfterSeconds),
    });
  }
  const code = await issuePhoneCode(p, userId, now, allowed);
  if (!(await replacePhoneCode(userId, code.record, stored?.sentAt))) {
    throw new DomainError('RATE_LIMITED', 'A code was just sent', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
  }
  await code.send(user.phoneNumber);
  return { status: 202, body: { accepted: true, retryAfterSeconds: 60 } };
}

async function startEkyc(req: HttpRequest) {
  const { userId } = callerOf(req);
  const p = ports();
  const user = await requireUser(userId);
  if (user.status === 'FROZEN') throw new DomainError('ACCOUNT_FROZEN', 'This wallet is frozen');
  if (!user.phoneVerified) throw new DomainError('PHONE_UNVERIFIED', 'Verify your phone number first');
  if (user.kycStatus === 'VERIFIED') throw new DomainError('KYC_ALREADY_VERIFIED', 'Identity is already verified');
  const reference = randomUUID();
  const session = await p.ekyc.startSession({ reference, callbackUrl: `${config().publicBaseUrl}/v1/webhooks/ekyc` });
  const now = p.clock.now();
  await openEkycSession(
    { sessionId: session.sessionId, userId, status: 'PENDING', createdAt: new Date(now).toISOString() },
    { userId, actor: `user:${userId}`, action: 'EKYC_STARTED', details: { ekycSessionId: session.sessionId }, at: now },
  );
  return { status: 201, body: { ekycSessionId: session.sessionId, redirectUrl: session.redirectUrl } };
}

export const handler = httpHandler('profile', {
  'GET /v1/me': me,
  'POST /v1/me/phone/verification': verifyPhone,
  'POST /v1/me/phone/verification/resend': resendPhoneCode,
  'POST /v1/me/ekyc': startEkyc,
});
