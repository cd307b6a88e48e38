/**
 * Double-entry postings. Every journal entry's postings sum to zero; wallet
 * accounts are liabilities (credit = money owed to the user), clearing and loss
 * accounts are the operator's side. Amounts are integer yen.
 */
export type AccountId = `wallet:${string}` | `bank-clearing:${string}` | 'operator-loss';

export interface Posting {
  account: AccountId;
  /** Positive: credit to the account; negative: debit. */
  amount: number;
}

export type EntryType = 'CHARGE' | 'CLAWBACK' | 'COMPENSATION';

export interface JournalEntry {
  entryId: string;
  type: EntryType;
  postings: Posting[];
}

export const walletAccount = (userId: string): AccountId => `wallet:${userId}`;
export const clearingAccount = (bankCode: string): AccountId => `bank-clearing:${bankCode}`;

/** Money debited at the bank arrives in the wallet. */
export function chargePostings(userId: string, bankCode: string, amount: number): Posting[] {
  assertYen(amount);
  return [
    { account: clearingAccount(bankCode), amount: -amount },
    { account: walletAccount(userId), amount },
  ];
}

/**
 * A victim is paid back in full: what the wallet still holds is clawed back, the
 * rest is the operator's loss; the total leaves through the bank's clearing account.
 */
export function compensationPostings(userId: string, bankCode: string, refund: number, walletBalance: number): { clawback: number; loss: number; postings: Posting[] } {
  assertYen(refund);
  const clawback = Math.min(refund, Math.max(0, walletBalance));
  const loss = refund - clawback;
  const postings: Posting[] = [{ account: clearingAccount(bankCode), amount: refund }];
  if (clawback > 0) postings.push({ account: walletAccount(userId), amount: -clawback });
  if (loss > 0) postings.push({ account: 'operator-loss', amount: -loss });
  return { clawback, loss, postings };
}

export function isBalanced(postings: Posting[]): boolean {
  return postings.reduce((s, p) => s + p.amount, 0) === 0;
}

/** Applies postings to balances; throws if a wallet would go negative or over its cap. */
export function applyPostings(balances: Map<AccountId, number>, postings: Posting[], walletCap: number): Map<AccountId, number> {
  if (!isBalanced(postings)) throw new Error('unbalanced entry');
  const next = new Map(balances);
  for (const p of postings) next.set(p.account, (next.get(p.account) ?? 0) + p.amount);
  for (const [account, balance] of next) {
    if (account.startsWith('wallet:') && (balance < 0 || balance > walletCap)) throw new Error(`${account} would be ${balance}`);
  }
  return next;
}

function assertYen(amount: number) {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error(`not a positive integer yen amount: ${amount}`);
}

/** A journal entry as the wallet's statement reads it (newest first). */
export interface WalletEntry {
  entryId: string;
  entryType: EntryType;
  postings: Posting[];
  amount: number;
  balanceAfter: number;
  chargeId?: string;
  /** The bank the money moved at (a charge's, a compensation's). */
  bankCode?: string;
  /** A compensation: its claim and the key of its refund at the bank. */
  claimId?: string;
  refundKey?: string;
  createdAt: string;
}
