/**
 * Every Lambda function: its entry file and exactly what it may touch. The CDK
 * stack grants from this list; nothing else decides a function's permissions.
 */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:ConditionCheckItem';

/** `bank` is HTTPS to the bank gateway: no IAM, but the function gets BANK_GATEWAY_URL. */
export type Capability = 'cognitoAdmin' | 'cognitoAuth' | 'sms' | 'secrets' | 'bank' | 'startWorkflow' | 'resumeWorkflow' | 'alerts';

export interface FunctionSpec {
  entry: string;
  description: string;
  table: TableAction[];
  capabilities: Capability[];
  memoryMb?: number;
  timeoutSeconds?: number;
  /** Reserved concurrency: a ceiling, and a floor no other function can take. Unset: the account's pool. */
  reservedConcurrency?: number;
}

const RW: TableAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'];

export const FUNCTIONS = {
  meta: { entry: 'functions/http/meta.ts', description: 'Health and the OpenAPI document', table: [], capabilities: [] },
  // Not behind a route: the staff pool's pre-token-generation trigger (the e-mail into the access token).
  staffToken: { entry: 'functions/triggers/staff-token.ts', description: "Staff pool trigger: the staff member's e-mail into the access token", table: [], capabilities: [] },
  identity: {
    entry: 'functions/http/identity.ts',
    description: 'Registration and sign-in',
    table: [...RW, 'dynamodb:DeleteItem'],
    capabilities: ['cognitoAdmin', 'cognitoAuth', 'sms', 'secrets'],
  },
  profile: {
    entry: 'functions/http/profile.ts',
    description: 'The user profile, phone verification and eKYC start',
    // DeleteItem: phone verification spends the code with a Delete inside its transaction.
    table: [...RW, 'dynamodb:DeleteItem'],
    capabilities: ['sms', 'secrets'],
  },
  ekycWebhook: {
    entry: 'functions/http/ekyc-webhook.ts',
    description: 'Signed callbacks from the eKYC provider',
    table: RW,
    capabilities: ['secrets'],
  },
  bankLinks: {
    entry: 'functions/http/bank-links.ts',
    description: 'Bank links: bank authorization, holder match, SMS confirmation, abuse controls',
    table: [...RW, 'dynamodb:Query', 'dynamodb:DeleteItem'],
    // resumeWorkflow: a link removal or a link-abuse freeze ends the waits of the charges it cancels.
    capabilities: ['sms', 'secrets', 'bank', 'resumeWorkflow'],
  },
  charges: {
    entry: 'functions/http/charges.ts',
    description: 'Charges, their confirmation, the wallet and its ledger',
    table: [...RW, 'dynamodb:Query'],
    capabilities: ['sms', 'secrets', 'bank', 'startWorkflow', 'resumeWorkflow'],
    timeoutSeconds: 15,
  },
  reviews: {
    entry: 'functions/http/reviews.ts',
    description: 'The human review queue and decisions',
    table: [...RW, 'dynamodb:Query'],
    // secrets: each case's list references are sealed with a key derived from the service secret.
    capabilities: ['secrets', 'resumeWorkflow'],
  },
  chargeWorkflow: {
    entry: 'functions/workflow/tasks.ts',
    description: 'Task handler of the charge workflow: callbacks, bank debit, ledger credit, reversal',
    table: [...RW, 'dynamodb:Query'],
    capabilities: ['bank', 'secrets', 'resumeWorkflow'],
    timeoutSeconds: 30,
  },
  sweeper: {
    entry: 'functions/workflow/sweeper.ts',
    description: 'Every minute: expires or resumes charges whose workflow stopped or never started',
    table: [...RW, 'dynamodb:Query'],
    capabilities: ['startWorkflow', 'resumeWorkflow'],
    timeoutSeconds: 60,
    // One sweep at a time: two overlapping sweeps would race for the same stuck charges.
    reservedConcurrency: 1,
  },
  ops: {
    entry: 'functions/http/ops.ts',
    description: 'Operations: users, banks, compensation, lists, rules and their backtest, audit',
    table: [...RW, 'dynamodb:Query', 'dynamodb:DeleteItem'],
    capabilities: ['bank', 'secrets', 'resumeWorkflow', 'alerts'],
    timeoutSeconds: 30,
  },
  bankWebhook: {
    entry: 'functions/http/bank-webhook.ts',
    description: 'Signed events from the banks: compromised accounts, holders blocking wallet links',
    table: [...RW, 'dynamodb:Query'],
    capabilities: ['secrets', 'resumeWorkflow', 'alerts'],
    timeoutSeconds: 30,
  },
  reports: {
    entry: 'functions/http/reports.ts',
    description: 'Not-me reports from bank account holders',
    table: [...RW, 'dynamodb:Query'],
    capabilities: ['secrets', 'resumeWorkflow', 'alerts'],
    timeoutSeconds: 30,
  },
} satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;
