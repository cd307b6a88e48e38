import { openListRef, sealListRef } from '../../functions/domain/list-ref';

const KEY = 'a'.repeat(64);

describe('sealed list references', () => {
  it('open to the key (and shown value) they were sealed with, for their own kind only', () => {
    const ref = sealListRef(KEY, 'BANK_ACCOUNT', { key: 'f'.repeat(64), shown: '0001-123-****567' });
    expect(ref).toMatch(/^~[A-Za-z0-9_-]+$/);
    expect(ref.length).toBeLessThanOrEqual(200);
    expect(ref).not.toContain('0001-123');
    expect(openListRef(KEY, 'BANK_ACCOUNT', ref)).toEqual({ key: 'f'.repeat(64), shown: '0001-123-****567' });
    expect(openListRef(KEY, 'PHONE', ref)).toBeUndefined();
    const phone = sealListRef(KEY, 'PHONE', { key: '+819012345678' });
    expect(openListRef(KEY, 'PHONE', phone)).toEqual({ key: '+819012345678' });
  });

  it('refuse a tampered reference, another key, and anything that is not one', () => {
    const ref = sealListRef(KEY, 'EKYC_IDENTITY', { key: 'ヤマダタロウ_1990-04-01' });
    const body = Buffer.from(ref.slice(1), 'base64url');
    body[14] ^= 1;
    expect(openListRef(KEY, 'EKYC_IDENTITY', `~${body.toString('base64url')}`)).toBeUndefined();
    expect(openListRef('b'.repeat(64), 'EKYC_IDENTITY', ref)).toBeUndefined();
    for (const value of ['~', '~AAAA', '+819012345678', 'dev-1', `~${'A'.repeat(80)}`]) expect(openListRef(KEY, 'EKYC_IDENTITY', value)).toBeUndefined();
  });

  it('seal one value to one reference (a read answers the same bytes), different values and kinds to different ones', () => {
    expect(sealListRef(KEY, 'PHONE', { key: '+819012345678' })).toBe(sealListRef(KEY, 'PHONE', { key: '+819012345678' }));
    expect(sealListRef(KEY, 'PHONE', { key: '+819012345678' })).not.toBe(sealListRef(KEY, 'PHONE', { key: '+819012345679' }));
    expect(sealListRef(KEY, 'PHONE', { key: 'x' }).slice(1, 17)).not.toBe(sealListRef(KEY, 'DEVICE', { key: 'x' }).slice(1, 17));
  });
});
