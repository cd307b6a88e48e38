import type { Ports } from '../app/ports';
import { config } from './config';

type Factories = { [K in keyof Ports]: () => Ports[K] };

/*
 * Adapters are required on first use, not imported: each one pulls in an AWS SDK client,
 * and loading the SDK is most of a cold start. A function loads only the clients it uses.
 */
const adapters = {
  bank: () => require('../adapters/bank-http') as typeof import('../adapters/bank-http'),
  cognito: () => require('../adapters/cognito') as typeof import('../adapters/cognito'),
  ekyc: () => require('../adapters/ekyc-http') as typeof import('../adapters/ekyc-http'),
  secrets: () => require('../adapters/secrets') as typeof import('../adapters/secrets'),
  sms: () => require('../adapters/sns-sms') as typeof import('../adapters/sns-sms'),
  alerts: () => require('../adapters/sns-alerts') as typeof import('../adapters/sns-alerts'),
  workflow: () => require('../adapters/sfn-workflow') as typeof import('../adapters/sfn-workflow'),
};

/** Cloud adapters, each built on first use so a function only needs the settings of the ports it uses. */
const cloud: Factories = {
  secrets: () => adapters.secrets().secretsFromSecretsManager(mustHave(config().secretsArn, 'SECRETS_ARN')),
  clock: () => ({ now: () => Date.now() }),
  sms: () => new (adapters.sms().SnsSmsSender)(),
  identity: () => new (adapters.cognito().CognitoIdentity)(config().userPoolId, config().userPoolClientId),
  bank: () =>
    new (adapters.bank().HttpBankGateway)({
      baseUrl: mustHave(config().bankGatewayUrl, 'BANK_GATEWAY_URL'),
      apiKey: async () => mustHave((await ports().secrets()).bankApiKey, 'the bankApiKey secret'),
    }),
  workflow: () => new (adapters.workflow().StepFunctionsWorkflow)(mustHave(config().stateMachineArn, 'STATE_MACHINE_ARN')),
  faults: () => ({ check: () => undefined }),
  alerts: () => new (adapters.alerts().SnsOpsAlerts)(mustHave(process.env.ALERTS_TOPIC_ARN, 'ALERTS_TOPIC_ARN')),
  ekyc: () =>
    new (adapters.ekyc().HttpEkycProvider)(mustHave(config().ekycProviderUrl, 'EKYC_PROVIDER_URL'), async () =>
      mustHave((await ports().secrets()).ekycApiKey, 'the ekycApiKey secret'),
    ),
};

/*
 * Installed adapters live on globalThis, not in this module: the local stack can run the deployed
 * esbuild bundles, each with its own copy of this module, and they must all find the same ports.
 */
const INSTALLED = Symbol.for('anshin.local.ports');
const installed = (): Partial<Ports> => (globalThis as { [INSTALLED]?: Partial<Ports> })[INSTALLED] ?? {};
const built: Partial<Ports> = {};

/** The local runtime installs its adapters here before the first request. */
export function usePorts(overrides: Partial<Ports>): void {
  (globalThis as { [INSTALLED]?: Partial<Ports> })[INSTALLED] = { ...installed(), ...overrides };
  for (const k of Object.keys(built) as (keyof Ports)[]) delete built[k];
}

const view = {} as Ports;
for (const name of Object.keys(cloud) as (keyof Ports)[]) {
  Object.defineProperty(view, name, {
    enumerable: true,
    get: () => (built[name] ??= (installed()[name] ?? cloud[name]()) as never),
  });
}

/** The ports of this process: local overrides, else the cloud adapters. */
export function ports(): Ports {
  return view;
}

function mustHave(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not configured`);
  return value;
}
