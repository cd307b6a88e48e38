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

  /** Risk and history reason codes, as an operator reads them (catalog keys `reason.<CODE>`). Unknown codes are shown as they are. */
  const reasonText = (code) => (MESSAGES[lang][`reason.${code}`] !== undefined ? t(`reason.${code}`) : String(code).replace(/_/g, ' ').toLowerCase());
  const REVIEW_REASONS = new Set(['LARGE_AMOUNT', 'NEW_LINK_LARGE_AMOUNT', 'NEW_WALLET_LARGE_AMOUNT', 'HIGH_VELOCITY', 'ACCOUNT_FAILED_LINKS']);
  const DENY_REASONS = new Set(['WALLET_FROZEN', 'BANK_SUSPENDED', 'LINK_NOT_ACTIVE', 'PER_CHARGE_LIMIT', 'DAILY_LIMIT', 'BALANCE_CAP']);

  const state = {
    token: null,
    email: null,
    expiresAt: 0,
    view: 'queue',
    /** caseId -> card element: kept across refreshes so a note being typed survives. */
    cards: new Map(),
    queueLoading: false,
    queueTimer: null,
    slaTimer: null,
  };

  // ------------------------------------------------------------------ DOM helpers

  const $ = (selector, root) => (root || document).querySelector(selector);

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
    const ms = Date.now() - new Date(iso).getTime();
    if (isNaN(ms)) return '';
    if (Math.abs(ms) < 60000) return t('age.now');
    return t(ms > 0 ? 'age.ago' : 'age.in', { duration: duration(Math.abs(ms), true) });
  }
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

  function reasonChip(code) {
    const kind = REVIEW_REASONS.has(code) ? 'review' : DENY_REASONS.has(code) ? 'deny' : 'info';
    return h('li', { class: `chip chip-${kind}`, title: code, dataset: { reason: code } }, reasonText(code));
  }
  const reasonChips = (codes, label) => h('ul', { class: 'chips', 'aria-label': label || t('col.reasons') }, (codes || []).map(reasonChip));

  const statusBadge = (status) => h('span', { class: `status status-${String(status).toLowerCase()}` }, String(status));

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
    box.append(
      h('p', null, h('strong', { class: 'code' }, e.code), ' ', e.message),
      e.requestId ? h('p', { class: 'request-id' }, t('error.requestId'), h('code', null, e.requestId)) : null,
      e.status ? h('p', { class: 'request-id' }, `HTTP ${e.status}`) : null,
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
    state.cards.clear();
    $('#queue-list').replaceChildren();
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

  const VIEWS = ['queue', 'user', 'banks', 'compensation', 'audit'];

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

  async function loadQueue() {
    if (!state.token || state.queueLoading) return;
    state.queueLoading = true;
    const button = $('#queue-refresh');
    try {
      const data = await inFlight(button, () => call('GET', '/v1/ops/reviews?status=OPEN'));
      showError('queue');
      renderQueue((data && data.items) || []);
    } catch (err) {
      // A failed refresh keeps the last list on screen and says so (unless the session just ended).
      if (state.token) showError('queue', err);
    } finally {
      state.queueLoading = false;
    }
  }

  function renderQueue(items) {
    items = items.slice().sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    const list = $('#queue-list');
    const seen = new Set();
    items.forEach((item, index) => {
      seen.add(item.caseId);
      let card = state.cards.get(item.caseId);
      if (!card) {
        card = caseCard(item);
        state.cards.set(item.caseId, card);
      }
      // Move only what is out of place, so a card being typed in keeps its focus.
      if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
    });
    const gone = [];
    for (const [caseId, card] of state.cards) {
      if (seen.has(caseId)) continue;
      if (!card.dataset.decided) gone.push(card.dataset.chargeId);
      card.remove();
      state.cards.delete(caseId);
    }
    if (gone.length) showNotice('queue', t('queue.gone', { ids: gone.join(', ') }));
    $('#queue-empty').hidden = items.length > 0;
    const stamp = new Date().toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hourCycle: 'h23' });
    $('#queue-summary').textContent = t('queue.summary', { count: items.length, time: stamp });
    updateSla();
  }

  function caseCard(item) {
    const uid = item.caseId;
    const noteId = `note-${uid}`;
    const freezeId = `freeze-${uid}`;
    const error = h('div', { class: 'alert', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'decision', novalidate: true },
      h(
        'fieldset',
        null,
        h('label', { for: noteId }, t('case.note')),
        h('textarea', { id: noteId, name: 'note', rows: 2, required: true, maxlength: 2000, placeholder: t('case.notePlaceholder') }),
        h('div', { class: 'decision-actions' },
          h('label', { class: 'check', for: freezeId }, h('input', { id: freezeId, name: 'freezeUser', type: 'checkbox' }), ' ', t('case.freezeUser')),
          h('button', { type: 'submit', name: 'decision', value: 'APPROVE', class: 'approve' }, t('case.approve')),
          h('button', { type: 'submit', name: 'decision', value: 'REJECT', class: 'danger' }, t('case.reject')),
        ),
      ),
    );
    const card = h(
      'li',
      { class: 'card case', dataset: { caseId: item.caseId, chargeId: item.chargeId } },
      h(
        'article',
        { 'aria-label': t('case.label', { chargeId: item.chargeId }) },
        h('header', { class: 'card-head' },
          h('h2', { class: 'amount' }, yen(item.amount)),
          h('p', { class: 'sla', dataset: { due: item.dueAt, expires: item.expiresAt || '' } }, h('span', { class: 'sla-text' }, '…')),
        ),
        reasonChips(item.reasons, t('case.reasons')),
        definitionList([
          [t('case.charge'), h('code', null, item.chargeId)],
          [t('case.user'), h('button', { type: 'button', class: 'link', title: t('case.openUser'), onclick: () => openUser(item.userId) }, item.userId)],
          [t('case.opened'), timeEl(item.createdAt)],
          [t('case.due'), timeEl(item.dueAt)],
          item.expiresAt ? [t('case.expires'), timeEl(item.expiresAt)] : null,
        ]),
        form,
        error,
      ),
    );
    form.addEventListener('submit', async (event) => {
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
        if (result.status === 'AWAITING_SECOND_APPROVAL') {
          // Four eyes: the case stays in the queue until another member of staff approves it.
          showNotice('queue', t('case.awaitingSecond', { chargeId: item.chargeId, amount: yen(item.amount) }));
          return;
        }
        card.dataset.decided = 'true';
        card.remove();
        state.cards.delete(item.caseId);
        const params = { chargeId: item.chargeId, amount: yen(item.amount), status: result.chargeStatus, frozen: freezeUser ? t('case.frozenSuffix') : '' };
        showNotice('queue', t(decision === 'APPROVE' ? 'case.approved' : 'case.rejected', params));
        $('#queue-empty').hidden = state.cards.size > 0;
        updateBadge();
      } catch (err) {
        showError(error, err);
      }
    });
    return card;
  }

  function updateSla() {
    const now = Date.now();
    let overdue = 0;
    for (const el of document.querySelectorAll('#queue-list .sla')) {
      const due = Date.parse(el.dataset.due);
      const left = due - now;
      const text = $('.sla-text', el);
      const card = el.closest('.card');
      el.classList.toggle('overdue', left <= 0);
      el.classList.toggle('soon', left > 0 && left <= SLA_WARN_MS);
      if (card) card.classList.toggle('overdue', left <= 0);
      if (isNaN(due)) text.textContent = t('sla.unknown');
      else if (left > 0) text.textContent = t('sla.left', { duration: duration(left) });
      else {
        overdue++;
        text.textContent = t('sla.overdue', { duration: duration(-left) });
      }
    }
    updateBadge(overdue);
  }

  function updateBadge(overdue) {
    const count = state.cards.size;
    if (overdue === undefined) overdue = document.querySelectorAll('#queue-list .sla.overdue').length;
    const badge = $('#queue-badge');
    badge.hidden = count === 0;
    badge.textContent = overdue ? t('queue.badgeOverdue', { count, overdue }) : String(count);
    badge.classList.toggle('overdue', overdue > 0);
    document.title = `${count ? `(${count}${overdue ? '!' : ''}) ` : ''}${t('app.title')}`;
  }

  $('#queue-refresh').addEventListener('click', () => loadQueue());

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
      renderUser(user);
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

  function renderUser(user) {
    const frozen = user.status === 'FROZEN';
    const controlError = h('div', { class: 'alert', role: 'alert', hidden: true });
    const control = h(
      'form',
      { class: 'panel stack', novalidate: true, 'aria-label': t(frozen ? 'user.unfreezeHeading' : 'user.freezeHeading') },
      h('h2', null, t(frozen ? 'user.unfreezeHeading' : 'user.freezeHeading')),
      h(
        'fieldset',
        null,
        h('label', { for: 'freeze-reason' }, t(frozen ? 'user.unfreezeReason' : 'user.freezeReason')),
        h('textarea', { id: 'freeze-reason', name: 'reason', rows: 2, required: true, maxlength: 1000 }),
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
        await loadUser(user.userId);
        showNotice('user', t('user.nowStatus', { status: result.status, cancelled }));
      } catch (err) {
        showError(controlError, err);
      }
    });

    const links = user.links || [];
    const charges = user.charges || [];
    $('#user-detail').replaceChildren(
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
        ? h('table', { class: 'grid' },
            h('caption', { class: 'visually-hidden' }, t('user.links')),
            h('thead', null, h('tr', null, ['col.bank', 'col.branch', 'col.account', 'col.status', 'col.linked', 'col.activated', 'col.linkId'].map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, links.map((l) => h('tr', null,
              h('td', null, l.bankCode), h('td', null, l.branchCode), h('td', null, h('code', null, l.accountNumber)),
              h('td', null, statusBadge(l.status)), h('td', null, timeEl(l.createdAt)), h('td', null, l.activatedAt ? timeEl(l.activatedAt) : '—'),
              h('td', null, h('code', null, l.linkId)),
            ))))
        : h('p', { class: 'muted' }, t('user.noLinks')),
      h('h2', null, t('user.charges')),
      charges.length
        ? h('table', { class: 'grid', 'aria-label': t('user.charges') },
            h('thead', null, h('tr', null, ['col.created', 'col.amount', 'col.status', 'col.decision', 'col.reasons', 'col.chargeId', ''].map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
            h('tbody', null, charges.map((c) => h('tr', { dataset: { chargeId: c.chargeId } },
              h('td', null, timeEl(c.createdAt)),
              h('td', { class: 'num' }, yen(c.amount)),
              h('td', null, statusBadge(c.status)),
              h('td', null, c.decision ? statusBadge(c.decision.outcome) : '—'),
              h('td', null, reasonChips(c.decision && c.decision.reasons, t('user.decisionReasons', { chargeId: c.chargeId }))),
              h('td', null, h('code', null, c.chargeId)),
              h('td', null, c.status === 'COMPLETED'
                ? h('button', { type: 'button', class: 'link', 'aria-label': t('user.compensateLabel', { chargeId: c.chargeId }), onclick: () => addToClaim(c.chargeId) }, t('user.compensate'))
                : null),
            ))))
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
      h('td', { class: 'updated-by' }, bank.updatedBy),
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
    try {
      const data = await inFlight($('#claims-refresh'), () => call('GET', '/v1/ops/compensations'));
      showError('compensation');
      const items = ((data && data.items) || []).slice().sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
      $('#claims-list').replaceChildren(...items.map(claimCard));
      $('#claims-empty').hidden = items.length > 0;
    } catch (err) {
      showError('compensation', err);
    }
  }

  function claimCard(claim) {
    const error = h('div', { class: 'alert', role: 'alert', hidden: true });
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
          [t('comp.opened'), [timeEl(claim.createdAt), t('comp.by'), claim.createdBy]],
          claim.refunded !== undefined ? [t('comp.money'), `${yen(claim.refunded)} / ${yen(claim.clawback)} / ${yen(claim.loss)}`] : null,
        ]),
        h('div', { class: 'actions' }, pay, deny),
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
      if (Array.isArray(v)) text = v.join(', ');
      else if (v !== null && typeof v === 'object') text = JSON.stringify(v);
      else if (typeof v === 'number' && /amount|refunded|clawback|loss/i.test(key)) text = yen(v);
      else text = String(v);
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
            h('td', null, timeEl(i.at)),
            h('td', null, h('span', { class: /^ops:/.test(i.actor) ? 'actor actor-ops' : 'actor' }, i.actor)),
            h('td', null, h('code', null, i.action)),
            h('td', null, i.reason || ''),
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
  /** The unit a rule is counted in, read from its name: hours, days, yen, or a count. */
  function ruleUnit(path) {
    if (/Hours$/.test(path)) return t('unit.hours');
    if (/Days$/.test(path)) return t('unit.days');
    if (/amount|Amount|Above|Exposure|yen/i.test(path.split('.').pop())) return t('unit.yen');
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

  // ------------------------------------------------------------------ start

  /** The static page in the chosen language; a new choice reloads the page (the session survives in sessionStorage). */
  function translatePage() {
    document.documentElement.lang = lang;
    document.title = t('app.title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
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
