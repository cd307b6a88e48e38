import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedDecision } from '../domain/backtest';
import { DEFAULT_RULES_VERSION, type ActiveRules } from '../domain/rules';
import { config } from '../shared/config';
import { keys } from '../shared/table';
import { auditPut, type TransactItem } from './audit';
import type { AuditEntry } from '../domain/audit';
import { entityOf } from './reviews-repo';
import { cancellationReasons, ddb } from './dynamo';
import { transact } from './dynamo';
import { activeRulesOf, type RulesProposal, type RulesVersionRecord, type StoredActiveRules } from '../domain/rules-proposal';
import type { RulesStore } from '../store/rules';

const table = () => config().tableName;
const DAY = 86_400_000;
/** Decision records outlive the 30-day backtest window by a few days, then TTL removes them for free. */
const DECISION_RECORD_DAYS = 35;

/** The rule set in force: the stored active version read over today's defaults, or version 1 (the defaults). */
export async function getActiveRules(): Promise<StoredActiveRules> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.activeRules, ConsistentRead: true }));
  return activeRulesOf(out.Item as RulesVersionRecord | undefined, config().riskRules);
}

export async function putProposal(p: RulesProposal, audit: AuditEntry): Promise<void> {
  await transact([
    {
      Put: {
        TableName: table(),
        Item: { ...keys.rulesProposal(p.proposalId), type: 'RULES_PROPOSAL', ...p, gsi1pk: keys.openProposalsIndexKey, gsi1sk: p.createdAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    auditPut(table(), audit),
  ]);
}

export async function getProposal(proposalId: string): Promise<RulesProposal | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: table(), Key: keys.rulesProposal(proposalId), ConsistentRead: true }));
  return out.Item && entityOf<RulesProposal>(out.Item);
}

/** Open proposals oldest first; decided ones newest first (the last 50). */
export async function listProposals(status: 'OPEN' | 'CLOSED'): Promise<RulesProposal[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': status === 'OPEN' ? keys.openProposalsIndexKey : keys.closedProposalsIndexKey },
      ScanIndexForward: status === 'OPEN', Limit: status === 'OPEN' ? 100 : 50,
    }),
  );
  return (out.Items ?? []).map((i) => entityOf<RulesProposal>(i));
}

function closeProposalItem(p: RulesProposal, status: 'APPROVED' | 'REJECTED', by: string, at: string, activatedVersion?: number): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: keys.rulesProposal(p.proposalId),
      UpdateExpression: `SET proposalStatus = :s, decidedBy = :by, decidedAt = :at, gsi1pk = :closed, gsi1sk = :at${activatedVersion ? ', activatedVersion = :v' : ''}`,
      ConditionExpression: 'proposalStatus = :open',
      ExpressionAttributeValues: { ':s': status, ':by': by, ':at': at, ':closed': keys.closedProposalsIndexKey, ':open': 'OPEN', ...(activatedVersion ? { ':v': activatedVersion } : {}) },
    },
  };
}

/**
 * Activates a proposal as the next version, in one transaction: the version's own record, the
 * active pointer (only if no one activated another version meanwhile), the proposal closed, the
 * audit. 'STALE' when the proposal was decided or another version was activated first.
 */
export async function activateProposal(p: RulesProposal, current: ActiveRules, by: string, audit: AuditEntry): Promise<number | 'STALE'> {
  const at = new Date(audit.at).toISOString();
  const version = current.version + 1;
  const first = current.version === DEFAULT_RULES_VERSION;
  const record = { version, rules: p.rules, activatedAt: at, activatedBy: by, proposalId: p.proposalId };
  const items: TransactItem[] = [
    { Put: { TableName: table(), Item: { ...keys.rulesVersion(version), type: 'RULES_VERSION', ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Put: {
        TableName: table(), Item: { ...keys.activeRules, type: 'RULES_ACTIVE', ...record },
        ConditionExpression: first ? 'attribute_not_exists(pk)' : 'version = :v', ...(first ? {} : { ExpressionAttributeValues: { ':v': current.version } }),
      },
    },
    closeProposalItem(p, 'APPROVED', by, at, version),
    auditPut(table(), audit),
  ];
  // Version 1 is kept on record too once a second exists, so every version a decision names can be read back.
  if (first) items.push({ Put: { TableName: table(), Item: { ...keys.rulesVersion(DEFAULT_RULES_VERSION), type: 'RULES_VERSION', version: DEFAULT_RULES_VERSION, rules: current.rules, activatedBy: 'system:defaults' } } });
  try {
    await transact(items);
    return version;
  } catch (e) {
    if (cancellationReasons(e)) return 'STALE';
    throw e;
  }
}

export async function rejectProposal(p: RulesProposal, by: string, audit: AuditEntry): Promise<boolean> {
  try {
    await transact([closeProposalItem(p, 'REJECTED', by, new Date(audit.at).toISOString()), auditPut(table(), audit)]);
    return true;
  } catch (e) {
    if (cancellationReasons(e)) return false;
    throw e;
  }
}

/**
 * One PutItem per charge decision, outside the charge's own transaction (a transaction would
 * double its price): a record lost to a crash costs the backtest one sample, never a charge.
 */
export async function recordDecision(r: RecordedDecision): Promise<void> {
  await ddb().send(
    new PutCommand({
      TableName: table(),
      Item: { ...keys.decisionRecord(r.at, r.chargeId), type: 'DECISION', ...r, ttl: Math.ceil((Date.parse(r.at) + DECISION_RECORD_DAYS * DAY) / 1000) },
    }),
  );
}

/** Runs `work` over `inputs`, at most `width` at a time. */
async function inParallel<T, R>(inputs: T[], width: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, inputs.length) }, async () => {
      while (next < inputs.length) {
        const i = next++;
        results[i] = await work(inputs[i]);
      }
    }),
  );
  return results;
}

async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(new QueryCommand({ ...input, ExclusiveStartKey: cursor }));
    items.push(...(out.Items ?? []));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** Every decision recorded from `from` to `to` (epoch ms): one Query per day and shard, by key. */
export async function recordedDecisions(from: number, to: number): Promise<RecordedDecision[]> {
  const partitions: string[] = [];
  for (let day = Math.floor(from / DAY) * DAY; day <= to; day += DAY) {
    for (let shard = 0; shard < keys.decisionShards; shard++) partitions.push(keys.decisionPartition(new Date(day).toISOString().slice(0, 10), shard));
  }
  const lo = new Date(from).toISOString();
  const hi = `${new Date(to).toISOString()}~`;
  const pages = await inParallel(partitions, 16, (pk) =>
    queryAll({ TableName: table(), KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi', ExpressionAttributeValues: { ':pk': pk, ':lo': lo, ':hi': hi } }),
  );
  return pages.flat().map((i) => entityOf<RecordedDecision>(i));
}

/**
 * Fraud labels for charges decided since `from`: every charge of a compensation claim that was
 * paid, or that a not-me report opened and nobody denied; every charge a not-me report cancelled
 * before its debit. A claim or report about a charge is made after the charge, so both are read
 * from `from` on, by their indexes.
 */
export async function fraudLabels(from: number): Promise<Set<string>> {
  const since = new Date(from).toISOString();
  const byIndex = (key: string) =>
    queryAll({ TableName: table(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :k AND gsi1sk >= :since', ExpressionAttributeValues: { ':k': key, ':since': since } });
  const [open, closed, reports] = await Promise.all([byIndex(keys.openClaimsIndexKey), byIndex(keys.closedClaimsIndexKey), byIndex(keys.notMeReportsIndexKey)]);
  const labels = new Set<string>();
  for (const claim of [...open, ...closed] as { claimStatus: string; source: string; chargeIds?: string[] }[]) {
    if (claim.claimStatus === 'PAID' || (claim.source === 'NOT_ME_REPORT' && claim.claimStatus !== 'DENIED')) for (const id of claim.chargeIds ?? []) labels.add(id);
  }
  for (const report of reports as { response?: { cancelledCharges?: string[] } }[]) for (const id of report.response?.cancelledCharges ?? []) labels.add(id);
  return labels;
}

/** The rule versions, proposals and decision records on the table. */
export const rulesRepo: RulesStore = {
  getActiveRules, putProposal, getProposal, listProposals, activateProposal, rejectProposal, recordDecision, recordedDecisions, fraudLabels,
};
