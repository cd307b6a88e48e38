import { ERROR_STATUS, type ErrorCode } from '../../functions/shared/errors';
import { openApiDocument } from '../../functions/shared/openapi';
import { ROUTES } from '../../functions/shared/routes';

type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, any> }> }>;
};

const doc = openApiDocument('https://api.example.test');
const op = (method: string, path: string) => (doc.paths[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
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
      expect(o.requestBody?.required).toBe(true);
      const schema = o.requestBody!.content['application/json'].schema;
      expect(schema).toEqual(expect.objectContaining({ type: expect.any(String) }));
      if (schema.type === 'object') expect(schema.properties).toBeDefined();
    } else {
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

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: documents every error code under its status', (_key, route) => {
    const o = op(route.method, route.path)!;
    const expected = new Set<ErrorCode>(['VALIDATION_ERROR', ...route.errors]);
    if (route.auth !== 'public') expected.add('UNAUTHORIZED');
    if (route.auth === 'ops') expected.add('FORBIDDEN');
    for (const code of expected) {
      const response = o.responses[String(ERROR_STATUS[code])];
      expect(response).toBeDefined();
      expect(response.description).toMatch(new RegExp(`\\b${code}\\b`));
      expect(response.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
  });

  it('describes the error format of the contract: code, message and requestId required', () => {
    const error = doc.components.schemas.Error as Record<string, any>;
    expect(error.required).toEqual(['error']);
    expect(error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message', 'requestId']));
  });

  it('lists the required fields of the registration body and refuses extra ones', () => {
    const schema = op('POST', '/v1/users')!.requestBody!.content['application/json'].schema;
    expect(schema.type).toBe('object');
    expect([...schema.required].sort()).toEqual(['acceptedTermsVersion', 'email', 'password', 'phoneNumber']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.phoneNumber.pattern).toBe('^\\+[1-9]\\d{7,14}$');
    expect(schema.properties.password.minLength).toBe(8);
    expect(schema.properties.email.format).toBe('email');
  });

  it('describes the sign-in, code and webhook bodies', () => {
    const body = (m: string, p: string) => op(m, p)!.requestBody!.content['application/json'].schema;
    expect([...body('POST', '/v1/sessions').required].sort()).toEqual(['email', 'password']);
    expect(body('POST', '/v1/me/phone/verification').properties.code.pattern).toBe('^\\d{6}$');
    const webhook = body('POST', '/v1/webhooks/ekyc');
    expect([...webhook.required].sort()).toEqual(['ekycSessionId', 'eventId', 'result']);
    expect(webhook.properties.result.enum).toEqual(['APPROVED', 'REJECTED']);
  });

  it('describes GET /v1/me with the masked phone and the kyc states', () => {
    const schema = op('GET', '/v1/me')!.responses['200'].content!['application/json'].schema;
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
