import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One state file per jest run, so two runs on one machine never stop each other's stack. */
export const STATE_FILE = join(tmpdir(), `anshin-test-stack-${process.pid}.json`);

/**
 * Starts the local stack exactly as `npm start` does, as a child process on its
 * own ports and a fresh data folder, unless ANSHIN_URL points at a running one.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.ANSHIN_URL) {
    writeFileSync(STATE_FILE, JSON.stringify({ url: process.env.ANSHIN_URL }));
    return;
  }
  const port = 4100 + Math.floor(Math.random() * 500) * 3;
  const dataDir = mkdtempSync(join(tmpdir(), 'anshin-test-'));
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'local/start.ts'], {
    cwd: join(__dirname, '..', '..'),
    // The suites provoke link failures and not-me reports at the seeded banks on purpose: the circuit breaker
    // is tested on a bank of its own with its own thresholds, so the default ones are raised here.
    env: {
      ANSHIN_BREAKER_LINK_FAILURES: '100000', ANSHIN_BREAKER_NOT_ME_REPORTS: '100000',
      ...process.env, PORT: String(port), ANSHIN_DATA_DIR: dataDir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  // Ready means this child said so: a health answer on the port could come from another stack.
  while (!output.includes('is running locally')) {
    if (child.exitCode !== null) throw new Error(`the local stack exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the local stack did not start in 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  child.stdout!.resume();
  child.stderr!.resume();
  child.unref();
  writeFileSync(STATE_FILE, JSON.stringify({ url, pid: child.pid, dataDir, port }));
  process.env.ANSHIN_URL = url;
}
