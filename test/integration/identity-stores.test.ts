/**
 * The identity stores' contract: one script of calls, run on the DynamoDB implementations
 * (against a DynamoDB Local of its own) and on the in-memory ones, must give the same answers,
 * refusals and state. The service tier trusts the in-memory stores only as far as this holds.
 */
import type { StoredCode } from '../../functions/domain/codes';
import type { UserRecord } from '../../functions/domain/user';
import type { Stores } from '../../functions/store';
import { ownDynamo } from '../support/own-dynamo';

jest.setTimeout(120_000);

const TABLE = 'anshin-identity-stores';
let own: Awaited<ReturnType<typeof ownDynamo>>;
type IdentityStores = Pick<Stores, 'users' | 'codes' | 'ekyc' | 'smsLimits'>;
let dynamo: IdentityStores;
let memory: () => IdentityStores & { auditOf: (userId: string) => string[] };
let dynamoAuditOf: (userId: string) => Promise<string[]>;

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  dynamo = {
    users: (await import('../../functions/adapters/users-repo')).dynamoUsers,
    codes: (await import('../../functions/adapters/codes-repo')).dynamoCodes,
    ekyc: (await import('../../functions/adapters/ekyc-repo')).dynamoEkyc,
    smsLimits: (await import('../../functions/adapters/sms-limits')).dynamoSmsLimits,
  };
  const { auditTrail } = await import('../../functions/adapters/audit');
  dynamoAuditOf = async (userId) => (await auditTrail(userId)).map((a) => String(a.action));
  const { MemoryWorld } = await import('../../functions/store/memory-world');
  const { memoryStores } = await import('../../functions/store/memory');
  memory = () => {
    const world = new MemoryWorld();
    return { ...(memoryStores(world) as IdentityStores), auditOf: (userId) => world.audit.filter((a) => a.userId === userId).map((a) => a.action) };
  };
});

afterAll(async () => {
  await own.stop();
});

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);
const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const code = (hash: string, sentAt: number): StoredCode => ({ hash, expiresAt: sentAt + 300_000, attempts: 0, sentAt, sendsInWindow: 1, windowStart: sentAt });
const IDENTITY = { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-04-01' };
const USER_FIELDS = [
  'userId',
  'email',
  'phoneNumber',
  'phoneVerified',
  'kycStatus',
  'status',
  'createdAt',
  'termsVersion',
  'ekycSessionId',
  'identity',
  'frozenReason',
  'frozenAt',
  'deniedWhileFrozen',
  'unfreezeRequest',
] as const;
const CODE_FIELDS = ['hash', 'expiresAt', 'attempts', 'sentAt', 'sendsInWindow', 'windowStart'] as const;
const pick = <T extends object>(value: T | undefined, fields: readonly string[]) =>
  value === undefined
    ? undefined
    : Object.fromEntries(fields.filter((f) => (value as Record<string, unknown>)[f] !== undefined).map((f) => [f, (value as Record<string, unknown>)[f]]));

/** The script: each step's answer (or the refusal's code, or the error's name), in order. */
async function script(s: IdentityStores, id: (name: string) => string, auditOf: (userId: string) => Promise<string[]> | string[]) {
  const trace: unknown[] = [];
  const step = async (label: string, run: () => Promise<unknown>) => {
    const answer = await run().then(
      (v) => v,
      (e: { code?: string; name?: string }) => `refused: ${e.code ?? e.name}`,
    );
    trace.push([label, answer === undefined ? 'undefined' : answer]);
  };
  const email = id('someone@example.jp').toLowerCase();
  const u1 = id('user-1');
  const u2 = id('user-2');
  const user = (userId: string, mail: string): UserRecord => ({
    userId,
    email: mail,
    phoneNumber: '+819012345678',
    phoneVerified: false,
    kycStatus: 'NONE',
    status: 'ACTIVE',
    createdAt: new Date(T0).toISOString(),
    termsVersion: '2026-04',
  });
  const audit = (userId: string, action: string) => ({ userId, actor: 'test', action, at: T0 + 1000 });
  const { users, codes, ekyc, smsLimits } = s;

  // The email claim of a sign-up, and a stale one taken over.
  await step('reserve', () => users.reserveEmail(email, 'r1', T0));
  await step('reserve while fresh', () => users.reserveEmail(email, 'r2', T0 + 1000));
  await step('sign-in recorded', () => users.recordSignInCreated(email, 'r1', 'sub-1'));
  await step('sign-in recorded by another', () => users.recordSignInCreated(email, 'r2', 'sub-x'));
  await step('take over a stale reservation', () => users.reserveEmail(email, 'r3', T0 + 61_000));
  await step('release by the loser', () => users.releaseEmail(email, 'r1'));
  await step('reserve while r3 holds', () => users.reserveEmail(email, 'r4', T0 + 62_000));
  await step('release by the holder', () => users.releaseEmail(email, 'r3'));
  await step('reserve a released email', () => users.reserveEmail(email, 'r4', T0 + 62_000));
  await step('create', () => users.createUser(user(u1, email), code(HASH, T0), audit(u1, 'USER_REGISTERED'), 'r4', 'device-1'));
  await step('create again', () => users.createUser(user(u1, email), code(HASH, T0), audit(u1, 'USER_REGISTERED'), 'r4'));
  await step('reserve a registered email', () => users.reserveEmail(email, 'r5', T0 + 999_999_999));
  await step('release a registered email', () => users.releaseEmail(email, 'r4'));
  await step('create on a lost reservation', () =>
    users.createUser(user(u2, id('other@example.jp').toLowerCase()), code(HASH, T0), audit(u2, 'USER_REGISTERED'), 'nope'),
  );
  await step('user', async () => pick(await users.getUser(u1), USER_FIELDS));
  await step('wallet', async () => pick(await users.getWallet(u1), ['userId', 'balance', 'currency', 'version']));
  await step('require unknown', () => users.requireUser(id('nobody')));

  // The phone code: wrong tries counted up to the limit, spent only with its own hash.
  const phone = { purpose: 'phone', userId: u1 } as const;
  await step('code', async () => pick(await codes.getCode(phone), CODE_FIELDS));
  await step('wrong try on another hash', () => codes.countWrongCode(phone, OTHER, 5));
  for (let i = 1; i <= 3; i++) await step(`wrong try ${i}`, () => codes.countWrongCode(phone, HASH, 3));
  await step('verify with a dead code', () => users.markPhoneVerified(u1, HASH, 3, audit(u1, 'PHONE_VERIFIED')));
  await step('verify with another hash', () => users.markPhoneVerified(u1, OTHER, 5, audit(u1, 'PHONE_VERIFIED')));
  await step('verify', () => users.markPhoneVerified(u1, HASH, 5, audit(u1, 'PHONE_VERIFIED'), 'device-2'));
  await step('code spent', () => codes.getCode(phone));
  await step('verified', async () => (await users.getUser(u1))?.phoneVerified);
  await step('trusted devices', async () => [
    await users.isDeviceTrusted(u1, 'device-1'),
    await users.isDeviceTrusted(u1, 'device-2'),
    await users.isDeviceTrusted(u1, 'device-3'),
    await users.isDeviceTrusted(u1, undefined),
  ]);
  await step('replace into an empty slot', () => codes.replaceCode(phone, code(HASH, T0 + 60_000), undefined));
  await step('replace into an empty slot again', () => codes.replaceCode(phone, code(OTHER, T0 + 61_000), undefined));
  await step('replace after another send', () => codes.replaceCode(phone, code(OTHER, T0 + 120_000), T0));
  await step('replace after the last send', () => codes.replaceCode(phone, code(OTHER, T0 + 120_000), T0 + 60_000));
  await step('replaced', async () => pick(await codes.getCode(phone), CODE_FIELDS));
  await step('delete', () => codes.deleteCode(phone));
  await step('deleted', () => codes.getCode(phone));
  const link = { purpose: 'link', linkId: id('link-1') } as const;
  await step('link code', () => codes.replaceCode(link, code(HASH, T0), undefined));
  await step('link wrong try', () => codes.countWrongCode(link, HASH, 5));
  await step('link code read', async () => pick(await codes.getCode(link), CODE_FIELDS));
  await step('charge code replaced', () => codes.replaceCode({ purpose: 'charge', userId: u1, chargeId: 'c' }, code(HASH, T0), undefined));

  // Freeze, the frozen wallet's denied charges, four-eyes unfreeze.
  await step('freeze', () => users.freezeUser(u1, 'NOT_ME', audit(u1, 'USER_FROZEN')));
  await step('freeze again', () => users.freezeUser(u1, 'again', audit(u1, 'USER_FROZEN')));
  await step('denied', async () => {
    await users.countDeniedWhileFrozen(u1);
    await users.countDeniedWhileFrozen(u1);
    await users.countDeniedWhileFrozen(id('nobody'));
  });
  const request = { byId: 'staff-1', by: 'one@ops', at: new Date(T0).toISOString(), reason: 'checked' };
  await step('request unfreeze', () => users.requestUnfreeze(u1, request, audit(u1, 'UNFREEZE_REQUESTED')));
  await step('request unfreeze again', () => users.requestUnfreeze(u1, request, audit(u1, 'UNFREEZE_REQUESTED')));
  await step('frozen user', async () => pick(await users.getUser(u1), USER_FIELDS));
  await step('unfreeze', () => users.unfreezeUser(u1, audit(u1, 'USER_UNFROZEN')));
  await step('unfreeze again', () => users.unfreezeUser(u1, audit(u1, 'USER_UNFROZEN')));
  await step('request unfreeze of an active wallet', () => users.requestUnfreeze(u1, request, audit(u1, 'UNFREEZE_REQUESTED')));
  await step('unfrozen user', async () => pick(await users.getUser(u1), USER_FIELDS));
  await step('unknown wallet', async () => [
    await users.freezeUser(id('nobody'), 'x', audit(id('nobody'), 'USER_FROZEN')),
    await users.unfreezeUser(id('nobody'), audit(id('nobody'), 'USER_UNFROZEN')),
    await users.requestUnfreeze(id('nobody'), request, audit(id('nobody'), 'UNFREEZE_REQUESTED')),
  ]);

  // Devices: first seen, young yen, the other wallets that used one.
  await step('second user', async () => {
    await users.reserveEmail(id('two@example.jp').toLowerCase(), 'q1', T0);
    await users.createUser(user(u2, id('two@example.jp').toLowerCase()), code(HASH, T0), audit(u2, 'USER_REGISTERED'), 'q1');
  });
  const sorted = (f: Awaited<ReturnType<IdentityStores['users']['getDeviceFacts']>>) => ({ ...f, otherWalletsSeenAt: [...f.otherWalletsSeenAt].sort() });
  await step('unseen device', async () => sorted(await users.getDeviceFacts(u1, 'device-9')));
  await step('charged from', async () => users.recordDeviceUse(u1, 'device-9', await users.getDeviceFacts(u1, 'device-9'), T0 + 10_000, 30_000));
  await step('charged again', async () => users.recordDeviceUse(u1, 'device-9', await users.getDeviceFacts(u1, 'device-9'), T0 + 20_000, 1_000));
  await step('shared', async () => users.recordDeviceUse(u2, 'device-9', await users.getDeviceFacts(u2, 'device-9'), T0 + 30_000, 5_000));
  await step('an old device is not counted', async () =>
    users.recordDeviceUse(u1, 'device-1', await users.getDeviceFacts(u1, 'device-1'), T0 + 8 * 86_400_000, 7_000),
  );
  await step('no device header', async () => users.recordDeviceUse(u1, undefined, await users.getDeviceFacts(u1, undefined), T0 + 40_000, 2_000));
  await step('device facts', async () => sorted(await users.getDeviceFacts(u1, 'device-9')));
  await step('device facts without a header', async () => sorted(await users.getDeviceFacts(u1, undefined)));
  await step('other wallet device facts', async () => sorted(await users.getDeviceFacts(u2, 'device-9')));
  await step('device', async () => pick(await users.getDevice(u1, 'device-9'), ['trustedAt', 'firstSeenAt', 'yenMoved']));
  await step('young yen', async () => users.youngDevicesYen(await users.getDeviceFacts(u1, 'device-9'), T0 + 50_000, 72));

  // eKYC: one open session per start, a verdict applied once, only on the current session.
  const s1 = id('ekyc-1');
  const s2 = id('ekyc-2');
  const session = (sessionId: string, userId = u1) => ({ sessionId, userId, status: 'PENDING' as const, createdAt: new Date(T0).toISOString() });
  await step('open', () => ekyc.openEkycSession(session(s1), audit(u1, 'EKYC_STARTED')));
  await step('open the same session', () => ekyc.openEkycSession(session(s1), audit(u1, 'EKYC_STARTED')));
  await step('open a second', () => ekyc.openEkycSession(session(s2), audit(u1, 'EKYC_STARTED')));
  await step('open for nobody', () => ekyc.openEkycSession(session(id('ekyc-3'), id('nobody')), audit(id('nobody'), 'EKYC_STARTED')));
  const verdict = async (eventId: string, sessionId: string, result: 'APPROVED' | 'REJECTED', current: boolean) =>
    ekyc.applyEkycResult({
      eventId: id(eventId),
      session: (await ekyc.getEkycSession(sessionId))!,
      result,
      identity: result === 'APPROVED' ? IDENTITY : undefined,
      current,
      audit: audit(u1, `KYC_${result}`),
      now: T0 + 5000,
    });
  await step('a superseded session claimed current', () => verdict('e0', s1, 'APPROVED', true));
  await step('the superseded session', () => verdict('e1', s1, 'REJECTED', false));
  await step('the superseded session again', () => verdict('e2', s1, 'APPROVED', false));
  await step('replay', () => verdict('e1', s1, 'REJECTED', false));
  await step('user still pending', async () => pick(await users.getUser(u1), ['kycStatus', 'identity', 'ekycSessionId']));
  await step('approve the current', () => verdict('e3', s2, 'APPROVED', true));
  await step('sessions', async () => [
    pick(await ekyc.getEkycSession(s1), ['status']),
    pick(await ekyc.getEkycSession(s2), ['status']),
    await ekyc.getEkycSession(id('ekyc-3')),
  ]);
  await step('verified user', async () => pick(await users.getUser(u1), ['kycStatus', 'identity', 'ekycSessionId']));
  await step('open after verification', () => ekyc.openEkycSession(session(id('ekyc-4')), audit(u1, 'EKYC_STARTED')));

  // SMS counters: all three counted, or none.
  const window = { windowStart: T0, windowEnd: T0 + 3600_000, limits: { PHONE: 1, ADDRESS: 2, OVERALL: 3 } };
  const send = (phoneNumber: string, sourceIp: string) => smsLimits.countSend({ ...window, phoneNumber: id(phoneNumber), sourceIp: id(sourceIp) });
  await step('sms', async () => [
    await send('p1', 'a1'),
    await send('p1', 'a2'),
    await send('p2', 'a1'),
    await send('p3', 'a1'),
    await send('p3', 'a2'),
    await send('p4', 'a3'),
    await send('p5', 'a3'),
  ]);
  await step('sms next window', () =>
    smsLimits.countSend({ ...window, windowStart: T0 + 3600_000, windowEnd: T0 + 7200_000, phoneNumber: id('p1'), sourceIp: id('a1') }),
  );

  // Entries of one instant are ordered by a random id in the table: compared as sets.
  await step('audit', async () => [[...(await auditOf(u1))].sort(), [...(await auditOf(u2))].sort()]);
  return trace;
}

it('the in-memory identity stores answer as the DynamoDB ones do, step by step', async () => {
  const run = `${Date.now().toString(36)}`;
  const ids = (prefix: string) => (name: string) => `${prefix}-${run}-${name}`;
  const normalize = (trace: unknown[], prefix: string) => JSON.parse(JSON.stringify(trace).replaceAll(`${prefix}-${run}-`, '')) as unknown[];
  const m = memory();
  const inMemory = normalize(await script(m, ids('mem'), m.auditOf), 'mem');
  const onDynamo = normalize(await script(dynamo, ids('ddb'), dynamoAuditOf), 'ddb');
  for (let i = 0; i < Math.max(inMemory.length, onDynamo.length); i++) expect(inMemory[i]).toEqual(onDynamo[i]);
  expect(inMemory.length).toBeGreaterThan(60);
});
