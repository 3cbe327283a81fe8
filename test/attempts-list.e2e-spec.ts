import type { EntityManager } from 'typeorm';
import { SessionLifecycleService } from '../dist/src/sessions/attempts/session-lifecycle.service.js';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  ATTEMPT_ID,
  ATTEMPT_KEYS,
  DOCS,
  ISO_MS,
  createSession,
  drive,
  eventTriples,
  getSession,
  listAttempts,
  sessionEvent,
  withClockAdvanced,
  type AttemptJson,
  type SessionJson,
} from './helpers/lifecycle.js';

/** GET /v1/sessions/attempts and its alias (§4.2), with pagination (§1.7) and environments (§1.8). */

const PATHS = ['/v1/sessions/attempts', '/v1/sessions/attempts/attempts'];
const FILTER_REQUIRED = {
  code: 'BAD_REQUEST',
  message: 'Bad request.',
  hint: 'You must provide at least one filter: `session_id` or `status`.',
  docs: `${DOCS}/sessions/attempts`,
  request_id: expect.stringMatching(/^req_[a-z0-9]{24}$/),
};
const FORBIDDEN_BODY = { error: { code: 'FORBIDDEN', message: 'Forbidden' } };
const EMPTY_PAGE = { limit: 10, has_more: false, next_cursor: null };

/** Newest first by (created_at DESC, id DESC), as §1.7 orders every list. */
const newestFirst = (attempts: AttemptJson[]) =>
  [...attempts].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
const ids = (attempts: AttemptJson[]) => attempts.map((a) => a.id);

describe('GET /v1/sessions/attempts (§4.2)', () => {
  let t: TestApp;
  let orgId: string;
  let live: CreatedKey;
  let test: CreatedKey;
  let foreign: { live: CreatedKey; test: CreatedKey };
  // sA: failed, failed, succeeded. sB: three failures (failed). sC: none. sD: one failure.
  let sA: SessionJson;
  let sB: SessionJson;
  let sC: SessionJson;
  let sD: SessionJson;
  let foreignSession: SessionJson;
  let liveSession: SessionJson;
  let liveAttemptId: string;
  let allTest: AttemptJson[];

  /** An in_progress attempt on a live session, the way a consumed handoff leaves it (§3.8 row 2). */
  async function startLiveAttempt(sessionId: string): Promise<string> {
    const lifecycle = t.app.get(SessionLifecycleService);
    return t.app.get(DatabaseService).transaction(async (m: EntityManager) => {
      const session = await lifecycle.lockSession(m, sessionId);
      const now = new Date(Date.now());
      const attempt = await lifecycle.startAttemptIn(m, session!, now, { currentPhase: 'mobile_connected', phaseUpdatedAt: now });
      await lifecycle.markInProgressIn(m, session!, now);
      return attempt.id as string;
    });
  }

  beforeAll(async () => {
    t = await createTestApp();
    ({ orgId, live, test } = await t.tenant());
    const other = await t.tenant();
    foreign = { live: other.live, test: other.test };

    sA = await createSession(t, test);
    await drive(t, test, sA.id, 'fail', { failure_code: 'document_data_invalid' });
    await drive(t, test, sA.id, 'fail', { failure_code: 'liveness_failed' });
    sA = await drive(t, test, sA.id, 'succeed');
    sB = await createSession(t, test);
    for (const code of ['selfie_face_mismatch', 'document_authenticity_failed', 'liveness_failed']) {
      sB = await drive(t, test, sB.id, 'fail', { failure_code: code });
    }
    sC = await createSession(t, test);
    sD = await drive(t, test, (await createSession(t, test)).id, 'fail');
    foreignSession = await drive(t, foreign.test, (await createSession(t, foreign.test)).id, 'fail');
    liveSession = await createSession(t, live);
    liveAttemptId = await startLiveAttempt(liveSession.id);
    allTest = [...sA.attempts!, ...sB.attempts!, ...sD.attempts!];
  });
  afterAll(async () => t.close());

  const list = (query: Record<string, string | number>, key: CreatedKey = test, path = PATHS[0]) => listAttempts(t, key, query, path);

  describe('filters', () => {
    it.each(PATHS)('%s?session_id= lists that session’s attempts newest first, as the attempt objects of §4.1', async (path) => {
      const res = await list({ session_id: sA.id }, test, path);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['data', 'error', 'pagination']);
      expect(res.body.error).toBeNull();
      expect(res.body.pagination).toEqual(EMPTY_PAGE);
      const data = res.body.data as AttemptJson[];
      expect(data.map((a) => a.status)).toEqual(['succeeded', 'failed', 'failed']);
      expect(data.map((a) => a.failure_code)).toEqual([null, 'liveness_failed', 'document_data_invalid']);
      for (const a of data) {
        expect(Object.keys(a)).toEqual(ATTEMPT_KEYS);
        expect(a.id).toMatch(ATTEMPT_ID);
        expect(a).toMatchObject({ session_id: sA.id, livemode: false });
        for (const field of ['completed_at', 'created_at', 'updated_at'] as const) expect(a[field]).toMatch(ISO_MS);
      }
      // The same objects the session embeds (oldest first there).
      expect(data).toEqual([...sA.attempts!].reverse());
    });

    it('both paths answer the same for every filter combination', async () => {
      const queries: Array<Record<string, string | number>> = [
        { session_id: sA.id },
        { status: 'failed' },
        { status: 'failed', limit: 2 },
        { session_id: sB.id, status: 'failed', limit: 1 },
        { status: 'succeeded' },
        { session_id: 'nope' },
      ];
      for (const query of queries) {
        const [a, b] = await Promise.all(PATHS.map((p) => list(query, test, p)));
        expect(a.status).toBe(200);
        expect(b.status).toBe(200);
        expect(b.body).toEqual(a.body);
      }
    });

    it('status=failed lists every failed attempt of the organization and environment, newest first', async () => {
      const res = await list({ status: 'failed', limit: 100 });
      expect(res.status).toBe(200);
      const expected = newestFirst(allTest.filter((a) => a.status === 'failed'));
      expect(expected).toHaveLength(6);
      expect(ids(res.body.data)).toEqual(ids(expected));
      expect(res.body.data).toEqual(expected);
    });

    it.each([
      ['succeeded', () => [sA.attempts![2]]],
      ['in_progress', () => []],
      ['cancelled', () => []],
    ])('status=%s', async (status, expected) => {
      const res = await list({ status });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(expected());
    });

    it('session_id and status combine', async () => {
      const res = await list({ session_id: sA.id, status: 'failed' });
      expect(ids(res.body.data)).toEqual(ids([sA.attempts![1], sA.attempts![0]]));
      const none = await list({ session_id: sC.id, status: 'failed' });
      expect(none.body.data).toEqual([]);
    });

    it.each([
      ['an unknown well-formed id', () => `vs_${'9'.repeat(64)}`],
      ['a string that is not a session id', () => 'not-a-session'],
      ['an attempt id', () => sA.attempts![0].id],
      ['a session without attempts', () => sC.id],
      ['a session of another organization', () => foreignSession.id],
      ['a live session, asked with a test key', () => liveSession.id],
    ])('session_id of %s gives an empty list (not a 404)', async (_what, sessionId) => {
      const res = await list({ session_id: sessionId() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], error: null, pagination: EMPTY_PAGE });
    });
  });

  describe('400s', () => {
    it.each(PATHS)('%s without session_id or status → 400 with the exact strings and the pagination block', async (path) => {
      for (const [query, limit] of [
        [{}, 10],
        [{ limit: 7 }, 7],
        [{ starting_after: sA.attempts![0].id }, 10],
        [{ include_attempts: 'true', limit: 100 }, 100],
      ] as Array<[Record<string, string | number>, number]>) {
        const res = await list(query, test, path);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          data: null,
          error: FILTER_REQUIRED,
          pagination: { limit, has_more: false, next_cursor: null },
        });
        expect(res.body.error).not.toHaveProperty('param');
        expect(res.headers['x-request-id']).toBe(res.body.error.request_id);
      }
      // An invalid limit is reported as 10 in the block, whichever 400 wins.
      const bad = await list({ limit: 500 }, test, path);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('BAD_REQUEST');
      expect(bad.body.pagination).toEqual(EMPTY_PAGE);
    });

    it.each(['created', 'pending', 'FAILED', 'failed ', ''])('status=%j → 400 param status, with the pagination block', async (status) => {
      for (const path of PATHS) {
        const res = await list({ status, limit: 5 }, test, path);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'Bad request.', param: 'status' });
        expect(res.body.pagination).toEqual({ limit: 5, has_more: false, next_cursor: null });
      }
    });

    it('a repeated status → 400 param status', async () => {
      const res = await t.http().get('/v1/sessions/attempts?status=failed&status=failed').set(bearer(test));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'status' });
    });

    it.each(['0', '101', 'abc', '1.5', '-1', ''])('limit=%j → 400 param limit, pagination.limit 10', async (limit) => {
      const res = await list({ status: 'failed', limit });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'limit' });
      expect(res.body.pagination).toEqual(EMPTY_PAGE);
    });

    it.each([
      ['a session id', () => sA.id],
      ['an unknown attempt id', () => `va_${'0'.repeat(64)}`],
      ['an attempt of another organization', () => foreignSession.attempts![0].id],
      ['a live attempt, with a test key', () => liveAttemptId],
    ])('starting_after = %s → 400 param starting_after', async (_what, cursor) => {
      for (const path of PATHS) {
        const res = await list({ status: 'failed', starting_after: cursor(), limit: 2 }, test, path);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'Bad request.', param: 'starting_after' });
        expect(res.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });
      }
    });

    it('needs sessions:read: the exact 403 without it, the exact 401 without a key', async () => {
      const writer = await t.createKey(orgId, { livemode: false, scopes: ['sessions:write'] });
      for (const path of PATHS) {
        const forbidden = await list({ status: 'failed' }, writer, path);
        expect(forbidden.status).toBe(403);
        expect(forbidden.body).toEqual(FORBIDDEN_BODY);
        const anonymous = await t.http().get(`${path}?status=failed`);
        expect(anonymous.status).toBe(401);
        expect(anonymous.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } });
      }
    });
  });

  describe('pagination (§1.7)', () => {
    it.each(PATHS)('%s: walking status=failed with limit 2 visits every attempt once, newest first', async (path) => {
      const expected = ids(newestFirst(allTest.filter((a) => a.status === 'failed')));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const res = await list({ status: 'failed', limit: 2, ...(cursor ? { starting_after: cursor } : {}) }, test, path);
        expect(res.status).toBe(200);
        pages++;
        const data = res.body.data as AttemptJson[];
        seen.push(...ids(data));
        if (!res.body.pagination.has_more) {
          expect(res.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });
          break;
        }
        expect(data).toHaveLength(2);
        expect(res.body.pagination).toEqual({ limit: 2, has_more: true, next_cursor: data[1].id });
        cursor = res.body.pagination.next_cursor;
        if (pages > 10) throw new Error('pagination does not end');
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);
    });

    it('walks one session with limit 1', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 5; i++) {
        const res = await list({ session_id: sB.id, limit: 1, ...(cursor ? { starting_after: cursor } : {}) });
        seen.push(...ids(res.body.data));
        cursor = res.body.pagination.next_cursor ?? undefined;
        if (!cursor) break;
      }
      expect(seen).toEqual(ids([...sB.attempts!].reverse()));
    });

    it('a cursor need not match the current filters: a succeeded attempt pages a failed list', async () => {
      const succeeded = sA.attempts![2];
      const res = await list({ status: 'failed', starting_after: succeeded.id, limit: 100 });
      expect(res.status).toBe(200);
      const older = newestFirst(allTest.filter((a) => a.status === 'failed')).filter(
        (a) => Date.parse(a.created_at) < Date.parse(succeeded.created_at) || (a.created_at === succeeded.created_at && a.id < succeeded.id),
      );
      expect(ids(res.body.data)).toEqual(ids(older));
      expect(ids(res.body.data)).toEqual(expect.arrayContaining(ids(sA.attempts!.slice(0, 2))));
    });

    it('the last item as a cursor gives an empty last page', async () => {
      const oldest = newestFirst(allTest).at(-1)!;
      const res = await list({ status: oldest.status, starting_after: oldest.id });
      expect(res.body).toEqual({ data: [], error: null, pagination: EMPTY_PAGE });
    });
  });

  describe('environments (§1.8) and lazy expiry', () => {
    it('a live key sees only live attempts, a test key only test ones', async () => {
      const liveInProgress = await list({ status: 'in_progress' }, live);
      expect(ids(liveInProgress.body.data)).toEqual([liveAttemptId]);
      expect(liveInProgress.body.data[0]).toMatchObject({ session_id: liveSession.id, livemode: true, status: 'in_progress', failure_code: null, risk_score: 0, completed_at: null });
      expect((await list({ status: 'in_progress' }, test)).body.data).toEqual([]);
      expect((await list({ status: 'failed' }, live)).body.data).toEqual([]);
      expect((await list({ session_id: sA.id }, live)).body.data).toEqual([]);
      expect(ids((await list({ session_id: liveSession.id }, live)).body.data)).toEqual([liveAttemptId]);
      // Another organization sees none of them.
      expect(ids((await list({ status: 'failed' }, foreign.test)).body.data)).toEqual(ids(foreignSession.attempts!));
      expect((await list({ status: 'in_progress' }, foreign.live)).body.data).toEqual([]);
    });

    it('applies lazy expiry before listing by session_id: the in_progress attempt is failed/session_expired', async () => {
      const session = await createSession(t, live, { expires_in: 300 });
      const attemptId = await startLiveAttempt(session.id);
      const res = await withClockAdvanced(t, 300_000, () => list({ session_id: session.id }, live));
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      expect(res.body.data[0]).toMatchObject({ id: attemptId, status: 'failed', failure_code: 'session_expired', risk_score: 0 });
      expect(res.body.data[0].completed_at).toMatch(ISO_MS);
      expect(await getSession(t, live, session.id)).toMatchObject({
        status: 'expired',
        failure_code: 'session_expired',
        completed_at: session.expires_at,
      });
      expect(await eventTriples(t, session.id)).toEqual([sessionEvent('expired', session.id)]);
    });

    it('applies lazy expiry before listing by status: an overdue in_progress attempt is never listed as in_progress', async () => {
      const session = await createSession(t, live, { expires_in: 300 });
      const attemptId = await startLiveAttempt(session.id);
      const { inProgress, failed } = await withClockAdvanced(t, 300_000, async () => ({
        inProgress: await list({ status: 'in_progress' }, live),
        failed: await list({ status: 'failed' }, live),
      }));
      expect(ids(inProgress.body.data)).not.toContain(attemptId);
      expect(failed.body.data.find((a: AttemptJson) => a.id === attemptId)).toMatchObject({ status: 'failed', failure_code: 'session_expired' });
      expect(await eventTriples(t, session.id)).toEqual([sessionEvent('expired', session.id)]);
    });
  });

  describe('attempts embedded in sessions (§1.7: oldest first)', () => {
    it('GET /v1/sessions/:id?include_attempts=true lists them oldest first; without it there is no attempts key', async () => {
      const s = await getSession(t, test, sA.id);
      expect(s.attempts!.map((a) => [a.status, a.failure_code])).toEqual([
        ['failed', 'document_data_invalid'],
        ['failed', 'liveness_failed'],
        ['succeeded', null],
      ]);
      const times = s.attempts!.map((a) => Date.parse(a.created_at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(s.attempts).toEqual([...(await list({ session_id: sA.id })).body.data].reverse());
      const plain = await getSession(t, test, sA.id, false);
      expect(plain).not.toHaveProperty('attempts');
      expect((await getSession(t, test, sC.id)).attempts).toEqual([]);
    });

    it('GET /v1/sessions?include_attempts=true embeds each session’s attempts oldest first', async () => {
      const res = await t.http().get('/v1/sessions?include_attempts=true&limit=100').set(bearer(test));
      expect(res.status).toBe(200);
      const byId = new Map((res.body.data as SessionJson[]).map((s) => [s.id, s]));
      expect(byId.get(sA.id)!.attempts).toEqual(sA.attempts);
      expect(byId.get(sB.id)!.attempts).toEqual(sB.attempts);
      expect(byId.get(sC.id)!.attempts).toEqual([]);
      expect(byId.get(sD.id)!.attempts).toEqual(sD.attempts);
      expect(byId.has(liveSession.id)).toBe(false);
    });
  });
});
