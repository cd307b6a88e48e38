/**
 * Attacks on the issue-10 controls (a review of the fix): what a crash, a racing client or a
 * partial failure can do to claims and to the wallet's waiting list.
 *
 * Some of these need a state that only a crash leaves behind (an OPENING claim whose charges
 * were never marked, an activity item written before the waiting list existed). The local
 * stack cannot be crashed at those points from outside, so those tests drive the real
 * adapters against a DynamoDB Local of their own: the same code, the same table declaration.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ownDynamo } from '../support/own-dynamo';

jest.setTimeout(120_000);

const TABLE = 'anshin-attacks';
let own: Awaited<ReturnType<typeof ownDynamo>>;

// Loaded after the environment points at our own DynamoDB Local.
let m: {
  ddb: typeof import('../../functions/adapters/dynamo').ddb;
  keys: typeof import('../../functions/shared/table').keys;
  openClaim: typeof import('../../functions/app/compensation').openClaim;
  putOpeningClaim: typeof import('../../functions/adapters/claims-repo').putOpeningClaim;
  getClaim: typeof import('../../functions/adapters/claims-repo').getClaim;
  transact: typeof import('../../functions/adapters/dynamo').transact;
  chargeConfirmedItem: typeof import('../../functions/adapters/charges-repo').chargeConfirmedItem;
  doneWaitingItem: typeof import('../../functions/adapters/charges-repo').doneWaitingItem;
};

beforeAll(async () => {
  own = await ownDynamo(TABLE);
  const { usePorts } = await import('../../functions/shared/runtime');
  usePorts({ clock: { now: () => Date.now() } } as never);
  m = {
    ddb: (await import('../../functions/adapters/dynamo')).ddb,
    keys: (await import('../../functions/shared/table')).keys,
    openClaim: (await import('../../functions/app/compensation')).openClaim,
    putOpeningClaim: (await import('../../functions/adapters/claims-repo')).putOpeningClaim,
    getClaim: (await import('../../functions/adapters/claims-repo')).getClaim,
    transact: (await import('../../functions/adapters/dynamo')).transact,
    chargeConfirmedItem: (await import('../../functions/adapters/charges-repo')).chargeConfirmedItem,
    doneWaitingItem: (await import('../../functions/adapters/charges-repo')).doneWaitingItem,
  };
});

afterAll(async () => {
  await own.stop();
});

let n = 0;
const uid = (tag: string) => `${tag}-${Date.now().toString(36)}-${(n++).toString(36)}`;

/** A completed charge, as the ledger leaves it. */
async function completedCharge(userId: string, linkId: string, amount: number) {
  const chargeId = `chg_${uid('c')}`;
  const at = new Date().toISOString();
  const charge = {
    chargeId, userId, linkId, bankCode: '0001', accountRef: 'acct-1', amount, status: 'COMPLETED' as const,
    decision: { outcome: 'ALLOW', reasons: [] }, requestHash: 'h', createdAt: at, updatedAt: at, history: [],
  };
  await m.ddb().send(new PutCommand({ TableName: TABLE, Item: { ...m.keys.charge(userId, chargeId), type: 'CHARGE', gsi2pk: chargeId, ...charge } }));
  return charge as never as Parameters<typeof m.openClaim>[0][number];
}

const claimIdOf = async (userId: string, chargeId: string) =>
  (await m.ddb().send(new GetCommand({ TableName: TABLE, Key: m.keys.charge(userId, chargeId), ConsistentRead: true }))).Item?.claimId as string | undefined;

describe('claims: a charge is compensated at most once', () => {
  it('a not-me claim resumed after a crash does not open covering a charge that another claim took meanwhile', async () => {
    const userId = uid('u');
    const linkId = uid('l');
    const x = await completedCharge(userId, linkId, 10_000);
    const y = await completedCharge(userId, linkId, 20_000);
    const reportClaim = `clm_${'0'.repeat(8)}-0000-4000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;

    // The not-me report's first try wrote its claim OPENING (X and Y) and died before marking a charge.
    await m.putOpeningClaim({
      claimId: reportClaim, userId, linkId, bankCode: '0001', accountRef: 'acct-1', chargeIds: [x.chargeId, y.chargeId], amount: 30_000,
      claimStatus: 'OPENING', source: 'NOT_ME_REPORT', note: 'first try', createdAt: new Date().toISOString(), createdBy: 'holder:not-me',
    });
    // Meanwhile ops claim Y on its own (Y is not marked, so they may).
    const ops = await m.openClaim([y], 'ops claim', 'OPS', 'ops:test');
    expect(ops.claimStatus).toBe('OPEN');
    expect(await claimIdOf(userId, y.chargeId)).toBe(ops.claimId);

    // The report is retried: Y now belongs to the ops claim, so the retry lists only X.
    let resumed: Awaited<ReturnType<typeof m.openClaim>> | undefined;
    try {
      resumed = await m.openClaim([x], 'retry', 'NOT_ME_REPORT', 'holder:not-me', reportClaim);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('INVALID_STATE');
    }
    const stored = await m.getClaim(reportClaim);
    // Whatever the retry did, an OPEN claim names only charges marked as its own: Y must not be paid twice.
    for (const claim of [resumed, stored].filter((c): c is NonNullable<typeof c> => !!c && c.claimStatus === 'OPEN')) {
      for (const chargeId of claim.chargeIds) expect({ chargeId, claimId: await claimIdOf(userId, chargeId) }).toEqual({ chargeId, claimId: claim.claimId });
      expect(claim.amount).not.toBe(30_000);
    }
  });
});

describe('claims: an abandoned claim does not hold its charges forever', () => {
  // Fixed: a claim that finds a charge held by an OPENING claim older than 15 minutes undoes that claim first.
  it('an ops claim that died after marking some charges does not keep them from every later claim', async () => {
    const userId = uid('u');
    const linkId = uid('l');
    const x = await completedCharge(userId, linkId, 5_000);
    const y = await completedCharge(userId, linkId, 7_000);
    // The first ops request wrote its claim OPENING and marked X, then its Lambda timed out.
    const dead = `clm_${'1'.repeat(8)}-0000-4000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
    await m.putOpeningClaim({
      claimId: dead, userId, linkId, bankCode: '0001', accountRef: 'acct-1', chargeIds: [x.chargeId, y.chargeId], amount: 12_000,
      claimStatus: 'OPENING', source: 'OPS', note: 'died', createdAt: new Date(Date.now() - 3600_000).toISOString(), createdBy: 'ops:test',
    });
    const { claimChargeItem } = await import('../../functions/adapters/claims-repo');
    await m.transact([claimChargeItem(x, dead)]);
    // An hour later ops try again: the victim must be compensable.
    const again = await m.openClaim([x, y], 'second try', 'OPS', 'ops:test');
    expect(again.claimStatus).toBe('OPEN');
  });
});

describe('the waiting list on an activity item written before it existed', () => {
  // Fixed: each waiting charge is a top-level attribute, so its REMOVE is a no-op on any older item.
  it('confirming to PROCESSING (REMOVE waiting.#w) on an activity item without a waiting map does not fail', async () => {
    const userId = uid('u');
    // An activity item as the code before issue 10 wrote it: no `waiting` attribute.
    await m.ddb().send(new PutCommand({ TableName: TABLE, Item: { ...m.keys.activity(userId), type: 'ACTIVITY', version: 3, recent: [] } }));
    await expect(m.transact([m.chargeConfirmedItem(userId, 'chg_legacy')])).resolves.not.toThrow();
    await expect(m.transact([m.doneWaitingItem(userId, 'chg_legacy')])).resolves.not.toThrow();
  });

  // Fixed: the sweeper also reads the unsharded key that open charges written before the shards keep.
  it('a charge left PROCESSING (debited, not credited) before the sharded sweeper index is still found by the sweeper', async () => {
    const userId = uid('u');
    const chargeId = `chg_${uid('legacy')}`;
    const at = new Date(Date.now() - 3600_000).toISOString();
    await m.ddb().send(new PutCommand({
      TableName: TABLE,
      Item: {
        ...m.keys.charge(userId, chargeId), type: 'CHARGE', gsi2pk: chargeId, gsi1pk: 'CHARGE#OPEN', gsi1sk: `${at}#${chargeId}`,
        chargeId, userId, linkId: 'lnk_1', bankCode: '0001', accountRef: 'acct-1', amount: 1_000, status: 'PROCESSING',
        decision: { outcome: 'ALLOW', reasons: [] }, requestHash: 'h', createdAt: at, updatedAt: at, history: [],
      },
    }));
    const { openCharges } = await import('../../functions/adapters/charges-repo');
    const { charges } = await openCharges({ dueBy: Date.now() });
    expect(charges.map((c) => c.chargeId)).toContain(chargeId);
  });
});
