import * as z from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors';
import { errorMessage } from './messages';
import { bodyOf, ROUTES, routeKey, type RouteDef } from './routes';
import * as s from './schemas';

type Json = Record<string, unknown>;

/**
 * Several unanchored patterns on one string ("a lower-case letter", "a digit", ...) come out of
 * zod as `allOf: [{pattern}, ...]`. That is correct JSON Schema, but tools that merge `allOf`
 * (Prism, some client generators) turn it into `(?=a)(?=b)`, which demands every pattern at the
 * first character and so refuses every valid value. One pattern of lookaheads that may look
 * anywhere means exactly what zod means, whatever a tool does with it.
 */
function mergePatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(mergePatterns);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== '$schema') out[k] = mergePatterns(v);
  const parts = out.allOf as Json[] | undefined;
  if (Array.isArray(parts) && parts.length > 0 && parts.every((p) => Object.keys(p).length === 1 && typeof p.pattern === 'string')) {
    const patterns = [...(typeof out.pattern === 'string' ? [out.pattern] : []), ...parts.map((p) => p.pattern as string)];
    delete out.allOf;
    out.pattern = '^' + patterns.map((p) => (p.startsWith('^') ? `(?=${p.slice(1)})` : `(?=[\\s\\S]*?(?:${p}))`)).join('');
    out.description ??= `must match each of: ${patterns.map((p) => `/${p}/`).join(', ')}`;
  }
  return out;
}

const json = (schema: z.ZodType, io: 'input' | 'output') =>
  mergePatterns(z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' })) as Json;

/** Readable names for client generators; a route added without one still gets a unique derived name. */
const OPERATION_IDS: Record<string, string> = {
  'GET /health': 'getHealth',
  'GET /openapi.json': 'getOpenApiDocument',
  'GET /v1/terms': 'getTerms',
  'POST /v1/users': 'registerUser',
  'POST /v1/sessions': 'signIn',
  'GET /v1/me': 'getMe',
  'POST /v1/me/phone/verification': 'verifyPhone',
  'POST /v1/me/phone/verification/resend': 'resendPhoneCode',
  'POST /v1/me/ekyc': 'startEkyc',
  'POST /v1/webhooks/ekyc': 'receiveEkycWebhook',
  'POST /v1/webhooks/bank': 'receiveBankWebhook',
  'POST /v1/me/bank-links': 'createBankLink',
  'POST /v1/me/bank-links/{linkId}/authorization': 'authorizeBankLink',
  'POST /v1/me/bank-links/{linkId}/confirmation': 'confirmBankLink',
  'GET /v1/me/bank-links': 'listBankLinks',
  'DELETE /v1/me/bank-links/{linkId}': 'removeBankLink',
  'POST /v1/me/charges': 'createCharge',
  'GET /v1/me/charges/{chargeId}': 'getCharge',
  'POST /v1/me/charges/{chargeId}/confirmation': 'confirmCharge',
  'GET /v1/me/wallet': 'getWallet',
  'GET /v1/me/transactions': 'listTransactions',
  'POST /v1/reports/not-me': 'reportNotMe',
  'GET /v1/ops/reviews': 'listReviews',
  'POST /v1/ops/reviews/{caseId}/decision': 'decideReview',
  'GET /v1/ops/users/{userId}': 'getOpsUser',
  'POST /v1/ops/users/{userId}/freeze': 'freezeUser',
  'POST /v1/ops/users/{userId}/unfreeze': 'unfreezeUser',
  'POST /v1/ops/users/{userId}/links/{linkId}/release': 'releaseLink',
  'GET /v1/ops/banks': 'listBanks',
  'PUT /v1/ops/banks/{bankCode}': 'updateBank',
  'GET /v1/ops/compensations': 'listCompensations',
  'POST /v1/ops/compensations': 'openCompensation',
  'POST /v1/ops/compensations/{claimId}/decision': 'decideCompensation',
  'GET /v1/ops/audit': 'getAudit',
  'GET /v1/ops/rules': 'getRules',
  'GET /v1/ops/rules/proposals': 'listRulesProposals',
  'POST /v1/ops/rules/proposals': 'proposeRules',
  'POST /v1/ops/rules/proposals/{proposalId}/decision': 'decideRulesProposal',
};

export const operationIdOf = (route: Pick<RouteDef, 'method' | 'path'>) =>
  OPERATION_IDS[routeKey(route)] ?? `${route.method.toLowerCase()}${route.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

type Example = { request?: unknown; responses?: Record<number, unknown> };
const LINK_ID = 'lnk_6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60';
const CHARGE_ID = 'chg_0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';

/**
 * Worked examples for client writers, typed by the schemas they illustrate (`z.input` for requests,
 * `z.output` for answers), so an example that drifts from its schema fails to compile; redocly's
 * `no-invalid-media-type-examples` checks them against the published document too.
 */
const EXAMPLES: Record<string, Example> = {
  getTerms: { responses: { 200: { version: '2026-04', url: 'https://anshin-wallet.example/terms/2026-04', compensationPolicy: 'Money taken without your fault … is paid back in full.' } satisfies z.output<typeof s.TermsResponse> } },
  registerUser: {
    request: { email: 'hanako@example.jp', password: 'Str0ng-Passw0rd', phoneNumber: '+819012345678', acceptedTermsVersion: '2026-04' } satisfies z.input<typeof s.RegisterBody>,
    responses: { 201: { userId: 'f2a7c1de-3b4a-4c5d-8e9f-0a1b2c3d4e5f' } satisfies z.output<typeof s.RegisterResponse> },
  },
  signIn: { request: { email: 'hanako@example.jp', password: 'Str0ng-Passw0rd' } satisfies z.input<typeof s.SessionBody> },
  verifyPhone: { request: { code: '123456' } satisfies z.input<typeof s.CodeBody>, responses: { 200: { phoneVerified: true } satisfies z.output<typeof s.PhoneVerifiedResponse> } },
  createBankLink: {
    request: { bankCode: '0001', branchCode: '123', accountNumber: '1234567' } satisfies z.input<typeof s.CreateLinkBody>,
    responses: { 201: { linkId: LINK_ID, status: 'PENDING_BANK_AUTH', authorizationUrl: 'https://bank.example/authorize?request=…' } satisfies z.output<typeof s.CreateLinkResponse> },
  },
  createCharge: {
    request: { linkId: LINK_ID, amount: 5000 } satisfies z.input<typeof s.CreateChargeBody>,
    responses: {
      201: { chargeId: CHARGE_ID, status: 'COMPLETED', balance: 15000 } satisfies z.output<typeof s.CreateChargeResponse>,
      202: { chargeId: CHARGE_ID, status: 'PENDING_CONFIRMATION' } satisfies z.output<typeof s.ChargeAcceptedResponse>,
    },
  },
  confirmCharge: { request: { code: '123456' } satisfies z.input<typeof s.CodeBody>, responses: { 200: { chargeId: CHARGE_ID, status: 'PROCESSING' } satisfies z.output<typeof s.ChargeStatusResponse> } },
  getWallet: { responses: { 200: { balance: 15000, pending: 3000, currency: 'JPY' } satisfies z.output<typeof s.WalletResponse> } },
};

/** The example of an operation's request (status 0) or answer, for the document and its tests. */
export const exampleOf = (operationId: string, status = 0): unknown => (status === 0 ? EXAMPLES[operationId]?.request : EXAMPLES[operationId]?.responses?.[status]);

/** Codes whose answers always carry `retry-after` (seconds). */
export const RETRY_AFTER_CODES: readonly ErrorCode[] = ['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'BANK_SUSPENDED'];

/**
 * Codes any route may answer: malformed input, a body over the size limit; on routes that touch
 * the table DynamoDB still throttling after the SDK's retries, or a fault on our side (500: the
 * request may or may not have taken effect; charges are safe to retry with the same key);
 * on user routes a token whose user has no wallet (e.g. a staff member's).
 */
function alwaysCodes(route: RouteDef): ErrorCode[] {
  const codes: ErrorCode[] = ['VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE'];
  if (bodyOf(route)) codes.push('UNSUPPORTED_MEDIA_TYPE');
  if (route.fn !== 'meta') codes.push('SERVICE_UNAVAILABLE', 'INTERNAL_ERROR');
  if (route.auth !== 'public') codes.push('UNAUTHORIZED');
  if (route.auth === 'user') codes.push('NOT_FOUND');
  if (route.auth === 'ops') codes.push('FORBIDDEN');
  return codes;
}

/** Every error code a route can answer, grouped by status. */
export function errorCodesByStatus(route: RouteDef): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...alwaysCodes(route), ...route.errors])) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

/** Names components after their export in schemas.ts, so generated clients get `RegisterBody`, not `InlineObject12`. */
const NAMES = new Map<z.ZodType, string>(Object.entries(s).filter(([, v]) => v instanceof z.ZodType).map(([k, v]) => [v as z.ZodType, k]));

/** OpenAPI 3.1 of the whole API, built from the route table and the very schemas that validate requests. */
export function openApiDocument(serverUrl?: string) {
  const components: Record<string, Json> = {
    Error: json(s.ErrorResponse, 'output'),
    GatewayError: {
      type: 'object',
      required: ['message'],
      properties: { message: { type: 'string' } },
      description: "API Gateway's own answer in the cloud when its JWT authorizer refuses a token (401) or a function crashes (500); it cannot be customized. The local gateway answers with Error",
    },
  };
  const ref = (schema: z.ZodType, io: 'input' | 'output', fallback: string) => {
    const name = NAMES.get(schema) ?? fallback;
    const built = json(schema, io);
    if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(built)) throw new Error(`two different schemas named ${name}`);
    components[name] = built;
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operationId = operationIdOf(route);
    const cap = operationId.charAt(0).toUpperCase() + operationId.slice(1);
    const responses: Record<string, unknown> = {};
    const success = [{ status: route.status, response: route.response, description: 'Success' }, ...(route.alsoReturns ?? [])];
    for (const [i, r] of success.entries()) {
      const example = exampleOf(operationId, r.status);
      responses[r.status] = r.response
        ? { description: r.description, content: { 'application/json': { schema: ref(r.response, 'output', `${cap}Response${i ? r.status : ''}`), ...(example === undefined ? {} : { example }) } } }
        : { description: r.description };
    }
    for (const [status, codes] of errorCodesByStatus(route)) {
      const withCodes = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { properties: { code: { enum: codes } } } } }] };
      const retry = codes.filter((c) => RETRY_AFTER_CODES.includes(c));
      responses[status] = {
        description: `Error: ${codes.join(', ')}`,
        ...(retry.length
          ? {
              headers: {
                'retry-after': {
                  required: retry.length === codes.length,
                  description: `Seconds to wait before retrying${retry.length === codes.length ? '' : ` (with ${retry.join(', ')})`}`,
                  schema: { type: 'string', pattern: '^\\d+$' },
                },
              },
            }
          : {}),
        content: {
          'application/json': {
            schema: (status === 401 && codes.includes('UNAUTHORIZED')) || status === 500 ? { anyOf: [withCodes, { $ref: '#/components/schemas/GatewayError' }] } : withCodes,
            example: { error: { code: codes[0], message: errorMessage(codes[0], 'en'), requestId: 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f' } },
          },
        },
      };
    }

    const parameters: Json[] = [];
    const add = (schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header') => {
      for (const [name, field] of Object.entries(schema?.shape ?? {})) {
        const f = field as z.ZodType;
        parameters.push({ name, in: where, required: where === 'path' || !f.safeParse(undefined).success, schema: json(f, 'input') });
      }
    };
    add(route.params, 'path');
    add(route.query, 'query');
    add(route.headers, 'header');
    parameters.push({ name: 'X-Device-Id', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Opaque device id; feeds risk' });

    const body = bodyOf(route);
    // The service reads an empty body as {}: a body whose fields are all optional may be left out.
    const requestBody = body && {
      required: !body.safeParse({}).success,
      ...(route.body ? {} : { description: 'No fields: send no body, or {}' }),
      content: { 'application/json': { schema: ref(body, 'input', `${cap}Body`), ...(exampleOf(operationId) === undefined ? {} : { example: exampleOf(operationId) }) } },
    };

    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      operationId,
      summary: route.summary,
      tags: [route.auth === 'ops' ? 'operations' : route.auth === 'public' ? 'public' : 'user'],
      security: route.auth === 'public' ? [] : [{ cognito: [] }],
      parameters,
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Anshin Wallet API', version: '1.0.0', license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }, description: 'Amounts are integer yen. Errors are {"error":{"code","message","requestId"}}; each operation lists the codes it can answer under each status.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: { cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito access token' } },
      schemas: components,
    },
    paths,
  };
}
