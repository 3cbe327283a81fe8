import type { AddressInfo } from 'node:net';
import { createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/sessions.js';
import { alignToNextWindow, expectPublicRateLimited, requestFrom } from './rate-limit-helpers.js';

/**
 * The client IP of the public limit behind proxies (§1.10, §9.4 TRUST_PROXY), and room for
 * the hosted page's status polling.
 */

const LIMIT = 3;

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
}

describe('Public limit behind a trusted proxy (TRUST_PROXY)', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    // 127.0.0.1 plays the load balancer; any other loopback address is a direct client.
    t = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MIN: String(LIMIT), TRUST_PROXY: '127.0.0.1' });
    url = await listen(t);
  });
  afterAll(() => t?.close());
  beforeEach(() => alignToNextWindow(t));

  const handoff = (from: string, xff?: string) =>
    requestFrom(url, from, 'POST', '/v1/verify/session/bad/handoff', xff === undefined ? {} : { 'x-forwarded-for': xff });

  it('counts each visitor behind the proxy by the X-Forwarded-For it appends', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await handoff('127.0.0.1', '203.0.113.5')).status).toBe(400);
    expectPublicRateLimited(await handoff('127.0.0.1', '203.0.113.5'));
    // Another visitor through the same proxy has a bucket of its own.
    expect((await handoff('127.0.0.1', '203.0.113.6')).status).toBe(400);
  });

  it('reads X-Forwarded-For from the right: a value the visitor sent in front is ignored', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await handoff('127.0.0.1', `198.51.100.${i}, 203.0.113.9`)).status).toBe(400);
    expectPublicRateLimited(await handoff('127.0.0.1', '198.51.100.77, 203.0.113.9'));
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await handoff('127.0.0.2', `192.0.2.${i}`)).status).toBe(400);
    expectPublicRateLimited(await handoff('127.0.0.2', '192.0.2.200'));
    expectPublicRateLimited(await handoff('127.0.0.2'));
  });
});

describe('Public limit without TRUST_PROXY', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MIN: String(LIMIT) });
    url = await listen(t);
  });
  afterAll(() => t?.close());
  beforeEach(() => alignToNextWindow(t));

  it('a forged X-Forwarded-For changes nothing: the peer address is the client', async () => {
    for (let i = 0; i < LIMIT; i++) {
      expect((await requestFrom(url, '127.0.0.1', 'POST', '/v1/verify/session/bad/handoff', { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(400);
    }
    expectPublicRateLimited(await requestFrom(url, '127.0.0.1', 'POST', '/v1/verify/session/bad/handoff', { 'x-forwarded-for': '203.0.113.99' }));
  });
});

describe('Status polling with the default limits (§1.10, §8)', () => {
  let t: TestApp;
  let url: string;
  let key: CreatedKey;
  beforeAll(async () => {
    // The defaults of production: RATE_LIMIT_PUBLIC_PER_MIN 120, the status bucket unset.
    t = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MIN: '120' });
    url = await listen(t);
    key = await t.createKey((await t.createOrg()).id);
  });
  afterAll(() => t?.close());
  beforeEach(() => alignToNextWindow(t));

  it('20 open pages behind one address, each polling every 2 s for a minute (600 requests), never see a 429', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => createSession(t, key)));
    const statuses = new Map<number, number>();
    for (let round = 0; round < 30; round++) {
      const answers = await Promise.all(sessions.map((s) => requestFrom(url, '127.0.0.1', 'GET', `/v1/verify/session/${s.id}/status`)));
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 600 });
    // The other public routes keep their own limit of 120 from that address.
    const last = await requestFrom(url, '127.0.0.1', 'GET', `/v1/verify/session/${sessions[0].id}/status`);
    expect(Number(last.headers['ratelimit-limit'])).toBeGreaterThanOrEqual(1200);
    const handoff = await requestFrom(url, '127.0.0.1', 'POST', '/v1/verify/session/bad/handoff');
    expect(handoff.headers['ratelimit-limit']).toBe('120');
  });
});
