/**
 * The bank link's life cycle and how an account number is kept: a link becomes
 * ACTIVE only through the bank's authorization and the wallet phone's code, failed
 * and removed links never come back, and the full number is never stored.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { accountHash, canMove, LINK_STATUSES, maskAccount, type BankAccount, type LinkStatus } from '../../functions/domain/bank-link';

/** The life cycle as the product defines it, written out independently of the code. */
const ALLOWED: [LinkStatus, LinkStatus][] = [
  ['PENDING_BANK_AUTH', 'PENDING_CONFIRMATION'],
  ['PENDING_BANK_AUTH', 'FAILED'],
  ['PENDING_BANK_AUTH', 'REMOVED'],
  ['PENDING_CONFIRMATION', 'ACTIVE'],
  ['PENDING_CONFIRMATION', 'FAILED'],
  ['PENDING_CONFIRMATION', 'REMOVED'],
  ['ACTIVE', 'SUSPENDED'],
  ['ACTIVE', 'REMOVED'],
  ['SUSPENDED', 'ACTIVE'],
  ['SUSPENDED', 'REMOVED'],
];
const STATUSES: LinkStatus[] = ['PENDING_BANK_AUTH', 'PENDING_CONFIRMATION', 'ACTIVE', 'FAILED', 'SUSPENDED', 'REMOVED'];
const isAllowed = (from: LinkStatus, to: LinkStatus) => ALLOWED.some(([f, t]) => f === from && t === to);
const ALL_PAIRS = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as [LinkStatus, LinkStatus]));

describe('link state machine', () => {
  it('knows exactly the six statuses of the API contract', () => {
    expect([...LINK_STATUSES].sort()).toEqual([...STATUSES].sort());
  });

  test.each(ALL_PAIRS.filter(([f, t]) => isAllowed(f, t)))('allows %s → %s', (from, to) => {
    expect(canMove(from, to)).toBe(true);
  });

  test.each(ALL_PAIRS.filter(([f, t]) => !isAllowed(f, t)))('forbids %s → %s', (from, to) => {
    expect(canMove(from, to)).toBe(false);
  });

  it.each(['FAILED', 'REMOVED'] as LinkStatus[])('%s is terminal: no move out of it, not even to itself', (terminal) => {
    expect(STATUSES.filter((to) => canMove(terminal, to))).toEqual([]);
  });

  it('never skips the bank or the SMS code: nothing but PENDING_CONFIRMATION and SUSPENDED leads to ACTIVE', () => {
    expect(STATUSES.filter((from) => canMove(from, 'ACTIVE')).sort()).toEqual(['PENDING_CONFIRMATION', 'SUSPENDED']);
    expect(STATUSES.filter((from) => canMove(from, 'PENDING_CONFIRMATION'))).toEqual(['PENDING_BANK_AUTH']);
  });

  it('random walks from PENDING_BANK_AUTH only take moves in the table, and stop at a terminal status', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATUSES), { maxLength: 40 }), (attempts) => {
        let at: LinkStatus = 'PENDING_BANK_AUTH';
        const path: LinkStatus[] = [at];
        for (const to of attempts) {
          const moved = canMove(at, to);
          expect({ from: at, to, moved }).toEqual({ from: at, to, moved: isAllowed(at, to) });
          if (at === 'FAILED' || at === 'REMOVED') expect(moved).toBe(false);
          if (moved) {
            at = to;
            path.push(at);
          }
        }
        // Whatever the walk, ACTIVE was first reached through PENDING_CONFIRMATION.
        const firstActive = path.indexOf('ACTIVE');
        if (firstActive >= 0) expect(path[firstActive - 1]).toBe('PENDING_CONFIRMATION');
        expect(path.filter((s) => s === 'PENDING_CONFIRMATION').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('random walks from any status never leave the table (and unknown targets are refused)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), fc.array(fc.constantFrom(...STATUSES), { maxLength: 20 }), (start, attempts) => {
        let at = start;
        for (const to of attempts) {
          if (canMove(at, to)) {
            expect(isAllowed(at, to)).toBe(true);
            at = to;
          } else expect(isAllowed(at, to)).toBe(false);
          expect(STATUSES).toContain(at);
        }
      }),
    );
    expect(canMove('ACTIVE', 'DELETED' as LinkStatus)).toBe(false);
    expect(canMove('PENDING_BANK_AUTH', 'ACTIVE')).toBe(false);
  });
});

describe('accountHash', () => {
  const account: BankAccount = { bankCode: '0001', branchCode: '123', accountNumber: '1234567' };
  const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
  const anyAccount = fc.record({ bankCode: digits(4), branchCode: digits(3), accountNumber: digits(7) });
  const anyKey = fc.string({ minLength: 1, maxLength: 40 });

  it('is deterministic: the same key and account give the same hash', () => {
    expect(accountHash('k1', account)).toBe(accountHash('k1', { ...account }));
    fc.assert(fc.property(anyKey, anyAccount, (key, a) => accountHash(key, a) === accountHash(key, { ...a })));
  });

  it('is keyed: another key gives another hash for the same account', () => {
    expect(accountHash('k1', account)).not.toBe(accountHash('k2', account));
    fc.assert(fc.property(anyKey, anyKey, anyAccount, (k1, k2, a) => {
      fc.pre(k1 !== k2);
      return accountHash(k1, a) !== accountHash(k2, a);
    }));
  });

  it('is not a plain hash of the number that anyone could recompute', () => {
    const plain = (s: string) => createHash('sha256').update(s).digest('hex');
    const h = accountHash('secret-key', account);
    for (const guess of ['0001-123-1234567', '00011231234567', '1234567']) expect(h).not.toBe(plain(guess));
  });

  it('tells apart accounts that differ in any one field', () => {
    const h = accountHash('k', account);
    expect(accountHash('k', { ...account, bankCode: '0002' })).not.toBe(h);
    expect(accountHash('k', { ...account, branchCode: '124' })).not.toBe(h);
    expect(accountHash('k', { ...account, accountNumber: '1234568' })).not.toBe(h);
    fc.assert(fc.property(anyAccount, anyAccount, (a, b) => {
      fc.pre(a.bankCode !== b.bankCode || a.branchCode !== b.branchCode || a.accountNumber !== b.accountNumber);
      return accountHash('k', a) !== accountHash('k', b);
    }));
  });

  it('depends on the account only, not on extra fields the request carried', () => {
    expect(accountHash('k', { ...account, holder: 'x' } as BankAccount)).toBe(accountHash('k', account));
  });

  it('is 256-bit hex that does not contain the account number', () => {
    fc.assert(fc.property(anyKey, anyAccount, (key, a) => {
      const h = accountHash(key, a);
      expect(h).toMatch(/^[0-9a-f]{64}$/);
      expect(h.includes(a.accountNumber)).toBe(false);
    }), { numRuns: 500 });
  });
});

describe('maskAccount', () => {
  it('shows only the last three digits', () => {
    expect(maskAccount('1234567')).toBe('****567');
    expect(maskAccount('0000001')).toBe('****001');
  });

  it('for any 7-digit number: four stars and the last three digits, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 7 }), (n) => {
        const masked = maskAccount(n);
        expect(masked).toBe(`****${n.slice(4)}`);
        expect(masked.replace(/\D/g, '')).toHaveLength(3);
      }),
    );
  });
});
