import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Identity } from '../functions/shared/schemas';
import type { LocalClock } from './clock';
import { SimulatorError, type EkycSimulator } from './ekyc-simulator';
import { sendJson } from './gateway';
import type { SmsOutbox } from './sms-outbox';

export interface LocalServices {
  outbox: SmsOutbox;
  ekyc: EkycSimulator;
  clock: LocalClock;
}

type LocalRoute = {
  method: string;
  pattern: RegExp;
  body?: z.ZodType;
  run: (input: { body: any; match: RegExpExecArray; url: URL }) => Promise<{ status: number; body?: unknown; html?: string }>;
};

/**
 * The simulators' own endpoints, served only by `npm start` under `/local/...`.
 * Nothing here exists in the cloud stack.
 */
export function localRoutes(s: LocalServices) {
  const routes: LocalRoute[] = [
    {
      method: 'GET',
      pattern: /^\/local\/sms$/,
      run: async ({ url }) => {
        const to = url.searchParams.get('to');
        if (!to) return { status: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'query parameter `to` is required' } } };
        return { status: 200, body: { messages: s.outbox.messagesTo(to) } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/local\/ekyc\/complete$/,
      body: z.strictObject({ ekycSessionId: z.string().min(1), result: z.enum(['APPROVED', 'REJECTED']), identity: Identity.optional() }),
      run: async ({ body }) => ({ status: 200, body: await s.ekyc.complete(body) }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/ekyc\/events\/([^/]+)\/redeliver$/,
      run: async ({ match }) => ({ status: 200, body: await s.ekyc.redeliver(decodeURIComponent(match[1])) }),
    },
    {
      method: 'GET',
      pattern: /^\/local\/ekyc\/sessions\/([^/]+)$/,
      run: async ({ match }) => {
        const session = s.ekyc.session(decodeURIComponent(match[1]));
        if (!session) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'unknown eKYC session' } } };
        return {
          status: 200,
          html: `<!doctype html><meta charset="utf-8"><title>eKYC simulator</title><h1>eKYC simulator</h1><p>Session <code>${session.id}</code> is ${session.status}.</p><p>Finish it with <code>POST /local/ekyc/complete</code>.</p>`,
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/local\/clock$/,
      body: z.strictObject({ advanceSeconds: z.number().int().min(0).max(400 * 24 * 3600) }),
      run: async ({ body }) => ({ status: 200, body: { offsetSeconds: s.clock.advance(body.advanceSeconds) / 1000, now: new Date(s.clock.now()).toISOString() } }),
    },
    {
      method: 'GET',
      pattern: /^\/local\/clock$/,
      run: async () => ({ status: 200, body: { now: new Date(s.clock.now()).toISOString() } }),
    },
  ];

  return async (req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): Promise<boolean> => {
    if (!url.pathname.startsWith('/local/')) return false;
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match || route.method !== req.method) continue;
      let body: unknown;
      if (route.body) {
        let json: unknown;
        try {
          json = rawBody ? JSON.parse(rawBody) : {};
        } catch {
          sendJson(res, 400, { error: { code: 'VALIDATION_ERROR', message: 'invalid JSON' } });
          return true;
        }
        const parsed = route.body.safeParse(json);
        if (!parsed.success) {
          sendJson(res, 400, { error: { code: 'VALIDATION_ERROR', message: 'invalid body', details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } });
          return true;
        }
        body = parsed.data;
      }
      try {
        const out = await route.run({ body, match, url });
        if (out.html !== undefined) {
          res.writeHead(out.status, { 'content-type': 'text/html; charset=utf-8' });
          res.end(out.html);
        } else sendJson(res, out.status, out.body);
      } catch (e) {
        if (!(e instanceof SimulatorError)) throw e;
        sendJson(res, e.status, { error: { code: e.status === 404 ? 'NOT_FOUND' : 'INVALID_STATE', message: e.message } });
      }
      return true;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No local route ${req.method} ${url.pathname}` } });
    return true;
  };
}
