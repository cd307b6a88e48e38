import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface RunningStack {
  url: string;
  /** DynamoDB Local of that stack (the API port + 1 unless ANSHIN_DYNAMODB_URL says otherwise). */
  dynamoDbUrl: string;
  /** True when this process started the stack (then it is fresh, empty and ours to stop). */
  owned: boolean;
  logFile?: string;
  /** The last lines the stack logged (to explain a failure before its data is removed). */
  logTail(): string;
  /** True while the stack's process is alive. */
  alive(): boolean;
  stop(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });

/**
 * The port of a stack this process starts: `PORT` as `npm start` reads it, if set; else a free
 * base port. A set PORT that is taken is an error naming the way to measure that stack instead.
 */
export async function stackPort(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!env.PORT) return freePortTriple();
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65533) throw new Error(`PORT must be a port number; got "${env.PORT}"`);
  for (const p of [port, port + 1, port + 2]) {
    if (!(await portFree(p))) throw new Error(`port ${p} is taken (the stack needs PORT, PORT+1, PORT+2); to measure a stack already running there, set ANSHIN_URL=http://127.0.0.1:${port}`);
  }
  return port;
}

/** A base port whose next two ports are free as well (the stack uses PORT, PORT+1, PORT+2). */
async function freePortTriple(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portFree(base)) && (await portFree(base + 1)) && (await portFree(base + 2))) return base;
  }
  throw new Error('no three consecutive free ports found');
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local stack exited with code ${child.exitCode}:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`the local stack did not become healthy in ${timeoutMs} ms:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const tail = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !/NodeVersionSupportWarning|versions published|require node >=22|To continue receiving|security updates|a\.co\/|trace-warnings/.test(l)).slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
};

/**
 * Uses ANSHIN_URL if set; otherwise starts `local/start.ts` in its own process on `PORT` (free
 * ports if unset) with a throw-away data directory, so measurements start from an empty table and
 * the load generator does not share an event loop with the handlers.
 */
export async function startOrAttach(label: string, env: Record<string, string> = {}): Promise<RunningStack> {
  if (process.env.ANSHIN_URL) {
    const url = process.env.ANSHIN_URL.replace(/\/$/, '');
    const port = Number(new URL(url).port || 80);
    return { url, dynamoDbUrl: process.env.ANSHIN_DYNAMODB_URL ?? `http://127.0.0.1:${port + 1}`, owned: false, logTail: () => '', alive: () => true, stop: async () => undefined };
  }
  const port = await stackPort();
  const dataDir = mkdtempSync(join(tmpdir(), `anshin-${label}-`));
  const logFile = join(dataDir, 'stack.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'local', 'start.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), ANSHIN_DATA_DIR: join(dataDir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    if (!process.env.ANSHIN_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Start-up synthesizes the CDK template: minutes on a busy 2-core machine (ANSHIN_START_TIMEOUT_MS).
    await waitForHealth(url, child, Number(process.env.ANSHIN_START_TIMEOUT_MS ?? 300_000), logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dynamoDbUrl: `http://127.0.0.1:${port + 1}`, owned: true, logFile, logTail: () => tail(logFile), alive: () => child.exitCode === null && child.signalCode === null, stop };
}
