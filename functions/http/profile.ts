import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { openEkycSession } from '../adapters/ekyc-repo';
import { getCode, replaceCode } from '../adapters/codes-repo';
import { countSmsSend } from '../adapters/sms-limits';
import { getWallet, markPhoneVerified, requireUser } from '../adapters/users-repo';
import { checkResend } from '../domain/codes';
import { CODE_POLICY, LIMITS } from '../domain/policy';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import { maskTail } from '../shared/redact';
import { ports } from '../shared/runtime';
import { keys } from '../shared/table';
import type { CodeBody } from '../shared/schemas';
import { DEFAULT_LANG, SMS } from '../shared/messages';
import { issueCode, verifyCode } from './one-time-codes';

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
  await verifyCode({
    p, key: keys.phoneCode(userId), purpose: 'phone', subject: userId, candidate: req.body.code,
    spend: (hash) => markPhoneVerified(userId, hash, CODE_POLICY.maxAttempts, { userId, actor: `user:${userId}`, action: 'PHONE_VERIFIED', at: p.clock.now() }, req.deviceId),
  });
  return { status: 200, body: { phoneVerified: true } };
}

async function resendPhoneCode(req: HttpRequest) {
  const { userId } = callerOf(req);
  const p = ports();
  const user = await requireUser(userId);
  if (user.phoneVerified) throw new DomainError('PHONE_ALREADY_VERIFIED', 'The phone number is already verified');
  const stored = await getCode(keys.phoneCode(userId));
  const now = p.clock.now();
  const allowed = checkResend(stored, now);
  if (!allowed.allowed) {
    throw new DomainError('RATE_LIMITED', `Wait ${allowed.retryAfterSeconds} s before asking for another code`, { retryAfterSeconds: allowed.retryAfterSeconds }, {
      'retry-after': String(allowed.retryAfterSeconds),
    });
  }
  await countSmsSend({ phoneNumber: user.phoneNumber, sourceIp: req.sourceIp, now });
  const code = await issueCode(p, 'phone', userId, now, allowed);
  if (!(await replaceCode(keys.phoneCode(userId), code.record, stored?.sentAt))) {
    throw new DomainError('RATE_LIMITED', 'A code was just sent', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
  }
  await code.send(user.phoneNumber, SMS.phoneCode[DEFAULT_LANG]);
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
