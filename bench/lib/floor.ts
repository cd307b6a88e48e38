import { randomUUID } from 'node:crypto';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as linkStats from '../../functions/domain/link-stats';
import { deviceHash } from '../../functions/domain/user';

/**
 * The floor: the DynamoDB calls one low-risk charge makes, and nothing else (no HTTP,
 * no gateway, no middy, no risk engine, no bank). They are issued through the product's
 * own repository functions, so the items, conditions, consistency flags and SDK client
 * settings are exactly those of functions/http/charges.ts `create()` + `executeNow()`
 * and functions/workflow/charge-steps.ts `credit()`, in the same order and with the same
 * parallelism:
 *
 *   GetItem charge (consistent, absent)
 *   GetItem user ‖ GetItem wallet ‖ GetItem link (consistent)
 *     ‖ GetItem device (consistent) ‖ GetItem device across wallets
 *   GetItem bank (consistent) ‖ Query strikes of the account (consistent)
 *     ‖ 4 × GetItem list entry (device, phone, bank account, eKYC identity; absent) ‖ GetItem account across wallets
 *   (UpdateItem device across wallets, at most hourly per wallet and device: recordDeviceUse)
 *   GetItem activity (consistent)
 *   PutItem activity (conditional on its version)
 *   PutItem charge (conditional; open-charge index and id index)
 *   GetItem wallet
 *   TransactWriteItems wallet balance + journal entry + charge COMPLETED
 */
type Repos = {
  charges: typeof import('../../functions/adapters/charges-repo');
  users: typeof import('../../functions/adapters/users-repo');
  links: typeof import('../../functions/adapters/links-repo');
  banks: typeof import('../../functions/adapters/banks-repo');
  dynamo: typeof import('../../functions/adapters/dynamo');
  charge: typeof import('../../functions/domain/charge');
  ledger: typeof import('../../functions/domain/ledger');
  risk: typeof import('../../functions/domain/risk');
  policy: typeof import('../../functions/domain/policy');
  lists: typeof import('../../functions/adapters/lists-repo');
};

let repos: Repos | undefined;

export interface ReadWriteUnits {
  reads: number;
  readRequests: number;
  writes: number;
  writeRequests: number;
  byCommand: Record<string, { requests: number; units: number }>;
}

const units: ReadWriteUnits = { reads: 0, readRequests: 0, writes: 0, writeRequests: 0, byCommand: {} };
let recording = false;

/** Points the product's DynamoDB client in this process at the stack's DynamoDB Local. */
export async function initFloor(dynamoDbUrl: string): Promise<void> {
  Object.assign(process.env, {
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
    TABLE_NAME: process.env.ANSHIN_TABLE_NAME ?? 'anshin-local',
    USER_POOL_ID: 'unused-by-the-floor',
    USER_POOL_CLIENT_ID: 'unused-by-the-floor',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ANSHIN_CAPACITY: '1',
  });
  repos = {
    charges: await import('../../functions/adapters/charges-repo'),
    users: await import('../../functions/adapters/users-repo'),
    links: await import('../../functions/adapters/links-repo'),
    banks: await import('../../functions/adapters/banks-repo'),
    dynamo: await import('../../functions/adapters/dynamo'),
    charge: await import('../../functions/domain/charge'),
    ledger: await import('../../functions/domain/ledger'),
    risk: await import('../../functions/domain/risk'),
    policy: await import('../../functions/domain/policy'),
    lists: await import('../../functions/adapters/lists-repo'),
  };
  // Asks every call for the capacity it consumed while `recording` is on (a separate, untimed pass).
  repos.dynamo.ddb().middlewareStack.add(
    (next, context) => async (args) => {
      if (!recording) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const sum = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
      const name = context.commandName ?? 'unknown';
      const isRead = /^(Get|Query|Scan|BatchGet|TransactGet)/.test(name);
      if (isRead) {
        units.reads += sum;
        units.readRequests += 1;
      } else {
        units.writes += sum;
        units.writeRequests += 1;
      }
      const c = (units.byCommand[name] ??= { requests: 0, units: 0 });
      c.requests += 1;
      c.units += sum;
      return out;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
}

export function recordCapacity(on: boolean): ReadWriteUnits {
  recording = on;
  return JSON.parse(JSON.stringify(units)) as ReadWriteUnits;
}

/**
 * Copies of the benchmark's wallets (profile, wallet, link, trusted device, activity
 * window) under new user ids, so the floor's writes never enter the API wallets'
 * velocity windows while the two alternate.
 */
export async function cloneWallets(wallets: FloorWallet[]): Promise<FloorWallet[]> {
  if (!repos) throw new Error('initFloor first');
  const client = repos.dynamo.ddb();
  const tableName = process.env.TABLE_NAME!;
  const keep = (sk: string) => sk === 'PROFILE' || sk === 'WALLET' || sk === 'ACTIVITY' || sk.startsWith('LINK#') || sk.startsWith('DEVICE#');
  const clones: FloorWallet[] = [];
  for (const w of wallets) {
    const userId = randomUUID();
    // A device of its own too: the API wallet's device seen on a second wallet would send its charges to review (DEVICE_SHARED).
    const deviceId = `${w.deviceId}-floor`;
    const hash = deviceHash(deviceId);
    const out = await client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `USER#${w.userId}` } }));
    for (const item of (out.Items ?? []).filter((i) => keep(i.sk as string))) {
      const device = (item.sk as string).startsWith('DEVICE#') ? { sk: `DEVICE#${hash}`, ...('gsi1pk' in item ? { gsi1pk: `DEVICE#${hash}`, gsi1sk: userId } : {}) } : {};
      await client.send(new PutCommand({ TableName: tableName, Item: { ...item, pk: `USER#${userId}`, ...('userId' in item ? { userId } : {}), ...device } }));
    }
    clones.push({ ...w, userId, deviceId });
  }
  return clones;
}

export interface FloorWallet {
  userId: string;
  linkId: string;
  deviceId: string;
}

const DAY = 86_400_000;

/** The stored answer of a completed charge, as functions/workflow/charge-steps.ts `completedResponse` builds it. */
const completedResponse = (chargeId: string) => (balance: number) => ({ status: 201, body: { chargeId, status: 'COMPLETED', balance } });

/** One low-risk charge's DynamoDB calls, against real wallet, link and activity items. */
export async function floorCharge(w: FloorWallet, amount: number, now: number): Promise<void> {
  if (!repos) throw new Error('initFloor first');
  const { charges, users, links, banks, charge: c, ledger, risk, policy, lists } = repos;
  const chargeId = c.chargeIdFor(w.userId, randomUUID());
  const hash = c.requestHash({ linkId: w.linkId, amount });
  // The same two parallel read rounds as create() in functions/http/charges.ts.
  const [existing, user, firstWallet, link, device, firstActivity] = await Promise.all([
    charges.getCharge(w.userId, chargeId), users.requireUser(w.userId), users.getWallet(w.userId), links.getLink(w.userId, w.linkId),
    users.getDeviceFacts(w.userId, w.deviceId), charges.getActivity(w.userId),
  ]);
  if (existing) throw new Error('charge id collision');
  if (!link) throw new Error(`link ${w.linkId} missing`);
  await Promise.all([
    banks.getBank(link.bankCode),
    links.strikesSince(`ACCOUNT#${link.accountHash}`, now - policy.RISK_POLICY.review.accountFailedLinksDays * DAY),
    lists.listHits({ deviceId: w.deviceId, phoneNumber: user.phoneNumber, accountHash: link.accountHash, identity: user.identity }, now),
    links.accountLastActiveElsewhere(link.accountHash, w.userId),
  ]);
  // As in create(): write the window back conditionally, reading it again if another charge won.
  let saved = false;
  for (let attempt = 0; attempt < 6 && !saved; attempt++) {
    const activity = attempt === 0 ? firstActivity : await charges.getActivity(w.userId);
    const today = risk.jstDay(now);
    const recent = c.pruneRecent(activity.recent, now, today);
    saved = await charges.saveActivity(w.userId, activity, {
      recent: [...recent, { chargeId, at: now, amount, day: today, linkId: w.linkId }], waiting: activity.waiting, held: activity.held,
      links: { ...activity.links, [w.linkId]: linkStats.addCharge(activity.links[w.linkId] ?? linkStats.emptyStats(), now, amount) },
    });
  }
  if (!saved) throw new Error('activity kept changing');
  await users.recordDeviceUse(w.userId, w.deviceId, device, now, device.firstSeenAt === undefined || device.firstSeenAt > Date.parse(user.createdAt) ? amount : 0);
  const at = new Date(now).toISOString();
  const record = {
    chargeId, userId: w.userId, linkId: w.linkId, bankCode: link.bankCode, accountRef: link.accountRef, amount,
    decision: { outcome: 'ALLOW' as const, reasons: [] }, requestHash: hash, deviceHash: deviceHash(w.deviceId), createdAt: at, updatedAt: at,
    status: 'PROCESSING' as const, history: [{ at, actor: 'system:risk', reason: 'LOW_RISK', status: 'PROCESSING' as const }],
  };
  // As in create(): a plain write, then the controls read strongly consistent before the debit.
  if ((await charges.createCharge(record, false)) !== 'CREATED') throw new Error('charge exists');
  const stopped = await charges.checkControls(record);
  if (stopped) throw new Error(`controls: ${stopped}`);
  // As in credit(): the balance read at the start is tried first; a concurrent change costs one read and a retry.
  let balance = firstWallet!.balance;
  const entry = { entryId: `ent_${chargeId.slice(4)}`, type: 'CHARGE' as const, postings: ledger.chargePostings(w.userId, link.bankCode, amount) };
  for (let attempt = 0; ; attempt++) {
    const result = await charges.creditWallet({ ...record, bankTransactionId: `btx_${randomUUID()}` }, entry, now, completedResponse(chargeId), balance);
    if (result === 'CREDITED') return;
    if (result !== 'STALE' || attempt >= 12) throw new Error(`credit ${result}`);
    balance = (await users.getWallet(w.userId))!.balance;
  }
}
