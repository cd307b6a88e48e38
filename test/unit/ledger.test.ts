/**
 * The double-entry ledger (DESIGN.md, Money rules): whatever sequence of charges and
 * compensations is posted, every entry balances, money is conserved (all accounts
 * sum to zero), and a wallet never goes negative or over its cap: a posting that
 * would do so throws and changes nothing.
 */
import fc from 'fast-check';
import { LIMITS } from '../../functions/domain/policy';
import {
  applyPostings,
  chargePostings,
  clearingAccount,
  compensationPostings,
  isBalanced,
  walletAccount,
  type AccountId,
  type Posting,
} from '../../functions/domain/ledger';

const CAP = LIMITS.maxBalance;
const USERS = ['u1', 'u2', 'u3'];
const BANKS = ['0001', '9900'];

const sum = (m: Map<AccountId, number>) => [...m.values()].reduce((s, v) => s + v, 0);
const balanceOf = (m: Map<AccountId, number>, a: AccountId) => m.get(a) ?? 0;

type Op = { kind: 'charge'; user: string; bank: string; amount: number } | { kind: 'compensation'; user: string; bank: string; refund: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('charge' as const), user: fc.constantFrom(...USERS), bank: fc.constantFrom(...BANKS), amount: fc.oneof(fc.integer({ min: 1, max: 500_000 }), fc.constantFrom(1, CAP)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compensation' as const), user: fc.constantFrom(...USERS), bank: fc.constantFrom(...BANKS), refund: fc.integer({ min: 1, max: 700_000 }) }) },
);

describe('chargePostings', () => {
  it('moves the amount from the bank clearing account into the wallet, balanced', () => {
    fc.assert(
      fc.property(fc.constantFrom(...USERS), fc.constantFrom(...BANKS), fc.integer({ min: 1, max: 10_000_000 }), (user, bank, amount) => {
        const postings = chargePostings(user, bank, amount);
        expect(isBalanced(postings)).toBe(true);
        expect(postings).toEqual([
          { account: clearingAccount(bank), amount: -amount },
          { account: walletAccount(user), amount },
        ]);
      }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses %p yen', (amount) => {
    expect(() => chargePostings('u1', '0001', amount)).toThrow(/positive integer yen/);
  });
});

describe('compensationPostings', () => {
  it('clawback + loss = refund; the clawback never exceeds what the wallet holds; the entry balances', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: -1_000, max: CAP }), (refund, walletBalance) => {
        const { clawback, loss, postings } = compensationPostings('u1', '0001', refund, walletBalance);
        expect(clawback + loss).toBe(refund);
        expect(clawback).toBe(Math.min(refund, Math.max(0, walletBalance)));
        expect(clawback).toBeGreaterThanOrEqual(0);
        expect(loss).toBeGreaterThanOrEqual(0);
        expect(isBalanced(postings)).toBe(true);
        expect(postings[0]).toEqual({ account: clearingAccount('0001'), amount: refund });
        expect(postings.every((p) => p.amount !== 0)).toBe(true);
        expect(postings.find((p) => p.account === walletAccount('u1'))?.amount ?? 0).toBe(-clawback || 0);
        expect(postings.find((p) => p.account === 'operator-loss')?.amount ?? 0).toBe(-loss || 0);
      }),
    );
  });

  it('a wallet that holds the whole refund pays it all; an empty wallet pays nothing and the operator takes the loss', () => {
    expect(compensationPostings('u1', '0001', 30_000, 50_000)).toMatchObject({ clawback: 30_000, loss: 0 });
    expect(compensationPostings('u1', '0001', 30_000, 10_000)).toMatchObject({ clawback: 10_000, loss: 20_000 });
    expect(compensationPostings('u1', '0001', 30_000, 0)).toMatchObject({ clawback: 0, loss: 30_000, postings: [{ account: clearingAccount('0001'), amount: 30_000 }, { account: 'operator-loss', amount: -30_000 }] });
  });

  it('refuses a refund that is not a positive integer', () => {
    expect(() => compensationPostings('u1', '0001', 0, 100)).toThrow();
    expect(() => compensationPostings('u1', '0001', 10.5, 100)).toThrow();
  });
});

describe('applyPostings', () => {
  it('refuses an unbalanced entry and changes nothing', () => {
    const before = new Map<AccountId, number>([[walletAccount('u1'), 100]]);
    const unbalanced: Posting[] = [{ account: walletAccount('u1'), amount: 50 }];
    expect(() => applyPostings(before, unbalanced, CAP)).toThrow(/unbalanced/);
    expect(before).toEqual(new Map([[walletAccount('u1'), 100]]));
  });

  it('a wallet may reach exactly its cap and exactly zero, never beyond', () => {
    const atCap = applyPostings(new Map(), chargePostings('u1', '0001', CAP), CAP);
    expect(balanceOf(atCap, walletAccount('u1'))).toBe(CAP);
    expect(() => applyPostings(atCap, chargePostings('u1', '0001', 1), CAP)).toThrow(/wallet:u1/);
    const drained: Posting[] = [{ account: walletAccount('u1'), amount: -CAP }, { account: 'operator-loss', amount: CAP }];
    expect(balanceOf(applyPostings(atCap, drained, CAP), walletAccount('u1'))).toBe(0);
    const overdrawn: Posting[] = [{ account: walletAccount('u1'), amount: -CAP - 1 }, { account: 'operator-loss', amount: CAP + 1 }];
    expect(() => applyPostings(atCap, overdrawn, CAP)).toThrow(/wallet:u1 would be -1/);
  });

  it('random sequences of charges and compensations: balanced, conserved, wallets within [0, cap], refusals change nothing', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let balances = new Map<AccountId, number>();
        // An independent model of what each wallet should hold.
        const model = new Map<string, number>(USERS.map((u) => [u, 0]));
        let refused = 0;
        for (const o of ops) {
          const wallet = walletAccount(o.user);
          const held = model.get(o.user)!;
          const postings = o.kind === 'charge' ? chargePostings(o.user, o.bank, o.amount) : compensationPostings(o.user, o.bank, o.refund, balanceOf(balances, wallet)).postings;
          expect(isBalanced(postings)).toBe(true);
          const wouldBe = o.kind === 'charge' ? held + o.amount : held - Math.min(o.refund, held);
          if (wouldBe > CAP) {
            const before = balances;
            expect(() => applyPostings(balances, postings, CAP)).toThrow(new RegExp(`${wallet} would be ${wouldBe}`));
            expect(balances).toBe(before);
            refused += 1;
          } else {
            const next = applyPostings(balances, postings, CAP);
            expect(next).not.toBe(balances); // a new map: the old state stays as it was
            balances = next;
            model.set(o.user, wouldBe);
          }
          expect(sum(balances)).toBe(0);
          for (const u of USERS) {
            const b = balanceOf(balances, walletAccount(u));
            expect(b).toBe(model.get(u));
            expect(b).toBeGreaterThanOrEqual(0);
            expect(b).toBeLessThanOrEqual(CAP);
          }
        }
        // Compensations never overdraw a wallet: only charges over the cap are ever refused.
        const overCap = ops.filter((o) => o.kind === 'charge').length;
        expect(refused).toBeLessThanOrEqual(overCap);
      }),
      { numRuns: 300 },
    );
  });

  it('money is conserved per bank: a clearing account holds minus what its charges credited plus what its refunds returned', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let balances = new Map<AccountId, number>();
        const expected = new Map<string, number>(BANKS.map((b) => [b, 0]));
        for (const o of ops) {
          const postings = o.kind === 'charge' ? chargePostings(o.user, o.bank, o.amount) : compensationPostings(o.user, o.bank, o.refund, balanceOf(balances, walletAccount(o.user))).postings;
          try {
            balances = applyPostings(balances, postings, CAP);
          } catch {
            continue;
          }
          expected.set(o.bank, expected.get(o.bank)! + (o.kind === 'charge' ? -o.amount : o.refund));
        }
        for (const b of BANKS) expect(balanceOf(balances, clearingAccount(b))).toBe(expected.get(b));
        const wallets = USERS.reduce((s, u) => s + balanceOf(balances, walletAccount(u)), 0);
        const clearing = BANKS.reduce((s, b) => s + balanceOf(balances, clearingAccount(b)), 0);
        expect(wallets + clearing + balanceOf(balances, 'operator-loss')).toBe(0);
      }),
    );
  });
});
