import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The correlation id of the work in progress: an API request's id, carried into the charge
 * workflow's input and from there into every task, so one search of the logs finds a charge's
 * whole path. Kept in AsyncLocalStorage, not in the logger's per-process keys, because the local
 * stack runs many invocations at once in one process; on globalThis so that the deployed bundles
 * the local stack runs (each with its own copy of this module) and its workflow engine share it.
 */
const KEY = Symbol.for('anshin.correlationId');
const slot = globalThis as { [KEY]?: AsyncLocalStorage<string> };
const store = (slot[KEY] ??= new AsyncLocalStorage<string>());

/** The correlation id of the current request or task, if one is running. */
export const correlationId = (): string | undefined => store.getStore();

/** Runs `fn` with `id` as the correlation id of everything it does, awaited work included. */
export const withCorrelationId = <T>(id: string, fn: () => Promise<T>): Promise<T> => store.run(id, fn);

/** A workflow input that names its correlation id: the caller's, else the execution's own name. */
export function correlated<T extends { correlationId?: string }>(name: string, input: T): T & { correlationId: string } {
  return { ...input, correlationId: input.correlationId ?? correlationId() ?? name };
}
