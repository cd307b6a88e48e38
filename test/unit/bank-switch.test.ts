import { bankWrites, CHARGING_SHARDS, chargingShardOf, chargingSwitchKey } from '../../functions/adapters/banks-repo';
import type { BankSettings } from '../../functions/domain/bank';


const settings = (chargingEnabled: boolean): BankSettings => ({
  bankCode: '0001', name: 'Bank 0001', linkingEnabled: true, chargingEnabled, updatedAt: '2026-11-30T00:00:00.000Z', updatedBy: 'ops@example.com',
});

describe("a bank's charging switch, copied so that no key takes every charge of the bank", () => {
  it.each([true, false])('one change writes the settings and every copy with chargingEnabled=%s', (on) => {
    const writes = bankWrites(settings(on), 'wallet-test');
    expect(writes).toHaveLength(1 + CHARGING_SHARDS);
    expect(writes[0].Put!.Item).toMatchObject({ pk: 'BANK#0001', sk: 'SETTINGS', chargingEnabled: on });
    const copies = writes.slice(1).map((w) => w.Put!.Item as Record<string, unknown>);
    expect(new Set(copies.map((c) => c.pk)).size).toBe(CHARGING_SHARDS);
    for (const c of copies) expect(c).toMatchObject({ sk: 'SWITCH', bankCode: '0001', chargingEnabled: on });
  });

  it('every key a charge can check is one of the copies a change writes', () => {
    const written = new Set(bankWrites(settings(false), 'wallet-test').slice(1).map((w) => (w.Put!.Item as { pk: string }).pk));
    for (let i = 0; i < 2000; i++) expect(written.has(chargingSwitchKey('0001', `user-${i}`).pk)).toBe(true);
  });

  it('a wallet always checks the same copy, and wallets spread evenly over all of them', () => {
    const counts = new Array(CHARGING_SHARDS).fill(0);
    const users = 16_000;
    for (let i = 0; i < users; i++) {
      const id = `3f1c${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
      expect(chargingShardOf(id)).toBe(chargingShardOf(id));
      counts[chargingShardOf(id)]++;
    }
    const mean = users / CHARGING_SHARDS;
    for (const c of counts) expect(Math.abs(c - mean) / mean).toBeLessThan(0.1);
  });
});
