import { staffMember } from '../domain/staff';
import type { MemoryWorld } from './memory-world';
import { opsSubOf, staffCaller, type StaffStore } from './staff';

export function memoryStaff(world: MemoryWorld): StaffStore {
  return {
    async staffOf(req) {
      const { userId: id, email } = staffCaller(req);
      return staffMember(id, email ?? world.staff.get(id)?.email ?? id);
    },
    async recordStaffSignIn(accessToken, email, now) {
      try {
        const sub = opsSubOf(accessToken);
        if (sub) world.staff.set(sub, { email, signedInAt: new Date(now).toISOString() });
      } catch {
        /* the e-mail is for display; the sub still identifies the member of staff */
      }
    },
  };
}
