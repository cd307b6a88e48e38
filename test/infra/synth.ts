import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stageConfig, type Stage } from '../../lib/config';
import { WalletStack } from '../../lib/wallet-stack';

/** What prod refuses to synthesize without (lib/config.ts): the provider URLs and the secret the deployer created. */
export const PROD_CONTEXT: Record<string, string> = {
  ekycProviderUrl: 'https://ekyc.example.com',
  bankGatewayUrl: 'https://bank-gw.example.com',
  serviceSecretName: 'anshin-wallet/prod',
};

export interface Synth {
  stack: WalletStack;
  template: Template;
  /** The cloud assembly directory: staged assets (console files, config.js) can be read from it. */
  outdir: string;
}

export interface SynthOptions {
  /**
   * Run esbuild on every function (default). Without it CDK stages placeholder code: the
   * template is the same, and checks that read only the template (cdk-nag) run in a second.
   */
  bundle?: boolean;
}

/**
 * One assembly directory for the whole test process. CDK caches staged and bundled assets
 * per output directory, so with one directory every synth after the first reuses the
 * bundles instead of running esbuild eleven times again (the prod synth costs ~1 s, not ~10 s).
 */
const OUTDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'anshin-infra-'));
const cache = new Map<string, Synth>();

if (typeof afterAll === 'function') afterAll(() => fs.rmSync(OUTDIR, { recursive: true, force: true }));

/**
 * The stack of one stage, synthesized once per test file and context. Template.fromStack
 * also refuses a template with a dependency cycle, which `cdk synth` alone would not notice.
 */
export function synth(stage: Stage, context: Record<string, string> = {}, options: SynthOptions = {}): Synth {
  const bundle = options.bundle ?? true;
  const key = JSON.stringify([stage, context, bundle]);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({ outdir: OUTDIR, context: { stage, ...context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  // An empty environment, so the result does not depend on the machine's AWS settings.
  const config = stageConfig((k) => app.node.tryGetContext(k), {});
  const stack = new WalletStack(app, `AnshinWallet-${stage}`, { config });
  const result = { stack, template: Template.fromStack(stack), outdir: OUTDIR };
  cache.set(key, result);
  return result;
}

/** The logical id of a construct's CloudFormation resource. */
export function idOf(s: Synth, construct: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}
