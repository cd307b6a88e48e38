import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, SmsSender } from '../functions/app/ports';

export interface OutboxMessage {
  to: string;
  body: string;
  sentAt: string;
}

/**
 * Stands in for SNS: messages to phones are kept for `GET /local/sms`, never logged.
 * Append-only on disk (one JSON line a message), so a send costs the same however
 * long the outbox has grown, and a restart finds every message.
 */
export class SmsOutbox implements SmsSender {
  private readonly byPhone = new Map<string, OutboxMessage[]>();

  constructor(private readonly file: string, private readonly clock: Clock) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) this.remember(JSON.parse(line) as OutboxMessage);
    }
  }

  async send(to: string, body: string): Promise<void> {
    const message = { to, body, sentAt: new Date(this.clock.now()).toISOString() };
    appendFileSync(this.file, `${JSON.stringify(message)}\n`);
    this.remember(message);
  }

  /** Oldest first. */
  messagesTo(to: string): OutboxMessage[] {
    return this.byPhone.get(to) ?? [];
  }

  private remember(message: OutboxMessage) {
    const list = this.byPhone.get(message.to) ?? [];
    list.push(message);
    this.byPhone.set(message.to, list);
  }
}
