/**
 * The reviews and rules stores' contract, run against both implementations: the DynamoDB one on
 * a DynamoDB Local of its own, and the in-memory one the service tests use. The same verbs in the
 * same order must give the same answers and leave the same state, so a service test on the
 * in-memory stores says something about the cloud. (It needs no local stack: run it with
 * `ANSHIN_URL=http://unused npx jest test/integration/review-store-contract.test.ts --selectProjects=integration`.)
 */
import type { Claim, NotMeReport } from '../../functions/domain/claim';
import type { AuditEntry } from '../../functions/domain/audit';
import type { ChargeRecord } from '../../functions/domain/charge';
import { caseIdFor, type ReviewCase } from '../../functions/domain/review';
import { RULE_DEFAULTS, type Rules } from '../../functions/domain/rules';
import type { RulesProposal } from '../../functions/domain/rules-proposal';
import type { ReviewStore } from '../../functions/store/reviews';
import type { RulesStore } from '../../functions/store/rules';
import { ownDynamo } from '../support/own-dynamo';
import { safeFacts } from '../support/risk-facts';

jest.setTimeout(120_000);

const TABLE = 'anshin-review-contract';
let own: Awaited<ReturnType<typeof ownDynamo>>;

interface Wallet {
  userId: string;
  phoneNumber: string;
  status: string;
  linkStatus: string;
  accountHash: string;
  charging: boolean;
}

interface Impl {
  reviews: ReviewStore;
  rules: RulesStore;
  /** The wallet's owner, its link lnk_1 and bank 0001's charging switch, as the charge's controls read them. */
  seedWallet(w: Wallet): Promise<void>;
  /** A charge, waiting in its wallet's window. */
  seedCharge(c: ChargeRecord): Promise<void>;
  seedFraud(
    claim: { claimId: string; claimStatus: string; source: string; chargeIds: string[]; createdAt: string },
    report: { tokenId: string; reportedAt: string; cancelledCharges: string[] },
  ): Promise<void>;
  charge(userId: string, chargeId: string): Promise<ChargeRecord | undefined>;
  waiting(userId: string): Promise<string[]>;
  link(userId: string): Promise<{ trustedAt?: string; trustedBy?: string } | undefined>;
  /** The actions on a subject's audit trail, oldest first. */
  trail(subject: string): Promise<string[]>;
}
const impls: Record<'dynamo' | 'memory', Impl> = {} as never;

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  const { auditTrail } = await import('../../functions/adapters/audit');
  const { keys } = await import('../../functions/shared/table');
  const { ddb, transact } = await import('../../functions/adapters/dynamo');
  const { PutCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { bankWrites } = await import('../../functions/adapters/banks-repo');
  const charges = await import('../../functions/adapters/charges-repo');
  const put = (Item: Record<string, unknown>) => ddb().send(new PutCommand({ TableName: TABLE, Item }));
  impls.dynamo = {
    reviews: (await import('../../functions/adapters/reviews-repo')).reviewsRepo,
    rules: (await import('../../functions/adapters/rules-repo')).rulesRepo,
    async seedWallet(w) {
      await put({
        ...keys.user(w.userId),
        type: 'USER',
        userId: w.userId,
        phoneNumber: w.phoneNumber,
        status: w.status,
        gsi1pk: keys.phoneIndexKey(w.phoneNumber),
        gsi1sk: w.userId,
      });
      await put({
        ...keys.link(w.userId, 'lnk_1'),
        type: 'LINK',
        gsi1pk: `LINKACCT#${w.accountHash}`,
        gsi1sk: '2026-01-01T00:00:00.000Z',
        userId: w.userId,
        linkId: 'lnk_1',
        accountHash: w.accountHash,
        status: w.linkStatus,
      });
      await transact(
        bankWrites(
          { bankCode: '0001', name: 'Bank', linkingEnabled: true, chargingEnabled: w.charging, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'test' },
          TABLE,
        ),
      );
    },
    async seedCharge(c) {
      await charges.createCharge(c, false);
      const activity = await charges.getActivity(c.userId);
      await charges.saveActivity(c.userId, activity, {
        recent: activity.recent,
        waiting: { ...activity.waiting, [c.chargeId]: Date.parse(c.createdAt) },
        held: activity.held,
        links: activity.links,
      });
    },
    async seedFraud(claim, report) {
      await put({ ...keys.claim(claim.claimId), type: 'CLAIM', ...claim, gsi1pk: keys.openClaimsIndexKey, gsi1sk: `${claim.createdAt}#${claim.claimId}` });
      await put({
        ...keys.notMeReport(report.tokenId),
        type: 'NOT_ME_REPORT',
        reportedAt: report.reportedAt,
        response: { cancelledCharges: report.cancelledCharges },
        gsi1pk: keys.notMeReportsIndexKey,
        gsi1sk: report.reportedAt,
      });
    },
    charge: (userId, chargeId) => charges.getCharge(userId, chargeId),
    waiting: async (userId) => Object.keys((await charges.getActivity(userId)).waiting),
    link: async (userId) => (await ddb().send(new GetCommand({ TableName: TABLE, Key: keys.link(userId, 'lnk_1') }))).Item,
    trail: async (subject) => (await auditTrail(subject)).map((a) => a.action as string).reverse(),
  };

  const { MemoryWorld } = await import('../../functions/store/memory-world');
  const world = new MemoryWorld();
  const memoryReviews = (await import('../../functions/store/reviews.memory')).memoryReviews;
  const memoryRules = (await import('../../functions/store/rules.memory')).memoryRules;
  impls.memory = {
    reviews: memoryReviews(world),
    rules: memoryRules(world),
    async seedWallet(w) {
      world.users.set(w.userId, { userId: w.userId, phoneNumber: w.phoneNumber, status: w.status } as never);
      world.links.set(`${w.userId}/lnk_1`, { userId: w.userId, linkId: 'lnk_1', accountHash: w.accountHash, status: w.linkStatus } as never);
      world.banks.set('0001', { bankCode: '0001', chargingEnabled: w.charging } as never);
    },
    async seedCharge(c) {
      world.charges.set(`${c.userId}/${c.chargeId}`, structuredClone(c));
      const activity = world.activity.get(c.userId) ?? { version: 0, recent: [], waiting: {}, held: {}, links: {} };
      world.activity.set(c.userId, { ...activity, waiting: { ...activity.waiting, [c.chargeId]: Date.parse(c.createdAt) }, version: activity.version + 1 });
    },
    async seedFraud(claim, report) {
      // The backtest reads a claim's status, source, charges and time only.
      world.claims.set(claim.claimId, claim as unknown as Claim);
      world.notMeReports.set(report.tokenId, { reportedAt: report.reportedAt, response: { cancelledCharges: report.cancelledCharges } } as unknown as NotMeReport);
    },
    charge: async (userId, chargeId) => structuredClone(world.charges.get(`${userId}/${chargeId}`)),
    waiting: async (userId) => Object.keys(world.activity.get(userId)?.waiting ?? {}),
    link: async (userId) => world.links.get(`${userId}/lnk_1`),
    trail: async (subject) => world.audit.filter((a) => a.userId === subject).map((a) => a.action),
  };
});

afterAll(async () => {
  await own.stop();
});

let n = 0;
const uid = (tag: string) => `${tag}${Date.now().toString(16)}${(n++).toString(16).padStart(4, '0')}`;
const T0 = Date.parse('2026-11-30T00:00:00Z');
let tick = 0;
/** Each entry a millisecond after the last: the trail is ordered by time. */
const audit = (userId: string, action: string): AuditEntry => ({ userId, actor: 'ops:test', action, at: T0 + ++tick });
const iso = (ms: number) => new Date(ms).toISOString();

async function pendingReview(impl: Impl, over: Partial<Wallet> = {}) {
  const userId = uid('usr_');
  const wallet: Wallet = {
    userId,
    phoneNumber: `+81${Date.now() % 1e10}${n++}`,
    status: 'ACTIVE',
    linkStatus: 'ACTIVE',
    accountHash: uid('acct'),
    charging: true,
    ...over,
  };
  await impl.seedWallet(wallet);
  const chargeId = `chg_${uid('')}`;
  const charge = {
    chargeId,
    userId,
    linkId: 'lnk_1',
    bankCode: '0001',
    amount: 70_000,
    status: 'PENDING_REVIEW',
    requestHash: 'h',
    decision: { outcome: 'REVIEW', reasons: ['LARGE_AMOUNT'] },
    createdAt: iso(T0),
    updatedAt: iso(T0),
    history: [],
  } as unknown as ChargeRecord;
  await impl.seedCharge(charge);
  const c = await impl.reviews.openCaseWithToken(
    {
      caseId: caseIdFor(chargeId),
      chargeId,
      userId,
      amount: charge.amount,
      reasons: ['LARGE_AMOUNT'],
      createdAt: iso(T0 + ++tick),
      dueAt: iso(T0),
      expiresAt: iso(T0),
    },
    'token-1',
  );
  return { wallet, charge, c };
}

const decision = (at = T0 + 60_000) => ({ at, actor: 'ops:anna@ops.example', note: 'checked' });
const ANNA = { id: 'sub-anna', email: 'anna@ops.example' };
const BEN = { id: 'sub-ben', email: 'ben@ops.example' };

describe.each(['dynamo', 'memory'] as const)('the reviews store on %s', (name) => {
  const impl = () => impls[name];

  it('opens a case once with its token; a second open hands over a new token; a closed case keeps its own', async () => {
    const { c, wallet } = await pendingReview(impl());
    expect(c).toMatchObject({ caseStatus: 'OPEN', taskToken: 'token-1', userId: wallet.userId });
    const again = await impl().reviews.openCaseWithToken({ ...c, amount: 1 }, 'token-2');
    expect(again).toMatchObject({ taskToken: 'token-2', amount: c.amount });
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({ taskToken: 'token-2' });
    expect((await impl().reviews.openCases()).map((x) => x.caseId)).toContain(c.caseId);
    expect(await impl().reviews.getCase('case_none')).toBeUndefined();
  });

  it('assigns an open case to one owner; another takes it only over; a closed case to nobody', async () => {
    const { c, wallet } = await pendingReview(impl());
    expect(await impl().reviews.assign(c.caseId, ANNA, T0 + 1000, false, audit(wallet.userId, 'CASE_ASSIGNED'))).toBe(true);
    expect(await impl().reviews.assign(c.caseId, ANNA, T0 + 2000, false, audit(wallet.userId, 'CASE_ASSIGNED'))).toBe(true);
    expect(await impl().reviews.assign(c.caseId, BEN, T0 + 3000, false, audit(wallet.userId, 'NOPE'))).toBe(false);
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({ assigneeId: ANNA.id, assignee: ANNA.email, assignedAt: iso(T0 + 2000) });
    expect(await impl().reviews.assign(c.caseId, BEN, T0 + 4000, true, audit(wallet.userId, 'CASE_TAKEN_OVER'))).toBe(true);
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({ assigneeId: BEN.id, assignee: BEN.email });
    expect(await impl().reviews.reject(c, decision(), audit(wallet.userId, 'REVIEW_REJECTED'))).toBe(true);
    expect(await impl().reviews.assign(c.caseId, ANNA, T0 + 5000, true, audit(wallet.userId, 'NOPE'))).toBe(false);
    expect(await impl().trail(wallet.userId)).toEqual(['CASE_ASSIGNED', 'CASE_ASSIGNED', 'CASE_TAKEN_OVER', 'REVIEW_REJECTED']);
  });

  it('records one first approval while the case is open', async () => {
    const { c, wallet } = await pendingReview(impl());
    const first = { byId: ANNA.id, by: ANNA.email, at: iso(T0), note: 'ok' };
    expect(await impl().reviews.recordFirstApproval(c.caseId, first, audit(wallet.userId, 'REVIEW_FIRST_APPROVAL'))).toBe(true);
    expect(await impl().reviews.recordFirstApproval(c.caseId, { ...first, byId: BEN.id }, audit(wallet.userId, 'NOPE'))).toBe(false);
    expect((await impl().reviews.getCase(c.caseId))?.firstApproval).toEqual(first);
    expect(await impl().trail(wallet.userId)).toEqual(['REVIEW_FIRST_APPROVAL']);
  });

  it('approves: the charge on to PROCESSING, out of the waiting list, the case APPROVED, audited; never twice', async () => {
    const { c, charge, wallet } = await pendingReview(impl());
    expect(await impl().reviews.approve(c, charge, decision(), audit(wallet.userId, 'REVIEW_APPROVED'))).toBe('OK');
    expect(await impl().charge(wallet.userId, charge.chargeId)).toMatchObject({
      status: 'PROCESSING',
      updatedAt: iso(T0 + 60_000),
      history: [{ at: iso(T0 + 60_000), status: 'PROCESSING', actor: 'ops:anna@ops.example', reason: 'REVIEW_APPROVED' }],
    });
    expect(await impl().waiting(wallet.userId)).toEqual([]);
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({
      caseStatus: 'APPROVED',
      decidedBy: 'ops:anna@ops.example',
      decidedAt: iso(T0 + 60_000),
      note: 'checked',
    });
    expect(await impl().reviews.approve(c, charge, decision(), audit(wallet.userId, 'NOPE'))).toBe('STALE');
    expect(await impl().trail(wallet.userId)).toEqual(['REVIEW_APPROVED']);
  });

  it.each([
    ['WALLET_FROZEN', { status: 'FROZEN' }],
    ['LINK_NOT_ACTIVE', { linkStatus: 'SUSPENDED' }],
    ['BANK_SUSPENDED', { charging: false }],
  ] as const)('an approval whose control failed (%s) changes nothing', async (reason, over) => {
    const { c, charge, wallet } = await pendingReview(impl(), over);
    expect(await impl().reviews.approve(c, charge, decision(), audit(wallet.userId, 'NOPE'))).toBe(reason);
    expect((await impl().charge(wallet.userId, charge.chargeId))?.status).toBe('PENDING_REVIEW');
    expect((await impl().reviews.getCase(c.caseId))?.caseStatus).toBe('OPEN');
    expect(await impl().waiting(wallet.userId)).toEqual([charge.chargeId]);
    expect(await impl().trail(wallet.userId)).toEqual([]);
    // The charging switch is shared by the bank's wallets: switch it back on for the next one.
    if (reason === 'BANK_SUSPENDED') await impl().seedWallet({ ...wallet, charging: true });
  });

  it('rejects: the charge DECLINED, its waiting slot given back, the case REJECTED, audited; never twice', async () => {
    const { c, charge, wallet } = await pendingReview(impl());
    expect(await impl().reviews.reject(c, decision(), audit(wallet.userId, 'REVIEW_REJECTED'))).toBe(true);
    expect(await impl().charge(wallet.userId, charge.chargeId)).toMatchObject({
      status: 'DECLINED',
      history: [{ status: 'DECLINED', reason: 'REVIEW_REJECTED' }],
    });
    expect(await impl().waiting(wallet.userId)).toEqual([]);
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({ caseStatus: 'REJECTED', note: 'checked' });
    expect(await impl().reviews.reject(c, decision(), audit(wallet.userId, 'NOPE'))).toBe(false);
    expect(await impl().trail(wallet.userId)).toEqual(['REVIEW_REJECTED']);
  });

  it('refuses a REJECT that lost to an APPROVE (the charge moved on, not ended): false, nothing changed', async () => {
    const { c, charge, wallet } = await pendingReview(impl());
    expect(await impl().reviews.approve(c, charge, decision(), audit(wallet.userId, 'REVIEW_APPROVED'))).toBe('OK');
    // The rejecting reviewer still holds the case as it was read, OPEN.
    expect(await impl().reviews.reject(c, decision(T0 + 61_000), audit(wallet.userId, 'NOPE'))).toBe(false);
    expect(await impl().charge(wallet.userId, charge.chargeId)).toMatchObject({ status: 'PROCESSING' });
    expect(await impl().reviews.getCase(c.caseId)).toMatchObject({ caseStatus: 'APPROVED' });
    expect(await impl().trail(wallet.userId)).toEqual(['REVIEW_APPROVED']);
  });

  it('closes an open case whose charge ended otherwise, and leaves a decided one as it is', async () => {
    const open = await pendingReview(impl());
    const decided = await pendingReview(impl());
    await impl().reviews.reject(decided.c, decision(), audit(decided.wallet.userId, 'REVIEW_REJECTED'));
    for (const x of [open, decided]) await impl().reviews.closeCase(x.c.caseId, T0 + 90_000, 'system:sweeper', 'charge EXPIRED');
    expect(await impl().reviews.getCase(open.c.caseId)).toMatchObject({
      caseStatus: 'CLOSED',
      decidedBy: 'system:sweeper',
      decidedAt: iso(T0 + 90_000),
      note: 'charge EXPIRED',
    });
    expect(await impl().reviews.getCase(decided.c.caseId)).toMatchObject({ caseStatus: 'REJECTED', note: 'checked' });
    expect((await impl().reviews.openCases()).map((x) => x.caseId)).not.toContain(open.c.caseId);
  });

  it('lists closed cases newest decision first', async () => {
    const a = await pendingReview(impl());
    const b = await pendingReview(impl());
    await impl().reviews.reject(a.c, decision(T0 + 10 * 86_400_000), audit(a.wallet.userId, 'REVIEW_REJECTED'));
    await impl().reviews.approve(b.c, b.charge, decision(T0 + 11 * 86_400_000), audit(b.wallet.userId, 'REVIEW_APPROVED'));
    const closed = (await impl().reviews.closedCases()).map((x: ReviewCase) => x.caseId);
    expect(closed.slice(0, 2)).toEqual([b.c.caseId, a.c.caseId]);
    expect((await impl().reviews.openCases()).map((x) => x.caseId)).not.toContain(a.c.caseId);
  });

  it('trusts a link that exists, and refuses one that does not', async () => {
    const { wallet } = await pendingReview(impl());
    await impl().reviews.trustLink(wallet.userId, 'lnk_1', T0 + 5000, 'ops:anna@ops.example');
    expect(await impl().link(wallet.userId)).toMatchObject({ trustedAt: iso(T0 + 5000), trustedBy: 'ops:anna@ops.example' });
    await expect(impl().reviews.trustLink(wallet.userId, 'lnk_none', T0, 'ops:x')).rejects.toThrow();
  });

  it('finds the wallets that share a bank account or a phone', async () => {
    const a = await pendingReview(impl());
    const b = await pendingReview(impl(), { accountHash: a.wallet.accountHash, phoneNumber: a.wallet.phoneNumber });
    expect((await impl().reviews.walletsSharing('BANK_ACCOUNT', a.wallet.accountHash)).sort()).toEqual([a.wallet.userId, b.wallet.userId].sort());
    expect((await impl().reviews.walletsSharing('PHONE', a.wallet.phoneNumber)).sort()).toEqual([a.wallet.userId, b.wallet.userId].sort());
    expect(await impl().reviews.walletsSharing('BANK_ACCOUNT', 'acct-none')).toEqual([]);
  });
});

describe.each(['dynamo', 'memory'] as const)('the rules store on %s', (name) => {
  const impl = () => impls[name];
  const rules = (amountAtLeast: number): Rules => {
    const r = structuredClone(RULE_DEFAULTS) as unknown as Rules;
    r.review.amountAtLeast = amountAtLeast;
    return r;
  };
  const proposal = (amountAtLeast: number, createdAt: number): RulesProposal => ({
    proposalId: uid('rp_'),
    rules: rules(amountAtLeast),
    note: 'n',
    baseVersion: 1,
    changes: [{ rule: 'review.amountAtLeast', from: 200_000, to: amountAtLeast }],
    backtest: {
      charges: 0,
      changed: 0,
      before: { ALLOW: 0, HOLD: 0, CHALLENGE: 0, REVIEW: 0, DENY: 0 },
      after: { ALLOW: 0, HOLD: 0, CHALLENGE: 0, REVIEW: 0, DENY: 0 },
      transitions: {},
      fraudCharges: 0,
      fraudYenCaught: { before: 0, after: 0 },
      fraudYenMissed: { before: 0, after: 0 },
      honestFriction: { before: 0, after: 0 },
      from: iso(T0),
      to: iso(T0),
    },
    proposalStatus: 'OPEN',
    proposedById: ANNA.id,
    proposedBy: ANNA.email,
    createdAt: iso(createdAt),
  });

  it("keeps proposals, activates one version at a time (maker-checker is the use case's), rejects once", async () => {
    const store = impl().rules;
    const v1 = await store.getActiveRules();
    expect(v1).toMatchObject({ version: 1, rules: { review: { amountAtLeast: RULE_DEFAULTS.review.amountAtLeast } } });
    const [a, b, c] = [proposal(150_000, T0 + 1), proposal(120_000, T0 + 2), proposal(110_000, T0 + 3)];
    for (const p of [a, b, c]) await store.putProposal(p, audit('rules', 'RULES_PROPOSED'));
    await expect(store.putProposal(a, audit('rules', 'NOPE'))).rejects.toThrow();
    expect(await store.getProposal(a.proposalId)).toEqual(a);
    expect((await store.listProposals('OPEN')).map((p) => p.proposalId)).toEqual([a.proposalId, b.proposalId, c.proposalId]);

    expect(await store.activateProposal(a, v1, BEN.email, audit('rules', 'RULES_ACTIVATED'))).toBe(2);
    expect(await store.getActiveRules()).toMatchObject({ version: 2, activatedBy: BEN.email, rules: { review: { amountAtLeast: 150_000 } } });
    expect(await store.activateProposal(b, v1, BEN.email, audit('rules', 'NOPE'))).toBe('STALE');
    expect(await store.activateProposal(a, await store.getActiveRules(), BEN.email, audit('rules', 'NOPE'))).toBe('STALE');
    expect(await store.rejectProposal(b, BEN.email, audit('rules', 'RULES_REJECTED'))).toBe(true);
    expect(await store.rejectProposal(b, BEN.email, audit('rules', 'NOPE'))).toBe(false);
    expect(await store.activateProposal(c, await store.getActiveRules(), BEN.email, audit('rules', 'RULES_ACTIVATED'))).toBe(3);

    expect((await store.listProposals('OPEN')).map((p) => p.proposalId)).toEqual([]);
    const closed = await store.listProposals('CLOSED');
    expect(closed.map((p) => [p.proposalId, p.proposalStatus, p.activatedVersion])).toEqual([
      [c.proposalId, 'APPROVED', 3],
      [b.proposalId, 'REJECTED', undefined],
      [a.proposalId, 'APPROVED', 2],
    ]);
    expect(await impl().trail('rules')).toEqual(['RULES_PROPOSED', 'RULES_PROPOSED', 'RULES_PROPOSED', 'RULES_ACTIVATED', 'RULES_REJECTED', 'RULES_ACTIVATED']);
  });

  it('returns the decisions recorded in a window, and the charges later known as fraud since a time', async () => {
    const store = impl().rules;
    const at = (ms: number, chargeId: string) => ({
      chargeId,
      userId: 'u',
      amount: 1_000,
      at: iso(ms),
      facts: safeFacts(ms),
      outcome: 'ALLOW',
      ruleVersion: 1,
    });
    const ids = [uid('chg_'), uid('chg_'), uid('chg_')];
    await store.recordDecision(at(T0 - 40 * 86_400_000, ids[0]));
    await store.recordDecision(at(T0 - 2 * 86_400_000, ids[1]));
    await store.recordDecision(at(T0, ids[2]));
    const seen = (await store.recordedDecisions(T0 - 30 * 86_400_000, T0)).map((r) => r.chargeId).filter((id) => ids.includes(id));
    expect(seen.sort()).toEqual([ids[1], ids[2]].sort());

    await impl().seedFraud(
      { claimId: uid('clm_'), claimStatus: 'PAID', source: 'OPS', chargeIds: [ids[1]], createdAt: iso(T0 - 86_400_000) },
      { tokenId: uid('tok'), reportedAt: iso(T0 - 3600_000), cancelledCharges: [ids[2]] },
    );
    const labels = await store.fraudLabels(T0 - 30 * 86_400_000);
    expect(ids.filter((id) => labels.has(id))).toEqual([ids[1], ids[2]]);
    expect(ids.filter((id) => !labels.has(id))).toEqual([ids[0]]);
    const later = await store.fraudLabels(T0 - 60_000);
    expect(ids.filter((id) => later.has(id))).toEqual([]);
  });
});
