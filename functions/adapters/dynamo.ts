import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { traced } from '../shared/tracer';
import { watched } from './local-hooks';

let client: DynamoDBDocumentClient | undefined;
type Interceptor = (command: string) => void;
/** On globalThis so that the deployed bundles the local stack can run (each with its own copy of this module) see it too. */
const INTERCEPTOR = Symbol.for('anshin.local.dynamoInterceptor');
const slot = globalThis as { [INTERCEPTOR]?: Interceptor };

/** One document client per process; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally. */
export function ddb(): DynamoDBDocumentClient {
  if (!client) {
    const base = traced(watched(new DynamoDBClient({ maxAttempts: 4 })));
    // Fault injection for the local stack's hardening tests; nothing installs one in the cloud.
    base.middlewareStack.add(
      (next, context) => async (args) => {
        slot[INTERCEPTOR]?.(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'anshinFaults', priority: 'low' },
    );
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

/** Runs before every DynamoDB request attempt (inside the SDK's retries); may throw to simulate a fault. */
export function interceptDynamo(fn: Interceptor | undefined): void {
  slot[INTERCEPTOR] = fn;
}

/** The reasons of a cancelled transaction, by item index, or undefined for other errors. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (!error || typeof error !== 'object' || (error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => (r.Code === 'None' ? undefined : r.Code));
}

export const isConditionFailure = (error: unknown) =>
  !!error && typeof error === 'object' && (error as { name?: string }).name === 'ConditionalCheckFailedException';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The one way the DynamoDB adapters write several items at once: all or none. */
export async function transact(items: TransactItem[]): Promise<void> {
  await ddb().send(new TransactWriteCommand({ TransactItems: items }));
}
