/**
 * The ops use cases on the in-memory stores: no DynamoDB, no Java, no HTTP.
 * Each use case's main path and every refusal it makes (its error codes), four eyes included.
 */
import fc from 'fast-check';
import type { ChargeRecord } from '../../functions/domain/charge';
import type { LinkRecord } from '../../functions/domain/bank-link';
import type { UserRecord } from '../../functions/domain/user';
import { claimCharges, decideClaim, denyClaim, listClaims, openClaim, payClaim } from '../../functions/app/compensation';
import { auditTrailOf } from '../../functions/app/ops-audit';
import { bankSettings, switchBank } from '../../functions/app/ops-banks';
import { deleteListEntry, listsInForce, putListEntry } from '../../functions/app/ops-lists';
import { freezeByStaff, opsUserView, releaseLink, unfreezeByStaff } from '../../functions/app/ops-users';
import { notMeDetails, reportNotMe } from '../../functions/app/reports';
import type { Claim } from '../../functions/domain/claim';
import { signNotMeToken } from '../../functions/domain/not-me-token';
import type { Caller } from '../../functions/shared/caller';
import { ports, usePorts } from '../../functions/shared/runtime';
import { stores } from '../../functions/store';
import type { MemoryWorld } from '../../functions/store/memory-world';
import { serviceWorld, type ServiceWorld } from '../support/service';

const T0 = Date.parse('2026-11-30T01:00:00Z');

let sw: ServiceWorld;
let world: MemoryWorld;
let now: number;
let credits: { idempotencyKey: string; amount: number }[];
let notMeKey: string;

beforeEach(async () => {
  sw = serviceWorld();
  world = sw.world;
  now = T0;
  credits = [];
  // A clock set by each test, and a bank whose refunds are only recorded (the victims' accounts are not in the simulator).
  usePorts({
    clock: { now: () => now },
    bank: { credit: async (move: { idempotencyKey: string; amount: number }) => (credits.push(move), { bankTransactionId: `bt-${credits.length}` }) } as never,
  });
  notMeKey = (await ports().secrets()).notMeTokenKey;
});

afterEach(() => sw.close());

// --- fixtures -----------------------------------------------------------------------------
const alice: Caller = { userId: 'sub-alice', groups: ['ops'], isOps: true, email: 'alice@ops.example' };
const bob: Caller = { userId: 'sub-bob', groups: ['ops'], isOps: true, email: 'bob@ops.example' };
const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
const uid = () => `0000000${++seq}-0000-4000-8000-000000000000`.slice(-36);

function seedUser(over: Partial<UserRecord> = {}, balance = 0): UserRecord {
  const user: UserRecord = {
    userId: uid(),
    email: `u${seq}@example.com`,
    phoneNumber: '+819012345678',
    phoneVerified: true,
    kycStatus: 'VERIFIED',
    status: 'ACTIVE',
    createdAt: iso(T0 - 86_400_000),
    termsVersion: '2026-01',
    ...over,
  };
  world.users.set(user.userId, user);
  world.wallets.set(user.userId, { userId: user.userId, balance, currency: 'JPY', version: 1 });
  return user;
}

function seedLink(userId: string, over: Partial<LinkRecord> = {}): LinkRecord {
  const link: LinkRecord = {
    linkId: `lnk_${uid()}`,
    userId,
    bankCode: '0001',
    branchCode: '001',
    accountMasked: '****567',
    accountHash: `hash-${seq}`,
    status: 'ACTIVE',
    bankRequestId: 'req',
    accountRef: 'acct-1',
    createdAt: iso(T0 - 3600_000),
    updatedAt: iso(T0 - 3600_000),
    activatedAt: iso(T0 - 3000_000),
    ...over,
  };
  world.links.set(`${userId}/${link.linkId}`, link);
  if (link.status === 'ACTIVE' || link.status === 'SUSPENDED')
    world.accountClaims.set(link.accountHash, { userId, linkId: link.linkId, bankCode: link.bankCode, since: link.createdAt });
  return link;
}

function seedCharge(link: LinkRecord, amount: number, over: Partial<ChargeRecord> = {}): ChargeRecord {
  const at = iso(T0 - 600_000 + seq * 1000);
  const charge: ChargeRecord = {
    chargeId: `chg_${uid().replace(/-/g, '')}`,
    userId: link.userId,
    linkId: link.linkId,
    bankCode: link.bankCode,
    accountRef: link.accountRef,
    amount,
    status: 'COMPLETED',
    decision: { outcome: 'ALLOW', reasons: [], ruleVersion: 3 },
    requestHash: 'h',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'COMPLETED', at, actor: `user:${link.userId}` }] as ChargeRecord['history'],
    ...over,
  };
  world.charges.set(`${link.userId}/${charge.chargeId}`, charge);
  return charge;
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code?: string }) => e.code ?? String(e),
  );
const claimOf = (c: ChargeRecord) => world.charges.get(`${c.userId}/${c.chargeId}`)?.claimId;
const actions = (subject: string) => world.audit.filter((a) => a.userId === subject).map((a) => a.action);


// --- the user view, freeze and unfreeze ---------------------------------------------------
describe('a user as ops see it', () => {
  it('shows the masked phone, the balance, the links and the charges newest first', async () => {
    const user = seedUser({}, 12_000);
    const link = seedLink(user.userId, { phoneAttested: true });
    const older = seedCharge(link, 5_000);
    const newer = seedCharge(link, 7_000);
    const view = await opsUserView(user.userId);
    expect(view).toMatchObject({ userId: user.userId, phoneNumber: '+********5678', status: 'ACTIVE', balance: 12_000 });
    expect(view.links).toEqual([expect.objectContaining({ linkId: link.linkId, accountNumber: '****567', phoneAttested: true })]);
    expect(view.charges.map((c) => c.chargeId)).toEqual([newer.chargeId, older.chargeId]);
    expect(view.charges[0].decision).toEqual({ outcome: 'ALLOW', reasons: [], ruleVersion: 3 });
  });

  it('refuses an unknown user: NOT_FOUND', async () => {
    expect(await code(opsUserView(uid()))).toBe('NOT_FOUND');
    expect(await code(freezeByStaff({ userId: uid(), reason: 'x', caller: alice }))).toBe('NOT_FOUND');
    expect(await code(unfreezeByStaff({ userId: uid(), reason: 'x', caller: alice }))).toBe('NOT_FOUND');
  });

  it('a freeze by staff freezes the wallet, audited under the staff e-mail', async () => {
    const user = seedUser();
    expect(await freezeByStaff({ userId: user.userId, reason: 'mule', caller: alice })).toEqual({ cancelledCharges: [] });
    expect(world.users.get(user.userId)).toMatchObject({ status: 'FROZEN', frozenReason: 'mule' });
    expect(world.audit.find((a) => a.action === 'USER_FROZEN')).toMatchObject({ actor: 'ops:alice@ops.example', userId: user.userId });
  });

  it('a wallet ops froze is unfrozen by one member of staff', async () => {
    const user = seedUser({ status: 'FROZEN', frozenReason: 'mule' });
    expect(await unfreezeByStaff({ userId: user.userId, reason: 'cleared', caller: alice })).toEqual({ status: 'ACTIVE' });
    expect(world.users.get(user.userId)?.status).toBe('ACTIVE');
    expect(actions(user.userId)).toEqual(['USER_UNFROZEN']);
  });

  it.each(['NOT_ME_REPORT', 'BANK_ACCOUNT_COMPROMISED 0001'])(
    'four eyes: a wallet frozen by %s needs a second, different member of staff',
    async (frozenReason) => {
      const user = seedUser({ status: 'FROZEN', frozenReason });
      expect(await unfreezeByStaff({ userId: user.userId, reason: 'holder called', caller: alice })).toEqual({
        status: 'AWAITING_SECOND_APPROVAL',
        firstApprover: 'alice@ops.example',
      });
      expect(world.users.get(user.userId)?.status).toBe('FROZEN');
      expect(await code(unfreezeByStaff({ userId: user.userId, reason: 'again', caller: alice }))).toBe('SECOND_APPROVER_REQUIRED');
      expect(await unfreezeByStaff({ userId: user.userId, reason: 'confirmed', caller: bob })).toEqual({ status: 'ACTIVE' });
      expect(world.audit.filter((a) => a.userId === user.userId).map((a) => [a.action, a.actor])).toEqual([
        ['USER_UNFREEZE_REQUESTED', 'ops:alice@ops.example'],
        ['USER_UNFROZEN', 'ops:bob@ops.example'],
      ]);
      expect(world.audit.at(-1)?.details).toEqual({ firstApprover: 'alice@ops.example', firstReason: 'holder called' });
    },
  );

  it('staff without an e-mail claim are named by what their sign-in recorded, else by sub', async () => {
    const user = seedUser({ status: 'FROZEN', frozenReason: 'NOT_ME_REPORT' });
    const token = (claims: object) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;
    await stores().staff.recordStaffSignIn(token({ sub: 'sub-carol', 'cognito:groups': ['ops'] }), 'carol@ops.example', now);
    await stores().staff.recordStaffSignIn(token({ sub: 'sub-dave', 'cognito:groups': ['users'] }), 'dave@example.com', now);
    await stores().staff.recordStaffSignIn('not a token', 'x@example.com', now);
    const carol = await unfreezeByStaff({ userId: user.userId, reason: 'r', caller: { userId: 'sub-carol', groups: ['ops'], isOps: true } });
    expect(carol).toMatchObject({ firstApprover: 'carol@ops.example' });
    expect(await stores().staff.staffOf({ caller: { userId: 'sub-dave', groups: ['ops'], isOps: true } })).toEqual({
      id: 'sub-dave',
      email: 'sub-dave',
      actor: 'ops:sub-dave',
    });
    expect(await code(stores().staff.staffOf({}))).toBe('UNAUTHORIZED');
  });
});

describe('releasing a suspended link', () => {
  it('removes the link and lets its account go, audited', async () => {
    const user = seedUser();
    const link = seedLink(user.userId, { status: 'SUSPENDED' });
    now = T0 + 5_000;
    expect(await releaseLink({ userId: user.userId, linkId: link.linkId, reason: 'case settled', caller: alice })).toEqual({
      linkId: link.linkId,
      status: 'REMOVED',
    });
    expect(world.links.get(`${user.userId}/${link.linkId}`)?.status).toBe('REMOVED');
    expect(world.accountClaims.has(link.accountHash)).toBe(false);
    expect(world.accountWallets.get(link.accountHash)?.get(user.userId)).toBe(now);
    expect(world.audit.at(-1)).toMatchObject({ action: 'LINK_RELEASED', reason: 'case settled', actor: 'ops:alice@ops.example' });
  });

  it('refuses a link that is not SUSPENDED (INVALID_STATE) and an unknown one (NOT_FOUND)', async () => {
    const user = seedUser();
    const link = seedLink(user.userId);
    expect(await code(releaseLink({ userId: user.userId, linkId: link.linkId, reason: 'r', caller: alice }))).toBe('INVALID_STATE');
    expect(await code(releaseLink({ userId: user.userId, linkId: 'lnk_nope', reason: 'r', caller: alice }))).toBe('NOT_FOUND');
    expect(world.links.get(`${user.userId}/${link.linkId}`)?.status).toBe('ACTIVE');
  });
});

// --- banks --------------------------------------------------------------------------------
describe('bank switches', () => {
  it('the first switch creates the bank; each is audited with what it was and what it became; listed by code', async () => {
    const created = await switchBank({ bankCode: '0005', linkingEnabled: true, chargingEnabled: true, caller: alice });
    expect(created).toMatchObject({ bankCode: '0005', name: 'Bank 0005', updatedBy: 'ops:alice@ops.example', updatedAt: iso(T0) });
    await switchBank({ bankCode: '0002', linkingEnabled: true, chargingEnabled: true, name: 'Two', breaker: { notMeReports: 3 }, caller: alice });
    const changed = await switchBank({ bankCode: '0002', linkingEnabled: false, chargingEnabled: true, caller: bob });
    expect(changed).toMatchObject({ name: 'Two', linkingEnabled: false, breaker: { notMeReports: 3 }, updatedBy: 'ops:bob@ops.example' });
    expect((await bankSettings()).map((b) => b.bankCode)).toEqual(['0002', '0005']);
    const trail = await auditTrailOf('bank-0002');
    // (`to` is not asserted: the audit redaction takes any key named `to` for an SMS recipient — reported, unchanged here.)
    expect(trail.map((t) => [t.action, t.actor, t.details?.from])).toEqual([
      ['BANK_SWITCHED', 'ops:bob@ops.example', { linkingEnabled: true, chargingEnabled: true }],
      ['BANK_SWITCHED', 'ops:alice@ops.example', null],
    ]);
  });
});

// --- lists --------------------------------------------------------------------------------
describe('deny and review lists', () => {
  const until = iso(T0 + 86_400_000);

  it('puts an entry of each kind, shows it masked with a ref, and deletes it by that ref', async () => {
    await putListEntry({ kind: 'DEVICE', value: 'dev-1', action: 'DENY', until, reason: 'mule device', caller: alice });
    await putListEntry({ kind: 'PHONE', value: '%2B819011112222', action: 'REVIEW', until, reason: 'sim swap', caller: alice });
    const account = await putListEntry({ kind: 'BANK_ACCOUNT', value: '0001-001-1234567', action: 'DENY', until, reason: 'drained', caller: alice });
    await putListEntry({ kind: 'EKYC_IDENTITY', value: 'ヤマダタロウ_1990-01-01', action: 'REVIEW', until, reason: 'stolen id', caller: alice });
    expect(account).toEqual({
      kind: 'BANK_ACCOUNT',
      value: '0001-001-****567',
      action: 'DENY',
      until,
      reason: 'drained',
      createdAt: iso(T0),
      createdBy: 'ops:alice@ops.example',
    });
    const items = await listsInForce();
    expect(items.map((e) => [e.kind, e.value])).toEqual([
      ['BANK_ACCOUNT', '0001-001-****567'],
      ['DEVICE', 'dev-1'],
      ['EKYC_IDENTITY', 'ヤマダタロウ_1990-01-01'],
      ['PHONE', '+819011112222'],
    ]);
    expect(JSON.stringify(items)).not.toContain('1234567');
    const hits = await stores().lists.listHits(
      { deviceId: 'dev-1', phoneNumber: '+819011112222', identity: { fullNameKana: 'ヤマダタロウ', dateOfBirth: '1990-01-01' } },
      now,
    );
    expect(hits.map((h) => [h.kind, h.action])).toEqual([
      ['DEVICE', 'DENY'],
      ['PHONE', 'REVIEW'],
      ['EKYC_IDENTITY', 'REVIEW'],
    ]);
    for (const e of items) await deleteListEntry({ kind: e.kind, value: e.ref, caller: bob });
    expect(await listsInForce()).toEqual([]);
    expect(actions('lists')).toEqual([...Array(4).fill('LIST_ENTRY_PUT'), ...Array(4).fill('LIST_ENTRY_DELETED')]);
  });

  it('an entry stops applying at its until', async () => {
    await putListEntry({ kind: 'DEVICE', value: 'dev-2', action: 'DENY', until, reason: 'r', caller: alice });
    now = Date.parse(until);
    expect(await listsInForce()).toEqual([]);
    expect(await stores().lists.listHits({ deviceId: 'dev-2' }, now)).toEqual([]);
  });

  it('refuses an until in the past or too far ahead, a malformed value and a forged ref: VALIDATION_ERROR, nothing written', async () => {
    expect(await code(putListEntry({ kind: 'DEVICE', value: 'd', action: 'DENY', until: iso(T0), reason: 'r', caller: alice }))).toBe('VALIDATION_ERROR');
    expect(await code(putListEntry({ kind: 'DEVICE', value: 'd', action: 'DENY', until: iso(T0 + 3651 * 86_400_000), reason: 'r', caller: alice }))).toBe(
      'VALIDATION_ERROR',
    );
    expect(await code(putListEntry({ kind: 'PHONE', value: '09012345678', action: 'DENY', until, reason: 'r', caller: alice }))).toBe('VALIDATION_ERROR');
    expect(await code(putListEntry({ kind: 'BANK_ACCOUNT', value: '~forged', action: 'DENY', until, reason: 'r', caller: alice }))).toBe('VALIDATION_ERROR');
    expect(world.listEntries.size + world.audit.length).toBe(0);
  });

  it('deleting an entry that is not there: NOT_FOUND, nothing audited', async () => {
    expect(await code(deleteListEntry({ kind: 'DEVICE', value: 'nothing', caller: alice }))).toBe('NOT_FOUND');
    expect(world.audit).toEqual([]);
  });

  it('any valid phone number put is hit and removed by its ref (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^\+[1-9]\d{7,14}$/), fc.constantFrom('DENY' as const, 'REVIEW' as const), async (phone, action) => {
        const entry = await putListEntry({ kind: 'PHONE', value: encodeURIComponent(phone), action, until, reason: 'p', caller: alice });
        expect(entry.value).toBe(phone);
        expect(await stores().lists.listHits({ phoneNumber: phone }, now)).toEqual([{ kind: 'PHONE', action, reason: 'p', until }]);
        const [listed] = await listsInForce();
        expect(listed.ref).not.toContain(phone.slice(-4));
        await deleteListEntry({ kind: 'PHONE', value: listed.ref, caller: alice });
        expect(await stores().lists.listHits({ phoneNumber: phone }, now)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});

// --- audit --------------------------------------------------------------------------------
describe('the audit trail', () => {
  it("merges the subject's records with its charges' own history, newest first, at most 500", async () => {
    const user = seedUser({ status: 'FROZEN', frozenReason: 'mule' });
    const link = seedLink(user.userId);
    const charge = seedCharge(link, 3_000);
    now = T0 + 1_000;
    await unfreezeByStaff({ userId: user.userId, reason: 'ok', caller: alice });
    const trail = await auditTrailOf(user.userId);
    expect(trail).toEqual([
      { at: iso(T0 + 1_000), actor: 'ops:alice@ops.example', action: 'USER_UNFROZEN', reason: 'ok' },
      {
        at: charge.createdAt,
        actor: `user:${user.userId}`,
        action: 'CHARGE_COMPLETED',
        details: { chargeId: charge.chargeId, amount: 3_000, outcome: 'ALLOW', ruleVersion: 3 },
      },
    ]);
    // The newest 200 records, and every charge's history, capped at 500 items.
    for (let i = 0; i < 600; i++) world.audit.push({ userId: user.userId, actor: 'system:test', action: 'X', at: T0 + i });
    expect(await auditTrailOf(user.userId)).toHaveLength(201);
    for (let i = 0; i < 350; i++) seedCharge(link, 100);
    const capped = await auditTrailOf(user.userId);
    expect(capped).toHaveLength(500);
    expect(capped.filter((t) => !t.action.startsWith('CHARGE_'))).toHaveLength(200);
  });
});

// --- compensation -------------------------------------------------------------------------
describe('compensation claims', () => {
  function victim(balance = 0) {
    const user = seedUser({}, balance);
    const link = seedLink(user.userId);
    return { user, link };
  }

  it('ops open a claim for charges named by id: OPEN, its charges marked, audited, in the queue', async () => {
    const { user, link } = victim();
    const a = seedCharge(link, 5_000);
    const b = seedCharge(link, 7_000);
    const claim = await claimCharges({ chargeIds: [a.chargeId, b.chargeId, a.chargeId], note: 'drained', caller: alice });
    expect(claim).toMatchObject({
      userId: user.userId,
      amount: 12_000,
      claimStatus: 'OPEN',
      source: 'OPS',
      createdBy: 'ops:alice@ops.example',
      chargeIds: [a.chargeId, b.chargeId],
    });
    expect([claimOf(a), claimOf(b)]).toEqual([claim.claimId, claim.claimId]);
    expect(world.audit.at(-1)).toMatchObject({ action: 'COMPENSATION_OPENED', details: { claimId: claim.claimId, amount: 12_000, charges: 2, source: 'OPS' } });
    expect((await listClaims(undefined)).map((c) => c.claimId)).toEqual([claim.claimId]);
    expect(await listClaims('CLOSED')).toEqual([]);
  });

  it('refuses an unknown charge (NOT_FOUND), charges of two wallets or not completed (INVALID_STATE), none (VALIDATION_ERROR)', async () => {
    const one = victim();
    const two = victim();
    const a = seedCharge(one.link, 1_000);
    const b = seedCharge(two.link, 1_000);
    const waiting = seedCharge(one.link, 1_000, { status: 'PENDING_REVIEW' });
    expect(await code(claimCharges({ chargeIds: ['chg_00000000000000000000000000000000'], note: 'n', caller: alice }))).toBe('NOT_FOUND');
    expect(await code(claimCharges({ chargeIds: [a.chargeId, b.chargeId], note: 'n', caller: alice }))).toBe('INVALID_STATE');
    expect(await code(claimCharges({ chargeIds: [a.chargeId, waiting.chargeId], note: 'n', caller: alice }))).toBe('INVALID_STATE');
    expect(await code(openClaim([], 'n', 'OPS', 'ops:alice@ops.example'))).toBe('VALIDATION_ERROR');
    expect(world.claims.size).toBe(0);
  });

  it('a charge is in one claim at most: a second claim is refused, its marks undone and itself discarded', async () => {
    const { link } = victim();
    const a = seedCharge(link, 1_000);
    const b = seedCharge(link, 2_000);
    const first = await claimCharges({ chargeIds: [a.chargeId], note: 'n', caller: alice });
    expect(await code(claimCharges({ chargeIds: [b.chargeId, a.chargeId], note: 'n', caller: bob }))).toBe('INVALID_STATE');
    expect([claimOf(a), claimOf(b)]).toEqual([first.claimId, undefined]);
    expect([...world.claims.keys()]).toEqual([first.claimId]);
  });

  it('a charge held by a claim that died OPENING more than 15 minutes ago is set free; a younger one is respected', async () => {
    const { user, link } = victim();
    const a = seedCharge(link, 4_000);
    const dead: Claim = {
      claimId: 'clm_dead',
      userId: user.userId,
      linkId: link.linkId,
      bankCode: '0001',
      accountRef: 'acct-1',
      chargeIds: [a.chargeId],
      amount: 4_000,
      claimStatus: 'OPENING',
      source: 'OPS',
      note: 'died',
      createdAt: iso(T0 - 10 * 60_000),
      createdBy: 'ops:x',
    };
    world.claims.set(dead.claimId, dead);
    world.charges.get(`${user.userId}/${a.chargeId}`)!.claimId = dead.claimId;
    expect(await code(claimCharges({ chargeIds: [a.chargeId], note: 'too soon', caller: alice }))).toBe('INVALID_STATE');
    now = T0 + 6 * 60_000;
    const again = await claimCharges({ chargeIds: [a.chargeId], note: 'later', caller: alice });
    expect(again.claimStatus).toBe('OPEN');
    expect(world.claims.has('clm_dead')).toBe(false);
  });

  it('a stable claim id (a not-me report retried) finishes the same claim, not a second one', async () => {
    const { link } = victim();
    const a = seedCharge(link, 1_000);
    const first = await openClaim([a], 'n', 'NOT_ME_REPORT', 'holder:not-me', 'clm_token-1');
    const again = await openClaim([a], 'n', 'NOT_ME_REPORT', 'holder:not-me', 'clm_token-1');
    expect(again).toEqual(first);
    expect(actions(first.userId).filter((x) => x === 'COMPENSATION_OPENED')).toHaveLength(1);
  });

  it('four eyes: whoever opened a claim cannot pay it (SECOND_APPROVER_REQUIRED), but may deny it', async () => {
    const { link } = victim();
    const claim = await claimCharges({ chargeIds: [seedCharge(link, 1_000).chargeId], note: 'n', caller: alice });
    expect(await code(decideClaim({ claimId: claim.claimId, decision: 'PAY', caller: alice }))).toBe('SECOND_APPROVER_REQUIRED');
    expect(world.claims.get(claim.claimId)?.claimStatus).toBe('OPEN');
    expect(credits).toEqual([]);
    const denied = await decideClaim({ claimId: claim.claimId, decision: 'DENY', note: 'no evidence', caller: alice });
    expect(denied).toMatchObject({ claimStatus: 'DENIED', decidedBy: 'ops:alice@ops.example', decidedAt: iso(T0) });
  });

  it('DENY closes the claim and frees its charges for a later claim; a repeat changes nothing; PAY of a denied claim is INVALID_STATE', async () => {
    const { link } = victim();
    const a = seedCharge(link, 1_000);
    const claim = await claimCharges({ chargeIds: [a.chargeId], note: 'n', caller: alice });
    await decideClaim({ claimId: claim.claimId, decision: 'DENY', note: 'no', caller: bob });
    expect(claimOf(a)).toBeUndefined();
    expect(await denyClaim(claim.claimId, 'ops:bob@ops.example')).toMatchObject({ claimStatus: 'DENIED' });
    expect(actions(claim.userId).filter((x) => x === 'COMPENSATION_DENIED')).toHaveLength(1);
    expect(await code(decideClaim({ claimId: claim.claimId, decision: 'PAY', caller: bob }))).toBe('INVALID_STATE');
    expect((await listClaims('CLOSED')).map((c) => c.claimStatus)).toEqual(['DENIED']);
    expect((await claimCharges({ chargeIds: [a.chargeId], note: 'better evidence', caller: alice })).claimStatus).toBe('OPEN');
  });

  it('an unknown claim: NOT_FOUND for PAY and DENY', async () => {
    expect(await code(payClaim('clm_nope', 'ops:bob@ops.example'))).toBe('NOT_FOUND');
    expect(await code(decideClaim({ claimId: 'clm_nope', decision: 'DENY', caller: bob }))).toBe('NOT_FOUND');
  });

  it('PAY by a second member of staff refunds the bank in full, claws back what the wallet holds, books the rest as loss, freezes', async () => {
    const { user, link } = victim(3_000);
    const claim = await claimCharges({ chargeIds: [seedCharge(link, 5_000).chargeId, seedCharge(link, 2_000).chargeId], note: 'n', caller: alice });
    const paid = await decideClaim({ claimId: claim.claimId, decision: 'PAY', caller: bob });
    expect(paid).toMatchObject({ claimStatus: 'PAID', refunded: 7_000, clawback: 3_000, loss: 4_000, decidedBy: 'ops:bob@ops.example' });
    expect(credits).toEqual([expect.objectContaining({ idempotencyKey: `comp-${claim.claimId}`, amount: 7_000 })]);
    expect(world.wallets.get(user.userId)?.balance).toBe(0);
    expect(world.users.get(user.userId)?.status).toBe('FROZEN');
    expect(actions(user.userId)).toContain('COMPENSATION_PAID');
    // A PAY of a paid claim is refused and pays nothing twice.
    expect(await code(decideClaim({ claimId: claim.claimId, decision: 'PAY', caller: bob }))).toBe('INVALID_STATE');
    expect(credits).toHaveLength(1);
    expect(actions(user.userId).filter((x) => x === 'COMPENSATION_PAID')).toHaveLength(1);
  });
});

// --- not-me reports -----------------------------------------------------------------------
describe('not-me reports', () => {
  const tokenFor = (link: LinkRecord, over: { tokenId?: string; expiresAt?: number; event?: { kind: 'DEBITED'; at: number; chargeId: string } } = {}) =>
    signNotMeToken(notMeKey, { linkId: link.linkId, userId: link.userId, tokenId: uid(), expiresAt: Math.floor(T0 / 1000) + 3600, ...over });

  it('the details show what the notice was about, masked, and no report yet', async () => {
    const user = seedUser();
    const link = seedLink(user.userId);
    const charge = seedCharge(link, 9_000);
    const token = tokenFor(link, { event: { kind: 'DEBITED', at: Math.floor(T0 / 1000) - 60, chargeId: charge.chargeId } });
    expect(await notMeDetails(token)).toEqual({
      event: 'DEBITED',
      bankCode: '0001',
      accountMasked: '****567',
      at: iso(T0 - 60_000),
      amount: 9_000,
      reported: false,
    });
  });

  it('refuses a forged, an expired token, and one whose link is gone: INVALID_TOKEN', async () => {
    const user = seedUser();
    const link = seedLink(user.userId);
    expect(await code(notMeDetails('v1.forged.mac'))).toBe('INVALID_TOKEN');
    expect(await code(reportNotMe(tokenFor(link, { expiresAt: Math.floor(T0 / 1000) - 1 })))).toBe('INVALID_TOKEN');
    world.links.delete(`${user.userId}/${link.linkId}`);
    expect(await code(notMeDetails(tokenFor(link)))).toBe('INVALID_TOKEN');
    expect(world.notMeReports.size).toBe(0);
  });

  it('a report that finished is replayed, nothing done twice', async () => {
    const user = seedUser();
    const link = seedLink(user.userId);
    const id = uid();
    const token = tokenFor(link, { tokenId: id });
    const response = { reported: true as const, walletFrozen: true, linkSuspended: true, cancelledCharges: [], amount: 0 };
    world.notMeReports.set(id, { userId: user.userId, linkId: link.linkId, reportedAt: iso(T0), response });
    expect(await reportNotMe(token)).toEqual({ response, replayed: true });
    expect(sw.alerts.map((a) => a.subject)).toEqual([]);
    expect((await notMeDetails(token)).reported).toBe(true);
  });

  it('a report freezes the wallet, suspends the link, opens one claim for what moved, pages ops; a retry replays it', async () => {
    const user = seedUser({}, 1_000);
    const link = seedLink(user.userId);
    const a = seedCharge(link, 6_000);
    world.banks.set('0001', { bankCode: '0001', name: 'One', linkingEnabled: true, chargingEnabled: true, updatedAt: iso(T0), updatedBy: 'seed' });
    const token = tokenFor(link);
    const { response, replayed } = await reportNotMe(token);
    expect(replayed).toBe(false);
    expect(response).toMatchObject({ reported: true, walletFrozen: true, linkSuspended: true, amount: 6_000 });
    expect(claimOf(a)).toBe(response.claimId);
    expect(world.users.get(user.userId)).toMatchObject({ status: 'FROZEN', frozenReason: 'NOT_ME_REPORT' });
    expect(world.links.get(`${user.userId}/${link.linkId}`)?.status).toBe('SUSPENDED');
    expect(sw.alerts.map((a) => a.subject)).toEqual(['Not-me report: freezing the wallet', 'Not-me report: claim opened']);
    expect(await reportNotMe(token)).toEqual({ response, replayed: true });
  });
});
