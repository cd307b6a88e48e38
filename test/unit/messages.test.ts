/**
 * The message catalog: every text in every language, Japanese code SMS within one
 * segment, JST times, and the language a request asks for.
 */
import { signNotMeToken } from '../../functions/domain/not-me-token';
import { ERROR_STATUS } from '../../functions/shared/errors';
import {
  API_ERRORS, BANK_NOTICE, browserMessagesScript, CONSOLE, errorMessage, formatJst, formatYen, LANGUAGES, NOT_ME_PAGE, NOTICES, pickLanguage, SMS, smsSegments, SUPPORT,
  type Lang,
} from '../../functions/shared/messages';

const AT = Date.parse('2026-11-30T04:11:00Z'); // 13:11 JST
const ACCOUNT = { bankCode: '0001', accountMasked: '****578' };
const CODE = '123456';
// A real token as the notices carry it: the longest kind (a debit, naming its charge).
const TOKEN = signNotMeToken('k', {
  linkId: 'lnk_0b7a2c1e-2f51-4bb5-9a52-5d1d0c2b8f10', userId: '0f8fad5b-d9cb-469f-a165-70867728950e', expiresAt: 1_800_000_000,
  tokenId: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b', event: { kind: 'DEBITED', at: 1_795_000_000, chargeId: `chg_${'a'.repeat(32)}` },
});
const NOT_ME_URL = `https://d111111abcdef8.cloudfront.net/ops/not-me.html?token=${TOKEN}`;

/** Every SMS and notice, as the holder or wallet user receives it, in each language. */
function everySms(lang: Lang): Record<string, string> {
  const bank = (body: string, url?: string) => BANK_NOTICE[lang](ACCOUNT.bankCode, body, url);
  return {
    'wallet: phone code': SMS.phoneCode[lang](CODE),
    'wallet: link code': SMS.linkCode[lang](CODE, ACCOUNT),
    'wallet: charge code (500,000 yen)': SMS.chargeCode[lang](CODE, 500_000, ACCOUNT),
    'bank: link requested (one-time code)': bank(NOTICES.linkRequested[lang](CODE, ACCOUNT)),
    'bank: holder challenge code (500,000 yen)': bank(NOTICES.holderChallenge[lang](CODE, { ...ACCOUNT, amount: 500_000 })),
    'bank: linked + not-me link': bank(NOTICES.linked[lang]({ ...ACCOUNT, at: AT }), NOT_ME_URL),
    'bank: debited + not-me link': bank(NOTICES.debited[lang]({ ...ACCOUNT, amount: 500_000, at: AT }), NOT_ME_URL),
    'bank: pre-debit hold + not-me link': bank(NOTICES.preDebitHold[lang]({ ...ACCOUNT, amount: 500_000, availableAt: AT + 72 * 3600_000 }), NOT_ME_URL),
    'bank: account locked for linking': bank(NOTICES.accountLocked[lang]({ ...ACCOUNT, failures: 3 })),
    'bank: card PIN locked': bank(NOTICES.pinLocked[lang]({ ...ACCOUNT, failures: 6 })),
  };
}

describe('message catalog', () => {
  const tables: Record<string, Record<string, Partial<Record<Lang, unknown>>>> = { SMS, NOTICES, API_ERRORS, NOT_ME_PAGE, CONSOLE, BANK_NOTICE: { frame: BANK_NOTICE }, SUPPORT: { hours: SUPPORT.hours } };

  it.each(Object.keys(tables))('%s: every key has every language, none empty', (name) => {
    const missing: string[] = [];
    for (const [key, entry] of Object.entries(tables[name])) {
      for (const lang of LANGUAGES) {
        const v = entry[lang];
        if (v === undefined || v === '' || (typeof v !== 'string' && typeof v !== 'function')) missing.push(`${key}.${lang}`);
      }
      for (const extra of Object.keys(entry).filter((k) => !(LANGUAGES as readonly string[]).includes(k))) missing.push(`${key}: unknown language ${extra}`);
    }
    expect(missing).toEqual([]);
  });

  it('the check above fails for an entry without Japanese', () => {
    const broken = { ...CONSOLE, 'x.y': { en: 'only English' } } as Record<string, Partial<Record<Lang, string>>>;
    expect(Object.entries(broken).filter(([, e]) => !e.ja).map(([k]) => k)).toEqual(['x.y']);
  });

  it('has a message for every error code of the contract, and the code stays the code', () => {
    expect(Object.keys(API_ERRORS).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    expect(errorMessage('INVALID_CODE', 'ja', { attemptsLeft: 3 })).toBe('認証コードが違います。あと3回入力できます。');
    expect(errorMessage('INVALID_CODE', 'en', { attemptsLeft: 3 }, 'The code is wrong')).toBe('The code is wrong');
    expect(errorMessage('INVALID_CODE', 'en', { attemptsLeft: 3 })).toBe('The code is wrong; 3 tries left');
    expect(errorMessage('SOMETHING_ELSE', 'ja', undefined, 'kept')).toBe('kept');
  });

  it('Japanese texts are Japanese (they contain kana or kanji), English ones are not', () => {
    const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
    for (const [name, text] of Object.entries(everySms('ja'))) expect({ name, ja: japanese.test(text) }).toEqual({ name, ja: true });
    for (const [name, text] of Object.entries(everySms('en'))) expect({ name, ja: japanese.test(text) }).toEqual({ name, ja: false });
    for (const [key, entry] of Object.entries(API_ERRORS)) expect({ key, ja: japanese.test(entry.ja(undefined)) }).toEqual({ key, ja: true });
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 and UCS-2 the way carriers bill them', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', length: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', length: 161, segments: 2 });
    expect(smsSegments('[]'.repeat(40))).toEqual({ encoding: 'GSM-7', length: 160, segments: 1 });
    expect(smsSegments('あ'.repeat(70))).toEqual({ encoding: 'UCS-2', length: 70, segments: 1 });
    expect(smsSegments('あ'.repeat(71))).toEqual({ encoding: 'UCS-2', length: 71, segments: 2 });
    expect(smsSegments('あ'.repeat(134))).toEqual({ encoding: 'UCS-2', length: 134, segments: 2 });
    expect(smsSegments('あ'.repeat(135)).segments).toBe(3);
    expect(smsSegments(`a${'—'}`).encoding).toBe('UCS-2'); // one character outside GSM turns the whole SMS to UCS-2
  });

  it('every Japanese code SMS fits one segment (70 characters)', () => {
    const ja = everySms('ja');
    for (const name of ['wallet: phone code', 'wallet: link code', 'wallet: charge code (500,000 yen)']) {
      expect({ name, ...smsSegments(ja[name]) }).toEqual(expect.objectContaining({ name, encoding: 'UCS-2', segments: 1 }));
    }
  });

  it('the debit notice, the one holders get most, fits 4 segments with the largest amount and a CloudFront not-me URL', () => {
    expect(smsSegments(everySms('ja')['bank: debited + not-me link']).segments).toBeLessThanOrEqual(4);
  });

  it('codes stay 6 ASCII digits that a client can find with /\\b\\d{6}\\b/, and the only such number', () => {
    for (const lang of LANGUAGES) {
      const all = everySms(lang);
      for (const name of ['wallet: phone code', 'wallet: link code', 'wallet: charge code (500,000 yen)', 'bank: link requested (one-time code)', 'bank: holder challenge code (500,000 yen)']) {
        expect({ name, lang, found: all[name].match(/\b\d{6}\b/g) }).toEqual({ name, lang, found: [CODE] });
      }
    }
  });

  it('prints what each message costs (the README table)', () => {
    const rows = Object.keys(everySms('ja')).map((name) => {
      const ja = smsSegments(everySms('ja')[name]);
      const en = smsSegments(everySms('en')[name]);
      return `| ${name} | ${ja.length} | ${ja.segments} | ${en.encoding} ${en.length} | ${en.segments} |`;
    });
    // Visible with --verbose; the numbers in README.md come from here.
    console.log(['| message | ja chars | ja segments | en encoding, length | en segments |', ...rows].join('\n'));
    expect(rows).toHaveLength(10);
  });
});

describe('JST, yen and Accept-Language', () => {
  it('shows times in JST, whatever the machine zone', () => {
    expect(formatJst(AT, 'ja')).toBe('2026年11月30日 13:11');
    expect(formatJst(AT, 'en')).toBe('30 Nov 2026 13:11 JST');
    expect(formatJst(Date.parse('2026-12-31T15:30:00Z'), 'ja')).toBe('2027年1月1日 00:30'); // the date turns at JST midnight
    expect(NOTICES.linked.ja({ accountMasked: '****578', at: AT })).toContain('2026年11月30日 13:11');
    expect(NOTICES.debited.ja({ accountMasked: '****578', amount: 5000, at: AT })).toMatch(/5,000円/);
  });

  it('formats yen', () => {
    expect(formatYen(500000, 'ja')).toBe('500,000円');
    expect(formatYen(500000, 'en')).toBe('¥500,000');
  });

  it.each([
    [undefined, 'ja'],
    ['', 'ja'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['ja-JP,ja;q=0.9,en;q=0.8', 'ja'],
    ['fr-FR, en;q=0.5', 'en'],
    ['fr', 'ja'],
    ['en;q=0.3, ja;q=0.7', 'ja'],
    ['ja;q=0, en', 'en'],
    ['*', 'ja'],
    [';;;,,,q=', 'ja'],
  ])('Accept-Language %j → %s', (header, lang) => {
    expect(pickLanguage(header)).toBe(lang);
  });

  it('gives the browser pages both languages of their texts as one script', () => {
    const script = browserMessagesScript();
    const window: { ANSHIN_MESSAGES?: any } = {};
    new Function('window', script)(window);
    expect(window.ANSHIN_MESSAGES.defaultLang).toBe('ja');
    expect(window.ANSHIN_MESSAGES.notMe.ja.button).toBe(NOT_ME_PAGE.button.ja);
    expect(Object.keys(window.ANSHIN_MESSAGES.console.en)).toEqual(Object.keys(CONSOLE));
  });
});
