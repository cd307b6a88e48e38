import { createHash } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { keys } from '../shared/table';
import { cancellationReasons, ddb } from '../store/dynamo';

export type SmsLimitScope = 'PHONE' | 'ADDRESS' | 'OVERALL';

/** Counters key on a hash: the table holds no phone numbers or addresses for this. */
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * Counts one SMS-sending request against the phone number, the client address and the
 * overall budget of the current window, all or nothing, with conditional increments:
 * parallel requests can never count past a limit. Beyond any limit: 429 RATE_LIMITED
 * with `retry-after` (seconds to the window's end), and nothing is counted.
 */
export async function countSmsSend(input: { phoneNumber: string; sourceIp: string; now: number }): Promise<void> {
  const limits = config().smsAbuse;
  const windowMs = limits.windowSeconds * 1000;
  const windowStart = Math.floor(input.now / windowMs) * windowMs;
  const windowEnd = windowStart + windowMs;
  const counters: { scope: SmsLimitScope; subject: string; limit: number }[] = [
    { scope: 'PHONE', subject: digest(input.phoneNumber), limit: limits.perPhone },
    { scope: 'ADDRESS', subject: digest(input.sourceIp), limit: limits.perAddress },
    { scope: 'OVERALL', subject: 'ALL', limit: limits.overall },
  ];
  const t = config().tableName;
  try {
    await ddb().send(
      new TransactWriteCommand({
        TransactItems: counters.map((c) => ({
          Update: {
            TableName: t,
            Key: keys.smsCounter(c.scope, c.subject, windowStart),
            UpdateExpression: 'ADD #n :one SET #type = :type, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
            ExpressionAttributeNames: { '#n': 'sends', '#type': 'type', '#ttl': 'ttl' },
            // Kept a day past the window: long enough to read in an investigation, then gone.
            ExpressionAttributeValues: { ':one': 1, ':limit': c.limit, ':type': 'SMS_COUNTER', ':ttl': Math.floor(windowEnd / 1000) + 86400 },
          },
        })),
      }),
    );
  } catch (e) {
    const reasons = cancellationReasons(e);
    const hit = reasons?.findIndex((r) => r === 'ConditionalCheckFailed') ?? -1;
    if (hit < 0) throw e;
    const retryAfter = Math.max(1, Math.ceil((windowEnd - input.now) / 1000));
    const what = { PHONE: 'this phone number', ADDRESS: 'your network address', OVERALL: 'the service' }[counters[hit].scope];
    throw new DomainError(
      'RATE_LIMITED',
      `Too many verification messages for ${what}; retry later`,
      { limit: counters[hit].scope, retryAfterSeconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
}

/** The allow-list of country calling codes (E.164 codes are prefix-free, so a prefix match is exact): an issue naming the field, or none. */
export function countryCodeIssue(phoneNumber: string): { in: 'body'; path: 'phoneNumber'; message: string } | undefined {
  const allowed = config().smsAbuse.allowedCountryCodes;
  if (allowed.some((code) => phoneNumber.startsWith(code))) return undefined;
  return { in: 'body', path: 'phoneNumber', message: `must start with a supported country code (${allowed.join(', ')})` };
}
