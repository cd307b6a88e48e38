import { openApiDocument } from '../../functions/shared/openapi';
import { ContractChecker, ContractViolation, type Exchange } from '../support/contract';

/** The checker the integration tests run on every exchange, here against the generated document: it must be able to fail. */
const checker = new ContractChecker(JSON.parse(JSON.stringify(openApiDocument('http://127.0.0.1:3000'))));
const JSON_HEADERS = { 'content-type': 'application/json' };
const LINK = 'lnk_00000000-0000-4000-8000-000000000000';
const register = { email: 'hanako@example.com', password: 'Passw0rd-123', phoneNumber: '+819012345678', acceptedTermsVersion: '2026-04' };
const error = (code: string) => JSON.stringify({ error: { code, message: 'm', requestId: 'r' } });

const charge = (over: Partial<Exchange> = {}): Exchange => ({
  method: 'POST', url: '/v1/me/charges',
  requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t', 'idempotency-key': 'order-1', 'x-device-id': 'phone-1' },
  requestBody: JSON.stringify({ linkId: LINK, amount: 5000 }),
  status: 201, responseHeaders: JSON_HEADERS, responseBody: JSON.stringify({ chargeId: 'chg_1', status: 'COMPLETED', balance: 5000 }),
  ...over,
});

describe('contract checker', () => {
  it('passes exchanges that match the document: a registration, a completed charge, a 202, a 429 with retry-after, a 204', () => {
    expect(checker.check({ method: 'POST', url: '/v1/users', requestHeaders: JSON_HEADERS, requestBody: JSON.stringify(register), status: 201, responseHeaders: JSON_HEADERS, responseBody: '{"userId":"u1"}' })).toEqual([]);
    expect(checker.check(charge())).toEqual([]);
    expect(checker.check(charge({ status: 202, responseBody: JSON.stringify({ chargeId: 'chg_1', status: 'PENDING_CONFIRMATION' }) }))).toEqual([]);
    expect(checker.check(charge({ status: 429, responseHeaders: { ...JSON_HEADERS, 'retry-after': '1' }, responseBody: error('RATE_LIMITED') }))).toEqual([]);
    expect(checker.check({ method: 'DELETE', url: `/v1/me/bank-links/${LINK}`, requestHeaders: { authorization: 'Bearer t' }, status: 204, responseHeaders: {}, responseBody: '' })).toEqual([]);
    expect(checker.check({ method: 'POST', url: '/v1/me/ekyc', requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t' }, requestBody: '{}', status: 201, responseHeaders: JSON_HEADERS, responseBody: '{"ekycSessionId":"s","redirectUrl":"u"}' })).toEqual([]);
  });

  it('fails an undeclared status, naming the route, the status and where in the document', () => {
    const problems = checker.check(charge({ status: 418, responseBody: error('TEAPOT') }));
    expect(problems).toEqual([expect.stringMatching(/^POST \/v1\/me\/charges → 418: status 418 is not declared .*#\/paths\/~1v1~1me~1charges\/post\/responses/)]);
    expect(() => checker.assert(charge({ status: 418, responseBody: error('TEAPOT') }))).toThrow(ContractViolation);
  });

  it('fails a body that does not match, with the schema path', () => {
    expect(checker.check(charge({ responseBody: JSON.stringify({ chargeId: 'chg_1', status: 'COMPLETED' }) }))).toContainEqual(
      expect.stringMatching(/body \/: must have required property 'balance'.*schema openapi\.json#\/paths\/~1v1~1me~1charges\/post\/responses\/201\/content\/application~1json\/schema\/required/),
    );
  });

  it('fails an error code the operation does not declare under that status', () => {
    expect(checker.check(charge({ status: 422, responseBody: error('HOLDER_MISMATCH') }))).toContainEqual(expect.stringMatching(/\/error\/code: must be equal to one of the allowed values/));
  });

  it('fails a 429 without retry-after', () => {
    expect(checker.check(charge({ status: 429, responseBody: error('RATE_LIMITED') }))).toEqual([expect.stringMatching(/header retry-after is required/)]);
  });

  it('fails a request the document refuses unless it is marked as bad input; a marked one must get a declared 4xx', () => {
    const bad = charge({ requestBody: JSON.stringify({ linkId: LINK, amount: 1.5 }), status: 400, responseBody: error('VALIDATION_ERROR') });
    expect(checker.check(bad)).toEqual([expect.stringMatching(/request: body \/amount: must be integer/)]);
    expect(checker.check(bad, 'invalid')).toEqual([]);
    expect(checker.check({ ...bad, status: 201, responseBody: JSON.stringify({ chargeId: 'chg_1', status: 'COMPLETED', balance: 1 }) }, 'invalid')).toEqual([
      expect.stringMatching(/not refused with a 4xx/),
    ]);
    expect(checker.check({ ...bad, status: 201, responseBody: JSON.stringify({ chargeId: 'chg_1', status: 'COMPLETED', balance: 1 }) }, 'auto')).toEqual([
      expect.stringMatching(/the service accepted a request the document refuses/),
    ]);
  });

  it('checks parameters with their declared types: a missing header, an integer query parameter, no token', () => {
    expect(checker.check(charge({ requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t' } }))).toEqual([expect.stringMatching(/header parameter idempotency-key is required/)]);
    const tx = (query: string) => ({ method: 'GET', url: `/v1/me/transactions${query}`, requestHeaders: { authorization: 'Bearer t' }, status: 200, responseHeaders: JSON_HEADERS, responseBody: '{"items":[],"nextCursor":null}' });
    expect(checker.check(tx('?limit=20'))).toEqual([]);
    expect(checker.check(tx('?limit=101'))).toEqual([expect.stringMatching(/query parameter limit \/: must be <= 100/)]);
    expect(checker.check({ ...tx(''), requestHeaders: {} })).toEqual([expect.stringMatching(/no bearer token/)]);
    // Names that are also Object.prototype's keys are only names.
    expect(checker.check(charge({ requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t', 'idempotency-key': 'k', 'content-type': 'constructor' } }), 'auto')).toEqual([]);
    expect(checker.check(charge({ requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t', 'idempotency-key': 'k', 'content-type': 'constructor' } }))).toEqual([expect.stringMatching(/content-type "constructor" is not one of application\/json/)]);
    expect(checker.check({ ...tx('?__proto__=1&constructor=2'), requestHeaders: { authorization: 'Bearer t' } })).toEqual([]);
  });

  it('accepts a registration with any password zod accepts (the pattern means what zod means)', () => {
    for (const password of ['Passw0rd-123', '12345678aB', 'x\nY7-----', 'Str0ng-Passw0rd']) {
      expect(checker.check({ method: 'POST', url: '/v1/users', requestHeaders: JSON_HEADERS, requestBody: JSON.stringify({ ...register, password }), status: 201, responseHeaders: JSON_HEADERS, responseBody: '{"userId":"u1"}' })).toEqual([]);
    }
  });

  it('fails a body on a route that declares none, and a path outside the document unless refused', () => {
    expect(checker.check({ method: 'DELETE', url: `/v1/me/bank-links/${LINK}`, requestHeaders: { authorization: 'Bearer t' }, status: 204, responseHeaders: JSON_HEADERS, responseBody: '{}' })).toEqual([
      expect.stringMatching(/a body "\{\}" where the document declares none/),
    ]);
    expect(checker.check({ method: 'POST', url: '/v1/me/ekyc', requestHeaders: { ...JSON_HEADERS, authorization: 'Bearer t' }, requestBody: '{"x":1}', status: 201, responseHeaders: JSON_HEADERS, responseBody: '{"ekycSessionId":"s","redirectUrl":"u"}' })).toEqual([
      expect.stringMatching(/request: body \/: must NOT have additional properties/),
    ]);
    expect(checker.check({ method: 'GET', url: '/v1/nope', requestHeaders: {}, status: 404, responseHeaders: JSON_HEADERS, responseBody: error('NOT_FOUND') }, 'invalid')).toEqual([]);
    expect(checker.check({ method: 'GET', url: '/v1/nope', requestHeaders: {}, status: 404, responseHeaders: JSON_HEADERS, responseBody: error('NOT_FOUND') })).toEqual([expect.stringMatching(/no operation GET \/v1\/nope/)]);
    expect(checker.check({ method: 'GET', url: '/local/sms?to=x', requestHeaders: {}, status: 200, responseHeaders: {}, responseBody: 'anything' })).toEqual([]);
  });
});
