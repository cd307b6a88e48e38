/**
 * The links and banks stores' contract, run against both implementations: the DynamoDB one on
 * a DynamoDB Local of its own, and the in-memory one the service tests use. The same verbs in
 * the same order must give the same answers and leave the same state, so a service test on the
 * in-memory stores says something about the cloud. (It needs no local stack: run it with
 * `ANSHIN_URL=http://unused npx jest test/integration/link-store-contract.test.ts --selectProjects integration`.)
 */
import type { BankSettings } from '../../functions/domain/bank';
import type { LinkRecord } from '../../functions/domain/bank-link';
import type { StoredCode } from '../../functions/domain/codes';
import type { BankStore } from '../../functions/store/banks';
import type { LinkStore } from '../../functions/store/links';
import { auditEntry, ownDynamo, serial, T0, uid } from '../support/own-dynamo';

jest.setTimeout(120_000);

const TABLE = 'anshin-link-contract';
let own: Awaited<ReturnType<typeof ownDynamo>>;

interface Impl {
  links: LinkStore;
  banks: BankStore;
  /** The actions on a subject's audit trail, oldest first. */
  trail(subject: string): Promise<string[]>;
}
const impls: Record<'dynamo' | 'memory', Impl> = {} as never;

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  const { auditTrail } = await import('../../functions/adapters/audit');
  impls.dynamo = {
    links: (await import('../../functions/adapters/links-repo')).dynamoLinks,
    banks: (await import('../../functions/adapters/banks-repo')).dynamoBanks,
    trail: async (subject) => (await auditTrail(subject)).map((a) => a.action as string).reverse(),
  };
  const { MemoryWorld } = await import('../../functions/store/memory-world');
  const world = new MemoryWorld();
  impls.memory = {
    links: (await import('../../functions/store/links.memory')).memoryLinks(world),
    banks: (await import('../../functions/store/banks.memory')).memoryBanks(world),
    trail: async (subject) => world.audit.filter((a) => a.userId === subject).map((a) => a.action),
  };
});

afterAll(async () => {
  await own.stop();
});

const audit = (userId: string, action: string) => auditEntry(userId, action);

function newLink(userId: string, accountHash: string, over: Partial<LinkRecord> = {}): LinkRecord {
  const at = new Date(T0).toISOString();
  return {
    linkId: uid('lnk'),
    userId,
    bankCode: '0001',
    branchCode: '001',
    accountMasked: '****123',
    accountHash,
    status: 'PENDING_BANK_AUTH',
    bankRequestId: uid('req'),
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}
const code = (hash: string): StoredCode => ({ hash, expiresAt: T0 + 300_000, attempts: 0, sentAt: T0, sendsInWindow: 1, windowStart: T0 });

describe.each(['dynamo', 'memory'] as const)('the links store on %s', (name) => {
  const impl = () => impls[name];

  it('creates a link once, reads it back and lists it by wallet and by account', async () => {
    const { links } = impl();
    const [user, account] = [uid('u'), uid('acct')];
    const link = newLink(user, account);
    await links.createLink(link, audit(user, 'LINK_REQUESTED'));
    await expect(links.createLink(link, audit(user, 'LINK_REQUESTED'))).rejects.toThrow();
    expect(await links.getLink(user, link.linkId)).toMatchObject(link);
    expect(await links.getLink(user, 'lnk_none')).toBeUndefined();
    const other = newLink(uid('u'), account, { createdAt: new Date(T0 + 1000).toISOString() });
    await links.createLink(other, audit(other.userId, 'LINK_REQUESTED'));
    expect((await links.listLinks(user)).map((l) => l.linkId)).toEqual([link.linkId]);
    expect((await links.linksOfAccount(account)).map((l) => l.linkId)).toEqual([link.linkId, other.linkId]);
    expect(await impl().trail(user)).toEqual(['LINK_REQUESTED']);
  });

  it('moves a link only from the state it was read in, with the fields set and the audit entry', async () => {
    const { links } = impl();
    const user = uid('u');
    const link = newLink(user, uid('acct'));
    await links.createLink(link, audit(user, 'LINK_REQUESTED'));
    expect(await links.moveLink({ ...link, status: 'PENDING_CONFIRMATION' }, 'FAILED', T0 + 1, audit(user, 'NOPE'))).toBe(false);
    expect(await links.moveLink(link, 'FAILED', T0 + 2000, audit(user, 'LINK_FAILED'), { failureReason: 'X' })).toBe(true);
    expect(await links.getLink(user, link.linkId)).toMatchObject({ status: 'FAILED', failureReason: 'X', updatedAt: new Date(T0 + 2000).toISOString() });
    expect(await links.moveLink(link, 'FAILED', T0 + 3000, audit(user, 'AGAIN'))).toBe(false);
    expect(await impl().trail(user)).toEqual(['LINK_REQUESTED', 'LINK_FAILED']);
  });

  it('activates with the live code only, and one link per account: the loser is ACCOUNT_TAKEN', async () => {
    const { links } = impl();
    const account = uid('acct');
    const [a, b] = [newLink(uid('u'), account), newLink(uid('u'), account)];
    for (const l of [a, b]) {
      await links.createLink(l, audit(l.userId, 'LINK_REQUESTED'));
      expect(
        await links.awaitConfirmation(l, T0, audit(l.userId, 'LINK_BANK_AUTHORIZED'), { accountRef: 'ref', phoneAttested: false }, code(`h-${l.linkId}`)),
      ).toBe(true);
    }
    const aWaiting = (await links.getLink(a.userId, a.linkId))!;
    expect(aWaiting).toMatchObject({ status: 'PENDING_CONFIRMATION', accountRef: 'ref', phoneAttested: false });
    expect(await links.activateLink(aWaiting, { hash: 'wrong', maxAttempts: 5 }, T0, audit(a.userId, 'X'))).toBe('STALE');
    expect(await links.activateLink(a, { hash: `h-${a.linkId}`, maxAttempts: 5 }, T0, audit(a.userId, 'X'))).toBe('STALE'); // read as PENDING_BANK_AUTH
    expect(await links.activateLink(aWaiting, { hash: `h-${a.linkId}`, maxAttempts: 5 }, T0 + 10, audit(a.userId, 'LINK_ACTIVATED'))).toBe('ACTIVATED');
    expect(await links.getLink(a.userId, a.linkId)).toMatchObject({ status: 'ACTIVE', activatedAt: new Date(T0 + 10).toISOString() });
    expect(await links.getAccountClaim(account)).toMatchObject({ userId: a.userId, linkId: a.linkId });
    const bWaiting = (await links.getLink(b.userId, b.linkId))!;
    expect(await links.activateLink(bWaiting, { hash: `h-${b.linkId}`, maxAttempts: 5 }, T0 + 20, audit(b.userId, 'X'))).toBe('ACCOUNT_TAKEN');
    expect((await links.getLink(b.userId, b.linkId))!.status).toBe('PENDING_CONFIRMATION');
    expect(await links.accountLastActiveElsewhere(account, b.userId)).toBe(T0 + 10);
    expect(await links.accountLastActiveElsewhere(account, a.userId)).toBeUndefined();
    expect(await impl().trail(a.userId)).toEqual(['LINK_REQUESTED', 'LINK_BANK_AUTHORIZED', 'LINK_ACTIVATED']);
  });

  it('removes a link; one holding its account (ACTIVE or SUSPENDED) releases the claim', async () => {
    const { links } = impl();
    const account = uid('acct');
    const user = uid('u');
    const link = newLink(user, account);
    await links.createLink(link, audit(user, 'LINK_REQUESTED'));
    await links.awaitConfirmation(link, T0, audit(user, 'LINK_BANK_AUTHORIZED'), {}, code('h'));
    await links.activateLink((await links.getLink(user, link.linkId))!, { hash: 'h', maxAttempts: 5 }, T0, audit(user, 'LINK_ACTIVATED'));
    const active = (await links.getLink(user, link.linkId))!;
    expect(await links.moveLink(active, 'SUSPENDED', T0 + 1, audit(user, 'LINK_SUSPENDED'))).toBe(true);
    expect(await links.removeLink(active, T0 + 2, audit(user, 'X'))).toBe(false); // read as ACTIVE
    expect(await links.removeLink((await links.getLink(user, link.linkId))!, T0 + 5000, audit(user, 'LINK_RELEASED'))).toBe(true);
    expect(await links.getAccountClaim(account)).toBeUndefined();
    expect(await links.accountLastActiveElsewhere(account, uid('u'))).toBe(T0 + 5000);

    const pending = newLink(uid('u'), uid('acct'));
    await links.createLink(pending, audit(pending.userId, 'LINK_REQUESTED'));
    expect(await links.removeLink(pending, T0, audit(pending.userId, 'LINK_REMOVED'))).toBe(true);
    expect((await links.getLink(pending.userId, pending.linkId))!.status).toBe('REMOVED');
    expect(await impl().trail(user)).toEqual(['LINK_REQUESTED', 'LINK_BANK_AUTHORIZED', 'LINK_ACTIVATED', 'LINK_SUSPENDED', 'LINK_RELEASED']);
  });

  it('locks an account until a time, and a later lock replaces it', async () => {
    const { links } = impl();
    const account = uid('acct');
    expect(await links.getAccountLock(account, T0)).toBeUndefined();
    await links.lockAccount(account, T0 + 60_000, 'REPEATED_LINK_FAILURES', audit('bank-0001', 'BANK_ACCOUNT_LOCKED'));
    expect(await links.getAccountLock(account, T0)).toEqual({ until: new Date(T0 + 60_000).toISOString(), reason: 'REPEATED_LINK_FAILURES' });
    expect(await links.getAccountLock(account, T0 + 60_000)).toBeUndefined();
    await links.lockAccount(account, T0 + 120_000, 'HOLDER_BLOCKED_LINKING', audit('bank-0001', 'BANK_ACCOUNT_LOCKED'));
    expect(await links.getAccountLock(account, T0 + 60_000)).toMatchObject({ reason: 'HOLDER_BLOCKED_LINKING' });
  });

  it('counts strikes by subject within a window', async () => {
    const { links } = impl();
    const subject = `USER#${uid('u')}`;
    for (const at of [T0, T0 + 1000, T0 + 2000]) await links.addStrike(subject, at, 30, { reason: 'R', userId: 'w1' });
    expect(await links.strikesSince(subject, T0 + 1000)).toEqual([
      expect.objectContaining({ at: new Date(T0 + 1000).toISOString(), userId: 'w1' }),
      expect.objectContaining({ at: new Date(T0 + 2000).toISOString(), userId: 'w1' }),
    ]);
    expect(await links.strikesSince(`USER#${uid('u')}`, T0)).toEqual([]);
    await links.noteStrikes(audit('strikes-subject', 'LINK_STRIKE'));
  });
});

describe.each(['dynamo', 'memory'] as const)('the banks store on %s', (name) => {
  const impl = () => impls[name];
  const settings = (bankCode: string, over: Partial<BankSettings> = {}): BankSettings => ({
    bankCode,
    name: `Bank ${bankCode}`,
    linkingEnabled: true,
    chargingEnabled: true,
    updatedAt: new Date(T0).toISOString(),
    updatedBy: 'seed',
    ...over,
  });
  const bankCode = () => String(1000 + (serial() % 9000));

  it('seeds a bank only once, saves and lists settings', async () => {
    const { banks } = impl();
    const code = bankCode();
    await banks.seedBank(settings(code));
    await banks.seedBank(settings(code, { linkingEnabled: false }));
    expect(await banks.getBank(code)).toMatchObject(settings(code));
    await banks.saveBank(settings(code, { chargingEnabled: false, breaker: { linkFailures: 3 } }), audit(`bank-${code}`, 'BANK_SWITCHED'));
    expect(await banks.getBank(code)).toMatchObject({ chargingEnabled: false, breaker: { linkFailures: 3 } });
    expect((await banks.listBanks()).map((b) => b.bankCode)).toContain(code);
    expect(await banks.getBank('0000')).toBeUndefined();
    expect(await impl().trail(`bank-${code}`)).toEqual(['BANK_SWITCHED']);
  });

  it('pauses linking once; a paused or unknown bank answers false', async () => {
    const { banks } = impl();
    const code = bankCode();
    await banks.seedBank(settings(code));
    expect(await banks.pauseLinking(code, T0 + 1, 'system:circuit-breaker', audit(`bank-${code}`, 'BANK_SWITCHED'))).toBe(true);
    expect(await banks.getBank(code)).toMatchObject({
      linkingEnabled: false,
      chargingEnabled: true,
      updatedBy: 'system:circuit-breaker',
      updatedAt: new Date(T0 + 1).toISOString(),
    });
    expect(await banks.pauseLinking(code, T0 + 2, 'system:circuit-breaker', audit(`bank-${code}`, 'BANK_SWITCHED'))).toBe(false);
    expect(await banks.pauseLinking('0000', T0, 'system:circuit-breaker', audit('bank-0000', 'BANK_SWITCHED'))).toBe(false);
    expect(await impl().trail(`bank-${code}`)).toEqual(['BANK_SWITCHED']);
  });

  it('records an event on its first delivery and keeps its first result', async () => {
    const { banks } = impl();
    const event = { eventId: uid('evt'), type: 'ACCOUNT_COMPROMISED' as const, bankCode: '0001', branchCode: '001', accountNumber: '1234567' };
    const result = { received: true as const, applied: true, suspendedLinks: 1, frozenWallets: 0, cancelledCharges: 2 };
    expect(await banks.receiveEvent(event, T0)).toEqual({});
    expect(await banks.receiveEvent(event, T0)).toEqual({ result: undefined }); // stopped half-way: no result yet
    await banks.finishEvent(event, result);
    await banks.finishEvent(event, { ...result, suspendedLinks: 0 });
    expect(await banks.receiveEvent(event, T0)).toEqual({ result });
  });
});
