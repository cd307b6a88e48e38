import type { Stores } from './index';
import { memoryBanks } from './banks.memory';
import { memoryLinks } from './links.memory';
import type { MemoryWorld } from './memory-world';
import { memoryAudit } from './audit.memory';
import { memoryClaims } from './claims.memory';
import { memoryLists } from './lists.memory';
import { memoryStaff } from './staff.memory';
import { memoryCodes } from './codes.memory';
import { memoryEkyc } from './ekyc.memory';
import { memorySmsLimits } from './sms-limits.memory';
import { memoryUsers } from './users.memory';
import { memoryReviews } from './reviews.memory';
import { memoryRules } from './rules.memory';

/**
 * The in-memory stores over one world: what the service tests install with `useStores`.
 * Each area registers its store here; an area without one yet falls back to DynamoDB,
 * which the service tier never configures, so a use case reaching it fails loudly.
 */
export function memoryStores(world: MemoryWorld): Partial<Stores> {
  return {
    claims: memoryClaims(world),
    staff: memoryStaff(world),
    lists: memoryLists(world),
    audit: memoryAudit(world),
    users: memoryUsers(world),
    codes: memoryCodes(world),
    ekyc: memoryEkyc(world),
    smsLimits: memorySmsLimits(world),
    links: memoryLinks(world),
    banks: memoryBanks(world),
    reviews: memoryReviews(world),
    rules: memoryRules(world),
  };
}
