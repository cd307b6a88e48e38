/**
 * Reconciliation (DESIGN.md, Money rules): every bank debit matches exactly one ledger
 * credit or is reversed, every credit matches a debit, every refund is recorded on
 * both sides, every wallet equals the sum of its postings. A consistent world reports
 * nothing; each kind of break is reported under its own kind; replays and
 * duplicates of the same move are not breaks.
 */
import fc from 'fast-check';
import { chargePostings, compensationPostings } from '../../functions/domain/ledger';
import { reconcile, type BankMoveRecord, type Difference, type LedgerEntryRecord, type WalletRecordLite } from '../../functions/domain/reconcile';

interface World {
  bank: BankMoveRecord[];
  ledger: LedgerEntryRecord[];
  wallets: WalletRecordLite[];
  inFlight: Set<string>;
}

type Fate = 'COMPLETED' | 'REVERSED' | 'IN_FLIGHT' | 'NO_DEBIT';
interface ChargeSpec {
  chargeId: string;
  userId: string;
  bankCode: string;
  amount: number;
  fate: Fate;
}
interface RefundSpec {
  claimId: string;
  userId: string;
  bankCode: string;
  refund: number;
}

const chargeEntry = (c: Pick<ChargeSpec, 'chargeId' | 'userId' | 'bankCode' | 'amount'>, entryId = `ent_${c.chargeId.slice(4)}`): LedgerEntryRecord => ({
  entryId, entryType: 'CHARGE', chargeId: c.chargeId, amount: c.amount, postings: chargePostings(c.userId, c.bankCode, c.amount),
});

/** Builds the bank statement, the ledger and the wallets of a world where everything went right. */
function buildWorld(charges: ChargeSpec[], refunds: RefundSpec[]): World {
  const bank: BankMoveRecord[] = [];
  const ledger: LedgerEntryRecord[] = [];
  const balances = new Map<string, number>();
  const inFlight = new Set<string>();
  for (const c of charges) {
    balances.set(c.userId, balances.get(c.userId) ?? 0);
    if (c.fate === 'NO_DEBIT') continue;
    bank.push({ bankCode: c.bankCode, kind: 'DEBIT', idempotencyKey: c.chargeId, amount: c.amount });
    if (c.fate === 'COMPLETED') {
      ledger.push(chargeEntry(c));
      balances.set(c.userId, balances.get(c.userId)! + c.amount);
    } else if (c.fate === 'REVERSED') {
      bank.push({ bankCode: c.bankCode, kind: 'REVERSAL', idempotencyKey: `reversal:${c.chargeId}`, amount: c.amount });
    } else inFlight.add(c.chargeId);
  }
  for (const r of refunds) {
    const { postings } = compensationPostings(r.userId, r.bankCode, r.refund, balances.get(r.userId) ?? 0);
    const walletMove = postings.find((p) => p.account === `wallet:${r.userId}`)?.amount ?? 0;
    balances.set(r.userId, (balances.get(r.userId) ?? 0) + walletMove);
    bank.push({ bankCode: r.bankCode, kind: 'CREDIT', idempotencyKey: `refund:${r.claimId}`, amount: r.refund });
    ledger.push({ entryId: `ent_${r.claimId}`, entryType: 'COMPENSATION', refundKey: `refund:${r.claimId}`, amount: r.refund, postings });
  }
  return { bank, ledger, wallets: [...balances].map(([userId, balance]) => ({ userId, balance })), inFlight };
}

const run = (w: World) => reconcile(w.bank, w.ledger, w.wallets, w.inFlight);
const kinds = (d: Difference[]) => d.map((x) => x.kind).sort();

const USERS = ['u1', 'u2', 'u3'];
const chargeSpecs = fc.uniqueArray(
  fc.record({
    chargeId: fc.stringMatching(/^[0-9a-f]{32}$/).map((h) => `chg_${h}`),
    userId: fc.constantFrom(...USERS),
    bankCode: fc.constantFrom('0001', '9900'),
    amount: fc.integer({ min: 1, max: 500_000 }),
    fate: fc.constantFrom<Fate>('COMPLETED', 'COMPLETED', 'REVERSED', 'IN_FLIGHT', 'NO_DEBIT'),
  }),
  { maxLength: 25, selector: (c) => c.chargeId },
);
const refundSpecs = fc.uniqueArray(
  fc.record({ claimId: fc.stringMatching(/^[0-9a-f]{12}$/).map((h) => `clm_${h}`), userId: fc.constantFrom(...USERS), bankCode: fc.constantFrom('0001', '9900'), refund: fc.integer({ min: 1, max: 300_000 }) }),
  { maxLength: 4, selector: (r) => r.claimId },
);
const worlds = fc.tuple(chargeSpecs, refundSpecs).map(([c, r]) => ({ charges: c, refunds: r, world: buildWorld(c, r) }));

/** A small fixed world with one charge of each fate and one compensation. */
function sample() {
  const charges: ChargeSpec[] = [
    { chargeId: 'chg_done', userId: 'u1', bankCode: '0001', amount: 5_000, fate: 'COMPLETED' },
    { chargeId: 'chg_back', userId: 'u1', bankCode: '0001', amount: 7_000, fate: 'REVERSED' },
    { chargeId: 'chg_moving', userId: 'u2', bankCode: '9900', amount: 3_000, fate: 'IN_FLIGHT' },
    { chargeId: 'chg_more', userId: 'u2', bankCode: '9900', amount: 2_000, fate: 'COMPLETED' },
  ];
  return buildWorld(charges, [{ claimId: 'clm_1', userId: 'u1', bankCode: '0001', refund: 6_000 }]);
}

describe('reconcile: the clean case', () => {
  it('a world where everything went right has no differences, and counts each side', () => {
    const report = run(sample());
    expect(report).toEqual({ bankDebits: 4, bankReversals: 1, bankCredits: 1, ledgerCredits: 2, inFlight: ['chg_moving'], differences: [] });
  });

  it('any consistent world has no differences; in-flight debits are listed, not reported', () => {
    fc.assert(
      fc.property(worlds, ({ charges, refunds, world }) => {
        const report = run(world);
        expect(report.differences).toEqual([]);
        expect(report.inFlight.sort()).toEqual(charges.filter((c) => c.fate === 'IN_FLIGHT').map((c) => c.chargeId).sort());
        expect(report.bankDebits).toBe(charges.filter((c) => c.fate !== 'NO_DEBIT').length);
        expect(report.bankReversals).toBe(charges.filter((c) => c.fate === 'REVERSED').length);
        expect(report.ledgerCredits).toBe(charges.filter((c) => c.fate === 'COMPLETED').length);
        expect(report.bankCredits).toBe(refunds.length);
      }),
    );
  });

  it('an empty world is clean', () => {
    expect(reconcile([], [], [], new Set())).toEqual({ bankDebits: 0, bankReversals: 0, bankCredits: 0, ledgerCredits: 0, inFlight: [], differences: [] });
  });
});

describe('reconcile: each kind of difference is detected', () => {
  it('DEBIT_NOT_CREDITED: the bank debited, the charge is no longer moving, no credit and no reversal', () => {
    const w = sample();
    w.inFlight.delete('chg_moving');
    expect(run(w).differences).toEqual([{ kind: 'DEBIT_NOT_CREDITED', key: 'chg_moving', detail: expect.stringContaining('3000') }]);
  });

  it('CREDIT_WITHOUT_DEBIT: the ledger credited a charge the bank never debited', () => {
    const w = sample();
    w.ledger.push(chargeEntry({ chargeId: 'chg_ghost', userId: 'u3', bankCode: '0001', amount: 9_000 }));
    w.wallets.push({ userId: 'u3', balance: 9_000 });
    expect(run(w).differences).toEqual([{ kind: 'CREDIT_WITHOUT_DEBIT', key: 'chg_ghost', detail: expect.any(String) }]);
  });

  it('CREDIT_WITHOUT_DEBIT: the debit was reversed and the wallet credited too (refunded AND completed)', () => {
    const w = sample();
    w.ledger.push(chargeEntry({ chargeId: 'chg_back', userId: 'u1', bankCode: '0001', amount: 7_000 }));
    w.wallets.find((x) => x.userId === 'u1')!.balance += 7_000;
    expect(run(w).differences).toEqual([{ kind: 'CREDIT_WITHOUT_DEBIT', key: 'chg_back', detail: expect.stringContaining('reversed') }]);
  });

  it('AMOUNT_MISMATCH: the credit is not what the bank debited', () => {
    const w = sample();
    const entry = w.ledger.find((e) => e.chargeId === 'chg_done')!;
    Object.assign(entry, chargeEntry({ chargeId: 'chg_done', userId: 'u1', bankCode: '0001', amount: 5_001 }));
    w.wallets.find((x) => x.userId === 'u1')!.balance += 1;
    expect(run(w).differences).toEqual([{ kind: 'AMOUNT_MISMATCH', key: 'chg_done', detail: 'bank 5000, ledger 5001' }]);
  });

  it('AMOUNT_MISMATCH: a refund recorded for another amount than the bank paid', () => {
    const w = sample();
    w.bank.find((m) => m.kind === 'CREDIT')!.amount = 6_500;
    expect(run(w).differences).toEqual([{ kind: 'AMOUNT_MISMATCH', key: 'refund:clm_1', detail: 'refund: bank 6500, ledger 6000' }]);
  });

  it('DUPLICATE_CREDIT: two ledger credits for one charge', () => {
    const w = sample();
    w.ledger.push(chargeEntry({ chargeId: 'chg_done', userId: 'u1', bankCode: '0001', amount: 5_000 }, 'ent_second'));
    w.wallets.find((x) => x.userId === 'u1')!.balance += 5_000;
    expect(kinds(run(w).differences)).toEqual(['DUPLICATE_CREDIT']);
    expect(run(w).differences[0]).toMatchObject({ key: 'chg_done', detail: expect.stringContaining('ent_second') });
  });

  it('REFUND_NOT_RECORDED: the bank paid a refund the ledger does not know', () => {
    const w = sample();
    w.bank.push({ bankCode: '9900', kind: 'CREDIT', idempotencyKey: 'refund:clm_unknown', amount: 1_000 });
    expect(run(w).differences).toEqual([{ kind: 'REFUND_NOT_RECORDED', key: 'refund:clm_unknown', detail: expect.any(String) }]);
  });

  it('REFUND_WITHOUT_BANK_CREDIT: the ledger records a refund the bank never made', () => {
    const w = sample();
    w.bank = w.bank.filter((m) => m.kind !== 'CREDIT');
    expect(run(w).differences).toEqual([{ kind: 'REFUND_WITHOUT_BANK_CREDIT', key: 'refund:clm_1', detail: expect.any(String) }]);
  });

  it('BALANCE_MISMATCH: a wallet balance that is not the sum of its postings', () => {
    const w = sample();
    w.wallets.find((x) => x.userId === 'u2')!.balance += 1;
    expect(run(w).differences).toEqual([{ kind: 'BALANCE_MISMATCH', key: 'u2', detail: 'balance 2001, postings sum 2000' }]);
  });

  it('BALANCE_MISMATCH: a wallet with a balance and no postings at all', () => {
    const w = sample();
    w.wallets.push({ userId: 'u9', balance: 100 });
    expect(run(w).differences).toEqual([{ kind: 'BALANCE_MISMATCH', key: 'u9', detail: 'balance 100, postings sum 0' }]);
  });

  it('UNBALANCED_ENTRY: postings that do not sum to zero', () => {
    const w = sample();
    const entry = w.ledger.find((e) => e.chargeId === 'chg_more')!;
    entry.postings = [{ account: 'bank-clearing:9900', amount: -1_999 }, { account: 'wallet:u2', amount: 2_000 }];
    expect(run(w).differences).toEqual([{ kind: 'UNBALANCED_ENTRY', key: entry.entryId, detail: expect.any(String) }]);
  });

  it('in any consistent world, dropping one completed charge\'s credit is found as exactly that charge (plus its wallet)', () => {
    fc.assert(
      fc.property(worlds, fc.nat(), ({ charges, world }, pick) => {
        const completed = charges.filter((c) => c.fate === 'COMPLETED');
        fc.pre(completed.length > 0);
        const victim = completed[pick % completed.length];
        const broken = { ...world, ledger: world.ledger.filter((e) => e.chargeId !== victim.chargeId) };
        const report = run(broken);
        expect(report.differences.filter((d) => d.kind === 'DEBIT_NOT_CREDITED')).toEqual([expect.objectContaining({ key: victim.chargeId })]);
        expect(report.differences.filter((d) => d.kind !== 'DEBIT_NOT_CREDITED')).toEqual([{ kind: 'BALANCE_MISMATCH', key: victim.userId, detail: expect.any(String) }]);
      }),
    );
  });
});

describe('reconcile: replays and duplicates', () => {
  it('is pure: running it twice gives the same report and changes none of its inputs', () => {
    fc.assert(
      fc.property(worlds, ({ world }) => {
        const copy = structuredClone(world);
        const first = run(world);
        expect(run(world)).toEqual(first);
        expect(world).toEqual(copy);
      }),
    );
  });

  it('the order of the statement and of the ledger does not matter', () => {
    fc.assert(
      fc.property(worlds, fc.integer(), ({ world }, seed) => {
        const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: Math.sin(seed + i * 7919) })).sort((a, b) => a.k - b.k).map((p) => p.x);
        const shuffled = { ...world, bank: shuffle(world.bank), ledger: shuffle(world.ledger), wallets: shuffle(world.wallets) };
        const a = run(world);
        const b = run(shuffled);
        expect({ ...b, inFlight: [...b.inFlight].sort() }).toEqual({ ...a, inFlight: [...a.inFlight].sort() });
      }),
    );
  });

  it('a bank move replayed with its idempotency key (listed twice) is one move, not a difference', () => {
    fc.assert(
      fc.property(worlds, ({ world }) => {
        const replayed = { ...world, bank: [...world.bank, ...world.bank.map((m) => ({ ...m }))] };
        const a = run(world);
        expect(run(replayed)).toEqual(a);
      }),
    );
  });

  it('a charge replayed by its Idempotency-Key (one debit, one credit) is clean; a second credit for it is not', () => {
    const w = sample();
    w.bank.push({ bankCode: '0001', kind: 'DEBIT', idempotencyKey: 'chg_done', amount: 5_000 });
    expect(run(w).differences).toEqual([]);
    w.ledger.push(chargeEntry({ chargeId: 'chg_done', userId: 'u1', bankCode: '0001', amount: 5_000 }, 'ent_replayed'));
    expect(kinds(run(w).differences)).toContain('DUPLICATE_CREDIT');
  });

  it('a reversal replayed (listed twice) still counts as one reversal', () => {
    const w = sample();
    w.bank.push({ bankCode: '0001', kind: 'REVERSAL', idempotencyKey: 'reversal:chg_back', amount: 7_000 });
    expect(run(w)).toMatchObject({ bankReversals: 1, differences: [] });
  });
});
