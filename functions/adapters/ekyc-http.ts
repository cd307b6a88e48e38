import { outboundBudgetMs } from '../shared/deadline';
import { DomainError } from '../shared/errors';
import type { EkycProvider } from '../app/ports';

/** The eKYC provider's session API over HTTPS, with a timeout and one retry on network failure. */
export class HttpEkycProvider implements EkycProvider {
  constructor(private readonly baseUrl: string, private readonly apiKey: () => Promise<string>) {}

  async startSession(input: { reference: string; callbackUrl: string }): Promise<{ sessionId: string; redirectUrl: string }> {
    const key = await this.apiKey();
    for (let attempt = 1; ; attempt++) {
      // Bounded by the invocation's time left: two 5 s attempts would outlast a 10 s function.
      const left = outboundBudgetMs();
      if (left !== undefined && left < 300) throw new DomainError('EKYC_UNAVAILABLE', 'The identity provider did not answer in the time this request has');
      try {
        const res = await fetch(new URL('/v1/sessions', this.baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'idempotency-key': input.reference },
          body: JSON.stringify(input),
          signal: AbortSignal.timeout(Math.min(5000, left ?? 5000)),
        });
        if (!res.ok) throw new DomainError('EKYC_UNAVAILABLE', `The identity provider answered ${res.status}`);
        const body = (await res.json()) as { sessionId?: string; redirectUrl?: string };
        if (!body.sessionId || !body.redirectUrl) throw new DomainError('EKYC_UNAVAILABLE', 'The identity provider answered without a session');
        return { sessionId: body.sessionId, redirectUrl: body.redirectUrl };
      } catch (e) {
        if (e instanceof DomainError || attempt >= 2) throw e instanceof DomainError ? e : new DomainError('EKYC_UNAVAILABLE', 'The identity provider is unreachable');
      }
    }
  }
}
