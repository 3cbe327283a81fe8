import { SessionLifecycleService } from '../dist/src/sessions/attempts/session-lifecycle.service.js';
import { testDriver } from './helpers/database.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  HOUR_MS,
  clockOf,
  closeSecondInstance,
  createSession,
  dataSourceOf,
  getSession,
  secondInstance,
  sessionEvents,
  sweeperOf,
  walkSessions,
  type CreatedSession,
} from './helpers/sessions.js';

/** The stored status, read straight from the table so no lazy expiry runs. */
async function storedStatus(t: TestApp, id: string): Promise<string> {
  const row = await dataSourceOf(t)
    .createQueryBuilder()
    .select('s.status', 'status')
    .from('sessions', 's')
    .where('s.id = :id', { id })
    .getRawOne<{ status: string }>();
  return row!.status;
}

async function expectExpiredOnce(t: TestApp, key: CreatedKey, s: CreatedSession): Promise<void> {
  const got = await getSession(t, key, s.id);
  expect(got).toMatchObject({ status: 'expired', failure_code: 'session_expired', completed_at: s.expires_at });
  const events = await sessionEvents(t, s.id);
  expect(events.map((e) => e.type)).toEqual(['verification.session.expired']);
  expect(events[0]).toMatchObject({ trigger_type: 'verification_session', trigger_id: s.id, organization_id: key.organization_id });
}

describe('Expiry (§3.7)', () => {
  let t: TestApp;
  /** Total clock shift applied to `t`, so a second instance can be put on the same time. */
  let shifted = 0;
  const advance = (ms: number) => {
    clockOf(t).advance(ms);
    shifted += ms;
  };

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  describe('lazy expiry on read', () => {
    it('GET after expires_at shows expired, session_expired, completed_at == expires_at, one event', async () => {
      const { live } = await t.tenant();
      const s = await createSession(t, live);
      advance(3_601_000);
      expect(await storedStatus(t, s.id)).toBe('created');
      const got = await getSession(t, live, s.id);
      expect(got).toMatchObject({ status: 'expired', failure_code: 'session_expired', completed_at: s.expires_at });
      expect(Date.parse(got.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(s.expires_at));
      expect(await storedStatus(t, s.id)).toBe('expired');
      // Reading again changes nothing.
      expect(await getSession(t, live, s.id)).toEqual(got);
      await expectExpiredOnce(t, live, s);
    });

    it('expires a session as soon as expires_at is reached; one due a minute later stays open', async () => {
      const { live } = await t.tenant();
      const s = await createSession(t, live, { expires_in: 300 });
      const early = await createSession(t, live, { expires_in: 360 });
      // Wall time keeps running, so at least 300 000 ms have passed for s; `early` has a minute left.
      advance(300_000);
      expect((await getSession(t, live, s.id)).status).toBe('expired');
      expect((await getSession(t, live, early.id)).status).toBe('created');
      expect(await sessionEvents(t, early.id)).toHaveLength(0);
    });

    it('leaves a session that is not yet due alone', async () => {
      const { live } = await t.tenant();
      const s = await createSession(t, live, { expires_in: 86_400 });
      advance(HOUR_MS);
      const got = await getSession(t, live, s.id);
      expect(got).toMatchObject({ status: 'created', failure_code: null, completed_at: null, updated_at: s.updated_at });
    });

    it('list with status=created never returns an overdue session; status=expired does', async () => {
      const { live, test } = await t.tenant();
      const due = [await createSession(t, live, { expires_in: 300 }), await createSession(t, live, { expires_in: 300 })];
      const fresh = await createSession(t, live, { expires_in: 86_400 });
      const testDue = await createSession(t, test, { expires_in: 300 });
      advance(301_000);
      const created = await walkSessions(t, live, { status: 'created' });
      expect(created.ids).toEqual([fresh.id]);
      const expired = await walkSessions(t, live, { status: 'expired' });
      expect(expired.ids.sort()).toEqual(due.map((s) => s.id).sort());
      for (const s of due) await expectExpiredOnce(t, live, s);
      // The unfiltered list shows them expired as well, and the test environment is its own.
      const all = await walkSessions(t, live);
      for (const item of all.pages.flatMap((p) => p.data)) {
        if (item.id !== fresh.id) expect(item).toMatchObject({ status: 'expired', failure_code: 'session_expired' });
      }
      expect((await walkSessions(t, test, { status: 'created' })).ids).toEqual([]);
      await expectExpiredOnce(t, test, testDue);
    });

    it('the first page of a list expires overdue sessions of its own environment only: in_progress or created, at expires_at exactly', async () => {
      const statusesOnFirstPage = async (key: CreatedKey) => {
        const res = await t.http().get('/v1/sessions').set(bearer(key));
        expect(res.status).toBe(200);
        return new Map((res.body.data as Array<{ id: string; status: string }>).map((s) => [s.id, s.status]));
      };
      // One tenant whose only overdue session is in_progress, one whose only one is created.
      const a = await t.tenant();
      const b = await t.tenant();
      const started = await createSession(t, a.live, { expires_in: 300 });
      // As a consumed handoff leaves it (§3.8), without driving a phone through the socket.
      await dataSourceOf(t)
        .createQueryBuilder()
        .update('sessions')
        .set({ status: 'in_progress' })
        .where('id = :id', { id: started.id })
        .execute();
      const created = await createSession(t, b.live, { expires_in: 300 });
      const testDue = await createSession(t, b.test, { expires_in: 300 });
      advance(300_000);
      expect((await statusesOnFirstPage(a.live)).get(started.id)).toBe('expired');
      // Another organization and another environment wait for their own reads (or the sweeper).
      expect(await storedStatus(t, created.id)).toBe('created');
      expect((await statusesOnFirstPage(b.live)).get(created.id)).toBe('expired');
      await expectExpiredOnce(t, b.live, created);
      expect(await storedStatus(t, testDue.id)).toBe('created');
    });

    it('fails an in_progress attempt with session_expired', async () => {
      const { live } = await t.tenant();
      const s = await createSession(t, live, { expires_in: 300 });
      const handoff = await t.http().post(`/v1/verify/session/${s.id}/handoff`);
      expect(handoff.status).toBe(200);
      advance(301_000);
      const res = await t.http().get(`/v1/sessions/${s.id}?include_attempts=true`).set(bearer(live));
      expect(res.body.data).toMatchObject({ status: 'expired', completed_at: s.expires_at });
      expect(res.body.data.attempts).toHaveLength(1);
      expect(res.body.data.attempts[0]).toMatchObject({ status: 'failed', failure_code: 'session_expired', risk_score: 0 });
      expect(res.body.data.attempts[0].completed_at).not.toBeNull();
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.expired']);
    });

    it('the expire test helper ends the session now with one expired event', async () => {
      const { test } = await t.tenant();
      const s = await createSession(t, test);
      const res = await t.http().post(`/v1/test_helpers/sessions/${s.id}/expire`).set(bearer(test));
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ status: 'expired', failure_code: 'session_expired' });
      expect(res.body.data.completed_at).toBe(res.body.data.expires_at);
      expect((await sessionEvents(t, s.id)).map((e) => e.type)).toEqual(['verification.session.expired']);
    });
  });

  describe('the sweeper', () => {
    it('expireOverdueSessions() expires every overdue open session and nothing else', async () => {
      const { live, test } = await t.tenant();
      const due = [
        await createSession(t, live, { expires_in: 300 }),
        await createSession(t, live, { expires_in: 600 }),
        await createSession(t, test, { expires_in: 300 }),
      ];
      const notDue = await createSession(t, live, { expires_in: 3_600 });
      const cancelled = await createSession(t, live, { expires_in: 300 });
      expect((await t.http().post(`/v1/sessions/${cancelled.id}/cancel`).set(bearer(live))).status).toBe(204);
      advance(601_000);

      const expired = await sweeperOf(t).expireOverdueSessions();
      expect(expired).toBeGreaterThanOrEqual(due.length);
      for (const s of due) expect(await storedStatus(t, s.id)).toBe('expired');
      expect(await storedStatus(t, notDue.id)).toBe('created');
      expect(await storedStatus(t, cancelled.id)).toBe('cancelled');

      await expectExpiredOnce(t, live, due[0]);
      await expectExpiredOnce(t, live, due[1]);
      await expectExpiredOnce(t, test, due[2]);
      expect((await sessionEvents(t, cancelled.id)).map((e) => e.type)).toEqual(['verification.session.cancelled']);
      expect(await getSession(t, live, notDue.id)).toMatchObject({ status: 'created' });

      // A second sweep finds nothing to do.
      expect(await sweeperOf(t).expireOverdueSessions()).toBe(0);
      for (const s of due) expect(await sessionEvents(t, s.id)).toHaveLength(1);
    });
  });

  describe('the sweeper, more than one batch', () => {
    it('expires every overdue session in one call, beyond the 200-row batch', async () => {
      const { live } = await t.tenant();
      const sessions: CreatedSession[] = [];
      for (let i = 0; i < 210; i++) sessions.push(await createSession(t, live, { expires_in: 300 }));
      advance(301_000);
      expect(await sweeperOf(t).expireOverdueSessions()).toBeGreaterThanOrEqual(210);
      const open = await dataSourceOf(t)
        .createQueryBuilder()
        .select('COUNT(*)', 'n')
        .from('sessions', 's')
        .where('s.organization_id = :org', { org: live.organization_id })
        .andWhere("s.status <> 'expired'")
        .getRawOne<{ n: string | number }>();
      expect(Number(open!.n)).toBe(0);
      const events = await dataSourceOf(t)
        .createQueryBuilder()
        .select('COUNT(*)', 'n')
        .from('events', 'e')
        .where('e.organization_id = :org', { org: live.organization_id })
        .andWhere("e.type = 'verification.session.expired'")
        .getRawOne<{ n: string | number }>();
      expect(Number(events!.n)).toBe(210);
    });
  });

  describe('the race', () => {
    const N = 20;
    const isPostgres = testDriver() === 'postgres';

    it(`${N} overdue sessions hit by sweepers, lazy reads, lists and cancels at once end expired with one event each${
      isPostgres ? ' (two instances)' : ' (one instance: SQLite serves one server per file)'
    }`, async () => {
      const { live } = await t.tenant();
      const sessions: CreatedSession[] = [];
      for (let i = 0; i < N; i++) sessions.push(await createSession(t, live, { expires_in: 300 }));
      advance(301_000);

      // On PostgreSQL a second app on the same database is a real second instance.
      const second = isPostgres ? await secondInstance(t, shifted) : null;
      try {
        const instances = second ? [t, second] : [t];
        const work: Array<Promise<unknown>> = [];
        for (const app of instances) {
          // The sweeper shares a run in progress, so the state machine's own sweep is raced too.
          const lifecycle = app.app.get(SessionLifecycleService);
          work.push(sweeperOf(app).expireOverdueSessions(), lifecycle.expireOverdueSessions(), lifecycle.expireOverdueSessions());
          work.push(app.http().get('/v1/sessions?status=created&limit=100').set(bearer(live)).then((r) => expect(r.status).toBe(200)));
        }
        sessions.forEach((s, i) => {
          const app = instances[i % instances.length];
          const other = instances[(i + 1) % instances.length];
          work.push(
            app.http().get(`/v1/sessions/${s.id}`).set(bearer(live)).then((r) => expect(r.body.data.status).toBe('expired')),
            other.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(live)).then((r) => expect(r.status).toBe(204)),
            app
              .http()
              .post(`/v1/verify/session/${s.id}/cancel`)
              .send({ cancel_token: s.cancel_token })
              .then((r) => expect(r.status).toBe(204)),
            other.http().get(`/v1/verify/session/${s.id}/status`).then((r) => expect(r.status).toBe(200)),
          );
        });
        work.push(...instances.map((app) => sweeperOf(app).expireOverdueSessions()));
        await Promise.all(work);
      } finally {
        await closeSecondInstance(second);
      }

      for (const s of sessions) {
        expect(await storedStatus(t, s.id)).toBe('expired');
        await expectExpiredOnce(t, live, s);
      }
    });
  });
});
