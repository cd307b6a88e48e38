/**
 * The review queue and the rules at runtime as use cases, on the in-memory stores: claiming a case,
 * deciding it with four eyes (each refusal code), trustLink, the review context; proposing rules
 * with their backtest, approving (maker-checker) and rejecting them.
 */
import type { Claim } from '../../functions/domain/claim';
import fc from 'fast-check';
import type { ChargeRecord } from '../../functions/domain/charge';
import { activeRules, resetActiveRulesForTests } from '../../functions/app/active-rules';
import type { WorkflowEngine } from '../../functions/app/ports';
import { assignReview, decideReview, listReviews } from '../../functions/app/reviews';
import { decideRuleProposal, listRuleProposals, proposeRules, rulesInForce } from '../../functions/app/rules-admin';
import type { RecordedDecision } from '../../functions/domain/backtest';
import { FOUR_EYES } from '../../functions/domain/policy';
import { caseIdFor } from '../../functions/domain/review';
import { RULE_DEFAULTS, type Rules } from '../../functions/domain/rules';
import { DomainError } from '../../functions/shared/errors';
import type { Caller } from '../../functions/shared/caller';
import { usePorts } from '../../functions/shared/runtime';
import { stores, useStores } from '../../functions/store';
import type { MemoryWorld } from '../../functions/store/memory-world';
import { safeFacts } from '../support/risk-facts';
import { serviceWorld, type ServiceWorld } from '../support/service';

const HOUR = 3600_000;
const staff = (name: string): Caller => ({ userId: `sub-${name}`, groups: ['ops'], isOps: true, email: `${name}@ops.example` });
const ANNA = staff('anna');
const BEN = staff('ben');
const CHO = staff('cho');

type World = MemoryWorld;
let w: ServiceWorld;
let world: World;
/** What the decisions asked of the workflow: which waits they ended, which executions they started. */
let workflowCalls: { op: 'succeed' | 'fail' | 'start'; arg: string; detail?: unknown }[];
/** Tokens of executions that wait for a human (a resume of any other finds no execution). */
let waiting: Set<string>;

/**
 * The decision's side of the workflow is which wait it ends or which execution it starts; the
 * execution itself (debit, credit) is the charges area's and is tested there and in the integration tier.
 */
const recordingWorkflow = (): WorkflowEngine => ({
  start: async (name, input) => void workflowCalls.push({ op: 'start', arg: name, detail: input }),
  isRunning: async () => false,
  succeed: async (token, output) => (workflowCalls.push({ op: 'succeed', arg: token, detail: output }), waiting.delete(token)),
  fail: async (token, error) => (workflowCalls.push({ op: 'fail', arg: token, detail: error }), waiting.delete(token)),
});

beforeEach(() => {
  w = serviceWorld();
  world = w.world as World;
  resetActiveRulesForTests();
  workflowCalls = [];
  waiting = new Set();
  usePorts({ workflow: recordingWorkflow() });
});
afterEach(() => w.close());
afterAll(() => useStores(undefined));

let seq = 0;
const now = () => w.clock.now();

/** An ACTIVE wallet with an ACTIVE link at bank 0001 (charging on), as the charge's controls read them. */
function wallet(userId: string, phoneNumber = `+8190${String(++seq).padStart(8, '0')}`) {
  world.users.set(userId, {
    userId,
    status: 'ACTIVE',
    phoneNumber,
    createdAt: new Date(now() - 48 * HOUR).toISOString(),
    identity: { fullName: '山田 太郎', fullNameKana: 'ヤマダ タロウ', dateOfBirth: '1990-01-01' },
  } as never);
  world.links.set(`${userId}/lnk_1`, {
    userId,
    linkId: 'lnk_1',
    bankCode: '0001',
    branchCode: '001',
    accountMasked: '****567',
    accountHash: `acct-${userId}`,
    status: 'ACTIVE',
    activatedAt: new Date(now() - 24 * HOUR).toISOString(),
  } as never);
  world.banks.set('0001', { bankCode: '0001', linkingEnabled: true, chargingEnabled: true } as never);
}

/** A charge PENDING_REVIEW with its open case, waiting in the wallet's window, its execution waiting on `token`. */
async function reviewCase(amount: number, options: { userId?: string; createdAt?: number } = {}) {
  const userId = options.userId ?? `usr_${++seq}`;
  if (!world.users?.has(userId)) wallet(userId);
  const chargeId = `chg_${(++seq).toString(16).padStart(8, '0')}`;
  const created = new Date(options.createdAt ?? now()).toISOString();
  const charge = {
    chargeId,
    userId,
    linkId: 'lnk_1',
    bankCode: '0001',
    amount,
    status: 'PENDING_REVIEW',
    requestHash: 'h',
    deviceId: 'device-1',
    decision: { outcome: 'REVIEW', reasons: ['LARGE_AMOUNT'], ruleVersion: 1 },
    createdAt: created,
    updatedAt: created,
    history: [],
  } as unknown as ChargeRecord;
  world.charges.set(`${userId}/${chargeId}`, charge);
  (world.activity ??= new Map()).set(userId, { version: 1, recent: [], waiting: { [chargeId]: Date.parse(created) }, held: {}, links: {} });
  const token = `token-${chargeId}`;
  waiting.add(token);
  const c = await stores().reviews.openCaseWithToken(
    {
      caseId: caseIdFor(chargeId),
      chargeId,
      userId,
      amount,
      reasons: ['LARGE_AMOUNT'],
      ruleVersion: 1,
      createdAt: created,
      dueAt: created,
      expiresAt: created,
    },
    token,
  );
  return { c, charge, token };
}

const chargeOf = (charge: ChargeRecord) => world.charges.get(`${charge.userId}/${charge.chargeId}`)!;
const caseOf = (caseId: string) => world.cases.get(caseId)!;
const auditActions = () => world.audit.map((a) => `${a.action} ${a.actor}`);

/** The error code a use case refused with. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

const BIG = FOUR_EYES.reviewApprovalAmountAtLeast;
const SMALL = 60_000;

describe('claiming a case', () => {
  it('takes an unowned case (audited); the owner again changes nothing; another needs a reason to take it over', async () => {
    const { c } = await reviewCase(SMALL);
    await expect(assignReview({ caller: ANNA, caseId: c.caseId })).resolves.toMatchObject({ caseId: c.caseId, assignee: 'anna@ops.example' });
    const assignedAt = caseOf(c.caseId).assignedAt;
    w.clock.advance(60);
    await expect(assignReview({ caller: ANNA, caseId: c.caseId })).resolves.toEqual({ caseId: c.caseId, assignee: 'anna@ops.example', assignedAt });
    expect(await refusal(assignReview({ caller: BEN, caseId: c.caseId }))).toBe('CASE_ASSIGNED');
    expect(caseOf(c.caseId).assignee).toBe('anna@ops.example');

    await expect(assignReview({ caller: BEN, caseId: c.caseId, takeOver: 'Anna is off sick' })).resolves.toMatchObject({ assignee: 'ben@ops.example' });
    expect(caseOf(c.caseId)).toMatchObject({ assigneeId: BEN.userId, assignee: 'ben@ops.example' });
    expect(auditActions()).toEqual(['CASE_ASSIGNED ops:anna@ops.example', 'CASE_TAKEN_OVER ops:ben@ops.example']);
    expect(world.audit.at(-1)).toMatchObject({ reason: 'Anna is off sick', details: { caseId: c.caseId, from: 'anna@ops.example' } });
  });

  it('two reviewers racing for one case: one owner, the other is told who holds it', async () => {
    const { c } = await reviewCase(SMALL);
    const results = await Promise.allSettled([assignReview({ caller: ANNA, caseId: c.caseId }), assignReview({ caller: BEN, caseId: c.caseId })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'CASE_ASSIGNED', details: { assignee: caseOf(c.caseId).assignee } });
    expect(world.audit).toHaveLength(1);
  });

  it('refuses an unknown case (NOT_FOUND) and a closed one (INVALID_STATE)', async () => {
    expect(await refusal(assignReview({ caller: ANNA, caseId: 'case_nope' }))).toBe('NOT_FOUND');
    const { c } = await reviewCase(SMALL);
    await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'REJECT', note: 'fraud' });
    expect(await refusal(assignReview({ caller: BEN, caseId: c.caseId }))).toBe('INVALID_STATE');
  });
});

describe('deciding a case', () => {
  it("REJECT declines the charge, gives back its waiting slot, closes the case and fails the workflow's wait, audited", async () => {
    const { c, charge, token } = await reviewCase(SMALL);
    await expect(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'REJECT', note: 'not the holder' })).resolves.toEqual({
      caseId: c.caseId,
      decision: 'REJECT',
      chargeStatus: 'DECLINED',
    });
    expect(chargeOf(charge)).toMatchObject({ status: 'DECLINED', history: [{ status: 'DECLINED', actor: 'ops:anna@ops.example', reason: 'REVIEW_REJECTED' }] });
    expect(caseOf(c.caseId)).toMatchObject({ caseStatus: 'REJECTED', decidedBy: 'ops:anna@ops.example', note: 'not the holder' });
    expect(world.activity!.get(charge.userId)!.waiting).toEqual({});
    expect(workflowCalls).toEqual([{ op: 'fail', arg: token, detail: 'Rejected' }]);
    expect(world.audit.at(-1)).toMatchObject({
      action: 'REVIEW_REJECTED',
      reason: 'not the holder',
      details: { caseId: c.caseId, chargeId: charge.chargeId, amount: SMALL },
    });
  });

  it('APPROVE below the four-eyes amount moves the charge on and resumes its execution; a lost execution is started afresh', async () => {
    const { c, charge, token } = await reviewCase(SMALL);
    await expect(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'holder called' })).resolves.toEqual({
      caseId: c.caseId,
      decision: 'APPROVE',
      chargeStatus: 'PROCESSING',
    });
    expect(chargeOf(charge).status).toBe('PROCESSING');
    expect(caseOf(c.caseId).caseStatus).toBe('APPROVED');
    expect(world.activity!.get(charge.userId)!.waiting).toEqual({});
    expect(workflowCalls).toEqual([{ op: 'succeed', arg: token, detail: { approved: true } }]);

    const lost = await reviewCase(SMALL);
    waiting.delete(lost.token); // the execution was lost with a restart
    workflowCalls = [];
    await decideReview({ caller: ANNA, caseId: lost.c.caseId, decision: 'APPROVE', note: 'ok' });
    expect(workflowCalls.map((x) => [x.op, x.arg])).toEqual([
      ['succeed', lost.token],
      ['start', `${lost.charge.chargeId}-a`],
    ]);
    expect(workflowCalls[1].detail).toEqual({ chargeId: lost.charge.chargeId, userId: lost.charge.userId, outcome: 'REVIEW', stage: 'EXECUTE' });
  });

  it('four eyes: the first APPROVE of a large charge waits (202), the same person again is refused, a second person approves', async () => {
    const { c, charge, token } = await reviewCase(BIG);
    await expect(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'looks fine' })).resolves.toEqual({
      caseId: c.caseId,
      decision: 'APPROVE',
      status: 'AWAITING_SECOND_APPROVAL',
      firstApprover: 'anna@ops.example',
      chargeStatus: 'PENDING_REVIEW',
    });
    expect(chargeOf(charge).status).toBe('PENDING_REVIEW');
    expect(caseOf(c.caseId).firstApproval).toMatchObject({ byId: ANNA.userId, by: 'anna@ops.example', note: 'looks fine' });
    expect(workflowCalls).toEqual([]);

    const again = await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'really' }).catch((e: DomainError) => e);
    expect(again).toMatchObject({ code: 'SECOND_APPROVER_REQUIRED', details: { firstApprover: 'anna@ops.example' } });

    await expect(decideReview({ caller: BEN, caseId: c.caseId, decision: 'APPROVE', note: 'agreed' })).resolves.toMatchObject({ chargeStatus: 'PROCESSING' });
    expect(chargeOf(charge).status).toBe('PROCESSING');
    expect(workflowCalls).toEqual([{ op: 'succeed', arg: token, detail: { approved: true } }]);
    expect(auditActions()).toEqual(['REVIEW_FIRST_APPROVAL ops:anna@ops.example', 'REVIEW_APPROVED ops:ben@ops.example']);
    expect(world.audit.at(-1)!.details).toMatchObject({ firstApprover: 'anna@ops.example' });
  });

  it('the first approver may still REJECT a case that waits for its second approval', async () => {
    const { c, charge } = await reviewCase(BIG);
    await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'hm' });
    await expect(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'REJECT', note: 'second thoughts' })).resolves.toMatchObject({
      chargeStatus: 'DECLINED',
    });
    expect(chargeOf(charge).status).toBe('DECLINED');
  });

  it('a case held by one reviewer cannot be decided by another (CASE_ASSIGNED); once a first approval waits, anyone else may decide', async () => {
    const { c } = await reviewCase(BIG);
    await assignReview({ caller: ANNA, caseId: c.caseId });
    expect(await refusal(decideReview({ caller: BEN, caseId: c.caseId, decision: 'APPROVE', note: 'x' }))).toBe('CASE_ASSIGNED');
    expect(await refusal(decideReview({ caller: BEN, caseId: c.caseId, decision: 'REJECT', note: 'x' }))).toBe('CASE_ASSIGNED');
    await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'first' });
    await expect(decideReview({ caller: CHO, caseId: c.caseId, decision: 'APPROVE', note: 'second' })).resolves.toMatchObject({ chargeStatus: 'PROCESSING' });
  });

  it('refusals change nothing: trustLink with REJECT (VALIDATION_ERROR), an unknown case (NOT_FOUND), a decided case or a charge no longer waiting (INVALID_STATE)', async () => {
    const { c, charge } = await reviewCase(SMALL);
    const before = structuredClone([chargeOf(charge), caseOf(c.caseId)]);
    expect(await refusal(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'REJECT', note: 'x', trustLink: true }))).toBe('VALIDATION_ERROR');
    expect(await refusal(decideReview({ caller: ANNA, caseId: 'case_nope', decision: 'APPROVE', note: 'x' }))).toBe('NOT_FOUND');
    expect([chargeOf(charge), caseOf(c.caseId)]).toEqual(before);
    expect(world.audit).toEqual([]);

    await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'ok' });
    expect(await refusal(decideReview({ caller: BEN, caseId: c.caseId, decision: 'REJECT', note: 'late' }))).toBe('INVALID_STATE');

    const ended = await reviewCase(SMALL);
    world.charges.set(`${ended.charge.userId}/${ended.charge.chargeId}`, { ...ended.charge, status: 'CANCELLED' });
    expect(await refusal(decideReview({ caller: ANNA, caseId: ended.c.caseId, decision: 'APPROVE', note: 'x' }))).toBe('INVALID_STATE');
    expect(caseOf(ended.c.caseId).caseStatus).toBe('OPEN');
  });

  it("APPROVE with trustLink vets the link, and the approval's audit names it", async () => {
    const { c, charge } = await reviewCase(SMALL);
    await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'known customer', trustLink: true });
    expect(world.links.get(`${charge.userId}/lnk_1`)).toMatchObject({ trustedAt: expect.any(String), trustedBy: 'ops:anna@ops.example' });
    expect(world.audit.at(-1)).toMatchObject({ action: 'REVIEW_APPROVED', details: { trustLink: true, linkId: 'lnk_1' } });
  });

  it("the approval is one step with the charge's controls: a frozen wallet, an inactive link or a bank switched off moves nothing", async () => {
    for (const [reason, breakIt] of [
      ['WALLET_FROZEN', (userId: string) => world.users.set(userId, { ...world.users.get(userId)!, status: 'FROZEN' })],
      ['LINK_NOT_ACTIVE', (userId: string) => world.links.set(`${userId}/lnk_1`, { ...world.links.get(`${userId}/lnk_1`)!, status: 'SUSPENDED' })],
      ['BANK_SUSPENDED', () => world.banks.set('0001', { ...world.banks.get('0001')!, chargingEnabled: false })],
    ] as const) {
      world.banks.set('0001', { ...world.banks.get('0001')!, chargingEnabled: true });
      const { c, charge } = await reviewCase(SMALL);
      breakIt(charge.userId);
      const decided = { at: now(), actor: 'ops:anna@ops.example', note: 'ok' };
      await expect(
        stores().reviews.approve(c, charge, decided, { userId: charge.userId, actor: decided.actor, action: 'REVIEW_APPROVED', at: decided.at }),
      ).resolves.toBe(reason);
      expect(chargeOf(charge).status).toBe('PENDING_REVIEW');
      expect(caseOf(c.caseId).caseStatus).toBe('OPEN');
    }
    expect(world.audit).toEqual([]);
  });

  it('four eyes holds for any amount and threshold: one APPROVE decides alone exactly below the four-eyes rule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 1, max: 2_000_000 }), async (amount, threshold) => {
        const rules = structuredClone(RULE_DEFAULTS) as unknown as Rules;
        rules.fourEyes.reviewApprovalAmountAtLeast = threshold;
        world.activeRules = { version: 2, rules };
        resetActiveRulesForTests();
        const { c, charge } = await reviewCase(amount);
        const result = await decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'p' });
        expect('status' in result).toBe(amount >= threshold);
        expect(chargeOf(charge).status).toBe(amount >= threshold ? 'PENDING_REVIEW' : 'PROCESSING');
      }),
      { numRuns: 60 },
    );
  });
});

describe('the review queue', () => {
  it('lists open cases oldest first with what the reviewer decides with, and closed ones newest decision first', async () => {
    const shared = '+819012345678';
    wallet('usr_a', shared);
    wallet('usr_b', shared); // another wallet on the same phone
    const older = await reviewCase(SMALL, { userId: 'usr_a', createdAt: now() - HOUR });
    const newer = await reviewCase(BIG, { userId: 'usr_a' });
    const list = await listReviews({});
    expect(list.items.map((i) => (i as { caseId: string }).caseId)).toEqual([older.c.caseId, newer.c.caseId]);
    const first = list.items[0] as unknown as { context: { recentCharges: unknown[] } };
    expect(first.context).toMatchObject({
      user: { kycName: '山田 太郎', status: 'ACTIVE', phoneNumber: expect.stringMatching(/5678$/) },
      link: { linkId: 'lnk_1', bankCode: '0001', phoneAttested: false },
      device: { id: 'device-1' },
      facts: { LARGE_AMOUNT: { amount: SMALL } },
      relatedWallets: [{ userId: 'usr_b', via: ['PHONE', 'EKYC_IDENTITY'] }],
    });
    expect(first.context.recentCharges).toHaveLength(2);

    await decideReview({ caller: ANNA, caseId: older.c.caseId, decision: 'REJECT', note: 'a' });
    w.clock.advance(60);
    await decideReview({ caller: ANNA, caseId: newer.c.caseId, decision: 'REJECT', note: 'b' });
    expect((await listReviews({})).items).toEqual([]);
    const closed = await listReviews({ status: 'CLOSED' });
    expect(closed.items.map((i) => [(i as { caseId: string }).caseId, (i as { caseStatus: string }).caseStatus])).toEqual([
      [newer.c.caseId, 'REJECTED'],
      [older.c.caseId, 'REJECTED'],
    ]);
    expect(closed.items[0]).not.toHaveProperty('context');
  });
});

describe('rules at runtime', () => {
  const DAY = 24 * HOUR;
  const record = (chargeId: string, amount: number, at: number): RecordedDecision => ({
    chargeId,
    userId: 'usr_x',
    amount,
    at: new Date(at).toISOString(),
    facts: safeFacts(at, { amount }),
    outcome: 'ALLOW',
    ruleVersion: 1,
  });
  const withReviewAt = (amount: number): Rules => {
    const rules = structuredClone(RULE_DEFAULTS) as unknown as Rules;
    rules.review.amountAtLeast = amount;
    return rules;
  };

  it('version 1, the defaults, is in force until a proposal is approved', async () => {
    await expect(rulesInForce()).resolves.toMatchObject({
      version: 1,
      rules: { fourEyes: { reviewApprovalAmountAtLeast: FOUR_EYES.reviewApprovalAmountAtLeast } },
    });
  });

  it('a proposal is backtested over the last 30 days of recorded decisions, with the charges later known as fraud', async () => {
    const t = now();
    for (const r of [record('chg_00000001', 1_000, t - DAY), record('chg_00000002', 2_000, t - 2 * DAY), record('chg_00000003', 3_000, t - 31 * DAY)])
      await stores().rules.recordDecision(r);
    // The backtest reads a claim's status, source, charges and time only.
    world.claims = new Map([['clm_1', { claimStatus: 'PAID', source: 'OPS', chargeIds: ['chg_00000002'], createdAt: new Date(t - DAY).toISOString() } as unknown as Claim]]);

    expect(await refusal(proposeRules({ caller: ANNA, rules: structuredClone(RULE_DEFAULTS) as unknown as Rules, note: 'nothing' }))).toBe('VALIDATION_ERROR');
    const made = await proposeRules({ caller: ANNA, rules: withReviewAt(1_500), note: 'review from 1,500' });
    expect(made).toMatchObject({
      baseVersion: 1,
      changes: [{ rule: 'review.amountAtLeast', from: RULE_DEFAULTS.review.amountAtLeast, to: 1_500 }],
      backtest: {
        charges: 2,
        changed: 1,
        transitions: { 'ALLOW→REVIEW': 1 },
        fraudCharges: 1,
        fraudYenMissed: { before: 2_000, after: 0 },
        fraudYenCaught: { before: 0, after: 2_000 },
      },
    });
    expect(world.audit.at(-1)).toMatchObject({ userId: 'rules', action: 'RULES_PROPOSED', actor: 'ops:anna@ops.example' });
    expect((await listRuleProposals({})).items).toEqual([
      expect.objectContaining({ proposalId: made.proposalId, proposalStatus: 'OPEN', proposedBy: 'anna@ops.example' }),
    ]);
  });

  it('maker-checker: the proposer cannot decide (SECOND_APPROVER_REQUIRED); another approves and the next version is in force at once', async () => {
    const made = await proposeRules({ caller: ANNA, rules: withReviewAt(150_000), note: 'lower' });
    await activeRules(); // this process has the defaults cached
    expect(await refusal(decideRuleProposal({ caller: ANNA, proposalId: made.proposalId, decision: 'APPROVE' }))).toBe('SECOND_APPROVER_REQUIRED');
    expect(await refusal(decideRuleProposal({ caller: ANNA, proposalId: made.proposalId, decision: 'REJECT' }))).toBe('SECOND_APPROVER_REQUIRED');

    await expect(decideRuleProposal({ caller: BEN, proposalId: made.proposalId, decision: 'APPROVE', note: 'ok' })).resolves.toEqual({
      proposalId: made.proposalId,
      proposalStatus: 'APPROVED',
      version: 2,
    });
    await expect(rulesInForce()).resolves.toMatchObject({ version: 2, activatedBy: 'ben@ops.example', rules: { review: { amountAtLeast: 150_000 } } });
    expect((await activeRules()).version).toBe(2);
    expect([...world.rulesVersions.keys()].sort()).toEqual([1, 2]);
    expect(world.audit.at(-1)).toMatchObject({ action: 'RULES_ACTIVATED', reason: 'ok', details: { version: 2, proposedBy: 'anna@ops.example' } });
    expect((await listRuleProposals({ status: 'CLOSED' })).items).toEqual([
      expect.objectContaining({ proposalStatus: 'APPROVED', activatedVersion: 2, decidedBy: 'ben@ops.example' }),
    ]);
    expect(await refusal(decideRuleProposal({ caller: CHO, proposalId: made.proposalId, decision: 'REJECT' }))).toBe('INVALID_STATE');
  });

  it('REJECT closes a proposal and changes no rule; an unknown proposal is NOT_FOUND', async () => {
    const made = await proposeRules({ caller: ANNA, rules: withReviewAt(150_000), note: 'lower' });
    await expect(decideRuleProposal({ caller: BEN, proposalId: made.proposalId, decision: 'REJECT', note: 'too much friction' })).resolves.toEqual({
      proposalId: made.proposalId,
      proposalStatus: 'REJECTED',
      version: 1,
    });
    expect((await rulesInForce()).version).toBe(1);
    expect(world.audit.at(-1)).toMatchObject({ action: 'RULES_REJECTED', reason: 'too much friction' });
    expect(await refusal(decideRuleProposal({ caller: BEN, proposalId: made.proposalId, decision: 'APPROVE' }))).toBe('INVALID_STATE');
    expect(await refusal(decideRuleProposal({ caller: BEN, proposalId: 'rp_nope', decision: 'APPROVE' }))).toBe('NOT_FOUND');
  });

  it('a proposal made against an older version is refused (INVALID_STATE); two approvals racing activate one version', async () => {
    const one = await proposeRules({ caller: ANNA, rules: withReviewAt(150_000), note: 'one' });
    const two = await proposeRules({ caller: ANNA, rules: withReviewAt(120_000), note: 'two' });
    await decideRuleProposal({ caller: BEN, proposalId: one.proposalId, decision: 'APPROVE' });
    const stale = await decideRuleProposal({ caller: BEN, proposalId: two.proposalId, decision: 'APPROVE' }).catch((e: DomainError) => e);
    expect(stale).toMatchObject({ code: 'INVALID_STATE', details: { baseVersion: 1, version: 2 } });

    const three = await proposeRules({ caller: ANNA, rules: withReviewAt(110_000), note: 'three' });
    const raced = await Promise.allSettled([
      decideRuleProposal({ caller: BEN, proposalId: three.proposalId, decision: 'APPROVE' }),
      decideRuleProposal({ caller: CHO, proposalId: three.proposalId, decision: 'APPROVE' }),
    ]);
    expect(raced.map((r) => (r.status === 'fulfilled' ? 'APPROVED' : (r.reason as DomainError).code)).sort()).toEqual(['APPROVED', 'INVALID_STATE']);
    expect((await rulesInForce()).version).toBe(3);
  });

  it('the four-eyes amount of a review is a rule: approved lower, a smaller charge needs two approvers', async () => {
    const rules = structuredClone(RULE_DEFAULTS) as unknown as Rules;
    rules.fourEyes.reviewApprovalAmountAtLeast = 50_000;
    const made = await proposeRules({ caller: ANNA, rules, note: 'two pairs of eyes from 50,000' });
    await decideRuleProposal({ caller: BEN, proposalId: made.proposalId, decision: 'APPROVE' });
    const { c } = await reviewCase(SMALL);
    await expect(decideReview({ caller: ANNA, caseId: c.caseId, decision: 'APPROVE', note: 'ok' })).resolves.toMatchObject({
      status: 'AWAITING_SECOND_APPROVAL',
    });
  });
});
