/**
 * The composition root of storage: every use case reaches the table through `stores()`,
 * never by importing a DynamoDB module. The cloud (and the local stack) get the DynamoDB
 * implementations; the service tests install the in-memory ones with `useStores`.
 *
 * Each entry's type is its port. Until an area declares its port as an interface
 * (functions/store/<area>.ts, in domain verbs), the entry is typed by its DynamoDB module.
 */
export interface Stores {
  users: import('./users').UserStore;
  codes: import('./codes').CodeStore;
  ekyc: import('./ekyc').EkycStore;
  smsLimits: import('./sms-limits').SmsLimitStore;
  links: import('./links').LinkStore;
  banks: import('./banks').BankStore;
  charges: typeof import('../adapters/charges-repo');
  lists: import('./lists').ListStore;
  claims: import('./claims').ClaimStore;
  staff: import('./staff').StaffStore;
  audit: import('./audit').AuditStore;
  reviews: import('./reviews').ReviewStore;
  rules: import('./rules').RulesStore;
}

type Factories = { [K in keyof Stores]: () => Stores[K] };

/* Required on first use: a function loads only the DynamoDB modules it calls. */
const dynamo: Factories = {
  users: () => (require('../adapters/users-repo') as typeof import('../adapters/users-repo')).dynamoUsers,
  codes: () => (require('../adapters/codes-repo') as typeof import('../adapters/codes-repo')).dynamoCodes,
  ekyc: () => (require('../adapters/ekyc-repo') as typeof import('../adapters/ekyc-repo')).dynamoEkyc,
  smsLimits: () => (require('../adapters/sms-limits') as typeof import('../adapters/sms-limits')).dynamoSmsLimits,
  links: () => (require('../adapters/links-repo') as typeof import('../adapters/links-repo')).dynamoLinks,
  banks: () => (require('../adapters/banks-repo') as typeof import('../adapters/banks-repo')).dynamoBanks,
  charges: () => require('../adapters/charges-repo'),
  lists: () => (require('../adapters/lists-repo') as typeof import('../adapters/lists-repo')).listStore,
  claims: () => (require('../adapters/claims-repo') as typeof import('../adapters/claims-repo')).claimStore,
  staff: () => (require('../adapters/staff-repo') as typeof import('../adapters/staff-repo')).staffStore,
  audit: () => (require('../adapters/audit') as typeof import('../adapters/audit')).auditStore,
  reviews: () => (require('../adapters/reviews-repo') as typeof import('../adapters/reviews-repo')).reviewsRepo,
  rules: () => (require('../adapters/rules-repo') as typeof import('../adapters/rules-repo')).rulesRepo,
};

/* On globalThis, like the ports: the deployed bundles the local stack runs each carry a copy of this module. */
const INSTALLED = Symbol.for('anshin.stores');
const slot = globalThis as { [INSTALLED]?: Partial<Stores> };
const built: Partial<Stores> = {};

/** The service tests install in-memory stores here (all of them, or some over the DynamoDB ones). */
export function useStores(overrides: Partial<Stores> | undefined): void {
  slot[INSTALLED] = overrides ? { ...slot[INSTALLED], ...overrides } : undefined;
  for (const k of Object.keys(built) as (keyof Stores)[]) delete built[k];
}

const view = {} as Stores;
for (const name of Object.keys(dynamo) as (keyof Stores)[]) {
  Object.defineProperty(view, name, { enumerable: true, get: () => (built[name] ??= (slot[INSTALLED]?.[name] ?? dynamo[name]()) as never) });
}

/** The stores of this process: installed ones, else DynamoDB. */
export function stores(): Stores {
  return view;
}
