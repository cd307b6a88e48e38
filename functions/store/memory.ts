import { memoryChargesStore } from './charges.memory';
import type { Stores } from './index';
import type { MemoryWorld } from './memory-world';

/**
 * The in-memory stores over one world: what the service tests install with `useStores`.
 * Each area registers its store here; an area without one yet falls back to DynamoDB,
 * which the service tier never configures, so a use case reaching it fails loudly.
 */
export function memoryStores(world: MemoryWorld): Partial<Stores> {
  return {
    charges: memoryChargesStore(world),
  };
}
