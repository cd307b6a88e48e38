import type { ChargeRecord } from '../domain/charge';
import { CODE_POLICY } from '../domain/policy';
import { WORKFLOW_ERRORS } from '../domain/saga';
import { DomainError } from '../shared/errors';
import { verifyCode } from './one-time-codes';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { finish, guardError, stopCharge } from './charge-lifecycle';

export interface ConfirmChargeInput {
  userId: string;
  chargeId: string;
  code: string;
  deviceId?: string;
}

/**
 * POST /v1/me/charges/{chargeId}/confirmation: the code the charge waits for (the wallet phone's,
 * or the holder's through the bank), with the controls in the confirming write. The workflow's
 * wait then resumes: on to a human (REVIEW) or to the bank.
 */
export async function confirmCharge(input: ConfirmChargeInput): Promise<{ chargeId: string; status: 'PENDING_REVIEW' | 'PROCESSING' }> {
  const { userId } = input;
  const p = ports();
  const store = stores().charges;
  const charge = await store.getCharge(userId, input.chargeId);
  if (!charge) throw new DomainError('NOT_FOUND', 'No such charge');
  if (charge.status !== 'PENDING_CONFIRMATION') throw new DomainError('INVALID_STATE', `The charge is ${charge.status}`, { status: charge.status });
  if (charge.expiresAt !== undefined && p.clock.now() >= charge.expiresAt) {
    await finish(userId, charge.chargeId, 'EXPIRED', 'CONFIRMATION_TIMEOUT');
    await resumeWith(charge.chargeId, userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.expired, 'confirmation timed out'));
    throw new DomainError('INVALID_STATE', 'The charge expired before it was confirmed', { status: 'EXPIRED' });
  }
  const next = charge.decision.outcome === 'REVIEW' ? 'PENDING_REVIEW' : 'PROCESSING';
  const actor = `user:${userId}`;
  // The controls first: a charge stopped while it waited is cancelled, and its code's tries are not spent.
  const stopped = await store.checkControls(charge);
  if (stopped) {
    await stopCharge(charge, stopped, actor);
    throw guardError(stopped, charge.chargeId);
  }
  if (charge.codeChannel === 'HOLDER') {
    await verifyHolderCode(charge, input.code, next, actor);
    await resumeWith(charge.chargeId, userId, (wf, token) => wf.succeed(token, { confirmed: true }));
    return { chargeId: charge.chargeId, status: next };
  }
  await verifyCode({
    p,
    slot: { purpose: 'charge', userId, chargeId: charge.chargeId },
    purpose: 'charge',
    subject: charge.chargeId,
    candidate: input.code,
    spend: async (hash) => {
      // The confirmation and the controls in one write: a freeze that lands meanwhile wins.
      const result = await store.confirm(charge, next, p.clock.now(), actor, {
        code: { hash, maxAttempts: CODE_POLICY.maxAttempts, deviceId: input.deviceId },
      });
      if (result === 'OK') return true;
      if (result === 'STALE') return false;
      const fresh = await store.getCharge(userId, charge.chargeId);
      if (fresh) await stopCharge(fresh, result, actor);
      throw guardError(result, charge.chargeId);
    },
    onExhausted: async () => {
      await finish(userId, charge.chargeId, 'CANCELLED', 'CONFIRMATION_CODE_EXHAUSTED', actor);
      await resumeWith(charge.chargeId, userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.cancelled, 'too many wrong codes'));
    },
  });
  await resumeWith(charge.chargeId, userId, (wf, token) => wf.succeed(token, { confirmed: true }));
  return { chargeId: charge.chargeId, status: next };
}

/**
 * The holder's code (HOLDER_CHALLENGE): the wallet counts the try and keeps its own limits (5 tries, the
 * charge's 5 minutes, the controls), then relays the code to the bank, which alone knows it. A success is
 * the holder's consent to this charge; it does not make the device trusted (that takes the wallet phone's code).
 */
async function verifyHolderCode(charge: ChargeRecord, candidate: string, next: 'PENDING_REVIEW' | 'PROCESSING', actor: string) {
  const p = ports();
  const store = stores().charges;
  const used = await store.countHolderTry(charge, CODE_POLICY.maxAttempts);
  if (used === undefined) {
    const fresh = await store.getCharge(charge.userId, charge.chargeId);
    if (fresh?.status !== 'PENDING_CONFIRMATION') throw new DomainError('INVALID_STATE', `The charge is ${fresh?.status}`, { status: fresh?.status });
    throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
  }
  const answer = await p.bank.verifyHolderChallenge({ bankCode: charge.bankCode, challengeId: charge.chargeId, code: candidate });
  if (!answer.verified) {
    emit(METRIC.codeFailure, 1, 'Count', { purpose: 'holder' });
    if (used >= CODE_POLICY.maxAttempts || answer.attemptsLeft === 0) {
      await finish(charge.userId, charge.chargeId, 'CANCELLED', 'CONFIRMATION_CODE_EXHAUSTED', actor);
      await resumeWith(charge.chargeId, charge.userId, (wf, token) => wf.fail(token, WORKFLOW_ERRORS.cancelled, 'too many wrong codes'));
      throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; this code no longer works');
    }
    throw new DomainError('INVALID_CODE', 'The code is wrong', { attemptsLeft: CODE_POLICY.maxAttempts - used });
  }
  // The confirmation and the controls in one write, as for a wallet-phone code.
  const result = await store.confirm(charge, next, p.clock.now(), actor, 'HOLDER');
  if (result === 'OK') return;
  const fresh = await store.getCharge(charge.userId, charge.chargeId);
  if (result === 'STALE') throw new DomainError('INVALID_STATE', `The charge is ${fresh?.status}`, { status: fresh?.status });
  if (fresh) await stopCharge(fresh, result, actor);
  throw guardError(result, charge.chargeId);
}

/** Resumes the workflow's waiting task if its token is on the charge (else the task resumes itself). */
async function resumeWith(chargeId: string, userId: string, send: (wf: ReturnType<typeof ports>['workflow'], token: string) => Promise<boolean>) {
  const fresh = await stores().charges.getCharge(userId, chargeId);
  if (fresh?.confirmToken) await send(ports().workflow, fresh.confirmToken);
}
