import type { StoredCode } from '../domain/codes';
import type { CodeSlot, CodeStore } from './codes';
import { copy, type MemoryWorld } from './memory-world';

/** The key of a phone or link code in `world.codes`; other areas' memory stores write link codes under it. */
export const memoryCodeKey = (slot: Exclude<CodeSlot, { purpose: 'charge' }>) => (slot.purpose === 'phone' ? `phone/${slot.userId}` : `link/${slot.linkId}`);

/**
 * A charge keeps its code on the charge record (the charges area's `world.charges`, keyed
 * `${userId}/${chargeId}` like its DynamoDB item): read and counted there, in place.
 */
function chargeRecord(world: MemoryWorld, slot: Extract<CodeSlot, { purpose: 'charge' }>): Partial<StoredCode> | undefined {
  return world.charges.get(`${slot.userId}/${slot.chargeId}`);
}

const ownOnly = (slot: CodeSlot): Exclude<CodeSlot, { purpose: 'charge' }> => {
  if (slot.purpose === 'charge') throw new Error('a charge code is written and removed with its charge');
  return slot;
};

/** The codes port over `world.codes` (and the charges' records for charge codes). */
export function memoryCodes(world: MemoryWorld): CodeStore {
  const find = (slot: CodeSlot) => (slot.purpose === 'charge' ? chargeRecord(world, slot) : world.codes.get(memoryCodeKey(slot)));
  return {
    async getCode(slot) {
      return copy(find(slot)) as StoredCode | undefined;
    },
    async replaceCode(slot, code, previousSentAt) {
      const key = memoryCodeKey(ownOnly(slot));
      const was = world.codes.get(key);
      if (previousSentAt === undefined ? was !== undefined : was?.sentAt !== previousSentAt) return false;
      world.codes.set(key, copy(code));
      return true;
    },
    async countWrongCode(slot, hash, maxAttempts) {
      const code = find(slot);
      if (code?.hash !== hash || typeof code.attempts !== 'number' || !(code.attempts < maxAttempts)) return undefined;
      code.attempts += 1;
      return code.attempts;
    },
    async deleteCode(slot) {
      world.codes.delete(memoryCodeKey(ownOnly(slot)));
    },
  };
}
