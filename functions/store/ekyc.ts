import type { AuditEntry } from '../adapters/audit';
import type { EkycSession, EkycVerdict } from '../domain/ekyc';

export interface EkycStore {
  /** The session and the user's PENDING status together; KYC_ALREADY_VERIFIED if the user is verified (or gone). */
  openEkycSession(session: EkycSession, audit: AuditEntry): Promise<void>;
  getEkycSession(sessionId: string): Promise<EkycSession | undefined>;
  /**
   * Applies a provider verdict once: the event id is claimed, the session closed and, if it is still
   * the user's current session, the user's status (and verified identity) set. False if the event
   * was seen before (a replay changes nothing); INVALID_STATE if the session already has a result.
   */
  applyEkycResult(input: EkycVerdict & { audit: AuditEntry; now: number }): Promise<boolean>;
}
