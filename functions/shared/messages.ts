import type { ErrorCode } from './errors';

/**
 * Every text a person reads, in one place: the wallet's SMS, the bank's notices to
 * the account holder, API error messages, the not-me page and the ops console.
 * Japanese first (the people this service protects and the staff who protect them
 * read Japanese); English second. Each entry names both languages, so the compiler
 * and `test/unit/messages.test.ts` refuse a text that lacks one. Times shown to
 * people are JST.
 */
export const LANGUAGES = ['ja', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'ja';

/** One text in every language. */
export type Text<T> = { [L in Lang]: T };

/** `Accept-Language` → the best language we have: a q-weighted pick, Japanese when nothing matches. */
export function pickLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return DEFAULT_LANG;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { primary: tag.split('-')[0], q: q ? Number(q[1]) : 1, index };
    })
    .filter((r) => r.primary !== '' && r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranked) if ((LANGUAGES as readonly string[]).includes(r.primary)) return r.primary as Lang;
  return DEFAULT_LANG;
}

// ------------------------------------------------------------------ formats

const JST_OFFSET_MS = 9 * 3600_000; // Japan has no daylight saving time: JST is always UTC+9.
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as people in Japan read it: `2026年11月30日 13:11` / `30 Nov 2026 13:11 JST`. */
export function formatJst(at: number | string | Date, lang: Lang = DEFAULT_LANG): string {
  const ms = typeof at === 'number' ? at : new Date(at).getTime();
  const d = new Date(ms + JST_OFFSET_MS);
  const [y, mo, day, h, mi] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
  return lang === 'ja' ? `${y}年${mo + 1}月${day}日 ${pad(h)}:${pad(mi)}` : `${day} ${EN_MONTHS[mo]} ${y} ${pad(h)}:${pad(mi)} JST`;
}

/** Integer yen: `50,000円` / `¥50,000`. */
export function formatYen(amount: number, lang: Lang = DEFAULT_LANG): string {
  const digits = amount.toLocaleString('en-US');
  return lang === 'ja' ? `${digits}円` : `¥${digits}`;
}

// ------------------------------------------------------------------ SMS segments

// GSM 03.38: the basic set costs one septet a character, the extension table two.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/**
 * What an SMS costs: GSM-7 if every character is in the GSM set (160 a segment, 153
 * when concatenated), else UCS-2 (70 UTF-16 units, 67 when concatenated). Any
 * Japanese character makes the whole message UCS-2.
 */
export function smsSegments(text: string): { encoding: 'GSM-7' | 'UCS-2'; length: number; segments: number } {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', length: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length; // UTF-16 code units, which is what UCS-2 counts
  return { encoding: 'UCS-2', length: units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

// ------------------------------------------------------------------ the wallet's SMS

const BRAND: Text<string> = { ja: 'あんしんウォレット', en: 'Anshin Wallet' };

export interface AccountRef {
  bankCode: string;
  /** `****567`: never more of the account number than its last three digits. */
  accountMasked: string;
}

/**
 * The wallet's code messages. Each names its purpose (a code for a phone, a link or a
 * charge cannot pass for another) and says never to share it. Japanese ones fit one
 * 70-character SMS segment; `test/unit/messages.test.ts` holds them to it.
 */
export const SMS = {
  phoneCode: {
    ja: (code: string) => `【${BRAND.ja}】電話番号の認証コード：${code}（5分間有効）。このコードは誰にも教えないでください。`,
    en: (code: string) => `${BRAND.en}: your phone verification code is ${code}. It expires in 5 minutes. Never share it with anyone.`,
  },
  linkCode: {
    ja: (code: string, a: AccountRef) => `【${BRAND.ja}】口座登録の認証コード：${code}（銀行${a.bankCode} 口座${a.accountMasked}）。誰にも教えないでください。`,
    en: (code: string, a: AccountRef) => `${BRAND.en}: code ${code} confirms linking bank ${a.bankCode} account ${a.accountMasked} to your wallet. Never share it; if you did not ask for this, do not enter it.`,
  },
  chargeCode: {
    ja: (code: string, amount: number, a: AccountRef) => `【${BRAND.ja}】${formatYen(amount, 'ja')}チャージ（口座${a.accountMasked}から）の認証コード：${code}。誰にも教えないでください。`,
    en: (code: string, amount: number, a: AccountRef) => `${BRAND.en}: code ${code} confirms a charge of ${formatYen(amount, 'en')} from bank ${a.bankCode} account ${a.accountMasked}. Never share it; if you did not ask for this, do not enter it.`,
  },
} satisfies Record<string, Text<(...args: never[]) => string>>;

// ------------------------------------------------------------------ the bank's notices to the holder

/**
 * What the bank tells its account holder, on the bank's own channel. The wallet writes
 * the body (it knows what happened); the bank frames it with its name and the not-me
 * link (`bankNotice`). Times are JST.
 */
export const NOTICES = {
  /** The bank's own one-time code for a link the holder is asked to authorize (the "link requested" notice). */
  linkRequested: {
    ja: (otp: string, a: { accountMasked: string }) => `${BRAND.ja}への口座${a.accountMasked}の登録用ワンタイムパスワード：${otp}。お申し込みでなければ誰にも教えず、当行へご連絡ください。`,
    en: (otp: string, a: { accountMasked: string }) => `One-time code ${otp} to let ${BRAND.en} link your account ${a.accountMasked}. If you did not ask for this, do not share it and call your bank.`,
  },
  /**
   * The bank's own code for a charge from the holder's account (HOLDER_CHALLENGE): the bank writes it,
   * since only the bank holds the code. It names the payee and the amount, so a phisher's "read me the code" shows.
   */
  holderChallenge: {
    ja: (code: string, a: { accountMasked: string; amount: number }) => `口座${a.accountMasked}から${BRAND.ja}への${formatYen(a.amount, 'ja')}のチャージの確認コード：${code}（5分間有効）。ご自身のお手続きでなければ誰にも教えず、当行へご連絡ください。`,
    en: (code: string, a: { accountMasked: string; amount: number }) => `Code ${code} approves a ${formatYen(a.amount, 'en')} ${BRAND.en} top-up from your account ${a.accountMasked} (valid 5 minutes). If you did not ask for it, do not share it and call your bank.`,
  },
  linked: {
    ja: (a: { accountMasked: string; at: number }) => `${formatJst(a.at, 'ja')}、口座${a.accountMasked}が${BRAND.ja}に登録されました。今後のチャージはこの口座から引き落とされます。`,
    en: (a: { accountMasked: string; at: number }) => `Your account ${a.accountMasked} was linked to an ${BRAND.en} on ${formatJst(a.at, 'en')}. Charges to that wallet will be debited from this account.`,
  },
  debited: {
    ja: (a: { accountMasked: string; amount: number; at: number }) => `${formatJst(a.at, 'ja')}、口座${a.accountMasked}から${BRAND.ja}へのチャージで${formatYen(a.amount, 'ja')}を引き落としました。`,
    en: (a: { accountMasked: string; amount: number; at: number }) => `${formatYen(a.amount, 'en')} was debited from your account ${a.accountMasked} on ${formatJst(a.at, 'en')} for an ${BRAND.en} top-up.`,
  },
  /** Before a held charge is debited: the holder can still stop it. */
  preDebitHold: {
    ja: (a: { accountMasked: string; amount: number; availableAt: number }) => `口座${a.accountMasked}から${BRAND.ja}への${formatYen(a.amount, 'ja')}のチャージを受け付けました。${formatJst(a.availableAt, 'ja')}以降に引き落とします。お心当たりがなければそれまでにご報告ください。`,
    en: (a: { accountMasked: string; amount: number; availableAt: number }) => `A ${formatYen(a.amount, 'en')} ${BRAND.en} top-up from your account ${a.accountMasked} will be debited after ${formatJst(a.availableAt, 'en')}. If it was not you, report it before then.`,
  },
  accountLocked: {
    ja: (a: { accountMasked: string; failures: number }) => `口座${a.accountMasked}を${BRAND.ja}に登録しようとする失敗が${a.failures}回ありました。登録できないようロックしました。お心当たりがなければ暗証番号が漏れているおそれがあります。当行へご連絡ください。`,
    en: (a: { accountMasked: string; failures: number }) => `Someone tried and failed ${a.failures} times to link your account ${a.accountMasked} to an ${BRAND.en}. We have locked it for linking. If this was not you, your PIN may be known to others: please contact your bank.`,
  },
  /** The bank's own: its cash-card PIN was entered wrongly too often. */
  pinLocked: {
    ja: (a: { accountMasked: string; failures: number }) => `口座${a.accountMasked}の暗証番号が${a.failures}回誤って入力されたため、ロックしました。解除は当行へお電話ください。`,
    en: (a: { accountMasked: string; failures: number }) => `Your PIN for account ${a.accountMasked} was entered wrongly ${a.failures} times. We locked it; call us to unlock it.`,
  },
} satisfies Record<string, Text<(...args: never[]) => string>>;

/** Japanese banks write to their account holders in Japanese. */
export const BANK_NOTICE_LANG: Lang = 'ja';

/** The bank's frame around a notice: its name first, the not-me link last. */
export const BANK_NOTICE = {
  ja: (bankCode: string, body: string, notMeUrl?: string) => `【銀行${bankCode}】${body}${notMeUrl ? ` お心当たりのない場合：${notMeUrl}` : ''}`,
  en: (bankCode: string, body: string, notMeUrl?: string) => `[Bank ${bankCode}] ${body}${notMeUrl ? ` Not you? Report it: ${notMeUrl}` : ''}`,
} satisfies Text<(...args: never[]) => string>;

// ------------------------------------------------------------------ API error messages

type ErrorDetails = Record<string, unknown> | undefined;
type ErrorText = (details: ErrorDetails) => string;
const fixed = (text: string): ErrorText => () => text;

/**
 * The `message` of an API error, by code. The code is the contract; the message is for
 * the person behind the client. English answers keep the handler's own message where it
 * has one (it names the case); these are the Japanese texts and the English defaults.
 */
export const API_ERRORS: Record<ErrorCode, Text<ErrorText>> = {
  VALIDATION_ERROR: { ja: fixed('入力内容に誤りがあります。'), en: fixed('The request is not valid') },
  UNAUTHORIZED: { ja: fixed('ログインが必要です。もう一度ログインしてください。'), en: fixed('A valid access token is required') },
  INVALID_CREDENTIALS: { ja: fixed('メールアドレスまたはパスワードが違います。'), en: fixed('Wrong email or password') },
  INVALID_SIGNATURE: { ja: fixed('署名がないか、古いか、正しくありません。'), en: fixed('The webhook signature is missing, stale or wrong') },
  INVALID_TOKEN: { ja: fixed('このリンクは無効か、有効期限が切れています。お取引の銀行へご連絡ください。'), en: fixed('This link is not valid or has expired; call your bank') },
  FORBIDDEN: { ja: fixed('この操作は許可されていません。'), en: fixed('This route is for operations staff') },
  PHONE_UNVERIFIED: { ja: fixed('先に電話番号の認証を済ませてください。'), en: fixed('Verify your phone number first') },
  KYC_REQUIRED: { ja: fixed('口座を登録する前に本人確認（eKYC）を済ませてください。'), en: fixed('Verify your identity (eKYC) before linking a bank account') },
  ACCOUNT_FROZEN: { ja: fixed('このウォレットは凍結されています。サポートへお問い合わせください。'), en: fixed('This wallet is frozen; contact support') },
  BANK_ACCOUNT_LOCKED: { ja: fixed('この口座は登録できないようロックされています。口座名義人には通知済みです。'), en: fixed('This bank account is locked for linking; its holder has been told') },
  NOT_FOUND: { ja: fixed('見つかりません。'), en: fixed('Not found') },
  METHOD_NOT_ALLOWED: { ja: fixed('この操作はここでは使えません。'), en: fixed('This method is not allowed here') },
  EMAIL_TAKEN: { ja: fixed('このメールアドレスは既に登録されています。'), en: fixed('An account with this email already exists') },
  IDEMPOTENCY_KEY_REUSED: { ja: fixed('この Idempotency-Key は別のリクエストに使われています。'), en: fixed('This Idempotency-Key was used for a different request') },
  ACCOUNT_ALREADY_LINKED: { ja: fixed('この口座は既に別のウォレットに登録されています。'), en: fixed('This bank account is already linked to a wallet') },
  PHONE_ALREADY_VERIFIED: { ja: fixed('電話番号は認証済みです。'), en: fixed('The phone number is already verified') },
  KYC_ALREADY_VERIFIED: { ja: fixed('本人確認は完了しています。'), en: fixed('Identity is already verified') },
  INVALID_STATE: { ja: fixed('現在の状態ではこの操作はできません。最新の状態をご確認ください。'), en: fixed('This cannot be done in the current state') },
  CASE_ASSIGNED: { ja: fixed('この案件は別の担当者が対応中です。引き継ぐ場合は理由を入力してください。'), en: fixed('Another member of staff holds this case; take it over with a reason') },
  SECOND_APPROVER_REQUIRED: { ja: fixed('この操作には別の担当者による承認が必要です。'), en: fixed('A second, different member of staff must approve this') },
  INVALID_CODE: {
    ja: (d) => (typeof d?.attemptsLeft === 'number' ? `認証コードが違います。あと${d.attemptsLeft}回入力できます。` : '認証コードが無効か、有効期限が切れています。新しいコードを請求してください。'),
    en: (d) => (typeof d?.attemptsLeft === 'number' ? `The code is wrong; ${d.attemptsLeft} tries left` : 'The code is not valid or has expired; ask for a new one'),
  },
  BANK_AUTHORIZATION_FAILED: { ja: fixed('銀行で認可を確認できませんでした。もう一度お試しください。'), en: fixed('The bank did not accept the authorization code') },
  BANK_NOT_SUPPORTED: { ja: fixed('この銀行には対応していません。'), en: fixed('This bank is not supported') },
  BANK_DECLINED: { ja: fixed('銀行が引き落としを受け付けませんでした。'), en: fixed('The bank declined') },
  HOLDER_MISMATCH: { ja: fixed('口座名義人が、このウォレットで本人確認された方と一致しません。'), en: fixed('The bank account holder is not the person whose identity this wallet verified') },
  LIMIT_EXCEEDED: { ja: fixed('チャージの上限を超えています。'), en: fixed('This charge is over a limit') },
  CHARGE_DECLINED: { ja: fixed('このチャージはお受けできません。'), en: fixed('This charge was declined') },
  PAYLOAD_TOO_LARGE: { ja: fixed('送信データが大きすぎます。'), en: fixed('The body is too large') },
  UNSUPPORTED_MEDIA_TYPE: { ja: fixed('送信データは JSON（Content-Type: application/json）で送ってください。'), en: fixed('Send the body as JSON (Content-Type: application/json)') },
  TOO_MANY_ATTEMPTS: { ja: fixed('誤った入力が多すぎるため、このコードは使えなくなりました。'), en: fixed('Too many wrong codes; this code no longer works') },
  RATE_LIMITED: {
    ja: (d) => (typeof d?.retryAfterSeconds === 'number' ? `リクエストが多すぎます。${d.retryAfterSeconds}秒後にもう一度お試しください。` : 'リクエストが多すぎます。しばらくしてからもう一度お試しください。'),
    en: (d) => (typeof d?.retryAfterSeconds === 'number' ? `Too many requests; retry in ${d.retryAfterSeconds} s` : 'Too many requests; retry later'),
  },
  INTERNAL_ERROR: { ja: fixed('システムでエラーが発生しました。しばらくしてからもう一度お試しください。'), en: fixed('Something went wrong on our side') },
  BANK_UNAVAILABLE: { ja: fixed('銀行から応答がありません。しばらくしてからもう一度お試しください。'), en: fixed('The bank did not answer') },
  BANK_SUSPENDED: { ja: fixed('この銀行の受付を一時停止しています。'), en: fixed('This bank is suspended for now') },
  SERVICE_UNAVAILABLE: { ja: fixed('ただいま混み合っています。少し待ってからもう一度お試しください。'), en: fixed('The service is busy; retry shortly') },
  EKYC_UNAVAILABLE: { ja: fixed('本人確認サービスに接続できません。しばらくしてからもう一度お試しください。'), en: fixed('The identity provider is unavailable') },
};

/**
 * The message of an error answer in `lang`. English keeps the handler's own message
 * (specific to the case) when there is one; Japanese comes from the catalog by code.
 * A code outside the contract's list (the local gateway's) keeps its message.
 */
export function errorMessage(code: string, lang: Lang, details?: ErrorDetails, thrown?: string): string {
  const entry = (API_ERRORS as Record<string, Text<ErrorText>>)[code];
  if (!entry) return thrown ?? code;
  if (lang === 'en' && thrown) return thrown;
  return entry[lang](details);
}

// ------------------------------------------------------------------ pages (browser): strings with {placeholders}

/** What `GET /v1/terms` promises a new user: the compensation written into the terms. */
export const TERMS = {
  compensationPolicy: {
    ja: 'ご本人に責任のない不正な引き落とし（第三者によるウォレットの開設や口座の登録によるものを含みます）は、全額を補償します。口座名義人の方は、銀行からのお知らせにあるリンクからいつでも報告でき、報告を受けるとウォレットを凍結し、待機中のチャージを取り消します。',
    en: 'Money taken without your fault, including through a wallet opened or a bank account linked by someone else, is paid back in full. An account holder can report it at any time through the link in the bank\'s notice; the wallet is then frozen and its waiting charges are cancelled.',
  } satisfies Text<string>,
};

/** Support for account holders; the not-me page and its result name it. */
export const SUPPORT = {
  phone: '0120-000-000',
  hours: { ja: '24時間・年中無休', en: '24 hours a day, every day' } satisfies Text<string>,
};

/**
 * The bank holder's not-me page (console/not-me.html). `{x}` placeholders are filled in
 * the browser; the page gets these through `/ops/messages.js`.
 */
export const NOT_ME_PAGE = {
  title: { ja: 'お心当たりのない取引の報告｜あんしんウォレット', en: 'Report what was not you | Anshin Wallet' },
  heading: { ja: 'お心当たりのない取引ですか？', en: 'Was this not you?' },
  loading: { ja: 'お知らせの内容を確認しています…', en: 'Checking the notice…' },
  whatHappened: { ja: '銀行からお知らせした内容', en: 'What your bank told you' },
  eventLinked: { ja: '口座があんしんウォレットに登録されました', en: 'Your account was linked to an Anshin Wallet' },
  eventDebited: { ja: 'あんしんウォレットへのチャージで引き落とされました', en: 'Money was debited for an Anshin Wallet top-up' },
  eventHold: { ja: 'あんしんウォレットへのチャージを受け付けました（引き落とし前）', en: 'An Anshin Wallet top-up is waiting to be debited' },
  account: { ja: '口座', en: 'Account' },
  accountValue: { ja: '銀行{bankCode}　{accountMasked}', en: 'Bank {bankCode}, {accountMasked}' },
  when: { ja: '日時', en: 'When' },
  amount: { ja: '金額', en: 'Amount' },
  explain: {
    ja: 'ご自身の操作でなければ、下のボタンを押してください。すぐにそのウォレットを凍結し、お支払いを止め、被害額を全額お返しする手続きを始めます。',
    en: 'If you did not do this, press the button below. We freeze that wallet at once, stop its payments and start paying you back in full.',
  },
  button: { ja: '自分ではありません（止める）', en: 'This was not me: stop it' },
  sending: { ja: '報告しています…', en: 'Reporting…' },
  doneHeading: { ja: 'ご報告を受け付けました', en: 'We have your report' },
  doneFrozen: { ja: 'ウォレットを凍結しました。これ以上お客様の口座から引き落とされることはありません。', en: 'The wallet is frozen. No more money will be taken from your account through it.' },
  doneCancelled: { ja: '待機中のチャージ{count}件を取り消しました。', en: '{count} waiting charge(s) were cancelled.' },
  doneClaim: { ja: '補償の受付番号：{claimId}（対象額 {amount}）', en: 'Claim number: {claimId} (amount {amount})' },
  doneNoClaim: { ja: 'お客様の口座から引き落とされたお金はありません。', en: 'No money was taken from your account.' },
  promise: {
    ja: 'あんしんウォレットの利用規約により、ご本人に責任のない不正な引き落としは全額補償します。担当者から2営業日以内に、銀行を通じてご連絡します。',
    en: 'Under the Anshin Wallet terms, money taken without your fault is paid back in full. Our team contacts you through your bank within 2 business days.',
  },
  support: { ja: 'お問い合わせ：あんしんウォレット 不正被害窓口 {phone}（{hours}）', en: 'Questions: Anshin Wallet fraud desk {phone} ({hours})' },
  alreadyReported: { ja: 'このお知らせは既に報告済みです。', en: 'This notice has already been reported.' },
  failed: { ja: '報告を受け付けられませんでした：{message}　お手数ですが、お取引の銀行へお電話ください。', en: 'We could not take this report: {message} Please call your bank.' },
  invalidLink: { ja: 'このリンクは無効か、有効期限が切れています。お取引の銀行へお電話ください。', en: 'This link is not valid or has expired. Please call your bank.' },
  network: { ja: '通信できませんでした。電波の良い場所でもう一度お試しください。', en: 'We could not reach the service. Please try again.' },
} satisfies Record<string, Text<string>>;

/**
 * The console's review queue with its decision context, ownership and lists (issue 13). Kept apart
 * from CONSOLE (which spreads it) so the queue's texts read together.
 */
const CONSOLE_CASES = {
  'queue.caption': { ja: '審査案件（列見出しで並べ替え）', en: 'Review cases (sort by a column heading)' },
  'queue.filters': { ja: '絞り込み', en: 'Filters' },
  'filter.status': { ja: '状態', en: 'Status' },
  'filter.open': { ja: '未処理', en: 'Open' },
  'filter.closed': { ja: '処理済み', en: 'Closed' },
  'filter.reason': { ja: '理由', en: 'Reason' },
  'filter.any': { ja: 'すべて', en: 'Any' },
  'filter.amountMin': { ja: '金額（以上）', en: 'Amount from' },
  'filter.amountMax': { ja: '金額（以下）', en: 'Amount to' },
  'filter.age': { ja: '経過', en: 'Age' },
  'filter.ageOver': { ja: '{min}分以上', en: 'over {min} min' },
  'filter.assignee': { ja: '担当', en: 'Assignee' },
  'filter.anyone': { ja: '全員', en: 'Anyone' },
  'filter.unassigned': { ja: '未割当', en: 'Unassigned' },
  'filter.mine': { ja: '自分', en: 'Mine' },
  'filter.clear': { ja: '条件をクリア', en: 'Clear filters' },
  'queue.shown': { ja: '{shown}件を表示（全{count}件）', en: '{shown} of {count} shown' },
  'queue.emptyClosed': { ja: '処理済みの案件はありません。', en: 'No closed cases.' },
  'queue.noMatch': { ja: '条件に合う案件はありません。', en: 'No case matches the filters.' },
  'queue.summaryClosed': { ja: '処理済み {count}件・{time} 更新', en: '{count} closed · refreshed {time}' },
  'col.age': { ja: '経過', en: 'Age' },
  'col.sla': { ja: '期限', en: 'Due' },
  'col.assignee': { ja: '担当', en: 'Assignee' },
  'col.caseStatus': { ja: '状態', en: 'Status' },
  'col.actions': { ja: '操作', en: 'Actions' },
  'col.decidedBy': { ja: '判断者', en: 'Decided by' },
  'sort.by': { ja: '{column}で並べ替え', en: 'Sort by {column}' },
  'case.select': { ja: '{amount}・{chargeId} の詳細を表示', en: 'Show {amount} · {chargeId}' },
  'case.none': { ja: '案件を選ぶと、ここに判断材料が表示されます。', en: 'Pick a case to see its decision context here.' },
  'case.unassigned': { ja: '未割当', en: 'unassigned' },
  'case.heldFor': { ja: '{duration}保持', en: 'held {duration}' },
  'case.staleUnowned': { ja: '未割当のまま期限の半分を過ぎました', en: 'Unowned past half its SLA' },
  'case.take': { ja: '担当する', en: 'Take' },
  'case.takeLabel': { ja: '{chargeId} を担当する', en: 'Take the case of {chargeId}' },
  'case.takeOver': { ja: '引き継ぐ…', en: 'Take over…' },
  'case.takeOverLabel': { ja: '{chargeId} を {assignee} から引き継ぐ', en: 'Take over {chargeId} from {assignee}' },
  'case.takeOverReason': { ja: '引き継ぐ理由', en: 'Reason for taking over' },
  'case.takeOverSubmit': { ja: '理由を記録して引き継ぐ', en: 'Take over with this reason' },
  'case.takeOverRequired': { ja: '引き継ぐ理由を書いてください。', en: 'Write why you take the case over.' },
  'case.taken': { ja: '{chargeId} を担当しました。', en: 'You hold {chargeId} now.' },
  'case.yours': { ja: 'あなたが担当中', en: 'yours' },
  'case.owner': { ja: '担当', en: 'Owner' },
  'case.awaitingSecondBadge': { ja: '2人目の承認待ち', en: 'Awaiting second approval' },
  'case.firstApprover': { ja: '1人目：{who}', en: 'first: {who}' },
  'case.decided': { ja: '{who}・{time}', en: '{who} · {time}' },
  'ctx.user': { ja: '利用者', en: 'User' },
  'ctx.kycName': { ja: '本人確認の氏名', en: 'eKYC name' },
  'ctx.walletAge': { ja: 'ウォレット', en: 'Wallet' },
  'ctx.walletOpened': { ja: '{age}に開設', en: 'opened {age}' },
  'ctx.balance': { ja: '残高', en: 'Balance' },
  'ctx.pending': { ja: '処理待ち', en: 'Pending' },
  'ctx.phone': { ja: '電話番号', en: 'Phone' },
  'ctx.link': { ja: '口座', en: 'Bank link' },
  'ctx.noLink': { ja: '口座の情報はありません。', en: 'No link on record.' },
  'ctx.account': { ja: '口座番号', en: 'Account' },
  'ctx.linked': { ja: '連携', en: 'Linked' },
  'ctx.linkedAgo': { ja: '{age}に連携', en: 'linked {age}' },
  'ctx.phoneAttested': { ja: '銀行による電話番号の確認', en: 'Phone attested by the bank' },
  'ctx.yes': { ja: 'あり', en: 'yes' },
  'ctx.no': { ja: 'なし', en: 'no' },
  'ctx.debitsNotified': { ja: '口座名義人へ通知した引き落とし', en: 'Debits notified to the holder' },
  'ctx.count': { ja: '{count}件', en: '{count}' },
  'ctx.device': { ja: '端末', en: 'Device' },
  'ctx.noDevice': { ja: '端末の情報はありません。', en: 'No device on record.' },
  'ctx.firstSeen': { ja: '初回利用', en: 'First seen' },
  'ctx.otherWallets': { ja: '同じ端末の他のウォレット', en: 'Other wallets on it' },
  'ctx.none': { ja: 'なし', en: 'none' },
  'ctx.facts': { ja: '理由と根拠', en: 'Reasons and their facts' },
  'ctx.noFacts': { ja: '記録された根拠はありません', en: 'no facts recorded' },
  'ctx.recent': { ja: '直近のチャージ（10件）', en: 'Last 10 charges' },
  'ctx.related': { ja: '関連するウォレット', en: 'Related wallets' },
  'ctx.noRelated': { ja: '口座・端末・電話番号・本人確認を共有するウォレットはありません。', en: 'No wallet shares the account, device, phone or eKYC identity.' },
  'ctx.relatedCount': { ja: '{count}件', en: '{count} in all' },
  'ctx.relatedMore': { ja: '残り {count}件を表示', en: 'Show {count} more' },
  'ctx.via': { ja: '共有：{via}', en: 'shares {via}' },
  'ctx.openRelated': { ja: 'ユーザー {userId} を横に開く', en: 'Open user {userId} beside the queue' },
  'list.heading': { ja: 'リストに登録', en: 'List from this case' },
  'list.target': { ja: '対象', en: 'What' },
  'list.action': { ja: '扱い', en: 'Action' },
  'list.until': { ja: '期間', en: 'For' },
  'list.reason': { ja: '登録の理由', en: 'Reason for listing' },
  'list.submit': { ja: 'リストに登録', en: 'Add to list' },
  'list.reasonRequired': { ja: '登録の理由を書いてください。', en: 'Write why you list it.' },
  'list.added': { ja: '{kind} {value} を {action} として {until} まで登録しました。', en: 'Listed {kind} {value} as {action} until {until}.' },
  'list.removed': { ja: '{kind} {value} をリストから外しました。', en: 'Removed {kind} {value} from the lists.' },
  'list.remove': { ja: '外す', en: 'Remove' },
  'list.removeLabel': { ja: '{kind} {value} をリストから外す', en: 'Remove {kind} {value}' },
  'list.for1h': { ja: '1時間', en: '1 hour' },
  'list.for24h': { ja: '24時間', en: '24 hours' },
  'list.for7d': { ja: '7日間', en: '7 days' },
  'list.for30d': { ja: '30日間', en: '30 days' },
  'list.for365d': { ja: '1年間', en: '1 year' },
  'list.value': { ja: '値', en: 'Value' },
  'list.valueHint': {
    ja: '端末：X-Device-Id、電話：+81…、口座：銀行-支店-口座番号（4-3-7桁）、本人確認：カナ氏名_生年月日（YYYY-MM-DD）',
    en: 'Device: the X-Device-Id; phone: +81…; account: bank-branch-number (4-3-7 digits); identity: kana name_birth date (YYYY-MM-DD)',
  },
  'list.valueRequired': { ja: '値を入力してください。', en: 'Enter the value.' },
  'list.kind.DEVICE': { ja: '端末', en: 'Device' },
  'list.kind.PHONE': { ja: '電話番号', en: 'Phone' },
  'list.kind.BANK_ACCOUNT': { ja: '口座', en: 'Bank account' },
  'list.kind.EKYC_IDENTITY': { ja: '本人確認', en: 'eKYC identity' },
  'list.action.DENY': { ja: '拒否', en: 'Deny' },
  'list.action.REVIEW': { ja: '審査へ回す', en: 'Send to review' },
  'lists.intro': { ja: '登録中の拒否・審査リスト。期限を過ぎた登録は自動的に効力を失います。', en: 'Deny and review entries in force. An entry stops applying at its expiry.' },
  'lists.refresh': { ja: '一覧を更新', en: 'Refresh lists' },
  'lists.addHeading': { ja: 'リストに追加', en: 'Add an entry' },
  'lists.caption': { ja: '登録中のリスト', en: 'List entries in force' },
  'lists.empty': { ja: '登録はありません。', en: 'No entries.' },
  'col.kind': { ja: '種類', en: 'Kind' },
  'col.value': { ja: '値', en: 'Value' },
  'col.listAction': { ja: '扱い', en: 'Action' },
  'col.until': { ja: '期限', en: 'Until' },
  'col.createdBy': { ja: '登録者', en: 'Added by' },
  'nav.lists': { ja: 'リスト', en: 'Lists' },
  'panel.close': { ja: '閉じる', en: 'Close' },
  'panel.label': { ja: 'ユーザーの詳細（横のパネル）', en: 'User beside the queue' },
  'comp.statusFilter': { ja: '表示', en: 'Show' },
  'comp.closedClaims': { ja: '処理済みの補償請求', en: 'Closed claims' },
  'comp.closedEmpty': { ja: '処理済みの請求はありません。', en: 'No closed claims.' },
  'audit.staff': { ja: '運用スタッフ', en: 'operations staff' },
  // Statuses: Japanese words; in English the code itself, as staff know it from the API.
  'status.OPEN': { ja: '未処理', en: 'OPEN' },
  'status.APPROVED': { ja: '承認済み', en: 'APPROVED' },
  'status.REJECTED': { ja: '却下済み', en: 'REJECTED' },
  'status.CLOSED': { ja: '終了', en: 'CLOSED' },
  'status.ACTIVE': { ja: '有効', en: 'ACTIVE' },
  'status.FROZEN': { ja: '凍結中', en: 'FROZEN' },
  'status.PENDING_REVIEW': { ja: '審査待ち', en: 'PENDING_REVIEW' },
  'status.PENDING_CONFIRMATION': { ja: 'コード待ち', en: 'PENDING_CONFIRMATION' },
  'status.PROCESSING': { ja: '処理中', en: 'PROCESSING' },
  'status.COMPLETED': { ja: '完了', en: 'COMPLETED' },
  'status.DECLINED': { ja: '拒否', en: 'DECLINED' },
  'status.CANCELLED': { ja: '取消', en: 'CANCELLED' },
  'status.EXPIRED': { ja: '期限切れ', en: 'EXPIRED' },
  'status.FAILED': { ja: '失敗', en: 'FAILED' },
  'status.ALLOW': { ja: '許可', en: 'ALLOW' },
  'status.CHALLENGE': { ja: 'SMS確認', en: 'CHALLENGE' },
  'status.REVIEW': { ja: '審査', en: 'REVIEW' },
  'status.DENY': { ja: '拒否', en: 'DENY' },
  'status.PAID': { ja: '支払済み', en: 'PAID' },
  'status.DENIED': { ja: '却下済み', en: 'DENIED' },
  'status.PAYING': { ja: '支払中', en: 'PAYING' },
  'status.VERIFIED': { ja: '確認済み', en: 'VERIFIED' },
  'status.PENDING': { ja: '確認中', en: 'PENDING' },
  'status.SUSPENDED': { ja: '停止中', en: 'SUSPENDED' },
  'status.REMOVED': { ja: '解除済み', en: 'REMOVED' },
  'status.UNKNOWN': { ja: '不明', en: 'UNKNOWN' },
  'reason.LISTED_DEVICE': { ja: 'リスト登録の端末', en: 'Listed device' },
  'reason.LISTED_PHONE': { ja: 'リスト登録の電話番号', en: 'Listed phone' },
  'reason.LISTED_BANK_ACCOUNT': { ja: 'リスト登録の口座', en: 'Listed bank account' },
  'reason.LISTED_EKYC_IDENTITY': { ja: 'リスト登録の本人確認', en: 'Listed eKYC identity' },
  'fact.amount': { ja: '金額', en: 'amount' },
  'fact.threshold': { ja: '基準', en: 'threshold' },
  'fact.linkAgeHours': { ja: '連携からの時間（時間）', en: 'link age (h)' },
  'fact.walletAgeHours': { ja: '開設からの時間（時間）', en: 'wallet age (h)' },
  'fact.chargesInLastHour': { ja: '直近1時間のチャージ数', en: 'charges in the last hour' },
  'fact.deviceId': { ja: '端末', en: 'device' },
  'fact.action': { ja: '扱い', en: 'action' },
  'fact.reason': { ja: '理由', en: 'reason' },
  'fact.until': { ja: '期限', en: 'until' },
} satisfies Record<string, Text<string>>;

/** The ops console (console/index.html and app.js). Staff choose the language; times are JST. */
export const CONSOLE = {
  ...CONSOLE_CASES,
  'app.title': { ja: 'あんしんウォレット・運用', en: 'Anshin Wallet · Operations' },
  'brand.sub': { ja: '運用コンソール', en: 'Operations' },
  'lang.label': { ja: '表示言語', en: 'Language' },
  'session.signedInAs': { ja: 'ログイン中：', en: 'Signed in as' },
  'session.signOut': { ja: 'ログアウト', en: 'Sign out' },
  'session.ended': { ja: 'セッションが終了しました。もう一度ログインしてください。', en: 'Your session has ended. Please sign in again.' },
  'session.expired': { ja: 'セッションの有効期限が切れました。もう一度ログインしてください。', en: 'Your session has expired. Please sign in again.' },
  'signIn.heading': { ja: 'スタッフ ログイン', en: 'Staff sign-in' },
  'signIn.email': { ja: 'メールアドレス', en: 'Email' },
  'signIn.password': { ja: 'パスワード', en: 'Password' },
  'signIn.submit': { ja: 'ログイン', en: 'Sign in' },
  'signIn.missing': { ja: 'メールアドレスとパスワードを入力してください。', en: 'Enter your email and password.' },
  'signIn.notOps': { ja: 'このアカウントは運用グループに属していません。', en: 'This account is not in the operations group.' },
  'nav.label': { ja: 'コンソールの画面', en: 'Console views' },
  'nav.queue': { ja: '審査キュー', en: 'Review queue' },
  'nav.user': { ja: 'ユーザー', en: 'User' },
  'nav.banks': { ja: '銀行', en: 'Banks' },
  'nav.compensation': { ja: '補償', en: 'Compensation' },
  'nav.audit': { ja: '監査ログ', en: 'Audit' },
  'queue.refresh': { ja: '更新', en: 'Refresh' },
  'queue.intro': {
    ja: '未処理の案件（古い順）。各案件は受付から30分以内に判断してください。15秒ごとに自動更新します。',
    en: 'Open cases, oldest first. Every case must be decided within 30 minutes of opening; it refreshes by itself every 15 seconds.',
  },
  'queue.listLabel': { ja: '未処理の審査案件', en: 'Open review cases' },
  'queue.empty': { ja: '未処理の案件はありません。', en: 'No open cases.' },
  'queue.summary': { ja: '未処理 {count}件・{time} 更新', en: '{count} open · refreshed {time}' },
  'queue.gone': { ja: '処理済みまたは期限切れになりました：{ids}', en: 'No longer open (decided elsewhere or expired): {ids}' },
  'queue.badgeOverdue': { ja: '{count}・期限超過 {overdue}', en: '{count} · {overdue} overdue' },
  'case.label': { ja: 'チャージ {chargeId} の審査案件', en: 'Review case for charge {chargeId}' },
  'case.reasons': { ja: '審査理由', en: 'Reasons for review' },
  'case.charge': { ja: 'チャージ', en: 'Charge' },
  'case.user': { ja: 'ユーザー', en: 'User' },
  'case.openUser': { ja: 'このユーザーを開く', en: 'Open this user' },
  'case.opened': { ja: '受付', en: 'Opened' },
  'case.due': { ja: '期限', en: 'Due' },
  'case.expires': { ja: '未審査のまま失効', en: 'Expires unreviewed' },
  'case.note': { ja: '判断メモ', en: 'Decision note' },
  'case.notePlaceholder': { ja: '理由：確認したこと、連絡した相手', en: 'Why: what you checked, who you called' },
  'case.freezeUser': { ja: 'ユーザーを凍結', en: 'Freeze user' },
  'case.approve': { ja: '承認', en: 'Approve' },
  'case.reject': { ja: '却下', en: 'Reject' },
  'case.noteRequired': { ja: '承認・却下の前に判断メモを書いてください。', en: 'Write a note before approving or rejecting.' },
  'case.awaitingSecond': { ja: '{chargeId}（{amount}）の1人目の承認を記録しました。別の担当者の承認で実行されます。', en: 'First approval of {chargeId} ({amount}) recorded: it proceeds once a second member of staff approves.' },
  'case.approved': { ja: '{chargeId}（{amount}）を承認しました。チャージの状態：{status}{frozen}', en: 'Approved {chargeId} ({amount}): the charge is now {status}{frozen}.' },
  'case.rejected': { ja: '{chargeId}（{amount}）を却下しました。チャージの状態：{status}{frozen}', en: 'Rejected {chargeId} ({amount}): the charge is now {status}{frozen}.' },
  'case.frozenSuffix': { ja: '。ウォレットを凍結しました', en: '; the wallet is frozen' },
  'sla.unknown': { ja: '期限不明', en: 'SLA unknown' },
  'sla.left': { ja: '残り {duration}', en: '{duration} left' },
  'sla.overdue': { ja: '期限超過 {duration}', en: 'Overdue by {duration}' },
  'duration.d': { ja: '{d}日 {h}時間', en: '{d} d {h} h' },
  'duration.h': { ja: '{h}時間 {min}分', en: '{h} h {min} min' },
  'duration.min': { ja: '{min}分 {s}秒', en: '{min} min {s} s' },
  'duration.s': { ja: '{s}秒', en: '{s} s' },
  'duration.minOnly': { ja: '{min}分', en: '{min} min' },
  'time.withAge': { ja: '{time}（{age}）', en: '{time} ({age})' },
  'age.now': { ja: 'たった今', en: 'just now' },
  'age.ago': { ja: '{duration}前', en: '{duration} ago' },
  'age.in': { ja: '{duration}後', en: 'in {duration}' },
  'user.lookUp': { ja: '検索', en: 'Look up' },
  'user.id': { ja: 'ユーザーID', en: 'User ID' },
  'user.badId': { ja: 'ユーザーIDの形式：0f8fad5b-d9cb-469f-a165-70867728950e', en: 'A user ID looks like 0f8fad5b-d9cb-469f-a165-70867728950e.' },
  'user.freezeHeading': { ja: 'ウォレットを凍結', en: 'Freeze the wallet' },
  'user.unfreezeHeading': { ja: 'ウォレットの凍結を解除', en: 'Unfreeze the wallet' },
  'user.freezeReason': { ja: '凍結の理由', en: 'Reason for freezing' },
  'user.unfreezeReason': { ja: '凍結解除の理由', en: 'Reason for unfreezing' },
  'user.freeze': { ja: 'ウォレットを凍結', en: 'Freeze wallet' },
  'user.unfreeze': { ja: '凍結を解除', en: 'Unfreeze wallet' },
  'user.freezeHint': { ja: '凍結すると、コード入力や審査を待っているチャージはすべて取り消されます。', en: 'Freezing cancels every charge still waiting for a code or a review.' },
  'user.reasonRequired': { ja: '先に理由を書いてください。', en: 'Write the reason first.' },
  'user.nowStatus': { ja: 'ウォレットの状態：{status}。{cancelled}', en: 'The wallet is now {status}.{cancelled}' },
  'user.cancelled': { ja: '取り消した待機中のチャージ：{ids}。', en: ' Cancelled waiting charges: {ids}.' },
  'user.status': { ja: '状態', en: 'Status' },
  'user.frozenBecause': { ja: '凍結理由', en: 'Frozen because' },
  'user.balance': { ja: '残高', en: 'Balance' },
  'user.phone': { ja: '電話番号', en: 'Phone' },
  'user.ekyc': { ja: '本人確認', en: 'eKYC' },
  'user.registered': { ja: '登録日時', en: 'Registered' },
  'user.openAudit': { ja: '監査ログを開く', en: 'Open audit trail' },
  'user.links': { ja: '口座登録', en: 'Bank links' },
  'user.noLinks': { ja: '登録口座はありません。', en: 'No bank links.' },
  'user.charges': { ja: '最近のチャージ', en: 'Recent charges' },
  'user.noCharges': { ja: 'チャージはありません。', en: 'No charges.' },
  'user.compensate': { ja: '補償へ…', en: 'Compensate…' },
  'user.compensateLabel': { ja: '{chargeId} を補償請求に追加', en: 'Add {chargeId} to a compensation claim' },
  'user.decisionReasons': { ja: '{chargeId} の判定理由', en: 'Decision reasons for {chargeId}' },
  'col.bank': { ja: '銀行', en: 'Bank' },
  'col.branch': { ja: '支店', en: 'Branch' },
  'col.account': { ja: '口座', en: 'Account' },
  'col.status': { ja: '状態', en: 'Status' },
  'col.linked': { ja: '申込', en: 'Linked' },
  'col.activated': { ja: '有効化', en: 'Activated' },
  'col.linkId': { ja: 'リンクID', en: 'Link ID' },
  'col.created': { ja: '作成', en: 'Created' },
  'col.amount': { ja: '金額', en: 'Amount' },
  'col.decision': { ja: '判定', en: 'Decision' },
  'col.reasons': { ja: '理由', en: 'Reasons' },
  'col.chargeId': { ja: 'チャージID', en: 'Charge ID' },
  'col.name': { ja: '名称', en: 'Name' },
  'col.linking': { ja: '口座登録', en: 'Linking' },
  'col.charging': { ja: 'チャージ', en: 'Charging' },
  'col.updatedBy': { ja: '更新者', en: 'Updated by' },
  'col.updatedAt': { ja: '更新日時', en: 'Updated at' },
  'col.time': { ja: '日時', en: 'Time' },
  'col.actor': { ja: '実行者', en: 'Actor' },
  'col.action': { ja: '操作', en: 'Action' },
  'col.reason': { ja: '理由', en: 'Reason' },
  'col.details': { ja: '詳細', en: 'Details' },
  'banks.refresh': { ja: '銀行一覧を更新', en: 'Refresh banks' },
  'banks.intro': { ja: '銀行を停止すると、その銀行での新しい口座登録・チャージにすぐ反映されます。', en: 'Switching a bank off takes effect at once for every new link or charge at that bank.' },
  'banks.caption': { ja: '銀行と受付スイッチ', en: 'Banks and their switches' },
  'banks.switchLabel': { ja: '銀行 {bankCode} の{what}', en: '{what} at bank {bankCode}' },
  'banks.on': { ja: '受付中', en: 'On' },
  'banks.off': { ja: '停止', en: 'Off' },
  'banks.updated': { ja: '銀行 {bankCode}：口座登録 {linking}、チャージ {charging}。', en: 'Bank {bankCode}: linking {linking}, charging {charging}.' },
  'banks.onWord': { ja: '受付中', en: 'on' },
  'banks.offWord': { ja: '停止', en: 'off' },
  'comp.refresh': { ja: '請求一覧を更新', en: 'Refresh claims' },
  'comp.openHeading': { ja: '補償請求を作成', en: 'Open a claim' },
  'comp.chargeIds': { ja: 'チャージID', en: 'Charge IDs' },
  'comp.chargeIdsHint': { ja: '同じウォレット・同じ口座の完了済みチャージ。カンマか改行で区切ります。', en: 'Completed charges of one wallet and one bank account, separated by commas or new lines.' },
  'comp.note': { ja: '請求メモ', en: 'Claim note' },
  'comp.open': { ja: '請求を作成', en: 'Open claim' },
  'comp.decidedHeading': { ja: 'このセッションで判断した請求', en: 'Decided in this session' },
  'comp.decidedLabel': { ja: 'このセッションで判断した請求', en: 'Claims decided in this session' },
  'comp.noneYet': { ja: 'まだありません。', en: 'None yet.' },
  'comp.openClaims': { ja: '未処理の補償請求', en: 'Open claims' },
  'comp.listLabel': { ja: '未処理の補償請求', en: 'Open compensation claims' },
  'comp.empty': { ja: '未処理の請求はありません。', en: 'No open claims.' },
  'comp.claimLabel': { ja: '補償請求 {claimId}', en: 'Compensation claim {claimId}' },
  'comp.pay': { ja: '支払う', en: 'Pay' },
  'comp.payAgain': { ja: 'もう一度支払って完了', en: 'Pay again to finish' },
  'comp.deny': { ja: '却下', en: 'Deny' },
  'comp.paying': { ja: '支払いが途中で止まりました（銀行の停止など）。もう一度「支払う」で完了します。', en: 'Payment stopped half-way (for example the bank was down). PAY again to finish it.' },
  'comp.claim': { ja: '請求', en: 'Claim' },
  'comp.bank': { ja: '銀行', en: 'Bank' },
  'comp.charges': { ja: 'チャージ', en: 'Charges' },
  'comp.source': { ja: '経緯', en: 'Source' },
  'comp.noteTerm': { ja: 'メモ', en: 'Note' },
  'comp.opened': { ja: '作成', en: 'Opened' },
  'comp.by': { ja: ' 作成者 ', en: ' by ' },
  'comp.money': { ja: '返金 / 回収 / 損失', en: 'Refunded / clawback / loss' },
  'comp.payTitle': { ja: '請求 {claimId} を支払いますか？', en: 'Pay claim {claimId}?' },
  'comp.payMessage': {
    ja: '{amount} を銀行 {bankCode} の被害者の口座へ返金します。ウォレットは凍結され、残高は回収されます。不足分は運営者の損失として計上します。',
    en: "{amount} goes back to the victim's account at bank {bankCode}. The wallet is frozen and what it holds is clawed back; any shortfall is booked as operator loss.",
  },
  'comp.payConfirm': { ja: '支払いを確定', en: 'Confirm PAY' },
  'comp.denyTitle': { ja: '請求 {claimId} を却下しますか？', en: 'Deny claim {claimId}?' },
  'comp.denyMessage': { ja: '支払いをせずに請求を閉じます。対象のチャージは後で再度請求できます。', en: 'The claim is closed without payment; its charges can be claimed again later.' },
  'comp.denyConfirm': { ja: '却下を確定', en: 'Confirm DENY' },
  'comp.decided': { ja: '請求 {claimId}：{status}', en: 'Claim {claimId} is {status}.' },
  'comp.refunded': { ja: '返金 {amount}', en: 'Refunded {amount}' },
  'comp.clawback': { ja: '回収 {amount}', en: 'Clawback {amount}' },
  'comp.loss': { ja: '損失 {amount}', en: 'Loss {amount}' },
  'comp.notIds': { ja: 'チャージIDではありません：{ids}', en: 'Not charge IDs: {ids}' },
  'comp.noIds': { ja: 'チャージIDを1つ以上入力してください。', en: 'Enter at least one charge ID.' },
  'comp.noteRequired': { ja: '請求メモを書いてください。', en: 'Write a note for the claim.' },
  'comp.created': { ja: '請求 {claimId} を {amount} で作成しました。', en: 'Claim {claimId} opened for {amount}.' },
  'dialog.note': { ja: '判断メモ（任意）', en: 'Decision note (optional)' },
  'dialog.cancel': { ja: 'キャンセル', en: 'Cancel' },
  'audit.show': { ja: '表示', en: 'Show trail' },
  'audit.caption': { ja: '監査ログ（新しい順）', en: 'Audit trail, newest first' },
  'audit.summary': { ja: '{userId} の記録 {count}件（新しい順）', en: '{count} entries for {userId}, newest first.' },
  'error.requestId': { ja: 'リクエストID：', en: 'Request ID: ' },
  'error.network': { ja: 'APIに接続できません（{detail}）。', en: 'The API could not be reached ({detail}).' },
  'error.failed': { ja: 'リクエストに失敗しました', en: 'Request failed' },
  'reason.LARGE_AMOUNT': { ja: '高額', en: 'Large amount' },
  'reason.NEW_LINK_LARGE_AMOUNT': { ja: '新しい口座登録・まとまった金額', en: 'New bank link, sizeable amount' },
  'reason.NEW_WALLET_LARGE_AMOUNT': { ja: '新しいウォレット・まとまった金額', en: 'New wallet, sizeable amount' },
  'reason.HIGH_VELOCITY': { ja: '直近1時間のチャージが多い', en: 'Many charges in the last hour' },
  'reason.ACCOUNT_FAILED_LINKS': { ja: '他のウォレットからの登録失敗がある口座', en: 'Bank account had failed links from other wallets' },
  'reason.FIRST_CHARGE_ON_LINK': { ja: 'この口座での初回チャージ', en: 'First charge on this link' },
  'reason.AMOUNT_OVER_CHALLENGE': { ja: 'SMS確認が必要な金額', en: 'Amount needs SMS confirmation' },
  'reason.NEW_DEVICE': { ja: '新しい端末', en: 'New device' },
  'reason.HOLDER_CHALLENGE': { ja: '口座名義人の電話へ銀行から確認コード', en: 'Code sent by the bank to the account holder\'s phone' },
  'reason.ACCOUNT_RECENTLY_LINKED_ELSEWHERE': { ja: '90日以内に他のウォレットで使われた口座', en: 'Account active on another wallet within 90 days' },
  'reason.DEVICE_SHARED': { ja: '複数のウォレットで使われている端末', en: 'Device used by two or more wallets' },
  'reason.NEW_DEVICE_EXPOSURE': { ja: '新しい端末からの1万円超のチャージ（72時間以内）', en: 'New device moving over 10,000 yen within 72 h' },
  'reason.YOUNG_LINK_EXPOSURE': { ja: '新しい口座登録・30日の合計が上限超過', en: 'Young link: 30-day total over the cap' },
  'reason.AMOUNT_UNUSUAL_FOR_LINK': { ja: 'この口座としては異例の金額', en: 'Amount unusual for this link' },
  'reason.HOLDER_WINDOW': { ja: '口座名義人の確認期間中（引き落とし保留）', en: "Within the holder's window (debit held)" },
  'reason.DAY_ABOVE_LINK_HISTORY': { ja: 'この口座としては異例の1日の合計（引き落とし保留）', en: 'Day far above this link’s history (debit held)' },
  'reason.WALLET_FROZEN': { ja: 'ウォレット凍結中', en: 'Wallet frozen' },
  'reason.BANK_SUSPENDED': { ja: '銀行停止中', en: 'Bank switched off' },
  'reason.LINK_NOT_ACTIVE': { ja: '口座登録が無効', en: 'Link not active' },
  'reason.PER_CHARGE_LIMIT': { ja: '1回の上限超過', en: 'Over the per-charge limit' },
  'reason.DAILY_LIMIT': { ja: '1日の上限超過', en: 'Over the daily limit' },
  'reason.BALANCE_CAP': { ja: '残高上限超過', en: 'Over the balance cap' },
  // Rules view (issue 13): runtime rules, proposals and their backtests.
  'nav.rules': { ja: 'ルール', en: 'Rules' },
  'rules.refresh': { ja: '更新', en: 'Refresh' },
  'rules.intro': {
    ja: 'リスクの閾値は実行中に変更できます。変更は提案として過去30日の判定で検証（バックテスト）され、提案者以外のスタッフが承認すると新しいバージョンになります。各機能は1分以内に使い始めます。',
    en: 'Risk thresholds change at runtime: a change is proposed, backtested over the decisions of the last 30 days, and becomes the next version when a member of staff other than its proposer approves it. Every function uses it within a minute.',
  },
  'rules.summary': { ja: 'バージョン {version} が有効（{by}・{at}）', en: 'Version {version} in force (activated by {by}, {at})' },
  'rules.summaryDefaults': { ja: 'バージョン {version}（コードの既定値）が有効', en: "Version {version} (the code's defaults) in force" },
  'rules.activeHeading': { ja: '有効なルール（値を変えて提案）', en: 'Rules in force (change values to propose)' },
  'rules.tableCaption': { ja: '有効なルールと提案する値', en: 'Rules in force and proposed values' },
  'col.rule': { ja: 'ルール', en: 'Rule' },
  'col.inForce': { ja: '現在の値', en: 'In force' },
  'col.proposed': { ja: '提案する値', en: 'Proposed' },
  'rules.note': { ja: '提案メモ（理由）', en: 'Proposal note (why)' },
  'rules.propose': { ja: '提案してバックテスト', en: 'Propose and backtest' },
  'rules.noChange': { ja: '値が1つも変わっていません。', en: 'No value was changed.' },
  'rules.noteRequired': { ja: '提案メモを書いてください。', en: 'Write a note for the proposal.' },
  'rules.badNumber': { ja: '{rule} は0以上の整数にしてください。', en: '{rule} must be a whole number, 0 or more.' },
  'rules.proposed': { ja: '提案を作成しました。過去30日の判定 {charges}件のうち {changed}件の結果が変わります。', en: 'Proposal made: {changed} of {charges} decisions of the last 30 days would change.' },
  'rules.proposalsHeading': { ja: '未決の提案', en: 'Open proposals' },
  'rules.noProposals': { ja: '未決の提案はありません。', en: 'No open proposals.' },
  'rules.proposalLabel': { ja: '提案 {proposalId}', en: 'Proposal {proposalId}' },
  'rules.proposedBy': { ja: '提案者', en: 'Proposed by' },
  'rules.base': { ja: '基準バージョン', en: 'Against version' },
  'rules.changes': { ja: '変更', en: 'Changes' },
  'rules.noteTerm': { ja: 'メモ', en: 'Note' },
  'rules.backtest': { ja: 'バックテスト（過去30日）', en: 'Backtest (last 30 days)' },
  'rules.btSummary': { ja: '判定 {charges}件のうち {changed}件が変わる（不正ラベル {fraud}件）', en: '{changed} of {charges} decisions change ({fraud} labelled fraud)' },
  'rules.btCaption': { ja: 'バックテスト：現行と提案の比較', en: 'Backtest: in force and proposed side by side' },
  'col.metric': { ja: '指標', en: 'Measure' },
  'col.before': { ja: '現行（v{version}）', en: 'In force (v{version})' },
  'col.after': { ja: '提案', en: 'Proposed' },
  'col.diff': { ja: '差', en: 'Change' },
  'outcome.ALLOW': { ja: '許可', en: 'Allow' },
  'outcome.HOLD': { ja: '保留（引落し待ち）', en: 'Hold' },
  'outcome.CHALLENGE': { ja: '確認コード', en: 'Code' },
  'outcome.REVIEW': { ja: '人による審査', en: 'Human review' },
  'outcome.DENY': { ja: '拒否', en: 'Deny' },
  'rules.fraudCaught': { ja: '止めた不正の額', en: 'Fraud yen caught' },
  'rules.fraudMissed': { ja: '見逃した不正の額', en: 'Fraud yen missed' },
  'rules.friction': { ja: '正当な利用者の手間（件）', en: 'Honest charges with friction' },
  'rules.transitions': { ja: '変化の内訳', en: 'Moves' },
  'rules.approve': { ja: '承認して有効にする', en: 'Approve and activate' },
  'rules.reject': { ja: '却下', en: 'Reject' },
  'rules.ownProposal': { ja: '自分の提案は承認も却下もできません。別のスタッフが判断します。', en: 'You made this proposal: another member of staff decides it.' },
  'rules.approveTitle': { ja: '提案 {proposalId} を承認しますか？', en: 'Approve proposal {proposalId}?' },
  'rules.approveMessage': { ja: '承認すると次のバージョンとして有効になり、1分以内にすべての判定に使われます。', en: 'It becomes the next version and decides every charge within a minute.' },
  'rules.approveConfirm': { ja: '承認する', en: 'Approve' },
  'rules.rejectTitle': { ja: '提案 {proposalId} を却下しますか？', en: 'Reject proposal {proposalId}?' },
  'rules.rejectMessage': { ja: '現行のルールはそのまま使われます。', en: 'The rules in force stay as they are.' },
  'rules.rejectConfirm': { ja: '却下する', en: 'Reject' },
  'rules.activated': { ja: 'バージョン {version} が有効になりました。各機能は1分以内に使い始めます。', en: 'Version {version} is in force; every function uses it within a minute.' },
  'rules.rejected': { ja: '提案を却下しました。', en: 'The proposal was rejected.' },
  'rules.historyHeading': { ja: '決定済みの提案（新しい順）', en: 'Decided proposals (newest first)' },
  'rules.noHistory': { ja: 'まだありません。', en: 'None yet.' },
  'col.decided': { ja: '決定', en: 'Decided' },
  'col.changes': { ja: '変更', en: 'Changes' },
  'col.people': { ja: '提案者 → 判断者', en: 'Proposed by → decided by' },
  'col.version': { ja: 'バージョン', en: 'Version' },
  'unit.yen': { ja: '円', en: 'yen' },
  'unit.hours': { ja: '時間', en: 'h' },
  'unit.days': { ja: '日', en: 'days' },
  'unit.count': { ja: '件', en: 'count' },
  'unit.times': { ja: '倍', en: '×' },
  'rule.challenge.amountAtLeast': { ja: '確認コード：この金額以上', en: 'Code: amount at least' },
  'rule.review.amountAtLeast': { ja: '審査：この金額以上', en: 'Review: amount at least' },
  'rule.review.newLinkHours': { ja: '審査：新しい口座登録とみなす時間', en: 'Review: a link is new for' },
  'rule.review.newLinkAmountAtLeast': { ja: '審査：新しい口座登録でこの金額以上', en: 'Review: amount on a new link at least' },
  'rule.review.newWalletHours': { ja: '審査：新しいウォレットとみなす時間', en: 'Review: a wallet is new for' },
  'rule.review.newWalletAmountAtLeast': { ja: '審査：新しいウォレットでこの金額以上', en: 'Review: amount on a new wallet at least' },
  'rule.review.chargesInLastHour': { ja: '審査：直近1時間のチャージがこの件数以上', en: 'Review: charges in the last hour at least' },
  'rule.review.accountFailedLinksDays': { ja: '審査：他ウォレットの登録失敗を数える日数', en: "Review: days of other wallets' failed links" },
  'rule.review.youngLinkExposureAbove': { ja: '審査：未確認の口座の30日間の額がこれを超える', en: "Review: an unvetted link's 30-day yen above" },
  'rule.challenge.unusualForLinkTimes': { ja: '確認コード：口座の最大引き落としの何倍を超えるか', en: "Code: times the link's largest debit" },
  'rule.challenge.unusualForLinkAtLeast': { ja: '確認コード：口座として異例とみなす最低額', en: 'Code: unusual-for-link amount at least' },
  'rule.review.accountLinkedElsewhereDays': { ja: '審査：他ウォレットで有効だった口座を数える日数', en: 'Review: days an account active on another wallet counts' },
  'rule.review.deviceSharedWallets': { ja: '審査：同じ端末を使うウォレット数（この件を含む）', en: 'Review: wallets on one device (this one included)' },
  'rule.review.deviceSharedDays': { ja: '審査：端末の共有を数える日数', en: 'Review: days a shared device counts' },
  'rule.review.newDeviceHours': { ja: '審査：新しい端末とみなす時間', en: 'Review: a device is new for' },
  'rule.review.newDeviceExposureAbove': { ja: '審査：新しい端末からの額がこれを超える', en: 'Review: yen through a new device above' },
  'rule.review.exposureDays': { ja: '審査：口座の利用額を数える日数', en: "Review: days of a link's exposure" },
  'rule.hold.dayAboveHistoryTimes': { ja: '保留：口座の最大の1日の何倍を超えるか', en: "Hold: times the link's largest day" },
  'rule.hold.dayAboveHistoryAtLeast': { ja: '保留：異例の1日とみなす最低額', en: 'Hold: unusual day at least' },
  'rule.hold.dayAboveHistoryHours': { ja: '保留：異例の1日の保留時間', en: 'Hold: hours an unusual day waits' },
  'rule.link.historyDays': { ja: '口座の履歴を見る日数', en: "Days of a link's history" },
  'rule.link.vettedAfterDays': { ja: '確認済みとみなす口座の経過日数', en: 'A link is vetted after (days)' },
  'rule.link.vettedDebits': { ja: '確認済みに必要な通知済み引き落とし件数', en: 'Debits notified to the holder to vet a link' },
  'rule.link.vettedNoticeDays': { ja: '通知から異議なしで待つ日数', en: 'Days after a notice with no objection' },
  'rule.hold.holderWindowHours': { ja: '保留：口座名義人への通知からの時間', en: "Hold: hours after the holder's notice" },
  'rule.holder.challengeExposureAbove': { ja: '名義人コード：この額を超える', en: 'Holder code: exposure above' },
  'rule.fourEyes.reviewApprovalAmountAtLeast': { ja: '2名承認：この金額以上の審査承認', en: 'Two approvers: review approval at least' },
} satisfies Record<string, Text<string>>;

/** The browser's share of the catalog, as the script `/ops/messages.js` that the pages load. */
export function browserMessagesScript(): string {
  const byLang = (table: Record<string, Text<string>>) => Object.fromEntries(LANGUAGES.map((l) => [l, Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v[l]]))]));
  const bundle = {
    defaultLang: DEFAULT_LANG,
    support: { phone: SUPPORT.phone, hours: SUPPORT.hours },
    notMe: byLang(NOT_ME_PAGE),
    console: byLang(CONSOLE),
  };
  return `// Generated from functions/shared/messages.ts: edit the catalog, not this file.\nwindow.ANSHIN_MESSAGES = ${JSON.stringify(bundle)};\n`;
}
