import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackPort } from '../../bench/lib/stack';

/** `npm start` (local/start.ts) says what it is doing while the emulators start, on the PORT it was given. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT'); // its own shutdown stops the emulators it started
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints each start-up step with the time taken so far, then the ready banner on PORT', async () => {
    const port = await stackPort({});
    dataDir = mkdtempSync(join(tmpdir(), 'anshin-npm-start-'));
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'local', 'start.ts')], {
      env: { ...process.env, PORT: String(port), ANSHIN_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('is running locally')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
    const lines = out.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(lines[at('starting DynamoDB Local')]).toMatch(/^\[\s*\d+\.\d s\] starting DynamoDB Local \(Java\) on \d+ and cognito-local on \d+$/);
    for (const step of ['DynamoDB Local is up', 'cognito-local is up', 'waiting for the emulators', 'creating the table', 'starting the gateway']) {
      expect(at(step)).toBeGreaterThan(at('starting DynamoDB Local'));
      expect(at(step)).toBeLessThan(at('is running locally'));
    }
    expect(out).toContain(`API            http://127.0.0.1:${port}`);
  }, 180_000);
});
