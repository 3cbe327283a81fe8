import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Attempt } from '../dist/src/sessions/attempts/entities/attempt.entity.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  attemptRows,
  clock,
  consumeHandoff,
  database,
  createSession,
  failAttempt,
  PUBLIC_MESSAGES,
  UNKNOWN_SESSION_ID,
  type CreatedSession,
} from './helpers/verify.js';

/**
 * The hosted verification page (§8): its HTTP surface always, and the page itself in a real
 * headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser
 * download). Screenshots of each state go to test-artifacts/verify-page/.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'verify-page');
const SHARE_FIELDS = {
  age_over_18: { required: true, reason: 'We only sell to adults.' },
  nationality_code: { required: false, reason: 'Shipping restrictions depend on it.' },
};
const CSP = "frame-ancestors 'none'";
// The app is the operator's to name (VERIFY_APP_NAME, VERIFY_APP_URL): a self-hosted page
// must not send people to an app the operator does not use.
const APP_NAME = 'Passport Pal';
const APP_URL = 'https://passportpal.example/get';
const KAYLE_DOCUMENT_ID_SENTENCE = (org: string) =>
  `A private identifier for this passport, so ${org} can recognize you next time without learning your passport number.`;
const SIZES = [
  ['desktop', { width: 1280, height: 1071 }],
  ['phone', { width: 390, height: 844 }],
] as const;

/** A free loopback port, so PUBLIC_BASE_URL (and so verification_url) can name it before boot. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let t: TestApp;
let base: string;
let live: CreatedKey;
let test: CreatedKey;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await createTestApp({ PUBLIC_BASE_URL: base, VERIFY_APP_NAME: APP_NAME, VERIFY_APP_URL: APP_URL });
  await t.app.listen(port, '127.0.0.1');
  expect((t.app.getHttpServer().address() as AddressInfo).port).toBe(port);
  const org = await t.createOrg('Northwind Traders');
  live = await t.createKey(org.id, { livemode: true });
  test = await t.createKey(org.id, { livemode: false });
});
afterAll(async () => t.close());

describe('Hosted page over HTTP (§8)', () => {
  const expectPageHeaders = (headers: Record<string, string>) => {
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toContain(CSP);
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("img-src 'self' data:");
  };

  it('serves the page of an existing session, live or test, with the security headers', async () => {
    for (const key of [live, test]) {
      const s = await createSession(t, key);
      const res = await t.http().get(`/verify/${s.id}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expectPageHeaders(res.headers);
      expect(res.text).toContain(`data-session-id="${s.id}"`);
      expect(res.text).toContain('<script src="assets/page.js" defer></script>');
    }
  });

  it.each([
    ['an unknown id', UNKNOWN_SESSION_ID, PUBLIC_MESSAGES.SESSION_NOT_FOUND],
    ['an invalid id', 'not-a-session', PUBLIC_MESSAGES.INVALID_SESSION_ID],
  ])('answers %s with 404 and the §6.2 message as HTML', async (_name, id, message) => {
    const res = await t.http().get(`/verify/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectPageHeaders(res.headers);
    expect(res.text).toContain(message);
    expect(res.text).toContain('data-session-id=""');
  });

  it.each([
    ['page.js', 'text/javascript; charset=utf-8'],
    ['page.css', 'text/css; charset=utf-8'],
  ])('serves assets/%s as %s', async (file, type) => {
    const res = await t.http().get(`/verify/assets/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expectPageHeaders(res.headers);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(500);
  });

  it('answers an unknown asset with the ordinary 404', async () => {
    const res = await t.http().get('/verify/assets/other.js');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('renders the QR code of a real deep link of that session only', async () => {
    const s = await createSession(t, live);
    const handoff = (await t.http().post(`/v1/verify/session/${s.id}/handoff`)).body.data;
    const link = `kayle-id://${encodeURIComponent(JSON.stringify(handoff))}`;
    const ok = await t
      .http()
      .post(`/verify/${s.id}/qr`)
      .send({ deep_link: link })
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expectPageHeaders(ok.headers);
    expect(ok.body).toMatch(/^<svg role="img" aria-label="QR code[^"]*" focusable="false" xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    const other = await createSession(t, live);
    const bad = [
      { deep_link: 'https://example.com' },
      { deep_link: link, extra: 1 },
      { deep_link: `kayle-id://verify?payload=${Buffer.from(JSON.stringify(handoff)).toString('base64url')}` },
      { deep_link: `${link}%` },
      {},
    ];
    for (const body of bad) {
      const res = await t.http().post(`/verify/${s.id}/qr`).send(body);
      expect({ status: res.status, code: res.body.error?.code, param: res.body.error?.param }).toEqual({
        status: 400,
        code: 'BAD_REQUEST',
        param: 'deep_link',
      });
    }
    const foreign = await t.http().post(`/verify/${other.id}/qr`).send({ deep_link: link });
    expect(foreign.status).toBe(400);
    const invalid = await t.http().post('/verify/nope/qr').send({ deep_link: link });
    expect(invalid.body.error.code).toBe('INVALID_SESSION_ID');
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await t.http().get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/verify'))).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/verify/session/{id}/handoff', '/v1/verify/session/{id}/status', '/v1/verify/session/{id}/cancel']),
    );
  });
});

const haveChromium = existsSync(CHROMIUM);
const runBrowser = haveChromium || Boolean(process.env.CI);
if (!runBrowser) {
  console.warn(`Skipping the hosted-page browser tests: ${CHROMIUM} is missing (install it with: apt-get install -y chromium). In CI they run.`);
}

(runBrowser ? describe : describe.skip)('Hosted page in Chromium (§8)', () => {
  let context: BrowserContext;
  const profiles: string[] = [];
  let redirectServer: Server;
  let returnBase: string;
  const returned: IncomingMessage[] = [];
  const pageProblems: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium".`);
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await openContext();
    redirectServer = createServer((req, res) => {
      returned.push(req);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Shop</title><h1>Back at the shop</h1>');
    });
    await new Promise<void>((resolve) => redirectServer.listen(0, '127.0.0.1', resolve));
    returnBase = `http://127.0.0.1:${(redirectServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (redirectServer ? redirectServer.close(() => resolve()) : resolve()));
    for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
  });

  /** Debian's Chromium with a fresh profile. */
  const openContext = async (): Promise<BrowserContext> => {
    const profile = mkdtempSync(join(tmpdir(), 'passline-chromium-'));
    profiles.push(profile);
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 375, height: 812 },
    });
  };
  /** Polls `probe` until it returns a value (not null), for at most `timeoutMs`. */
  const waitFor = async <T>(probe: () => Promise<T | null>, timeoutMs = 8000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error('waitFor: timed out');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  let page: Page;
  beforeEach(async () => {
    pageProblems.length = 0;
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (process.env.PAGE_DEBUG) console.log(`[page] ${message.type()}: ${message.text()}`);
      // Chromium logs every 4xx answer as "Failed to load resource"; those are expected here.
      // Anything else, CSP violations above all, is a problem.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        pageProblems.push(`console: ${message.text()}`);
      }
    });
  });
  afterEach(async () => {
    await page.close();
  });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** The handoff data inside the page's "Open the app" deep link. */
  const linkData = async (): Promise<Record<string, unknown>> => {
    const href = (await page.getByRole('link', { name: 'Open the app' }).getAttribute('href')) ?? '';
    // Read as the Kayle iOS app's QR parser reads it (QRCodePayload.parse): scheme off, percent-decode, JSON.
    expect(href).toMatch(/^kayle-id:\/\/%7B[A-Za-z0-9\-_.!~*'()%]+$/);
    return JSON.parse(decodeURIComponent(href.slice('kayle-id://'.length)));
  };

  it('shows a live session: organization, claims, expiry, QR code and app link; hides the cancel token', async () => {
    const s = await createSession(t, live, { share_fields: SHARE_FIELDS });
    await page.setViewportSize({ width: 1024, height: 900 });
    const res = await page.goto(s.verification_url);
    expect(res?.status()).toBe(200);

    await page.locator('.qr svg').waitFor();
    await expect(page.getByText('Northwind Traders', { exact: true }).isVisible()).resolves.toBe(true);
    const claims = await page.locator('.claims li').allInnerTexts();
    expect(claims.map((c) => c.replace(/\s+/g, ' ').trim())).toEqual([
      'Age Over 18 Required We only sell to adults.',
      `Kayle Document ID Required ${KAYLE_DOCUMENT_ID_SENTENCE('Northwind Traders')}`,
      'Nationality Code Optional Shipping restrictions depend on it.',
    ]);
    expect(await page.locator('time').getAttribute('datetime')).toBe(s.expires_at);
    expect(await page.locator('.qr svg').getAttribute('role')).toBe('img');
    expect(await page.locator('.banner').isVisible()).toBe(false);

    // The deep link carries exactly the handoff of the newest attempt.
    const payload = await linkData();
    const [attempt] = await attemptRows(t, s.id);
    expect(payload).toMatchObject({ v: 1, session_id: s.id, attempt_id: attempt.id, websocket_url: `ws://127.0.0.1:${new URL(base).port}/v1/verify/session/${s.id}` });

    // The cancel token left the address bar for sessionStorage.
    expect(page.url()).toBe(`${base}/verify/${s.id}`);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([s.cancel_token]);
    await expect(page.getByRole('button', { name: 'Cancel verification' }).isVisible()).resolves.toBe(true);
    await shot('01-live-handoff-desktop');
    await page.setViewportSize({ width: 375, height: 812 });
    await shot('02-live-handoff-375px');
    expect(pageProblems).toEqual([]);
  });

  it('cancels after an accessible confirmation: 204 on the wire, then the cancelled screen', async () => {
    const s = await createSession(t, live, { share_fields: SHARE_FIELDS });
    await page.goto(s.verification_url);
    await page.locator('.qr svg').waitFor();
    await page.getByRole('button', { name: 'Cancel verification' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this verification?' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep verifying');
    await shot('03-cancel-confirm');

    // "Keep verifying" closes the dialog and cancels nothing.
    await page.getByRole('button', { name: 'Keep verifying' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Cancel verification' }).click();

    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/v1/verify/session/${s.id}/cancel`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Yes, cancel verification' }).click(),
    ]);
    expect(response.status()).toBe(204);
    await page.getByRole('heading', { name: 'Verification cancelled', exact: true }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Verification cancelled');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('04-cancelled');

    // A terminal session shows its outcome and no Cancel button, even with a token in the URL.
    const again = await context.newPage();
    try {
      const other = await createSession(t, live);
      expect((await t.http().post(`/v1/verify/session/${other.id}/cancel`).send({ cancel_token: other.cancel_token })).status).toBe(204);
      await again.goto(other.verification_url);
      await again.getByRole('heading', { name: 'Verification cancelled', exact: true }).waitFor();
      expect(await again.getByRole('button', { name: 'Cancel verification' }).count()).toBe(0);
    } finally {
      await again.close();
    }
    expect(pageProblems).toEqual([]);
  });

  it('shows the §6.2 message when the cancel token is wrong (403)', async () => {
    const s = await createSession(t, live);
    await page.goto(`${s.verification_url.split('?')[0]}?cancel_token=${'x'.repeat(64)}`);
    await page.locator('.qr svg').waitFor();
    await page.getByRole('button', { name: 'Cancel verification' }).click();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cancel')),
      page.getByRole('button', { name: 'Yes, cancel verification' }).click(),
    ]);
    expect(response.status()).toBe(403);
    await page.getByRole('alert').filter({ hasText: PUBLIC_MESSAGES.CANCEL_TOKEN_INVALID }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel verification' }).isVisible()).toBe(false);
    await shot('05-cancel-token-invalid');
    expect(pageProblems).toEqual([]);
  });

  it('shows the §6.2 message when the token was used meanwhile in another tab (409)', async () => {
    const s = await createSession(t, live);
    // The event stream never connects, and once the page is shown its polls stall too: the
    // page still shows the session as open.
    const stream = (r: { headers(): Record<string, string> }) => (r.headers()['accept'] ?? '').includes('text/event-stream');
    await page.route('**/status', (route) => (stream(route.request()) ? undefined : route.continue()));
    await page.goto(s.verification_url);
    await page.locator('.qr svg').waitFor();
    await page.route('**/status', () => undefined);
    expect((await t.http().post(`/v1/verify/session/${s.id}/cancel`).send({ cancel_token: s.cancel_token })).status).toBe(204);
    await page.getByRole('button', { name: 'Cancel verification' }).click();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cancel')),
      page.getByRole('button', { name: 'Yes, cancel verification' }).click(),
    ]);
    expect(response.status()).toBe(409);
    await page.getByRole('alert').filter({ hasText: PUBLIC_MESSAGES.CANCEL_TOKEN_CONSUMED }).waitFor();
    await shot('06-cancel-token-consumed');
    expect(pageProblems).toEqual([]);
  });

  it('follows a live attempt: phone connected, reading chip, then a failure with a new QR code', async () => {
    const s = await createSession(t, live, { share_fields: SHARE_FIELDS });
    await page.goto(s.verification_url);
    await page.locator('.qr svg').waitFor();
    const [first] = await attemptRows(t, s.id);

    await consumeHandoff(t, s.id, first.id, 'nfc_reading');
    await page.getByRole('status').filter({ hasText: 'Reading chip' }).waitFor({ timeout: 5000 });
    expect(await page.locator('.handoff').isVisible()).toBe(false);
    expect(await page.locator('.steps [aria-current="step"]').innerText()).toBe('Reading chip');
    await shot('07-reading-chip');

    await failAttempt(t, s.id, first.id, 'selfie_face_mismatch');
    await page
      .getByRole('status')
      .filter({ hasText: 'Selfie evidence did not match the passport photo. Please retry with a new verification attempt.' })
      .waitFor({ timeout: 5000 });
    await page.getByRole('status').filter({ hasText: 'You have 2 attempts remaining.' }).waitFor();
    await page.locator('.qr svg').waitFor();
    const rows = await attemptRows(t, s.id);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'in_progress']);
    expect((await linkData()).attempt_id).toBe(rows[1].id);
    await shot('08-failed-attempt-new-qr');
    expect(pageProblems).toEqual([]);
  });

  it('asks for a new handoff when the token expires', async () => {
    const s = await createSession(t, live);
    // The fake clock belongs to a whole browser context: give it one of its own.
    const own = await openContext();
    try {
      const tab = await own.newPage();
      await tab.clock.install();
      await tab.goto(s.verification_url);
      await tab.locator('.qr svg').waitFor();
      const [first] = await attemptRows(t, s.id);
      clock(t).advance(301_000);
      await tab.clock.fastForward(301_000);
      const rows = await waitFor(async () => {
        const all = await attemptRows(t, s.id);
        return all.length === 2 ? all : null;
      });
      expect(rows.map((r) => [r.id === first.id, r.status])).toEqual([
        [true, 'cancelled'],
        [false, 'in_progress'],
      ]);
      page = tab;
      await waitFor(async () => ((await linkData()).attempt_id === rows[1].id ? true : null));
      await shot('09-new-handoff-after-expiry');
    } finally {
      await own.close();
    }
    expect(pageProblems).toEqual([]);
  });

  it('shows a test session with a banner and no handoff, then redirects after the outcome', async () => {
    const redirect = `${returnBase}/return?cart=42&note=a%20b#summary`;
    const s: CreatedSession = await createSession(t, test, { share_fields: SHARE_FIELDS, redirect_url: redirect });
    await page.goto(s.verification_url);
    await page.locator('.banner').waitFor();
    expect(await page.locator('.banner').innerText()).toContain('Test mode');
    await page.getByRole('status').filter({ hasText: 'simulated' }).waitFor();
    expect(await page.locator('.handoff').isVisible()).toBe(false);
    expect(await attemptRows(t, s.id)).toHaveLength(0);
    await shot('10-test-mode');

    const started = Date.now();
    const done = await t.http().post(`/v1/test_helpers/sessions/${s.id}/succeed`).set(bearer(test));
    expect(done.status).toBe(200);
    await page.getByRole('heading', { name: 'Verified', exact: true }).waitFor({ timeout: 4000 });
    await shot('11-verified-before-redirect');
    await page.waitForURL((url) => url.href.startsWith(`${returnBase}/return`), { timeout: 6000 });
    expect(Date.now() - started).toBeLessThan(6500);
    expect(page.url()).toBe(`${returnBase}/return?cart=42&note=a%20b&session_id=${s.id}&status=succeeded#summary`);
    expect(returned.map((r) => r.url)).toContain(`/return?cart=42&note=a%20b&session_id=${s.id}&status=succeeded`);
    await page.getByRole('heading', { name: 'Back at the shop' }).waitFor();
    expect(pageProblems).toEqual([]);
  });

  it('shows the failed and expired outcomes, without redirect_url a final page', async () => {
    const failed = await createSession(t, test);
    for (let i = 0; i < 3; i++) {
      const res = await t.http().post(`/v1/test_helpers/sessions/${failed.id}/fail`).set(bearer(test)).send({ failure_code: 'selfie_face_mismatch' });
      expect(res.status).toBe(200);
    }
    await page.goto(failed.verification_url);
    await page.getByRole('heading', { name: 'Verification failed', exact: true }).waitFor();
    await page.getByText('Selfie evidence did not match the passport photo.', { exact: false }).waitFor();
    expect(await page.getByText('You can close this page.').isVisible()).toBe(true);
    expect(page.url()).toBe(`${base}/verify/${failed.id}`);
    await shot('12-failed');

    const expiring = await createSession(t, live, { expires_in: 300 });
    clock(t).advance(300_000);
    await page.goto(expiring.verification_url);
    await page.getByRole('heading', { name: 'Verification expired', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel verification' }).count()).toBe(0);
    await shot('13-expired');
    expect(pageProblems).toEqual([]);
  });

  /** Where an element is drawn, top edge in page pixels. */
  const topOf = async (selector: string) => (await page.locator(selector).boundingBox())?.y ?? NaN;
  const statusTone = () => page.locator('.status').evaluate((el) => ({ failure: el.classList.contains('failure'), background: getComputedStyle(el).backgroundColor }));

  describe.each(SIZES)('speaking to people (%s)', (size, viewport) => {
    beforeEach(async () => page.setViewportSize(viewport));

    it('names the app from the configuration, says what the automatic claim is, and puts first what this screen needs', async () => {
      const s = await createSession(t, live, { share_fields: SHARE_FIELDS });
      await page.goto(s.verification_url);
      await page.locator('.qr svg').waitFor();
      expect((await page.locator('.intro').innerText()).trim()).toBe(
        `Northwind Traders asks you to verify your identity with the ${APP_NAME} app and to share these details:`,
      );
      const reasons = await page.locator('.claims .reason').allInnerTexts();
      expect(reasons).toEqual(['We only sell to adults.', KAYLE_DOCUMENT_ID_SENTENCE('Northwind Traders'), 'Shipping restrictions depend on it.']);
      expect(await page.locator('body').innerText()).not.toContain('Kayle ID app');
      expect(await page.getByRole('link', { name: `Get ${APP_NAME}` }).getAttribute('href')).toBe(APP_URL);
      expect(await page.locator('.qr svg').getAttribute('aria-label')).toContain(`${APP_NAME} app`);

      const [appLink, code] = [await topOf('.handoff .button'), await topOf('.qr')];
      if (size === 'phone') {
        expect(appLink).toBeLessThan(code);
        expect(await page.locator('.handoff p').first().innerText()).toContain(`Open the ${APP_NAME} app on this phone`);
        // The app link is the first thing to reach by keyboard in the handoff box, as it is by eye.
        expect(await page.locator('.handoff a').first().innerText()).toBe('Open the app');
      } else {
        expect(code).toBeLessThan(appLink);
        expect(await page.locator('.handoff p').first().innerText()).toContain('Scan this QR code');
      }
      await shot(`20-${size}-handoff`);
      expect(pageProblems).toEqual([]);
    });

    it('does not pretend an organization that was never named asks', async () => {
      const org = await t.createOrg('Default');
      const key = await t.createKey(org.id, { livemode: true });
      const s = await createSession(t, key);
      await page.goto(s.verification_url);
      await page.locator('.qr svg').waitFor();
      expect((await page.locator('.intro').innerText()).trim()).toBe(
        `You are asked to verify your identity with the ${APP_NAME} app and to share these details:`,
      );
      // Without share_fields every claim is requested with its automatic reason (§3.6.3).
      const reasons = await page.locator('.claims .reason').allInnerTexts();
      expect(reasons).toHaveLength(13);
      expect(reasons).toContain(KAYLE_DOCUMENT_ID_SENTENCE('the organization asking you'));
      expect(reasons).toContain('Your date of birth, as printed in your passport.');
      expect(reasons.filter((r) => r.startsWith('Sharing "'))).toEqual([]);
      await shot(`21-${size}-unnamed-organization`);
      expect(pageProblems).toEqual([]);
    });

    it('shows a failed attempt apart from waiting, and no "0 attempts" on the final failure', async () => {
      const s = await createSession(t, live);
      await page.goto(s.verification_url);
      await page.getByRole('status').filter({ hasText: 'Waiting for your phone.' }).waitFor();
      const waiting = await statusTone();
      expect(waiting.failure).toBe(false);

      for (let i = 0; i < 2; i++) {
        const attempt = (await attemptRows(t, s.id)).find((a) => a.status === 'in_progress')!;
        await consumeHandoff(t, s.id, attempt.id, 'selfie_capturing');
        await page.getByRole('status').filter({ hasText: 'Taking selfie' }).waitFor();
        await failAttempt(t, s.id, attempt.id, 'liveness_failed');
        await page.getByRole('status').filter({ hasText: `You have ${3 - i - 1} attempt${i === 1 ? '' : 's'} remaining.` }).waitFor();
        await page.locator('.qr svg').waitFor();
      }
      const failed = await statusTone();
      expect(failed.failure).toBe(true);
      expect(failed.background).not.toBe(waiting.background);
      await shot(`22-${size}-failed-attempt`);

      const last = (await attemptRows(t, s.id)).find((a) => a.status === 'in_progress')!;
      await consumeHandoff(t, s.id, last.id, 'selfie_capturing');
      await failAttempt(t, s.id, last.id, 'liveness_failed');
      await page.getByRole('heading', { name: 'Verification failed', exact: true }).waitFor();
      const text = await page.locator('.result').innerText();
      expect(text).toContain('The selfie could not be confirmed as live.');
      expect(text).toContain('No attempts are left for this verification');
      expect(text).not.toMatch(/0 attempts|Please retry/);
      await shot(`23-${size}-final-failure`);
      expect(pageProblems).toEqual([]);
    });
  });

  it('shows each status change within 1 s of the change, pushed by the server, not at the next poll', async () => {
    const s = await createSession(t, live);
    const statusRequests: Array<{ at: number; stream: boolean }> = [];
    page.on('request', (r) => {
      if (r.url().endsWith(`/v1/verify/session/${s.id}/status`)) {
        statusRequests.push({ at: Date.now(), stream: (r.headers()['accept'] ?? '').includes('text/event-stream') });
      }
    });
    await page.goto(s.verification_url);
    await page.locator('.qr svg').waitFor();
    const [attempt] = await attemptRows(t, s.id);

    const changes: Array<[string, () => Promise<void>, string]> = [
      ['connected', () => consumeHandoff(t, s.id, attempt.id, 'mobile_connected'), 'Phone connected'],
      ['chip', () => database(t).transaction(async (m) => void (await m.update(Attempt, { id: attempt.id }, { currentPhase: 'nfc_reading' }))), 'Reading chip'],
      ['cancelled', async () => void (await t.http().post(`/v1/verify/session/${s.id}/cancel`).send({ cancel_token: s.cancel_token }).expect(204)), 'Verification cancelled'],
    ];
    const firstChangeAt = Date.now();
    for (const [name, change, shown] of changes) {
      const started = Date.now();
      await change();
      await page.getByText(shown, { exact: false }).first().waitFor({ timeout: 1500 });
      const took = Date.now() - started;
      expect({ name, within1s: took < 1000 }).toEqual({ name, within1s: true });
    }
    // One stream carried it all: after the first read the page never polled the JSON route.
    expect(statusRequests.filter((r) => r.stream)).toHaveLength(1);
    expect(statusRequests.filter((r) => !r.stream && r.at >= firstChangeAt)).toEqual([]);
    expect(pageProblems).toEqual([]);
  });

  it('falls back to polling when the event stream is refused', async () => {
    const s = await createSession(t, live);
    await page.route(`**/v1/verify/session/${s.id}/status`, (route) =>
      (route.request().headers()['accept'] ?? '').includes('text/event-stream') ? route.abort() : route.continue(),
    );
    await page.goto(s.verification_url);
    await page.locator('.qr svg').waitFor();
    const [attempt] = await attemptRows(t, s.id);
    await consumeHandoff(t, s.id, attempt.id, 'mobile_connected');
    await page.getByRole('status').filter({ hasText: 'Phone connected' }).waitFor({ timeout: 5000 });
    expect(pageProblems).toEqual([]);
  });

  it('shows the not-found message with HTTP 404 for an unknown id', async () => {
    const res = await page.goto(`${base}/verify/${UNKNOWN_SESSION_ID}`);
    expect(res?.status()).toBe(404);
    await page.getByText(PUBLIC_MESSAGES.SESSION_NOT_FOUND).waitFor();
    await shot('14-not-found');
    expect(pageProblems).toEqual([]);
  });
});
