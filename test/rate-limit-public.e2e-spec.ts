import type { AddressInfo } from 'node:net';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { testDriver } from './helpers/database.js';
import { clockOf, closeSecondInstance, createSession, getSession, unknownSessionId, type CreatedSession } from './helpers/sessions.js';
import {
  WINDOW_MS,
  alignToNextWindow,
  expectPublicRateLimited,
  expectRateHeaders,
  expectRateLimited,
  requestFrom,
  secondInstanceWith,
  type RawResponse,
} from './rate-limit-helpers.js';

/**
 * The per-client-IP limit of the public verify endpoints (§1.10, §6.2), and limits shared by
 * every instance on one PostgreSQL database.
 */

const PUBLIC_LIMIT = 3;
const READ_LIMIT = 2;
const LIMITS = {
  RATE_LIMIT_PUBLIC_PER_MIN: String(PUBLIC_LIMIT),
  // Status polling has its own bucket (§1.10); the same small limit keeps these tests short.
  RATE_LIMIT_PUBLIC_STATUS_PER_MIN: String(PUBLIC_LIMIT),
  RATE_LIMIT_READ_PER_MIN: String(READ_LIMIT),
  RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0',
  RATE_LIMIT_WRITE_PER_MIN: '0',
};
/** A read that reaches its handler (404) and is not a list. */
const READ_PATH = '/v1/webhooks/events/evt_unknown';

/** Listens on 127.0.0.1 so that other loopback addresses can reach it as other clients. */
async function listenOnLoopback(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
}

describe('Public verify endpoints: limit per client IP (§1.10)', () => {
  let t: TestApp;
  let baseUrl: string;
  let key: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp(LIMITS);
    baseUrl = await listenOnLoopback(t);
    key = await t.createKey((await t.createOrg()).id);
  });
  afterAll(async () => t.close());
  beforeEach(() => alignToNextWindow(t));

  const from = (ip: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<RawResponse> =>
    requestFrom(
      baseUrl,
      ip,
      method,
      path,
      body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body === undefined ? undefined : JSON.stringify(body),
    );
  const status = (ip: string, id: string, headers: Record<string, string> = {}) => from(ip, 'GET', `/v1/verify/session/${id}/status`, headers);

  it('answers 429 RATE_LIMITED in the public shape once an IP has spent its requests on any public route', async () => {
    const session = await createSession(t, key);
    const spent = [
      await from('127.0.0.1', 'POST', '/v1/verify/session/bad/handoff'),
      await from('127.0.0.1', 'GET', `/v1/verify/session/${session.id}`),
      await from('127.0.0.1', 'POST', `/v1/verify/session/${unknownSessionId()}/handoff`),
    ];
    expect(spent.map((r) => r.status)).not.toContain(429);

    for (const res of [
      await from('127.0.0.1', 'POST', `/v1/verify/session/${session.id}/handoff`),
      await from('127.0.0.1', 'GET', `/v1/verify/session/${session.id}`),
      await from('127.0.0.1', 'POST', '/v1/verify/session/bad/handoff'),
    ]) {
      expectPublicRateLimited(res);
    }
    // Status polling counts in its own bucket, untouched by the routes above (§1.10).
    expect((await status('127.0.0.1', session.id)).status).toBe(200);
  });

  it('runs nothing over the limit: a limited public cancel leaves the session and its token alone', async () => {
    const session: CreatedSession = await createSession(t, key);
    for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await from('127.0.0.1', 'POST', '/v1/verify/session/bad/handoff')).status).toBe(400);
    expectPublicRateLimited(await from('127.0.0.1', 'POST', `/v1/verify/session/${session.id}/cancel`, {}, { cancel_token: session.cancel_token }));
    expect((await getSession(t, key, session.id)).status).toBe('created');

    clockOf(t).advance(WINDOW_MS);
    const cancelled = await from('127.0.0.1', 'POST', `/v1/verify/session/${session.id}/cancel`, {}, { cancel_token: session.cancel_token });
    expect(cancelled.status).toBe(204);
    expect((await getSession(t, key, session.id)).status).toBe('cancelled');
  });

  it('counts per client IP: another address has its own requests, and forwarding headers change nothing', async () => {
    const session = await createSession(t, key);
    for (let i = 0; i < PUBLIC_LIMIT; i++) {
      // Without a trusted proxy, client-sent forwarding headers must not open a new bucket.
      const res = await status('127.0.0.1', session.id, { 'x-forwarded-for': `10.0.0.${i}`, 'x-real-ip': `10.1.0.${i}`, forwarded: `for=10.2.0.${i}` });
      expect(res.status).toBe(200);
    }
    expectPublicRateLimited(await status('127.0.0.1', session.id, { 'x-forwarded-for': '10.9.9.9' }));

    for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await status('127.0.0.2', session.id)).status).toBe(200);
    expectPublicRateLimited(await status('127.0.0.2', session.id));
    expect((await status('127.0.0.3', session.id)).status).toBe(200);
    expectPublicRateLimited(await status('127.0.0.1', session.id));
  });

  it('keeps the public limit apart from the API key buckets', async () => {
    const session = await createSession(t, key);
    // API reads from 127.0.0.1 do not spend that IP's public requests…
    for (let i = 0; i < READ_LIMIT; i++) expectRateHeaders(await t.http().get(READ_PATH).set(bearer(key)), READ_LIMIT, READ_LIMIT - 1 - i);
    expectRateLimited(await t.http().get(READ_PATH).set(bearer(key)), READ_LIMIT);
    for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await status('127.0.0.1', session.id)).status).toBe(200);
    expectPublicRateLimited(await status('127.0.0.1', session.id));
    // …and a spent public limit does not block an API key from the same IP.
    const otherKey = await t.createKey(key.organization_id);
    const api = await from('127.0.0.1', 'GET', `/v1/sessions/${session.id}`, bearer(otherKey));
    expect(api.status).toBe(200);
    expectRateHeaders(api, READ_LIMIT, READ_LIMIT - 1);
  });

  it('resets with the window', async () => {
    const session = await createSession(t, key);
    for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await status('127.0.0.1', session.id)).status).toBe(200);
    const limited = await status('127.0.0.1', session.id);
    expectPublicRateLimited(limited);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(58);
    clockOf(t).advance(WINDOW_MS / 2);
    const later = await status('127.0.0.1', session.id);
    expectPublicRateLimited(later);
    expect(Number(later.headers['retry-after'])).toBeLessThanOrEqual(30);
    clockOf(t).advance(WINDOW_MS / 2);
    expect((await status('127.0.0.1', session.id)).status).toBe(200);
  });

  // SQLite serves one process per database file, so only PostgreSQL has several instances.
  (testDriver() === 'postgres' ? describe : describe.skip)('shared by instances on PostgreSQL', () => {
    let second: TestApp | null = null;
    let secondUrl: string;

    beforeAll(async () => {
      second = await secondInstanceWith(t, LIMITS);
      secondUrl = await listenOnLoopback(second);
    });
    afterAll(async () => closeSecondInstance(second));
    beforeEach(() => alignToNextWindow(t, second!));

    it('counts an API key once across both instances', async () => {
      const apps = [t, second!];
      const res = await Promise.all([
        apps[0].http().get(READ_PATH).set(bearer(key)),
        apps[1].http().get(READ_PATH).set(bearer(key)),
      ]);
      expect(res.map((r) => r.status)).toEqual([404, 404]);
      expect(res.map((r) => r.headers['ratelimit-remaining']).sort()).toEqual(['0', '1']);
      expectRateLimited(await apps[0].http().get(READ_PATH).set(bearer(key)), READ_LIMIT);
      expectRateLimited(await apps[1].http().get(READ_PATH).set(bearer(key)), READ_LIMIT);

      clockOf(t).advance(WINDOW_MS);
      clockOf(second!).advance(WINDOW_MS);
      expectRateHeaders(await apps[1].http().get(READ_PATH).set(bearer(key)), READ_LIMIT, READ_LIMIT - 1);
      expectRateHeaders(await apps[0].http().get(READ_PATH).set(bearer(key)), READ_LIMIT, READ_LIMIT - 2);
    });

    it('counts a client IP once across both instances', async () => {
      const session = await createSession(t, key);
      const urls = [baseUrl, secondUrl];
      for (let i = 0; i < PUBLIC_LIMIT; i++) {
        const res = await requestFrom(urls[i % 2], '127.0.0.4', 'GET', `/v1/verify/session/${session.id}/status`);
        expect(res.status).toBe(200);
      }
      for (const url of urls) expectPublicRateLimited(await requestFrom(url, '127.0.0.4', 'GET', `/v1/verify/session/${session.id}/status`));
      expect((await requestFrom(secondUrl, '127.0.0.5', 'GET', `/v1/verify/session/${session.id}/status`)).status).toBe(200);
    });
  });
});
