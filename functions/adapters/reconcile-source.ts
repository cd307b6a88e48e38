import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { reconcile, type BankMoveRecord, type LedgerEntryRecord, type ReconcileReport, type WalletRecordLite } from '../domain/reconcile';
import { config } from '../shared/config';
import { ports } from '../shared/runtime';
import { listBanks } from './banks-repo';
import { ddb } from './dynamo';

/** Loads both sides (the ledger by a table scan, each bank's statement) and reconciles them. */
export async function reconcileAll(): Promise<ReconcileReport> {
  const entries: LedgerEntryRecord[] = [];
  const wallets: WalletRecordLite[] = [];
  const inFlight = new Set<string>();
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new ScanCommand({
        TableName: config().tableName,
        FilterExpression: '#t IN (:entry, :wallet, :charge)',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':entry': 'ENTRY', ':wallet': 'WALLET', ':charge': 'CHARGE' },
        ExclusiveStartKey: cursor,
        ConsistentRead: true,
      }),
    );
    for (const item of out.Items ?? []) {
      if (item.type === 'ENTRY') entries.push(item as LedgerEntryRecord);
      else if (item.type === 'WALLET') wallets.push({ userId: item.userId as string, balance: item.balance as number });
      else if (item.status === 'PROCESSING') inFlight.add(item.chargeId as string);
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  const bank: BankMoveRecord[] = [];
  for (const b of await listBanks()) {
    for (const m of await ports().bank.statement(b.bankCode)) bank.push({ bankCode: b.bankCode, ...m });
  }
  return reconcile(bank, entries, wallets, inFlight);
}
