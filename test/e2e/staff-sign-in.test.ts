/**
 * The ops console's cloud sign-in, in headless Chromium: staff sign in to their own Cognito
 * pool, which requires an authenticator code (TOTP). cognito-local has no MFA, so Cognito's
 * JSON API is played by this test (page.route) with the exchanges the real service has for
 * USER_PASSWORD_AUTH, MFA_SETUP and SOFTWARE_TOKEN_MFA; the access token it hands out is a
 * real local ops token, so the console then works against the local API as it would in the
 * cloud. config.js is served as the cloud deployment writes it.
 */
import type { BrowserContext, Page, Route } from 'playwright-core';
import { baseUrl, opsToken } from '../support/api';
import { launchChromium, type HeadlessChromium } from '../support/browser';

const REGION = 'ap-northeast-1';
const CLIENT_ID = 'staff-console-client';
const EMAIL = 'staff@example.com';
const PASSWORD = 'Staff-Passw0rd-Long!';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const GOOD_CODE = '123456';
const COGNITO = `https://cognito-idp.${REGION}.amazonaws.com/`;
/** The cloud policy (lib/constructs/ops-console.ts), resolved for one region: the API is same-origin here. */
const CLOUD_CSP = `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' https://cognito-idp.${REGION}.amazonaws.com; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;

interface Call {
  target: string;
  body: Record<string, any>;
}

/** Cognito's side of the conversation, for one staff member who has or has not enrolled an authenticator yet. */
function fakeCognito(accessToken: string, state: { enrolled: boolean; calls: Call[] }) {
  const fail = (route: Route, type: string, message: string) =>
    route.fulfill({ status: 400, contentType: 'application/x-amz-json-1.1', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify({ __type: type, message }) });
  const ok = (route: Route, body: unknown) =>
    route.fulfill({ status: 200, contentType: 'application/x-amz-json-1.1', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(body) });
  const tokens = { AuthenticationResult: { AccessToken: accessToken, IdToken: 'id', RefreshToken: 'refresh', ExpiresIn: 3600, TokenType: 'Bearer' } };
  return async (route: Route) => {
    const request = route.request();
    if (request.method() === 'OPTIONS') {
      return route.fulfill({ status: 200, headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type,x-amz-target', 'access-control-allow-methods': 'POST' } });
    }
    const target = (request.headers()['x-amz-target'] ?? '').replace('AWSCognitoIdentityProviderService.', '');
    const body = JSON.parse(request.postData() ?? '{}');
    state.calls.push({ target, body });
    switch (target) {
      case 'InitiateAuth':
        if (body.AuthFlow !== 'USER_PASSWORD_AUTH' || body.ClientId !== CLIENT_ID || body.AuthParameters?.USERNAME !== EMAIL || body.AuthParameters?.PASSWORD !== PASSWORD) {
          return fail(route, 'NotAuthorizedException', 'Incorrect username or password.');
        }
        return ok(route, state.enrolled ? { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'mfa-session' } : { ChallengeName: 'MFA_SETUP', Session: 'setup-1' });
      case 'AssociateSoftwareToken':
        return body.Session === 'setup-1' ? ok(route, { SecretCode: SECRET, Session: 'setup-2' }) : fail(route, 'NotAuthorizedException', 'Invalid session');
      case 'VerifySoftwareToken':
        if (body.Session !== 'setup-2') return fail(route, 'NotAuthorizedException', 'Invalid session');
        if (body.UserCode !== GOOD_CODE) return fail(route, 'EnableSoftwareTokenMFAException', 'Code mismatch');
        return ok(route, { Status: 'SUCCESS', Session: 'setup-3' });
      case 'RespondToAuthChallenge':
        if (body.ClientId !== CLIENT_ID || body.ChallengeResponses?.USERNAME !== EMAIL) return fail(route, 'NotAuthorizedException', 'Invalid session');
        if (body.ChallengeName === 'MFA_SETUP' && body.Session === 'setup-3') {
          state.enrolled = true;
          return ok(route, tokens);
        }
        if (body.ChallengeName === 'SOFTWARE_TOKEN_MFA' && body.Session === 'mfa-session') {
          return body.ChallengeResponses.SOFTWARE_TOKEN_MFA_CODE === GOOD_CODE ? ok(route, tokens) : fail(route, 'CodeMismatchException', 'Invalid code received for user');
        }
        return fail(route, 'NotAuthorizedException', 'Invalid session');
      default:
        return fail(route, 'InvalidAction', target);
    }
  };
}

describe('ops console: cloud staff sign-in with an authenticator code (headless Chromium)', () => {
  let chromium: HeadlessChromium;
  let context: BrowserContext;
  let page: Page;
  const state = { enrolled: false, calls: [] as Call[] };
  const apiSessions: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const token = await opsToken();
    chromium = await launchChromium();
    context = await chromium.browser.newContext();
    context.setDefaultTimeout(15_000);
    await context.route(/\/ops\/config\.js$/, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: `window.ANSHIN_API_URL = '';\nwindow.ANSHIN_STAFF_SIGN_IN = { region: '${REGION}', clientId: '${CLIENT_ID}' };\n` }),
    );
    await context.route(/\/ops\/[^?]*$/, async (route) => {
      if (route.request().url().endsWith('/config.js')) return route.fallback();
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CLOUD_CSP } });
    });
    await context.route(COGNITO, fakeCognito(token, state));
    await context.route(/\/v1\/sessions$/, (route) => {
      apiSessions.push(route.request().url());
      return route.fallback();
    });
    // The console is Japanese by default; these steps read its English texts (the staff member's choice, kept in localStorage).
    await context.addInitScript(() => {
      if (!localStorage.getItem('anshin-ops-lang')) localStorage.setItem('anshin-ops-lang', 'en');
    });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await chromium?.close();
  });

  const nav = () => page.getByRole('navigation', { name: 'Console views' });

  async function enterPassword(password = PASSWORD) {
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('a wrong password is refused by Cognito and no code is asked for', async () => {
    await page.goto(`${baseUrl()}/ops/`);
    await enterPassword('Wrong-Passw0rd-Long!');
    await page.getByRole('alert').getByText('NotAuthorizedException').waitFor();
    expect(await page.getByLabel('Authenticator code').isVisible()).toBe(false);
  });

  it('first sign-in: the console shows the authenticator key, a wrong code is refused, the right one enrols and signs in', async () => {
    await enterPassword();
    await page.getByLabel('Authenticator code').waitFor();
    expect(await page.locator('#sign-in-totp-secret').textContent()).toBe(SECRET);
    await page.getByLabel('Authenticator code').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('EnableSoftwareTokenMFAException').waitFor();
    expect(await nav().isVisible()).toBe(false);

    // The failed verification ended that attempt: start again from the password.
    state.calls.length = 0;
    await enterPassword();
    await page.getByLabel('Authenticator code').waitFor();
    await page.getByLabel('Authenticator code').fill(GOOD_CODE);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav().waitFor();
    expect(state.calls.map((c) => c.target)).toEqual(['InitiateAuth', 'AssociateSoftwareToken', 'VerifySoftwareToken', 'RespondToAuthChallenge']);
    expect(state.enrolled).toBe(true);
    // The token works on the API: the review queue loads.
    await page.getByRole('region', { name: 'Review queue', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('later sign-ins: password, then the code; a mistyped code may be retried; the key is never shown again', async () => {
    state.calls.length = 0;
    await enterPassword();
    await page.getByLabel('Authenticator code').waitFor();
    expect(await page.locator('#sign-in-totp-setup').isVisible()).toBe(false);
    await page.getByLabel('Authenticator code').fill('654321');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong authenticator code.').waitFor();
    await page.getByLabel('Authenticator code').fill(GOOD_CODE);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav().waitFor();
    expect(state.calls.map((c) => c.target)).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge']);
    expect(state.calls[2].body.ChallengeResponses).toEqual({ USERNAME: EMAIL, SOFTWARE_TOKEN_MFA_CODE: GOOD_CODE });
  });

  it('never used the wallet users\' sign-in route, and broke no content security rule', () => {
    expect(apiSessions).toEqual([]);
    expect(problems).toEqual([]);
  });
});
