import { HttpBankGateway } from '../adapters/bank-http';
import { CognitoIdentity } from '../adapters/cognito';
import { HttpEkycProvider } from '../adapters/ekyc-http';
import type { Ports } from '../adapters/ports';
import { secretsFromSecretsManager } from '../adapters/secrets';
import { SnsSmsSender } from '../adapters/sns-sms';
import { StepFunctionsWorkflow } from '../adapters/sfn-workflow';
import { SnsOpsAlerts } from '../adapters/sns-alerts';
import { config } from './config';

type Factories = { [K in keyof Ports]: () => Ports[K] };

/** Cloud adapters, each built on first use so a function only needs the settings of the ports it uses. */
const cloud: Factories = {
  secrets: () => secretsFromSecretsManager(mustHave(config().secretsArn, 'SECRETS_ARN')),
  clock: () => ({ now: () => Date.now() }),
  sms: () => new SnsSmsSender(),
  identity: () => new CognitoIdentity(config().userPoolId, config().userPoolClientId),
  bank: () =>
    new HttpBankGateway({
      baseUrl: mustHave(config().bankGatewayUrl, 'BANK_GATEWAY_URL'),
      apiKey: async () => mustHave((await ports().secrets()).bankApiKey, 'the bankApiKey secret'),
    }),
  workflow: () => new StepFunctionsWorkflow(mustHave(config().stateMachineArn, 'STATE_MACHINE_ARN')),
  faults: () => ({ check: () => undefined }),
  alerts: () => new SnsOpsAlerts(mustHave(process.env.ALERTS_TOPIC_ARN, 'ALERTS_TOPIC_ARN')),
  ekyc: () =>
    new HttpEkycProvider(mustHave(config().ekycProviderUrl, 'EKYC_PROVIDER_URL'), async () =>
      mustHave((await ports().secrets()).ekycApiKey, 'the ekycApiKey secret'),
    ),
};

let installed: Partial<Ports> = {};
const built: Partial<Ports> = {};

/** The local runtime installs its adapters here before the first request. */
export function usePorts(overrides: Partial<Ports>): void {
  installed = { ...installed, ...overrides };
  for (const k of Object.keys(built) as (keyof Ports)[]) delete built[k];
}

const view = {} as Ports;
for (const name of Object.keys(cloud) as (keyof Ports)[]) {
  Object.defineProperty(view, name, {
    enumerable: true,
    get: () => (built[name] ??= (installed[name] ?? cloud[name]()) as never),
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
