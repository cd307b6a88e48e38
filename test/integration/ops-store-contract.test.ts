/**
 * The ops stores' contract (claims, lists, staff, audit), run against both implementations: the
 * DynamoDB one on a DynamoDB Local of its own, and the in-memory one the service tests use. The
 * same verbs in the same order must give the same answers and leave the same state, so a service
 * test on the in-memory stores says something about the cloud. (It needs no local stack: run it with
 * `ANSHIN_URL=http://unused npx jest test/integration/ops-store-contract.test.ts --selectProjects integration`.)
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Claim, ClaimedCharge } from '../../functions/domain/claim';
import type { ListEntry } from '../../functions/domain/lists';
import type { AuditStore } from '../../functions/store/audit';
import type { ClaimStore } from '../../functions/store/claims';
import type { ListStore } from '../../functions/store/lists';
import type { StaffStore } from '../../functions/store/staff';
import { auditEntry, nextAt, ownDynamo, serial, T0, uid } from '../support/own-dynamo';

jest.setTimeout(120_000);

const TABLE = 'anshin-ops-contract';
let own: Awaited<ReturnType<typeof ownDynamo>>;

interface Impl {
  claims: ClaimStore;
  lists: ListStore;
  staff: StaffStore;
  audit: AuditStore;
  /** A completed charge (of another area's store), as the ledger leaves it. */
  putCharge(c: ClaimedCharge): Promise<void>;
  claimOf(c: ClaimedCharge): Promise<string | undefined>;
  putWallet(userId: string, balance: number): Promise<void>;
  balanceOf(userId: string): Promise<number | undefined>;
}
const impls: Record<'dynamo' | 'memory', Impl> = {} as never;

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  // listKey hashes bank accounts under the account key; nothing else here reads a port.
  (await import('../../functions/shared/runtime')).usePorts({
    secrets: async () => ({ codeKey: 'c', notMeTokenKey: 'n', accountKey: 'contract-account-key' }),
  });
  const { ddb } = await import('../../functions/adapters/dynamo');
  const { keys } = await import('../../functions/shared/table');
  impls.dynamo = {
    claims: (await import('../../functions/adapters/claims-repo')).claimStore,
    lists: (await import('../../functions/adapters/lists-repo')).listStore,
    staff: (await import('../../functions/adapters/staff-repo')).staffStore,
    audit: (await import('../../functions/adapters/audit')).auditStore,
    putCharge: async (c) => {
      await ddb().send(
        new PutCommand({ TableName: TABLE, Item: { ...keys.charge(c.userId, c.chargeId), type: 'CHARGE', gsi2pk: c.chargeId, ...c, status: 'COMPLETED' } }),
      );
    },
    claimOf: async (c) => (await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.charge(c.userId, c.chargeId) }))).Item?.claimId as string | undefined,
    putWallet: async (userId, balance) => {
      await ddb().send(new PutCommand({ TableName: TABLE, Item: { ...keys.wallet(userId), type: 'WALLET', userId, balance, currency: 'JPY', version: 1 } }));
    },
    balanceOf: async (userId) => (await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.wallet(userId) }))).Item?.balance as number | undefined,
  };
  const { MemoryWorld } = await import('../../functions/store/memory-world');
  // The charges area's maps, as it declares them on MemoryWorld with its merge.
  const world = Object.assign(new MemoryWorld(), { charges: new Map<string, { claimId?: string; status: string }>(), entries: new Map() });
  impls.memory = {
    claims: (await import('../../functions/store/claims.memory')).memoryClaims(world),
    lists: (await import('../../functions/store/lists.memory')).memoryLists(world),
    staff: (await import('../../functions/store/staff.memory')).memoryStaff(world),
    audit: (await import('../../functions/store/audit.memory')).memoryAudit(world),
    putCharge: async (c) => void world.charges.set(`${c.userId}/${c.chargeId}`, { ...c, status: 'COMPLETED' }),
    claimOf: async (c) => world.charges.get(`${c.userId}/${c.chargeId}`)?.claimId,
    putWallet: async (userId, balance) => void world.wallets.set(userId, { userId, balance, currency: 'JPY', version: 1 }),
    balanceOf: async (userId) => world.wallets.get(userId)?.balance,
  };
});

afterAll(async () => {
  await own.stop();
});

const audit = (userId: string, action: string, details?: Record<string, unknown>) => auditEntry(userId, action, 'ops:test', details);

function newClaim(userId: string, chargeIds: string[], over: Partial<Claim> = {}): Claim {
  return {
    claimId: uid('clm'),
    userId,
    linkId: 'lnk_1',
    bankCode: '0001',
    accountRef: 'acct-1',
    chargeIds,
    amount: 1_000 * chargeIds.length,
    claimStatus: 'OPENING',
    source: 'OPS',
    note: 'n',
    createdAt: new Date(nextAt()).toISOString(),
    createdBy: 'ops:test',
    ...over,
  };
}
const trail = async (impl: Impl, subject: string) => (await impl.audit.auditTrail(subject)).map((a) => a.action).reverse();

describe.each(['dynamo', 'memory'] as const)('the claims store on %s', (name) => {
  const impl = () => impls[name];

  it('opens a claim: begin once, mark its charges (all or refused), open once, audited; listed open then closed', async () => {
    const { claims } = impl();
    const user = uid('u');
    const charges = [0, 1, 2].map(() => ({ userId: user, chargeId: uid('chg') }));
    for (const c of charges.slice(0, 2)) await impl().putCharge(c);
    const claim = newClaim(
      user,
      charges.slice(0, 2).map((c) => c.chargeId),
    );
    expect(await claims.begin(claim)).toBe(true);
    expect(await claims.begin(claim)).toBe(false);
    expect(await claims.get(claim.claimId)).toMatchObject({ claimStatus: 'OPENING', amount: 2_000 });
    expect(await claims.ownerOfCharge(charges[0].chargeId)).toBe(user);
    expect(await claims.ownerOfCharge(uid('chg'))).toBeUndefined();
    // A charge that is not there (or not COMPLETED) refuses the marking.
    expect(await claims.markCharges(claim.claimId, charges)).toBe(false);
    expect(await claims.markCharges(claim.claimId, charges.slice(0, 2))).toBe(true);
    expect(await claims.markCharges(claim.claimId, charges.slice(0, 2))).toBe(true); // again for the same claim: nothing changes
    expect(await claims.markCharges(uid('clm'), charges.slice(0, 1))).toBe(false); // another claim
    expect(await impl().claimOf(charges[0])).toBe(claim.claimId);
    expect((await claims.listOpen()).some((c) => c.claimId === claim.claimId)).toBe(false);
    expect(await claims.open(claim, audit(user, 'COMPENSATION_OPENED'))).toBe(true);
    expect(await claims.open(claim, audit(user, 'AGAIN'))).toBe(false);
    expect((await claims.listOpen()).filter((c) => c.claimId === claim.claimId)).toHaveLength(1);
    await claims.discard(claim.claimId); // only an OPENING claim is discarded
    expect((await claims.get(claim.claimId))?.claimStatus).toBe('OPEN');
    expect(await trail(impl(), user)).toEqual(['COMPENSATION_OPENED']);
  });

  it('unmarks only what the claim holds and discards it while OPENING', async () => {
    const { claims } = impl();
    const user = uid('u');
    const [a, b] = [0, 1].map(() => ({ userId: user, chargeId: uid('chg') }));
    for (const c of [a, b]) await impl().putCharge(c);
    const mine = newClaim(user, [a.chargeId]);
    await claims.begin(mine);
    expect(await claims.markCharges(mine.claimId, [a])).toBe(true);
    expect(await claims.markCharges(uid('clm-other'), [b])).toBe(true);
    expect(await claims.unmarkCharges(mine.claimId, [a, b])).toEqual([b.chargeId]);
    expect([await impl().claimOf(a), await impl().claimOf(b)]).toEqual([undefined, expect.stringMatching(/^clm-other/)]);
    await claims.discard(mine.claimId);
    expect(await claims.get(mine.claimId)).toBeUndefined();
  });

  it('pays once from PAYING: the clawback needs the balance it was worked out on; a decided claim is listed closed', async () => {
    const { claims } = impl();
    const user = uid('u');
    await impl().putWallet(user, 3_000);
    const claim = newClaim(user, [uid('chg')], { amount: 5_000 });
    await claims.begin(claim);
    await claims.open(claim, audit(user, 'COMPENSATION_OPENED'));
    const payment = (balanceBefore: number, action: string) => ({
      balanceBefore,
      clawback: Math.min(balanceBefore, 5_000),
      loss: 5_000 - Math.min(balanceBefore, 5_000),
      postings: [],
      at: nextAt(),
      audit: audit(user, action),
    });
    expect(await claims.pay(claim, payment(3_000, 'X'))).toBe('NOT_PAYING');
    expect(await claims.startPaying(claim.claimId, 'ops:payer')).toBe(true);
    expect(await claims.startPaying(claim.claimId, 'ops:payer')).toBe(false);
    expect(await claims.pay(claim, payment(2_000, 'X'))).toBe('WALLET_CHANGED');
    expect(await impl().balanceOf(user)).toBe(3_000);
    expect(await claims.pay(claim, payment(3_000, 'COMPENSATION_PAID'))).toBe('PAID');
    expect(await impl().balanceOf(user)).toBe(0);
    expect(await claims.get(claim.claimId)).toMatchObject({ claimStatus: 'PAID', refunded: 5_000, clawback: 3_000, loss: 2_000 });
    expect(await claims.pay(claim, payment(0, 'X'))).toBe('NOT_PAYING');
    expect(await claims.deny(claim.claimId, 'ops:x', new Date(T0).toISOString(), audit(user, 'X'))).toBe(false);
    expect((await claims.listClosed()).some((c) => c.claimId === claim.claimId)).toBe(true);
    expect((await claims.listOpen()).some((c) => c.claimId === claim.claimId)).toBe(false);
    expect(await trail(impl(), user)).toEqual(['COMPENSATION_OPENED', 'COMPENSATION_PAID']);
  });

  it('denies only an OPEN claim, audited', async () => {
    const { claims } = impl();
    const user = uid('u');
    const claim = newClaim(user, [uid('chg')]);
    await claims.begin(claim);
    expect(await claims.deny(claim.claimId, 'ops:x', new Date(T0).toISOString(), audit(user, 'X'))).toBe(false);
    await claims.open(claim, audit(user, 'COMPENSATION_OPENED'));
    expect(await claims.deny(claim.claimId, 'ops:x', new Date(T0).toISOString(), audit(user, 'COMPENSATION_DENIED'))).toBe(true);
    expect(await claims.get(claim.claimId)).toMatchObject({ claimStatus: 'DENIED', decidedBy: 'ops:x', decidedAt: new Date(T0).toISOString() });
    expect(await trail(impl(), user)).toEqual(['COMPENSATION_OPENED', 'COMPENSATION_DENIED']);
  });

  it('records a not-me report once and keeps its first answer', async () => {
    const { claims } = impl();
    const tokenId = uid('tok');
    expect(await claims.report(tokenId)).toBeUndefined();
    await claims.recordReport(tokenId, { userId: 'u1', linkId: 'l1', reportedAt: new Date(T0).toISOString() });
    await claims.recordReport(tokenId, { userId: 'u2', linkId: 'l2', reportedAt: new Date(T0 + 1).toISOString() });
    expect(await claims.report(tokenId)).toMatchObject({ userId: 'u1', linkId: 'l1' });
    const answer = { reported: true as const, walletFrozen: true, linkSuspended: true, cancelledCharges: ['c1'], amount: 0 };
    await claims.settleReport(tokenId, answer);
    await claims.settleReport(tokenId, { ...answer, amount: 9 });
    expect((await claims.report(tokenId))?.response).toEqual(answer);
  });
});

describe.each(['dynamo', 'memory'] as const)('the lists, staff and audit stores on %s', (name) => {
  const impl = () => impls[name];
  const entry = (kind: ListEntry['kind'], value: string, until: number): ListEntry => ({
    kind,
    value,
    action: 'DENY',
    until: new Date(until).toISOString(),
    reason: 'r',
    createdAt: new Date(T0).toISOString(),
    createdBy: 'ops:test',
  });

  it('puts, hits, lists (in force only) and deletes entries, each change audited', async () => {
    const { lists } = impl();
    const device = uid('dev');
    const phone = `+8190${String(10_000_000 + serial()).slice(-8)}`;
    const deviceKey = await lists.listKey('DEVICE', device);
    const accountKey = await lists.listKey('BANK_ACCOUNT', '0001-001-1234567');
    expect(accountKey).not.toContain('1234567');
    await lists.putEntry(deviceKey, entry('DEVICE', device, T0 + 60_000), audit('lists', 'LIST_ENTRY_PUT'));
    await lists.putEntry(phone, entry('PHONE', phone, T0 + 10), audit('lists', 'LIST_ENTRY_PUT'));
    expect(await lists.listHits({ deviceId: device, phoneNumber: phone }, T0)).toEqual([
      { kind: 'DEVICE', action: 'DENY', reason: 'r', until: new Date(T0 + 60_000).toISOString() },
      { kind: 'PHONE', action: 'DENY', reason: 'r', until: new Date(T0 + 10).toISOString() },
    ]);
    expect(await lists.listHits({ deviceId: device, phoneNumber: phone }, T0 + 10)).toHaveLength(1);
    const listed = (await lists.listEntries(T0 + 10)).filter((e) => e.value === device || e.value === phone);
    expect(listed.map((e) => [e.kind, e.key])).toEqual([['DEVICE', deviceKey]]);
    expect(await lists.deleteEntry('DEVICE', deviceKey, audit('lists', 'LIST_ENTRY_DELETED'))).toBe(true);
    expect(await lists.deleteEntry('DEVICE', deviceKey, audit('lists', 'NOPE'))).toBe(false);
    expect(await lists.listHits({ deviceId: device }, T0)).toEqual([]);
    expect((await trail(impl(), 'lists')).slice(-3)).toEqual(['LIST_ENTRY_PUT', 'LIST_ENTRY_PUT', 'LIST_ENTRY_DELETED']);
  });

  it('names staff by the e-mail claim, else the recorded sign-in, else the sub; only ops sign-ins are recorded', async () => {
    const { staff } = impl();
    const token = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    const [ops, user] = [uid('sub'), uid('sub')];
    await staff.recordStaffSignIn(token({ sub: ops, 'cognito:groups': ['ops'] }), 'ops@example.com', T0);
    await staff.recordStaffSignIn(token({ sub: user, 'cognito:groups': [] }), 'user@example.com', T0);
    await staff.recordStaffSignIn('garbage', 'x@example.com', T0);
    expect(await staff.staffOf({ caller: { userId: ops, groups: ['ops'], isOps: true } })).toEqual({
      id: ops,
      email: 'ops@example.com',
      actor: 'ops:ops@example.com',
    });
    expect(await staff.staffOf({ caller: { userId: user, groups: ['ops'], isOps: true } })).toEqual({ id: user, email: user, actor: `ops:${user}` });
    expect(await staff.staffOf({ caller: { userId: user, groups: ['ops'], isOps: true, email: 'claim@example.com' } })).toMatchObject({
      actor: 'ops:claim@example.com',
    });
    await expect(staff.staffOf({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it("reads a subject's trail newest first, details redacted, at most `limit`", async () => {
    const subject = uid('subject');
    await impl().lists.putEntry('k', entry('DEVICE', 'd', T0 + 60_000), audit(subject, 'FIRST', { phoneNumber: '+819012345678', amount: 5 }));
    await impl().lists.putEntry('k', entry('DEVICE', 'd', T0 + 60_000), audit(subject, 'SECOND'));
    const records = await impl().audit.auditTrail(subject);
    expect(records.map((r) => [r.action, r.actor, r.details])).toEqual([
      ['SECOND', 'ops:test', undefined],
      ['FIRST', 'ops:test', { phoneNumber: '[REDACTED]', amount: 5 }],
    ]);
    expect(await impl().audit.auditTrail(subject, 1)).toHaveLength(1);
  });
});
