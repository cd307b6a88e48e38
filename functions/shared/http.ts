import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { withCorrelationId } from './correlation';
import { withinInvocation } from './deadline';
import { callerOf, parseGroups, type Caller } from './caller';
import { DomainError, isDomainError } from './errors';

export { callerOf, parseGroups, type Caller };
import { checkResponse } from './response-check';
import { logger } from './logger';
import { powertools } from './powertools';
import { errorMessage, pickLanguage, type Lang } from './messages';
import type { FunctionName } from './catalog';
import { bodyOf, routeKey, routesOf, type BodyOf, type ParamsOf, type QueryOf, type ResultOf, type RouteDef, type RouteKey, type RouteKeysOf } from './routes';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;


export interface HttpRequest<B = unknown, Q = Record<string, string>, P = Record<string, string>> {
  route: RouteDef;
  body: B;
  query: Q;
  params: P;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  rawBody: string;
  requestId: string;
  deviceId?: string;
  sourceIp: string;
  caller?: Caller;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Runs before any parsing, e.g. to check a webhook signature over the raw body. */
export type Preflight = (headers: Record<string, string>, rawBody: string) => Promise<void>;

/** A route's request with the parsed types of its body, query and path parameters. */
export type RequestOf<K extends RouteKey> = HttpRequest<BodyOf<K>, QueryOf<K>, ParamsOf<K>>;
/** A route's implementation: it reads its route's request and answers what its route declares. */
export type RouteImpl<K extends RouteKey> = (req: RequestOf<K>) => Promise<ResultOf<K>>;
/** Every route of a function, implemented: a route missing or extra is a compile error. */
export type RouteImpls<F extends FunctionName> = { [K in RouteKeysOf<F>]: RouteImpl<K> };
type AnyImpl = (req: HttpRequest) => Promise<HttpResult>;

type Handler = middy.MiddyfiedHandler<ApiEvent, ApiResult, Error, Context>;

/** What the parser made of each event, for the handler to read. */
const parsedRequests = new WeakMap<ApiEvent, HttpRequest>();

function issuesOf(error: z.ZodError, where: string) {
  return error.issues.map((i) => ({ in: where, path: i.path.join('.'), message: i.message }));
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string, issues: unknown[]): T {
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  issues.push(...issuesOf(parsed.error, where));
  return undefined as T;
}

/** `application/json` or a `+json` type, any parameters (charset) aside. */
export const isJsonMediaType = (contentType: string) => /^application\/([\w.-]+\+)?json$/i.test(contentType.split(';')[0].trim());

/** Normalizes the event, parses and validates everything the route declares, checks the caller. */
function requestParser(routes: Map<string, RouteDef>, preflight?: Preflight): MiddlewareObj<ApiEvent, ApiResult, Error, Context> {
  return {
    before: async (request) => {
      const event = request.event;
      const route = routes.get(event.routeKey);
      if (!route) throw new DomainError('NOT_FOUND', `No route ${event.routeKey}`);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
      const rawBody = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      // Authenticity comes before shape: an unsigned request learns nothing about our schema.
      if (preflight) await preflight(headers, rawBody);
      // So does authority: a caller refused the route (401, a user on an ops route 403) learns nothing about its schema.
      let caller: Caller | undefined;
      const claims = event.requestContext?.authorizer?.jwt?.claims;
      if (claims && typeof claims.sub === 'string') {
        const groups = parseGroups(claims['cognito:groups']);
        caller = { userId: claims.sub, groups, isOps: groups.includes('ops'), ...(typeof claims.email === 'string' && claims.email ? { email: claims.email } : {}) };
      }
      if (route.auth !== 'public' && !caller) throw new DomainError('UNAUTHORIZED', 'A valid access token is required');
      if (route.auth === 'ops' && !caller?.isOps) throw new DomainError('FORBIDDEN', 'This route is for operations staff');
      const issues: unknown[] = [];
      let json: unknown = undefined;
      const bodySchema = bodyOf(route);
      if (bodySchema) {
        // A body declared as something else (a form, text) is refused as such, not parsed as JSON by luck.
        const contentType = headers['content-type'];
        if (contentType !== undefined && !isJsonMediaType(contentType)) {
          throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${contentType.split(';')[0].trim() || '(empty)'} is not JSON`);
        }
        try {
          // Only JSON's own whitespace (RFC 8259) makes an empty body; \v or \u00a0 is not JSON and gets a 400.
          json = /^[ \t\n\r]*$/.test(rawBody) ? {} : JSON.parse(rawBody);
        } catch {
          throw new DomainError('VALIDATION_ERROR', 'The body is not valid JSON', { issues: [{ in: 'body', path: '', message: 'invalid JSON' }] });
        }
      }
      const body = validate(bodySchema, json, 'body', issues);
      const query = validate(route.query, event.queryStringParameters ?? {}, 'query', issues);
      const params = validate(route.params, event.pathParameters ?? {}, 'path', issues);
      validate(route.headers, headers, 'header', issues);
      const deviceId = headers['x-device-id'];
      if (deviceId !== undefined && (deviceId.length === 0 || deviceId.length > 200)) {
        issues.push({ in: 'header', path: 'x-device-id', message: 'must be 1 to 200 characters' });
      }
      if (issues.length > 0) throw new DomainError('VALIDATION_ERROR', 'The request is not valid', { issues });

      parsedRequests.set(event, {
        route, body, query: query as Record<string, string>, params: params as Record<string, string>, headers, rawBody,
        requestId: event.requestContext?.requestId ?? request.context.awsRequestId,
        deviceId, sourceIp: event.requestContext?.http?.sourceIp ?? '0.0.0.0', caller,
      });
    },
  };
}

const baseHeaders = (requestId: string) => ({
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-request-id': requestId,
  // A JSON answer must never be sniffed into HTML or script by a browser.
  'x-content-type-options': 'nosniff',
});

export function toResult(result: HttpResult, requestId: string): ApiResult {
  return {
    statusCode: result.status,
    headers: { ...baseHeaders(requestId), ...result.headers },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

/** An AWS service (DynamoDB) still throttling after the SDK's own retries: a retry later will do. */
function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return !!e && (e.$retryable?.throttling === true || ['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'].includes(e.name ?? ''));
}

/** The language of a request's messages: its `Accept-Language`, Japanese by default. */
export function languageOf(headers: Record<string, string | undefined> | undefined): Lang {
  const found = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'accept-language');
  return pickLanguage(found?.[1]);
}

/** Last in the chain: typed errors become the contract's error body; throttling a 503 to retry; anything else is a logged 500. */
function errorMapper(): MiddlewareObj<ApiEvent, ApiResult, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      // The code stays the contract's; the message speaks the caller's language.
      const lang = languageOf(request.event.headers);
      const langHeaders = { 'content-language': lang, vary: 'accept-language' };
      if (isDomainError(error)) {
        if (error.status >= 500) logger.error('request failed', { errorCode: error.code, requestId, routeKey: request.event.routeKey });
        else logger.info('request refused', { errorCode: error.code, requestId, routeKey: request.event.routeKey });
        const message = errorMessage(error.code, lang, error.details, error.message);
        request.response = toResult(
          { status: error.status, headers: { ...langHeaders, ...error.headers }, body: { error: { code: error.code, message, requestId, ...(error.details ? { details: error.details } : {}) } } },
          requestId,
        );
        return;
      }
      if (isThrottling(error)) {
        logger.warn('throttled after retries', { requestId, routeKey: request.event.routeKey, error: error as Error });
        const busy = new DomainError('SERVICE_UNAVAILABLE', 'The service is busy; retry shortly', undefined, { 'retry-after': '1' });
        request.response = toResult({ status: busy.status, headers: { ...langHeaders, ...busy.headers }, body: { error: { code: busy.code, message: errorMessage(busy.code, lang), requestId } } }, requestId);
        return;
      }
      logger.error('unhandled error', { requestId, routeKey: request.event.routeKey, error: error as Error });
      request.response = toResult(
        { status: 500, headers: langHeaders, body: { error: { code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', lang), requestId } } },
        requestId,
      );
    },
  };
}

/**
 * The one middy chain of every HTTP function: parse and validate, then the route's
 * implementation, errors mapped last. Every route of `fn` must be implemented.
 */
export function httpHandler<F extends FunctionName>(fn: F, typedImpls: RouteImpls<F>, options: { preflight?: Preflight } = {}): Handler {
  const impls = typedImpls as unknown as Record<string, AnyImpl>;
  const routes = new Map(routesOf(fn).map((r) => [routeKey(r), r]));
  for (const key of routes.keys()) if (!impls[key]) throw new Error(`${fn}: route ${key} has no implementation`);
  for (const key of Object.keys(impls)) if (!routes.has(key)) throw new Error(`${fn}: ${key} is not in the route table`);

  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(powertools())
    .use(requestParser(routes, options.preflight))
    .use(errorMapper())
    .handler(async (event, context) => {
      const req = parsedRequests.get(event);
      if (!req) throw new Error('request parser did not run');
      // The request id is the correlation id of everything this request starts (workflow input included).
      const result = await withCorrelationId(req.requestId, () => withinInvocation(context, () => impls[req.route.method + ' ' + req.route.path](req)));
      if (process.env.ANSHIN_VALIDATE_RESPONSES === '1') checkResponse(req.route, result);
      return toResult(result, req.requestId);
    });
}
