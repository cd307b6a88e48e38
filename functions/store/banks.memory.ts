import type { AuditEntry } from '../domain/audit';
import type { BankStore } from './banks';
import { recordAudit } from './audit.memory';
import { copy, type MemoryWorld } from './memory-world';

/** The banks store over a MemoryWorld: the charging switch is the settings' flag (DynamoDB keeps copies of it for throughput only). */
export function memoryBanks(world: MemoryWorld): BankStore {
  const audit = (entry: AuditEntry) => recordAudit(world, entry);
  const eventKey = (e: { bankCode: string; eventId: string }) => `${e.bankCode}/${e.eventId}`;
  return {
    getBank: async (bankCode) => copy(world.banks.get(bankCode)),
    listBanks: async () => [...world.banks.values()].sort((a, b) => a.bankCode.localeCompare(b.bankCode)).map(copy),
    seedBank: async (settings) => {
      if (!world.banks.has(settings.bankCode)) world.banks.set(settings.bankCode, copy(settings));
    },
    saveBank: async (settings, entry) => {
      world.banks.set(settings.bankCode, copy(settings));
      audit(entry);
    },
    pauseLinking: async (bankCode, now, by, entry) => {
      const bank = world.banks.get(bankCode);
      if (bank?.linkingEnabled !== true) return false;
      world.banks.set(bankCode, { ...bank, linkingEnabled: false, updatedAt: new Date(now).toISOString(), updatedBy: by });
      audit(entry);
      return true;
    },
    receiveEvent: async (event, now) => {
      const seen = world.bankEvents.get(eventKey(event));
      if (seen) return { result: copy(seen.result) };
      world.bankEvents.set(eventKey(event), { event: copy(event), receivedAt: new Date(now).toISOString() });
      return {};
    },
    finishEvent: async (event, result) => {
      const seen = world.bankEvents.get(eventKey(event)) ?? { event: copy(event), receivedAt: new Date().toISOString() };
      world.bankEvents.set(eventKey(event), { ...seen, result: seen.result ?? copy(result) });
    },
  };
}
