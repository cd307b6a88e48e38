import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { SMS_ABUSE_DEFAULTS } from '../functions/domain/policy';
import { LocalClock } from './clock';
import { BankSimulator } from './bank-simulator';
import { EkycSimulator } from './ekyc-simulator';
import { LOCAL_AWS_ENV, createStaffUser, ensureOpsUser, ensureTable, ensureUserPool, startCognitoLocal, startDynamoDbLocal } from './emulators';
import { createGateway } from './gateway';
import { createJwtVerifier } from './jwt';
import { localRoutes } from './local-routes';
import { assertPortFree, stopChildren } from './process';
import { SmsOutbox } from './sms-outbox';
import { serializedIdentity } from './serialized-identity';
import { LocalFaults } from './faults';
import { invokeLocal, useBundles } from './lambda-runtime';
import { loadBundles, templateEnvironment } from './bundles';
import { LocalWorkflowEngine } from './workflow-engine';
import { guardPorts, iamRequestsOf, LocalIam, synthesizedIam, synthesizeTemplate } from './iam';
import { synthesizeChargeDefinition } from './workflow-definition';

export interface LocalStackOptions {
  port: number;
  dataDir: string;
  opsEmail: string;
  opsPassword: string;
  ekycWebhookSecret: string;
  bankWebhookSecret: string;
  log: (line: string) => void;
  /** Told each start-up step as it begins (`npm start` prints them: Java takes a while). */
  progress?: (step: string) => void;
}

export interface LocalStack {
  url: string;
  dynamoDbUrl: string;
  cognitoUrl: string;
  userPoolId: string;
  clientId: string;
  stop(): Promise<void>;
}

export function optionsFromEnv(log: (line: string) => void = (l) => console.log(l)): LocalStackOptions {
  return {
    port: Number(process.env.PORT ?? 3000),
    dataDir: resolve(process.env.ANSHIN_DATA_DIR ?? '.data'),
    opsEmail: process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local',
    opsPassword: process.env.ANSHIN_OPS_PASSWORD ?? 'OpsLocal-Passw0rd',
    ekycWebhookSecret: process.env.ANSHIN_EKYC_WEBHOOK_SECRET ?? 'local-ekyc-secret',
    bankWebhookSecret: process.env.ANSHIN_BANK_WEBHOOK_SECRET ?? 'local-bank-secret',
    log,
  };
}

/** The master key is generated on first start and kept with the data, so stored code hashes stay valid. */
function localMasterKey(dataDir: string): string {
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { masterKey: string }).masterKey;
  const masterKey = randomBytes(32).toString('hex');
  writeFileSync(file, JSON.stringify({ masterKey }), { mode: 0o600 });
  return masterKey;
}

/**
 * The whole service on loopback: DynamoDB Local, cognito-local, the simulators and
 * the gateway in front of the real handlers. The emulators listen on PORT+1 and PORT+2.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(o.dataDir, { recursive: true });
  const ddbPort = o.port + 1;
  const cognitoPort = o.port + 2;
  await Promise.all([assertPortFree(o.port, 'API'), assertPortFree(ddbPort, 'DynamoDB Local'), assertPortFree(cognitoPort, 'cognito-local')]);

  let server: Server | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let workflowEngine: LocalWorkflowEngine | undefined;
  const stop = async () => {
    if (sweeper) clearInterval(sweeper);
    workflowEngine?.stopAll();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server?.closeAllConnections();
    await stopChildren();
  };
  try {
    const quiet = (line: string) => {
      if (process.env.ANSHIN_EMULATOR_LOGS) o.log(line);
    };
    const step = (text: string) => o.progress?.(text);
    step(`starting DynamoDB Local (Java) on ${ddbPort} and cognito-local on ${cognitoPort}`);
    const emulators = Promise.all([
      startDynamoDbLocal(o.dataDir, ddbPort, quiet).then((u) => (step('DynamoDB Local is up'), u)),
      startCognitoLocal(o.dataDir, cognitoPort, quiet).then((u) => (step('cognito-local is up'), u)),
    ]);
    // The template's role policies (and with ANSHIN_BUNDLES, the deployed bundles), synthesized while the emulators boot.
    step(process.env.ANSHIN_BUNDLES ? `loading the bundles of ${process.env.ANSHIN_BUNDLES}` : 'synthesizing the CDK template (role policies)');
    const bundles = process.env.ANSHIN_BUNDLES ? loadBundles(process.env.ANSHIN_BUNDLES) : undefined;
    const template = bundles ?? synthesizeTemplate();
    step('waiting for the emulators');
    const [dynamoDbUrl, cognitoUrl] = await emulators;
    step('creating the table, the user pool and the ops user');
    const url = `http://127.0.0.1:${o.port}`;
    const tableName = 'anshin-local';
    Object.assign(process.env, LOCAL_AWS_ENV, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoUrl,
      TABLE_NAME: tableName,
      STAGE: 'local',
      PUBLIC_BASE_URL: url,
      ADAPTERS: 'local',
      // EMF metric lines are for CloudWatch; locally they would only bury the logs.
      POWERTOOLS_METRICS_DISABLED: process.env.ANSHIN_METRICS ? 'false' : 'true',
      // One machine is every client: the address and overall SMS limits are the cloud's times 100
      // unless set, so the test suite and the benchmarks can register hundreds of users from
      // 127.0.0.1. The per-phone limit and the country allow-list are the cloud's.
      SMS_LIMIT_PER_ADDRESS: process.env.SMS_LIMIT_PER_ADDRESS || String(SMS_ABUSE_DEFAULTS.perAddress * 100),
      SMS_LIMIT_OVERALL: process.env.SMS_LIMIT_OVERALL || String(SMS_ABUSE_DEFAULTS.overall * 100),
      // Every answer is checked against its route's schema here (functions/shared/http.ts); the cloud skips the check.
      ANSHIN_VALIDATE_RESPONSES: '1',
    });
    const [pool] = await Promise.all([ensureUserPool(cognitoUrl, 'anshin-local'), ensureTable(dynamoDbUrl, tableName)]);
    await ensureOpsUser(cognitoUrl, pool, o.opsEmail, o.opsPassword);
    Object.assign(process.env, { USER_POOL_ID: pool.userPoolId, USER_POOL_CLIENT_ID: pool.clientId });
    if (bundles) {
      // The template's values, except the SMS limits one machine needs raised (see above).
      const local = { SMS_LIMIT_PER_ADDRESS: process.env.SMS_LIMIT_PER_ADDRESS!, SMS_LIMIT_OVERALL: process.env.SMS_LIMIT_OVERALL!, ANSHIN_VALIDATE_RESPONSES: '1' };
      Object.assign(process.env, templateEnvironment(bundles, { tableName, userPoolId: pool.userPoolId, clientId: pool.clientId, url }), local);
      useBundles(bundles.entries);
      o.log(`Running the deployed bundles of ${process.env.ANSHIN_BUNDLES} with the template's environment`);
    }

    // Handler code is loaded only now, after the environment it reads is in place.
    const { usePorts } = await import('../functions/shared/runtime');
    const { secretsFrom } = await import('../functions/adapters/secrets');
    const { CognitoIdentity } = await import('../functions/adapters/cognito');
    const identity = serializedIdentity(new CognitoIdentity(pool.userPoolId, pool.clientId));
    const clock = new LocalClock();
    const outbox = new SmsOutbox(join(o.dataDir, 'sms-outbox.jsonl'), clock);
    const ekyc = new EkycSimulator(join(o.dataDir, 'ekyc-simulator.json'), () => url, o.ekycWebhookSecret, clock);
    const secrets = secretsFrom({ masterKey: localMasterKey(o.dataDir), ekycWebhookSecret: o.ekycWebhookSecret, bankWebhookSecret: o.bankWebhookSecret });
    const bank = new BankSimulator(join(o.dataDir, 'bank-simulator.json'), () => url, outbox, clock);
    const workflow = new LocalWorkflowEngine(synthesizeChargeDefinition(), invokeLocal, o.log);
    const faults = new LocalFaults();
    const iam = new LocalIam(synthesizedIam({ tableName, userPoolId: pool.userPoolId }, template), o.log);
    const { installSdkRequestHook } = await import('../functions/adapters/local-hooks');
    installSdkRequestHook(({ headers, body }) => {
      const target = headers['x-amz-target'] ?? headers['X-Amz-Target'];
      if (!target) return;
      const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : '{}';
      iam.authorize(iamRequestsOf(target, JSON.parse(text || '{}') as Record<string, unknown>));
    });
    const { interceptDynamo } = await import('../functions/adapters/dynamo');
    interceptDynamo(() => faults.dynamoAttempt());
    const alerts: { subject: string; message: string; at: string }[] = [];
    usePorts(
      guardPorts(iam, {
        sms: outbox, ekyc, bank, clock, workflow, faults, secrets: async () => secrets,
        identity,
        alerts: { notify: async (subject: string, message: string) => void alerts.push({ subject, message, at: new Date(clock.now()).toISOString() }) },
      }),
    );
    const { seedBank } = await import('../functions/adapters/banks-repo');
    for (const bankCode of ['0001', '9900']) {
      await seedBank({ bankCode, name: `Bank ${bankCode}`, linkingEnabled: true, chargingEnabled: true, updatedAt: new Date().toISOString(), updatedBy: 'system:seed' });
    }

    const verify = createJwtVerifier(`${cognitoUrl}/${pool.userPoolId}`, [pool.clientId]);
    step('seeding banks; starting the gateway');
    server = createGateway({ verify, extra: localRoutes({ outbox, ekyc, clock, bank, workflow, faults, alerts, sweep: () => invokeLocal('sweeper', {}), bankEvents: bankEventSender(() => url, o.bankWebhookSecret, clock), createStaff: (email, password) => createStaffUser(cognitoUrl, pool, email, password) }), log: o.log });
    await new Promise<void>((resolveListen, reject) => {
      server!.once('error', reject);
      server!.listen(o.port, '127.0.0.1', () => resolveListen());
    });
    workflowEngine = workflow;
    // The cloud runs the sweeper every minute on a schedule; locally it runs every few seconds.
    sweeper = setInterval(() => {
      invokeLocal('sweeper', {}).catch((e: Error) => o.log(`[sweeper] ${e.message}`));
    }, Number(process.env.ANSHIN_SWEEP_MS ?? 5000));
    sweeper.unref();
    return { url, dynamoDbUrl, cognitoUrl, userPoolId: pool.userPoolId, clientId: pool.clientId, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * What a bank's own systems do when they tell us about an account: a signed webhook
 * (X-Bank-Signature, the eKYC webhook's format with the bank's secret), delivered over HTTP.
 */
function bankEventSender(url: () => string, secret: string, clock: LocalClock) {
  return async (event: Record<string, unknown>) => {
    const { signWebhook } = await import('../functions/domain/webhook-signature');
    const body = JSON.stringify({ eventId: `bev_${randomUUID()}`, ...event });
    const res = await fetch(`${url()}/v1/webhooks/bank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bank-signature': signWebhook(secret, Math.floor(clock.now() / 1000), body) },
      body,
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
}
