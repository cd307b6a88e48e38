/**
 * The service tier: the use cases on the in-memory stores and in-memory ports, in this
 * process, with no Java, no emulators and no HTTP. `serviceWorld()` builds a fresh world
 * per test (call it in `beforeEach`) and installs it process-wide.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetActiveRulesForTests } from '../../functions/app/active-rules';
import type { IdentityProvider, OpsAlerts, Tokens, WorkflowEngine } from '../../functions/app/ports';
import { secretsFrom } from '../../functions/adapters/secrets';
import { resetConfigForTests } from '../../functions/shared/config';
import { DomainError } from '../../functions/shared/errors';
import { usePorts } from '../../functions/shared/runtime';
import { useStores } from '../../functions/store';
import { memoryStores } from '../../functions/store/memory';
import { MemoryWorld } from '../../functions/store/memory-world';
import { BankSimulator } from '../../local/bank-simulator';
import { LocalClock } from '../../local/clock';
import { EkycSimulator } from '../../local/ekyc-simulator';
import { LocalFaults } from '../../local/faults';
import { invokeLocal } from '../../local/lambda-runtime';
import { SmsOutbox } from '../../local/sms-outbox';
import { synthesizeChargeDefinition } from '../../local/workflow-definition';
import { LocalWorkflowEngine } from '../../local/workflow-engine';

export const SERVICE_URL = 'http://service.invalid';
export const EKYC_WEBHOOK_SECRET = 'service-ekyc-webhook-secret';
export const BANK_WEBHOOK_SECRET = 'service-bank-webhook-secret';

/** Cognito as the use cases see it (functions/adapters/cognito.ts): sign-ins by email, each with its own sub, refusals as its DomainErrors. */
export class MemoryIdentity implements IdentityProvider {
  readonly users = new Map<string, { sub: string; password: string; groups: string[] }>();
  private seq = 0;
  async createUser(email: string, password: string) {
    const key = email.toLowerCase();
    if (this.users.has(key)) throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
    const sub = `sub-${++this.seq}`;
    this.users.set(key, { sub, password, groups: [] });
    return { userId: sub };
  }
  async findUser(email: string) {
    const u = this.users.get(email.toLowerCase());
    return u ? { userId: u.sub, groups: [...u.groups] } : undefined;
  }
  async deleteUser(emailOrSub: string) {
    for (const [email, u] of this.users) if (email === emailOrSub.toLowerCase() || u.sub === emailOrSub) this.users.delete(email);
  }
  async signIn(email: string, password: string): Promise<Tokens> {
    const u = this.users.get(email.toLowerCase());
    if (!u || u.password !== password) throw new DomainError('INVALID_CREDENTIALS', 'Wrong email or password');
    return { accessToken: `access-${u.sub}`, idToken: `id-${u.sub}`, refreshToken: `refresh-${u.sub}`, expiresIn: 3600 };
  }
}

export interface ServiceWorld {
  world: MemoryWorld;
  clock: LocalClock;
  sms: SmsOutbox;
  bank: BankSimulator;
  ekyc: EkycSimulator;
  identity: MemoryIdentity;
  workflow: LocalWorkflowEngine;
  faults: LocalFaults;
  alerts: { subject: string; message: string }[];
  /** Stops the world's workflow executions and removes the simulators' scratch files. */
  close(): void;
}

let definition: Record<string, unknown> | undefined;

/** A fresh world with every port and store in memory, installed for this process. */
export function serviceWorld(): ServiceWorld {
  Object.assign(process.env, {
    TABLE_NAME: 'service-has-no-table',
    USER_POOL_ID: 'service',
    USER_POOL_CLIENT_ID: 'service',
    PUBLIC_BASE_URL: SERVICE_URL,
    NOT_ME_PAGE_URL: `${SERVICE_URL}/not-me`,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
  });
  resetConfigForTests();
  // The simulators keep their books in files (as `npm start` does); each world gets its own scratch directory.
  const dir = mkdtempSync(join(tmpdir(), 'anshin-service-'));
  const world = new MemoryWorld();
  const clock = new LocalClock();
  const sms = new SmsOutbox(join(dir, 'sms.jsonl'), clock);
  const bank = new BankSimulator(join(dir, 'bank.json'), () => SERVICE_URL, sms, clock);
  const ekyc = new EkycSimulator(join(dir, 'ekyc.json'), () => SERVICE_URL, EKYC_WEBHOOK_SECRET, clock);
  const identity = new MemoryIdentity();
  const faults = new LocalFaults();
  const alerts: { subject: string; message: string }[] = [];
  const opsAlerts: OpsAlerts = { notify: async (subject, message) => void alerts.push({ subject, message }) };
  // The charge workflow is the one CDK synthesizes, run by aws-local-stepfunctions; its tasks run in this process.
  // Synthesizing takes seconds, so it happens when a test first starts or inspects an execution, not per world.
  let engine: LocalWorkflowEngine | undefined;
  const engineNow = () => (engine ??= new LocalWorkflowEngine((definition ??= synthesizeChargeDefinition()), invokeLocal, () => undefined));
  const workflow: WorkflowEngine = {
    start: (name, input) => engineNow().start(name, input),
    isRunning: (name) => engineNow().isRunning(name),
    succeed: (token, output) => engineNow().succeed(token, output),
    fail: (token, error, cause) => engineNow().fail(token, error, cause),
  };
  const secrets = secretsFrom({
    masterKey: 'service-master-key-0123456789abcdef',
    ekycWebhookSecret: EKYC_WEBHOOK_SECRET,
    bankWebhookSecret: BANK_WEBHOOK_SECRET,
  });
  usePorts({ sms, bank, ekyc, identity, clock, workflow, faults, alerts: opsAlerts, secrets: async () => secrets });
  useStores(memoryStores(world));
  // The rule set in force is cached for 60 s process-wide: a new world starts from its own (empty) rules store.
  resetActiveRulesForTests();
  return {
    world,
    clock,
    sms,
    bank,
    ekyc,
    identity,
    faults,
    alerts,
    get workflow() {
      return engineNow();
    },
    close: () => {
      // Executions still waiting for a code or a human hold timers (their task timeouts): stopped with the world, as the local stack stops them.
      engine?.stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
