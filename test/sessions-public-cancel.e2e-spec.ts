import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  clockOf,
  createSession,
  expectPublicError,
  getSession,
  sessionEvents,
  tokenFromUrl,
  unknownSessionId,
  type CreatedSession,
} from './helpers/sessions.js';

describe('POST /v1/verify/session/:id/cancel (§6.4)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp();
    ({ live, test } = await t.tenant());
  });
  afterAll(async () => t.close());

  /** No Authorization header: the endpoint is public. */
  const publicCancel = (id: string, body?: unknown) => {
    const req = t.http().post(`/v1/verify/session/${id}/cancel`);
    if (body === undefined) return req;
    if (typeof body === 'string') return req.set('Content-Type', 'application/json').send(body);
    return req.send(body as object);
  };
  const withToken = (s: CreatedSession, token = s.cancel_token) => publicCancel(s.id, { cancel_token: token });

  describe('order of checks', () => {
    it('1. a malformed id → 400 INVALID_SESSION_ID with the public shape (no hint, no docs), whatever the body', async () => {
      for (const id of ['vs_short', `vs_${'a'.repeat(65)}`, 'not-a-session']) {
        const res = await publicCancel(id, { cancel_token: 'x' });
        expectPublicError(res, 400, 'INVALID_SESSION_ID');
        expect(res.text).not.toContain('hint');
        expect(res.text).not.toContain('docs');
      }
      expectPublicError(await publicCancel('vs_short', '{bad json'), 400, 'INVALID_SESSION_ID');
      expectPublicError(await publicCancel('vs_short'), 400, 'INVALID_SESSION_ID');
    });

    it('2. an unknown session → 404 SESSION_NOT_FOUND, even with a bad body', async () => {
      expectPublicError(await publicCancel(unknownSessionId(), { cancel_token: 'a'.repeat(64) }), 404, 'SESSION_NOT_FOUND');
      expectPublicError(await publicCancel(unknownSessionId()), 404, 'SESSION_NOT_FOUND');
      expectPublicError(await publicCancel(unknownSessionId(), '{bad json'), 404, 'SESSION_NOT_FOUND');
    });

    it.each([
      ['no body', undefined],
      ['{}', {}],
      ['an extra property', 'EXTRA'],
      ['a number token', 'NUMBER'],
      ['a null token', 'NULL'],
      ['an array token', 'ARRAY'],
      ['malformed JSON', '{"cancel_token": '],
      ['a JSON array', '[]'],
      ['a JSON string', '"abc"'],
    ])('3. an invalid body (%s) → 400 BAD_REQUEST param cancel_token, session untouched', async (_label, body) => {
      const s = await createSession(t, live);
      const actual =
        body === 'EXTRA'
          ? { cancel_token: s.cancel_token, reason: 'x' }
          : body === 'NUMBER'
            ? { cancel_token: 42 }
            : body === 'NULL'
              ? { cancel_token: null }
              : body === 'ARRAY'
                ? { cancel_token: [s.cancel_token] }
                : body;
      expectPublicError(await publicCancel(s.id, actual), 400, 'BAD_REQUEST', 'cancel_token');
      expect((await getSession(t, live, s.id)).status).toBe('created');
      // The token was not spent by the failed call.
      expect((await withToken(s)).status).toBe(204);
    });

    it('3. a body sent as text/plain → 400 param cancel_token', async () => {
      const s = await createSession(t, live);
      const res = await t
        .http()
        .post(`/v1/verify/session/${s.id}/cancel`)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ cancel_token: s.cancel_token }));
      expectPublicError(res, 400, 'BAD_REQUEST', 'cancel_token');
    });

    it("4. a wrong token → 403 CANCEL_TOKEN_INVALID (another session's token, a changed case, a prefix)", async () => {
      const s = await createSession(t, live);
      const other = await createSession(t, live);
      for (const token of [other.cancel_token, s.cancel_token.toUpperCase(), s.cancel_token.slice(0, 63), `${s.cancel_token}a`, 'x']) {
        expectPublicError(await withToken(s, token), 403, 'CANCEL_TOKEN_INVALID');
      }
      expect((await getSession(t, live, s.id)).status).toBe('created');
      expect(await sessionEvents(t, s.id)).toHaveLength(0);
    });

    it('5. the right token cancels (204, one event); the same token again → 409 CANCEL_TOKEN_CONSUMED', async () => {
      const s = await createSession(t, live);
      expect(tokenFromUrl(s.verification_url)).toBe(s.cancel_token);
      clockOf(t).advance(1_000);
      const res = await withToken(s);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['x-request-id']).toBeTruthy();

      const got = await getSession(t, live, s.id);
      expect(got).toMatchObject({ status: 'cancelled', failure_code: 'session_cancelled' });
      expect(Date.parse(got.completed_at as string)).toBeGreaterThanOrEqual(Date.parse(s.created_at) + 1_000);
      const events = await sessionEvents(t, s.id);
      expect(events.map((e) => [e.type, e.trigger_id, e.livemode])).toEqual([['verification.session.cancelled', s.id, true]]);

      expectPublicError(await withToken(s), 409, 'CANCEL_TOKEN_CONSUMED');
      // A wrong token is still checked before consumption.
      expectPublicError(await withToken(s, 'b'.repeat(64)), 403, 'CANCEL_TOKEN_INVALID');
      expect(await getSession(t, live, s.id)).toEqual(got);
      expect(await sessionEvents(t, s.id)).toHaveLength(1);
    });
  });

  describe('terminal sessions (step 6)', () => {
    it('after an API cancel: 204, nothing changes, and the token stays unused (204 again, never 409)', async () => {
      const s = await createSession(t, live);
      expect((await t.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(live))).status).toBe(204);
      const before = await getSession(t, live, s.id);
      clockOf(t).advance(1_000);
      for (let i = 0; i < 3; i++) {
        const res = await withToken(s);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
      }
      expect(await getSession(t, live, s.id)).toEqual(before);
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.cancelled']);
    });

    it('after expiry: lazy expiry applies (expired, not cancelled) and the token stays usable-but-unused', async () => {
      const s = await createSession(t, live, { expires_in: 300 });
      clockOf(t).advance(300_001);
      expect((await withToken(s)).status).toBe(204);
      const got = await getSession(t, live, s.id);
      expect(got).toMatchObject({ status: 'expired', failure_code: 'session_expired', completed_at: s.expires_at });
      expect((await withToken(s)).status).toBe(204);
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.expired']);
    });

    it('after a simulated success: 204 and the session stays succeeded', async () => {
      const s = await createSession(t, test);
      expect((await t.http().post(`/v1/test_helpers/sessions/${s.id}/succeed`).set(bearer(test)).send({})).status).toBe(200);
      const before = await getSession(t, test, s.id);
      expect((await withToken(s)).status).toBe(204);
      expect((await withToken(s)).status).toBe(204);
      expect(await getSession(t, test, s.id)).toEqual(before);
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.succeeded']);
    });

    it('a wrong token on a terminal session is still 403', async () => {
      const s = await createSession(t, live);
      expect((await t.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(live))).status).toBe(204);
      expectPublicError(await withToken(s, 'c'.repeat(64)), 403, 'CANCEL_TOKEN_INVALID');
    });
  });

  it('cancels a test session too (public cancel works in test mode, §7.1)', async () => {
    const s = await createSession(t, test);
    expect((await withToken(s)).status).toBe(204);
    expect((await getSession(t, test, s.id)).status).toBe('cancelled');
    expect((await sessionEvents(t, s.id)).map((e) => [e.type, e.livemode])).toEqual([['verification.session.cancelled', false]]);
    expectPublicError(await withToken(s), 409, 'CANCEL_TOKEN_CONSUMED');
  });

  it('fails the in_progress attempt with session_cancelled', async () => {
    const s = await createSession(t, live);
    const handoff = await t.http().post(`/v1/verify/session/${s.id}/handoff`);
    expect(handoff.status).toBe(200);
    expect((await withToken(s)).status).toBe(204);
    const res = await t.http().get(`/v1/sessions/${s.id}?include_attempts=true`).set(bearer(live));
    expect(res.body.data.status).toBe('cancelled');
    expect(res.body.data.attempts.map((a: { status: string; failure_code: string }) => [a.status, a.failure_code])).toEqual([
      ['failed', 'session_cancelled'],
    ]);
  });

  it('an API cancel after a public cancel is a no-op', async () => {
    const s = await createSession(t, live);
    expect((await withToken(s)).status).toBe(204);
    const before = await getSession(t, live, s.id);
    clockOf(t).advance(1_000);
    expect((await t.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(live))).status).toBe(204);
    expect(await getSession(t, live, s.id)).toEqual(before);
    expect(await sessionEvents(t, s.id)).toHaveLength(1);
  });

  it('two concurrent public cancels with the same token: one 204, one 409, one event', async () => {
    const s = await createSession(t, live);
    const results = await Promise.all([withToken(s), withToken(s), withToken(s)]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409, 409]);
    expect(await sessionEvents(t, s.id)).toHaveLength(1);
  });
});
