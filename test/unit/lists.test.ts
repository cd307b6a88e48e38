import { applyListHits, canonicalValue, identityValue, type ListHit } from '../../functions/domain/lists';
import { denyError } from '../../functions/domain/risk';

const hit = (kind: ListHit['kind'], action: ListHit['action']): ListHit => ({ kind, action, reason: 'r', until: '2099-01-01T00:00:00.000Z' });

describe('list values', () => {
  it('make an eKYC identity canonical with the holder match normalization, so any kana spelling of one person is one key', () => {
    expect(canonicalValue('EKYC_IDENTITY', 'ﾔﾏﾀﾞ ﾀﾛｳ_1990-04-01')).toEqual({ value: 'ヤマダタロウ_1990-04-01' });
    expect(canonicalValue('EKYC_IDENTITY', 'やまだ　たろう_1990-04-01')).toEqual({ value: 'ヤマダタロウ_1990-04-01' });
    expect(identityValue('ヤマダ タロウ', '1990-04-01')).toBe('ヤマダタロウ_1990-04-01');
    expect(canonicalValue('EKYC_IDENTITY', 'Yamada_1990-04-01')).toHaveProperty('error');
    expect(canonicalValue('EKYC_IDENTITY', 'ヤマダ_1990-13-45')).toHaveProperty('error');
  });

  it('check phones, bank accounts and devices', () => {
    expect(canonicalValue('PHONE', '+819012345678')).toEqual({ value: '+819012345678' });
    expect(canonicalValue('PHONE', '09012345678')).toHaveProperty('error');
    expect(canonicalValue('BANK_ACCOUNT', '0001-001-1234567')).toEqual({ value: '0001-001-1234567' });
    expect(canonicalValue('BANK_ACCOUNT', '0001-001-123456')).toHaveProperty('error');
    expect(canonicalValue('DEVICE', 'x'.repeat(201))).toHaveProperty('error');
  });
});

describe('list hits on a decision', () => {
  const allow = { outcome: 'ALLOW' as const, reasons: [] };
  const challenge = { outcome: 'CHALLENGE' as const, reasons: ['NEW_DEVICE' as const] };

  it('DENY wins over everything and answers CHARGE_DECLINED; the entry is the reason\'s fact', () => {
    const d = applyListHits(challenge, [hit('DEVICE', 'DENY'), hit('PHONE', 'REVIEW')]);
    expect(d).toEqual({ outcome: 'DENY', reasons: ['LISTED_DEVICE'], facts: expect.objectContaining({ LISTED_DEVICE: expect.objectContaining({ action: 'DENY' }) }) });
    expect(denyError(d.reasons)).toBe('CHARGE_DECLINED');
  });

  it('REVIEW sends an allowed or challenged charge to a human, keeping the challenge reasons (the code comes first)', () => {
    expect(applyListHits(allow, [hit('BANK_ACCOUNT', 'REVIEW')])).toEqual(expect.objectContaining({ outcome: 'REVIEW', reasons: ['LISTED_BANK_ACCOUNT'] }));
    expect(applyListHits(challenge, [hit('EKYC_IDENTITY', 'REVIEW')])).toEqual(expect.objectContaining({ outcome: 'REVIEW', reasons: ['LISTED_EKYC_IDENTITY', 'NEW_DEVICE'] }));
  });

  it('leaves a decision alone without hits, and a limit DENY keeps its own code', () => {
    expect(applyListHits(allow, [])).toBe(allow);
    const limit = { outcome: 'DENY' as const, reasons: ['WALLET_FROZEN' as const] };
    expect(applyListHits(limit, [hit('PHONE', 'REVIEW')])).toBe(limit);
    expect(denyError(applyListHits(limit, [hit('PHONE', 'DENY')]).reasons)).toBe('ACCOUNT_FROZEN');
  });
});
