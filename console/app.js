/*
 * Anshin Wallet operations console. Plain browser JavaScript, no build step: the
 * same files are served by the local stack at /ops/ and deployed as static assets.
 *
 * Rules kept throughout: every piece of API data reaches the page through
 * textContent or setAttribute (never innerHTML); the access token lives in memory
 * and sessionStorage only (gone with the tab, never in localStorage, which holds only
 * the language choice); texts come from the message catalog (messages.js); every button
 * that sends a request is disabled until the answer arrives.
 */
(function () {
  'use strict';

  const API = String(window.ANSHIN_API_URL || '').replace(/\/+$/, '');
  const SESSION_KEY = 'anshin-ops-session';
  /** The staff member's language choice: the only thing the console keeps in localStorage (no secret). */
  const LANG_KEY = 'anshin-ops-lang';
  const MESSAGES = window.ANSHIN_MESSAGES.console;
  const lang = MESSAGES[localStorage.getItem(LANG_KEY)] ? localStorage.getItem(LANG_KEY) : window.ANSHIN_MESSAGES.defaultLang;

  /** A text of the message catalog in the chosen language, `{name}` filled from params. */
  function t(key, params) {
    const text = MESSAGES[lang][key];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, (_, k) => (params && params[k] !== undefined ? String(params[k]) : ''));
  }
  const QUEUE_REFRESH_MS = 15000;
  const SLA_WARN_MS = 5 * 60 * 1000;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const CHARGE_ID = /^chg_[0-9a-f]{32}$/;

  /** Risk and history reason codes, as an operator reads them (catalog keys `reason.<CODE>`); a code the catalog does not know yet is shown as the code. */
  const reasonText = (code) => (MESSAGES[lang][`reason.${code}`] !== undefined ? t(`reason.${code}`) : String(code));
  const REVIEW_REASONS = new Set(['LARGE_AMOUNT', 'HIGH_VELOCITY', 'ACCOUNT_FAILED_LINKS', 'YOUNG_LINK_EXPOSURE', 'ACCOUNT_RECENTLY_LINKED_ELSEWHERE', 'DEVICE_SHARED', 'NEW_DEVICE_EXPOSURE']);
  const DENY_REASONS = new Set(['WALLET_FROZEN', 'BANK_SUSPENDED', 'LINK_NOT_ACTIVE', 'PER_CHARGE_LIMIT', 'DAILY_LIMIT', 'BALANCE_CAP']);

  const state = {
    token: null,
    email: null,
    expiresAt: 0,
    view: 'queue',
    /** The API's clock minus the browser's, from the last queue answer: ages and SLA count from the API's `now`. */
    serverOffset: 0,
    /** The cases of the last answer, the selected one and its panel (kept across refreshes so a note being typed survives). */
    items: [],
    selected: null,
    detail: null,
    /** Cases decided here: not reported as "decided elsewhere" when they leave the queue. */
    decided: new Set(),
    sort: { key: 'age', dir: -1 },
    queueStatus: 'OPEN',
    lastStatus: null,
    queueLoading: false,
    queueTimer: null,
    slaTimer: null,
  };

  // ------------------------------------------------------------------ DOM helpers

  const $ = (selector, root) => (root || document).querySelector(selector);

  /** Replaces an element's children; like h(), it skips what is null or false (replaceChildren would write "null"). */
  const fill = (el, ...children) => el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));

  /** Builds an element. Strings become text nodes, so API data is never parsed as HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = String(value);
      else if (key === 'value') el.value = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (typeof value === 'boolean') {
        if (key in el) el[key] = value;
        else el.setAttribute(key, '');
      } else el.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** The service's clock: the API's `now` at the last refresh, carried forward by the browser's. */
  const nowMs = () => Date.now() + (state.serverOffset || 0);
  /** Codes wrap only after an underscore (REVIEW_ / FIRST_ / APPROVAL), never inside a word. */
  function breakable(text) {
    const parts = String(text).split('_');
    return parts.flatMap((p, i) => (i < parts.length - 1 ? [`${p}_`, h('wbr')] : [p]));
  }
  /** Staff by e-mail: the API names them `ops:<email>` (`ops:<sub>` where no e-mail was recorded). */
  const staffName = (actor) => String(actor || '').replace(/^ops:/, '');

  const yen = (n) => (typeof n === 'number' ? '¥' + n.toLocaleString('en-US') : '—');

  // Staff work in Tokyo: every time is JST, whatever the machine's zone.
  const timeFormat = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: lang === 'ja' ? '2-digit' : 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  function when(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : `${timeFormat.format(d)} JST`;
  }
  /** How long ago (or ahead) an instant is, in whole units: "3分前", "2 h 05 min ago". */
  function age(iso) {
    const ms = nowMs() - new Date(iso).getTime();
    if (isNaN(ms)) return '';
    if (Math.abs(ms) < 60000) return t('age.now');
    return t(ms > 0 ? 'age.ago' : 'age.in', { duration: duration(Math.abs(ms), true) });
  }
  /** A short JST time for dense tables ("11/30 16:01"); the full one is in the title. */
  const shortFormat = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const shortWhen = (iso) => (iso && !isNaN(Date.parse(iso)) ? shortFormat.format(new Date(iso)) : '—');
  /** A <time> for table cells: the JST time on one line, its age below. */
  const timeStack = (iso) => (iso ? h('time', { class: 'stacked', datetime: iso, title: when(iso) }, h('span', null, `${shortWhen(iso)} JST`), h('span', { class: 'age' }, age(iso))) : '—');
  /** A <time> element: JST text with its age, the exact instant in datetime and title. */
  const timeEl = (iso) => h('time', { datetime: iso || undefined, title: iso || undefined, text: iso ? t('time.withAge', { time: when(iso), age: age(iso) }) : when(iso) });

  /** `coarse`: the two largest units without seconds past a minute (ages need no seconds). */
  function duration(ms, coarse) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400);
    const hr = Math.floor((s % 86400) / 3600);
    const min = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    if (d) return t('duration.d', { d, h: hr });
    if (hr) return t('duration.h', { h: hr, min: String(min).padStart(2, '0') });
    if (min) return coarse ? t('duration.minOnly', { min }) : t('duration.min', { min, s: String(sec).padStart(2, '0') });
    return t('duration.s', { s: sec });
  }

  function reasonChip(code, tag) {
    const kind = REVIEW_REASONS.has(code) || /^LISTED_/.test(code) ? 'review' : DENY_REASONS.has(code) ? 'deny' : 'info';
    return h(tag || 'li', { class: `chip chip-${kind}`, title: code, dataset: { reason: code } }, reasonText(code));
  }
  const reasonChips = (codes, label) => h('ul', { class: 'chips', 'aria-label': label || t('col.reasons') }, (codes || []).map((c) => reasonChip(c)));

  /** A long id in a dense table: head and tail, the whole id in the title (and selectable in full). */
  const shortId = (id) => h('code', { class: 'short-id', title: id }, String(id).length > 16 ? `${String(id).slice(0, 10)}…${String(id).slice(-4)}` : String(id));

  /** A status as a badge: the catalog's word for it (`status.<CODE>`) when there is one, the code otherwise; the code in the title. */
  const statusBadge = (status) =>
    h('span', { class: `status status-${String(status).toLowerCase()}`, title: String(status) }, MESSAGES[lang][`status.${status}`] !== undefined ? t(`status.${status}`) : String(status));

  function definitionList(rows) {
    return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
  }

  // ------------------------------------------------------------------ messages

  function showError(where, err) {
    const box = typeof where === 'string' ? $(`[data-error-for="${where}"]`) : where;
    if (!box) return;
    box.replaceChildren();
    if (!err) {
      box.hidden = true;
      return;
    }
    const e = err instanceof ApiError ? err : new ApiError({ code: 'CONSOLE_ERROR', message: String((err && err.message) || err) });
    // append() writes a null as the text "null": only the parts there are.
    box.append(
      ...[
        h('p', null, h('strong', { class: 'code' }, e.code), ' ', e.message),
        e.requestId ? h('p', { class: 'request-id' }, t('error.requestId'), h('code', null, e.requestId)) : null,
        e.status ? h('p', { class: 'request-id' }, `HTTP ${e.status}`) : null,
      ].filter(Boolean),
    );
    const issues = e.details && Array.isArray(e.details.issues) ? e.details.issues : [];
    if (issues.length) box.append(h('ul', null, issues.map((i) => h('li', null, `${i.in ? i.in + ' ' : ''}${i.path || '(body)'}: ${i.message}`))));
    else if (e.details && typeof e.details === 'object') box.append(h('p', { class: 'details' }, JSON.stringify(e.details)));
    box.hidden = false;
  }

  function showNotice(where, text) {
    const box = $(`[data-notice-for="${where}"]`);
    if (!box) return;
    box.textContent = text || '';
    box.hidden = !text;
  }

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor({ status, code, message, requestId, details }) {
      super(message);
      this.status = status || 0;
      this.code = code || 'ERROR';
      this.requestId = requestId || '';
      this.details = details;
    }
  }

  async function call(method, path, body) {
    const headers = { accept: 'application/json', 'accept-language': lang };
    if (state.token) headers.authorization = `Bearer ${state.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      throw new ApiError({ code: 'NETWORK_ERROR', message: t('error.network', { detail: (e && e.message) || e }) });
    }
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = text;
    }
    if (res.ok) return data;
    // Our API answers {"error":{code,message,requestId}}; a gateway in front of it may answer {"message"} or plain text.
    const e = data && typeof data === 'object' && data.error ? data.error : {};
    const err = new ApiError({
      status: res.status,
      code: e.code || `HTTP_${res.status}`,
      message: e.message || (data && data.message) || (typeof data === 'string' && data.slice(0, 300)) || res.statusText || t('error.failed'),
      requestId: e.requestId || res.headers.get('x-request-id') || res.headers.get('apigw-requestid') || '',
      details: e.details,
    });
    if (res.status === 401 && state.token) endSession(t('session.ended'));
    throw err;
  }

  /** Runs a request with the given controls disabled (and marked busy) until it settles. */
  async function inFlight(controls, work) {
    const list = (Array.isArray(controls) ? controls : [controls]).filter(Boolean);
    const before = list.map((c) => c.disabled);
    list.forEach((c) => {
      c.disabled = true;
      c.setAttribute('aria-busy', 'true');
    });
    try {
      return await work();
    } finally {
      list.forEach((c, i) => {
        c.disabled = before[i];
        c.removeAttribute('aria-busy');
      });
    }
  }

  // ------------------------------------------------------------------ session

  function claimsOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
    } catch {
      return {};
    }
  }

  function startSession(token, email, expiresIn) {
    state.token = token;
    state.email = email;
    state.expiresAt = Date.now() + (Number(expiresIn) || 3600) * 1000;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, email, expiresAt: state.expiresAt }));
    $('#staff-email').textContent = email;
    $('#session-bar').hidden = false;
    $('#sign-in-view').hidden = true;
    $('#console').hidden = false;
    showError($('#sign-in-error'));
    routeFromHash();
    loadQueue();
    state.queueTimer = setInterval(() => {
      if (Date.now() >= state.expiresAt) return endSession(t('session.expired'));
      if (!document.hidden) loadQueue();
    }, QUEUE_REFRESH_MS);
    state.slaTimer = setInterval(updateSla, 1000);
  }

  function endSession(message) {
    state.token = null;
    state.email = null;
    sessionStorage.removeItem(SESSION_KEY);
    clearInterval(state.queueTimer);
    clearInterval(state.slaTimer);
    state.items = [];
    state.detail = null;
    state.selected = null;
    $('#queue-body').replaceChildren();
    $('#case-detail').replaceChildren();
    $('#lists-body').replaceChildren();
    closeUserPanel();
    $('#user-detail').replaceChildren();
    $('#audit-body').replaceChildren();
    $('#claims-list').replaceChildren();
    $('#banks-body').replaceChildren();
    $('#session-bar').hidden = true;
    $('#console').hidden = true;
    $('#sign-in-view').hidden = false;
    document.title = t('app.title');
    const box = $('#sign-in-error');
    if (message) showError(box, new ApiError({ code: 'SIGNED_OUT', message }));
    else showError(box);
    $('#sign-in-password').value = '';
    $('#sign-in-email').focus();
  }

  // ------------------------------------------------------------------ staff sign-in (cloud: staff pool + TOTP)

  /**
   * In the cloud, staff sign in to their own Cognito pool, which requires an authenticator
   * code (TOTP) every time; config.js names the pool's region and the console's client.
   * Locally (no such config) staff sign in through POST /v1/sessions.
   */
  const STAFF = window.ANSHIN_STAFF_SIGN_IN || null;
  /** A sign-in waiting for its authenticator code: the Cognito session and which challenge it answers. */
  let pendingChallenge = null;

  async function cognito(target, body) {
    let res;
    try {
      res = await fetch(`https://cognito-idp.${STAFF.region}.amazonaws.com/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError({ code: 'NETWORK_ERROR', message: `The sign-in service could not be reached (${(e && e.message) || e}).` });
    }
    const data = await res.json().catch(() => ({}));
    if (res.ok) return data;
    const type = String(data.__type || `HTTP_${res.status}`).split('#').pop();
    const known = { NotAuthorizedException: 'Wrong email, password or code.', CodeMismatchException: 'Wrong authenticator code.', ExpiredCodeException: 'The code has expired; sign in again.' };
    throw new ApiError({ status: res.status, code: type, message: known[type] || data.message || 'Sign-in failed' });
  }

  function askForCode(challenge, session, email, secret) {
    pendingChallenge = { challenge, session, email };
    $('#sign-in-totp').hidden = false;
    $('#sign-in-totp-setup').hidden = !secret;
    $('#sign-in-totp-secret').textContent = secret || '';
    $('#sign-in-code').value = '';
    $('#sign-in-code').focus();
  }

  function resetChallenge() {
    pendingChallenge = null;
    $('#sign-in-totp').hidden = true;
    $('#sign-in-totp-secret').textContent = '';
  }

  /** One step of the staff pool's sign-in; tokens when done, undefined while a code is awaited. */
  async function staffSignInStep(email, password, code) {
    let out;
    if (!pendingChallenge) {
      out = await cognito('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: STAFF.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } });
    } else if (pendingChallenge.challenge === 'MFA_SETUP') {
      const verified = await cognito('VerifySoftwareToken', { Session: pendingChallenge.session, UserCode: code, FriendlyDeviceName: 'Anshin ops console' });
      out = await cognito('RespondToAuthChallenge', { ClientId: STAFF.clientId, ChallengeName: 'MFA_SETUP', Session: verified.Session, ChallengeResponses: { USERNAME: pendingChallenge.email } });
    } else {
      out = await cognito('RespondToAuthChallenge', {
        ClientId: STAFF.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: pendingChallenge.session,
        ChallengeResponses: { USERNAME: pendingChallenge.email, SOFTWARE_TOKEN_MFA_CODE: code },
      });
    }
    if (out.AuthenticationResult) {
      resetChallenge();
      return { accessToken: out.AuthenticationResult.AccessToken, expiresIn: out.AuthenticationResult.ExpiresIn };
    }
    if (out.ChallengeName === 'SOFTWARE_TOKEN_MFA') return askForCode('SOFTWARE_TOKEN_MFA', out.Session, email);
    if (out.ChallengeName === 'MFA_SETUP') {
      const associated = await cognito('AssociateSoftwareToken', { Session: out.Session });
      return askForCode('MFA_SETUP', associated.Session, email, associated.SecretCode);
    }
    resetChallenge();
    throw new ApiError({ code: out.ChallengeName || 'SIGN_IN_INCOMPLETE', message: 'This account needs an administrator to set a permanent password first.' });
  }

  $('#sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = form.email.value.trim();
    const password = form.password.value;
    const code = form.code.value.trim();
    const box = $('#sign-in-error');
    if (!email || !password) return showError(box, new ApiError({ code: 'VALIDATION_ERROR', message: t('signIn.missing') }));
    if (pendingChallenge && !/^\d{6}$/.test(code)) return showError(box, new ApiError({ code: 'VALIDATION_ERROR', message: 'Enter the 6-digit code from your authenticator app.' }));
    try {
      const session = await inFlight($('fieldset', form), () => (STAFF ? staffSignInStep(email, password, code) : call('POST', '/v1/sessions', { email, password })));
      showError(box);
      if (!session) return;
      const groups = claimsOf(session.accessToken)['cognito:groups'] || [];
      if (!groups.includes('ops')) {
        return showError(box, new ApiError({ code: 'NOT_OPS_STAFF', message: t('signIn.notOps') }));
      }
      form.password.value = '';
      form.code.value = '';
      startSession(session.accessToken, email, session.expiresIn);
    } catch (err) {
      // A mistyped code may be tried again in the same Cognito session; anything else starts over from the password.
      if (pendingChallenge && err.code !== 'CodeMismatchException') resetChallenge();
      showError(box, err);
    }
  });

  $('#sign-out').addEventListener('click', () => endSession());

  // ------------------------------------------------------------------ navigation

  const VIEWS = ['queue', 'user', 'banks', 'compensation', 'audit', 'lists'];

  function showView(view, options) {
    if (!VIEWS.includes(view)) view = 'queue';
    state.view = view;
    for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
    for (const b of document.querySelectorAll('nav.views button')) {
      if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    const param = options && options.param;
    const hash = param ? `#/${view}/${param}` : `#/${view}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    if (view === 'banks') loadBanks();
    if (view === 'compensation') loadClaims();
    if (view === 'lists') loadLists();
  }

  function routeFromHash() {
    const [, view, param] = /^#\/([a-z]+)(?:\/([^/]+))?/.exec(location.hash) || [];
    const id = param ? decodeURIComponent(param) : '';
    if (view === 'user' && UUID.test(id)) return openUser(id);
    if (view === 'audit' && UUID.test(id)) return openAudit(id);
    showView(view || 'queue');
  }

  for (const b of document.querySelectorAll('nav.views button')) b.addEventListener('click', () => showView(b.dataset.view));

  // ------------------------------------------------------------------ (a) review queue

  /*
   * A dense table of cases beside the selected case's decision context. Ages and time left count
   * from the API's `now` (state.serverOffset), never from the browser clock alone. The table is
   * rebuilt on every refresh; the selected case's panel is kept while its case stays listed, so a
   * note being typed survives the 15-second refresh.
   */
  const SORTS = {
    amount: (a, b) => a.amount - b.amount,
    age: (a, b) => String(b.createdAt).localeCompare(String(a.createdAt)),
    due: (a, b) => String(a.dueAt).localeCompare(String(b.dueAt)),
    reasons: (a, b) => (a.reasons || []).map(reasonText).join().localeCompare((b.reasons || []).map(reasonText).join()),
    assignee: (a, b) => String(a.assignee || '').localeCompare(String(b.assignee || '')),
    status: (a, b) => caseState(a).localeCompare(caseState(b)),
  };
  const SORT_COLUMNS = [['amount', 'col.amount'], ['age', 'col.age'], ['due', 'col.sla'], ['reasons', 'col.reasons'], ['assignee', 'col.assignee'], ['status', 'col.caseStatus']];

  const caseState = (item) => (item.caseStatus === 'OPEN' && item.firstApprover ? 'AWAITING_SECOND_APPROVAL' : String(item.caseStatus || 'OPEN'));
  const isMine = (email) => !!email && !!state.email && String(email).toLowerCase() === String(state.email).toLowerCase();
  /** Unowned and past half of its SLA: someone must pick it up now. */
  function staleUnowned(item, now) {
    if (item.assignee || item.caseStatus !== 'OPEN') return false;
    const opened = Date.parse(item.createdAt);
    const due = Date.parse(item.dueAt);
    return now - opened > (due - opened) / 2;
  }

  async function loadQueue() {
    if (!state.token) return;
    // One request at a time; a refresh asked for meanwhile (a new status filter) runs right after.
    if (state.queueLoading) {
      state.queueAgain = true;
      return;
    }
    state.queueLoading = true;
    const button = $('#queue-refresh');
    const status = $('#f-status').value === 'CLOSED' ? 'CLOSED' : 'OPEN';
    try {
      const data = await inFlight(button, () => call('GET', `/v1/ops/reviews?status=${status}`));
      if (data && data.now && !isNaN(Date.parse(data.now))) state.serverOffset = Date.parse(data.now) - Date.now();
      showError('queue');
      renderQueue((data && data.items) || [], status);
    } catch (err) {
      // A failed refresh keeps the last list on screen and says so (unless the session just ended).
      if (state.token) showError('queue', err);
    } finally {
      state.queueLoading = false;
      if (state.queueAgain) {
        state.queueAgain = false;
        loadQueue();
      }
    }
  }

  function renderQueue(items, status) {
    const before = state.items;
    state.items = items;
    state.queueStatus = status;
    if (status === 'OPEN' && before && state.lastStatus === 'OPEN') {
      const listed = new Set(items.map((i) => i.caseId));
      const gone = before.filter((i) => !listed.has(i.caseId) && !state.decided.has(i.caseId)).map((i) => i.chargeId);
      if (gone.length) showNotice('queue', t('queue.gone', { ids: gone.join(', ') }));
    }
    state.lastStatus = status;
    fillFilterOptions(items);
    renderRows();
    const selected = items.find((i) => i.caseId === state.selected);
    if (selected) renderDetail(selected);
    else clearDetail();
    const stamp = new Date(nowMs()).toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hourCycle: 'h23' });
    $('#queue-summary').textContent = t(status === 'OPEN' ? 'queue.summary' : 'queue.summaryClosed', { count: items.length, time: stamp });
  }

  /** The reason and assignee filters offer what the listed cases have (and keep the current choice). */
  function fillFilterOptions(items) {
    const fill = (select, fixed, values, label) => {
      const current = select.value;
      select.replaceChildren(...fixed.map(([v, text]) => h('option', { value: v }, text)), ...values.map((v) => h('option', { value: v }, label(v))));
      select.value = [...select.options].some((o) => o.value === current) ? current : '';
    };
    const reasons = [...new Set(items.flatMap((i) => i.reasons || []))].sort();
    fill($('#f-reason'), [['', t('filter.any')]], reasons, reasonText);
    const owners = [...new Set(items.map((i) => i.assignee).filter((a) => a && !isMine(a)))].sort();
    fill($('#f-assignee'), [['', t('filter.anyone')], ['@none', t('filter.unassigned')], ['@me', t('filter.mine')]], owners, (v) => v);
  }

  function filteredItems() {
    const reason = $('#f-reason').value;
    const min = $('#f-min').value === '' ? null : Number($('#f-min').value);
    const max = $('#f-max').value === '' ? null : Number($('#f-max').value);
    const ageMin = Number($('#f-age').value || 0) * 60000;
    const who = $('#f-assignee').value;
    const now = nowMs();
    const items = (state.items || []).filter((i) =>
      (!reason || (i.reasons || []).includes(reason)) &&
      (min === null || i.amount >= min) &&
      (max === null || i.amount <= max) &&
      (!ageMin || now - Date.parse(i.createdAt) >= ageMin) &&
      (!who || (who === '@none' ? !i.assignee : who === '@me' ? isMine(i.assignee) : i.assignee === who)),
    );
    const { key, dir } = state.sort;
    return items.sort((a, b) => dir * SORTS[key](a, b) || String(a.createdAt).localeCompare(String(b.createdAt)));
  }

  function renderRows() {
    const items = filteredItems();
    const closed = state.queueStatus === 'CLOSED';
    // Closed cases: the third column is who decided and when, not time left.
    $('#queue-table th[data-sort="due"] button').textContent = t(closed ? 'col.decidedBy' : 'col.sla');
    $('#queue-body').replaceChildren(...items.map((i) => caseRow(i, closed)));
    for (const th of document.querySelectorAll('#queue-table thead th[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    $('#queue-shown').textContent = t('queue.shown', { shown: items.length, count: (state.items || []).length });
    $('#queue-empty').hidden = (state.items || []).length > 0;
    $('#queue-nomatch').hidden = !(state.items || []).length || items.length > 0;
    $('#queue-empty').textContent = t(closed ? 'queue.emptyClosed' : 'queue.empty');
    updateSla();
  }

  function caseRow(item, closed) {
    const now = nowMs();
    const selected = item.caseId === state.selected;
    const open = h('button', { type: 'button', class: 'row-open', 'aria-label': t('case.select', { amount: yen(item.amount), chargeId: item.chargeId }), 'aria-pressed': selected ? 'true' : 'false', onclick: () => selectCase(item.caseId) }, yen(item.amount));
    const owner = item.assignee
      ? h('span', { class: isMine(item.assignee) && !closed ? 'owner mine' : 'owner', title: item.assignee },
          isMine(item.assignee) && !closed ? t('case.yours') : item.assignee,
          item.assignedAt && !closed ? h('span', { class: 'held' }, t('case.heldFor', { duration: duration(now - Date.parse(item.assignedAt), true) })) : null)
      : h('span', { class: 'muted' }, t('case.unassigned'));
    const stateCell = caseState(item) === 'AWAITING_SECOND_APPROVAL'
      ? [h('span', { class: 'status status-awaiting', title: t('case.firstApprover', { who: item.firstApprover }) }, t('case.awaitingSecondBadge')), h('span', { class: 'held' }, t('case.firstApprover', { who: item.firstApprover }))]
      : statusBadge(item.caseStatus);
    let actions = null;
    if (!closed && !item.assignee) {
      actions = h('button', { type: 'button', class: 'small', 'aria-label': t('case.takeLabel', { chargeId: item.chargeId }), onclick: (e) => takeCase(item, null, e.currentTarget) }, t('case.take'));
    } else if (!closed && !isMine(item.assignee)) {
      actions = h('button', { type: 'button', class: 'small secondary', 'aria-label': t('case.takeOverLabel', { chargeId: item.chargeId, assignee: item.assignee }), onclick: () => { selectCase(item.caseId); const r = $('#case-detail textarea[name="takeOver"]'); if (r) r.focus(); } }, t('case.takeOver'));
    }
    const stale = staleUnowned(item, now);
    return h('tr', { class: `case-row${selected ? ' selected' : ''}${stale ? ' stale' : ''}`, dataset: { caseId: item.caseId, chargeId: item.chargeId } },
      h('td', { class: 'num' }, open),
      h('td', null, h('time', { datetime: item.createdAt, title: when(item.createdAt) }, duration(now - Date.parse(item.createdAt), true))),
      closed
        ? h('td', null, item.decidedAt ? h('time', { datetime: item.decidedAt, title: when(item.decidedAt) }, shortWhen(item.decidedAt)) : '—', item.decidedBy ? h('span', { class: 'held' }, staffName(item.decidedBy)) : null)
        : h('td', null, h('p', { class: 'sla', dataset: { due: item.dueAt, coarse: 'true' } }, h('span', { class: 'sla-text' }, '…')), stale ? h('span', { class: 'stale-flag' }, t('case.staleUnowned')) : null),
      h('td', null, compactReasons(item.reasons)),
      h('td', null, owner),
      h('td', null, stateCell),
      h('td', null, actions),
    );
  }

  /** In the table, the first three reasons and how many more (all of them are in the case beside it). */
  function compactReasons(codes, label) {
    const list = codes || [];
    const chips = reasonChips(list.slice(0, 3), label || t('case.reasons'));
    if (list.length > 3) chips.append(h('li', { class: 'chip chip-more', title: list.slice(3).map(reasonText).join('\n') }, `+${list.length - 3}`));
    return chips;
  }

  function selectCase(caseId) {
    state.selected = caseId;
    for (const tr of document.querySelectorAll('#queue-body tr')) {
      const on = tr.dataset.caseId === caseId;
      tr.classList.toggle('selected', on);
      const b = $('.row-open', tr);
      if (b) b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    const item = (state.items || []).find((i) => i.caseId === caseId);
    if (item) renderDetail(item);
  }

  function clearDetail() {
    state.selected = null;
    state.detail = null;
    $('#case-detail').replaceChildren(h('p', { class: 'muted' }, t('case.none')));
  }

  async function takeCase(item, takeOver, button) {
    const errorBox = state.detail && state.detail.caseId === item.caseId ? state.detail.error : null;
    try {
      await inFlight(button, () => call('POST', `/v1/ops/reviews/${encodeURIComponent(item.caseId)}/assignment`, takeOver ? { takeOver } : {}));
      showError('queue');
      showNotice('queue', t('case.taken', { chargeId: item.chargeId }));
      state.selected = item.caseId;
      await loadQueue();
    } catch (err) {
      if (errorBox) showError(errorBox, err);
      else showError('queue', err);
    }
  }

  /**
   * The selected case: kept (with what is typed in it) across refreshes while the case is listed;
   * its header, owner and context are redrawn from the fresh data.
   */
  function renderDetail(item) {
    const host = $('#case-detail');
    if (!state.detail || state.detail.caseId !== item.caseId || !host.contains(state.detail.el)) {
      state.detail = buildDetail(item);
      host.replaceChildren(state.detail.el);
    }
    state.detail.update(item);
    updateSla();
  }

  function buildDetail(item) {
    const uid = item.caseId;
    const closed = item.caseStatus !== 'OPEN';
    const error = h('div', { class: 'alert', role: 'alert', hidden: true });
    const head = h('div');
    const owner = h('div', { class: 'owner-line' });
    const context = h('div', { class: 'context' });
    const listForm = closed ? null : h('form', { class: 'list-form', novalidate: true, 'aria-label': t('list.heading') });
    const form = closed ? null : h(
      'form',
      { class: 'decision', novalidate: true },
      h(
        'fieldset',
        null,
        h('label', { for: `note-${uid}` }, t('case.note')),
        h('textarea', { id: `note-${uid}`, name: 'note', rows: 2, required: true, maxlength: 2000, placeholder: t('case.notePlaceholder') }),
        h('div', { class: 'decision-actions' },
          h('label', { class: 'check', for: `freeze-${uid}` }, h('input', { id: `freeze-${uid}`, name: 'freezeUser', type: 'checkbox' }), ' ', t('case.freezeUser')),
          h('button', { type: 'submit', name: 'decision', value: 'APPROVE', class: 'approve' }, t('case.approve')),
          h('button', { type: 'submit', name: 'decision', value: 'REJECT', class: 'danger' }, t('case.reject')),
        ),
      ),
    );
    const el = h('article', { class: 'case-card', 'aria-label': t('case.label', { chargeId: item.chargeId }), dataset: { caseId: item.caseId, chargeId: item.chargeId } },
      head, owner, form, error, context, listForm);
    let current = item;

    if (form) form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const decision = event.submitter && event.submitter.value;
      if (decision !== 'APPROVE' && decision !== 'REJECT') return;
      const note = form.note.value.trim();
      if (!note) {
        showError(error, new ApiError({ code: 'NOTE_REQUIRED', message: t('case.noteRequired') }));
        form.note.focus();
        return;
      }
      const freezeUser = form.freezeUser.checked;
      try {
        const result = await inFlight($('fieldset', form), () =>
          call('POST', `/v1/ops/reviews/${encodeURIComponent(item.caseId)}/decision`, { decision, note, ...(freezeUser ? { freezeUser: true } : {}) }),
        );
        showError(error);
        if (result.status === 'AWAITING_SECOND_APPROVAL') {
          // Four eyes: the case stays in the queue until another member of staff approves it.
          showNotice('queue', t('case.awaitingSecond', { chargeId: item.chargeId, amount: yen(item.amount) }));
          form.note.value = '';
          await loadQueue();
          return;
        }
        state.decided.add(item.caseId);
        state.items = (state.items || []).filter((i) => i.caseId !== item.caseId);
        clearDetail();
        renderRows();
        const params = { chargeId: item.chargeId, amount: yen(item.amount), status: result.chargeStatus, frozen: freezeUser ? t('case.frozenSuffix') : '' };
        showNotice('queue', t(decision === 'APPROVE' ? 'case.approved' : 'case.rejected', params));
      } catch (err) {
        showError(error, err);
      }
    });

    if (listForm) {
      listForm.addEventListener('submit', async (event) => {
        event.preventDefault();
        const refs = (current.context && current.context.listRefs) || {};
        const kind = listForm.kind.value;
        const ref = refs[kind];
        const reason = listForm.reason.value.trim();
        if (!ref) return;
        if (!reason) return showError(error, new ApiError({ code: 'REASON_REQUIRED', message: t('list.reasonRequired') }));
        const until = new Date(nowMs() + Number(listForm.until.value)).toISOString();
        try {
          const entry = await inFlight($('fieldset', listForm), () => call('PUT', `/v1/ops/lists/${kind}/${encodeURIComponent(ref.value)}`, { action: listForm.action.value, until, reason }));
          showError(error);
          listForm.reason.value = '';
          showNotice('queue', t('list.added', { kind: t(`list.kind.${entry.kind}`), value: entry.value, action: t(`list.action.${entry.action}`), until: when(entry.until) }));
        } catch (err) {
          showError(error, err);
        }
      });
    }

    function update(fresh) {
      current = fresh;
      const awaiting = caseState(fresh) === 'AWAITING_SECOND_APPROVAL';
      fill(head,
        h('header', { class: 'card-head' },
          h('h2', { class: 'amount' }, yen(fresh.amount)),
          closed ? statusBadge(fresh.caseStatus) : h('p', { class: 'sla', dataset: { due: fresh.dueAt } }, h('span', { class: 'sla-text' }, '…')),
        ),
        awaiting ? h('p', { class: 'warning' }, `${t('case.awaitingSecondBadge')}（${t('case.firstApprover', { who: fresh.firstApprover })}）`) : null,
        reasonChips(fresh.reasons, t('case.reasons')),
        definitionList([
          [t('case.opened'), timeEl(fresh.createdAt)],
          closed ? [t('col.decidedBy'), fresh.decidedBy ? [staffName(fresh.decidedBy), ' · ', timeEl(fresh.decidedAt)] : '—'] : [t('case.due'), timeEl(fresh.dueAt)],
          [t('case.charge'), h('code', null, fresh.chargeId)],
          [t('case.user'), h('button', { type: 'button', class: 'link', title: t('case.openUser'), onclick: () => openUserPanel(fresh.userId) }, fresh.userId)],
        ]),
      );
      fill(owner, ownerLine(fresh, closed));
      const ctx = fresh.context;
      fill(context, ctx ? contextSections(fresh, ctx) : []);
      if (listForm) fillListForm(listForm, (ctx && ctx.listRefs) || {});
    }

    function ownerLine(fresh, isClosed) {
      const now = nowMs();
      const who = fresh.assignee && isClosed
        ? [h('strong', null, fresh.assignee)]
        : fresh.assignee
        ? [h('strong', null, isMine(fresh.assignee) ? `${fresh.assignee}（${t('case.yours')}）` : fresh.assignee), fresh.assignedAt ? ` · ${t('case.heldFor', { duration: duration(now - Date.parse(fresh.assignedAt), true) })}` : '']
        : [h('span', { class: staleUnowned(fresh, now) ? 'stale-flag' : 'muted' }, staleUnowned(fresh, now) ? `${t('case.unassigned')} · ${t('case.staleUnowned')}` : t('case.unassigned'))];
      const out = [h('span', { class: 'owner-term' }, `${t('case.owner')}：`), ...who];
      if (isClosed) return out;
      if (!fresh.assignee) {
        out.push(h('button', { type: 'button', class: 'small', onclick: (e) => takeCase(fresh, null, e.currentTarget) }, t('case.take')));
      } else if (!isMine(fresh.assignee)) {
        const reason = h('textarea', { id: `takeover-${uid}`, name: 'takeOver', rows: 1, maxlength: 1000 });
        const takeOverForm = h('form', { class: 'takeover', novalidate: true },
          h('label', { for: `takeover-${uid}` }, t('case.takeOverReason')), reason,
          h('button', { type: 'submit', class: 'small secondary' }, t('case.takeOverSubmit')));
        takeOverForm.addEventListener('submit', (event) => {
          event.preventDefault();
          const why = reason.value.trim();
          if (!why) return showError(error, new ApiError({ code: 'REASON_REQUIRED', message: t('case.takeOverRequired') }));
          takeCase(fresh, why, $('button', takeOverForm));
        });
        out.push(takeOverForm);
      }
      return out;
    }

    return { caseId: item.caseId, el, error, update };
  }

  const LIST_DURATIONS = [['list.for1h', 3600e3], ['list.for24h', 86400e3], ['list.for7d', 7 * 86400e3], ['list.for30d', 30 * 86400e3], ['list.for365d', 365 * 86400e3]];

  function listFields(idPrefix, kindOptions, extra) {
    return h('fieldset', null,
      h('label', { for: `${idPrefix}-kind` }, t('list.target')),
      h('select', { id: `${idPrefix}-kind`, name: 'kind' }, kindOptions),
      extra || null,
      h('label', { for: `${idPrefix}-action` }, t('list.action')),
      h('select', { id: `${idPrefix}-action`, name: 'action' }, ['DENY', 'REVIEW'].map((a) => h('option', { value: a }, t(`list.action.${a}`)))),
      h('label', { for: `${idPrefix}-until` }, t('list.until')),
      h('select', { id: `${idPrefix}-until`, name: 'until' }, LIST_DURATIONS.map(([k, ms]) => h('option', { value: String(ms), selected: ms === 86400e3 }, t(k)))),
      h('label', { for: `${idPrefix}-reason` }, t('list.reason')),
      h('input', { id: `${idPrefix}-reason`, name: 'reason', maxlength: 1000, autocomplete: 'off' }),
      h('button', { type: 'submit', class: 'secondary' }, t('list.submit')),
    );
  }

  /** "List this device / account / phone / identity": the kinds this case has, by what ops may see of them. */
  function fillListForm(form, refs) {
    const kinds = ['DEVICE', 'BANK_ACCOUNT', 'PHONE', 'EKYC_IDENTITY'].filter((k) => refs[k]);
    const key = kinds.map((k) => `${k}=${refs[k].shown}`).join('|');
    if (form.dataset.kinds === key) return; // keep the choices being made
    form.dataset.kinds = key;
    const id = `list-${state.detail ? state.detail.caseId : 'x'}`;
    form.replaceChildren(
      h('h3', null, t('list.heading')),
      listFields(id, kinds.map((k) => h('option', { value: k }, `${t(`list.kind.${k}`)}：${refs[k].shown}`))),
    );
    form.hidden = kinds.length === 0;
  }

  /** A fact's value as people read it: yen for money, JST for instants, lists joined, the rest as text. */
  function factValue(key, value, facts) {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'number' && (/amount|yen|balance/i.test(key) || (key === 'threshold' && facts && typeof facts.amount === 'number'))) return yen(value);
    if (typeof value === 'string' && (/At$/.test(key) || key === 'until') && !isNaN(Date.parse(value))) return timeEl(value);
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
    if (typeof value === 'object') return JSON.stringify(value);
    if (typeof value === 'boolean') return t(value ? 'ctx.yes' : 'ctx.no');
    return breakable(String(value));
  }
  const factLabel = (key) => (MESSAGES[lang][`fact.${key}`] !== undefined ? t(`fact.${key}`) : key);

  function contextSections(item, ctx) {
    const u = ctx.user || {};
    const link = ctx.link;
    const device = ctx.device;
    const section = (title, ...body) => h('section', { class: 'ctx-box', 'aria-label': title }, h('h3', null, title), ...body);
    const userLink = (userId) => h('button', { type: 'button', class: 'link', title: t('ctx.openRelated', { userId }), 'aria-label': t('ctx.openRelated', { userId }), onclick: () => openUserPanel(userId) }, userId);

    const facts = ctx.facts || {};
    const factRows = (item.reasons || []).map((code) => {
      const f = facts[code];
      const entries = f && typeof f === 'object' && !Array.isArray(f) ? Object.entries(f) : f === undefined ? [] : [['value', f]];
      return h('div', { class: 'fact', dataset: { reason: code } },
        h('div', { class: 'fact-head' }, reasonChip(code, 'span'), h('code', { class: 'fact-code' }, breakable(code))),
        entries.length
          ? h('dl', { class: 'kvlist' }, entries.map(([k, v]) => [h('dt', null, factLabel(k)), h('dd', null, factValue(k, v, f))]))
          : h('p', { class: 'muted' }, t('ctx.noFacts')),
      );
    });
    // Facts stored for codes the case does not list (a new engine's extras) are shown too, generically.
    for (const [code, f] of Object.entries(facts)) {
      if ((item.reasons || []).includes(code)) continue;
      factRows.push(h('div', { class: 'fact', dataset: { reason: code } }, h('div', { class: 'fact-head' }, h('code', { class: 'fact-code' }, breakable(code))),
        h('dl', { class: 'kvlist' }, (f && typeof f === 'object' ? Object.entries(f) : [['value', f]]).map(([k, v]) => [h('dt', null, factLabel(k)), h('dd', null, factValue(k, v, f))]))));
    }

    const walletOpened = u.createdAt ? t('ctx.walletOpened', { age: age(u.createdAt) }) : t('ctx.walletOpened', { age: t('age.ago', { duration: duration((u.walletAgeHours || 0) * 3600e3, true) }) });
    return [
      h('div', { class: 'ctx-grid' },
        section(t('ctx.user'),
          definitionList([
            [t('ctx.kycName'), u.kycName ? [h('strong', null, u.kycName), u.kycNameKana ? h('span', { class: 'kana' }, `（${u.kycNameKana}）`) : null] : '—'],
            [t('ctx.walletAge'), [statusBadge(u.status), ' ', u.createdAt ? h('time', { datetime: u.createdAt, title: when(u.createdAt) }, walletOpened) : walletOpened]],
            [t('ctx.phone'), h('code', null, u.phoneNumber || '—')],
            [t('ctx.balance'), h('span', { class: 'balance' }, yen(u.balance))],
            [t('ctx.pending'), yen(u.pending)],
          ])),
        section(t('ctx.link'),
          link
            ? definitionList([
                [t('col.bank'), `${link.bankCode}-${link.branchCode}`],
                [t('ctx.account'), [h('code', null, link.accountMasked), ' ', statusBadge(link.status)]],
                [t('ctx.linked'), link.activatedAt ? h('time', { datetime: link.activatedAt, title: when(link.activatedAt) }, t('ctx.linkedAgo', { age: age(link.activatedAt) })) : link.ageHours !== null && link.ageHours !== undefined ? t('ctx.linkedAgo', { age: t('age.ago', { duration: duration(link.ageHours * 3600e3, true) }) }) : '—'],
                [t('ctx.phoneAttested'), h('span', { class: link.phoneAttested ? 'yes' : 'no' }, t(link.phoneAttested ? 'ctx.yes' : 'ctx.no'))],
                [t('ctx.debitsNotified'), link.debitsNotified === undefined ? '—' : t('ctx.count', { count: link.debitsNotified })],
              ])
            : h('p', { class: 'muted' }, t('ctx.noLink'))),
        section(t('ctx.device'),
          device
            ? definitionList([
                [t('ctx.device'), h('code', { class: 'ellipsis', title: device.id }, device.id)],
                [t('ctx.firstSeen'), device.firstSeenAt ? timeEl(device.firstSeenAt) : '—'],
                [t('ctx.otherWallets'), device.otherWallets && device.otherWallets.length ? h('ul', { class: 'plain' }, device.otherWallets.map((id) => h('li', null, userLink(id)))) : t('ctx.none')],
              ])
            : h('p', { class: 'muted' }, t('ctx.noDevice'))),
      ),
      section(t('ctx.facts'), h('div', { class: 'facts-list' }, factRows)),
      section(t('ctx.recent'),
        h('div', { class: 'table-scroll' },
          h('table', { class: 'grid dense', 'aria-label': t('ctx.recent') },
            h('thead', null, h('tr', null, ['col.created', 'col.amount', 'col.status', 'col.decision', 'col.reasons'].map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, (ctx.recentCharges || []).map((c) => h('tr', { class: c.chargeId === item.chargeId ? 'this-charge' : '', dataset: { chargeId: c.chargeId } },
              h('td', null, h('time', { datetime: c.createdAt, title: `${when(c.createdAt)} · ${c.chargeId}` }, shortWhen(c.createdAt))),
              h('td', { class: 'num' }, yen(c.amount)),
              h('td', null, statusBadge(c.status)),
              h('td', null, statusBadge(c.outcome)),
              h('td', null, compactReasons(c.reasons, t('user.decisionReasons', { chargeId: c.chargeId }))),
            )))))),
      section(t('ctx.related'), relatedList(ctx.relatedWallets || [], userLink)),
    ];
  }

  /** Related wallets, those sharing the most keys first; past the first eight, behind a disclosure. */
  function relatedList(related, userLink) {
    if (!related.length) return h('p', { class: 'muted' }, t('ctx.noRelated'));
    const sorted = related.slice().sort((a, b) => (b.via || []).length - (a.via || []).length);
    const item = (r) => h('li', null, userLink(r.userId), ' ', h('span', { class: 'muted' }, t('ctx.via', { via: (r.via || []).map((v) => t(`list.kind.${v}`)).join('・') })));
    const head = sorted.slice(0, 8);
    const rest = sorted.slice(8);
    return [
      h('p', { class: 'muted' }, t('ctx.relatedCount', { count: related.length })),
      h('ul', { class: 'plain related' }, head.map(item)),
      rest.length ? h('details', null, h('summary', null, t('ctx.relatedMore', { count: rest.length })), h('ul', { class: 'plain related' }, rest.map(item))) : null,
    ];
  }

  function updateSla() {
    const now = nowMs();
    let overdue = 0;
    for (const el of document.querySelectorAll('#view-queue .sla')) {
      const due = Date.parse(el.dataset.due);
      const left = due - now;
      const text = $('.sla-text', el);
      const row = el.closest('tr');
      el.classList.toggle('overdue', left <= 0);
      el.classList.toggle('soon', left > 0 && left <= SLA_WARN_MS);
      if (row) row.classList.toggle('overdue', left <= 0);
      if (isNaN(due)) text.textContent = t('sla.unknown');
      // The table counts in minutes (dense); the case beside it to the second.
      else if (left > 0) text.textContent = t('sla.left', { duration: duration(left, !!el.dataset.coarse) });
      else {
        if (row) overdue++;
        text.textContent = t('sla.overdue', { duration: duration(-left, !!el.dataset.coarse) });
      }
    }
    if (state.queueStatus !== 'CLOSED') {
      for (const row of document.querySelectorAll('#queue-body tr')) {
        const item = (state.items || []).find((i) => i.caseId === row.dataset.caseId);
        if (item) row.classList.toggle('stale', staleUnowned(item, now));
      }
    }
    updateBadge(overdue);
  }

  function updateBadge(overdue) {
    if (state.queueStatus === 'CLOSED') return;
    const count = (state.items || []).length;
    if (overdue === undefined) overdue = document.querySelectorAll('#queue-body .sla.overdue').length;
    const badge = $('#queue-badge');
    badge.hidden = count === 0;
    badge.textContent = overdue ? t('queue.badgeOverdue', { count, overdue }) : String(count);
    badge.classList.toggle('overdue', overdue > 0);
    document.title = `${count ? `(${count}${overdue ? '!' : ''}) ` : ''}${t('app.title')}`;
  }

  $('#queue-refresh').addEventListener('click', () => loadQueue());
  $('#f-status').addEventListener('change', () => {
    clearDetail();
    state.items = [];
    loadQueue();
  });
  for (const id of ['#f-reason', '#f-min', '#f-max', '#f-age', '#f-assignee']) $(id).addEventListener('input', () => renderRows());
  $('#queue-filters').addEventListener('reset', () => setTimeout(renderRows));
  $('#queue-filters').addEventListener('submit', (e) => e.preventDefault());
  for (const th of document.querySelectorAll('#queue-table thead th[data-sort]')) {
    $('button', th).addEventListener('click', () => {
      const key = th.dataset.sort;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : key === 'amount' || key === 'age' ? -1 : 1 };
      renderRows();
    });
  }

  // ------------------------------------------------------------------ (b) user

  function openUser(userId) {
    $('#user-id').value = userId;
    showView('user', { param: userId });
    return loadUser(userId);
  }

  async function loadUser(userId) {
    const form = $('#user-form');
    showError('user');
    showNotice('user');
    if (!UUID.test(userId)) return showError('user', new ApiError({ code: 'VALIDATION_ERROR', message: t('user.badId') }));
    try {
      const user = await inFlight($('fieldset', form), () => call('GET', `/v1/ops/users/${encodeURIComponent(userId)}`));
      renderUser(user, $('#user-detail'), 'user');
    } catch (err) {
      $('#user-detail').replaceChildren();
      showError('user', err);
    }
  }

  $('#user-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = $('#user-id').value.trim();
    history.replaceState(null, '', UUID.test(userId) ? `#/user/${userId}` : '#/user');
    loadUser(userId);
  });

  /**
   * The user beside the queue: the same view as the User tab, in a side panel, so a related wallet
   * can be read without leaving the case.
   */
  async function openUserPanel(userId) {
    const panel = $('#user-panel');
    panel.hidden = false;
    document.body.classList.add('with-panel');
    showError('user-panel');
    showNotice('user-panel');
    $('#user-panel-body').replaceChildren(h('p', { class: 'muted' }, '…'));
    try {
      const user = await call('GET', `/v1/ops/users/${encodeURIComponent(userId)}`);
      renderUser(user, $('#user-panel-body'), 'user-panel');
      $('#user-panel-close').focus();
    } catch (err) {
      $('#user-panel-body').replaceChildren();
      showError('user-panel', err);
    }
  }

  function closeUserPanel() {
    $('#user-panel').hidden = true;
    document.body.classList.remove('with-panel');
    $('#user-panel-body').replaceChildren();
  }
  $('#user-panel-close').addEventListener('click', closeUserPanel);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('#user-panel').hidden && !$('#confirm-dialog').open) closeUserPanel();
  });

  /** `where`: 'user' (the User tab) or 'user-panel' (beside the queue); ids, messages and reloads stay in it. */
  function renderUser(user, target, where) {
    const reload = () => (where === 'user' ? loadUser(user.userId) : openUserPanel(user.userId));
    const frozen = user.status === 'FROZEN';
    const controlError = h('div', { class: 'alert', role: 'alert', hidden: true });
    const control = h(
      'form',
      { class: 'panel stack', novalidate: true, 'aria-label': t(frozen ? 'user.unfreezeHeading' : 'user.freezeHeading') },
      h('h2', null, t(frozen ? 'user.unfreezeHeading' : 'user.freezeHeading')),
      h(
        'fieldset',
        null,
        h('label', { for: `${where}-freeze-reason` }, t(frozen ? 'user.unfreezeReason' : 'user.freezeReason')),
        h('textarea', { id: `${where}-freeze-reason`, name: 'reason', rows: 2, required: true, maxlength: 1000 }),
        h('button', { type: 'submit', class: frozen ? 'approve' : 'danger' }, t(frozen ? 'user.unfreeze' : 'user.freeze')),
      ),
      frozen ? null : h('p', { class: 'hint' }, t('user.freezeHint')),
      controlError,
    );
    control.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = control.reason.value.trim();
      if (!reason) return showError(controlError, new ApiError({ code: 'REASON_REQUIRED', message: t('user.reasonRequired') }));
      try {
        const action = frozen ? 'unfreeze' : 'freeze';
        const result = await inFlight($('fieldset', control), () => call('POST', `/v1/ops/users/${encodeURIComponent(user.userId)}/${action}`, { reason }));
        const cancelled = result.cancelledCharges && result.cancelledCharges.length ? t('user.cancelled', { ids: result.cancelledCharges.join(', ') }) : '';
        await reload();
        showNotice(where, t('user.nowStatus', { status: result.status, cancelled }));
      } catch (err) {
        showError(controlError, err);
      }
    });

    const links = user.links || [];
    const charges = user.charges || [];
    target.replaceChildren(
      h('div', { class: 'columns' },
        h('div', { class: 'panel' },
          h('h2', null, user.email || user.userId),
          definitionList([
            [t('user.status'), statusBadge(user.status)],
            user.frozenReason ? [t('user.frozenBecause'), user.frozenReason] : null,
            [t('user.balance'), h('span', { class: 'balance' }, yen(user.balance))],
            [t('user.id'), h('code', null, user.userId)],
            [t('user.phone'), user.phoneNumber],
            ['eKYC', statusBadge(user.kycStatus)],
            [t('user.registered'), timeEl(user.createdAt)],
          ]),
          h('button', { type: 'button', class: 'secondary', onclick: () => openAudit(user.userId) }, t('user.openAudit')),
        ),
        control,
      ),
      h('h2', null, t('user.links')),
      links.length
        ? h('div', { class: 'table-scroll' }, h('table', { class: 'grid' },
            h('caption', { class: 'visually-hidden' }, t('user.links')),
            h('thead', null, h('tr', null, ['col.bank', 'col.branch', 'col.account', 'col.status', 'col.linked', 'col.activated', 'col.linkId'].map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, links.map((l) => h('tr', null,
              h('td', null, l.bankCode), h('td', null, l.branchCode), h('td', null, h('code', null, l.accountNumber)),
              h('td', null, statusBadge(l.status)), h('td', null, timeStack(l.createdAt)), h('td', null, l.activatedAt ? timeStack(l.activatedAt) : '—'),
              h('td', null, shortId(l.linkId)),
            )))))
        : h('p', { class: 'muted' }, t('user.noLinks')),
      h('h2', null, t('user.charges')),
      charges.length
        ? h('div', { class: 'table-scroll' }, h('table', { class: 'grid user-charges', 'aria-label': t('user.charges') },
            h('thead', null, h('tr', null, ['col.created', 'col.amount', 'col.status', 'col.decision', 'col.reasons', 'col.chargeId', ''].map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
            h('tbody', null, charges.map((c) => h('tr', { dataset: { chargeId: c.chargeId } },
              h('td', null, timeStack(c.createdAt)),
              h('td', { class: 'num' }, yen(c.amount)),
              h('td', null, statusBadge(c.status)),
              h('td', null, c.decision ? statusBadge(c.decision.outcome) : '—'),
              h('td', null, reasonChips(c.decision && c.decision.reasons, t('user.decisionReasons', { chargeId: c.chargeId }))),
              h('td', null, shortId(c.chargeId)),
              h('td', null, c.status === 'COMPLETED'
                ? h('button', { type: 'button', class: 'link', 'aria-label': t('user.compensateLabel', { chargeId: c.chargeId }), onclick: () => addToClaim(c.chargeId) }, t('user.compensate'))
                : null),
            )))))
        : h('p', { class: 'muted' }, t('user.noCharges')),
    );
  }

  // ------------------------------------------------------------------ (c) banks

  async function loadBanks() {
    try {
      const data = await inFlight($('#banks-refresh'), () => call('GET', '/v1/ops/banks'));
      showError('banks');
      $('#banks-body').replaceChildren(...((data && data.items) || []).map(bankRow));
    } catch (err) {
      showError('banks', err);
    }
  }

  function bankRow(bank) {
    const toggle = (label, checked) =>
      h('label', { class: 'switch' },
        h('input', { type: 'checkbox', role: 'switch', 'aria-label': t('banks.switchLabel', { what: label, bankCode: bank.bankCode }), checked: !!checked }),
        h('span', { class: 'switch-text', 'aria-hidden': 'true' }, t(checked ? 'banks.on' : 'banks.off')),
      );
    const linking = toggle(t('col.linking'), bank.linkingEnabled);
    const charging = toggle(t('col.charging'), bank.chargingEnabled);
    const row = h('tr', { dataset: { bankCode: bank.bankCode } },
      h('th', { scope: 'row' }, bank.bankCode),
      h('td', null, bank.name),
      h('td', null, linking),
      h('td', null, charging),
      h('td', { class: 'updated-by', title: bank.updatedBy }, staffName(bank.updatedBy)),
      h('td', { class: 'updated-at' }, timeEl(bank.updatedAt)),
    );
    const inputs = [$('input', linking), $('input', charging)];
    const onChange = async () => {
      const body = { linkingEnabled: inputs[0].checked, chargingEnabled: inputs[1].checked };
      try {
        const updated = await inFlight(inputs, () => call('PUT', `/v1/ops/banks/${encodeURIComponent(bank.bankCode)}`, body));
        row.replaceWith(bankRow(updated));
        showError('banks');
        showNotice('banks', t('banks.updated', { bankCode: updated.bankCode, linking: t(updated.linkingEnabled ? 'banks.onWord' : 'banks.offWord'), charging: t(updated.chargingEnabled ? 'banks.onWord' : 'banks.offWord') }));
      } catch (err) {
        // The switch shows what the server holds, not what was asked for.
        inputs[0].checked = bank.linkingEnabled;
        inputs[1].checked = bank.chargingEnabled;
        showError('banks', err);
      }
    };
    inputs.forEach((i) => i.addEventListener('change', onChange));
    return row;
  }

  $('#banks-refresh').addEventListener('click', () => loadBanks());

  // ------------------------------------------------------------------ (d) compensation

  async function loadClaims() {
    const closed = $('#claims-status').value === 'CLOSED';
    try {
      const data = await inFlight($('#claims-refresh'), () => call('GET', `/v1/ops/compensations?status=${closed ? 'CLOSED' : 'OPEN'}`));
      showError('compensation');
      // Open claims oldest first (the API's order for closed ones is newest first: kept).
      const items = closed ? (data && data.items) || [] : ((data && data.items) || []).slice().sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
      $('#claims-heading').textContent = t(closed ? 'comp.closedClaims' : 'comp.openClaims');
      $('#claims-empty').textContent = t(closed ? 'comp.closedEmpty' : 'comp.empty');
      $('#claims-list').setAttribute('aria-label', t(closed ? 'comp.closedClaims' : 'comp.listLabel'));
      $('#claims-list').replaceChildren(...items.map(claimCard));
      $('#claims-empty').hidden = items.length > 0;
    } catch (err) {
      showError('compensation', err);
    }
  }

  function claimCard(claim) {
    const error = h('div', { class: 'alert', role: 'alert', hidden: true });
    const decided = claim.claimStatus === 'PAID' || claim.claimStatus === 'DENIED';
    const pay = h('button', { type: 'button', class: 'approve' }, t(claim.claimStatus === 'PAYING' ? 'comp.payAgain' : 'comp.pay'));
    const deny = h('button', { type: 'button', class: 'danger', disabled: claim.claimStatus !== 'OPEN' }, t('comp.deny'));
    const card = h(
      'li',
      { class: 'card claim', dataset: { claimId: claim.claimId } },
      h(
        'article',
        { 'aria-label': t('comp.claimLabel', { claimId: claim.claimId }) },
        h('header', { class: 'card-head' }, h('h3', { class: 'amount' }, yen(claim.amount)), statusBadge(claim.claimStatus)),
        claim.claimStatus === 'PAYING' ? h('p', { class: 'warning' }, t('comp.paying')) : null,
        definitionList([
          [t('comp.claim'), h('code', null, claim.claimId)],
          [t('case.user'), h('button', { type: 'button', class: 'link', title: t('case.openUser'), onclick: () => openUser(claim.userId) }, claim.userId)],
          [t('comp.bank'), claim.bankCode],
          [t('comp.charges'), h('ul', { class: 'plain' }, (claim.chargeIds || []).map((id) => h('li', null, h('code', null, id))))],
          [t('comp.source'), claim.source],
          [t('comp.noteTerm'), claim.note],
          [t('comp.opened'), [timeEl(claim.createdAt), t('comp.by'), staffName(claim.createdBy)]],
          claim.refunded !== undefined ? [t('comp.money'), `${yen(claim.refunded)} / ${yen(claim.clawback)} / ${yen(claim.loss)}`] : null,
        ]),
        decided ? null : h('div', { class: 'actions' }, pay, deny),
        error,
      ),
    );
    const decide = async (decision) => {
      const answer = await confirmDialog(
        decision === 'PAY'
          ? {
              title: t('comp.payTitle', { claimId: claim.claimId }),
              message: t('comp.payMessage', { amount: yen(claim.amount), bankCode: claim.bankCode }),
              confirm: t('comp.payConfirm'),
            }
          : { title: t('comp.denyTitle', { claimId: claim.claimId }), message: t('comp.denyMessage'), confirm: t('comp.denyConfirm') },
      );
      if (!answer) return;
      try {
        const result = await inFlight([pay, deny], () =>
          call('POST', `/v1/ops/compensations/${encodeURIComponent(claim.claimId)}/decision`, { decision, ...(answer.note ? { note: answer.note } : {}) }),
        );
        recordDecided(result);
        showNotice('compensation', t('comp.decided', { claimId: result.claimId, status: result.claimStatus }));
        await loadClaims();
      } catch (err) {
        showError(error, err);
      }
    };
    pay.addEventListener('click', () => decide('PAY'));
    deny.addEventListener('click', () => decide('DENY'));
    return card;
  }

  /** The API lists open claims only: what was decided here stays visible for the rest of the session. */
  function recordDecided(claim) {
    const money = claim.refunded !== undefined
      ? [h('span', null, t('comp.refunded', { amount: yen(claim.refunded) })), h('span', null, t('comp.clawback', { amount: yen(claim.clawback) })), h('span', { class: claim.loss ? 'loss' : '' }, t('comp.loss', { amount: yen(claim.loss) }))]
      : [h('span', null, yen(claim.amount))];
    $('#claims-decided').prepend(
      h('li', { class: 'decided', dataset: { claimId: claim.claimId } },
        statusBadge(claim.claimStatus), ' ', h('code', null, claim.claimId), ' ',
        h('span', { class: 'money' }, money),
      ),
    );
    $('#claims-decided-empty').hidden = true;
  }

  function addToClaim(chargeId) {
    const field = $('#claim-charges');
    const ids = field.value.split(/[\s,]+/).filter(Boolean);
    if (!ids.includes(chargeId)) ids.push(chargeId);
    field.value = ids.join('\n');
    closeUserPanel();
    showView('compensation');
    $('#claim-note').focus();
  }

  $('#claim-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    showError('compensation');
    showNotice('compensation');
    const chargeIds = [...new Set(form.chargeIds.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
    const note = form.note.value.trim();
    const bad = chargeIds.filter((id) => !CHARGE_ID.test(id));
    if (!chargeIds.length || bad.length) {
      return showError('compensation', new ApiError({ code: 'VALIDATION_ERROR', message: chargeIds.length ? t('comp.notIds', { ids: bad.join(', ') }) : t('comp.noIds') }));
    }
    if (!note) return showError('compensation', new ApiError({ code: 'VALIDATION_ERROR', message: t('comp.noteRequired') }));
    try {
      const created = await inFlight($('fieldset', form), () => call('POST', '/v1/ops/compensations', { chargeIds, note }));
      form.reset();
      showNotice('compensation', t('comp.created', { claimId: created.claimId, amount: yen(created.amount) }));
      await loadClaims();
    } catch (err) {
      showError('compensation', err);
    }
  });

  $('#claims-refresh').addEventListener('click', () => loadClaims());
  $('#claims-status').addEventListener('change', () => loadClaims());

  /** A modal confirmation with an optional note; resolves to {note} or null when cancelled. */
  function confirmDialog({ title, message, confirm }) {
    const dialog = $('#confirm-dialog');
    $('#confirm-title').textContent = title;
    $('#confirm-message').textContent = message;
    $('#confirm-ok').textContent = confirm;
    $('#confirm-note').value = '';
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm' ? { note: $('#confirm-note').value.trim() } : null), { once: true });
    });
  }

  // ------------------------------------------------------------------ (e) audit

  function openAudit(userId) {
    $('#audit-user-id').value = userId;
    showView('audit', { param: userId });
    return loadAudit(userId);
  }

  $('#audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = $('#audit-user-id').value.trim();
    history.replaceState(null, '', UUID.test(userId) ? `#/audit/${userId}` : '#/audit');
    loadAudit(userId);
  });

  /** An audit record's details as short "key: value" items; money as yen, lists joined. */
  function detailItems(details) {
    if (details === undefined || details === null) return [];
    if (typeof details !== 'object') return [h('span', { class: 'kv' }, String(details))];
    return Object.entries(details).map(([key, v]) => {
      let text;
      if (Array.isArray(v)) text = breakable(v.join(', '));
      else if (v !== null && typeof v === 'object') text = JSON.stringify(v);
      else if (typeof v === 'number' && /amount|refunded|clawback|loss/i.test(key)) text = yen(v);
      else text = breakable(String(v));
      return h('span', { class: 'kv' }, h('span', { class: 'k' }, `${key}:`), ' ', text);
    });
  }

  async function loadAudit(userId) {
    showError('audit');
    $('#audit-summary').textContent = '';
    if (!UUID.test(userId)) return showError('audit', new ApiError({ code: 'VALIDATION_ERROR', message: t('user.badId') }));
    try {
      const data = await inFlight($('#audit-form fieldset'), () => call('GET', `/v1/ops/audit?userId=${encodeURIComponent(userId)}`));
      const items = (data && data.items) || [];
      $('#audit-body').replaceChildren(
        ...items.map((i) =>
          h('tr', { class: /^ops:/.test(i.actor) ? 'by-ops' : '' },
            h('td', null, timeStack(i.at)),
            // Staff by e-mail (the record says `ops:<email>`); a system actor as it is.
            h('td', null, /^ops:/.test(i.actor)
              ? h('span', { class: 'actor actor-ops', title: `${i.actor} · ${t('audit.staff')}` }, staffName(i.actor))
              : h('span', { class: 'actor' }, breakable(i.actor))),
            h('td', null, h('code', null, breakable(i.action))),
            h('td', null, i.reason ? breakable(i.reason) : ''),
            h('td', { class: 'details' }, detailItems(i.details)),
          ),
        ),
      );
      $('#audit-table').hidden = items.length === 0;
      $('#audit-summary').textContent = t('audit.summary', { count: items.length, userId });
    } catch (err) {
      $('#audit-body').replaceChildren();
      $('#audit-table').hidden = true;
      showError('audit', err);
    }
  }

  // ------------------------------------------------------------------ (f) rules: runtime thresholds, proposals, backtests

  VIEWS.push('rules');
  const OUTCOME_KEYS = ['ALLOW', 'HOLD', 'CHALLENGE', 'REVIEW', 'DENY'];
  const rulesState = { active: null };

  /** Rule leaves as `group.key` paths with their values, in the order the API gives them (new rules appear by themselves). */
  function ruleLeaves(rules, prefix) {
    const out = [];
    for (const [key, value] of Object.entries(rules || {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (value && typeof value === 'object') out.push(...ruleLeaves(value, path));
      else out.push([path, value]);
    }
    return out;
  }
  const ruleLabel = (path) => (MESSAGES[lang][`rule.${path}`] !== undefined ? t(`rule.${path}`) : path);
  /** The unit a rule is counted in, read from its name: hours, days, a factor, yen, or a count. */
  function ruleUnit(path) {
    if (/Hours$/.test(path)) return t('unit.hours');
    if (/Days$/.test(path)) return t('unit.days');
    if (/Times$/.test(path)) return t('unit.times');
    if (/amount|Amount|Above$|AtLeast$|yen/i.test(path.split('.').pop())) return t('unit.yen');
    return t('unit.count');
  }
  const ruleValue = (path, value) => (ruleUnit(path) === t('unit.yen') ? yen(value) : `${Number(value).toLocaleString('en-US')} ${ruleUnit(path)}`);

  async function loadRules() {
    try {
      const [active, open, closed] = await inFlight($('#rules-refresh'), () =>
        Promise.all([call('GET', '/v1/ops/rules'), call('GET', '/v1/ops/rules/proposals'), call('GET', '/v1/ops/rules/proposals?status=CLOSED')]));
      showError('rules');
      rulesState.active = active;
      $('#rules-summary').textContent = active.activatedBy
        ? t('rules.summary', { version: active.version, by: active.activatedBy, at: when(active.activatedAt) })
        : t('rules.summaryDefaults', { version: active.version });
      $('#rules-body').replaceChildren(
        ...ruleLeaves(active.rules).map(([path, value]) =>
          h('tr', { dataset: { rule: path } },
            h('th', { scope: 'row' }, h('span', { class: 'rule-label' }, ruleLabel(path)), h('code', { class: 'rule-path' }, path)),
            h('td', { class: 'num' }, ruleValue(path, value)),
            h('td', null, h('label', { class: 'rule-input' },
              h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: String(value), name: path, 'aria-label': t('col.proposed') + ': ' + ruleLabel(path) }),
              h('span', { class: 'muted' }, ruleUnit(path)))),
          ),
        ),
      );
      const items = (open && open.items) || [];
      $('#proposals-list').replaceChildren(...items.map(proposalCard));
      $('#proposals-empty').hidden = items.length > 0;
      const decided = (closed && closed.items) || [];
      $('#proposals-history-body').replaceChildren(...decided.map((p) =>
        h('tr', { dataset: { proposalId: p.proposalId } },
          h('td', null, statusBadge(p.proposalStatus), ' ', timeEl(p.decidedAt)),
          h('td', { class: 'num' }, p.activatedVersion ? `v${p.activatedVersion}` : '—'),
          h('td', null, h('ul', { class: 'plain' }, p.changes.map((c) => h('li', null, h('code', null, c.rule), ' ', ruleValue(c.rule, c.from), ' → ', ruleValue(c.rule, c.to))))),
          h('td', null, p.proposedBy, ' → ', p.decidedBy || '—'),
        )));
      $('#proposals-history').hidden = decided.length === 0;
      $('#proposals-history-empty').hidden = decided.length > 0;
    } catch (err) {
      showError('rules', err);
    }
  }

  /** The edited table as a rule set of the same shape as the one in force. */
  function proposedRules() {
    const rules = JSON.parse(JSON.stringify(rulesState.active.rules));
    let changed = 0;
    for (const input of document.querySelectorAll('#rules-body input')) {
      const raw = input.value.trim();
      if (!/^\d+$/.test(raw)) throw new ApiError({ code: 'VALIDATION_ERROR', message: t('rules.badNumber', { rule: ruleLabel(input.name) }) });
      const parts = input.name.split('.');
      const group = parts.slice(0, -1).reduce((node, k) => node[k], rules);
      const value = Number(raw);
      if (group[parts[parts.length - 1]] !== value) changed++;
      group[parts[parts.length - 1]] = value;
    }
    if (!changed) throw new ApiError({ code: 'VALIDATION_ERROR', message: t('rules.noChange') });
    return rules;
  }

  $('#rules-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('rules');
    showNotice('rules');
    if (!rulesState.active) return;
    const note = $('#rules-note').value.trim();
    try {
      const rules = proposedRules();
      if (!note) throw new ApiError({ code: 'VALIDATION_ERROR', message: t('rules.noteRequired') });
      const made = await inFlight($('#rules-form fieldset'), () => call('POST', '/v1/ops/rules/proposals', { rules, note }));
      $('#rules-note').value = '';
      showNotice('rules', t('rules.proposed', { charges: made.backtest.charges, changed: made.backtest.changed }));
      await loadRules();
    } catch (err) {
      showError('rules', err);
    }
  });

  /** Before and after side by side: outcomes by kind, fraud yen caught and missed, honest friction. */
  function backtestTable(p) {
    const bt = p.backtest;
    const signed = (n, money) => (n === 0 ? '±0' : (n > 0 ? '+' : '−') + (money ? yen(Math.abs(n)) : Math.abs(n).toLocaleString('en-US')));
    const row = (label, before, after, money, goodWhenUp) => {
      const diff = after - before;
      const tone = diff === 0 ? '' : (diff > 0) === goodWhenUp ? 'better' : goodWhenUp === null ? 'moved' : 'worse';
      return h('tr', null,
        h('th', { scope: 'row' }, label),
        h('td', { class: 'num' }, money ? yen(before) : before.toLocaleString('en-US')),
        h('td', { class: 'num' }, money ? yen(after) : after.toLocaleString('en-US')),
        h('td', { class: `num diff ${tone}` }, signed(diff, money)),
      );
    };
    return h('table', { class: 'grid backtest' },
      h('caption', { class: 'visually-hidden' }, t('rules.btCaption')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('col.metric')),
        h('th', { scope: 'col', class: 'num' }, t('col.before', { version: p.baseVersion })),
        h('th', { scope: 'col', class: 'num' }, t('col.after')),
        h('th', { scope: 'col', class: 'num' }, t('col.diff')))),
      h('tbody', null,
        OUTCOME_KEYS.map((k) => row(t(`outcome.${k}`), bt.before[k] || 0, bt.after[k] || 0, false, null)),
        row(t('rules.fraudCaught'), bt.fraudYenCaught.before, bt.fraudYenCaught.after, true, true),
        row(t('rules.fraudMissed'), bt.fraudYenMissed.before, bt.fraudYenMissed.after, true, false),
        row(t('rules.friction'), bt.honestFriction.before, bt.honestFriction.after, false, false),
      ),
    );
  }

  function proposalCard(p) {
    const error = h('div', { class: 'alert', role: 'alert', hidden: true });
    const mine = String(p.proposedBy).toLowerCase() === String(state.email || "").toLowerCase();
    const approve = h('button', { type: 'button', class: 'approve', disabled: mine }, t('rules.approve'));
    const reject = h('button', { type: 'button', class: 'danger', disabled: mine }, t('rules.reject'));
    const moves = Object.entries(p.backtest.transitions || {});
    const card = h('li', { class: 'card proposal', dataset: { proposalId: p.proposalId } },
      h('article', { 'aria-label': t('rules.proposalLabel', { proposalId: p.proposalId }) },
        h('header', { class: 'card-head' },
          h('h3', null, p.changes.map((c) => ruleLabel(c.rule)).join('・')),
          statusBadge(p.proposalStatus)),
        definitionList([
          [t('rules.changes'), h('ul', { class: 'plain changes' }, p.changes.map((c) =>
            h('li', { dataset: { rule: c.rule } }, h('code', null, c.rule), ' ', ruleValue(c.rule, c.from), ' → ', h('strong', null, ruleValue(c.rule, c.to)))))],
          [t('rules.noteTerm'), p.note],
          [t('rules.proposedBy'), [p.proposedBy, ' · ', timeEl(p.createdAt)]],
          [t('rules.base'), `v${p.baseVersion}`],
        ]),
        h('h4', null, t('rules.backtest')),
        h('p', { class: 'muted bt-summary' }, t('rules.btSummary', { charges: p.backtest.charges, changed: p.backtest.changed, fraud: p.backtest.fraudCharges })),
        backtestTable(p),
        moves.length ? h('p', { class: 'moves' }, t('rules.transitions'), '：', moves.map(([move, n]) => {
          const [from, to] = move.split('→');
          return h('span', { class: 'move' }, `${t(`outcome.${from}`)} → ${t(`outcome.${to}`)}  ${n}`);
        })) : null,
        mine ? h('p', { class: 'hint own' }, t('rules.ownProposal')) : null,
        h('div', { class: 'actions' }, approve, reject),
        error,
      ),
    );
    const decide = async (decision) => {
      const answer = await confirmDialog(decision === 'APPROVE'
        ? { title: t('rules.approveTitle', { proposalId: p.proposalId }), message: t('rules.approveMessage'), confirm: t('rules.approveConfirm') }
        : { title: t('rules.rejectTitle', { proposalId: p.proposalId }), message: t('rules.rejectMessage'), confirm: t('rules.rejectConfirm') });
      if (!answer) return;
      try {
        const result = await inFlight([approve, reject], () =>
          call('POST', `/v1/ops/rules/proposals/${encodeURIComponent(p.proposalId)}/decision`, { decision, ...(answer.note ? { note: answer.note } : {}) }));
        showNotice('rules', result.proposalStatus === 'APPROVED' ? t('rules.activated', { version: result.version }) : t('rules.rejected'));
        await loadRules();
      } catch (err) {
        showError(error, err);
      }
    };
    approve.addEventListener('click', () => decide('APPROVE'));
    reject.addEventListener('click', () => decide('REJECT'));
    return card;
  }

  $('nav.views button[data-view="rules"]').addEventListener('click', () => loadRules());
  $('#rules-refresh').addEventListener('click', () => loadRules());
  // ------------------------------------------------------------------ (f) lists

  const LIST_KINDS = ['DEVICE', 'PHONE', 'BANK_ACCOUNT', 'EKYC_IDENTITY'];

  async function loadLists() {
    try {
      const data = await inFlight($('#lists-refresh'), () => call('GET', '/v1/ops/lists'));
      showError('lists');
      const items = (data && data.items) || [];
      $('#lists-body').replaceChildren(...items.map(listRow));
      $('#lists-table').hidden = items.length === 0;
      $('#lists-empty').hidden = items.length > 0;
    } catch (err) {
      showError('lists', err);
    }
  }

  function listRow(entry) {
    const kind = t(`list.kind.${entry.kind}`);
    const remove = h('button', { type: 'button', class: 'small danger', 'aria-label': t('list.removeLabel', { kind, value: entry.value }) }, t('list.remove'));
    remove.addEventListener('click', async () => {
      try {
        // `ref` stands for values the console never holds (a bank account's number, a full phone number).
        await inFlight(remove, () => call('DELETE', `/v1/ops/lists/${entry.kind}/${encodeURIComponent(entry.ref || entry.value)}`));
        showNotice('lists', t('list.removed', { kind, value: entry.value }));
        await loadLists();
      } catch (err) {
        showError('lists', err);
      }
    });
    return h('tr', { dataset: { kind: entry.kind, value: entry.value } },
      h('td', null, kind),
      h('td', null, h('code', { class: 'list-value', title: entry.value }, entry.value)),
      h('td', null, h('span', { class: `status status-${String(entry.action).toLowerCase()}` }, t(`list.action.${entry.action}`))),
      h('td', null, timeStack(entry.until)),
      h('td', { class: 'reason' }, entry.reason),
      h('td', null, h('span', { class: 'actor', title: entry.createdBy }, staffName(entry.createdBy)), h('br'), timeStack(entry.createdAt)),
      h('td', null, remove),
    );
  }

  const listAddForm = h('form', { id: 'list-add-form', class: 'list-form panel', novalidate: true, 'aria-label': t('lists.addHeading') },
    h('h2', null, t('lists.addHeading')),
    listFields('lists-add', LIST_KINDS.map((k) => h('option', { value: k }, t(`list.kind.${k}`))), [
      h('label', { for: 'lists-add-value' }, t('list.value')),
      h('input', { id: 'lists-add-value', name: 'value', maxlength: 200, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'lists-add-hint' }),
      h('p', { id: 'lists-add-hint', class: 'hint' }, t('list.valueHint')),
    ]),
  );
  $('#lists-add').replaceChildren(listAddForm);
  listAddForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('lists');
    showNotice('lists');
    const value = listAddForm.value.value.trim();
    const reason = listAddForm.reason.value.trim();
    if (!value) return showError('lists', new ApiError({ code: 'VALIDATION_ERROR', message: t('list.valueRequired') }));
    if (!reason) return showError('lists', new ApiError({ code: 'VALIDATION_ERROR', message: t('list.reasonRequired') }));
    const until = new Date(nowMs() + Number(listAddForm.until.value)).toISOString();
    try {
      const entry = await inFlight($('fieldset', listAddForm), () =>
        call('PUT', `/v1/ops/lists/${listAddForm.kind.value}/${encodeURIComponent(value)}`, { action: listAddForm.action.value, until, reason }));
      listAddForm.value.value = '';
      listAddForm.reason.value = '';
      showNotice('lists', t('list.added', { kind: t(`list.kind.${entry.kind}`), value: entry.value, action: t(`list.action.${entry.action}`), until: when(entry.until) }));
      await loadLists();
    } catch (err) {
      showError('lists', err);
    }
  });
  $('#lists-refresh').addEventListener('click', () => loadLists());

  // ------------------------------------------------------------------ start

  /** The static page in the chosen language; a new choice reloads the page (the session survives in sessionStorage). */
  function translatePage() {
    document.documentElement.lang = lang;
    document.title = t('app.title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
    for (const el of document.querySelectorAll('[data-t-min]')) el.textContent = t('filter.ageOver', { min: el.dataset.tMin });
    const select = $('#lang-select');
    select.value = lang;
    select.addEventListener('change', () => {
      localStorage.setItem(LANG_KEY, select.value);
      location.reload();
    });
  }
  translatePage();

  window.addEventListener('hashchange', () => state.token && routeFromHash());

  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (saved && saved.token && saved.expiresAt > Date.now()) {
      startSession(saved.token, saved.email, (saved.expiresAt - Date.now()) / 1000);
    } else {
      sessionStorage.removeItem(SESSION_KEY);
      $('#sign-in-email').focus();
    }
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
  }
})();
