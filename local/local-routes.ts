import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { z } from 'zod';
import { config } from '../functions/shared/config';
import { Identity } from '../functions/shared/schemas';
import { browserMessagesScript } from '../functions/shared/messages';
import type { LocalClock } from './clock';
import { SimulatorError, type EkycSimulator } from './ekyc-simulator';
import { sendJson } from './gateway';
import type { SmsOutbox } from './sms-outbox';
import type { BankSimulator } from './bank-simulator';
import type { LocalFaults } from './faults';
import type { LocalWorkflowEngine } from './workflow-engine';

export interface LocalServices {
  outbox: SmsOutbox;
  ekyc: EkycSimulator;
  clock: LocalClock;
  bank: BankSimulator;
  workflow: LocalWorkflowEngine;
  faults: LocalFaults;
  sweep: () => Promise<unknown>;
  /** Creates a staff sign-in in the `ops` group; false if the email is taken. */
  createStaff: (email: string, password: string) => Promise<boolean>;
  alerts: { subject: string; message: string; at: string }[];
  /** The bank simulator's signed webhook to the service (ACCOUNT_COMPROMISED, HOLDER_BLOCKED_LINKING). */
  bankEvents: (event: Record<string, unknown>) => Promise<{ status: number; body?: unknown }>;
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
      pattern: /^\/local\/bank\/accounts$/,
      body: z.strictObject({
        bankCode: z.string().regex(/^\d{4}$/),
        holderNameKana: z.string().min(1).max(100),
        dateOfBirth: z.iso.date(),
        phoneNumber: z.string().regex(/^\+[1-9]\d{7,14}$/),
        balance: z.number().int().min(0).max(1e12),
      }),
      run: async ({ body }) => ({ status: 201, body: s.bank.openAccount(body) }),
    },
    {
      method: 'GET',
      pattern: /^\/local\/bank\/accounts\/(\d{4})\/(\d{3})\/(\d{7})$/,
      run: async ({ match }) => {
        const account = s.bank.account({ bankCode: match[1], branchCode: match[2], accountNumber: match[3] });
        return account ? { status: 200, body: account } : { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such account' } } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/local\/bank\/authorize$/,
      run: async ({ url }) => ({
        status: 200,
        html: `<!doctype html><meta charset="utf-8"><title>Bank sign-in (simulator)</title><h1>Your bank</h1><p>Authorize Anshin Wallet to link your account. Request <code>${(url.searchParams.get('request') ?? '').replace(/[^\w-]/g, '')}</code>.</p><p>Enter your PIN (<code>POST /local/bank/authorize/start</code>), then the one-time code sent to your phone (<code>POST /local/bank/authorize/complete</code>).</p>`,
      }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/bank\/authorize\/start$/,
      body: z.strictObject({ request: z.string().min(1).max(200), pin: z.string().regex(/^\d{4}$/) }),
      run: async ({ body }) => ({ status: 200, body: await s.bank.startAuthorization(body.request, body.pin) }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/bank\/authorize\/complete$/,
      body: z.strictObject({ request: z.string().min(1).max(200), otp: z.string().regex(/^\d{6}$/) }),
      run: async ({ body }) => ({ status: 200, body: s.bank.completeAuthorization(body.request, body.otp) }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/bank\/events$/,
      body: z.strictObject({
        type: z.enum(['ACCOUNT_COMPROMISED', 'HOLDER_BLOCKED_LINKING']), bankCode: z.string(), branchCode: z.string(), accountNumber: z.string(),
        until: z.string().optional(), eventId: z.string().optional(),
      }),
      run: async ({ body }) => s.bankEvents(body),
    },
    {
      method: 'POST',
      pattern: /^\/local\/limits$/,
      // A test control like /local/faults: changes the running stack's SMS limits (all callers share them).
      body: z.strictObject({ perPhone: z.number().int().min(1).optional(), perAddress: z.number().int().min(1).optional(), overall: z.number().int().min(1).optional() }),
      run: async ({ body }) => ({ status: 200, body: Object.assign(config().smsAbuse, body) }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/staff$/,
      body: z.strictObject({ email: z.email(), password: z.string().min(8).max(256) }),
      run: async ({ body }) => {
        if (!(await s.createStaff(body.email.toLowerCase(), body.password))) return { status: 409, body: { error: { code: 'EMAIL_TAKEN', message: 'A sign-in with this email exists' } } };
        return { status: 201, body: { email: body.email.toLowerCase() } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/local\/bank\/faults$/,
      body: z.strictObject({ debitTimeouts: z.number().int().min(0).max(100).optional(), debitLostReplies: z.number().int().min(0).max(100).optional(), debitDeclines: z.number().int().min(0).max(100).optional() }),
      run: async ({ body }) => ({ status: 200, body: Object.assign(s.bank.faults, body) }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/faults$/,
      body: z.strictObject({
        afterDebit: z.number().int().min(0).max(100).optional(),
        beforeCredit: z.number().int().min(0).max(100).optional(),
        dynamoThrottles: z.number().int().min(0).max(1000).optional(),
        crashSignUpOf: z.email().optional(),
      }),
      run: async ({ body }) => {
        const { crashSignUpOf, ...counts } = body as { crashSignUpOf?: string; afterDebit?: number; beforeCredit?: number; dynamoThrottles?: number };
        if (crashSignUpOf) s.faults.signUpCrashes.add(crashSignUpOf.toLowerCase());
        return { status: 200, body: { ...Object.assign(s.faults.armed, counts), signUpCrashes: [...s.faults.signUpCrashes] } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/local\/alerts$/,
      run: async () => ({ status: 200, body: { alerts: s.alerts } }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/sweeper\/run$/,
      run: async () => ({ status: 200, body: await s.sweep() }),
    },
    {
      method: 'GET',
      pattern: /^\/local\/reconcile$/,
      run: async () => {
        const { reconcileAll } = await import('../functions/adapters/reconcile-source');
        return { status: 200, body: await reconcileAll() };
      },
    },
    {
      method: 'GET',
      pattern: /^\/local\/capacity$/,
      run: async () => {
        // What the low-risk path's writes consumed since start (ANSHIN_CAPACITY=1); the benchmark takes differences.
        const { consumedWriteCapacity } = await import('../functions/adapters/dynamo');
        return { status: 200, body: { enabled: !!process.env.ANSHIN_CAPACITY, writes: consumedWriteCapacity() } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/local\/workflow\/executions$/,
      run: async () => ({ status: 200, body: { executions: s.workflow.list() } }),
    },
    {
      method: 'POST',
      pattern: /^\/local\/clock$/,
      // `sweep: false` moves the clock only, for a test that runs (and inspects) the sweeper itself.
      body: z.strictObject({ advanceSeconds: z.number().int().min(0).max(400 * 24 * 3600), sweep: z.boolean().optional() }),
      // The contract: the clock moves, then whatever the cloud's schedules would have run by then has run
      // (expiries, resumptions, holds that came due) before the answer, not a timer's tick later.
      run: async ({ body }) => {
        const offsetSeconds = s.clock.advance(body.advanceSeconds) / 1000;
        let sweep: { complete?: boolean } | undefined;
        if (body.sweep !== false) {
          sweep = (await s.sweep()) as { complete?: boolean } | undefined;
          for (let i = 0; i < 10 && sweep && sweep.complete === false; i++) sweep = (await s.sweep()) as { complete?: boolean } | undefined;
        }
        return { status: 200, body: { offsetSeconds, now: new Date(s.clock.now()).toISOString(), ...(sweep ? { sweep } : {}) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/local\/clock$/,
      run: async () => ({ status: 200, body: { now: new Date(s.clock.now()).toISOString() } }),
    },
  ];

  return async (req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): Promise<boolean> => {
    if (req.method === 'GET' && (url.pathname === '/ops' || url.pathname.startsWith('/ops/') || url.pathname === '/not-me')) return serveConsole(url.pathname, res);
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
        const code = { 401: 'UNAUTHORIZED', 404: 'NOT_FOUND', 410: 'GONE', 423: 'LOCKED' }[e.status] ?? 'INVALID_STATE';
        sendJson(res, e.status, { error: { code, message: e.message } });
      }
      return true;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No local route ${req.method} ${url.pathname}` } });
    return true;
  };
}

const CONSOLE_DIR = join(__dirname, '..', 'console');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** The ops console and the not-me page: the same files the cloud stack deploys as static assets. */
async function serveConsole(pathname: string, res: ServerResponse): Promise<boolean> {
  if (pathname === '/ops') {
    res.writeHead(302, { location: '/ops/' });
    res.end();
    return true;
  }
  if (pathname === '/ops/config.js') {
    // Same origin locally; the cloud deployment writes the API's URL here.
    res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' });
    res.end("window.ANSHIN_API_URL = '';\n");
    return true;
  }
  if (pathname === '/ops/messages.js') {
    // The texts of the message catalog, generated as the cloud deployment generates them.
    res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' });
    res.end(browserMessagesScript());
    return true;
  }
  const relative = pathname === '/not-me' ? 'not-me.html' : pathname.slice('/ops/'.length) || 'index.html';
  const file = normalize(join(CONSOLE_DIR, relative));
  if (!file.startsWith(CONSOLE_DIR)) {
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    return true;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
      'x-frame-options': 'DENY',
    });
    res.end(body);
  } catch {
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  }
  return true;
}
