/**
 * The bank holder's not-me page in real headless Chromium on a small phone (360 × 740):
 * opened from the link in a real notice in the SMS outbox, it says in Japanese what
 * happened (debit, masked account, JST time, amount), has one clear button, and after
 * the report says what happens next. Screenshots go to reports/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { formatJst } from '../../functions/shared/messages';
import { api, smsTo } from '../support/api';
import { launchChromium, type HeadlessChromium } from '../support/browser';
import { challenged, confirmCharge, linkedWallet, waitForStatus, type LinkedWallet } from '../support/charges';

const REPORTS = join(__dirname, '..', '..', 'reports');
const PHONE = { width: 360, height: 740 };
const UI_TIMEOUT = 15_000;
const AMOUNT = 5_000;

/** The URL in the newest bank notice that contains `marker`. */
async function noticeUrl(w: LinkedWallet, marker: string): Promise<{ url: string; body: string }> {
  const notice = (await smsTo(w.account.holderPhone)).filter((m) => m.body.includes(marker)).pop();
  if (!notice) throw new Error(`no notice with ${marker}`);
  return { url: /https?:\/\/\S+[?&]token=[\w.-]+/.exec(notice.body)![0], body: notice.body };
}

/** Nothing may stick out sideways on a phone: no horizontal scrolling. */
const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe('not-me page on a 360 px phone (headless Chromium)', () => {
  let chromium: HeadlessChromium;
  let context: BrowserContext;
  let w: LinkedWallet;
  let chargeId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(REPORTS, { recursive: true });
    w = await linkedWallet({ balance: 100_000 });
    const c = await challenged(w, AMOUNT);
    chargeId = c.chargeId;
    expect((await confirmCharge(w, c.chargeId, c.code)).status).toBe(200);
    await waitForStatus(w, c.chargeId, 'COMPLETED');
    chromium = await launchChromium();
    // A holder's phone abroad still reads JST: the page does not use the phone's zone.
    context = await chromium.browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ja-JP', timezoneId: 'Europe/London' });
    context.setDefaultTimeout(UI_TIMEOUT);
  });

  afterAll(async () => {
    await chromium?.close();
  });

  function watch(page: Page) {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
  }

  it('from the debit notice: what happened, in Japanese, with large text and one clear button', async () => {
    const { url, body } = await noticeUrl(w, 'を引き落としました');
    const page = await context.newPage();
    watch(page);
    await page.goto(url);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await page.getByRole('heading', { name: 'お心当たりのない取引ですか？' }).waitFor();
    const event = page.getByRole('region', { name: '銀行からお知らせした内容' });
    await event.waitFor();
    expect(await event.getByText('あんしんウォレットへのチャージで引き落とされました').isVisible()).toBe(true);
    expect(await page.locator('#event-account').textContent()).toBe(`銀行${w.account.bankCode}　****${w.account.accountNumber.slice(-3)}`);
    expect(await page.locator('#event-amount').textContent()).toBe('5,000円');
    // The same JST minute as the notice said.
    const when = (await page.locator('#event-when').textContent())!;
    expect(when).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    expect(body).toContain(when);
    expect(await page.content()).not.toContain(w.account.accountNumber);

    const buttons = page.getByRole('button');
    expect(await texts(buttons)).toEqual(['English', '自分ではありません（止める）']);
    const report = page.getByRole('button', { name: '自分ではありません（止める）' });
    const box = (await report.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(48); // a thumb-sized target
    expect(box.width).toBeGreaterThanOrEqual(300);
    expect(await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize))).toBeGreaterThanOrEqual(18);
    expect(await overflowsSideways(page)).toBe(false);
    await page.screenshot({ path: join(REPORTS, 'not-me-360-debit.png'), fullPage: true });
    await page.close();
  });

  it('the button reports it: the wallet is frozen, a claim number, the compensation promise and support; the report really happened', async () => {
    const { url } = await noticeUrl(w, 'を引き落としました');
    const page = await context.newPage();
    watch(page);
    await page.goto(url);
    await page.getByRole('button', { name: '自分ではありません（止める）' }).click();
    const result = page.getByRole('status').filter({ hasText: 'ご報告を受け付けました' });
    await result.waitFor();
    const items = await texts(result.getByRole('listitem'));
    expect(items[0]).toBe('ウォレットを凍結しました。これ以上お客様の口座から引き落とされることはありません。');
    const claimLine = items.find((i) => i.startsWith('補償の受付番号：'))!;
    expect(claimLine).toMatch(/^補償の受付番号：clm_[0-9a-f-]{36}（対象額 5,000円）$/);
    expect(await page.getByText(/全額補償します/).isVisible()).toBe(true);
    expect(await page.getByText(/不正被害窓口 0120-/).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: '自分ではありません（止める）' }).isVisible()).toBe(false);
    expect(await overflowsSideways(page)).toBe(false);
    await page.screenshot({ path: join(REPORTS, 'not-me-360-reported.png'), fullPage: true });

    // The API agrees: the wallet is frozen and the claim covers the debited charge.
    const claimId = /clm_[0-9a-f-]{36}/.exec(claimLine)![0];
    const me = await api('GET', '/v1/me', { token: w.user.token });
    expect(me.body.status).toBe('FROZEN');
    const ops = (await api('POST', '/v1/sessions', { body: { email: process.env.ANSHIN_OPS_EMAIL ?? 'ops@anshin.local', password: process.env.ANSHIN_OPS_PASSWORD ?? 'OpsLocal-Passw0rd' } })).body.accessToken;
    const claims = (await api('GET', '/v1/ops/compensations', { token: ops })).body.items as { claimId: string; chargeIds: string[] }[];
    expect(claims.find((c) => c.claimId === claimId)?.chargeIds).toEqual([chargeId]);

    // Opening the link again shows the report, not a second button.
    await page.reload();
    await page.getByText('このお知らせは既に報告済みです。').waitFor();
    expect(await page.getByRole('button', { name: '自分ではありません（止める）' }).isVisible()).toBe(false);
    await page.close();
  });

  it('from the link notice, in English on request; a broken link says to call the bank', async () => {
    const { url } = await noticeUrl(w, 'に登録されました');
    const page = await context.newPage();
    watch(page);
    await page.goto(url);
    await page.getByText('口座があんしんウォレットに登録されました').waitFor();
    const links = await api('GET', '/v1/me/bank-links', { token: w.user.token });
    const activatedAt = links.body.items[0].activatedAt as string;
    expect(await page.locator('#event-when').textContent()).toBe(formatJst(activatedAt, 'ja'));
    expect(await page.locator('#event-amount').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Was this not you?' }).waitFor();
    expect(await page.locator('#event-when').textContent()).toBe(formatJst(activatedAt, 'en'));
    await page.screenshot({ path: join(REPORTS, 'not-me-360-link-en.png'), fullPage: true });

    await page.goto(url.replace(/token=([\w.-]+)/, 'token=v1.broken.token'));
    await page.getByRole('alert').getByText('このリンクは無効か、有効期限が切れています。お取引の銀行へお電話ください。').waitFor();
    expect(await page.getByRole('button', { name: '自分ではありません（止める）' }).isVisible()).toBe(false);
    await page.close();
  });

  it('ran without script errors', () => {
    // The broken link's 401 is logged by Chromium as a failed resource load: that one is expected.
    expect(problems.filter((p) => !/401 \(Unauthorized\)/.test(p))).toEqual([]);
  });
});

const texts = (l: import('playwright-core').Locator) => l.allTextContents().then((all) => all.map((t) => t.trim()));
