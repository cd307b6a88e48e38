/**
 * Holder-name matching decides whether a bank account may be linked to a wallet:
 * a false "no" turns away an honest holder, a false "yes" lets a wallet verified as
 * someone else take the account (the 2020 attack). Banks write names in half-width
 * Zengin katakana; eKYC gives full-width katakana, sometimes hiragana, with spaces.
 */
import fc from 'fast-check';
import { holderMatches, kanaNamesMatch, normalizeKana } from '../../functions/domain/kana';

// ---------------------------------------------------------------- test-side converters

/** Full-width katakana with a half-width (JIS X 0201) form; voiced ones are written base + ﾞ/ﾟ. */
const FULL = 'ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン';
const HALF = 'ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ';
const TO_HALF = new Map([...FULL].map((c, i) => [c, HALF[i]]));
const TO_FULL = new Map([...HALF].map((c, i) => [c, FULL[i]]));

/** What a bank's system prints: every katakana in its half-width form, voicing as a separate ﾞ or ﾟ. */
function toHalfWidth(s: string): string {
  return [...s.normalize('NFD')]
    .map((c) => (c === '\u3099' ? 'ﾞ' : c === '\u309a' ? 'ﾟ' : c === '　' ? ' ' : (TO_HALF.get(c) ?? c)))
    .join('');
}

/**
 * A character-by-character widening, as many legacy converters do it: ﾞ becomes the
 * stand-alone full-width mark ゛ instead of being merged into the letter before it.
 */
function toFullWidthNaive(s: string): string {
  return [...s].map((c) => (c === 'ﾞ' ? '゛' : c === 'ﾟ' ? '゜' : c === ' ' ? '　' : (TO_FULL.get(c) ?? c))).join('');
}

const toHiragana = (s: string) => s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));

/** Letters (plain, voiced, semi-voiced, small) that all have half-width forms; no long-vowel mark, which normalizes away. */
const LETTERS = [...'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォッャュョ'];
const SPACES = [' ', '　', '\t', '\u00a0', ''];
const katakanaWord = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const katakanaName = fc.tuple(katakanaWord, fc.constantFrom(...SPACES), katakanaWord).map(([a, sp, b]) => `${a}${sp}${b}`);
/** Anything a name field might hold: kana of every form, spaces, dashes, marks, Latin. */
const NAME_CHARS = [...LETTERS, ...HALF, 'ﾞ', 'ﾟ', '゛', '゜', '\u3099', '\u309a', 'ー', 'ｰ', '-', '－', '・', ' ', '　', 'ヰ', 'ヱ', 'ヮ', 'ヵ', 'ヶ', 'ヷ', 'ヺ', ...'あがぱっゃゐゑをゔ', ...'AzＹｙ'];
const anyName = fc.array(fc.constantFrom(...NAME_CHARS), { maxLength: 14 }).map((a) => a.join(''));

function expectMatch(a: string, b: string) {
  expect({ a, b, match: kanaNamesMatch(a, b) }).toEqual({ a, b, match: true });
  expect({ a: b, b: a, match: kanaNamesMatch(b, a) }).toEqual({ a: b, b: a, match: true });
}
function expectNoMatch(a: string, b: string) {
  expect({ a, b, match: kanaNamesMatch(a, b) }).toEqual({ a, b, match: false });
  expect({ a: b, b: a, match: kanaNamesMatch(b, a) }).toEqual({ a: b, b: a, match: false });
}

// ---------------------------------------------------------------- the pairs

describe('kanaNamesMatch: the same name as banks and eKYC write it', () => {
  test.each([
    ['half-width with ﾞ vs full-width voiced', 'ｶﾞ', 'ガ'],
    ['half-width with ﾟ vs full-width semi-voiced', 'ﾊﾟ', 'パ'],
    ['half-width ｳﾞ vs ヴ', 'ｳﾞｨｯｸ', 'ヴィック'],
    ['a bank record vs an eKYC name', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダ タロウ'],
    ['hiragana vs katakana', 'やまだ たろう', 'ヤマダ タロウ'],
    ['hiragana vs half-width katakana', 'やまだ たろう', 'ﾔﾏﾀﾞ ﾀﾛｳ'],
    ['ASCII space vs ideographic space (U+3000)', 'ヤマダ タロウ', 'ヤマダ　タロウ'],
    ['no space vs a space', 'ヤマダタロウ', 'ヤマダ タロウ'],
    ['no space vs U+3000', 'ヤマダタロウ', 'ヤマダ　タロウ'],
    ['several spaces, tabs, no-break space', 'ヤマダ \u00a0\t　タロウ', 'ヤマダタロウ'],
    ['leading and trailing spaces', '　ヤマダ タロウ ', 'ヤマダ タロウ'],
    ['small ｯ as banks write it vs ツ', 'ｲﾂﾁﾖｳ', 'イッチョウ'],
    ['small ッ vs ツ', 'ハットリ', 'ハツトリ'],
    ['small ャュョ vs ヤユヨ', 'キャシュチョ', 'キヤシユチヨ'],
    ['half-width small ｬｭｮ vs full-width large', 'ｷｬｼｭﾁｮ', 'キヤシユチヨ'],
    ['small ァィゥェォ vs large', 'ファィゥェォ', 'フアイウエオ'],
    ['long vowel ー vs ｰ', 'サトー', 'ｻﾄｰ'],
    ['long vowel ー vs hyphen', 'サトー', 'サト-'],
    ['long vowel ー vs nothing', 'サトー', 'サト'],
    ['long vowel ｰ vs full-width hyphen', 'ｻﾄｰ', 'サト－'],
    ['ヲ vs オ', 'ヲガワ', 'オガワ'],
    ['half-width ｦ vs オ', 'ｦｶﾞﾜ', 'オガワ'],
    ['middle dot between given and family name', 'スミス・ジョン', 'ｽﾐｽ ｼﾞｮﾝ'],
    ['full-width Latin vs ASCII', 'ＹＡＭＡＤＡ ＴＡＲＯ', 'YAMADA TARO'],
    ['Latin case', 'yamada taro', 'YAMADA TARO'],
    ['a legacy conversion: ゛ as a separate full-width mark', 'カ゛', 'ガ'],
    ['a legacy conversion of a whole name', 'ヤマタ゛　タロウ', 'ﾔﾏﾀﾞ ﾀﾛｳ'],
    ['a legacy conversion: ゜ as a separate full-width mark', 'ハ゜ク', 'パク'],
    ['a legacy conversion with a small letter: ゥ゛ vs ヴ', 'ゥ゛', 'ヴ'],
    ['combining voiced mark vs precomposed', 'カ\u3099', 'ガ'],
  ])('%s: %s = %s', (_why, a, b) => expectMatch(a, b));
});

describe('kanaNamesMatch: different names stay different', () => {
  test.each([
    ['different names', 'ヤマダ タロウ', 'スズキ イチロウ'],
    ['voiced vs unvoiced', 'ガ', 'カ'],
    ['half-width voiced vs unvoiced', 'ｶﾞﾜ', 'カワ'],
    ['semi-voiced vs voiced', 'パ', 'バ'],
    ['semi-voiced vs unvoiced', 'ﾊﾟｸ', 'ハク'],
    ['one voiced letter inside a name', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマタ タロウ'],
    ['an extra character', 'ヤマダ タロウ', 'ヤマダ タロウウ'],
    ['an extra character in front', 'ヤマダ タロウ', 'オヤマダ タロウ'],
    ['a missing character', 'ヤマダ タロウ', 'ヤマダ タロ'],
    ['given and family name swapped', 'ヤマダ タロウ', 'タロウ ヤマダ'],
    ['ン vs ソ (look-alikes)', 'ン', 'ソ'],
    ['シ vs ツ (look-alikes)', 'シ', 'ツ'],
    ['a name vs empty', 'ヤマダ', ''],
  ])('%s: %s ≠ %s', (_why, a, b) => expectNoMatch(a, b));

  test.each([
    ['empty vs empty', '', ''],
    ['spaces only', ' ', '　'],
    ['long-vowel marks and dashes only', 'ー', 'ｰ-'],
    ['a dot only vs nothing', '・', ''],
  ])('%s never matches: an empty name proves nothing (%j, %j)', (_why, a, b) => expectNoMatch(a, b));
});

describe('kanaNamesMatch: properties', () => {
  it('is symmetric for any two strings', () => {
    fc.assert(fc.property(anyName, anyName, (a, b) => kanaNamesMatch(a, b) === kanaNamesMatch(b, a)), { numRuns: 2000 });
    fc.assert(fc.property(anyName, (a) => kanaNamesMatch(a, toHalfWidth(a)) === kanaNamesMatch(toHalfWidth(a), a)));
  });

  it('normalization is idempotent for anything a name field might hold', () => {
    fc.assert(
      fc.property(anyName, (s) => {
        const once = normalizeKana(s);
        expect(normalizeKana(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('normalization is idempotent for arbitrary Unicode too', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        const once = normalizeKana(s);
        expect(normalizeKana(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('any katakana name matches its half-width form, both ways', () => {
    fc.assert(fc.property(katakanaName, (name) => kanaNamesMatch(name, toHalfWidth(name)) && kanaNamesMatch(toHalfWidth(name), name)), { numRuns: 2000 });
  });

  it('any half-width name matches its character-by-character full-width conversion', () => {
    fc.assert(
      fc.property(katakanaName, (name) => {
        const half = toHalfWidth(name);
        const widened = toFullWidthNaive(half);
        return kanaNamesMatch(half, widened) && kanaNamesMatch(widened, name);
      }),
      { numRuns: 2000 },
    );
  });

  it('any katakana name matches its hiragana spelling', () => {
    fc.assert(fc.property(katakanaName, (name) => kanaNamesMatch(toHiragana(name), name) && kanaNamesMatch(toHalfWidth(name), toHiragana(name))), { numRuns: 1000 });
  });

  it('spaces anywhere between letters do not matter', () => {
    fc.assert(
      fc.property(katakanaWord, fc.array(fc.constantFrom(...SPACES), { minLength: 8, maxLength: 8 }), (word, spaces) => {
        const spaced = [...word].map((c, i) => `${spaces[i]}${c}`).join('');
        return kanaNamesMatch(spaced, word);
      }),
    );
  });

  it('an extra letter always breaks the match', () => {
    // Letters that no rule folds into one another (no small kana, no voicing marks).
    const distinct = fc.constantFrom(...'アイウエカキクケコサシスセソタチテトナニヌネノハヒフヘホマミムメモラリルレロワンガギグゲゴバパ');
    fc.assert(
      fc.property(katakanaName, distinct, fc.nat(), (name, extra, at) => {
        const chars = [...name];
        const i = at % (chars.length + 1);
        const longer = [...chars.slice(0, i), extra, ...chars.slice(i)].join('');
        return !kanaNamesMatch(name, longer) && !kanaNamesMatch(toHalfWidth(longer), name);
      }),
      { numRuns: 2000 },
    );
  });

  it('voicing a letter always breaks the match', () => {
    const voiceable = [...'カキクケコサシスセソタチツテトハヒフヘホ'];
    fc.assert(
      fc.property(katakanaWord, fc.constantFrom(...voiceable), fc.constantFrom('\u3099', '\u309a'), (word, letter, mark) => {
        const voiced = `${letter}${mark}`.normalize('NFC');
        fc.pre(voiced.length === 1); // ﾟ exists only on the ハ row
        return !kanaNamesMatch(`${word}${letter}`, `${word}${voiced}`) && !kanaNamesMatch(toHalfWidth(`${word}${letter}`), `${word}${voiced}`);
      }),
    );
  });
});

describe('holderMatches', () => {
  const bank = { holderNameKana: 'ﾔﾏﾀﾞ ﾀﾛｳ', dateOfBirth: '1990-04-01' };

  it('accepts the same person: the name in another width and the same birth date', () => {
    expect(holderMatches(bank, { fullNameKana: 'ヤマダ　タロウ', dateOfBirth: '1990-04-01' })).toBe(true);
  });

  it.each([
    ['a day later', '1990-04-02'],
    ['a year earlier', '1989-04-01'],
    ['month and day swapped', '1990-01-04'],
    ['the same date without zero padding', '1990-4-1'],
    ['the same date as a timestamp', '1990-04-01T00:00:00Z'],
    ['empty', ''],
  ])('refuses the right name with another birth date: %s', (_why, dateOfBirth) => {
    expect(holderMatches(bank, { fullNameKana: 'ヤマダ タロウ', dateOfBirth })).toBe(false);
  });

  it('refuses the right birth date with another name', () => {
    expect(holderMatches(bank, { fullNameKana: 'ヤマダ ハナコ', dateOfBirth: '1990-04-01' })).toBe(false);
    expect(holderMatches(bank, { fullNameKana: 'ヤマタ タロウ', dateOfBirth: '1990-04-01' })).toBe(false);
  });

  it('refuses an empty name even with the right birth date', () => {
    expect(holderMatches({ holderNameKana: '', dateOfBirth: '1990-04-01' }, { fullNameKana: '', dateOfBirth: '1990-04-01' })).toBe(false);
  });

  it('for any name and any two dates: matches exactly when the dates are equal', () => {
    const date = fc.date({ min: new Date('1900-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(katakanaName, date, date, (name, d1, d2) =>
        holderMatches({ holderNameKana: toHalfWidth(name), dateOfBirth: d1 }, { fullNameKana: name, dateOfBirth: d2 }) === (d1 === d2),
      ),
      { numRuns: 1000 },
    );
  });
});
