/**
 * Japanese first, on the running stack: what the wallet user and the bank account
 * holder receive is Japanese with JST times and masked accounts; API error messages
 * follow Accept-Language (Japanese by default) while the codes stay the contract's.
 */
import { formatJst, smsSegments } from '../../functions/shared/messages';
import { api, lastCode, registerUser, smsTo, verifiedUser, type ApiResponse } from '../support/api';
import { challenged, confirmCharge, expectError, linkedWallet, waitForStatus, type LinkedWallet } from '../support/charges';

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
const JST_TIME = /(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})/;
const serviceNow = async () => Date.parse((await api('GET', '/local/clock')).body.now);

/** The instant a JST time in a text names (minute precision). */
function jstInstant(text: string): number {
  const m = JST_TIME.exec(text);
  if (!m) throw new Error(`no JST time in ${text}`);
  const [, y, mo, d, h, mi] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h - 9, mi);
}

const tokenOf = (body: string) => /[?&]token=([\w.-]+)/.exec(body)?.[1];

describe('what people receive is Japanese, with JST times', () => {
  let w: LinkedWallet;
  let linkedAt: string;

  beforeAll(async () => {
    w = await linkedWallet({ balance: 100_000 });
    const links = await api('GET', '/v1/me/bank-links', { token: w.user.token });
    linkedAt = links.body.items.find((l: { linkId: string }) => l.linkId === w.linkId).activatedAt;
  });

  it('the registration SMS: a Japanese phone code, one SMS segment, never share', async () => {
    const user = await verifiedUser();
    const [first] = await smsTo(user.phone);
    expect(first.body).toMatch(/^【あんしんウォレット】電話番号の認証コード：\d{6}（5分間有効）。このコードは誰にも教えないでください。$/);
    expect(smsSegments(first.body)).toEqual({ encoding: 'UCS-2', length: first.body.length, segments: 1 });
  });

  it('the link code SMS names its purpose and the masked account', async () => {
    const sms = (await smsTo(w.user.phone)).find((m) => m.body.includes('口座登録の認証コード'))!;
    expect(sms.body).toContain(`銀行${w.account.bankCode} 口座****${w.account.accountNumber.slice(-3)}`);
    expect(sms.body).not.toContain(w.account.accountNumber);
    expect(smsSegments(sms.body).segments).toBe(1);
  });

  it("the bank's link notice: Japanese, the masked account, the JST time of the link, a not-me link", async () => {
    const notices = (await smsTo(w.account.holderPhone)).filter((m) => m.body.includes('に登録されました'));
    expect(notices).toHaveLength(1);
    const body = notices[0].body;
    expect(body.startsWith(`【銀行${w.account.bankCode}】`)).toBe(true);
    expect(body).toContain(`口座****${w.account.accountNumber.slice(-3)}があんしんウォレットに登録されました`);
    expect(body).toContain(formatJst(linkedAt, 'ja'));
    expect(body).not.toMatch(/UTC|Your account/);
    expect(body).toMatch(/お心当たりのない場合：http\S+[?&]token=v2\./);
  });

  it("the bank's debit notice: Japanese, the amount in yen, the masked account, the JST time; the not-me page can read it", async () => {
    const before = await serviceNow();
    const { chargeId, code } = await challenged(w, 5_000);
    expect((await confirmCharge(w, chargeId, code)).status).toBe(200);
    await waitForStatus(w, chargeId, 'COMPLETED');
    const after = await serviceNow();

    const smsCode = (await smsTo(w.user.phone)).find((m) => m.body.includes(code))!;
    expect(smsCode.body).toMatch(/^【あんしんウォレット】5,000円チャージ（口座\*{4}\d{3}から）の認証コード：\d{6}。誰にも教えないでください。$/);
    expect(smsSegments(smsCode.body).segments).toBe(1);

    const debits = (await smsTo(w.account.holderPhone)).filter((m) => m.body.includes('を引き落としました'));
    expect(debits).toHaveLength(1);
    const body = debits[0].body;
    expect(body).toContain(`口座****${w.account.accountNumber.slice(-3)}からあんしんウォレットへのチャージで5,000円を引き落としました`);
    const at = jstInstant(body);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000);
    expect(at).toBeLessThanOrEqual(after);

    // The page behind the notice's link: what happened, masked, before anyone reports.
    const token = tokenOf(body)!;
    const details = await api('GET', `/v1/reports/not-me?token=${token}`);
    expect(details.status).toBe(200);
    expect(details.body).toEqual({
      event: 'DEBITED', bankCode: w.account.bankCode, accountMasked: `****${w.account.accountNumber.slice(-3)}`,
      at: expect.any(String), amount: 5_000, reported: false,
    });
    expect(Math.floor(Date.parse(details.body.at) / 60_000) * 60_000).toBe(at);
    expect(JSON.stringify(details.body)).not.toContain(w.account.accountNumber);

    const linkToken = tokenOf((await smsTo(w.account.holderPhone)).find((m) => m.body.includes('に登録されました'))!.body)!;
    const link = await api('GET', `/v1/reports/not-me?token=${linkToken}`);
    expect(link.body).toEqual(expect.objectContaining({ event: 'LINKED', reported: false, at: expect.any(String) }));
    expect(link.body.amount).toBeUndefined();
  });

  it('a reported token reads back as reported, with the claim; a bad token is 401 INVALID_TOKEN', async () => {
    const holder = (await smsTo(w.account.holderPhone)).filter((m) => m.body.includes('を引き落としました'));
    const token = tokenOf(holder[holder.length - 1].body)!;
    const report = await api('POST', '/v1/reports/not-me', { body: { token } });
    expect(report.status).toBe(200);
    const read = await api('GET', `/v1/reports/not-me?token=${token}`);
    expect(read.body).toEqual(expect.objectContaining({ reported: true, report: expect.objectContaining({ walletFrozen: true, claimId: report.body.claimId, amount: 5_000 }) }));
    expectError(await api('GET', `/v1/reports/not-me?token=${token.slice(0, -2)}xx`), 401, 'INVALID_TOKEN');
    expectError(await api('GET', '/v1/reports/not-me', { invalid: true }), 400, 'VALIDATION_ERROR');
  });
});

describe('API error messages follow Accept-Language; codes do not change', () => {
  const wrongPassword = (headers: Record<string, string>) => api('POST', '/v1/sessions', { headers, body: { email: 'nobody-ja@example.com', password: 'Wrong-Passw0rd-1' } });

  it('Japanese by default, English on request, Japanese for a language we do not have', async () => {
    const ja = await wrongPassword({});
    expectError(ja, 401, 'INVALID_CREDENTIALS');
    expect(ja.body.error.message).toBe('メールアドレスまたはパスワードが違います。');
    expect(ja.headers.get('content-language')).toBe('ja');

    const en = await wrongPassword({ 'accept-language': 'en-US,en;q=0.9' });
    expectError(en, 401, 'INVALID_CREDENTIALS');
    expect(en.body.error.message).toBe('Wrong email or password');
    expect(en.headers.get('content-language')).toBe('en');

    expect((await wrongPassword({ 'accept-language': 'fr-FR' })).body.error.message).toMatch(JAPANESE);
    expect((await wrongPassword({ 'accept-language': 'ja;q=0.4, en;q=0.8' })).body.error.message).toBe('Wrong email or password');
  });

  it('for validation errors, the gateway\'s own 401 and 404, and a wrong code with tries left', async () => {
    const user = await registerUser();
    const code = await lastCode(user.phone);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const cases: [string, (h: Record<string, string>) => Promise<ApiResponse>, number, string][] = [
      ['validation', (h) => api('POST', '/v1/users', { headers: h, body: { email: 'x' }, invalid: true }), 400, 'VALIDATION_ERROR'],
      ['no token', (h) => api('GET', '/v1/me', { headers: h, invalid: true }), 401, 'UNAUTHORIZED'],
      ['no route', (h) => api('GET', '/v1/nothing-here', { headers: h, invalid: true }), 404, 'NOT_FOUND'],
      ['no such charge', (h) => api('GET', `/v1/me/charges/chg_${'0'.repeat(32)}`, { token: user.token, headers: h }), 404, 'NOT_FOUND'],
      ['a wrong code', (h) => api('POST', '/v1/me/phone/verification', { token: user.token, headers: h, body: { code: wrong } }), 422, 'INVALID_CODE'],
    ];
    for (const [what, send, status, code] of cases) {
      const ja = await send({});
      const en = await send({ 'accept-language': 'en' });
      expect({ what, status: ja.status, code: ja.body.error.code, ja: JAPANESE.test(ja.body.error.message) }).toEqual({ what, status, code, ja: true });
      expect({ what, status: en.status, code: en.body.error.code, ja: JAPANESE.test(en.body.error.message) }).toEqual({ what, status, code, ja: false });
      if (code !== 'INVALID_CODE') expect(en.body.error.details).toEqual(ja.body.error.details);
    }
    // Japanese says how many tries are left, as the details do (two wrong codes were sent above).
    const third = await api('POST', '/v1/me/phone/verification', { token: user.token, body: { code: wrong } });
    expect(third.body.error).toEqual(expect.objectContaining({ code: 'INVALID_CODE', message: `認証コードが違います。あと${third.body.error.details.attemptsLeft}回入力できます。` }));
  });
});
