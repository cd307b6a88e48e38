import { auditPut } from '../../functions/adapters/audit';

it('an audit record lives in its subject\'s partition and writes no index entry (no service-wide hot key)', () => {
  const item = auditPut('t', { userId: 'u1', actor: 'user:u1', action: 'X', at: Date.UTC(2026, 0, 1) }).Put!.Item!;
  expect(item.pk).toBe('AUDIT#u1');
  expect(Object.keys(item).filter((k) => /^gsi/.test(k))).toEqual([]);
});
