/**
 * The local gateway's JWT checks, which stand in for the cloud HTTP API's Cognito
 * JWT authorizer: RS256 against the pool's JWKS, issuer, expiry and audience (the
 * app client: `client_id` of an access token, `aud` of an ID token). Anything else
 * is 401 UNAUTHORIZED before a handler runs.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_AWS_ENV } from '../../local/emulators';
import { PASSWORD, api, registerUser, type ApiResponse, type TestUser } from '../support/api';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const segments = (jwt: string) => jwt.split('.') as [string, string, string];
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, any>;

function signRs256(header: object, payload: object, privateKey: import('node:crypto').KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

function expectUnauthorized(res: ApiResponse) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), requestId: expect.any(String) }));
  expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
}

/** Bad credentials on purpose unless `valid`: the answer must be a 4xx that /openapi.json declares. */
const meWith = (authorization?: string, valid = false) => api('GET', '/v1/me', { headers: authorization === undefined ? {} : { authorization }, invalid: !valid });

describe('gateway JWT checks', () => {
  let user: TestUser;
  let tokens: { accessToken: string; idToken: string; refreshToken: string };
  let header: Record<string, any>;
  let payload: Record<string, any>;

  beforeAll(async () => {
    user = await registerUser();
    const session = await api('POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    expect(session.status).toBe(200);
    tokens = session.body;
    header = decode(segments(tokens.accessToken)[0]);
    payload = decode(segments(tokens.accessToken)[1]);
  });

  it('a real access token is accepted (control)', async () => {
    const res = await meWith(`Bearer ${tokens.accessToken}`, true);
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe(user.userId);
  });

  it('an ID token is accepted too, as the cloud authorizer accepts it (audience = the app client)', async () => {
    expect(decode(segments(tokens.idToken)[1]).token_use).toBe('id');
    const res = await meWith(`Bearer ${tokens.idToken}`, true);
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe(user.userId);
  });

  it('no Authorization header: 401 UNAUTHORIZED', async () => {
    expectUnauthorized(await meWith());
  });

  it.each([
    ['an empty header', ''],
    ['a bare "Bearer"', 'Bearer'],
    ['"Bearer " with nothing after it', 'Bearer    '],
    ['garbage', 'Bearer garbage'],
    ['three garbage segments', 'Bearer aaa.bbb.ccc'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
  ])('%s: 401 UNAUTHORIZED', async (_name, authorization) => {
    expectUnauthorized(await meWith(authorization));
  });

  it('the refresh token is not a bearer token: 401', async () => {
    expectUnauthorized(await meWith(`Bearer ${tokens.refreshToken}`));
  });

  it('alg "none" with the payload of a real access token and no signature: 401', async () => {
    const [, body] = segments(tokens.accessToken);
    expectUnauthorized(await meWith(`Bearer ${b64url(JSON.stringify({ alg: 'none' }))}.${body}.`));
    expectUnauthorized(await meWith(`Bearer ${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${body}.`));
    expectUnauthorized(await meWith(`Bearer ${b64url(JSON.stringify({ ...header, alg: 'none' }))}.${body}.`));
  });

  it('one character of the payload changed (signature no longer matches): 401', async () => {
    const [h, body, sig] = segments(tokens.accessToken);
    const i = Math.floor(body.length / 2);
    const flipped = body.slice(0, i) + (body[i] === 'A' ? 'B' : 'A') + body.slice(i + 1);
    expectUnauthorized(await meWith(`Bearer ${h}.${flipped}.${sig}`));
  });

  it("another user's subject spliced into a real token: 401", async () => {
    const other = await registerUser();
    const [h, , sig] = segments(tokens.accessToken);
    const forged = b64url(JSON.stringify({ ...payload, sub: other.userId, username: other.userId }));
    expectUnauthorized(await meWith(`Bearer ${h}.${forged}.${sig}`));
  });

  it('the signature of a real token stripped or corrupted: 401', async () => {
    const [h, body, sig] = segments(tokens.accessToken);
    expectUnauthorized(await meWith(`Bearer ${h}.${body}.`));
    expectUnauthorized(await meWith(`Bearer ${h}.${body}`));
    expectUnauthorized(await meWith(`Bearer ${h}.${body}.${sig.slice(0, -4)}AAAA`));
  });

  it('the same claims signed RS256 by a different key, even under the pool key id: 401', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expectUnauthorized(await meWith(`Bearer ${signRs256(header, payload, privateKey)}`));
    expectUnauthorized(await meWith(`Bearer ${signRs256({ alg: 'RS256', typ: 'JWT', kid: 'attacker-key' }, payload, privateKey)}`));
    // A key carried in the token itself must not be trusted either.
    const jwk = publicKey.export({ format: 'jwk' });
    expectUnauthorized(await meWith(`Bearer ${signRs256({ ...header, jwk }, payload, privateKey)}`));
  });

  it("HS256 keyed with the pool's public JWKS (algorithm confusion): 401", async () => {
    const jwks = await (await fetch(`${payload.iss}/.well-known/jwks.json`)).text();
    const input = `${b64url(JSON.stringify({ ...header, alg: 'HS256' }))}.${b64url(JSON.stringify(payload))}`;
    expectUnauthorized(await meWith(`Bearer ${input}.${createHmac('sha256', jwks).update(input).digest('base64url')}`));
  });

  it('a genuine token of the same pool issued to another app client: 401 (audience check)', async () => {
    const cognito = new CognitoIdentityProviderClient({
      endpoint: new URL(payload.iss).origin,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
    const poolId = new URL(payload.iss).pathname.replace(/^\//, '');
    const created = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: `gateway-auth-test-${Date.now()}`, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const otherClientId = created.UserPoolClient!.ClientId!;
    expect(otherClientId).not.toBe(payload.client_id);
    const auth = await cognito.send(
      new InitiateAuthCommand({ ClientId: otherClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD } }),
    );
    const foreignAccess = auth.AuthenticationResult!.AccessToken!;
    const foreignId = auth.AuthenticationResult!.IdToken!;
    // Genuinely signed by the pool, for the same user, just not for this API's client.
    expect(decode(segments(foreignAccess)[1])).toEqual(expect.objectContaining({ sub: user.userId, client_id: otherClientId }));
    expectUnauthorized(await meWith(`Bearer ${foreignAccess}`));
    expectUnauthorized(await meWith(`Bearer ${foreignId}`));
    cognito.destroy();
  });

  it('every user route is guarded, not only /v1/me', async () => {
    for (const [method, path] of [['POST', '/v1/me/phone/verification'], ['POST', '/v1/me/phone/verification/resend'], ['POST', '/v1/me/ekyc']]) {
      const res = await api(method, path, { body: { code: '123456' }, invalid: true });
      expectUnauthorized(res);
      const forged = await api(method, path, { body: { code: '123456' }, invalid: true, headers: { authorization: `Bearer ${b64url('{"alg":"none"}')}.${segments(tokens.accessToken)[1]}.` } });
      expectUnauthorized(forged);
    }
  });

  it('public routes ignore the Authorization header, even a bad one', async () => {
    expect((await api('GET', '/health', { headers: { authorization: 'Bearer garbage' } })).status).toBe(200);
    const session = await api('POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD }, headers: { authorization: 'Bearer garbage' } });
    expect(session.status).toBe(200);
  });
});

describe('gateway routing', () => {
  it('an unknown route is 404 NOT_FOUND in the error format', async () => {
    for (const path of ['/nope', '/v1', '/v1/users/extra', '/v2/users', '/v1/me/']) {
      const res = await api('GET', path, { invalid: true });
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
      expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), requestId: expect.any(String) }));
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    }
  });

  it('a known path with the wrong method is 405 in the error format', async () => {
    for (const [method, path] of [['DELETE', '/v1/me'], ['GET', '/v1/users'], ['PUT', '/health'], ['GET', '/v1/webhooks/ekyc'], ['PATCH', '/v1/sessions']]) {
      const res = await api(method, path, { invalid: true });
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 405, code: 'METHOD_NOT_ALLOWED' });
      expect(res.body.error.requestId).toEqual(expect.any(String));
    }
  });
});
