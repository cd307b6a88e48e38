import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The running invocation's time budget, visible to outbound calls (bank, eKYC) so that they
 * give up while the function can still answer: a slow bank must become BANK_UNAVAILABLE, not a
 * Lambda timeout that API Gateway turns into a bare 500 (or a task the workflow cannot catch).
 * AsyncLocalStorage rather than a module variable: the local stack runs many invocations in one process.
 */
const budget = new AsyncLocalStorage<{ getRemainingTimeInMillis(): number }>();

/** What an invocation keeps for itself after its last outbound call: write the outcome, answer. */
export const RESERVE_MS = 1500;

export function withinInvocation<T>(context: { getRemainingTimeInMillis(): number } | undefined, run: () => T): T {
  return context && typeof context.getRemainingTimeInMillis === 'function' ? budget.run(context, run) : run();
}

/** Milliseconds an outbound call may still take, or undefined outside an invocation (scripts, tests). */
export function outboundBudgetMs(): number | undefined {
  const context = budget.getStore();
  return context ? context.getRemainingTimeInMillis() - RESERVE_MS : undefined;
}
