import type { ActiveRules } from '../domain/rules';
import { stores } from '../store';

/** A function uses a newly activated rule set within this long (DESIGN: within a minute). */
export const RULES_CACHE_SECONDS = 60;

export interface RulesCache {
  get(): Promise<ActiveRules>;
  /** What this process itself just activated: used at once, without waiting for the TTL. */
  remember(value: ActiveRules): void;
}

/**
 * A read-through cache with a TTL on a monotonic timer: neither the service clock (which the local
 * stack moves forward by days) nor a wall-clock step can make a stale set look fresh or a fresh one
 * stale. Concurrent misses share one read. A failed read keeps serving the last set it had.
 */
export function rulesCache(load: () => Promise<ActiveRules>, monotonicMs: () => number, ttlMs = RULES_CACHE_SECONDS * 1000): RulesCache {
  let value: ActiveRules | undefined;
  let fetchedAt = 0;
  let inflight: Promise<ActiveRules> | undefined;
  return {
    get() {
      if (value && monotonicMs() - fetchedAt < ttlMs) return Promise.resolve(value);
      inflight ??= load()
        .then((v) => {
          value = v;
          fetchedAt = monotonicMs();
          return v;
        })
        .catch((error: unknown) => {
          if (value) return value;
          throw error;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    remember(v) {
      if (value && v.version < value.version) return;
      value = v;
      fetchedAt = monotonicMs();
    },
  };
}

/*
 * One cache per process, on globalThis: the local stack may run every function's bundle in one
 * process, each with its own copy of this module, and a process is one cache (a Lambda container).
 */
const SLOT = Symbol.for('anshin.rulesCache');
const slot = globalThis as { [SLOT]?: RulesCache };

const getActiveRules = () => stores().rules.getActiveRules();

export function activeRules(): Promise<ActiveRules> {
  slot[SLOT] ??= rulesCache(getActiveRules, () => performance.now());
  return slot[SLOT].get();
}

export function rememberActiveRules(value: ActiveRules): void {
  slot[SLOT] ??= rulesCache(getActiveRules, () => performance.now());
  slot[SLOT].remember(value);
}

/** A fresh cache (the service tests' worlds each start at version 1); as a new Lambda container would start. */
export function resetActiveRulesForTests(): void {
  delete slot[SLOT];
}
