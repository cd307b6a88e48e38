/**
 * The charges store's contract at the two steps of a low-risk charge that hold its controls: the
 * controls read before the debit (`checkControls`) and the ledger credit. Run against both
 * implementations, the DynamoDB one on a DynamoDB Local of its own and the in-memory one the service
 * tests use: the same verbs in the same order must give the same answers and leave the same balance.
 *
 * On DynamoDB the credit holds the wallet and the link as conditions of its own balance update (the
 * wallet item mirrors the wallet's status and its ACTIVE links, written with every freeze, unfreeze
 * and link move) and reads the wallet's copy of the bank switch; these tests are what says the
 * mirror follows every move the memory store sees directly. (No local stack needed:
 * `ANSHIN_URL=http://unused npx jest test/integration/charge-store-contract.test.ts --selectProjects integration`.)
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LinkRecord } from '../../functions/domain/bank-link';
import type { ChargeRecord } from '../../functions/domain/charge';
import type { UserRecord } from '../../functions/domain/user';
import type { BankStore } from '../../functions/store/banks';
import type { ChargesStore } from '../../functions/store/charges';
import type { LinkStore } from '../../functions/store/links';
import type { UserStore } from '../../functions/store/users';
import { auditEntry, ownDynamo, serial, T0, uid } from '../support/own-dynamo';

jest.setTimeout(120_000);

const TABLE = 'anshin-charge-contract';
let own: Awaited<ReturnType<typeof ownDynamo>>;

interface Impl {
  users: UserStore;
  links: LinkStore;
  banks: BankStore;
  charges: ChargesStore;
}
const impls: Record<'dynamo' | 'memory', Impl> = {} as never;

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  impls.dynamo = {
    users: (await import('../../functions/adapters/users-repo')).dynamoUsers,
    links: (await import('../../functions/adapters/links-repo')).dynamoLinks,
    banks: (await import('../../functions/adapters/banks-repo')).dynamoBanks,
    charges: (await import('../../functions/adapters/charges-repo')).chargesStore,
  };
  const { MemoryWorld } = await import('../../functions/store/memory-world');
  const world = new MemoryWorld();
  impls.memory = {
    users: (await import('../../functions/store/users.memory')).memoryUsers(world),
    links: (await import('../../functions/store/links.memory')).memoryLinks(world),
    banks: (await import('../../functions/store/banks.memory')).memoryBanks(world),
    charges: (await import('../../functions/store/charges.memory')).memoryChargesStore(world),
  };
});

afterAll(async () => {
  await own.stop();
});

const audit = (userId: string, action: string) => auditEntry(userId, action);
const code = { hash: 'h', expiresAt: T0 + 300_000, attempts: 0, sentAt: T0, sendsInWindow: 1, windowStart: T0 };

/** A wallet (made by the users store, as sign-up makes it), one ACTIVE link, its bank charging. */
async function wallet(impl: Impl, bankCode: string) {
  const userId = uid('u');
  const email = `${userId}@example.jp`;
  await impl.users.reserveEmail(email, 'r', T0);
  const user: UserRecord = {
    userId, email, phoneNumber: '+819012345678', phoneVerified: true, kycStatus: 'VERIFIED', status: 'ACTIVE', createdAt: new Date(T0).toISOString(), termsVersion: '2026-04',
  };
  await impl.users.createUser(user, code, audit(userId, 'USER_REGISTERED'), 'r');
  await impl.banks.seedBank({ bankCode, name: 'Bank', linkingEnabled: true, chargingEnabled: true, updatedAt: new Date(T0).toISOString(), updatedBy: 'test' });
  const at = new Date(T0).toISOString();
  const pending: LinkRecord = {
    linkId: uid('lnk'), userId, bankCode, branchCode: '001', accountMasked: '****123', accountHash: uid('acct'), status: 'PENDING_CONFIRMATION', bankRequestId: uid('req'),
    createdAt: at, updatedAt: at, accountRef: 'ref',
  };
  await impl.links.createLink(pending, audit(userId, 'LINK_STARTED'));
  expect(await impl.links.moveLink(pending, 'ACTIVE', T0, audit(userId, 'LINK_ACTIVATED'))).toBe(true);
  return { userId, link: (await impl.links.getLink(userId, pending.linkId))!, bankCode };
}

/** The functions as a deploy configures them: one environment variable, read afresh. */
async function deployedWith(variable: 'ACTIVITY_ITEM_FORMAT' | 'CONTROLS_MIRROR', value: string) {
  process.env[variable] = value;
  (await import('../../functions/shared/config')).resetConfigForTests();
}

let charges = 0;
/** A charge the API just created for the low-risk path (PROCESSING, written without ConditionChecks). */
async function processing(impl: Impl, w: { userId: string; link: LinkRecord; bankCode: string }, amount = 1_000): Promise<ChargeRecord> {
  const at = new Date(T0 + ++charges).toISOString();
  const charge: ChargeRecord = {
    chargeId: `chg_${(charges * 7919).toString(16).padStart(8, '0')}${uid('x').replace(/[^0-9a-z]/g, '')}`, userId: w.userId, linkId: w.link.linkId, bankCode: w.bankCode,
    accountRef: 'ref', amount, status: 'PROCESSING', decision: { outcome: 'ALLOW', reasons: [] }, requestHash: 'rh', createdAt: at, updatedAt: at,
    history: [{ at, status: 'PROCESSING', actor: 'system:risk' }],
  };
  expect(await impl.charges.createCharge(charge, false)).toBe('CREATED');
  return charge;
}

const entry = (c: ChargeRecord) => ({ entryId: `ent_${c.chargeId.slice(4)}`, type: 'CHARGE' as const, postings: [] });
const response = (c: ChargeRecord) => (balance: number) => ({ status: 201, body: { chargeId: c.chargeId, status: 'COMPLETED', balance } });

/** Credits the charge at the wallet's current balance (as the use case does after reading it). */
async function credit(impl: Impl, c: ChargeRecord, at = T0 + 10_000) {
  const balance = (await impl.users.getWallet(c.userId))!.balance;
  return impl.charges.credit({ ...c, bankTransactionId: 'btx' }, entry(c), at, response(c), balance);
}

describe.each(['dynamo', 'memory'] as const)('the charges store on %s', (name) => {
  const impl = () => impls[name];

  it('credits a charge whose controls hold, once, and reports the controls as holding', async () => {
    const w = await wallet(impl(), '0101');
    const c = await processing(impl(), w);
    expect(await impl().charges.checkControls(c)).toBeUndefined();
    expect(await credit(impl(), c)).toBe('CREDITED');
    expect((await impl().users.getWallet(w.userId))!.balance).toBe(1_000);
    expect((await impl().charges.getCharge(w.userId, c.chargeId))!.status).toBe('COMPLETED');
    expect(await credit(impl(), { ...c })).toBe('ALREADY');
    expect(await impl().charges.credit({ ...c, bankTransactionId: 'btx' }, entry(c), T0 + 20_000, response(c), 999)).toBe('ALREADY');
    expect((await impl().users.getWallet(w.userId))!.balance).toBe(1_000);
  });

  it('refuses the credit of a frozen wallet (WALLET_FROZEN) and credits it again once unfrozen', async () => {
    const w = await wallet(impl(), '0102');
    const c = await processing(impl(), w);
    expect(await impl().users.freezeUser(w.userId, 'TEST', audit(w.userId, 'FROZEN'))).toBe(true);
    expect(await impl().charges.checkControls(c)).toBe('WALLET_FROZEN');
    expect(await credit(impl(), c)).toBe('WALLET_FROZEN');
    expect((await impl().users.getWallet(w.userId))!.balance).toBe(0);
    expect((await impl().charges.getCharge(w.userId, c.chargeId))!.status).toBe('PROCESSING');
    expect(await impl().users.unfreezeUser(w.userId, audit(w.userId, 'UNFROZEN'))).toBe(true);
    expect(await impl().charges.checkControls(c)).toBeUndefined();
    expect(await credit(impl(), c)).toBe('CREDITED');
  });

  it.each(['SUSPENDED', 'REMOVED'] as const)('refuses the credit on a link moved to %s (LINK_NOT_ACTIVE), and again after another link is activated', async (to) => {
    const w = await wallet(impl(), '0103');
    const c = await processing(impl(), w);
    expect(await impl().links.moveLink(w.link, to, T0 + 1, audit(w.userId, `LINK_${to}`))).toBe(true);
    expect(await impl().charges.checkControls(c)).toBe('LINK_NOT_ACTIVE');
    expect(await credit(impl(), c)).toBe('LINK_NOT_ACTIVE');
    // Another link of the wallet going ACTIVE does not bring this one back.
    const { linkId: _id, accountHash: _hash, status: _status, ...fields } = w.link as LinkRecord & { pk?: string; sk?: string; gsi1pk?: string; gsi1sk?: string };
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...rest } = fields;
    const other: LinkRecord = { ...rest, linkId: uid('lnk2'), accountHash: uid('acct2'), status: 'PENDING_CONFIRMATION' };
    await impl().links.createLink(other, audit(w.userId, 'LINK_STARTED'));
    expect(await impl().links.moveLink(other, 'ACTIVE', T0 + 2, audit(w.userId, 'LINK_ACTIVATED'))).toBe(true);
    expect(await credit(impl(), c)).toBe('LINK_NOT_ACTIVE');
    expect(await credit(impl(), { ...(await processing(impl(), { ...w, link: { ...other, status: 'ACTIVE' } })) })).toBe('CREDITED');
    expect((await impl().users.getWallet(w.userId))!.balance).toBe(1_000);
  });

  it('a suspended link that is activated again is credited again', async () => {
    const w = await wallet(impl(), '0104');
    const c = await processing(impl(), w);
    expect(await impl().links.moveLink(w.link, 'SUSPENDED', T0 + 1, audit(w.userId, 'LINK_SUSPENDED'))).toBe(true);
    const suspended = (await impl().links.getLink(w.userId, w.link.linkId))!;
    expect(await impl().links.moveLink(suspended, 'ACTIVE', T0 + 2, audit(w.userId, 'LINK_ACTIVATED'))).toBe(true);
    expect(await credit(impl(), c)).toBe('CREDITED');
  });

  it('refuses the credit while the bank\'s charging is off (BANK_SUSPENDED), and credits it once it is back on', async () => {
    const w = await wallet(impl(), `09${(serial() % 100).toString().padStart(2, '0')}`);
    const c = await processing(impl(), w);
    const settings = (await impl().banks.getBank(w.bankCode))!;
    await impl().banks.saveBank({ ...settings, chargingEnabled: false }, audit('ops', 'BANK_UPDATED'));
    expect(await impl().charges.checkControls(c)).toBe('BANK_SUSPENDED');
    expect(await credit(impl(), c)).toBe('BANK_SUSPENDED');
    await impl().banks.saveBank({ ...settings, chargingEnabled: true }, audit('ops', 'BANK_UPDATED'));
    expect(await credit(impl(), c)).toBe('CREDITED');
  });

  it('a frozen wallet whose bank is also off answers WALLET_FROZEN (the controls in their order)', async () => {
    const w = await wallet(impl(), `07${(serial() % 100).toString().padStart(2, '0')}`);
    const c = await processing(impl(), w);
    expect(await impl().users.freezeUser(w.userId, 'TEST', audit(w.userId, 'FROZEN'))).toBe(true);
    const settings = (await impl().banks.getBank(w.bankCode))!;
    await impl().banks.saveBank({ ...settings, chargingEnabled: false }, audit('ops', 'BANK_UPDATED'));
    expect(await impl().charges.checkControls(c)).toBe('WALLET_FROZEN');
    expect(await credit(impl(), c)).toBe('WALLET_FROZEN');
    await impl().banks.saveBank({ ...settings, chargingEnabled: true }, audit('ops', 'BANK_UPDATED'));
  });

  it('answers STALE for a balance that moved, CAP past the cap, and the charge before a control', async () => {
    const w = await wallet(impl(), '0105');
    const c = await processing(impl(), w);
    expect(await impl().charges.credit({ ...c, bankTransactionId: 'btx' }, entry(c), T0 + 10_000, response(c), 5)).toBe('STALE');
    const big = await processing(impl(), w, 10_000_000);
    expect(await credit(impl(), big)).toBe('CAP');
    // A frozen wallet's stale balance is still STALE first (the caller re-reads, then sees the freeze).
    expect(await impl().users.freezeUser(w.userId, 'TEST', audit(w.userId, 'FROZEN'))).toBe(true);
    expect(await impl().charges.credit({ ...c, bankTransactionId: 'btx' }, entry(c), T0 + 10_000, response(c), 5)).toBe('STALE');
    expect(await credit(impl(), c)).toBe('WALLET_FROZEN');
    // A charge that moved on is STALE whatever the controls say.
    const ended = await impl().charges.finishUnsuccessfully(w.userId, c.chargeId, 'CANCELLED', T0 + 11_000, 'test', 'TEST');
    expect(ended.changed).toBe(true);
    expect(await credit(impl(), c)).toBe('STALE');
    expect((await impl().users.getWallet(w.userId))!.balance).toBe(0);
  });
});

describe('a wallet written before the controls mirror existed (DynamoDB)', () => {
  const legacy = async (w: { userId: string }) => {
    const { ddb } = await import('../../functions/adapters/dynamo');
    const { keys } = await import('../../functions/shared/table');
    await ddb().send(new UpdateCommand({ TableName: TABLE, Key: keys.wallet(w.userId), UpdateExpression: 'REMOVE walletStatus, controlsMirror, activeLinks' }));
    return (await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.wallet(w.userId), ConsistentRead: true }))).Item!;
  };

  it('is credited with the controls as ConditionChecks, and a freeze still stops it', async () => {
    const impl = impls.dynamo;
    const { logger } = await import('../../functions/shared/logger');
    const warn = jest.spyOn(logger, 'warn');
    const w = await wallet(impl, '0201');
    expect(Object.keys(await legacy(w))).not.toContain('walletStatus');
    const c = await processing(impl, w);
    expect(await credit(impl, c)).toBe('CREDITED');
    // Expected for a wallet that is not marked as mirrored: no warning.
    expect(warn.mock.calls.map(([m]) => m)).not.toContain('credit confirmed by the controls themselves');
    warn.mockRestore();
    const d = await processing(impl, w);
    expect(await impl.users.freezeUser(w.userId, 'TEST', audit(w.userId, 'FROZEN'))).toBe(true);
    expect(await credit(impl, d)).toBe('WALLET_FROZEN');
    expect(await impl.users.unfreezeUser(w.userId, audit(w.userId, 'UNFROZEN'))).toBe(true);
    // Unfrozen, its status is mirrored again but its links are not: still credited by ConditionChecks.
    expect(await credit(impl, d)).toBe('CREDITED');
    expect((await impl.users.getWallet(w.userId))!.balance).toBe(2_000);
  });
});

describe('races and a mirror out of date (DynamoDB)', () => {
  it('a bank switch-off that commits between the credit\'s reads and its write refuses the credit (the switch is a condition of the write)', async () => {
    const impl = impls.dynamo;
    const { ddb } = await import('../../functions/adapters/dynamo');
    const w = await wallet(impl, `08${(serial() % 100).toString().padStart(2, '0')}`);
    const c = await processing(impl, w);
    const settings = (await impl.banks.getBank(w.bankCode))!;
    const client = ddb() as unknown as { send: (cmd: unknown) => Promise<unknown> };
    const send = client.send.bind(client);
    let switched = false;
    client.send = async (cmd: unknown) => {
      if (!switched && cmd instanceof TransactWriteCommand && JSON.stringify(cmd.input).includes('COMPLETED')) {
        switched = true;
        await impl.banks.saveBank({ ...settings, chargingEnabled: false }, audit('ops', 'BANK_UPDATED'));
      }
      return send(cmd);
    };
    try {
      expect(await credit(impl, c)).toBe('BANK_SUSPENDED');
      expect(switched).toBe(true);
    } finally {
      delete (client as { send?: unknown }).send;
    }
    expect((await impl.users.getWallet(w.userId))!.balance).toBe(0);
  });

  it('a link the mirror does not list (activated by a writer that skipped it) is still credited: the mirror only lets through, the controls themselves refuse', async () => {
    const impl = impls.dynamo;
    const { ddb } = await import('../../functions/adapters/dynamo');
    const { keys } = await import('../../functions/shared/table');
    const w = await wallet(impl, '0602');
    await ddb().send(new UpdateCommand({ TableName: TABLE, Key: keys.wallet(w.userId), UpdateExpression: 'DELETE activeLinks :l', ExpressionAttributeValues: { ':l': new Set([w.link.linkId]) } }));
    const c = await processing(impl, w);
    expect(await impl.charges.checkControls(c)).toBeUndefined();
    const { logger } = await import('../../functions/shared/logger');
    const warn = jest.spyOn(logger, 'warn');
    expect(await credit(impl, c)).toBe('CREDITED');
    // A marked wallet whose copy is stale: ops hear of it.
    expect(warn.mock.calls.map(([m]) => m)).toContain('credit confirmed by the controls themselves');
    warn.mockRestore();
    expect((await impl.users.getWallet(w.userId))!.balance).toBe(1_000);
  });
});

describe('the activity item across the change to its compact form (DynamoDB)', () => {
  const raw = async (userId: string) => {
    const { ddb } = await import('../../functions/adapters/dynamo');
    const { keys } = await import('../../functions/shared/table');
    return (await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.activity(userId), ConsistentRead: true }))).Item!;
  };
  const writing = (format: 'maps' | 'compact') => deployedWith('ACTIVITY_ITEM_FORMAT', format);
  afterAll(() => writing('compact'));

  it('written as maps (the release that takes a live stack across) or compact, it reads the same, and each form reads the other', async () => {
    const { charges } = impls.dynamo;
    const w = await wallet(impls.dynamo, '0106');
    const reserve = async (c: ChargeRecord) => {
      const a = await charges.getActivity(w.userId);
      const at = Date.parse(c.createdAt);
      const { jstDay } = await import('../../functions/domain/risk');
      const { addCharge, emptyStats } = await import('../../functions/domain/link-stats');
      const next = {
        recent: [...a.recent, { chargeId: c.chargeId, at, amount: c.amount, day: jstDay(at), linkId: c.linkId }],
        waiting: a.waiting, held: a.held,
        links: { ...a.links, [c.linkId]: addCharge(a.links[c.linkId] ?? emptyStats(), at, c.amount) },
      };
      expect(await charges.saveActivity(w.userId, a, next)).toBe(true);
    };

    await writing('maps');
    const first = await processing(impls.dynamo, w, 2_000);
    await reserve(first);
    expect(await credit(impls.dynamo, first)).toBe('CREDITED');
    const asMaps = await raw(w.userId);
    // What the releases before the compact form read: entries with their day, days as maps, the debit's record as a map.
    expect(asMaps.recent).toEqual([expect.objectContaining({ chargeId: first.chargeId, amount: 2_000, day: expect.any(String) })]);
    expect(asMaps.links[w.link.linkId].days).toEqual(expect.any(Object));
    expect(asMaps[`debit:${first.chargeId}`]).toEqual({ linkId: w.link.linkId, amount: 2_000, at: T0 + 10_000 });
    const read = await charges.getActivity(w.userId);
    expect(read.links[w.link.linkId].days).toEqual(expect.objectContaining({ '2026-11-30': { yen: 2_000, debited: 2_000, maxDebit: 2_000, debits: 1 } }));

    await writing('compact');
    expect(await charges.getActivity(w.userId)).toEqual(read);
    const second = await processing(impls.dynamo, w, 3_000);
    await reserve(second);
    expect(await credit(impls.dynamo, second, T0 + 20_000)).toBe('CREDITED');
    const packed = await raw(w.userId);
    expect(packed.recent).toEqual([expect.stringContaining(w.link.linkId)]);
    expect(packed.links[w.link.linkId]).toEqual({ d: expect.any(String), n: expect.any(Array) });
    expect(typeof packed[`debit:${second.chargeId}`]).toBe('string');
    const both = await charges.getActivity(w.userId);
    expect(both.recent.map((r) => [r.chargeId, r.amount]).sort()).toEqual([[first.chargeId, 2_000], [second.chargeId, 3_000]].sort());
    expect(both.links[w.link.linkId].days['2026-11-30']).toEqual({ yen: 5_000, debited: 5_000, maxDebit: 3_000, debits: 2 });

    // Back to maps (a rollback to the release that reads both): the compact item reads the same.
    await writing('maps');
    expect(await charges.getActivity(w.userId)).toEqual(both);
  });
});

describe('a deploy beside older code that freezes and unlinks without the mirror (CONTROLS_MIRROR, DynamoDB)', () => {
  const mirror = (mode: 'trusted' | 'untrusted') => deployedWith('CONTROLS_MIRROR', mode);
  afterAll(() => mirror('trusted'));
  /** A freeze and an unlink as code from before the mirror makes them: the real items change, the wallet's copy does not. */
  const olderCodeStops = async (w: { userId: string; link: LinkRecord }) => {
    const { ddb } = await import('../../functions/adapters/dynamo');
    const { keys } = await import('../../functions/shared/table');
    const status = (Key: Record<string, string>, to: string) =>
      ddb().send(new UpdateCommand({ TableName: TABLE, Key, UpdateExpression: 'SET #st = :s', ExpressionAttributeNames: { '#st': 'status' }, ExpressionAttributeValues: { ':s': to } }));
    return { freeze: () => status(keys.user(w.userId), 'FROZEN'), suspendLink: () => status(keys.link(w.userId, w.link.linkId), 'SUSPENDED') };
  };

  it('untrusted: a wallet made meanwhile is not marked as mirrored, so its credits check the controls themselves, then and after', async () => {
    const impl = impls.dynamo;
    await mirror('untrusted');
    const frozen = await wallet(impl, '0301');
    const unlinked = await wallet(impl, '0302');
    const { ddb } = await import('../../functions/adapters/dynamo');
    const { keys } = await import('../../functions/shared/table');
    expect((await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.wallet(frozen.userId), ConsistentRead: true }))).Item).not.toHaveProperty('controlsMirror');
    const a = await processing(impl, frozen);
    const b = await processing(impl, unlinked);
    await (await olderCodeStops(frozen)).freeze();
    await (await olderCodeStops(unlinked)).suspendLink();
    expect(await credit(impl, a)).toBe('WALLET_FROZEN');
    expect(await credit(impl, b)).toBe('LINK_NOT_ACTIVE');
    // The second deploy (trusted again): these wallets' copies stay stale, and are still not trusted.
    await mirror('trusted');
    expect(await credit(impl, a)).toBe('WALLET_FROZEN');
    expect(await credit(impl, b)).toBe('LINK_NOT_ACTIVE');
    expect((await impl.users.getWallet(frozen.userId))!.balance + (await impl.users.getWallet(unlinked.userId))!.balance).toBe(0);
  });

  it('why the deploy needs it: trusted, a wallet whose copy older code left stale is credited', async () => {
    const impl = impls.dynamo;
    await mirror('trusted');
    const w = await wallet(impl, '0303');
    const c = await processing(impl, w);
    await (await olderCodeStops(w)).freeze();
    expect(await impl.charges.checkControls(c)).toBe('WALLET_FROZEN');
    expect(await credit(impl, c)).toBe('CREDITED');
  });
});
