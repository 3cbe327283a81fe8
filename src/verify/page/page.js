// The hosted verification page (contract §8). No framework and no inline code: the CSP
// allows only this file and page.css. Everything the user supplied (organization name,
// reasons, redirect URL) is inserted as text, never as markup.
(() => {
  'use strict';

  const app = document.getElementById('app');
  const sessionId = app ? app.dataset.sessionId : '';
  if (!sessionId) return; // the "link not available" page: nothing to do

  const POLL_MS = 2000;
  const REDIRECT_MS = 3000;
  const TOKEN_TTL_MS = 5 * 60_000;
  const REUSE_WINDOW_MS = 60_000;
  const api = new URL(`../v1/verify/session/${sessionId}`, location.href).href;
  const qrUrl = `${location.pathname}/qr`;
  const reasonMessages = JSON.parse(document.getElementById('verdict-messages').textContent || '{}');
  const STEPS = [
    ['Phone connected', ['mobile_connected']],
    ['Scanning passport', ['mrz_scanning', 'mrz_complete']],
    ['Reading chip', ['nfc_reading', 'nfc_complete']],
    ['Taking selfie', ['selfie_capturing']],
    ['Waiting for your consent', ['selfie_complete']],
  ];
  const OUTCOMES = {
    succeeded: ['Verified', () => 'Your identity has been verified.'],
    failed: ['Verification failed', (s) => `${reasonOf(s.failure_code)} You have 0 attempts remaining.`],
    expired: ['Verification expired', () => 'This verification session has expired for security reasons. Please restart the verification process.'],
    cancelled: ['Verification cancelled', () => 'This verification was cancelled.'],
  };

  /** Builds an element; `true` sets a boolean attribute, false/null leave it out. */
  const h = (tag, attrs = {}, ...children) => {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === true) el.setAttribute(name, '');
      else if (value !== false && value != null) el.setAttribute(name, String(value));
    }
    el.append(...children);
    return el;
  };
  const reasonOf = (code) => reasonMessages[code] || 'The verification could not be completed.';
  const formatTime = (iso) =>
    h('time', { datetime: iso }, new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)));
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

  // --- cancel token: moved from the address bar into sessionStorage (§8 Cancel) ---
  const TOKEN_KEY = `passline.cancel_token.${sessionId}`;
  let cancelToken = (() => {
    const url = new URL(location.href);
    const fromUrl = url.searchParams.get('cancel_token');
    if (url.searchParams.has('cancel_token')) {
      url.searchParams.delete('cancel_token');
      history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    }
    try {
      if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
      return sessionStorage.getItem(TOKEN_KEY) || fromUrl || null;
    } catch {
      return fromUrl || null; // storage disabled: keep it for this page view only
    }
  })();
  const forgetCancelToken = () => {
    cancelToken = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled */
    }
  };

  // --- layout ---
  const banner = h('p', { class: 'banner', hidden: true },
    h('strong', {}, 'Test mode. '), 'This verification is simulated: it cannot be completed with the app.');
  const heading = h('h1', { tabindex: '-1' }, 'Verify your identity');
  const intro = h('p', { class: 'intro' });
  const claims = h('ul', { class: 'claims' });
  const expiry = h('p', { class: 'muted' });
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const steps = h('ol', { class: 'steps', hidden: true }, ...STEPS.map(([label]) => h('li', {}, label)));
  const qr = h('div', { class: 'qr' });
  const openApp = h('a', { class: 'button', href: '#' }, 'Open the app');
  const handoffBox = h('section', { class: 'handoff', 'aria-labelledby': 'handoff-title', hidden: true },
    h('h2', { id: 'handoff-title' }, 'Continue on your phone'),
    h('p', {}, 'Scan this QR code with your phone’s camera to continue in the Kayle ID app. Already on your phone? Open the app instead.'),
    qr, openApp, h('p', { class: 'muted' }, 'The code renews itself when it expires.'));
  const alert = h('p', { class: 'alert', role: 'alert', tabindex: '-1' });
  const cancelButton = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel verification');
  const confirmYes = h('button', { type: 'button', class: 'danger' }, 'Yes, cancel verification');
  const confirmNo = h('button', { type: 'button', class: 'secondary' }, 'Keep verifying');
  const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h('h2', { id: 'confirm-title' }, 'Cancel this verification?'),
    h('p', { id: 'confirm-text' }, 'The verification ends and this link stops working. This cannot be undone.'),
    h('div', { class: 'actions' }, confirmYes, confirmNo));
  const flow = h('div', {}, banner, heading, intro,
    h('section', { 'aria-labelledby': 'claims-title' }, h('h2', { id: 'claims-title' }, 'Requested details'), claims),
    expiry, status, steps, handoffBox, alert, cancelButton, dialog);
  const resultTitle = h('h1', { tabindex: '-1' });
  const resultText = h('p');
  const resultNext = h('p', { class: 'muted' });
  const result = h('section', { class: 'result', hidden: true }, resultTitle, resultText, resultNext); // announced by moving focus to its heading
  app.replaceChildren(flow, result);

  // --- rendering ---
  let detailsShown = false;
  let finished = false;
  let lastStatusText = '';
  let failureNotice = null; // the last failed attempt seen, kept until the next one starts

  const setStatus = (text) => {
    if (text !== lastStatusText) status.textContent = lastStatusText = text; // no re-announcement when unchanged
  };
  /** `kind` "network" marks a transient problem that the next good poll clears. */
  const showAlert = (text, kind = '') => {
    alert.textContent = text;
    alert.dataset.kind = kind;
  };

  function renderDetails(s) {
    intro.replaceChildren(h('strong', {}, s.organization_name), ' asks you to verify your identity with the Kayle ID app and to share these details:');
    claims.replaceChildren(...s.requested_fields.map((f) =>
      h('li', {},
        h('span', { class: 'claim' }, f.label),
        ' ',
        h('span', { class: f.required ? 'tag required' : 'tag' }, f.required ? 'Required' : 'Optional'),
        h('p', { class: 'reason' }, f.reason))));
    expiry.replaceChildren('This verification link expires on ', formatTime(s.expires_at), '.');
    banner.hidden = s.livemode;
    detailsShown = true;
  }

  function render(s) {
    if (s.is_terminal) return showResult(s);
    if (!detailsShown) renderDetails(s);
    cancelButton.hidden = !cancelToken;
    if (!s.livemode) {
      setStatus('Waiting for the simulated outcome of this test verification.');
      return;
    }
    if (s.status === 'in_progress') {
      hideHandoff();
      failureNotice = null;
      const phase = s.latest_attempt && s.latest_attempt.phase;
      const index = Math.max(0, STEPS.findIndex(([, phases]) => phases.includes(phase)));
      [...steps.children].forEach((li, i) => {
        li.className = i < index ? 'done' : i === index ? 'current' : '';
        if (i === index) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      });
      steps.hidden = false;
      setStatus(`${STEPS[index][0]}…`);
      return;
    }
    steps.hidden = true;
    const latest = s.latest_attempt;
    if (latest && latest.status === 'failed' && reasonMessages[latest.failure_code]) failureNotice = latest;
    const left = `You have ${plural(s.attempts_remaining, 'attempt')} remaining.`;
    setStatus(failureNotice
      ? `That attempt did not succeed. ${reasonOf(failureNotice.failure_code)} ${left}`
      : `Waiting for your phone.${s.attempts_remaining < 3 ? ` ${left}` : ''}`);
    return updateHandoff(s);
  }

  function showResult(s) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    const [title, text] = OUTCOMES[s.status] || ['Verification ended', () => ''];
    resultTitle.textContent = title;
    resultText.textContent = text(s);
    const target = redirectTarget(s);
    if (target) {
      resultNext.replaceChildren(`Returning you to ${new URL(target).host} in 3 seconds. `, h('a', { href: target }, 'Continue now'));
      setTimeout(() => location.assign(target), REDIRECT_MS);
    } else {
      resultNext.textContent = 'You can close this page.';
    }
    if (dialog.open) dialog.close();
    flow.hidden = true;
    result.hidden = false;
    resultTitle.focus();
  }

  function showUnavailable(message) {
    finished = true;
    clearTimeout(timer);
    resultTitle.textContent = 'Verification link not available';
    resultText.textContent = message;
    resultNext.textContent = '';
    flow.hidden = true;
    result.hidden = false;
    resultTitle.focus();
  }

  /** redirect_url with session_id and status appended; its own query and fragment kept (§8). */
  function redirectTarget(s) {
    if (!s.redirect_url) return null;
    let url;
    try {
      url = new URL(s.redirect_url);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    const extra = `session_id=${encodeURIComponent(s.session_id)}&status=${encodeURIComponent(s.status)}`;
    url.search = url.search ? `${url.search}&${extra}` : `?${extra}`;
    return url.href;
  }

  // --- handoff and QR code ---
  let handoff = null; // { attemptId, expiresAt, receivedAt }

  /**
   * Expired by this device's clock, or by the time elapsed since it arrived (a clock that is
   * behind). Never sooner than the server's 60 s reuse window, in which asking again only
   * returns the same token: a clock that is ahead cannot make the page ask on every poll.
   */
  const handoffExpired = () => {
    const age = performance.now() - handoff.receivedAt;
    return age >= REUSE_WINDOW_MS && (Date.now() >= handoff.expiresAt || age >= TOKEN_TTL_MS);
  };

  const hideHandoff = () => {
    handoff = null;
    handoffBox.hidden = true;
  };

  async function updateHandoff(s) {
    const latest = s.latest_attempt;
    const stillValid = handoff && latest && latest.id === handoff.attemptId && latest.status === 'in_progress' && !handoffExpired();
    if (stillValid) return;
    const res = await fetch(`${api}/handoff`, { method: 'POST', cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (!res.ok || !body || !body.data) {
      hideHandoff();
      // 409/410: the phone connected or the session ended meanwhile; the next poll shows it.
      if (res.status !== 409 && res.status !== 410) {
        showAlert((body && body.error && body.error.message) || 'Something went wrong. Retrying…', 'network');
      }
      return;
    }
    const data = body.data;
    // What the Kayle iOS app's QR parser reads (§6.3): the scheme, then the percent-encoded JSON.
    const link = `kayle-id://${encodeURIComponent(JSON.stringify(data))}`;
    const svgRes = await fetch(qrUrl, {
      method: 'POST',
      cache: 'no-store',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deep_link: link }),
    });
    if (!svgRes.ok) throw new Error(`QR code: HTTP ${svgRes.status}`);
    const svg = new DOMParser().parseFromString(await svgRes.text(), 'image/svg+xml').documentElement;
    if (svg.nodeName !== 'svg') throw new Error('QR code: not an SVG document');
    qr.replaceChildren(document.importNode(svg, true));
    openApp.href = link;
    handoff = { attemptId: data.attempt_id, expiresAt: Date.parse(data.expires_at), receivedAt: performance.now() };
    handoffBox.hidden = false;
  }

  // --- status polling, only while the tab is visible (§8 Live status) ---
  let timer = 0;
  let polling = false;

  async function refresh() {
    let res;
    let body;
    try {
      res = await fetch(`${api}/status`, { cache: 'no-store' });
      body = await res.json();
    } catch {
      showAlert('We cannot reach the server right now. Retrying…', 'network');
      return;
    }
    if (res.ok && body && body.data) {
      if (alert.dataset.kind === 'network') showAlert('');
      try {
        await render(body.data);
      } catch {
        showAlert('We cannot reach the server right now. Retrying…', 'network');
      }
      return;
    }
    const message = body && body.error && body.error.message;
    if (res.status === 400 || res.status === 404) return showUnavailable(message || 'This verification is not available.');
    showAlert(message || 'Something went wrong. Retrying…', 'network');
  }

  async function poll() {
    if (polling || finished) return;
    polling = true;
    try {
      await refresh();
    } finally {
      polling = false;
      clearTimeout(timer);
      if (!finished && document.visibilityState === 'visible') timer = setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener('visibilitychange', () => {
    clearTimeout(timer);
    if (document.visibilityState === 'visible') void poll();
  });

  // --- cancel, after a confirmation (§8 Cancel) ---
  cancelButton.addEventListener('click', () => {
    dialog.showModal();
    confirmNo.focus();
  });
  confirmNo.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (!finished && !cancelButton.hidden) cancelButton.focus();
  });
  confirmYes.addEventListener('click', async () => {
    confirmYes.disabled = confirmNo.disabled = true;
    let res;
    try {
      res = await fetch(`${api}/cancel`, {
        method: 'POST',
        cache: 'no-store',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cancel_token: cancelToken }),
      });
    } catch {
      res = null;
    }
    confirmYes.disabled = confirmNo.disabled = false;
    if (res && res.status === 204) {
      forgetCancelToken();
      await refresh(); // shows the outcome: cancelled, or whatever final state came first
      if (!finished) showResult({ session_id: sessionId, status: 'cancelled', redirect_url: null });
      return;
    }
    const body = res && (await res.json().catch(() => null));
    if (res && (res.status === 403 || res.status === 409)) {
      forgetCancelToken();
      cancelButton.hidden = true;
    }
    dialog.close();
    showAlert((body && body.error && body.error.message) || 'The verification could not be cancelled. Please try again.');
    if (cancelButton.hidden) alert.focus(); // the button it replaces is gone: keep focus where the user was
  });

  void poll();
})();
