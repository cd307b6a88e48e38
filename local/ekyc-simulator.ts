import { randomUUID } from 'node:crypto';
import type { Clock, EkycProvider } from '../functions/app/ports';
import { signWebhook } from '../functions/domain/webhook-signature';
import { JsonStore } from './json-store';

interface SimSession {
  id: string;
  reference: string;
  callbackUrl: string;
  status: 'OPEN' | 'COMPLETED';
  createdAt: string;
}

interface SimEvent {
  eventId: string;
  ekycSessionId: string;
  result: 'APPROVED' | 'REJECTED';
  identity?: { fullName: string; fullNameKana: string; dateOfBirth: string };
}

export class SimulatorError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The eKYC provider as the service sees it: sessions opened through its API, and
 * verdicts delivered as signed webhooks over HTTP, exactly as the provider signs them.
 */
export class EkycSimulator implements EkycProvider {
  private readonly store: JsonStore<{ sessions: Record<string, SimSession>; events: Record<string, SimEvent> }>;

  constructor(file: string, private readonly baseUrl: () => string, private readonly secret: string, private readonly clock: Clock) {
    this.store = new JsonStore(file, { sessions: {}, events: {} });
  }

  async startSession(input: { reference: string; callbackUrl: string }) {
    const id = `ekyc_${randomUUID()}`;
    this.store.update((d) => {
      d.sessions[id] = { id, reference: input.reference, callbackUrl: input.callbackUrl, status: 'OPEN', createdAt: new Date(this.clock.now()).toISOString() };
    });
    return { sessionId: id, redirectUrl: `${this.baseUrl()}/local/ekyc/sessions/${id}` };
  }

  session(id: string): SimSession | undefined {
    return this.store.read().sessions[id];
  }

  /** The user finished at the provider: the verdict goes out as a signed webhook. */
  async complete(input: Omit<SimEvent, 'eventId'>) {
    const session = this.session(input.ekycSessionId);
    if (!session) throw new SimulatorError(404, 'unknown eKYC session');
    if (session.status !== 'OPEN') throw new SimulatorError(409, 'this eKYC session is already completed');
    const event: SimEvent = { eventId: `evt_${randomUUID()}`, ...input };
    this.store.update((d) => {
      d.sessions[session.id].status = 'COMPLETED';
      d.events[event.eventId] = event;
    });
    return { eventId: event.eventId, delivery: await this.deliver(event, session.callbackUrl) };
  }

  /** Providers deliver at least once: the same event again, freshly signed. */
  async redeliver(eventId: string) {
    const event = this.store.read().events[eventId];
    if (!event) throw new SimulatorError(404, 'unknown event');
    return { eventId, delivery: await this.deliver(event, this.store.read().sessions[event.ekycSessionId].callbackUrl) };
  }

  private async deliver(event: SimEvent, callbackUrl: string) {
    const body = JSON.stringify(event);
    const res = await fetch(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ekyc-signature': signWebhook(this.secret, Math.floor(this.clock.now() / 1000), body) },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
}
