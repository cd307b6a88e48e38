import { DomainError } from '../shared/errors';
import type { EkycStore } from './ekyc';
import { copy, type MemoryWorld } from './memory-world';
import { recordAudit } from './audit.memory';
import { transactionCancelled } from './users.memory';

/** The eKYC port over `world.ekycSessions` and `world.ekycEvents` (and the user's status in `world.users`). */
export function memoryEkyc(world: MemoryWorld): EkycStore {
  return {
    async openEkycSession(session, audit) {
      const user = world.users.get(session.userId);
      if (!user || user.kycStatus === 'VERIFIED') throw new DomainError('KYC_ALREADY_VERIFIED', 'Identity is already verified');
      if (world.ekycSessions.has(session.sessionId)) throw transactionCancelled(['ConditionalCheckFailed']);
      world.ekycSessions.set(session.sessionId, copy(session));
      user.kycStatus = 'PENDING';
      user.ekycSessionId = session.sessionId;
      recordAudit(world, audit);
    },
    async getEkycSession(sessionId) {
      return copy(world.ekycSessions.get(sessionId));
    },
    async applyEkycResult({ eventId, session, result, identity, current, audit, now }) {
      if (world.ekycEvents.has(eventId)) return false;
      const stored = world.ekycSessions.get(session.sessionId);
      if (stored?.status !== 'PENDING') throw new DomainError('INVALID_STATE', 'This eKYC session already has a result');
      const user = world.users.get(session.userId);
      if (current && user?.ekycSessionId !== session.sessionId) throw transactionCancelled([undefined, undefined, undefined, 'ConditionalCheckFailed']);
      const at = new Date(now).toISOString();
      world.ekycEvents.set(eventId, { sessionId: session.sessionId, result, receivedAt: at });
      Object.assign(stored, { status: result, completedAt: at });
      recordAudit(world, audit);
      if (current && user) {
        user.kycStatus = result === 'APPROVED' ? 'VERIFIED' : 'REJECTED';
        if (result === 'APPROVED' && identity) user.identity = copy(identity);
      }
      return true;
    },
  };
}
