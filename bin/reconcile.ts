/**
 * `npm run reconcile`: compares the banks' records of our debits, reversals and
 * refunds with the ledger, prints every difference, and exits 1 if there is any.
 * Against the local stack (ANSHIN_URL, default http://127.0.0.1:$PORT as `npm start` reads PORT, 3000 unset) it asks the
 * stack, which holds the bank simulator; with TABLE_NAME set it runs against AWS.
 */
import type { ReconcileReport } from '../functions/domain/reconcile';

async function main() {
  let report: ReconcileReport;
  if (process.env.TABLE_NAME && !process.env.ANSHIN_URL) {
    const { reconcileAll } = await import('../functions/adapters/reconcile-source');
    report = await reconcileAll();
  } else {
    const url = process.env.ANSHIN_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const res = await fetch(`${url}/local/reconcile`).catch(() => undefined);
    if (!res?.ok) throw new Error(`no local stack answered at ${url} (start it with npm start, or set ANSHIN_URL)`);
    report = (await res.json()) as ReconcileReport;
  }
  console.log(`bank debits ${report.bankDebits}, reversals ${report.bankReversals}, refunds ${report.bankCredits}; ledger credits ${report.ledgerCredits}; in flight ${report.inFlight.length}`);
  for (const key of report.inFlight) console.log(`  in flight  ${key}`);
  if (report.differences.length === 0) {
    console.log('reconciled: no differences');
    return;
  }
  console.log(`${report.differences.length} difference(s):`);
  for (const d of report.differences) console.log(`  ${d.kind.padEnd(26)} ${d.key}  ${d.detail}`);
  process.exitCode = 1;
}

main().catch((e: Error) => {
  console.error(`reconcile failed: ${e.message}`);
  process.exitCode = 2;
});
