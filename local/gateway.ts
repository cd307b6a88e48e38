import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { invokeAs, lambdaContext } from './lambda-runtime';
import type { ApiEvent, ApiResult } from '../functions/shared/http';
import { errorMessage, pickLanguage } from '../functions/shared/messages';
import { ROUTES, routeKey, type RouteDef } from '../functions/shared/routes';
import type { Claims } from './jwt';


interface CompiledRoute {
  route: RouteDef;
  pattern: RegExp;
  names: string[];
}

/** Handles `/local/...` and `/ops` paths; returns false for anything it does not serve. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => Promise<boolean>;

export const MAX_BODY_BYTES = 1024 * 1024;

function compile(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.]/g, '\\.');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** The gateway's own refusals speak the caller's language as the functions' do. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, requestId: string) {
  const lang = pickLanguage(res.req?.headers['accept-language']);
  sendJson(res, status, { error: { code, message: errorMessage(code, lang, undefined, message), requestId } }, { 'x-request-id': requestId, 'content-language': lang, vary: 'accept-language' });
}

/**
 * The local stand-in for the HTTP API: the same route table, the same JWT checks,
 * and API Gateway v2 payloads handed to the same handler code.
 */
export function createGateway(options: { verify: (authorization: string | undefined) => Promise<Claims | undefined>; extra: ExtraRoutes; log: (line: string) => void }): Server {
  const compiled = ROUTES.map(compile);
  return createServer((req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId).catch((error: unknown) => {
      options.log(`gateway error ${requestId}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', 'Internal error in the local gateway', requestId);
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    if (body === undefined) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'The body is larger than 1 MiB', requestId);
    if (await options.extra(req, res, url, body)) return;

    const method = (req.method ?? 'GET').toUpperCase();
    let pathMatched = false;
    for (const { route, pattern, names } of compiled) {
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      let pathParameters: Record<string, string> | undefined;
      try {
        pathParameters = names.length ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) : undefined;
      } catch {
        return sendError(res, 400, 'VALIDATION_ERROR', 'A path parameter is not valid percent-encoding', requestId);
      }
      let claims: Claims | undefined;
      if (route.auth !== 'public') {
        claims = await options.verify(req.headers.authorization);
        if (!claims) return sendError(res, 401, 'UNAUTHORIZED', 'A valid access token is required', requestId);
      }
      const event = toEvent(req, url, route, body, requestId, pathParameters, claims);
      const result = await invokeAs<ApiEvent, ApiResult>(route.fn, event, lambdaContext(route.fn, requestId));
      const headers: Record<string, string> = { 'apigw-requestid': requestId };
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.body ?? '');
      return;
    }
    sendError(res, pathMatched ? 405 : 404, pathMatched ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', pathMatched ? `${method} is not allowed here` : `No route for ${method} ${url.pathname}`, requestId);
  }
}

/**
 * The client address API Gateway puts in `requestContext.http.sourceIp` (taken from the
 * connection; the handlers never read X-Forwarded-For). Locally every caller is on
 * loopback, so this gateway alone honours X-Forwarded-For, letting tests speak as many
 * clients. It listens on 127.0.0.1 only: whoever can set the header is on this machine.
 */
function sourceIpOf(req: IncomingMessage, headers: Record<string, string>): string {
  const forwarded = headers['x-forwarded-for']?.split(',')[0]?.trim();
  if (forwarded && isIP(forwarded)) return forwarded;
  return req.socket.remoteAddress ?? '127.0.0.1';
}

function toEvent(req: IncomingMessage, url: URL, route: RouteDef, body: string, requestId: string, pathParameters: Record<string, string> | undefined, claims: Claims | undefined): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters,
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: { method: route.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: sourceIpOf(req, headers), userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: routeKey(route),
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
      authorizer: { jwt: { claims: claims ?? {}, scopes: claims?.scope ? claims.scope.split(' ') : [] }, principalId: '', integrationLatency: 0 },
    },
  } as ApiEvent;
}
