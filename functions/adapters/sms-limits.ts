import { config } from '../shared/config';
import { keys } from '../shared/table';
import { cancellationReasons, transact } from './dynamo';
import { smsCounters, type SmsLimitScope, type SmsLimitStore, type SmsSendCount } from '../store/sms-limits';

export type { SmsLimitScope } from '../store/sms-limits';

/**
 * One conditional increment per counter in one transaction: all or nothing, and parallel
 * requests can never count past a limit. Kept a day past the window: long enough to read in
 * an investigation, then gone (TTL).
 */
export async function countSend(input: SmsSendCount): Promise<SmsLimitScope | undefined> {
  const counters = smsCounters(input);
  const t = config().tableName;
  try {
    await transact(
      counters.map((c) => ({
        Update: {
          TableName: t,
          Key: keys.smsCounter(c.scope, c.subject, input.windowStart),
          UpdateExpression: 'ADD #n :one SET #type = :type, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'sends', '#type': 'type', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':limit': input.limits[c.scope], ':type': 'SMS_COUNTER', ':ttl': Math.floor(input.windowEnd / 1000) + 86400 },
        },
      })),
    );
    return undefined;
  } catch (e) {
    const hit = cancellationReasons(e)?.findIndex((r) => r === 'ConditionalCheckFailed') ?? -1;
    if (hit < 0) throw e;
    return counters[hit].scope;
  }
}

/** The SMS limits port on DynamoDB. */
export const dynamoSmsLimits: SmsLimitStore = { countSend };
