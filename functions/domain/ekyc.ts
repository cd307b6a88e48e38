import type { VerifiedIdentity } from './user';

export type EkycResult = 'APPROVED' | 'REJECTED';

export interface EkycSession {
  sessionId: string;
  userId: string;
  status: 'PENDING' | EkycResult;
  createdAt: string;
}

/** A provider verdict on a session, as the webhook delivers it. */
export interface EkycVerdict {
  eventId: string;
  session: EkycSession;
  result: EkycResult;
  identity?: VerifiedIdentity;
  /** Whether the session is still the user's current one (only then does the verdict set the user's status). */
  current: boolean;
}
