/**
 * A DynamoDB Local of a test file's own, with the table created and the process environment pointing
 * the DynamoDB modules at it: for tests that drive the stores directly, without the local stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AuditEntry } from '../../functions/domain/audit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackPort } from '../../bench/lib/stack';
import { LOCAL_AWS_ENV, ensureTable, startDynamoDbLocal } from '../../local/emulators';
import { stopChildren } from '../../local/process';

export async function ownDynamo(table: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `${table}-`));
  const endpoint = await startDynamoDbLocal(dataDir, await stackPort({}), () => undefined);
  await ensureTable(endpoint, table);
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_ENDPOINT_URL_DYNAMODB: endpoint, TABLE_NAME: table, USER_POOL_ID: 'local', USER_POOL_CLIENT_ID: 'local' });
  (await import('../../functions/shared/config')).resetConfigForTests();
  return {
    endpoint,
    stop: async () => {
      await stopChildren();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The store contract tests' clock: every entry they write is dated from here. */
export const T0 = Date.parse('2026-11-30T00:00:00Z');

let n = 0;
/** A number never handed out before in this test file's run. */
export const serial = () => n++;
/** An id unique across runs on one DynamoDB Local. */
export const uid = (tag: string) => `${tag}-${Date.now().toString(36)}-${serial().toString(36)}`;

let tick = 0;
/** A millisecond after the last time handed out: trails and lists are ordered by time. */
export const nextAt = () => T0 + ++tick;
/** An audit entry a millisecond after the last one. */
export const auditEntry = (userId: string, action: string, actor = 'test', details?: Record<string, unknown>): AuditEntry => ({
  userId,
  actor,
  action,
  at: nextAt(),
  ...(details ? { details } : {}),
});
