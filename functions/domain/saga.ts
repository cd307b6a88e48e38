import type { GuardReason } from './charge';

/**
 * Errors a charge's saga step throws on purpose. Step Functions matches Retry and Catch
 * on the error's name; names the definition does not list (CreditRejected, ChargeClosed
 * after a debit) fall to the catch-all, which reverses the debit.
 */
export const WORKFLOW_ERRORS = {
  bankUnavailable: 'BankUnavailable',
  bankDeclined: 'BankDeclined',
  creditRejected: 'CreditRejected',
  ledgerBusy: 'LedgerBusy',
  chargeClosed: 'ChargeClosed',
  /** A control (freeze, switch-off, unlink) failed at the credit, after the debit: the compensation cancels and reverses. */
  stopped: 'ChargeStopped',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
  expired: 'Expired',
} as const;

export type WorkflowErrorName = (typeof WORKFLOW_ERRORS)[keyof typeof WORKFLOW_ERRORS];

export class WorkflowError extends Error {
  constructor(name: WorkflowErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

/** Where a saga error was caught: inside the API call (ALLOW), or by the workflow's catch table (which already retried). */
export type SagaPath = 'request' | 'workflow';

export type SagaEnding =
  /** The bank refused the debit: nothing moved, the charge fails. */
  | { end: 'FAIL'; status: 'FAILED'; reason: string; actor: string }
  /** Money may have left the bank: the charge ends, then the debit is reversed (or voided). */
  | { end: 'REVERSE'; status: 'FAILED' | 'CANCELLED'; reason: string; actor: string; guard?: GuardReason }
  /** The charge moved on without this step (another execution, a control): nothing to do. */
  | { end: 'CLOSED' }
  /** The bank's answer is unknown: the workflow retries with back-off and reverses if it must. */
  | { end: 'RETRY' };

const isGuard = (s: string | undefined): s is GuardReason => s === 'WALLET_FROZEN' || s === 'LINK_NOT_ACTIVE' || s === 'BANK_SUSPENDED';

/**
 * How a saga error ends a charge: the one table the in-request path and the workflow's tasks
 * both follow (the workflow definition routes the same names: BankDeclined to FailCharge,
 * ChargeClosed to Ended, anything else after a debit to ReverseDebit).
 *
 * The reason recorded on the charge: inside the API call, the contract's reason code (the one its
 * answer carries); in the workflow, the name of the error it caught, as its audit trail has always shown.
 */
export function sagaEnding(error: { name?: string; message?: string }, path: SagaPath): SagaEnding {
  const name = error.name;
  if (name === WORKFLOW_ERRORS.chargeClosed && path === 'request') return { end: 'CLOSED' };
  if (name === WORKFLOW_ERRORS.stopped) {
    const guard = isGuard(error.message) ? error.message : undefined;
    return { end: 'REVERSE', status: 'CANCELLED', reason: error.message || 'CONTROL_FAILED', actor: 'system:charge-guard', ...(guard ? { guard } : {}) };
  }
  if (path === 'workflow') return { end: 'REVERSE', status: 'FAILED', reason: name ?? 'SAGA_COMPENSATION', actor: 'system:charge-saga' };
  if (name === WORKFLOW_ERRORS.bankDeclined) return { end: 'FAIL', status: 'FAILED', reason: 'BANK_DECLINED', actor: 'system:charge-saga' };
  if (name === WORKFLOW_ERRORS.creditRejected) return { end: 'REVERSE', status: 'FAILED', reason: 'BALANCE_CAP', actor: 'system:charge-saga' };
  return { end: 'RETRY' };
}
