import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { identityValue } from '../domain/lists';
import { keys } from '../shared/table';
import { auditPut } from './audit';
import type { AuditEntry } from '../domain/audit';
import { cancellationReasons, ddb, transact } from './dynamo';
import type { EkycSession, EkycVerdict } from '../domain/ekyc';
import type { EkycStore } from '../store/ekyc';


const table = () => config().tableName;

/** The session and the user's PENDING status together; a VERIFIED user cannot restart eKYC. */
export async function openEkycSession(session: EkycSession, audit: AuditEntry): Promise<void> {
  const t = table();
  try {
    await transact([
      { Put: { TableName: t, Item: { ...keys.ekycSession(session.sessionId), type: 'EKYC', ...session }, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: t,
          Key: keys.user(session.userId),
          UpdateExpression: 'SET kycStatus = :pending, ekycSessionId = :sid',
          ConditionExpression: 'attribute_exists(pk) AND kycStatus <> :verified',
          ExpressionAttributeValues: { ':pending': 'PENDING', ':sid': session.sessionId, ':verified': 'VERIFIED' },
        },
      },
      auditPut(t, audit),
    ]);
  } catch (e) {
    if (cancellationReasons(e)?.[1] === 'ConditionalCheckFailed') throw new DomainError('KYC_ALREADY_VERIFIED', 'Identity is already verified');
    throw e;
  }
}

export async function getEkycSession(sessionId: string): Promise<EkycSession | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.ekycSession(sessionId), ConsistentRead: true }));
  return out.Item as EkycSession | undefined;
}

/**
 * Applies a provider verdict once: the event id is claimed, the session closed and,
 * if it is still the user's current session, the user's status set. Returns false
 * if the event was seen before (a replay changes nothing).
 */
export async function applyEkycResult(input: EkycVerdict & { audit: AuditEntry; now: number }): Promise<boolean> {
  const t = table();
  const { eventId, session, result, identity, current, audit, now } = input;
  const items: Parameters<typeof transact>[0] = [
    {
      Put: {
        TableName: t,
        Item: { ...keys.ekycEvent(eventId), type: 'EKYC_EVENT', sessionId: session.sessionId, result, receivedAt: new Date(now).toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: t,
        Key: keys.ekycSession(session.sessionId),
        UpdateExpression: 'SET #s = :result, completedAt = :at',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':result': result, ':pending': 'PENDING', ':at': new Date(now).toISOString() },
      },
    },
    auditPut(t, audit),
  ];
  if (current) {
    items.push({
      Update: {
        TableName: t,
        Key: keys.user(session.userId),
        // The verified identity is also a second key of the wallet (gsi2): wallets of one person are found by it.
        UpdateExpression: result === 'APPROVED' ? 'SET kycStatus = :s, #identity = :id, gsi2pk = :idk' : 'SET kycStatus = :s',
        ConditionExpression: 'ekycSessionId = :sid',
        ...(result === 'APPROVED' ? { ExpressionAttributeNames: { '#identity': 'identity' } } : {}),
        ExpressionAttributeValues: { ':s': result === 'APPROVED' ? 'VERIFIED' : 'REJECTED', ':sid': session.sessionId, ...(result === 'APPROVED' && identity ? { ':id': identity, ':idk': keys.identityIndexKey(identityValue(identity.fullNameKana, identity.dateOfBirth)) } : {}) },
      },
    });
  }
  try {
    await transact(items);
    return true;
  } catch (e) {
    const reasons = cancellationReasons(e);
    if (reasons?.[0] === 'ConditionalCheckFailed') return false;
    if (reasons?.[1] === 'ConditionalCheckFailed') {
      throw new DomainError('INVALID_STATE', 'This eKYC session already has a result');
    }
    throw e;
  }
}

/** The eKYC port on DynamoDB. */
export const dynamoEkyc: EkycStore = { openEkycSession, getEkycSession, applyEkycResult };
