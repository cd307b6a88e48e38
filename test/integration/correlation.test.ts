/**
 * One id follows a charge from the API request into its workflow: the request's id (the
 * `x-request-id` the client sees) is the execution input's `correlationId`, which the synthesized
 * definition hands to every task (functions/shared/correlation.ts).
 */
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { linkedWallet, postCharge } from '../support/charges';

describe('the correlation id of a charge', () => {
  it('is the id of the API request that started its workflow', async () => {
    const w = await linkedWallet();
    const res = await postCharge(w, 3000, { deviceId: `dev-${randomUUID()}` }); // a device the wallet has not seen: the charge waits for its code
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/\S+/);
    const executions = (await api('GET', '/local/workflow/executions')).body.executions as { name: string; input: { chargeId: string; correlationId?: string } }[];
    const started = executions.filter((e) => e.input.chargeId === res.body.chargeId);
    expect(started.length).toBeGreaterThan(0);
    for (const e of started) expect(e.input.correlationId).toBe(requestId);
  });
});

describe('the API', () => {
  it('serves GET /v1/terms with the version POST /v1/users accepts', async () => {
    const terms = await api('GET', '/v1/terms');
    expect(terms.status).toBe(200);
    expect(terms.headers.get('x-content-type-options')).toBe('nosniff');
    const wrong = await api('POST', '/v1/users', {
      body: { email: `t-${Date.now()}@example.com`, password: 'Str0ng-Passw0rd', phoneNumber: '+819012345678', acceptedTermsVersion: `${terms.body.version}-old` },
      invalid: true,
    });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body.error.details)).toContain('acceptedTermsVersion');
  });

  it('answers a form-encoded body 415 UNSUPPORTED_MEDIA_TYPE, as the document declares', async () => {
    const res = await api('POST', '/v1/sessions', { rawBody: 'email=a%40b.c&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, invalid: true });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
