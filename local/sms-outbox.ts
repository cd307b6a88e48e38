import type { SmsSender } from '../functions/adapters/ports';
import type { Clock } from '../functions/adapters/ports';
import { JsonStore } from './json-store';

export interface OutboxMessage {
  to: string;
  body: string;
  sentAt: string;
}

/** Stands in for SNS: messages to phones are kept for `GET /local/sms`, never logged. */
export class SmsOutbox implements SmsSender {
  private readonly store: JsonStore<{ messages: OutboxMessage[] }>;
  constructor(file: string, private readonly clock: Clock) {
    this.store = new JsonStore(file, { messages: [] });
  }

  async send(to: string, body: string): Promise<void> {
    this.store.update((d) => d.messages.push({ to, body, sentAt: new Date(this.clock.now()).toISOString() }));
  }

  /** Oldest first. */
  messagesTo(to: string): OutboxMessage[] {
    return this.store.read().messages.filter((m) => m.to === to);
  }
}
