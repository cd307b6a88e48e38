import { ports } from '../shared/runtime';
import { stores } from '../store';
import { cancelWaiting } from './charge-lifecycle';

/**
 * The one freeze: ops, a not-me report, link-abuse strikes, a paid compensation claim and
 * a review decision all freeze through here. The wallet is marked FROZEN first (from then on
 * every step toward money fails its guard), then every charge still waiting is cancelled and
 * its workflow ended. A charge racing the freeze is stopped by its own step's guard.
 */
export async function freezeWallet(
  userId: string, reason: string, actor: string, details?: Record<string, unknown>,
): Promise<{ frozen: boolean; cancelledCharges: string[] }> {
  const p = ports();
  const frozen = await stores().users.freezeUser(userId, reason, { userId, actor, action: 'USER_FROZEN', reason, ...(details ? { details } : {}), at: p.clock.now() });
  const cancelledCharges = await cancelWaiting(userId, 'WALLET_FROZEN', actor);
  return { frozen, cancelledCharges };
}
