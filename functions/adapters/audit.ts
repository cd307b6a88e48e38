import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { ddb, type TransactItem } from './dynamo';
import { keys } from '../shared/table';
import { redact } from '../shared/redact';
import type { AuditEntry, AuditRecord } from '../domain/audit';
import type { AuditStore } from '../store/audit';

export type { TransactItem };

export function auditPut(tableName: string, entry: AuditEntry): TransactItem {
  const at = new Date(entry.at).toISOString();
  const id = randomUUID();
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.audit(entry.userId, at, id),
        type: 'AUDIT',
        auditId: id,
        userId: entry.userId,
        actor: entry.actor,
        action: entry.action,
        reason: entry.reason,
        // Audit is read by staff: it keeps facts, never codes, PINs or personal data.
        details: entry.details ? redact(entry.details) : undefined,
        // No index entry: the trail is read by subject (its own partition); one shared index key for
        // every audit record of the service was a hot partition that nothing queried.
        at,
      },
    },
  };
}

export async function auditTrail(subject: string, limit = 200): Promise<AuditRecord[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: config().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.auditPartition(subject) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (out.Items ?? []) as AuditRecord[];
}

export const auditStore: AuditStore = { auditTrail };
