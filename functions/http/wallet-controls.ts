import { listCharges } from '../adapters/charges-repo';
import { caseIdFor, getCase } from '../adapters/reviews-repo';
import { freezeUser } from '../adapters/users-repo';
import { isFinal } from '../domain/charge';
import { ports } from '../shared/runtime';
import { finish } from '../workflow/charge-steps';
import { WORKFLOW_ERRORS } from '../workflow/errors';

/**
 * Freezing a wallet stops its money: every charge still waiting (for a code or a
 * human) is cancelled and its workflow ended. Charges already moving money finish.
 */
export async function freezeWallet(userId: string, reason: string, actor: string): Promise<{ frozen: boolean; cancelledCharges: string[] }> {
  const p = ports();
  const frozen = await freezeUser(userId, reason, { userId, actor, action: 'USER_FROZEN', reason, at: p.clock.now() });
  const cancelled: string[] = [];
  for (const charge of await listCharges(userId)) {
    if (isFinal(charge.status) || charge.status === 'PROCESSING') continue;
    const ended = await finish(userId, charge.chargeId, 'CANCELLED', 'WALLET_FROZEN', actor);
    if (ended?.status !== 'CANCELLED') continue;
    cancelled.push(charge.chargeId);
    const token = charge.status === 'PENDING_CONFIRMATION' ? charge.confirmToken : (await getCase(caseIdFor(charge.chargeId)))?.taskToken;
    if (token) await p.workflow.fail(token, WORKFLOW_ERRORS.cancelled, 'wallet frozen');
  }
  return { frozen, cancelledCharges: cancelled };
}
