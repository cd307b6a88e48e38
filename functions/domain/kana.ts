/**
 * Holder-name matching between the bank's record (often half-width katakana, the
 * Zengin character set) and the eKYC identity (usually full-width, with spaces).
 * Both sides are reduced to one canonical form; only exact equality then matches.
 */
const SMALL_TO_LARGE: Record<string, string> = {
  ァ: 'ア', ィ: 'イ', ゥ: 'ウ', ェ: 'エ', ォ: 'オ', ッ: 'ツ', ャ: 'ヤ', ュ: 'ユ', ョ: 'ヨ', ヮ: 'ワ', ヵ: 'カ', ヶ: 'ケ',
  ㇰ: 'ク', ㇱ: 'シ', ㇲ: 'ス', ㇳ: 'ト', ㇴ: 'ヌ', ㇵ: 'ハ', ㇶ: 'ヒ', ㇷ: 'フ', ㇸ: 'ヘ', ㇹ: 'ホ', ㇺ: 'ム', ㇻ: 'ラ', ㇼ: 'リ', ㇽ: 'ル', ㇾ: 'レ', ㇿ: 'ロ',
};
/** Old kana that bank systems write with their modern readings. */
const ARCHAIC: Record<string, string> = { ヰ: 'イ', ヱ: 'エ', ヲ: 'オ' };

/** Spaces of every width, middle dots, long-vowel marks and the dashes banks use for them. */
const IGNORED = /[\s\u3000・･.\-‐‑‒–—―ー－ｰ]/g;

export function normalizeKana(input: string): string {
  // NFKC turns half-width katakana and their voicing marks into full-width, and full-width Latin into ASCII;
  // it runs again after upper-casing, whose output is not always normalized.
  let s = input.normalize('NFKC').toUpperCase().normalize('NFKC');
  // Hiragana to katakana: the blocks are 0x60 apart.
  s = s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
  // A stand-alone ゛ (legacy widening of ﾞ) becomes a space and a combining mark under NFKC: the space goes here.
  s = s.replace(IGNORED, '');
  // Letters are mapped decomposed and recomposed after, so a voicing mark joins its letter whatever came between
  // (カ゛ = ガ, ゥ゛ = ヴ) and the result is a fixed point.
  s = [...s.normalize('NFD')].map((c) => SMALL_TO_LARGE[c] ?? ARCHAIC[c] ?? c).join('');
  return s.normalize('NFC');
}

export function kanaNamesMatch(a: string, b: string): boolean {
  const na = normalizeKana(a);
  return na.length > 0 && na === normalizeKana(b);
}

/** The bank's holder must be the person eKYC verified: same normalized kana name, same birth date. */
export function holderMatches(bank: { holderNameKana: string; dateOfBirth: string }, ekyc: { fullNameKana: string; dateOfBirth: string }): boolean {
  return kanaNamesMatch(bank.holderNameKana, ekyc.fullNameKana) && bank.dateOfBirth === ekyc.dateOfBirth;
}
