/**
 * Reconciliation: the bank's record of our moves against our ledger. Pure: the
 * caller loads both sides. Every bank debit must match exactly one ledger credit
 * or be reversed; every ledger credit must match a bank debit; every wallet's
 * balance must equal the sum of its postings.
 */
export interface BankMoveRecord {
  bankCode: string;
  kind: 'DEBIT' | 'CREDIT' | 'REVERSAL';
  idempotencyKey: string;
  amount: number;
}

export interface LedgerEntryRecord {
  entryId: string;
  entryType: 'CHARGE' | 'CLAWBACK' | 'COMPENSATION';
  chargeId?: string;
  /** For compensation: the idempotency key of the bank refund it records. */
  refundKey?: string;
  amount: number;
  postings: { account: string; amount: number }[];
}

export interface WalletRecordLite {
  userId: string;
  balance: number;
}

export interface Difference {
  kind: 'DEBIT_NOT_CREDITED' | 'CREDIT_WITHOUT_DEBIT' | 'AMOUNT_MISMATCH' | 'DUPLICATE_CREDIT' | 'REFUND_NOT_RECORDED' | 'REFUND_WITHOUT_BANK_CREDIT' | 'BALANCE_MISMATCH' | 'UNBALANCED_ENTRY';
  key: string;
  detail: string;
}

export interface ReconcileReport {
  bankDebits: number;
  bankReversals: number;
  bankCredits: number;
  ledgerCredits: number;
  /** Debits whose charge is still moving (not yet a difference). */
  inFlight: string[];
  differences: Difference[];
}

export function reconcile(bank: BankMoveRecord[], ledger: LedgerEntryRecord[], wallets: WalletRecordLite[], inFlightCharges: Set<string>): ReconcileReport {
  const differences: Difference[] = [];
  const debits = new Map(bank.filter((m) => m.kind === 'DEBIT').map((m) => [m.idempotencyKey, m]));
  const reversed = new Set(bank.filter((m) => m.kind === 'REVERSAL').map((m) => m.idempotencyKey.replace(/^reversal:/, '')));
  const bankCredits = new Map(bank.filter((m) => m.kind === 'CREDIT').map((m) => [m.idempotencyKey, m]));

  const credits = new Map<string, LedgerEntryRecord>();
  for (const e of ledger) {
    if (e.postings.reduce((s, p) => s + p.amount, 0) !== 0) differences.push({ kind: 'UNBALANCED_ENTRY', key: e.entryId, detail: 'postings do not sum to zero' });
    if (e.entryType !== 'CHARGE' || !e.chargeId) continue;
    if (credits.has(e.chargeId)) differences.push({ kind: 'DUPLICATE_CREDIT', key: e.chargeId, detail: `${e.entryId} and ${credits.get(e.chargeId)!.entryId}` });
    credits.set(e.chargeId, e);
  }

  const inFlight: string[] = [];
  for (const [key, debit] of debits) {
    const credit = credits.get(key);
    if (reversed.has(key)) {
      if (credit) differences.push({ kind: 'CREDIT_WITHOUT_DEBIT', key, detail: 'the debit was reversed but the wallet was credited' });
      continue;
    }
    if (!credit) {
      if (inFlightCharges.has(key)) inFlight.push(key);
      else differences.push({ kind: 'DEBIT_NOT_CREDITED', key, detail: `bank ${debit.bankCode} debited ${debit.amount} yen; no ledger credit, no reversal` });
    } else if (credit.amount !== debit.amount) {
      differences.push({ kind: 'AMOUNT_MISMATCH', key, detail: `bank ${debit.amount}, ledger ${credit.amount}` });
    }
  }
  for (const [key, credit] of credits) {
    if (!debits.has(key)) differences.push({ kind: 'CREDIT_WITHOUT_DEBIT', key, detail: `ledger credited ${credit.amount} yen with no bank debit` });
  }

  const refunds = new Map(ledger.filter((e) => e.entryType === 'COMPENSATION' && e.refundKey).map((e) => [e.refundKey!, e]));
  for (const [key, move] of bankCredits) {
    const entry = refunds.get(key);
    if (!entry) differences.push({ kind: 'REFUND_NOT_RECORDED', key, detail: `bank ${move.bankCode} credited ${move.amount} yen with no ledger entry` });
    else if (entry.amount !== move.amount) differences.push({ kind: 'AMOUNT_MISMATCH', key, detail: `refund: bank ${move.amount}, ledger ${entry.amount}` });
  }
  for (const [key, entry] of refunds) {
    if (!bankCredits.has(key)) differences.push({ kind: 'REFUND_WITHOUT_BANK_CREDIT', key, detail: `ledger records a ${entry.amount} yen refund the bank never made` });
  }

  const byWallet = new Map<string, number>();
  for (const e of ledger) for (const p of e.postings) if (p.account.startsWith('wallet:')) byWallet.set(p.account.slice(7), (byWallet.get(p.account.slice(7)) ?? 0) + p.amount);
  for (const w of wallets) {
    const sum = byWallet.get(w.userId) ?? 0;
    if (sum !== w.balance) differences.push({ kind: 'BALANCE_MISMATCH', key: w.userId, detail: `balance ${w.balance}, postings sum ${sum}` });
  }

  return { bankDebits: debits.size, bankReversals: reversed.size, bankCredits: bankCredits.size, ledgerCredits: credits.size, inFlight, differences };
}
