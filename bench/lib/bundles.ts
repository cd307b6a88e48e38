import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { median, round } from './stats';
import { REPO_ROOT } from './stack';

export interface BundleReport {
  entry: string;
  /** index.js as deployed (the source map ships beside it). */
  bytes: number;
  mapBytes: number;
  /** Median time to require() the bundle in a fresh `node`, with NODE_OPTIONS=--enable-source-maps as deployed. */
  initMs: number;
  /** The same without source maps, to show what they cost at cold start. */
  initMsWithoutSourceMaps: number;
  initRuns: number;
  /** Median time to require() only the external AWS SDK packages this bundle imports (they load at init too). */
  sdkInitMs: number;
  sdkPackages: string[];
  /** The biggest packages in the bundle (bytes of output they contribute). */
  largestInputs: { name: string; bytes: number }[];
}

/**
 * Bundles each catalog entry exactly as lib/constructs/function.ts has NodejsFunction do it
 * (esbuild --bundle --platform=node --target=node22 --format=cjs --minify --sourcemap
 * --external:@aws-sdk/*), into reports/bundles/<name>/ so that the external AWS SDK resolves
 * from this repository's node_modules, as it would from the Lambda runtime's.
 */
export async function measureBundles(outRoot: string, runs: number, log: (line: string) => void): Promise<Record<string, BundleReport>> {
  const { FUNCTIONS } = await import('../../functions/shared/catalog');
  const reports: Record<string, BundleReport> = {};
  rmSync(outRoot, { recursive: true, force: true });
  for (const [name, spec] of Object.entries(FUNCTIONS) as [string, { entry: string }][]) {
    const outDir = join(outRoot, name);
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, 'index.js');
    const result = await build({
      entryPoints: [join(REPO_ROOT, spec.entry)],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      external: ['@aws-sdk/*'],
      outfile,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: REPO_ROOT,
    });
    const sdkPackages = externalsOf(result.metafile!);
    const init = (files: string[], sourceMaps: boolean) => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(timeRequire(files, sourceMaps));
      return median(samples);
    };
    reports[name] = {
      entry: spec.entry,
      bytes: statSync(outfile).size,
      mapBytes: statSync(`${outfile}.map`).size,
      initMs: round(init([outfile], true), 1),
      initMsWithoutSourceMaps: round(init([outfile], false), 1),
      initRuns: runs,
      sdkInitMs: sdkPackages.length ? round(init(sdkPackages, false), 1) : 0,
      sdkPackages,
      largestInputs: largestPackages(result.metafile!, outfile),
    };
    log(`  bundle ${name}: ${reports[name].bytes} B, init ${reports[name].initMs} ms`);
  }
  return reports;
}

/** The environment a function reads at cold start (functions/shared/config.ts), with local values. */
const LAMBDA_ENV = {
  TABLE_NAME: 'anshin-bench',
  USER_POOL_ID: 'ap-northeast-1_bench',
  USER_POOL_CLIENT_ID: 'bench',
  STAGE: 'bench',
  ADAPTERS: 'aws',
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: 'anshin-wallet',
  POWERTOOLS_METRICS_NAMESPACE: 'AnshinWallet',
  SECRETS_ARN: 'arn:aws:secretsmanager:ap-northeast-1:000000000000:secret:bench',
  STATE_MACHINE_ARN: 'arn:aws:states:ap-northeast-1:000000000000:stateMachine:bench',
  BANK_GATEWAY_URL: 'https://bank.invalid',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
};

/** Spawns a fresh node and times require() of the modules inside it (module init, as a cold start runs it). */
function timeRequire(files: string[], sourceMaps: boolean): number {
  const script = `const t=process.hrtime.bigint();for(const f of ${JSON.stringify(files)})require(f);const ms=Number(process.hrtime.bigint()-t)/1e6;process.stdout.write(String(ms));`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...LAMBDA_ENV };
  if (sourceMaps) env.NODE_OPTIONS = '--enable-source-maps';
  const out = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', cwd: REPO_ROOT });
  if (out.status !== 0) throw new Error(`require(${files.join(', ')}) failed: ${out.stderr}`);
  return Number(out.stdout);
}

/** The AWS SDK packages the bundle leaves external (the Lambda runtime provides them). */
function externalsOf(meta: Metafile): string[] {
  const output = Object.values(meta.outputs).find((o) => o.entryPoint);
  const paths = (output?.imports ?? []).filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path);
  return [...new Set(paths)].sort();
}

function largestPackages(meta: Metafile, outfile: string): { name: string; bytes: number }[] {
  const output = Object.entries(meta.outputs).find(([path]) => outfile.endsWith(path) || path.endsWith('index.js'))?.[1];
  if (!output) return [];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = m ? m[1] : '(project code)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, bytes]) => ({ name, bytes }));
}
