import { memoryChargesStore } from './charges.memory';
import type { Stores } from './index';
import type { MemoryWorld } from './memory-world';

/** The in-memory stores over one world, for the service tests (`useStores(memoryStores(world))`). */
export function memoryStores(world: MemoryWorld): Partial<Stores> {
  return {
    charges: memoryChargesStore(world),
  };
}
