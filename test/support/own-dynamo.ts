/**
 * A DynamoDB Local of a test file's own, with the table created and the process environment pointing
 * the DynamoDB modules at it: for tests that drive the stores directly, without the local stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
