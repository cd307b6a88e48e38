import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let client: DynamoDBDocumentClient | undefined;

/** One document client per process; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally. */
export function ddb(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return client;
}

/** The reasons of a cancelled transaction, by item index, or undefined for other errors. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (!error || typeof error !== 'object' || (error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => (r.Code === 'None' ? undefined : r.Code));
}

export const isConditionFailure = (error: unknown) =>
  !!error && typeof error === 'object' && (error as { name?: string }).name === 'ConditionalCheckFailedException';
