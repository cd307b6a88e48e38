import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../functions/shared/catalog';
import { invocation } from './iam';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

let bundles: Record<FunctionName, string> | undefined;
/** Runs the deployed esbuild bundles instead of the TypeScript sources (local/bundles.ts). */
export function useBundles(entries: Record<FunctionName, string>): void {
  bundles = entries;
  loaded.clear();
}

/** Loads each function's handler module on first use: the catalog's entry file, or its deployed bundle. */
const loaded = new Map<FunctionName, Promise<Handler<any, any>>>();
export function handlerOf<E, R>(fn: FunctionName): Promise<Handler<E, R>> {
  let p = loaded.get(fn);
  if (!p) {
    const source = bundles ? Promise.resolve(require(bundles[fn]) as object) : import(`../${FUNCTIONS[fn].entry.replace(/\.ts$/, '')}`);
    p = source.then((m: { handler?: Handler<E, R>; default?: { handler?: Handler<E, R> } }) => {
      const h = m.handler ?? m.default?.handler;
      if (!h) throw new Error(`${FUNCTIONS[fn].entry} exports no handler`);
      return h;
    });
    loaded.set(fn, p);
  }
  return p;
}

/** A Lambda context as the runtime gives it, with the function's own timeout. */
export function lambdaContext(fn: FunctionName, requestId: string = randomUUID()): Context {
  const spec: FunctionSpec = FUNCTIONS[fn];
  const deadline = Date.now() + (spec.timeoutSeconds ?? 10) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `anshin-local-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:anshin-local-${fn}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/anshin-local-${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a function the way Lambda would: same handler, a fresh context. */
export async function invokeLocal(fn: FunctionName, event: unknown): Promise<unknown> {
  return invokeAs(fn, event, lambdaContext(fn));
}

/** Runs the handler as `fn`: every AWS call it makes is checked against fn's synthesized role (local/iam.ts). */
export async function invokeAs<E, R>(fn: FunctionName, event: E, context: Context): Promise<R> {
  const handler = await handlerOf<E, R>(fn);
  return invocation.run({ fn }, () => handler(event, context));
}
