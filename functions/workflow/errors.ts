/**
 * Errors a workflow task throws on purpose. Step Functions matches Retry and Catch
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
