import type { MemoryWorld } from './memory-world';
import { smsCounters, type SmsLimitStore } from './sms-limits';

/** The SMS limits port over `world.smsCounters`: every counter checked first, then all counted. */
export function memorySmsLimits(world: MemoryWorld): SmsLimitStore {
  return {
    async countSend(input) {
      const counters = smsCounters(input).map((c) => ({ ...c, key: `${c.scope}#${c.subject}#${input.windowStart}` }));
      // As the DynamoDB condition: a counter not yet written always takes its first send.
      const full = counters.find((c) => world.smsCounters.has(c.key) && world.smsCounters.get(c.key)! >= input.limits[c.scope]);
      if (full) return full.scope;
      for (const c of counters) world.smsCounters.set(c.key, (world.smsCounters.get(c.key) ?? 0) + 1);
      return undefined;
    },
  };
}
