import { listKey } from '../adapters/lists-repo';
import { identityValue, type ListHit, type ListKind } from '../domain/lists';
import { recordAudit } from './audit.memory';
import type { KeyedListEntry, ListStore } from './lists';
import { copy, type MemoryWorld } from './memory-world';

export function memoryLists(world: MemoryWorld): ListStore {
  const inForce = (kind: ListKind, key: string, now: number) => {
    const e = world.listEntries.get(`${kind}/${key}`);
    return e && Date.parse(e.until) > now ? e : undefined;
  };
  return {
    async listHits(probe, now) {
      const wanted: [ListKind, string][] = [];
      if (probe.deviceId) wanted.push(['DEVICE', await listKey('DEVICE', probe.deviceId)]);
      if (probe.phoneNumber) wanted.push(['PHONE', probe.phoneNumber]);
      if (probe.accountHash) wanted.push(['BANK_ACCOUNT', probe.accountHash]);
      if (probe.identity) wanted.push(['EKYC_IDENTITY', identityValue(probe.identity.fullNameKana, probe.identity.dateOfBirth)]);
      return wanted.flatMap(([kind, key]): ListHit[] => {
        const e = inForce(kind, key, now);
        return e ? [{ kind: e.kind, action: e.action, reason: e.reason, until: e.until }] : [];
      });
    },
    listKey,
    async listEntries(now) {
      const items: KeyedListEntry[] = [];
      for (const [k, e] of world.listEntries) if (Date.parse(e.until) > now) items.push({ ...copy(e), key: k.slice(e.kind.length + 1) });
      return items;
    },
    async putEntry(key, entry, audit) {
      world.listEntries.set(`${entry.kind}/${key}`, copy(entry));
      recordAudit(world, audit);
    },
    async deleteEntry(kind, key, audit) {
      // Like the DynamoDB delete's condition: an entry past its `until` that TTL has not removed yet still exists.
      if (!world.listEntries.delete(`${kind}/${key}`)) return false;
      recordAudit(world, audit);
      return true;
    },
  };
}
