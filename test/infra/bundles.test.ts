/**
 * The deployed artifacts load and run: every esbuild bundle `cdk synth` writes is required as
 * Lambda would require it (the AWS SDK from outside the bundle, as the Node.js 22 runtime
 * provides it) and invoked once, with the environment the template gives the functions.
 * No AWS here: HTTP functions get a request they answer by themselves (401, 400, a refused
 * signature, the health check), the workflow functions are stopped at their first DynamoDB call by a closed port.
 */
import { FUNCTIONS, type FunctionName } from '../../functions/shared/catalog';
import { ROUTES, routeKey } from '../../functions/shared/routes';
import { secretsFrom } from '../../functions/adapters/secrets';
import { usePorts } from '../../functions/shared/runtime';
import { loadBundles, templateEnvironment } from '../../local/bundles';

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
let bundles: ReturnType<typeof loadBundles>;
const saved = { ...process.env };

beforeAll(() => {
  // CI has just run `npx cdk synth` (ANSHIN_BUNDLES=cdk.out); elsewhere synthesize the bundles first.
  bundles = loadBundles(process.env.ANSHIN_BUNDLES || '1');
  Object.assign(process.env, templateEnvironment(bundles, { tableName: 'anshin-smoke', userPoolId: 'local_smoke', clientId: 'smoke-client', url: 'http://127.0.0.1:9' }), {
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // Port 9 (discard) refuses connections: a call that reaches DynamoDB fails fast and says so.
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    POWERTOOLS_METRICS_DISABLED: 'true',
    LOG_LEVEL: 'SILENT',
  });
  // Installed through the sources' module, found by the bundles: the ports live on globalThis (functions/shared/runtime.ts).
  const secrets = secretsFrom({ masterKey: 'smoke-master-key-0123456789abcdef', ekycWebhookSecret: 'smoke-webhook-secret-0123' });
  usePorts({ secrets: async () => secrets });
}, 600_000);

afterAll(() => {
  process.env = saved;
});

const context = (fn: string) => ({ functionName: fn, awsRequestId: `smoke-${fn}`, getRemainingTimeInMillis: () => 10_000 }) as never;

function apiEvent(route: (typeof ROUTES)[number]) {
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: route.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
    isBase64Encoded: false,
    requestContext: { requestId: 'smoke', routeKey: routeKey(route), http: { method: route.method, path: route.path, sourceIp: '127.0.0.1' } },
  };
}

it.each(NAMES)('the %s bundle loads and answers one invocation', async (fn) => {
  const mod = require(bundles.entries[fn]) as { handler?: (e: unknown, c: unknown) => Promise<any> };
  expect(typeof mod.handler).toBe('function');
  const route = ROUTES.find((r) => r.fn === fn && r.auth !== 'public') ?? ROUTES.find((r) => r.fn === fn);
  if (route) {
    const result = await mod.handler!(apiEvent(route), context(fn));
    // Public routes: the health check answers, the others refuse an empty body or a missing signature.
    if (route.auth === 'public') expect(fn === 'meta' ? result.statusCode === 200 : result.statusCode >= 400 && result.statusCode < 500).toBe(true);
    else expect([result.statusCode, JSON.parse(result.body).error.code]).toEqual([401, 'UNAUTHORIZED']);
    return;
  }
  // The staff pool's token trigger touches nothing: it answers with the e-mail claim added.
  if (fn === 'staffToken') {
    const out = await mod.handler!({ request: { userAttributes: { email: 'a@b.c' } }, response: {} }, context(fn));
    expect(out.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride).toEqual({ email: 'a@b.c' });
    return;
  }
  // Not behind the API: the workflow task handler and the sweeper both read the table first.
  const event = fn === 'chargeWorkflow' ? { action: 'finish', chargeId: 'chg_smoke', userId: 'u_smoke', status: 'EXPIRED' } : {};
  const outcome = await mod.handler!(event, context(fn)).then(
    () => 'answered',
    (e: Error) => `${e.name}: ${e.message} ${String((e as { code?: string }).code ?? '')}`,
  );
  expect(outcome).toMatch(/ECONNREFUSED|connect/i);
});
