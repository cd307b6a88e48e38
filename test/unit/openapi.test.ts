import { ERROR_STATUS, type ErrorCode } from '../../functions/shared/errors';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { errorCodesByStatus, openApiDocument, RETRY_AFTER_CODES } from '../../functions/shared/openapi';
import { Password } from '../../functions/shared/schemas';
import { ROUTES } from '../../functions/shared/routes';

type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, any> }> }>;
};

const doc = openApiDocument('https://api.example.test');
/** A schema, or the component its $ref names. */
const deref = (schema: Record<string, any>): Record<string, any> => (schema.$ref ? (doc.components.schemas as Record<string, any>)[String(schema.$ref).split('/').pop()!] : schema);
const op = (method: string, path: string) => (doc.paths[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
/** The codes an error response's schema allows (the enum next to the Error $ref). */
const codesOf = (schema: unknown): string[] => JSON.stringify(schema).match(/"enum":\[[^\]]*\]/g)?.flatMap((m) => JSON.parse(m.slice(7)) as string[]) ?? [];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1.0 with info, the server and a bearer security scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    expect(doc.servers).toEqual([{ url: 'https://api.example.test' }]);
    expect(doc.components.securitySchemes.cognito).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
    expect(openApiDocument()).not.toHaveProperty('servers');
  });

  it('survives a JSON round trip (it is served as JSON)', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('has every route of the route table, with its method, and nothing else', () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        expect(HTTP_METHODS).toContain(method);
        documented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('includes the identity routes of the contract', () => {
    for (const [m, p] of [['GET', '/health'], ['GET', '/openapi.json'], ['POST', '/v1/users'], ['POST', '/v1/sessions'], ['GET', '/v1/me'], ['POST', '/v1/me/phone/verification'], ['POST', '/v1/me/phone/verification/resend'], ['POST', '/v1/me/ekyc'], ['POST', '/v1/webhooks/ekyc']]) {
      expect(op(m, p)).toBeDefined();
    }
  });

  it('gives each operation a unique operationId', () => {
    const ids = ROUTES.map((r) => op(r.method, r.path)!.operationId);
    expect(ids.every((id) => /^[a-zA-Z][a-zA-Z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: request body, success response and security match the route', (_key, route) => {
    const o = op(route.method, route.path)!;
    if (route.body) {
      expect(o.requestBody?.required).toBe(!route.body.safeParse({}).success);
      const ref = o.requestBody!.content['application/json'].schema.$ref as string;
      const schema = doc.components.schemas[ref.split('/').pop()!] as Record<string, any>;
      expect(schema).toEqual(expect.objectContaining({ type: expect.any(String) }));
      if (schema.type === 'object') expect(schema.properties).toBeDefined();
    } else if (route.method === 'GET') {
      expect(o.requestBody).toBeUndefined();
    }
    expect(o.responses[String(route.status)]).toBeDefined();
    if (route.response) expect(o.responses[String(route.status)].content?.['application/json'].schema).toBeDefined();
    if (route.auth === 'public') expect(o.security).toEqual([]);
    else expect(o.security).toEqual([{ cognito: [] }]);
    for (const name of [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
      expect(o.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
    }
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: documents every error code under its status, as an enum', (_key, route) => {
    const o = op(route.method, route.path)!;
    const expected = new Set<ErrorCode>(['VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', ...route.errors]);
    if (route.auth !== 'public') expected.add('UNAUTHORIZED');
    if (route.auth === 'ops') expected.add('FORBIDDEN');
    for (const code of expected) {
      const response = o.responses[String(ERROR_STATUS[code])];
      expect(response).toBeDefined();
      expect(response.description).toMatch(new RegExp(`\\b${code}\\b`));
      expect(JSON.stringify(response.content?.['application/json'].schema)).toContain('{"$ref":"#/components/schemas/Error"}');
      expect(codesOf(response.content!['application/json'].schema)).toContain(code);
    }
  });

  it('declares retry-after on every answer whose codes carry it, required where all of them do', () => {
    for (const route of ROUTES) {
      const o = op(route.method, route.path)!;
      for (const [status, codes] of errorCodesByStatus(route)) {
        const header = (o.responses[String(status)] as { headers?: Record<string, { required: boolean }> }).headers?.['retry-after'];
        const carrying = codes.filter((c) => RETRY_AFTER_CODES.includes(c));
        if (carrying.length === 0) expect(header).toBeUndefined();
        else expect(header?.required).toBe(carrying.length === codes.length);
      }
    }
    expect(op('POST', '/v1/me/charges')!.responses['429']).toEqual(expect.objectContaining({ headers: { 'retry-after': expect.objectContaining({ required: true }) } }));
  });

  it('declares the 202 of POST /v1/me/charges next to its 201', () => {
    const responses = op('POST', '/v1/me/charges')!.responses;
    expect(responses['201'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateChargeResponse' });
    expect(responses['202'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ChargeAcceptedResponse' });
  });

  it('lets a route without fields take no body or {}, and says so', () => {
    for (const route of ROUTES.filter((r) => !r.body && r.method !== 'GET')) {
      const body = op(route.method, route.path)!.requestBody!;
      expect(body.required).toBe(false);
      expect(body.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EmptyBody' });
    }
    expect(doc.components.schemas.EmptyBody).toEqual(expect.objectContaining({ type: 'object', additionalProperties: false }));
  });

  it('exports the password rule as one pattern that accepts exactly what zod accepts', () => {
    const schema = doc.components.schemas.RegisterBody as { properties: { password: { pattern: string; allOf?: unknown } } };
    const pattern = new RegExp(schema.properties.password.pattern, 'u');
    expect(schema.properties.password.allOf).toBeUndefined();
    for (const p of ['Str0ng-Passw0rd', 'Passw0rd-123', '9zZ', 'aaaaaaaaA1', '1aA', 'x\nY7', 'ＡaB3']) expect({ p, ok: pattern.test(p) }).toEqual({ p, ok: Password.safeParse(p.padEnd(8, '-')).success });
    for (const p of ['password', 'PASSWORD1', 'password1', 'Password', '12345678']) expect({ p, ok: pattern.test(p) }).toEqual({ p, ok: false });
  });

  it('is valid OpenAPI 3.1 by the specification\'s own schema', () => {
    const out = execFileSync(process.execPath, [join(__dirname, '..', 'support', 'validate-openapi.mjs')], { input: JSON.stringify(doc), encoding: 'utf8' });
    const result = JSON.parse(out) as { valid: boolean; version: string; errors: unknown[] };
    expect(result).toEqual({ valid: true, version: '3.1', errors: [] });
    // The validator can fail: a broken document is refused.
    const broken = JSON.parse(execFileSync(process.execPath, [join(__dirname, '..', 'support', 'validate-openapi.mjs')], { input: JSON.stringify({ ...doc, paths: { 'no-slash': {} } }), encoding: 'utf8' })) as { valid: boolean };
    expect(broken.valid).toBe(false);
  });

  it('gives operations readable ids and names its schemas', () => {
    expect(op('POST', '/v1/me/charges')!.operationId).toBe('createCharge');
    expect(op('POST', '/v1/users')!.operationId).toBe('registerUser');
    expect(op('POST', '/v1/users')!.requestBody!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RegisterBody' });
  });

  it('describes the error format of the contract: code, message and requestId required', () => {
    const error = doc.components.schemas.Error as Record<string, any>;
    expect(error.required).toEqual(['error']);
    expect(error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message', 'requestId']));
  });

  it('lists the required fields of the registration body and refuses extra ones', () => {
    const schema = deref(op('POST', '/v1/users')!.requestBody!.content['application/json'].schema);
    expect(schema.type).toBe('object');
    expect([...schema.required].sort()).toEqual(['acceptedTermsVersion', 'email', 'password', 'phoneNumber']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.phoneNumber.pattern).toBe('^\\+[1-9]\\d{7,14}$');
    expect(schema.properties.password.minLength).toBe(8);
    expect(schema.properties.email.format).toBe('email');
  });

  it('describes the sign-in, code and webhook bodies', () => {
    const body = (m: string, p: string) => deref(op(m, p)!.requestBody!.content['application/json'].schema);
    expect([...body('POST', '/v1/sessions').required].sort()).toEqual(['email', 'password']);
    expect(body('POST', '/v1/me/phone/verification').properties.code.pattern).toBe('^\\d{6}$');
    const webhook = body('POST', '/v1/webhooks/ekyc');
    expect([...webhook.required].sort()).toEqual(['ekycSessionId', 'eventId', 'result']);
    expect(webhook.properties.result.enum).toEqual(['APPROVED', 'REJECTED']);
  });

  it('describes GET /v1/me with the masked phone and the kyc states', () => {
    const schema = deref(op('GET', '/v1/me')!.responses['200'].content!['application/json'].schema);
    expect(schema.properties.kycStatus.enum).toEqual(['NONE', 'PENDING', 'VERIFIED', 'REJECTED']);
    expect(schema.properties.phoneNumber.description).toMatch(/masked/);
  });

  it('has only local $refs that resolve', () => {
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === '$ref' ? refs.push(x as string) : walk(x));
    };
    walk(doc.paths);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(doc.components.schemas).toHaveProperty(ref.split('/').pop()!);
    }
  });
});

describe('OpenAPI document: what client generators and linters need', () => {
  it('declares 415 UNSUPPORTED_MEDIA_TYPE on every route that reads a body, and only there', () => {
    for (const route of ROUTES) {
      const o = op(route.method, route.path)!;
      if (route.method === 'GET') expect(o.responses['415']).toBeUndefined();
      else expect(codesOf(o.responses['415']?.content?.['application/json'].schema)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('declares GET /v1/terms as getTerms with version, url and compensationPolicy', () => {
    const o = op('GET', '/v1/terms')!;
    expect(o.operationId).toBe('getTerms');
    expect(o.security).toEqual([]);
    expect([...deref(o.responses['200'].content!['application/json'].schema).required].sort()).toEqual(['compensationPolicy', 'url', 'version']);
  });

  it('gives worked examples for the main flow, each one its own schema accepts', () => {
    const schemaOf = (route: (typeof ROUTES)[number], status: number) =>
      status === 0 ? route.body : status === route.status ? route.response : route.alsoReturns?.find((r) => r.status === status)?.response;
    let checked = 0;
    for (const route of ROUTES) {
      const o = op(route.method, route.path)! as Operation & { requestBody?: { content: Record<string, { example?: unknown }> } };
      const examples: [number, unknown][] = [[0, (o.requestBody?.content['application/json'] as { example?: unknown } | undefined)?.example]];
      for (const [status, r] of Object.entries(o.responses)) if (Number(status) < 400) examples.push([Number(status), (r.content?.['application/json'] as { example?: unknown } | undefined)?.example]);
      for (const [status, example] of examples) {
        if (example === undefined) continue;
        const parsed = schemaOf(route, status)!.safeParse(example);
        expect({ op: o.operationId, status, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ op: o.operationId, status, issues: [] });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
    for (const id of ['registerUser', 'createCharge', 'getTerms']) expect(JSON.stringify(Object.values(doc.paths).flatMap((p) => Object.values(p)).find((x) => (x as Operation).operationId === id))).toContain('"example"');
  });

  it('gives every error answer an example whose code is one of that answer\'s codes', () => {
    const answer = op('POST', '/v1/me/charges')!.responses['429'] as unknown as { content: Record<string, { example: { error: { code: string } }; schema: unknown }> };
    expect(codesOf(answer.content['application/json'].schema)).toContain(answer.content['application/json'].example.error.code);
  });
});
