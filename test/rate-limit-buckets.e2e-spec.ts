import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { FORBIDDEN_TEXT, clockOf, createSession, expectForbidden, unknownSessionId } from './helpers/sessions.js';
import {
  UNAUTHORIZED_TEXT,
  WINDOW_MS,
  alignToNextWindow,
  expectNoRateHeaders,
  expectRateHeaders,
  expectRateLimited,
} from './rate-limit-helpers.js';

/** Per-API-key rate limits in fixed 60-second windows (§1.10) and their place in the order of checks (§1.3). */

// Distinct limits, so RateLimit-Policy tells which bucket a request counted against.
const CREATE_LIMIT = 2;
const WRITE_LIMIT = 3;
const READ_LIMIT = 4;
/** A read that reaches its handler (404) and is not a list (a list's errors carry `pagination`). */
const READ_PATH = '/v1/webhooks/events/evt_unknown';

describe('Rate limits per API key (§1.10)', () => {
  let t: TestApp;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: String(CREATE_LIMIT),
      RATE_LIMIT_WRITE_PER_MIN: String(WRITE_LIMIT),
      RATE_LIMIT_READ_PER_MIN: String(READ_LIMIT),
      RATE_LIMIT_PUBLIC_PER_MIN: '0',
    });
    orgId = (await t.createOrg()).id;
  });
  afterAll(async () => t.close());
  beforeEach(() => alignToNextWindow(t));

  const freshKey = (options: { scopes?: string[]; livemode?: boolean; org?: string } = {}): Promise<CreatedKey> =>
    t.createKey(options.org ?? orgId, options);
  const get = (key: CreatedKey, path: string) => t.http().get(path).set(bearer(key));
  const post = (key: CreatedKey, path: string) => t.http().post(path).set(bearer(key));

  /** Spends the whole read bucket of `key` with GETs that pass the limit. */
  const spendReads = async (key: CreatedKey): Promise<void> => {
    for (let i = 0; i < READ_LIMIT; i++) {
      const res = await get(key, READ_PATH);
      expect(res.status).toBe(404);
      expectRateHeaders(res, READ_LIMIT, READ_LIMIT - 1 - i);
    }
  };

  describe('headers', () => {
    it('sends RateLimit-* on successes and on errors of authenticated routes', async () => {
      const key = await freshKey();
      const created = await post(key, '/v1/sessions').send({});
      expect(created.status).toBe(200);
      expectRateHeaders(created, CREATE_LIMIT, 1);
      const id = created.body.data.id as string;

      const responses: Array<[Response, number, number, number]> = [
        [await get(key, `/v1/sessions/${id}`), 200, READ_LIMIT, 3],
        [await get(key, `/v1/sessions/${unknownSessionId()}`), 404, READ_LIMIT, 2],
        [await get(key, '/v1/sessions/vs_bad'), 400, READ_LIMIT, 1],
        [await get(key, '/v1/sessions?limit=0'), 400, READ_LIMIT, 0],
        [await post(key, `/v1/sessions/${id}/cancel`), 204, WRITE_LIMIT, 2],
        [await post(key, `/v1/sessions/${unknownSessionId()}/cancel`), 404, WRITE_LIMIT, 1],
        [await post(key, `/v1/sessions/${id}/cancel`).send({ foo: 1 }), 400, WRITE_LIMIT, 0],
        [await post(key, '/v1/sessions').send({ expires_in: 1 }), 400, CREATE_LIMIT, 0],
      ];
      for (const [res, status, limit, remaining] of responses) {
        expect(res.status).toBe(status);
        expectRateHeaders(res, limit, remaining);
        expect(res.headers).not.toHaveProperty('retry-after');
      }

      const readOnly = await freshKey({ scopes: ['sessions:read'] });
      const forbidden = await post(readOnly, '/v1/sessions').send({});
      expectForbidden(forbidden);
      expectRateHeaders(forbidden, CREATE_LIMIT, 1);
    });

    it('RateLimit-Reset counts the whole seconds left in the fixed window', async () => {
      const key = await freshKey();
      const first = await get(key, READ_PATH);
      expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(58);
      clockOf(t).advance(30_000);
      const later = await get(key, READ_PATH);
      expectRateHeaders(later, READ_LIMIT, READ_LIMIT - 2);
      expect(Number(later.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(28);
      expect(Number(later.headers['ratelimit-reset'])).toBeLessThanOrEqual(30);
    });

    it('sends no rate-limit headers on admin routes, /health, unknown routes or 401s, and never limits them', async () => {
      for (let i = 0; i < READ_LIMIT + 2; i++) {
        const orgs = await t.http().get('/v1/admin/orgs').set(t.admin);
        expect(orgs.status).toBe(200);
        expectNoRateHeaders(orgs);
      }
      for (let i = 0; i < WRITE_LIMIT + 2; i++) {
        const org = await t.http().post('/v1/admin/orgs').set(t.admin).send({ name: `Org ${i}` });
        expect(org.status).toBe(200);
        expectNoRateHeaders(org);
      }
      const health = await t.http().get('/health');
      expect(health.status).toBe(200);
      expectNoRateHeaders(health);
      const openapi = await t.http().get('/openapi.json');
      expect(openapi.status).toBe(200);
      expectNoRateHeaders(openapi);

      const key = await freshKey();
      const unknownRoute = await get(key, '/v1/nope');
      expect(unknownRoute.status).toBe(404);
      expectNoRateHeaders(unknownRoute);
      const unauthorized = await t.http().get('/v1/sessions').set('Authorization', `Bearer kk_live_${'0'.repeat(32)}`);
      expect(unauthorized.text).toBe(UNAUTHORIZED_TEXT);
      expectNoRateHeaders(unauthorized);
    });

    it('leaves the public verify endpoints alone when RATE_LIMIT_PUBLIC_PER_MIN is 0', async () => {
      const session = await createSession(t, await freshKey({ scopes: ['sessions:write'] }));
      for (let i = 0; i < 10; i++) {
        const res = await t.http().get(`/v1/verify/session/${session.id}/status`);
        expect(res.status).toBe(200);
        expectNoRateHeaders(res);
      }
    });
  });

  describe('429 RATE_LIMITED', () => {
    it('answers 429 with Retry-After once the read bucket is spent', async () => {
      const key = await freshKey();
      const session = await createSession(t, key);
      for (let i = 0; i < READ_LIMIT; i++) {
        const res = await get(key, `/v1/sessions/${session.id}`);
        expect(res.status).toBe(200);
        expectRateHeaders(res, READ_LIMIT, READ_LIMIT - 1 - i);
      }
      expectRateLimited(await get(key, `/v1/sessions/${session.id}`), READ_LIMIT);
      // A list endpoint's 429 carries the list envelope (§1.2).
      const list = await get(key, '/v1/sessions?limit=7');
      expectRateLimited(list, READ_LIMIT, { list: true });
      expect(list.body.pagination).toEqual({ limit: 7, has_more: false, next_cursor: null });
    });

    it('runs nothing over the limit: the third create in a window creates no session', async () => {
      const key = await freshKey({ org: (await t.createOrg()).id });
      expect((await post(key, '/v1/sessions').send({})).status).toBe(200);
      expect((await post(key, '/v1/sessions').send({})).status).toBe(200);
      expectRateLimited(await post(key, '/v1/sessions').send({}), CREATE_LIMIT);
      expectRateLimited(await post(key, '/v1/sessions?include_attempts=true').send({ expires_in: 600 }), CREATE_LIMIT);
      const list = await get(key, '/v1/sessions');
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(2);
    });

    it('keeps counting over the limit until the window resets', async () => {
      const key = await freshKey();
      await spendReads(key);
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);
      clockOf(t).advance(30_000);
      const still = await get(key, READ_PATH);
      expectRateLimited(still, READ_LIMIT);
      expect(Number(still.headers['retry-after'])).toBeLessThanOrEqual(30);
      clockOf(t).advance(30_000);
      const next = await get(key, READ_PATH);
      expect(next.status).toBe(404);
      expectRateHeaders(next, READ_LIMIT, READ_LIMIT - 1);
      expect(Number(next.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(58);
    });
  });

  describe('buckets and keys', () => {
    it('puts each request in exactly one bucket', async () => {
      const testKey = await freshKey({ livemode: false });
      const testSession = await createSession(t, testKey);
      const cases: Array<[string, string, number]> = [
        ['POST', '/v1/sessions', CREATE_LIMIT],
        ['POST', '/v1/sessions?include_attempts=true', CREATE_LIMIT],
        ['POST', `/v1/sessions/${unknownSessionId()}/cancel`, WRITE_LIMIT],
        ['POST', '/v1/webhooks/endpoints', WRITE_LIMIT],
        ['PATCH', '/v1/webhooks/endpoints/whe_unknown', WRITE_LIMIT],
        ['DELETE', '/v1/webhooks/endpoints/whe_unknown', WRITE_LIMIT],
        ['POST', '/v1/webhooks/keys/whk_unknown/deactivate', WRITE_LIMIT],
        ['GET', '/v1/sessions', READ_LIMIT],
        ['GET', '/v1/sessions/attempts', READ_LIMIT],
        ['GET', '/v1/webhooks/endpoints', READ_LIMIT],
        ['GET', '/v1/webhooks/events', READ_LIMIT],
        ['HEAD', '/v1/sessions', READ_LIMIT],
      ];
      for (const [method, path, limit] of cases) {
        // A fresh key per request: its first request shows limit - 1 left in its bucket.
        const key = await freshKey();
        const res = await t.http()[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'head'](path).set(bearer(key));
        expect([method, path, res.status < 500]).toEqual([method, path, true]);
        expect([method, path, res.headers['ratelimit-policy']]).toEqual([method, path, `${limit};w=60`]);
        expectRateHeaders(res, limit, limit - 1);
      }
      // Test helpers are writes too.
      const helper = await post(testKey, `/v1/test_helpers/sessions/${testSession.id}/succeed`).send({});
      expect(helper.status).toBe(200);
      expectRateHeaders(helper, WRITE_LIMIT, WRITE_LIMIT - 1);
    });

    it('keeps the buckets independent: spending reads does not block creates or writes, and the reverse', async () => {
      const key = await freshKey();
      await spendReads(key);
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);

      const sessions: string[] = [];
      for (let i = 0; i < CREATE_LIMIT; i++) {
        const res = await post(key, '/v1/sessions').send({});
        expect(res.status).toBe(200);
        expectRateHeaders(res, CREATE_LIMIT, CREATE_LIMIT - 1 - i);
        sessions.push(res.body.data.id);
      }
      expectRateLimited(await post(key, '/v1/sessions').send({}), CREATE_LIMIT);

      // Writes still have their own full bucket.
      for (let i = 0; i < WRITE_LIMIT; i++) {
        const res = await post(key, `/v1/sessions/${sessions[i % sessions.length]}/cancel`);
        expect(res.status).toBe(204);
        expectRateHeaders(res, WRITE_LIMIT, WRITE_LIMIT - 1 - i);
      }
      expectRateLimited(await post(key, `/v1/sessions/${sessions[0]}/cancel`), WRITE_LIMIT);
      expectRateLimited(await get(key, `/v1/sessions/${sessions[0]}`), READ_LIMIT);

      // The other way round: spending creates and writes leaves reads untouched.
      const other = await freshKey();
      for (let i = 0; i < CREATE_LIMIT; i++) expect((await post(other, '/v1/sessions').send({})).status).toBe(200);
      for (let i = 0; i < WRITE_LIMIT; i++) expect((await post(other, `/v1/sessions/${unknownSessionId()}/cancel`)).status).toBe(404);
      expectRateLimited(await post(other, '/v1/sessions').send({}), CREATE_LIMIT);
      expectRateLimited(await post(other, `/v1/sessions/${unknownSessionId()}/cancel`), WRITE_LIMIT);
      const read = await get(other, '/v1/sessions');
      expect(read.status).toBe(200);
      expectRateHeaders(read, READ_LIMIT, READ_LIMIT - 1);
    });

    it('counts per API key: other keys of the same or another organization are unaffected', async () => {
      const key = await freshKey();
      await spendReads(key);
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);
      const sibling = await freshKey();
      const testSibling = await freshKey({ livemode: false });
      const stranger = await t.createKey((await t.createOrg('Other')).id);
      for (const other of [sibling, testSibling, stranger]) {
        const res = await get(other, READ_PATH);
        expect(res.status).toBe(404);
        expectRateHeaders(res, READ_LIMIT, READ_LIMIT - 1);
      }
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);
    });
  });

  describe('order of checks (§1.3)', () => {
    it('401 beats 429: a spent key that is disabled gets 401 without rate-limit headers', async () => {
      const key = await freshKey();
      await spendReads(key);
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);
      const patch = (enabled: boolean) => t.http().patch(`/v1/admin/api-keys/${key.id}`).set(t.admin).send({ enabled });
      expect((await patch(false)).status).toBe(200);
      const disabled = await get(key, READ_PATH);
      expect(disabled.status).toBe(401);
      expect(disabled.text).toBe(UNAUTHORIZED_TEXT);
      expectNoRateHeaders(disabled);
      for (const auth of [undefined, 'Bearer nope', `bearer kk_live_${randomBytes(16).toString('hex')}`]) {
        const req = t.http().get(READ_PATH);
        const res = await (auth ? req.set('Authorization', auth) : req);
        expect(res.text).toBe(UNAUTHORIZED_TEXT);
        expectNoRateHeaders(res);
      }
      expect((await patch(true)).status).toBe(200);
      // Disabled requests were not counted against anything; the window is still spent.
      expectRateLimited(await get(key, READ_PATH), READ_LIMIT);
    });

    it('429 beats 403: a key without the scope is counted, then limited', async () => {
      const readOnly = await freshKey({ scopes: ['sessions:read'] });
      for (let i = 0; i < CREATE_LIMIT; i++) {
        const res = await post(readOnly, '/v1/sessions').send({});
        expect(res.text).toBe(FORBIDDEN_TEXT);
        expectRateHeaders(res, CREATE_LIMIT, CREATE_LIMIT - 1 - i);
      }
      expectRateLimited(await post(readOnly, '/v1/sessions').send({}), CREATE_LIMIT);

      const writeOnly = await freshKey({ scopes: ['sessions:write'] });
      for (let i = 0; i < READ_LIMIT; i++) expectForbidden(await get(writeOnly, '/v1/sessions'));
      expectRateLimited(await get(writeOnly, '/v1/sessions'), READ_LIMIT, { list: true });
    });

    it('429 beats a bad path id, a bad Idempotency-Key, a bad query and a bad body', async () => {
      const key = await freshKey();
      for (let i = 0; i < WRITE_LIMIT; i++) expect((await post(key, `/v1/sessions/${unknownSessionId()}/cancel`)).status).toBe(404);
      expectRateLimited(await post(key, '/v1/sessions/vs_bad/cancel'), WRITE_LIMIT);
      expectRateLimited(await post(key, `/v1/sessions/${unknownSessionId()}/cancel`).set('Idempotency-Key', ''), WRITE_LIMIT);
      expectRateLimited(await post(key, `/v1/sessions/${unknownSessionId()}/cancel`).send({ foo: 1 }), WRITE_LIMIT);

      for (let i = 0; i < CREATE_LIMIT; i++) expect((await post(key, '/v1/sessions').send({ expires_in: 1 })).status).toBe(400);
      expectRateLimited(await post(key, '/v1/sessions?include_attempts=maybe').set('Idempotency-Key', 'k'.repeat(256)).send({}), CREATE_LIMIT);
      expectRateLimited(await post(key, '/v1/sessions').set('Content-Type', 'application/json').send('{"a":'), CREATE_LIMIT);

      for (let i = 0; i < READ_LIMIT; i++) expect((await get(key, '/v1/sessions/vs_bad')).status).toBe(400);
      expectRateLimited(await get(key, '/v1/sessions/vs_bad'), READ_LIMIT);
    });

    it('429 comes before idempotency: nothing is stored and replays count against the bucket', async () => {
      const key = await freshKey();
      const [a, b] = ['rl-a', 'rl-b'];
      const first = await post(key, '/v1/sessions').set('Idempotency-Key', a).send({});
      expect(first.status).toBe(200);
      const replay = await post(key, '/v1/sessions').set('Idempotency-Key', a).send({});
      expect(replay.text).toBe(first.text);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expectRateHeaders(replay, CREATE_LIMIT, 0);

      const limitedReplay = await post(key, '/v1/sessions').set('Idempotency-Key', a).send({});
      expectRateLimited(limitedReplay, CREATE_LIMIT);
      expect(limitedReplay.headers['idempotent-replayed']).toBeUndefined();
      expectRateLimited(await post(key, '/v1/sessions').set('Idempotency-Key', b).send({ expires_in: 600 }), CREATE_LIMIT);

      clockOf(t).advance(WINDOW_MS);
      // The 429 stored nothing under `b`: another body is a first use, not a 422.
      const fresh = await post(key, '/v1/sessions').set('Idempotency-Key', b).send({ expires_in: 900 });
      expect(fresh.status).toBe(200);
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      expectRateHeaders(fresh, CREATE_LIMIT, 1);
    });
  });
});

describe('A rate limit of 0 turns its bucket off (§1.10)', () => {
  let t: TestApp;
  let key: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0',
      RATE_LIMIT_WRITE_PER_MIN: '0',
      RATE_LIMIT_READ_PER_MIN: '2',
      RATE_LIMIT_PUBLIC_PER_MIN: '0',
    });
    key = await t.createKey((await t.createOrg()).id);
  });
  afterAll(async () => t.close());
  beforeEach(() => alignToNextWindow(t));

  it('sends no headers and never answers 429 for the buckets set to 0, while the others still count', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.http().post('/v1/sessions').set(bearer(key)).send({});
      expect(res.status).toBe(200);
      expectNoRateHeaders(res);
      ids.push(res.body.data.id);
    }
    for (const id of ids) {
      const res = await t.http().post(`/v1/sessions/${id}/cancel`).set(bearer(key));
      expect(res.status).toBe(204);
      expectNoRateHeaders(res);
    }
    expectRateHeaders(await t.http().get('/v1/sessions').set(bearer(key)), 2, 1);
    expectRateHeaders(await t.http().get(`/v1/sessions/${ids[0]}`).set(bearer(key)), 2, 0);
    expectRateLimited(await t.http().get(`/v1/sessions/${ids[0]}`).set(bearer(key)), 2);
    expect((await t.http().post('/v1/sessions').set(bearer(key)).send({})).status).toBe(200);
  });
});
