/*
 * The bank holder's not-me page. The token in the URL says which notice it is about;
 * the page shows what happened (masked), then one button. Texts come from the message
 * catalog (/ops/messages.js); API data goes in as text, never as markup.
 */
(function () {
  'use strict';

  const M = window.ANSHIN_MESSAGES;
  const API = String(window.ANSHIN_API_URL || '').replace(/\/+$/, '');
  const token = new URLSearchParams(location.search).get('token') || '';
  const requested = new URLSearchParams(location.search).get('lang');
  let lang = requested === 'en' || requested === 'ja' ? requested : M.defaultLang;
  let details = null;
  let report = null;
  let problem = null;

  const $ = (id) => document.getElementById(id);
  const t = (key, params) => String(M.notMe[lang][key]).replace(/\{(\w+)\}/g, (_, k) => (params && params[k] !== undefined ? String(params[k]) : ''));
  const yen = (n) => (lang === 'ja' ? n.toLocaleString('en-US') + '円' : '¥' + n.toLocaleString('en-US'));
  const jst = (iso) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return lang === 'ja'
      ? `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}`
      : `${parts.day} ${months[Number(parts.month) - 1]} ${parts.year} ${parts.hour}:${parts.minute} JST`;
  };

  async function call(method, body) {
    const url = API + '/v1/reports/not-me' + (method === 'GET' ? '?token=' + encodeURIComponent(token) : '');
    const headers = { accept: 'application/json', 'accept-language': lang };
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' });
    const data = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, data };
  }

  function render() {
    document.documentElement.lang = lang;
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    const other = lang === 'ja' ? 'en' : 'ja';
    $('lang').textContent = other === 'en' ? 'English' : '日本語';
    $('lang').lang = other;

    $('loading').hidden = !!(details || problem);
    if (details) {
      const kind = { LINKED: 'eventLinked', DEBITED: 'eventDebited', HOLD: 'eventHold' }[details.event] || 'eventLinked';
      $('event-kind').textContent = t(kind);
      $('event-account').textContent = t('accountValue', { bankCode: details.bankCode, accountMasked: details.accountMasked });
      $('event-when').textContent = details.at ? jst(details.at) : '—';
      const hasAmount = typeof details.amount === 'number';
      $('event-amount').textContent = hasAmount ? yen(details.amount) : '';
      $('event-amount').hidden = $('event-amount-term').hidden = !hasAmount;
      $('event').hidden = false;
    }
    const done = report || (details && details.report);
    $('ask').hidden = !details || !!done;
    $('result').hidden = !done;
    if (done) {
      const items = [t('doneFrozen')];
      if (done.cancelledCharges && done.cancelledCharges.length) items.push(t('doneCancelled', { count: done.cancelledCharges.length }));
      items.push(done.claimId ? t('doneClaim', { claimId: done.claimId, amount: yen(done.amount) }) : t('doneNoClaim'));
      if (!report && details && details.reported) items.unshift(t('alreadyReported'));
      $('result-list').replaceChildren(...items.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    }
    $('problem').hidden = !problem;
    if (problem) $('problem').textContent = problem.key === 'failed' ? t('failed', { message: problem.message }) : t(problem.key);
    $('after').hidden = false;
    $('promise').textContent = t('promise');
    $('support').textContent = t('support', { phone: M.support.phone, hours: M.support.hours[lang] });
  }

  async function load() {
    if (!token) {
      problem = { key: 'invalidLink' };
      return render();
    }
    try {
      const res = await call('GET');
      if (res.ok) details = res.data;
      else problem = res.status === 401 || res.status === 400 ? { key: 'invalidLink' } : { key: 'failed', message: (res.data.error && res.data.error.message) || res.status };
    } catch {
      problem = { key: 'network' };
    }
    render();
  }

  $('report').addEventListener('click', async () => {
    const button = $('report');
    button.disabled = true;
    button.textContent = t('sending');
    problem = null;
    try {
      const res = await call('POST', { token });
      if (res.ok) report = res.data;
      else problem = { key: 'failed', message: (res.data.error && res.data.error.message) || res.status };
    } catch {
      problem = { key: 'network' };
    } finally {
      button.disabled = false;
    }
    render();
    if (report) $('result').focus();
  });

  $('lang').addEventListener('click', () => {
    lang = lang === 'ja' ? 'en' : 'ja';
    render();
  });

  render();
  load();
})();
