/**
 * The one seam through which the local runtime (local/) watches the AWS SDK clients of the
 * functions: IAM enforcement of each function's synthesized role policy. It lives on
 * globalThis, so it reaches the deployed esbuild bundles too (each bundle has its own copy of
 * this module). In Lambda nothing installs a hook and the middleware only passes the call on.
 */
const HOOK = Symbol.for('anshin.local.sdkRequestHook');

/** Sees each request once, before signing and retries; may throw the error AWS would answer with. */
export type SdkRequestHook = (request: { headers: Record<string, string>; body: unknown }) => void;

export function installSdkRequestHook(hook: SdkRequestHook | undefined): void {
  (globalThis as { [HOOK]?: SdkRequestHook })[HOOK] = hook;
}

interface MiddlewareClient {
  middlewareStack: { add: (mw: any, options: { step: 'build'; name: string; priority?: 'low' | 'high' }) => void };
}

/** Adds the hook's middleware to an SDK client; returns the client. */
export function watched<C extends MiddlewareClient>(client: C): C {
  client.middlewareStack.add(
    (next: (args: any) => Promise<unknown>) => async (args: { request?: { headers: Record<string, string>; body: unknown } }) => {
      const hook = (globalThis as { [HOOK]?: SdkRequestHook })[HOOK];
      if (hook && args.request) hook(args.request);
      return next(args);
    },
    { step: 'build', name: 'anshinLocalHook', priority: 'low' },
  );
  return client;
}
