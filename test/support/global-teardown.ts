import { existsSync, readFileSync, rmSync } from 'node:fs';
import { STATE_FILE } from './global-setup';

/** Stops the stack this run started (its whole process group: gateway, Java, cognito-local). */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { pid?: number; dataDir?: string };
  rmSync(STATE_FILE, { force: true });
  if (!state.pid) return;
  try {
    process.kill(-state.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      process.kill(-state.pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(-state.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
}
