/**
 * Issue 10: the controls hold for a charge's whole life, not only when it is created.
 * A freeze (ops, not-me report, link-abuse strikes), a bank switched off and a removed
 * link stop every charge that has not been debited yet, at whatever step it waits,
 * including charges that race with the control; a suspended link keeps its claim on
 * the account; crash recovery cannot be starved by parked reviews; claims work for any
 * number of charges.
 *
 * Each test builds its own wallets (the clock only moves forward, and the 105-review and
 * 150-charge tests move it by hours), and banks that are switched off are banks of the
 * test's own, so no other test file's bank is ever off.
 */
import { randomUUID } from 'node:crypto';
import { chargeIdFor } from '../../functions/domain/charge';
import { api, lastCode, verifiedUser, type ApiResponse } from '../support/api';
import {
  advanceClock,
  bankAccount,
  challenged,
  clearFaults,
  confirmCharge,
  crashPoints,
  decideReview,
  expectError,
  getCharge,
  linkedWallet,
  newKey,
  openReviews,
  pendingReview,
  postCharge,
  readyWallet,
  runSweeper,
  waitForStatus,
  walletBalance,
  type LinkedWallet,
} from '../support/charges';
import {
  auditOf, bounded, completedAt, expectMoneyInvariant, expectStopped, freshBank, linkAbuseFreeze, moneyOf, opsApi, opsFreeze, race, RACE_OFFSETS, reportNotMe,
  runningExecutions, settledMoney, sleep, STAMP_SLACK_MS, switchBank, unlink, walletStatus,
} from '../support/controls';

jest.setTimeout(120_000);

afterAll(clearFaults);

type Freezer = { name: string; freeze: (w: LinkedWallet) => Promise<void> };
const FREEZERS: Freezer[] = [
  { name: 'an ops freeze', freeze: async (w) => expect((await opsFreeze(w)).status).toBe(200) },
  { name: 'a not-me report', freeze: async (w) => expect((await reportNotMe(w)).status).toBe(200) },
  { name: 'the third failed link attempt (link abuse)', freeze: linkAbuseFreeze },
];

/** The bank balance and wallet balance before, to show afterwards that nothing moved. */
async function balances(w: LinkedWallet) {
  return { bank: (await bankAccount(w.account)).balance, wallet: await walletBalance(w) };
}

const answer = (res: ApiResponse) => `${res.status} ${res.body?.error?.code ?? res.body?.status ?? ''}`.trim();

// ---------------------------------------------------------------- 1. a frozen wallet moves no money

describe('1. a frozen wallet moves no money', () => {
  describe.each(FREEZERS)('frozen by $name', ({ freeze }) => {
    it('a charge waiting for its SMS code is CANCELLED; confirming it is 403 ACCOUNT_FROZEN (or 409 INVALID_STATE); no debit', async () => {
      const w = await linkedWallet();
      const { chargeId, code } = await challenged(w, 9_000);
      const before = await balances(w);
      await freeze(w);
      // The freeze itself cancels what waits (the link-abuse freeze too).
      await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
      const res = await confirmCharge(w, chargeId, code);
      expect(['403 ACCOUNT_FROZEN', '409 INVALID_STATE']).toContain(answer(res));
      expectStopped(await settledMoney(w, chargeId));
      expect(await balances(w)).toEqual(before);
    });

    it('ops APPROVE of its waiting review is refused (403 ACCOUNT_FROZEN or 409 INVALID_STATE); the charge is CANCELLED; no debit', async () => {
      const w = await linkedWallet();
      const { chargeId, review } = await pendingReview(w, 200_000);
      const before = await balances(w);
      await freeze(w);
      const res = await decideReview(review.caseId, 'APPROVE');
      expect(['403 ACCOUNT_FROZEN', '409 INVALID_STATE']).toContain(answer(res));
      const facts = await settledMoney(w, chargeId, 10_000);
      expectStopped(facts);
      expect(await balances(w)).toEqual(before);
    });
  });

  it('race, freeze vs confirm (6 interleavings): the charge COMPLETED before the freeze, or it is CANCELLED with no money moved', async () => {
    const problems: string[] = [];
    for (const offsets of RACE_OFFSETS) {
      const w = await linkedWallet();
      const { chargeId, code } = await challenged(w, 9_000);
      const [frozen, confirmed] = await race(() => opsFreeze(w), () => confirmCharge(w, chargeId, code), offsets);
      expect(frozen.status).toBe(200);
      problems.push(...(await raceOutcome(w, chargeId, confirmed, 'USER_FROZEN', offsets)));
    }
    expect(problems).toEqual([]);
  });

  it('race, freeze vs APPROVE (6 interleavings): the charge COMPLETED before the freeze, or it is CANCELLED with no money moved', async () => {
    const problems: string[] = [];
    for (const offsets of RACE_OFFSETS) {
      const w = await linkedWallet();
      const { chargeId, review } = await pendingReview(w, 200_000);
      const [frozen, approved] = await race(() => opsFreeze(w), () => decideReview(review.caseId, 'APPROVE'), offsets);
      expect(frozen.status).toBe(200);
      problems.push(...(await raceOutcome(w, chargeId, approved, 'USER_FROZEN', offsets)));
    }
    expect(problems).toEqual([]);
  });

  it('race, charge creation vs freeze (6 interleavings): a charge created in the freeze\'s instant is cancelled too, never left waiting', async () => {
    const problems: string[] = [];
    for (const offsets of RACE_OFFSETS) {
      const w = await linkedWallet();
      const [created, frozen] = await race(() => postCharge(w, 8_000, { deviceId: `dev-${randomUUID()}` }), () => opsFreeze(w), offsets); // a new device: the charge waits for its code
      expect(frozen.status).toBe(200);
      if (created.status === 403) {
        expect(created.body.error.code).toBe('ACCOUNT_FROZEN');
        continue;
      }
      expect(created.status).toBe(202);
      const { chargeId } = created.body;
      const end = await waitForStatus(w, chargeId, ['CANCELLED', 'DECLINED', 'PROCESSING', 'COMPLETED'], 5_000).catch(async () => (await getCharge(w, chargeId)).body);
      if (end.status !== 'CANCELLED') problems.push(`offsets ${offsets}: created ${chargeId} during the freeze, left ${end.status}`);
      const code = await lastCode(w.user.phone);
      const late = await confirmCharge(w, chargeId, code);
      if (!['403 ACCOUNT_FROZEN', '409 INVALID_STATE'].includes(answer(late))) problems.push(`offsets ${offsets}: confirming after the freeze answered ${answer(late)}`);
      const facts = await settledMoney(w, chargeId, 10_000);
      if (facts.debits - facts.reversals !== 0 || facts.credits !== 0) problems.push(`offsets ${offsets}: money moved on a frozen wallet: ${JSON.stringify(facts)}`);
      const running = await runningExecutions(chargeId);
      if (running.length) problems.push(`offsets ${offsets}: the charge is ${facts.status}, but its execution ${running.join(', ')} still runs`);
    }
    expect(problems).toEqual([]);
  });
});

/**
 * The outcome of one race between a control (audited as `action`) and a step toward money
 * (`step`'s answer): COMPLETED exactly once and before the control took effect, or
 * stopped with no money moved. Returns what is wrong, if anything.
 */
async function raceOutcome(w: LinkedWallet, chargeId: string, step: ApiResponse, action: string, offsets: [number, number], controlAt?: number): Promise<string[]> {
  const facts = await settledMoney(w, chargeId);
  const where = `offsets ${offsets.join('/')}: step answered ${answer(step)}, charge ${facts.status} (debits ${facts.debits}, reversals ${facts.reversals}, credits ${facts.credits})`;
  const problems: string[] = [];
  if (facts.status === 'COMPLETED') {
    if (facts.debits !== 1 || facts.reversals !== 0 || facts.credits !== 1) problems.push(`${where}: completed but the money does not add up`);
    const at = controlAt ?? Date.parse((await auditOf(w.user.userId)).find((i) => i.action === action)?.at ?? '');
    const done = await completedAt(w.user.userId, chargeId);
    if (!done || !(done <= at + STAMP_SLACK_MS)) problems.push(`${where}: completed at ${done && new Date(done).toISOString()}, after the control (${new Date(at).toISOString()})`);
  } else {
    if (facts.credits !== 0 || facts.debits !== facts.reversals) problems.push(`${where}: a debit without its credit or reversal`);
    if (facts.debits === 0 && facts.status !== 'CANCELLED') problems.push(`${where}: stopped, but not CANCELLED`);
    if (facts.debits > 0 && !['CANCELLED', 'FAILED'].includes(facts.status)) problems.push(`${where}: reversed, but ${facts.status}`);
    if (step.status === 200 && facts.status === 'PENDING_CONFIRMATION') problems.push(`${where}: still waiting`);
  }
  return problems;
}

// ---------------------------------------------------------------- 2. bank switched off, link removed

describe('2. a bank switched off or a link removed stops what already waits', () => {
  const STOP_ANSWERS = ['503 BANK_SUSPENDED', '422 CHARGE_DECLINED', '409 INVALID_STATE'];

  it('bank switched off: a charge waiting for its code ends CANCELLED; confirming is refused; no debit', async () => {
    const bankCode = await freshBank();
    try {
      const w = await linkedWallet({ bankCode });
      const { chargeId, code } = await challenged(w, 8_000);
      const before = await balances(w);
      expect((await switchBank(bankCode, false)).status).toBe(200);
      await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
      expect(STOP_ANSWERS).toContain(answer(await confirmCharge(w, chargeId, code)));
      expectStopped(await settledMoney(w, chargeId));
      expect(await balances(w)).toEqual(before);
    } finally {
      await switchBank(bankCode, true);
    }
  });

  it('bank switched off: a charge waiting for review ends CANCELLED; APPROVE is refused; no debit', async () => {
    const bankCode = await freshBank();
    try {
      const w = await linkedWallet({ bankCode });
      const { chargeId, review } = await pendingReview(w, 200_000);
      const before = await balances(w);
      expect((await switchBank(bankCode, false)).status).toBe(200);
      await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
      expect(STOP_ANSWERS).toContain(answer(await decideReview(review.caseId, 'APPROVE')));
      expectStopped(await settledMoney(w, chargeId));
      expect(await balances(w)).toEqual(before);
    } finally {
      await switchBank(bankCode, true);
    }
  });

  it('link removed: a charge waiting for its code ends CANCELLED; confirming is refused; no debit', async () => {
    const w = await linkedWallet();
    const { chargeId, code } = await challenged(w, 7_000);
    const before = await balances(w);
    expect((await unlink(w)).status).toBe(204);
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    expect(STOP_ANSWERS).toContain(answer(await confirmCharge(w, chargeId, code)));
    expectStopped(await settledMoney(w, chargeId));
    expect(await balances(w)).toEqual(before);
  });

  it('link removed: a charge waiting for review ends CANCELLED; APPROVE is refused; no debit', async () => {
    const w = await linkedWallet();
    const { chargeId, review } = await pendingReview(w, 200_000);
    const before = await balances(w);
    expect((await unlink(w)).status).toBe(204);
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    expect(STOP_ANSWERS).toContain(answer(await decideReview(review.caseId, 'APPROVE')));
    expectStopped(await settledMoney(w, chargeId));
    expect(await balances(w)).toEqual(before);
  });

  it('race, switch-off vs confirm (6 interleavings): COMPLETED before the switch-off, or CANCELLED with no money moved', async () => {
    const bankCode = await freshBank();
    const problems: string[] = [];
    try {
      for (const offsets of RACE_OFFSETS) {
        expect((await switchBank(bankCode, true)).status).toBe(200);
        const w = await linkedWallet({ bankCode });
        const { chargeId, code } = await challenged(w, 7_000);
        const [off, confirmed] = await race(() => switchBank(bankCode, false), () => confirmCharge(w, chargeId, code), offsets);
        expect(off.status).toBe(200);
        problems.push(...(await raceOutcome(w, chargeId, confirmed, 'BANK_SWITCHED', offsets, Date.parse(off.body.updatedAt))));
      }
    } finally {
      await switchBank(bankCode, true);
    }
    expect(problems).toEqual([]);
  });

  it('race, unlink vs confirm (6 interleavings): COMPLETED before the link was removed, or CANCELLED with no money moved', async () => {
    const problems: string[] = [];
    for (const offsets of RACE_OFFSETS) {
      const w = await linkedWallet();
      const { chargeId, code } = await challenged(w, 6_000);
      const [removed, confirmed] = await race(() => unlink(w), () => confirmCharge(w, chargeId, code), offsets);
      expect(removed.status).toBe(204);
      problems.push(...(await raceOutcome(w, chargeId, confirmed, 'LINK_REMOVED', offsets)));
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------- 3. a suspended link keeps its claim

describe('3. a link suspended by a not-me report', () => {
  it('cannot be removed by its frozen wallet (409 INVALID_STATE), and the account stays claimed (another wallet gets 409 ACCOUNT_ALREADY_LINKED)', async () => {
    const w = await readyWallet();
    expect((await reportNotMe(w)).status).toBe(200);
    expect(await walletStatus(w.user)).toBe('FROZEN');
    const link = async () => (await api('GET', '/v1/me/bank-links', { token: w.user.token })).body.items.find((l: { linkId: string }) => l.linkId === w.linkId);
    expect((await link()).status).toBe('SUSPENDED');

    expectError(await unlink(w), 409, 'INVALID_STATE');
    expect((await link()).status).toBe('SUSPENDED');

    const other = await verifiedUser();
    expectError(
      await api('POST', '/v1/me/bank-links', { token: other.token, body: { bankCode: w.account.bankCode, branchCode: w.account.branchCode, accountNumber: w.account.accountNumber } }),
      409, 'ACCOUNT_ALREADY_LINKED',
    );
  });
});

// ---------------------------------------------------------------- 4. recovery cannot be starved

/**
 * A wallet with 3 charges parked in review: 30,000 yen from a new wallet on a new link is
 * reviewed (after its SMS code), the cheapest way to park a review.
 */
async function walletWithThreeReviews(): Promise<{ w: LinkedWallet; chargeIds: string[] }> {
  // Young (no clock move, so wallets can be made in parallel): above the young-link exposure cap, a human decides.
  const w = await linkedWallet({ young: true, attested: true });
  const chargeIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await postCharge(w, 100_001 + i);
    expect({ status: res.status, status2: res.body.status, outcome: res.status === 202 && (await getCharge(w, res.body.chargeId)).body.decision.outcome }).toEqual({ status: 202, status2: 'PENDING_CONFIRMATION', outcome: 'REVIEW' });
    const confirmed = await confirmCharge(w, res.body.chargeId, await lastCode(w.user.phone));
    expect({ status: confirmed.status, body: confirmed.body }).toEqual({ status: 200, body: { chargeId: res.body.chargeId, status: 'PENDING_REVIEW' } });
    chargeIds.push(res.body.chargeId);
  }
  return { w, chargeIds };
}

describe('4. crash recovery cannot be starved, and a wallet has at most 3 waiting charges', () => {
  it('a wallet with 3 waiting charges gets 429 RATE_LIMITED with retry-after on a 4th that would wait, and the 4th never waits', async () => {
    const w = await linkedWallet();
    for (let i = 0; i < 3; i++) await challenged(w, 2_000 + i, { deviceId: `dev-wait-${i}-${w.user.userId}` });
    const fourth = await postCharge(w, 2_003, { deviceId: `dev-wait-3-${w.user.userId}` });
    expectError(fourth, 429, 'RATE_LIMITED');
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    const audit = await auditOf(w.user.userId);
    expect(audit.filter((i) => i.action === 'CHARGE_PENDING_CONFIRMATION')).toHaveLength(3);
  });

  it('105 charges parked in review (35 wallets × 3) do not hide a charge that crashed after its bank debit: the sweeper credits or reverses it', async () => {
    const parked: { w: LinkedWallet; chargeIds: string[] }[] = [];
    // Made first: making it moves the clock past its holder window, which would expire parked reviews.
    const victim = await readyWallet();
    try {
      const started = Date.now();
      await bounded(Array.from({ length: 35 }, (_, i) => i), 7, async () => {
        parked.push(await walletWithThreeReviews());
      });
      const reviewing = new Set((await openReviews()).map((c) => c.chargeId));
      // The cases are opened by the workflow a moment after the confirmation.
      for (let i = 0; i < 50 && parked.some((p) => p.chargeIds.some((c) => !reviewing.has(c))); i++) {
        await sleep(200);
        (await openReviews()).forEach((c) => reviewing.add(c.chargeId));
      }
      console.log(`parked ${parked.length * 3} reviews in ${Date.now() - started} ms`);
      expect(parked.flatMap((p) => p.chargeIds).filter((c) => reviewing.has(c))).toHaveLength(105);

      // The parked reviews are older than the sweeper's stuck threshold (2 minutes).
      await advanceClock(180);
      await crashPoints({ afterDebit: 1 });
      const key = newKey('victim');
      const chargeId = chargeIdFor(victim.user.userId, key);
      const crashed = await postCharge(victim, 4_000, { key });
      expect(crashed.status).toBeGreaterThanOrEqual(500);
      await clearFaults();
      expect(await moneyOf(victim, chargeId)).toEqual({ status: 'PROCESSING', debits: 1, reversals: 0, credits: 0 });

      // Now the victim is stuck too, behind the 105 older parked reviews.
      await advanceClock(180, { sweep: false });
      let status = 'PROCESSING';
      for (let i = 0; i < 5 && status === 'PROCESSING'; i++) {
        await runSweeper();
        status = (await waitForStatus(victim, chargeId, ['COMPLETED', 'FAILED'], 3_000).catch(() => ({ status: 'PROCESSING' }))).status;
      }
      const facts = await settledMoney(victim, chargeId, 10_000);
      expect(facts.status).not.toBe('PROCESSING');
      expectMoneyInvariant(facts);
      expect(facts.debits).toBe(1);
      expect(facts.credits + facts.reversals).toBe(1);
    } finally {
      await clearFaults();
      // The parked reviews would starve the next test files' sweeps: freezing cancels them.
      await bounded(parked, 7, async (p) => {
        await opsFreeze(p.w, 'controls test cleanup');
      });
    }
  }, 240_000);
});

// ---------------------------------------------------------------- 5. claims of any size

describe('5. claims of any size: a link with 150 completed charges', () => {
  const COUNT = 150;
  let w: LinkedWallet;
  let chargeIds: string[];
  let total: number;

  beforeAll(async () => {
    w = await linkedWallet({ balance: 5_000_000 });
    const first = await challenged(w, 1_000);
    expect((await confirmCharge(w, first.chargeId, first.code)).status).toBe(200);
    await waitForStatus(w, first.chargeId, 'COMPLETED');
    chargeIds = [first.chargeId];
    total = 1_000;
    // The velocity rule reviews the 4th charge in an hour: 3 an hour stay ALLOW.
    let inHour = 1;
    for (let i = 1; i < COUNT; i++) {
      if (inHour === 3) {
        await advanceClock(3_601);
        inHour = 0;
      }
      const amount = 100 + i;
      const res = await postCharge(w, amount);
      if (res.status !== 201) throw new Error(`charge ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      chargeIds.push(res.body.chargeId);
      total += amount;
      inHour += 1;
    }
  }, 180_000);

  it('an ops claim of all 150 charges is 201 with their sum, and DENY of it is 200 (the charges are free again)', async () => {
    const claim = await opsApi('POST', '/v1/ops/compensations', { chargeIds, note: '150 charges in one claim' });
    expect({ status: claim.status, body: claim.body }).toEqual({ status: 201, body: { claimId: expect.stringMatching(/^clm_/), amount: total } });
    const denied = await opsApi('POST', `/v1/ops/compensations/${claim.body.claimId}/decision`, { decision: 'DENY', note: 'test: the holder made them' });
    expect(denied.status).toBe(200);
    expect(denied.body.claimStatus).toBe('DENIED');
    expect(await walletStatus(w.user)).toBe('ACTIVE');
  });

  it('a not-me report is 200 with a claim of all 150 charges (amount = their sum), ops are alerted, and DENY of that claim is 200', async () => {
    const res = await reportNotMe(w);
    expect({ status: res.status, claimId: res.body?.claimId, amount: res.body?.amount }).toEqual({ status: 200, claimId: expect.stringMatching(/^clm_/), amount: total });
    const listed = (await opsApi('GET', '/v1/ops/compensations')).body.items.find((c: { claimId: string }) => c.claimId === res.body.claimId);
    expect(listed).toBeDefined();
    expect([...listed.chargeIds].sort()).toEqual([...chargeIds].sort());
    expect(listed.amount).toBe(total);
    const alerts = (await api('GET', '/local/alerts')).body.alerts as { message: string }[];
    expect(alerts.some((a) => a.message.includes(w.user.userId))).toBe(true);
    expect(await walletStatus(w.user)).toBe('FROZEN');

    const denied = await opsApi('POST', `/v1/ops/compensations/${res.body.claimId}/decision`, { decision: 'DENY', note: 'test: deny a claim of 150 charges' });
    expect(denied.status).toBe(200);
    expect(denied.body.claimStatus).toBe('DENIED');
  });
});

describe('8. a frozen wallet cannot fill the ops views with declined charges', () => {
  it('its charge attempts answer 403 ACCOUNT_FROZEN and are counted on the user, never stored as charges', async () => {
    const w = await readyWallet();
    expect((await opsFreeze(w)).status).toBe(200);
    const before = (await opsApi('GET', `/v1/ops/users/${w.user.userId}`)).body;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => postCharge(w, 1_000 + i)));
    for (const res of answers) expectError(res, 403, 'ACCOUNT_FROZEN');
    const after = (await opsApi('GET', `/v1/ops/users/${w.user.userId}`)).body;
    expect(after.charges.map((c: { chargeId: string }) => c.chargeId)).toEqual(before.charges.map((c: { chargeId: string }) => c.chargeId));
    expect(after.deniedWhileFrozen).toBe(12);
  });
});

describe('a reviewer who asks to freeze the user', () => {
  it('freezes the wallet even when the decision itself cannot be made (the charge was cancelled meanwhile)', async () => {
    const w = await linkedWallet();
    const { chargeId, review } = await pendingReview(w, 200_000);
    expect((await unlink(w)).status).toBe(204);
    await waitForStatus(w, chargeId, 'CANCELLED', 10_000);
    const res = await decideReview(review.caseId, 'REJECT', { note: 'mule pattern', freezeUser: true });
    expect(res.status).toBe(409);
    expect(await walletStatus(w.user)).toBe('FROZEN');
  });
});
