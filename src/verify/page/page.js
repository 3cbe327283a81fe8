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
  const copy = JSON.parse(document.getElementById('page-copy').textContent || '{}');
  const appName = copy.app_name || 'Kayle ID';
  const STEPS = [
    ['Phone connected', ['mobile_connected']],
    ['Scanning passport', ['mrz_scanning', 'mrz_complete']],
    ['Reading chip', ['nfc_reading', 'nfc_complete']],
    ['Taking selfie', ['selfie_capturing']],
    ['Waiting for your consent', ['selfie_complete']],
  ];
  const OUTCOMES = {
    succeeded: ['Verified', () => 'Your identity has been verified.'],
    failed: ['Verification failed', (s) => `${firstSentence(reasonOf(s.failure_code))} No attempts are left for this verification: to try again, start over from where you began.`],
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
  const firstSentence = (text) => text.replace(/^(.*?\.)\s.*$/, '$1');
  const named = (s) => Boolean(s.organization_name) && s.organization_name !== copy.unnamed_organization;
  /**
   * The business's own reason, or, for the automatic `Sharing "<label>"` one (§3.6.3), a
   * sentence that says what the claim is to a person.
   */
  const reasonFor = (field, s) => {
    if (field.reason !== `Sharing "${field.label}"`) return field.reason;
    const age = /^age_over_(\d+)$/.exec(field.key);
    const sentence = age ? (copy.age_gate_reason || '').replace('{n}', age[1]) : (copy.default_reasons || {})[field.key];
    return sentence ? sentence.replace('{org}', named(s) ? s.organization_name : 'the organization asking you') : field.reason;
  };
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
  const getApp = h('p', { class: 'muted' }, `Don’t have the ${appName} app yet? `,
    h('a', { href: copy.app_url || 'https://kayle.id', rel: 'noopener' }, `Get ${appName}`), '.');
  const handoffHelp = h('p');
  const renews = h('p', { class: 'muted' }, 'The code renews itself when it expires.');
  const handoffBox = h('section', { class: 'handoff', 'aria-labelledby': 'handoff-title', hidden: true },
    h('h2', { id: 'handoff-title' }, 'Continue on your phone'), handoffHelp, openApp, qr, getApp, renews);
  // A phone user needs the app link first, and a small code for another phone; a desktop
  // user needs the code first. The document order follows, so focus order matches the view.
  const phoneLayout = window.matchMedia('(max-width: 600px), (pointer: coarse)');
  const layoutHandoff = () => {
    const phone = phoneLayout.matches;
    handoffBox.classList.toggle('phone', phone);
    handoffHelp.textContent = phone
      ? `Open the ${appName} app on this phone to continue. On another phone, scan the code below.`
      : `Scan this QR code with your phone’s camera to continue in the ${appName} app. Already on your phone? Open the app instead.`;
    if (phone) handoffBox.insertBefore(openApp, qr);
    else handoffBox.insertBefore(qr, openApp);
  };
  layoutHandoff();
  phoneLayout.addEventListener('change', layoutHandoff);
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

  /** `tone` "failure" sets the status apart from the neutral waiting and progress messages. */
  const setStatus = (text, tone = '') => {
    if (text !== lastStatusText) status.textContent = lastStatusText = text; // no re-announcement when unchanged
    status.classList.toggle('failure', tone === 'failure');
  };
  /** `kind` "network" marks a transient problem that the next good poll clears. */
  const showAlert = (text, kind = '') => {
    alert.textContent = text;
    alert.dataset.kind = kind;
  };

  function renderDetails(s) {
    const ask = ` to verify your identity with the ${appName} app and to share these details:`;
    if (named(s)) intro.replaceChildren(h('strong', {}, s.organization_name), ` asks you${ask}`);
    else intro.replaceChildren(`You are asked${ask}`);
    claims.replaceChildren(...s.requested_fields.map((f) =>
      h('li', {},
        h('span', { class: 'claim' }, f.label),
        ' ',
        h('span', { class: f.required ? 'tag required' : 'tag' }, f.required ? 'Required' : 'Optional'),
        h('p', { class: 'reason' }, reasonFor(f, s)))));
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
    if (failureNotice) setStatus(`That attempt did not succeed. ${reasonOf(failureNotice.failure_code)} ${left}`, 'failure');
    else setStatus(`Waiting for your phone.${s.attempts_remaining < 3 ? ` ${left}` : ''}`);
    return updateHandoff(s);
  }

  function showResult(s) {
    if (finished) return;
    finished = true;
    stopLive();
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
    stopLive();
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

  // --- live status (§8 Live status): pushed by Server-Sent Events, polled as the fallback ---
  let timer = 0;
  let polling = false;
  let live = false; // the event stream is connected: no polling needed
  let stream = null;
  function stopLive() {
    clearTimeout(timer);
    if (stream) stream.close();
    stream = null;
    live = false;
  }
  let lastStatus = null;
  let rendering = Promise.resolve();

  /** Renders statuses one at a time, so two quick updates never ask for two handoffs. */
  const apply = (data) => {
    lastStatus = data;
    rendering = rendering.then(async () => {
      if (finished || data !== lastStatus) return; // a newer status is queued behind this one
      if (alert.dataset.kind === 'network') showAlert('');
      try {
        await render(data);
      } catch {
        showAlert('We cannot reach the server right now. Retrying…', 'network');
      }
    });
    return rendering;
  };

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
    if (res.ok && body && body.data) return apply(body.data);
    const message = body && body.error && body.error.message;
    if (res.status === 400 || res.status === 404) return showUnavailable(message || 'This verification is not available.');
    showAlert(message || 'Something went wrong. Retrying…', 'network');
  }

  /**
   * While the stream is connected nothing is polled, but the last status is rendered again
   * now and then: a handoff token expires with no change on the server to announce it.
   */
  function schedule() {
    clearTimeout(timer);
    if (finished || document.visibilityState !== 'visible') return;
    timer = setTimeout(() => {
      if (!live) return void poll();
      if (lastStatus) void apply(lastStatus);
      schedule();
    }, POLL_MS);
  }

  async function poll() {
    if (polling || finished) return;
    polling = true;
    try {
      await refresh();
    } finally {
      polling = false;
      schedule();
    }
  }

  /** The first status comes from a plain request; a stream that never connects changes nothing. */
  function listen() {
    void poll();
    if (!('EventSource' in window)) return;
    const events = (stream = new EventSource(`${api}/status`));
    events.addEventListener('status', (event) => {
      live = true;
      const body = JSON.parse(event.data);
      if (body && body.data) void apply(body.data);
    });
    events.addEventListener('open', () => {
      live = true;
      schedule();
    });
    // A lost stream reconnects by itself; until it does (or when it cannot, e.g. a 404), poll.
    events.addEventListener('error', () => {
      live = false;
      if (finished) events.close();
      else void poll();
    });
  }

  document.addEventListener('visibilitychange', () => {
    clearTimeout(timer);
    if (document.visibilityState !== 'visible') return;
    if (live) schedule();
    else void poll();
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

  listen();
})();
