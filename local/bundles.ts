import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FUNCTIONS, type FunctionName } from '../functions/shared/catalog';
import { functionsInTemplate, resolver, synthesizeTemplate, type LocalResources, type Resources, type SynthesizedTemplate } from './iam';

/**
 * The deployed artifacts, run locally: the esbuild bundles `cdk synth` writes to the cloud
 * assembly, and the environment the template gives each function. `ANSHIN_BUNDLES` switches
 * the local stack to them: a cdk.out directory written by `npx cdk synth` (CI), or `1` to
 * synthesize one into the data folder first.
 */
export interface Bundles extends SynthesizedTemplate {
  /** Each function's bundle, as Lambda would load it. */
  entries: Record<FunctionName, string>;
}

const STACK = 'AnshinWallet-dev';

/** Where `npx cdk synth` writes; inside the repository, so the bundles find the AWS SDK in node_modules as Lambda's runtime provides it. */
const CDK_OUT = resolve(__dirname, '..', 'cdk.out');

export function loadBundles(switchValue: string): Bundles {
  const synthesize = switchValue === '1' || switchValue === 'true';
  const dir = synthesize ? CDK_OUT : resolve(switchValue);
  if (synthesize) {
    mkdirSync(dir, { recursive: true });
    synthesizeTemplate({ bundle: true, outdir: dir });
  }
  const templateFile = join(dir, `${STACK}.template.json`);
  const assetsFile = join(dir, `${STACK}.assets.json`);
  if (!existsSync(templateFile) || !existsSync(assetsFile)) throw new Error(`ANSHIN_BUNDLES: ${dir} has no ${STACK} assembly; run npx cdk synth first`);
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Resources };
  const assets = JSON.parse(readFileSync(assetsFile, 'utf8')) as { files: Record<string, { source: { path: string; packaging?: string } }> };
  const fns = functionsInTemplate(template);
  const entries = {} as Record<FunctionName, string>;
  const roleIds = {} as Record<FunctionName, string>;
  for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
    const hash = fns[fn].codeKey?.replace(/\.zip$/, '');
    const asset = hash ? assets.files[hash] : undefined;
    if (!asset) throw new Error(`ANSHIN_BUNDLES: no bundle for ${fn} in ${dir}`);
    entries[fn] = join(dir, asset.source.path, 'index.js');
    if (!existsSync(entries[fn])) throw new Error(`ANSHIN_BUNDLES: ${entries[fn]} is missing (synthesized without bundling?)`);
    roleIds[fn] = fns[fn].roleId;
  }
  return { template, roleIds, entries };
}

/**
 * The environment the template gives the functions, resolved to the local resources. The
 * functions share one process locally, so they share one environment: the union, which must not
 * disagree on any variable. The API and console URLs are the local gateway's.
 */
export function templateEnvironment(t: SynthesizedTemplate, local: LocalResources & { url: string }): Record<string, string> {
  const resolve = resolver(t.template.Resources, local);
  const fns = functionsInTemplate(t.template);
  const env: Record<string, string> = {};
  const overrides: Record<string, string> = { PUBLIC_BASE_URL: local.url, NOT_ME_PAGE_URL: `${local.url}/not-me` };
  for (const fn of Object.keys(fns) as FunctionName[]) {
    for (const [name, value] of Object.entries(fns[fn].environment)) {
      const v = overrides[name] ?? resolve(value);
      if (name in env && env[name] !== v) throw new Error(`functions disagree on ${name} (${env[name]} / ${v}): they cannot share one local process`);
      env[name] = v;
    }
  }
  return env;
}
