import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
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
    // The benchmark's write accounting: every write, whoever makes it, reports what it consumed.
    base.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!process.env.ANSHIN_CAPACITY || !WRITE_COMMANDS.has(command)) return next(args);
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity = 'INDEXES';
        const label = `${command.replace(/Command$/, '')} ${writtenKinds(input as WriteInput)}`;
        try {
          const out = await next(args);
          recordWrite(label, (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
          return out;
        } catch (error) {
          // A refused write consumes units too, but DynamoDB reports none with the error: counted by request.
          recordWrite(`${label} (refused)`, undefined, true);
          throw error;
        }
      },
      { step: 'initialize', name: 'anshinWriteCapacity', priority: 'low' },
    );
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

export interface WriteCapacity {
  requests: number;
  units: number;
  table: number;
  indexes: Record<string, number>;
}

const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
/** On globalThis, like the interceptor: the bundles the local stack runs each have their own copy of this module. */
const CAPACITY = Symbol.for('anshin.local.writeCapacity');
const capacitySlot = globalThis as { [CAPACITY]?: Record<string, WriteCapacity> };

/**
 * Write units consumed in this process since it started, by write (the command and the kinds of item it
 * wrote, e.g. `TransactWriteItems WALLET+ENTRY+CHARGE`). Filled only when ANSHIN_CAPACITY is set, for every
 * write any module makes; the local stack serves it at GET /local/capacity and the benchmark takes differences.
 */
export function consumedWriteCapacity(): Record<string, WriteCapacity> {
  return (capacitySlot[CAPACITY] ??= {});
}

function recordWrite(write: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, refused = false): void {
  if (!consumed && !refused) return;
  const sum = (consumedWriteCapacity()[write] ??= { requests: 0, units: 0, table: 0, indexes: {} });
  sum.requests += 1;
  if (!consumed) return;
  for (const c of Array.isArray(consumed) ? consumed : [consumed]) {
    sum.units += c.CapacityUnits ?? 0;
    sum.table += c.Table?.CapacityUnits ?? 0;
    for (const [name, index] of Object.entries(c.GlobalSecondaryIndexes ?? {})) sum.indexes[name] = (sum.indexes[name] ?? 0) + (index.CapacityUnits ?? 0);
  }
}

/** An item's kind from its key (marshalled or not): the sort key's first segment, or the partition key's for time-sorted items. */
function kindOf(key: Record<string, unknown> | undefined): string {
  const text = (v: unknown) => (typeof v === 'string' ? v : ((v as { S?: string } | undefined)?.S ?? ''));
  const sk = text(key?.sk).split('#')[0];
  return /^[A-Z_]+$/.test(sk) ? sk : text(key?.pk).split('#')[0] || '?';
}

/** The kinds of item a write touches, in order (`+` between the items of a transaction). */
type KeyedWrite = { Item?: Record<string, unknown>; Key?: Record<string, unknown> };
type WriteInput = KeyedWrite & {
  TransactItems?: { ConditionCheck?: KeyedWrite; Put?: KeyedWrite; Update?: KeyedWrite; Delete?: KeyedWrite }[];
  RequestItems?: unknown;
};
function writtenKinds(input: WriteInput): string {
  const one = (w: KeyedWrite | undefined) => kindOf(w?.Item ?? w?.Key);
  if (input.TransactItems) return input.TransactItems.map((t) => (t.ConditionCheck ? `check:${one(t.ConditionCheck)}` : one(t.Put ?? t.Update ?? t.Delete))).join('+');
  if (input.RequestItems) return 'batch';
  return one(input);
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
  // A transaction cancelled only because another transaction held one of its items (no condition
  // failed) is tried again a few times, with jitter: the wallet item is shared by credits, freezes and link moves.
  for (let attempt = 0; ; attempt++) {
    try {
      await ddb().send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (e) {
      const reasons = cancellationReasons(e);
      const conflictOnly = !!reasons && reasons.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!conflictOnly || attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, (attempt + 1) * 10 + Math.random() * 20));
    }
  }
}
