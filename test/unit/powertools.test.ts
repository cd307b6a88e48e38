/**
 * Powertools wired as its examples wire it: each log line names its invocation, metrics are
 * flushed by logMetrics at the end of the invocation, a workflow task logs the correlation id of
 * the API request behind its execution. The handlers run in a child process (tsx) because
 * @middy/core is ESM-only; see http-chain.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DRIVER = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const { entry, events } = JSON.parse(readFileSync(0, 'utf8'));
const { handler } = await import(pathToFileURL(entry).href);
let i = 0;
for (const event of events) {
  const context = { awsRequestId: 'ctx-' + i++, functionName: 'anshin-unit-fn', functionVersion: '$LATEST', memoryLimitInMB: '512',
    invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:anshin-unit-fn', getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
  try { await handler(event, context); } catch (e) { console.log('@@THREW@@ ' + e.name); }
  console.log('@@END@@');
}
`;

const ENV = {
  TABLE_NAME: 'unit-table',
  USER_POOL_ID: 'unit-pool',
  USER_POOL_CLIENT_ID: 'unit-client',
  STAGE: 'unit',
  LOG_LEVEL: 'INFO',
  // What Lambda sets for an on-demand environment; Powertools reports no cold start without it.
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** The JSON lines each invocation wrote to stdout, one array per event. */
function run(entry: string, events: object[]): Record<string, any>[][] {
  const { PATH, HOME, TMPDIR } = process.env;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DRIVER], {
    cwd: ROOT,
    input: JSON.stringify({ entry: join(ROOT, entry), events }),
    env: { PATH, HOME, TMPDIR, ...ENV },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`the handler process failed:\n${out.stderr}\n${out.stdout}`);
  const perEvent: Record<string, any>[][] = [[]];
  for (const line of out.stdout.split('\n')) {
    if (line === '@@END@@') perEvent.push([]);
    else if (line.startsWith('{')) perEvent[perEvent.length - 1].push(JSON.parse(line));
  }
  return perEvent.slice(0, events.length);
}

const emf = (lines: Record<string, any>[], metric: string) =>
  lines.filter((l) => l._aws?.CloudWatchMetrics?.some((m: { Metrics: { Name: string }[] }) => m.Metrics.some((x) => x.Name === metric)));

describe('a workflow task', () => {
  let invocations: Record<string, any>[][];
  beforeAll(() => {
    const task = { action: 'finish', chargeId: 'chg_1', userId: 'u1', status: 'EXPIRED', correlationId: 'req-from-the-api' };
    invocations = run('functions/workflow/tasks.ts', [task, { ...task, correlationId: 'req-other' }]);
  }, 60_000);

  it('logs the correlation id its execution was started with, and the invocation (cold start, function, request id)', () => {
    const [first, second] = invocations.map((lines) => lines.find((l) => l.message === 'workflow task'));
    expect(first).toEqual(
      expect.objectContaining({ correlation_id: 'req-from-the-api', cold_start: true, function_name: 'anshin-unit-fn', function_request_id: 'ctx-0' }),
    );
    expect(second).toEqual(expect.objectContaining({ correlation_id: 'req-other', cold_start: false, function_request_id: 'ctx-1' }));
  });

  it('publishes the ColdStart metric once, on the cold start', () => {
    expect(emf(invocations[0], 'ColdStart')).toHaveLength(1);
    expect(emf(invocations[1], 'ColdStart')).toHaveLength(0);
  });
});

describe('an HTTP function', () => {
  it('names the invocation in the lines the chain logs', () => {
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/sessions',
      rawPath: '/v1/sessions',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
      requestContext: { requestId: 'req-1', routeKey: 'POST /v1/sessions', http: { method: 'POST', path: '/v1/sessions', sourceIp: '203.0.113.9' } },
    };
    const [lines] = run('functions/http/identity.ts', [event]);
    expect(lines.find((l) => l.message === 'request refused')).toEqual(
      expect.objectContaining({ cold_start: true, function_name: 'anshin-unit-fn', function_request_id: 'ctx-0', requestId: 'req-1' }),
    );
    expect(emf(lines, 'ColdStart')).toHaveLength(1);
    // An invocation without metrics of its own says nothing about it (log bytes are a cost).
    expect(lines.some((l) => JSON.stringify(l).includes('No application metrics'))).toBe(false);
  }, 60_000);
});

describe('metrics without dimensions of their own', () => {
  it('are buffered and flushed by logMetrics when the invocation ends, after the handler has run', () => {
    const [lines] = run('test/support/powertools-probe.ts', [{}]);
    const flushed = emf(lines, 'DebitReversed');
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toEqual(expect.objectContaining({ DebitReversed: 1, service: 'anshin-wallet' }));
    expect(lines.indexOf(flushed[0])).toBeGreaterThan(lines.findIndex((l) => l.message === 'probe emitted'));
  }, 60_000);
});

describe('the AWS SDK clients', () => {
  const PROBE = `
const pick = (c) => c.middlewareStack.identify().filter((n) => /XRay/i.test(n));
const { ddb } = await import('./functions/adapters/dynamo.ts');
const { SnsSmsSender } = await import('./functions/adapters/sns-sms.ts');
const { SnsOpsAlerts } = await import('./functions/adapters/sns-alerts.ts');
const { StepFunctionsWorkflow } = await import('./functions/adapters/sfn-workflow.ts');
const { CognitoIdentity } = await import('./functions/adapters/cognito.ts');
console.log(JSON.stringify({ dynamodb: pick(ddb()), sms: pick(new SnsSmsSender().client), alerts: pick(new SnsOpsAlerts('arn').client),
  sfn: pick(new StepFunctionsWorkflow('arn').client), cognito: pick(new CognitoIdentity('pool', 'client').client) }));
`;
  const probe = (extra: Record<string, string>) => {
    const { PATH, HOME, TMPDIR } = process.env;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
      cwd: ROOT,
      env: { PATH, HOME, TMPDIR, ...ENV, ...extra },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, string[]>;
  };

  it('are traced by Powertools in Lambda: each call is an X-Ray subsegment', () => {
    const traced = probe({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' });
    expect(Object.keys(traced).sort()).toEqual(['alerts', 'cognito', 'dynamodb', 'sfn', 'sms']);
    for (const [client, middleware] of Object.entries(traced))
      expect({ client, middleware }).toEqual({ client, middleware: ['XRaySDKInstrumentation - build'] });
  }, 60_000);

  it('are left alone outside Lambda (the local stack, tests) and with POWERTOOLS_TRACE_ENABLED=false', () => {
    for (const env of [{} as Record<string, string>, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' }]) {
      for (const middleware of Object.values(probe(env))) expect(middleware).toEqual([]);
    }
  }, 60_000);
});
