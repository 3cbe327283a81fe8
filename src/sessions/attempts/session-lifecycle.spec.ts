import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { newId } from '../../common/ids.js';
import type { DatabaseConfig } from '../../config/app.config.js';
import { buildDataSourceOptions } from '../../database/data-source-options.js';
import { DatabaseService } from '../../database/database.service.js';
import { Event } from '../../events/entities/event.entity.js';
import { EventsService } from '../../events/events.service.js';
import { Organization } from '../../organizations/entities/organization.entity.js';
import { Session, type SessionStatus } from '../entities/session.entity.js';
import { Attempt } from './entities/attempt.entity.js';
import type { CheckFailureCode } from './failure-codes.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';

/**
 * The §3.8 state machine on its own: SessionLifecycleService over a real database (a fresh
 * SQLite file with the migrations applied; a fresh PostgreSQL database when
 * TEST_DATABASE_URL=postgres://… is set), no HTTP. Every transition runs the way the
 * services run it: inside DatabaseService.transaction(), after lockSession().
 */

const HOUR = 3_600_000;
const SESSION_TYPES = [
  'verification.session.succeeded',
  'verification.session.failed',
  'verification.session.expired',
  'verification.session.cancelled',
];

interface Fixture {
  database: DatabaseConfig;
  drop(): Promise<void>;
}

async function createDatabase(): Promise<Fixture> {
  const base = process.env.TEST_DATABASE_URL;
  if (base && /^postgres(ql)?:\/\//.test(base)) {
    const name = `passline_unit_${randomBytes(6).toString('hex')}`;
    const run = async (sql: string) => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await run(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      database: { driver: 'postgres', url: url.toString(), migrationsRun: true },
      drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'passline-lifecycle-'));
  return {
    database: { driver: 'sqlite', path: join(dir, 'lifecycle.sqlite'), synchronous: 'NORMAL', busyTimeoutMs: 5000, migrationsRun: true },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('SessionLifecycleService (the §3.8 state machine)', () => {
  let fixture: Fixture;
  let moduleRef: TestingModule;
  let db: DatabaseService;
  let clock: Clock;
  let lifecycle: SessionLifecycleService;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    fixture = await createDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(buildDataSourceOptions({ database: fixture.database }))],
      providers: [DatabaseService, EventsService, Clock, SessionLifecycleService],
    }).compile();
    await moduleRef.init();
    db = moduleRef.get(DatabaseService);
    clock = moduleRef.get(Clock);
    lifecycle = moduleRef.get(SessionLifecycleService);
    orgId = await insertOrganization('Acme');
    otherOrgId = await insertOrganization('Globex');
  });

  afterAll(async () => {
    await moduleRef?.close();
    await fixture?.drop();
  });

  // ---------------------------------------------------------------------------------------
  // Fixtures and readers

  async function insertOrganization(name: string): Promise<string> {
    const now = clock.now();
    const org = Object.assign(new Organization(), { id: randomUUID(), name, createdAt: now, updatedAt: now });
    await db.transaction((m) => m.insert(Organization, org));
    return org.id;
  }

  async function insertSession(changes: Partial<Session> = {}): Promise<Session> {
    const now = clock.now();
    const session = Object.assign(new Session(), {
      id: newId.session(),
      organizationId: orgId,
      livemode: false,
      status: 'created',
      failureCode: null,
      contractVersion: 1,
      shareFields: { kayle_document_id: { required: true, reason: 'Sharing "Kayle Document ID"', source: 'default' } },
      redirectUrl: null,
      cancelTokenHash: 'c'.repeat(64),
      cancelTokenUsedAt: null,
      expiresAt: new Date(now.getTime() + HOUR),
      completedAt: null,
      createdAt: now,
      updatedAt: now,
      ...changes,
    } satisfies Session);
    await db.transaction((m) => m.insert(Session, session));
    return session;
  }

  /** A session with `count` failed attempts that count toward the budget, back in `created`. */
  async function sessionWithFailures(count: number, changes: Partial<Session> = {}): Promise<Session> {
    const session = await insertSession(changes);
    for (let i = 0; i < count; i++) {
      await db.transaction(async (m) => {
        const locked = (await lifecycle.lockSession(m, session.id))!;
        const now = clock.now();
        const attempt = await lifecycle.startAttemptIn(m, locked, now);
        await lifecycle.markInProgressIn(m, locked, now);
        await lifecycle.failAttemptIn(m, locked, attempt, { code: 'document_data_invalid', riskScore: 1 }, now);
      });
    }
    return reloadSession(session.id);
  }

  /** A session moved to `in_progress` with one `in_progress` attempt (a consumed handoff). */
  async function inProgressSession(changes: Partial<Session> = {}): Promise<{ session: Session; attempt: Attempt }> {
    const session = await insertSession(changes);
    const attempt = await db.transaction(async (m) => {
      const locked = (await lifecycle.lockSession(m, session.id))!;
      const now = clock.now();
      const started = await lifecycle.startAttemptIn(m, locked, now, { currentPhase: 'mobile_connected', phaseUpdatedAt: now });
      expect(await lifecycle.markInProgressIn(m, locked, now)).toBe(true);
      return started;
    });
    return { session: await reloadSession(session.id), attempt: await reloadAttempt(attempt.id) };
  }

  const reloadSession = (id: string) => db.read((m) => m.findOneByOrFail(Session, { id }));
  const reloadAttempt = (id: string) => db.read((m) => m.findOneByOrFail(Attempt, { id }));
  const attemptsOf = (sessionId: string) =>
    db.read((m) => m.find(Attempt, { where: { sessionId }, order: { createdAt: 'ASC', id: 'ASC' } }));
  const eventsOf = (sessionId: string) => db.read((m) => m.find(Event, { where: { sessionId }, order: { createdAt: 'ASC' } }));
  const eventTypes = async (sessionId: string) => (await eventsOf(sessionId)).map((e) => e.type).sort();
  const sessionEventsOf = async (sessionId: string) => (await eventsOf(sessionId)).filter((e) => SESSION_TYPES.includes(e.type));

  /** Runs `work` on the locked session in its own transaction, like every caller does. */
  function inLockedTransaction<T>(sessionId: string, work: (m: EntityManager, session: Session, now: Date) => Promise<T>): Promise<T> {
    return db.transaction(async (m) => {
      const session = await lifecycle.lockSession(m, sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      return work(m, session, clock.now());
    });
  }

  /** A snapshot of everything a transition could touch, to prove a no-op changed nothing. */
  async function snapshot(sessionId: string) {
    return { session: await reloadSession(sessionId), attempts: await attemptsOf(sessionId), events: await eventsOf(sessionId) };
  }

  // ---------------------------------------------------------------------------------------

  describe('lockSession', () => {
    it('loads the session inside a transaction and returns null for an unknown id', async () => {
      const session = await insertSession();
      const locked = await db.transaction((m) => lifecycle.lockSession(m, session.id));
      expect(locked).toMatchObject({ id: session.id, status: 'created', organizationId: orgId });
      expect(locked!.expiresAt).toEqual(session.expiresAt);
      await expect(db.transaction((m) => lifecycle.lockSession(m, newId.session()))).resolves.toBeNull();
    });
  });

  describe('created → in_progress (markInProgressIn)', () => {
    it('moves a created session to in_progress, touches updated_at and writes no event', async () => {
      const session = await insertSession();
      clock.advance(5);
      const { moved, now } = await inLockedTransaction(session.id, async (m, s, now) => ({
        moved: await lifecycle.markInProgressIn(m, s, now),
        now,
      }));
      expect(moved).toBe(true);
      const after = await reloadSession(session.id);
      expect(after).toMatchObject({ status: 'in_progress', failureCode: null, completedAt: null });
      expect(after.updatedAt).toEqual(now);
      expect(after.updatedAt.getTime()).toBeGreaterThan(session.updatedAt.getTime());
      expect(await eventsOf(session.id)).toEqual([]);
    });

    it('refuses a session that is not created (already in_progress) and changes nothing', async () => {
      const { session } = await inProgressSession();
      const before = await snapshot(session.id);
      await expect(inLockedTransaction(session.id, (m, s, now) => lifecycle.markInProgressIn(m, s, now))).resolves.toBe(false);
      expect(await snapshot(session.id)).toEqual(before);
    });
  });

  describe('in_progress → succeeded (succeedAttemptIn)', () => {
    it('succeeds the attempt and the session with completed_at and the two succeeded events', async () => {
      const { session, attempt } = await inProgressSession();
      clock.advance(7);
      const claims = { age_over_18: true, kayle_document_id: 'a'.repeat(64) };
      const { ok, now } = await inLockedTransaction(session.id, async (m, s, now) => ({
        ok: await lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['age_over_18', 'kayle_document_id'], claims, riskScore: 0.25 }, now),
        now,
      }));
      expect(ok).toBe(true);

      expect(await reloadSession(session.id)).toMatchObject({ status: 'succeeded', failureCode: null, completedAt: now, updatedAt: now });
      expect(await reloadAttempt(attempt.id)).toMatchObject({
        status: 'succeeded',
        failureCode: null,
        riskScore: 0.25,
        completedAt: now,
        updatedAt: now,
      });

      const events = await eventsOf(session.id);
      expect(events.map((e) => e.type).sort()).toEqual(['verification.attempt.succeeded', 'verification.session.succeeded']);
      const byType = Object.fromEntries(events.map((e) => [e.type, e]));
      expect(byType['verification.attempt.succeeded']).toMatchObject({
        triggerType: 'verification_attempt',
        triggerId: attempt.id,
        organizationId: orgId,
        livemode: false,
        createdAt: now,
      });
      expect(byType['verification.session.succeeded']).toMatchObject({
        triggerType: 'verification_session',
        triggerId: session.id,
        createdAt: now,
      });
      // Event rows keep the selection but never the claims (§5.9: no personal data).
      for (const event of events) expect(event.summary).toEqual({ selected_field_keys: ['age_over_18', 'kayle_document_id'] });
    });
  });

  describe('in_progress → failed check (failAttemptIn) and the budget of §4.4', () => {
    it('below the budget the attempt fails and the session goes back to created, with only attempt.failed', async () => {
      const { session, attempt } = await inProgressSession();
      clock.advance(3);
      const { outcome, now } = await inLockedTransaction(session.id, async (m, s, now) => ({
        outcome: await lifecycle.failAttemptIn(m, s, attempt, { code: 'selfie_face_mismatch', riskScore: 0.71 }, now),
        now,
      }));
      expect(outcome).not.toBeNull();
      expect(outcome!.failedAttempts).toBe(1);
      expect(outcome!.session.status).toBe('created');

      expect(await reloadSession(session.id)).toMatchObject({ status: 'created', failureCode: null, completedAt: null, updatedAt: now });
      expect(await reloadAttempt(attempt.id)).toMatchObject({
        status: 'failed',
        failureCode: 'selfie_face_mismatch',
        riskScore: 0.71,
        completedAt: now,
      });
      const events = await eventsOf(session.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'verification.attempt.failed',
        triggerType: 'verification_attempt',
        triggerId: attempt.id,
        summary: { failure_code: 'selfie_face_mismatch' },
      });
    });

    it('the second failure still leaves the session created; a new attempt may start', async () => {
      const session = await sessionWithFailures(2);
      expect(session).toMatchObject({ status: 'created', failureCode: null, completedAt: null });
      expect(await eventTypes(session.id)).toEqual(['verification.attempt.failed', 'verification.attempt.failed']);
      const attempt = await inLockedTransaction(session.id, (m, s, now) => lifecycle.startAttemptIn(m, s, now));
      expect(attempt.status).toBe('in_progress');
    });

    it('the third failure fails the session with the last code: attempt.failed + session.failed (failed_attempts 3)', async () => {
      const session = await insertSession();
      const codes: CheckFailureCode[] = ['document_authenticity_failed', 'liveness_failed', 'selfie_face_mismatch'];
      const outcomes = [];
      let lastNow = new Date(0);
      let lastAttempt = '';
      for (const code of codes) {
        clock.advance(2);
        outcomes.push(
          await inLockedTransaction(session.id, async (m, s, now) => {
            const attempt = await lifecycle.startAttemptIn(m, s, now);
            await lifecycle.markInProgressIn(m, s, now);
            lastNow = now;
            lastAttempt = attempt.id;
            return lifecycle.failAttemptIn(m, s, attempt, { code, riskScore: 1 }, now);
          }),
        );
      }
      expect(outcomes.map((o) => [o!.session.status, o!.failedAttempts])).toEqual([
        ['created', 1],
        ['created', 2],
        ['failed', 3],
      ]);
      expect(await reloadSession(session.id)).toMatchObject({
        status: 'failed',
        failureCode: 'selfie_face_mismatch',
        completedAt: lastNow,
        updatedAt: lastNow,
      });
      const attempts = await attemptsOf(session.id);
      expect(attempts.map((a) => [a.status, a.failureCode, a.riskScore])).toEqual(codes.map((c) => ['failed', c, 1]));

      const events = await eventsOf(session.id);
      expect(events.map((e) => e.type).sort()).toEqual([
        'verification.attempt.failed',
        'verification.attempt.failed',
        'verification.attempt.failed',
        'verification.session.failed',
      ]);
      const sessionFailed = events.find((e) => e.type === 'verification.session.failed')!;
      expect(sessionFailed).toMatchObject({
        triggerType: 'verification_session',
        triggerId: session.id,
        createdAt: lastNow,
        summary: { failure_code: 'selfie_face_mismatch', failed_attempts: 3 },
      });
      // Each attempt.failed triggers on its own attempt, with its own code.
      const attemptEvents = events.filter((e) => e.type === 'verification.attempt.failed');
      expect(attemptEvents.map((e) => [e.triggerType, e.triggerId, e.summary.failure_code]).sort()).toEqual(
        attempts.map((a) => ['verification_attempt', a.id, a.failureCode]).sort(),
      );
      expect(attemptEvents.map((e) => e.triggerId)).toContain(lastAttempt);
    });

    it('counts only check failures: cancelled attempts (replaced handoffs) do not use the budget', async () => {
      const session = await sessionWithFailures(2);
      // Two handoffs that were replaced before use (§6.3 extension rule).
      await inLockedTransaction(session.id, async (m, s, now) => {
        for (let i = 0; i < 2; i++) {
          const a = await lifecycle.startAttemptIn(m, s, now);
          await m.update(Attempt, { id: a.id }, { status: 'cancelled', completedAt: now, updatedAt: now });
        }
      });
      expect(await inLockedTransaction(session.id, (m) => lifecycle.countFailedAttempts(m, session.id))).toBe(2);
      const outcome = await inLockedTransaction(session.id, async (m, s, now) =>
        lifecycle.failAttemptIn(m, s, await lifecycle.startAttemptIn(m, s, now), { code: 'liveness_failed', riskScore: 1 }, now),
      );
      expect(outcome!.failedAttempts).toBe(3);
      expect(await reloadSession(session.id)).toMatchObject({ status: 'failed', failureCode: 'liveness_failed' });
    });
  });

  describe('cancel (cancelIn)', () => {
    it('cancels a created session: cancelled/session_cancelled, completed_at now, one session.cancelled event', async () => {
      const session = await insertSession();
      clock.advance(4);
      const { cancelled, now } = await inLockedTransaction(session.id, async (m, s, now) => ({
        cancelled: await lifecycle.cancelIn(m, s, now),
        now,
      }));
      expect(cancelled).toBe(true);
      expect(await reloadSession(session.id)).toMatchObject({
        status: 'cancelled',
        failureCode: 'session_cancelled',
        completedAt: now,
        updatedAt: now,
      });
      const events = await eventsOf(session.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'verification.session.cancelled',
        triggerType: 'verification_session',
        triggerId: session.id,
        summary: {},
        createdAt: now,
      });
    });

    it('cancels an in_progress session: its in_progress attempt fails with session_cancelled, risk 0, earlier failures untouched', async () => {
      const earlier = await sessionWithFailures(1);
      const [failedBefore] = await attemptsOf(earlier.id);
      const attempt = await inLockedTransaction(earlier.id, async (m, s, now) => {
        const a = await lifecycle.startAttemptIn(m, s, now);
        await lifecycle.markInProgressIn(m, s, now);
        return a;
      });
      expect((await reloadSession(earlier.id)).status).toBe('in_progress');
      clock.advance(6);

      const { cancelled, now } = await inLockedTransaction(earlier.id, async (m, s, now) => ({
        cancelled: await lifecycle.cancelIn(m, s, now),
        now,
      }));
      expect(cancelled).toBe(true);
      expect(await reloadSession(earlier.id)).toMatchObject({ status: 'cancelled', failureCode: 'session_cancelled', completedAt: now });
      expect(await reloadAttempt(attempt.id)).toMatchObject({
        status: 'failed',
        failureCode: 'session_cancelled',
        riskScore: 0,
        completedAt: now,
        updatedAt: now,
      });
      expect(await reloadAttempt(failedBefore.id)).toEqual(failedBefore);
      // The earlier check failure's attempt.failed plus exactly one session event; no attempt event for the cancel.
      expect(await eventTypes(earlier.id)).toEqual(['verification.attempt.failed', 'verification.session.cancelled']);
    });

    it('leaves the attempts of other sessions alone', async () => {
      const target = await inProgressSession();
      const bystander = await inProgressSession();
      await inLockedTransaction(target.session.id, (m, s, now) => lifecycle.cancelIn(m, s, now));
      expect(await reloadAttempt(bystander.attempt.id)).toEqual(bystander.attempt);
      expect(await reloadSession(bystander.session.id)).toEqual(bystander.session);
      expect(await eventsOf(bystander.session.id)).toEqual([]);
    });

    it('expires instead of cancelling an overdue session (lazy expiry first, §3.5)', async () => {
      const session = await insertSession();
      clock.advance(HOUR);
      try {
        const cancelled = await inLockedTransaction(session.id, (m, s, now) => lifecycle.cancelIn(m, s, now));
        expect(cancelled).toBe(false);
      } finally {
        clock.advance(-HOUR);
      }
      expect(await reloadSession(session.id)).toMatchObject({
        status: 'expired',
        failureCode: 'session_expired',
        completedAt: session.expiresAt,
      });
      expect(await eventTypes(session.id)).toEqual(['verification.session.expired']);
    });
  });

  describe('expiry (expireIfOverdueIn, expireIfOverdue, expireOverdueSessions)', () => {
    it('expires an overdue created session: expired/session_expired, completed_at = expires_at, one session.expired', async () => {
      const session = await insertSession({ expiresAt: new Date(clock.now().getTime() - 1000) });
      const { current, now } = await inLockedTransaction(session.id, async (m, s, now) => ({
        current: await lifecycle.expireIfOverdueIn(m, s, now),
        now,
      }));
      expect(current).toMatchObject({ status: 'expired', failureCode: 'session_expired', completedAt: session.expiresAt });
      expect(await reloadSession(session.id)).toMatchObject({
        status: 'expired',
        failureCode: 'session_expired',
        completedAt: session.expiresAt,
        updatedAt: now,
      });
      const events = await eventsOf(session.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'verification.session.expired',
        triggerType: 'verification_session',
        triggerId: session.id,
        summary: {},
      });
    });

    it('expires an in_progress session: its in_progress attempt fails with session_expired at now, risk 0', async () => {
      const { session, attempt } = await inProgressSession();
      const now = new Date(clock.now().getTime() + HOUR + 5);
      clock.advance(HOUR + 5);
      try {
        await lifecycle.expireIfOverdue(session.id);
      } finally {
        clock.advance(-(HOUR + 5));
      }
      expect(await reloadSession(session.id)).toMatchObject({
        status: 'expired',
        failureCode: 'session_expired',
        completedAt: session.expiresAt,
      });
      const after = await reloadAttempt(attempt.id);
      expect(after).toMatchObject({ status: 'failed', failureCode: 'session_expired', riskScore: 0 });
      // Attempts end "now" (§3.7), the session at its expires_at.
      expect(after.completedAt!.getTime()).toBeGreaterThanOrEqual(now.getTime());
      expect(after.completedAt!.getTime()).toBeGreaterThan(session.expiresAt.getTime());
      expect(await eventTypes(session.id)).toEqual(['verification.session.expired']);
    });

    it('treats expires_at == now as overdue, and a session one millisecond short of it as open', async () => {
      const now = clock.now();
      const atNow = await insertSession({ expiresAt: now });
      const justBefore = await insertSession({ expiresAt: new Date(now.getTime() + 1) });
      await db.transaction(async (m) => {
        await lifecycle.expireIfOverdueIn(m, (await lifecycle.lockSession(m, atNow.id))!, now);
        await lifecycle.expireIfOverdueIn(m, (await lifecycle.lockSession(m, justBefore.id))!, now);
      });
      expect((await reloadSession(atNow.id)).status).toBe('expired');
      expect(await reloadSession(justBefore.id)).toEqual(justBefore);
      expect(await eventsOf(justBefore.id)).toEqual([]);
    });

    it('expires with a stale copy only once: the conditional update refuses the second call and reloads the row', async () => {
      const session = await insertSession({ expiresAt: new Date(clock.now().getTime() - 1) });
      const stale = await reloadSession(session.id);
      await lifecycle.expireIfOverdue(session.id);
      const result = await db.transaction((m) => lifecycle.expireIfOverdueIn(m, stale, clock.now()));
      expect(result).toMatchObject({ status: 'expired', completedAt: session.expiresAt });
      expect(await eventTypes(session.id)).toEqual(['verification.session.expired']);
    });

    it('expireOverdueSessions sweeps in batches, honours the organization/environment scope and never emits twice', async () => {
      const past = new Date(clock.now().getTime() - 10);
      const sweeperOrg = await insertOrganization('Sweep');
      const inScope = await Promise.all(
        Array.from({ length: 5 }, () => insertSession({ organizationId: sweeperOrg, livemode: false, expiresAt: past })),
      );
      const live = await insertSession({ organizationId: sweeperOrg, livemode: true, expiresAt: past });
      const otherOrg = await insertSession({ organizationId: otherOrgId, livemode: false, expiresAt: past });
      const notDue = await insertSession({ organizationId: sweeperOrg, livemode: false });
      const terminal = await insertSession({ organizationId: sweeperOrg, status: 'cancelled', failureCode: 'session_cancelled', completedAt: past, expiresAt: past });

      expect(await lifecycle.expireOverdueSessions({ organizationId: sweeperOrg, livemode: false }, 2)).toBe(5);
      for (const s of inScope) expect((await reloadSession(s.id)).status).toBe('expired');
      expect((await reloadSession(live.id)).status).toBe('created');
      expect((await reloadSession(otherOrg.id)).status).toBe('created');
      expect(await reloadSession(notDue.id)).toEqual(notDue);
      expect(await reloadSession(terminal.id)).toEqual(terminal);

      // Unscoped (the sweeper): the rest; everything overdue in the database may go, but
      // these two must, and nothing already expired is expired again.
      expect(await lifecycle.expireOverdueSessions()).toBeGreaterThanOrEqual(2);
      expect((await reloadSession(live.id)).status).toBe('expired');
      expect((await reloadSession(otherOrg.id)).status).toBe('expired');
      expect(await lifecycle.expireOverdueSessions()).toBe(0);
      for (const s of [...inScope, live, otherOrg]) {
        expect(await eventTypes(s.id)).toEqual(['verification.session.expired']);
      }
      expect(await eventsOf(terminal.id)).toEqual([]);
    });

    it('racing lazy expiry and the sweeper still emit exactly one session.expired per session', async () => {
      const past = new Date(clock.now().getTime() - 10);
      const sessions = await Promise.all(Array.from({ length: 6 }, () => insertSession({ expiresAt: past })));
      await Promise.all([
        lifecycle.expireOverdueSessions(),
        ...sessions.map((s) => lifecycle.expireIfOverdue(s.id)),
        lifecycle.expireOverdueSessions({ organizationId: orgId, livemode: false }),
        ...sessions.map((s) => inLockedTransaction(s.id, (m, locked, now) => lifecycle.cancelIn(m, locked, now))),
      ]);
      for (const s of sessions) {
        expect((await reloadSession(s.id)).status).toBe('expired');
        expect(await eventTypes(s.id)).toEqual(['verification.session.expired']);
      }
    });
  });

  describe('terminal → any: nothing changes and nothing is emitted', () => {
    const terminalSessions: Array<[SessionStatus, string | null]> = [
      ['succeeded', null],
      ['failed', 'liveness_failed'],
      ['expired', 'session_expired'],
      ['cancelled', 'session_cancelled'],
    ];

    it.each(terminalSessions)('a %s session refuses cancel, expiry, in_progress and new attempts', async (status, failureCode) => {
      const completedAt = new Date(clock.now().getTime() - 60_000);
      // Overdue too, so that expiry would apply if terminal statuses were not final.
      const session = await insertSession({ status, failureCode, completedAt, expiresAt: new Date(clock.now().getTime() - 1000) });
      const before = await snapshot(session.id);

      expect(await inLockedTransaction(session.id, (m, s, now) => lifecycle.cancelIn(m, s, now))).toBe(false);
      await inLockedTransaction(session.id, (m, s, now) => lifecycle.expireIfOverdueIn(m, s, now));
      await lifecycle.expireIfOverdue(session.id);
      expect(await inLockedTransaction(session.id, (m, s, now) => lifecycle.markInProgressIn(m, s, now))).toBe(false);
      await expect(inLockedTransaction(session.id, (m, s, now) => lifecycle.startAttemptIn(m, s, now))).rejects.toThrow(
        `startAttempt on a ${status} session`,
      );

      expect(await snapshot(session.id)).toEqual(before);
      expect(before.session.completedAt).toEqual(completedAt);
    });

    it('failAttemptIn on a succeeded attempt returns null and writes nothing', async () => {
      const { session, attempt } = await inProgressSession();
      await inLockedTransaction(session.id, (m, s, now) =>
        lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now),
      );
      const before = await snapshot(session.id);
      clock.advance(3);
      const outcome = await inLockedTransaction(session.id, (m, s, now) =>
        lifecycle.failAttemptIn(m, s, attempt, { code: 'document_authenticity_failed', riskScore: 1 }, now),
      );
      expect(outcome).toBeNull();
      expect(await snapshot(session.id)).toEqual(before);
      expect(before.session.status).toBe('succeeded');
    });

    it('succeedAttemptIn on an attempt that already failed (cancelled session) returns false and writes nothing', async () => {
      const { session, attempt } = await inProgressSession();
      await inLockedTransaction(session.id, (m, s, now) => lifecycle.cancelIn(m, s, now));
      const before = await snapshot(session.id);
      const ok = await inLockedTransaction(session.id, (m, s, now) =>
        lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now),
      );
      expect(ok).toBe(false);
      expect(await snapshot(session.id)).toEqual(before);
    });

    it('an attempt can never succeed after expires_at: the conditional update refuses the overdue session and the transaction rolls back', async () => {
      const { session, attempt } = await inProgressSession({ expiresAt: new Date(clock.now().getTime() + 50) });
      const before = await snapshot(session.id);
      clock.advance(50); // now == expires_at: overdue
      try {
        await expect(
          inLockedTransaction(session.id, (m, s, now) =>
            lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now),
          ),
        ).rejects.toThrow();
        // Rolled back: the attempt is still in_progress, no event was written.
        expect(await snapshot(session.id)).toEqual(before);

        // What callers do (§3.7): lazy expiry first, then the session is terminal.
        await lifecycle.expireIfOverdue(session.id);
      } finally {
        clock.advance(-50);
      }
      expect(await reloadSession(session.id)).toMatchObject({ status: 'expired', completedAt: session.expiresAt });
      expect(await reloadAttempt(attempt.id)).toMatchObject({ status: 'failed', failureCode: 'session_expired' });
      expect(await eventTypes(session.id)).toEqual(['verification.session.expired']);
    });
  });

  describe('races: exactly one terminal transition per session', () => {
    /** The third failure, the way the fail helper and the verdict path run it. */
    const failOnce = (sessionId: string, code: CheckFailureCode) =>
      inLockedTransaction(sessionId, async (m, session, now) => {
        await lifecycle.expireIfOverdueIn(m, session, now);
        if (session.status !== 'created' && session.status !== 'in_progress') return { terminal: true as const, status: session.status };
        const attempt = await lifecycle.startAttemptIn(m, session, now);
        const outcome = await lifecycle.failAttemptIn(m, session, attempt, { code, riskScore: 1 }, now);
        return { terminal: false as const, status: outcome!.session.status, failedAttempts: outcome!.failedAttempts };
      });

    it('two concurrent third failures: one failed session, one session.failed event, the loser sees it terminal', async () => {
      for (let round = 0; round < 5; round++) {
        const session = await sessionWithFailures(2);
        const results = await Promise.all([failOnce(session.id, 'liveness_failed'), failOnce(session.id, 'selfie_face_mismatch')]);

        const winners = results.filter((r) => !r.terminal);
        const losers = results.filter((r) => r.terminal);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ status: 'failed', failedAttempts: 3 });
        expect(losers).toEqual([{ terminal: true, status: 'failed' }]);

        const winnerCode = results[0].terminal ? 'selfie_face_mismatch' : 'liveness_failed';
        expect(await reloadSession(session.id)).toMatchObject({ status: 'failed', failureCode: winnerCode });
        const sessionEvents = await sessionEventsOf(session.id);
        expect(sessionEvents).toHaveLength(1);
        expect(sessionEvents[0]).toMatchObject({ type: 'verification.session.failed', summary: { failure_code: winnerCode, failed_attempts: 3 } });
        // The loser never started an attempt: three failed attempts, three attempt.failed events.
        expect((await attemptsOf(session.id)).map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
        expect((await eventTypes(session.id)).filter((t) => t === 'verification.attempt.failed')).toHaveLength(3);
      }
    });

    it('many concurrent failures on one session never exceed the budget', async () => {
      const session = await insertSession();
      const results = await Promise.all(Array.from({ length: 8 }, () => failOnce(session.id, 'document_data_invalid')));
      expect(
        results
          .filter((r) => !r.terminal)
          .map((r) => r.failedAttempts)
          .sort(),
      ).toEqual([1, 2, 3]);
      expect(results.filter((r) => r.terminal)).toHaveLength(5);
      expect((await attemptsOf(session.id)).filter((a) => a.status === 'failed')).toHaveLength(3);
      expect((await sessionEventsOf(session.id)).map((e) => e.type)).toEqual(['verification.session.failed']);
    });

    it('a cancel racing a succeed: exactly one terminal status and its matching single session event', async () => {
      const outcomes = new Set<string>();
      for (let round = 0; round < 10; round++) {
        const { session, attempt } = await inProgressSession();
        const cancel = () =>
          inLockedTransaction(session.id, async (m, s, now) => ((await lifecycle.cancelIn(m, s, now)) ? 'cancelled' : 'noop'));
        const succeed = () =>
          inLockedTransaction(session.id, async (m, s, now) => {
            await lifecycle.expireIfOverdueIn(m, s, now);
            if (s.status !== 'in_progress') return 'noop';
            const ok = await lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now);
            return ok ? 'succeeded' : 'noop';
          });
        // Alternate who asks first.
        const results = round % 2 === 0 ? await Promise.all([cancel(), succeed()]) : (await Promise.all([succeed(), cancel()])).reverse();

        const final = await reloadSession(session.id);
        const winners = results.filter((r) => r !== 'noop');
        expect(winners).toEqual([final.status]);
        outcomes.add(final.status);
        const sessionEvents = await sessionEventsOf(session.id);
        expect(sessionEvents.map((e) => e.type)).toEqual([`verification.session.${final.status}`]);
        const finalAttempt = await reloadAttempt(attempt.id);
        if (final.status === 'succeeded') {
          expect(final.failureCode).toBeNull();
          expect(finalAttempt).toMatchObject({ status: 'succeeded', failureCode: null });
          expect(await eventTypes(session.id)).toEqual(['verification.attempt.succeeded', 'verification.session.succeeded']);
        } else {
          expect(final).toMatchObject({ status: 'cancelled', failureCode: 'session_cancelled' });
          expect(finalAttempt).toMatchObject({ status: 'failed', failureCode: 'session_cancelled', riskScore: 0 });
          expect(await eventTypes(session.id)).toEqual(['verification.session.cancelled']);
        }
      }
      // Lock order decides. SQLite's FIFO lock serves them in call order, so both orders
      // are exercised there; PostgreSQL picks the winner itself.
      if (db.driver === 'sqlite') expect([...outcomes].sort()).toEqual(['cancelled', 'succeeded']);
    });

    it('a succeed holding a stale attempt after a committed cancel is refused by the conditional update', async () => {
      const { session, attempt } = await inProgressSession();
      await inLockedTransaction(session.id, (m, s, now) => lifecycle.cancelIn(m, s, now));
      // Skips the status re-check a careful caller makes: the attempt update still refuses.
      const ok = await inLockedTransaction(session.id, (m, s, now) =>
        lifecycle.succeedAttemptIn(m, s, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now),
      );
      expect(ok).toBe(false);
      expect((await reloadSession(session.id)).status).toBe('cancelled');
      expect(await eventTypes(session.id)).toEqual(['verification.session.cancelled']);
    });
  });

  describe('attempt ordering', () => {
    it('attempts started in the same millisecond get strictly increasing created_at', async () => {
      const session = await insertSession();
      const now = clock.now();
      const started = await db.transaction(async (m) => {
        const s = (await lifecycle.lockSession(m, session.id))!;
        const list: Attempt[] = [];
        for (let i = 0; i < 3; i++) {
          const a = await lifecycle.startAttemptIn(m, s, now);
          await m.update(Attempt, { id: a.id }, { status: 'cancelled', completedAt: now, updatedAt: now });
          list.push(a);
        }
        return list;
      });
      expect(started.map((a) => a.createdAt.getTime())).toEqual([now.getTime(), now.getTime() + 1, now.getTime() + 2]);
      const stored = await attemptsOf(session.id);
      expect(stored.map((a) => a.id)).toEqual(started.map((a) => a.id));
      expect(stored.map((a) => a.createdAt)).toEqual(started.map((a) => a.createdAt));
    });

    it('keeps the order across transactions and when the clock reads earlier than the newest attempt', async () => {
      const session = await insertSession();
      const now = clock.now();
      const first = await inLockedTransaction(session.id, (m, s) => lifecycle.startAttemptIn(m, s, now));
      await db.transaction((m) => m.update(Attempt, { id: first.id }, { status: 'cancelled' }));
      const second = await inLockedTransaction(session.id, (m, s) => lifecycle.startAttemptIn(m, s, now));
      await db.transaction((m) => m.update(Attempt, { id: second.id }, { status: 'cancelled' }));
      const third = await inLockedTransaction(session.id, (m, s) => lifecycle.startAttemptIn(m, s, new Date(now.getTime() - 500)));
      expect([first, second, third].map((a) => a.createdAt.getTime() - now.getTime())).toEqual([0, 1, 2]);
      // Another session's attempts are not pushed by this one's.
      const other = await insertSession();
      const unrelated = await inLockedTransaction(other.id, (m, s) => lifecycle.startAttemptIn(m, s, now));
      expect(unrelated.createdAt).toEqual(now);
    });
  });
});
