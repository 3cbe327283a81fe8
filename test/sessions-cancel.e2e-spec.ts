import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { testDriver } from './helpers/database.js';
import {
  DOCS,
  ISO_MS,
  clockOf,
  closeSecondInstance,
  createSession,
  expectApiError,
  expectBadRequest,
  expectForbidden,
  expectSessionNotFound,
  getSession,
  secondInstance,
  sessionEvents,
  unknownSessionId,
  type CreatedSession,
} from './helpers/sessions.js';

describe('POST /v1/sessions/:id/cancel (§3.5)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp();
    ({ live, test } = await t.tenant());
  });
  afterAll(async () => t.close());

  const cancel = (id: string, key: CreatedKey = live) => t.http().post(`/v1/sessions/${id}/cancel`).set(bearer(key));

  it('answers 204 with an empty body and cancels the session in one transition', async () => {
    const s = await createSession(t, live);
    clockOf(t).advance(1_000);
    const res = await cancel(s.id);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-length'] ?? '0').toBe('0');
    expect(res.headers['x-request-id']).toBeTruthy();

    const got = await getSession(t, live, s.id);
    expect(got).toMatchObject({ status: 'cancelled', failure_code: 'session_cancelled' });
    expect(got.completed_at).toMatch(ISO_MS);
    expect(Date.parse(got.completed_at as string)).toBeGreaterThanOrEqual(Date.parse(s.created_at) + 1_000);
    expect(got.updated_at).toBe(got.completed_at);
    expect(got.expires_at).toBe(s.expires_at);
    expect(got.created_at).toBe(s.created_at);

    const events = await sessionEvents(t, s.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'verification.session.cancelled',
      trigger_type: 'verification_session',
      trigger_id: s.id,
      session_id: s.id,
      organization_id: live.organization_id,
      livemode: true,
    });
    expect(events[0].id).toMatch(/^evt_[a-z0-9]{64}$/);
  });

  it('is idempotent: a second cancel is 204, changes nothing and writes no second event', async () => {
    const s = await createSession(t, live);
    expect((await cancel(s.id)).status).toBe(204);
    const first = await getSession(t, live, s.id);
    clockOf(t).advance(5_000);
    const again = await cancel(s.id);
    expect(again.status).toBe(204);
    expect(again.text).toBe('');
    const second = await getSession(t, live, s.id);
    expect(second).toEqual(first);
    expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.cancelled']);
  });

  it('accepts an empty body, {} and an empty JSON body', async () => {
    const a = await createSession(t, live);
    const b = await createSession(t, live);
    const c = await createSession(t, live);
    expect((await cancel(a.id)).status).toBe(204);
    expect((await cancel(b.id).send({})).status).toBe(204);
    expect((await cancel(c.id).set('Content-Type', 'application/json').send('')).status).toBe(204);
    for (const s of [a, b, c]) expect((await getSession(t, live, s.id)).status).toBe('cancelled');
  });

  it('rejects a body property with 400 param = that property, leaving the session open', async () => {
    const s = await createSession(t, live);
    expectBadRequest(await cancel(s.id).send({ x: 1 }), 'x');
    expectBadRequest(await cancel(s.id).send({ reason: 'user asked' }), 'reason');
    expectBadRequest(
      await cancel(s.id).set('Content-Type', 'application/json').send('{"__proto__":{"x":1}}'),
      '__proto__',
    );
    expectBadRequest(await cancel(s.id).set('Content-Type', 'application/json').send('{"x":'), undefined);
    expectBadRequest(await cancel(s.id).set('Content-Type', 'application/json').send('[]'), undefined);
    const got = await getSession(t, live, s.id);
    expect(got.status).toBe('created');
    expect(await sessionEvents(t, s.id)).toHaveLength(0);
  });

  it('a malformed id → 400 param id', async () => {
    expectBadRequest(await cancel('vs_short'), 'id');
    expectBadRequest(await cancel(`vs_${'a'.repeat(64)}x`), 'id');
  });

  it('an unknown id → 404 with the cancel-by-id docs', async () => {
    expectApiError(await cancel(unknownSessionId()), {
      status: 404,
      code: 'NOT_FOUND',
      message: 'Session not found.',
      hint: 'The session with the given ID was not found.',
      docs: `${DOCS}/sessions#cancel-by-id`,
    });
  });

  it("another organization's session, or the other environment's, → 404 and stays open", async () => {
    const other = await t.tenant();
    const theirs = await createSession(t, other.live);
    const mineTest = await createSession(t, test);
    expectSessionNotFound(await cancel(theirs.id, live), 'cancel-by-id');
    expectSessionNotFound(await cancel(mineTest.id, live), 'cancel-by-id');
    expect((await getSession(t, other.live, theirs.id)).status).toBe('created');
    expect((await getSession(t, test, mineTest.id)).status).toBe('created');
    expect(await sessionEvents(t, theirs.id)).toHaveLength(0);
  });

  it('cancels a test session with a test key (livemode false event)', async () => {
    const s = await createSession(t, test);
    expect((await cancel(s.id, test)).status).toBe(204);
    expect((await getSession(t, test, s.id)).status).toBe('cancelled');
    const events = await sessionEvents(t, s.id);
    expect(events.map((e) => [e.type, e.livemode])).toEqual([['verification.session.cancelled', false]]);
  });

  it('an overdue session becomes expired, not cancelled (lazy expiry first)', async () => {
    const s = await createSession(t, live, { expires_in: 300 });
    clockOf(t).advance(300_000 + 1);
    expect((await cancel(s.id)).status).toBe(204);
    const got = await getSession(t, live, s.id);
    expect(got).toMatchObject({ status: 'expired', failure_code: 'session_expired', completed_at: s.expires_at });
    expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.expired']);
  });

  it('leaves a succeeded session alone (204, no event)', async () => {
    const s = await createSession(t, test);
    const done = await t.http().post(`/v1/test_helpers/sessions/${s.id}/succeed`).set(bearer(test)).send({});
    expect(done.status).toBe(200);
    const before = await getSession(t, test, s.id);
    clockOf(t).advance(1_000);
    expect((await cancel(s.id, test)).status).toBe(204);
    expect(await getSession(t, test, s.id)).toEqual(before);
    expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.succeeded']);
  });

  it('fails the in_progress attempt with session_cancelled', async () => {
    const s = await createSession(t, live);
    const handoff = await t.http().post(`/v1/verify/session/${s.id}/handoff`);
    expect(handoff.status).toBe(200);
    const attemptId = handoff.body.data.attempt_id;
    expect((await cancel(s.id)).status).toBe(204);
    const res = await t.http().get(`/v1/sessions/${s.id}?include_attempts=true`).set(bearer(live));
    expect(res.body.data.status).toBe('cancelled');
    expect(res.body.data.attempts).toHaveLength(1);
    expect(res.body.data.attempts[0]).toMatchObject({
      id: attemptId,
      status: 'failed',
      failure_code: 'session_cancelled',
      completed_at: res.body.data.completed_at,
      risk_score: 0,
    });
    expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.cancelled']);
  });

  it(`concurrent API cancels, public cancels and test-helper outcomes end each session once${
    testDriver() === 'postgres' ? ' (two instances)' : ''
  }`, async () => {
    const sessions: CreatedSession[] = [];
    for (let i = 0; i < 12; i++) sessions.push(await createSession(t, test));
    const second = testDriver() === 'postgres' ? await secondInstance(t, 0) : null;
    try {
      const apps = second ? [t, second] : [t];
      const on = (i: number) => apps[i % apps.length];
      await Promise.all(
        sessions.flatMap((s, i) => [
          on(i).http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(test)).then((r) => expect(r.status).toBe(204)),
          on(i + 1).http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(test)).then((r) => expect(r.status).toBe(204)),
          on(i).http().post(`/v1/verify/session/${s.id}/cancel`).send({ cancel_token: s.cancel_token }).then((r) => expect([204, 409]).toContain(r.status)),
          on(i + 1).http().post(`/v1/verify/session/${s.id}/cancel`).send({ cancel_token: s.cancel_token }).then((r) => expect([204, 409]).toContain(r.status)),
          on(i + 1).http().post(`/v1/test_helpers/sessions/${s.id}/${i % 2 ? 'succeed' : 'expire'}`).set(bearer(test)).send({}).then((r) => expect([200, 409]).toContain(r.status)),
          on(i).http().post(`/v1/test_helpers/sessions/${s.id}/fail`).set(bearer(test)).send({}).then((r) => expect([200, 409]).toContain(r.status)),
        ]),
      );
    } finally {
      await closeSecondInstance(second);
    }
    for (const s of sessions) {
      const got = await getSession(t, test, s.id);
      expect(['cancelled', 'succeeded', 'expired']).toContain(got.status);
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual([`verification.session.${got.status as string}`]);
    }
  });

  it('needs sessions:write: a read-only key gets the exact 403 and nothing changes', async () => {
    const readOnly = await t.createKey(live.organization_id, { scopes: ['sessions:read'] });
    const s = await createSession(t, live);
    expectForbidden(await cancel(s.id, readOnly));
    expect((await getSession(t, live, s.id)).status).toBe('created');
  });

  it('answers the exact 401 without a key', async () => {
    const s = await createSession(t, live);
    const res = await t.http().post(`/v1/sessions/${s.id}/cancel`);
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}');
  });
});
