import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  DOCS,
  SESSION_KEYS,
  clockOf,
  createSession,
  expectApiError,
  expectBadRequest,
  expectForbidden,
  expectSessionNotFound,
  getSession,
  unknownSessionId,
  walkSessions,
  type CreatedSession,
} from './helpers/sessions.js';

/** `iso` (UTC, ms) rewritten in another offset, e.g. +02:00, keeping the instant. */
function withOffset(iso: string, offsetMinutes: number, fraction = true): string {
  const shifted = new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${fraction ? shifted.slice(0, 23) : shifted.slice(0, 19)}${offset}`;
}

/** Newest first by (created_at DESC, id DESC), as §1.7 orders lists. */
const newestFirst = (sessions: Array<{ id: string; created_at: string }>) =>
  [...sessions]
    .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
    .map((s) => s.id);

const PAGINATION_ERROR = { limit: 10, has_more: false, next_cursor: null };

describe('GET /v1/sessions/:id and GET /v1/sessions (§3.3, §3.4, §1.7)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;
  let other: { live: CreatedKey; test: CreatedKey };

  beforeAll(async () => {
    t = await createTestApp();
    ({ live, test } = await t.tenant());
    const o = await t.tenant();
    other = { live: o.live, test: o.test };
  });
  afterAll(async () => t.close());

  const get = (id: string, key: CreatedKey = live, query = '') =>
    t.http().get(`/v1/sessions/${id}${query}`).set(bearer(key));
  const list = (query: Record<string, string> | string, key: CreatedKey = live) => {
    const req = t.http().get(typeof query === 'string' ? `/v1/sessions?${query}` : '/v1/sessions').set(bearer(key));
    return typeof query === 'string' ? req : req.query(query);
  };

  describe('get', () => {
    it('returns the session without cancel_token, verification_url without query', async () => {
      const created = await createSession(t, live, { redirect_url: 'https://shop.example/r' });
      const res = await get(created.id);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(res.body.error).toBeNull();
      expect(Object.keys(res.body.data)).toEqual(SESSION_KEYS);
      expect(res.body.data).not.toHaveProperty('cancel_token');
      expect(res.body.data.verification_url).toBe(`http://localhost:3000/verify/${created.id}`);
      expect(res.text).not.toContain(created.cancel_token);
      const { cancel_token: _t, verification_url: _u, ...rest } = created;
      expect(res.body.data).toMatchObject(rest);
    });

    it('include_attempts=true adds attempts, oldest first ([] when none)', async () => {
      const created = await createSession(t, test);
      let res = await get(created.id, test, '?include_attempts=true');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.data)).toEqual([...SESSION_KEYS, 'attempts']);
      expect(res.body.data.attempts).toEqual([]);

      for (const code of ['liveness_failed', 'selfie_face_mismatch']) {
        const fail = await t.http().post(`/v1/test_helpers/sessions/${created.id}/fail`).set(bearer(test)).send({ failure_code: code });
        expect(fail.status).toBe(200);
      }
      res = await get(created.id, test, '?include_attempts=1');
      expect(res.body.data.status).toBe('created');
      expect(res.body.data.attempts.map((a: { failure_code: string }) => a.failure_code)).toEqual([
        'liveness_failed',
        'selfie_face_mismatch',
      ]);
      const [first, second] = res.body.data.attempts;
      expect(first.session_id).toBe(created.id);
      expect(Date.parse(first.created_at)).toBeLessThan(Date.parse(second.created_at));

      res = await get(created.id, test, '?include_attempts=false');
      expect(Object.keys(res.body.data)).toEqual(SESSION_KEYS);
    });

    it.each(['yes', '', 'True'])('include_attempts=%j → 400 param include_attempts', async (v) => {
      const created = await createSession(t, live);
      expectBadRequest(await get(created.id, live, `?include_attempts=${v}`), 'include_attempts');
    });

    it.each([
      ['vs_short', 'vs_short'],
      ['65 characters after vs_', `vs_${'a'.repeat(65)}`],
      ['63 characters after vs_', `vs_${'a'.repeat(63)}`],
      ['a wrong prefix', `va_${'a'.repeat(64)}`],
      ['an uppercase prefix', `VS_${'a'.repeat(64)}`],
      ['a dash inside', `vs_${'a'.repeat(63)}-`],
    ])('a malformed id (%s) → 400 param id', async (_label, id) => {
      expectBadRequest(await get(id), 'id');
    });

    it('accepts uppercase letters in a well-formed id (404, not 400)', async () => {
      expectSessionNotFound(await get(`vs_${'A'.repeat(64)}`), 'get-by-id');
    });

    it('a well-formed unknown id → 404 with the exact strings', async () => {
      const res = await get(unknownSessionId());
      expectApiError(res, {
        status: 404,
        code: 'NOT_FOUND',
        message: 'Session not found.',
        hint: 'The session with the given ID was not found.',
        docs: `${DOCS}/sessions#get-by-id`,
      });
    });

    it("another organization's session → 404", async () => {
      const theirs = await createSession(t, other.live);
      expectSessionNotFound(await get(theirs.id, live), 'get-by-id');
      expect((await get(theirs.id, other.live)).status).toBe(200);
    });

    it('a test session is invisible to a live key and a live session to a test key (§1.8)', async () => {
      const testSession = await createSession(t, test);
      const liveSession = await createSession(t, live);
      expectSessionNotFound(await get(testSession.id, live), 'get-by-id');
      expectSessionNotFound(await get(liveSession.id, test), 'get-by-id');
      expect((await get(testSession.id, test)).body.data.livemode).toBe(false);

      const liveIds = (await walkSessions(t, live, { limit: '100' })).ids;
      const testIds = (await walkSessions(t, test, { limit: '100' })).ids;
      expect(liveIds).toContain(liveSession.id);
      expect(liveIds).not.toContain(testSession.id);
      expect(testIds).toContain(testSession.id);
      expect(testIds).not.toContain(liveSession.id);
      // …nor can one serve as a cursor in the other environment.
      expectBadRequest(await list({ starting_after: testSession.id }), 'starting_after', { list: true });
    });

    it('needs sessions:read (a write-only key gets the exact 403)', async () => {
      const writeOnly = await t.createKey(live.organization_id, { scopes: ['sessions:write'] });
      const created = await createSession(t, writeOnly);
      expectForbidden(await get(created.id, writeOnly));
      expectForbidden(await list({}, writeOnly));
    });
  });

  describe('list pagination', () => {
    let key: CreatedKey;
    let sessions: CreatedSession[];

    beforeAll(async () => {
      const org = await t.createOrg('Paginated');
      key = await t.createKey(org.id);
      sessions = [];
      for (let i = 0; i < 25; i++) sessions.push(await createSession(t, key));
    });

    it('walks 25 sessions with limit 7 in 4 pages (7, 7, 7, 4), newest first, each exactly once', async () => {
      const { ids, pages } = await walkSessions(t, key, { limit: '7' });
      expect(pages.map((p) => p.data.length)).toEqual([7, 7, 7, 4]);
      expect(pages.map((p) => p.pagination.has_more)).toEqual([true, true, true, false]);
      for (const page of pages.slice(0, 3)) {
        expect(page.pagination).toEqual({ limit: 7, has_more: true, next_cursor: page.data[6].id });
      }
      expect(pages[3].pagination).toEqual({ limit: 7, has_more: false, next_cursor: null });
      expect(new Set(ids).size).toBe(25);
      expect(ids).toEqual(newestFirst(sessions));
      for (const page of pages) {
        expect(Object.keys(page)).toEqual(['data', 'error', 'pagination']);
        for (const s of page.data) expect(Object.keys(s)).toEqual(SESSION_KEYS);
      }
    });

    it('defaults to limit 10 and accepts limit 100', async () => {
      const res = await list({}, key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(10);
      expect(res.body.pagination).toEqual({ limit: 10, has_more: true, next_cursor: res.body.data[9].id });
      const all = await list({ limit: '100' }, key);
      expect(all.body.data).toHaveLength(25);
      expect(all.body.pagination).toEqual({ limit: 100, has_more: false, next_cursor: null });
    });

    it('limit equal to the remaining count ends with has_more false', async () => {
      const res = await list({ limit: '25' }, key);
      expect(res.body.data).toHaveLength(25);
      expect(res.body.pagination).toEqual({ limit: 25, has_more: false, next_cursor: null });
    });

    it('does not show sessions created after the walk started on later pages', async () => {
      const first = await list({ limit: '20' }, key);
      const late = await createSession(t, key);
      const second = await list({ limit: '20', starting_after: first.body.pagination.next_cursor }, key);
      expect(second.body.data).toHaveLength(5);
      expect(second.body.data.map((s: { id: string }) => s.id)).not.toContain(late.id);
      sessions.push(late);
    });

    it.each(['0', '101', 'abc', '-1', '1.5', '', '1e1', ' 5', '0x10'])('limit=%j → 400 param limit, pagination {limit: 10}', async (v) => {
      const res = await list(`limit=${encodeURIComponent(v)}`, key);
      expectBadRequest(res, 'limit', { list: true });
      expect(res.body.pagination).toEqual(PAGINATION_ERROR);
    });

    it('a repeated limit (?limit=1&limit=2) → 400 param limit', async () => {
      const res = await list('limit=1&limit=2', key);
      expectBadRequest(res, 'limit', { list: true });
      expect(res.body.pagination).toEqual(PAGINATION_ERROR);
    });

    it('an error on a list echoes a valid requested limit (limit=5 with a bad status)', async () => {
      const res = await list('limit=5&status=done', key);
      expectBadRequest(res, 'status', { list: true });
      expect(res.body.pagination).toEqual({ limit: 5, has_more: false, next_cursor: null });
    });

    it('accepts a limit with leading zeros, and echoes it on a list error', async () => {
      const ok = await list('limit=0005', key);
      expect(ok.status).toBe(200);
      expect(ok.body.data).toHaveLength(5);
      expect(ok.body.pagination.limit).toBe(5);
      const bad = await list('limit=0100&status=done', key);
      expectBadRequest(bad, 'status', { list: true });
      expect(bad.body.pagination).toEqual({ limit: 100, has_more: false, next_cursor: null });
    });

    it.each([
      ['a well-formed unknown id', () => unknownSessionId()],
      ['garbage', () => 'abc'],
    ])('starting_after = %s → 400 param starting_after', async (_label, id) => {
      const res = await list({ starting_after: id(), limit: '3' }, key);
      expectBadRequest(res, 'starting_after', { list: true });
      expect(res.body.pagination).toEqual({ limit: 3, has_more: false, next_cursor: null });
    });

    it("another organization's session is not a valid cursor", async () => {
      const theirs = await createSession(t, other.live);
      expectBadRequest(await list({ starting_after: theirs.id }, key), 'starting_after', { list: true });
    });

    it('a repeated starting_after → 400 param starting_after', async () => {
      const res = await list(`starting_after=${sessions[0].id}&starting_after=${sessions[1].id}`, key);
      expectBadRequest(res, 'starting_after', { list: true });
    });

    it('ignores unknown query parameters', async () => {
      const res = await list({ limit: '2', colour: 'blue' }, key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(2);
    });
  });

  describe('filters', () => {
    let key: CreatedKey;
    let a: CreatedSession;
    let b: CreatedSession;
    let c: CreatedSession;

    beforeAll(async () => {
      const org = await t.createOrg('Filtered');
      key = await t.createKey(org.id);
      // 5 s apart, so the bounds below can be exact.
      a = await createSession(t, key);
      clockOf(t).advance(5_000);
      b = await createSession(t, key);
      clockOf(t).advance(5_000);
      c = await createSession(t, key);
      const cancel = await t.http().post(`/v1/sessions/${b.id}/cancel`).set(bearer(key));
      expect(cancel.status).toBe(204);
    });

    const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((s) => s.id);

    it('status filters by the current status', async () => {
      expect(ids(await list({ status: 'cancelled' }, key))).toEqual([b.id]);
      expect(ids(await list({ status: 'created' }, key))).toEqual([c.id, a.id]);
      expect(ids(await list({ status: 'succeeded' }, key))).toEqual([]);
    });

    it.each(['done', 'CREATED', '', 'created,cancelled'])('status=%j → 400 param status', async (v) => {
      expectBadRequest(await list({ status: v }, key), 'status', { list: true });
    });

    it('a repeated status → 400 param status', async () => {
      expectBadRequest(await list('status=created&status=cancelled', key), 'status', { list: true });
    });

    it('created_from and created_to are inclusive', async () => {
      expect(ids(await list({ created_from: b.created_at, created_to: b.created_at }, key))).toEqual([b.id]);
      expect(ids(await list({ created_from: b.created_at }, key))).toEqual([c.id, b.id]);
      expect(ids(await list({ created_to: b.created_at }, key))).toEqual([b.id, a.id]);
      expect(ids(await list({ created_from: a.created_at, created_to: c.created_at }, key))).toEqual([c.id, b.id, a.id]);
    });

    it('one millisecond past a bound excludes the session', async () => {
      const after = new Date(Date.parse(b.created_at) + 1).toISOString();
      const before = new Date(Date.parse(b.created_at) - 1).toISOString();
      expect(ids(await list({ created_from: after, created_to: c.created_at }, key))).toEqual([c.id]);
      expect(ids(await list({ created_from: a.created_at, created_to: before }, key))).toEqual([a.id]);
    });

    it('accepts numeric offsets (+02:00, -05:30), lowercase z and no fractional seconds', async () => {
      expect(ids(await list({ created_from: withOffset(b.created_at, 120), created_to: withOffset(b.created_at, -330) }, key))).toEqual([b.id]);
      // Whole seconds: b's second floored, c's second floored plus one second.
      const floor = (iso: string) => `${iso.slice(0, 19)}Z`;
      const ceil = (iso: string) => `${new Date(Date.parse(floor(iso)) + 1000).toISOString().slice(0, 19)}z`;
      expect(ids(await list({ created_from: floor(b.created_at), created_to: ceil(b.created_at) }, key))).toEqual([b.id]);
      expect(ids(await list({ created_from: withOffset(floor(b.created_at), 120, false) }, key))).toEqual([c.id, b.id]);
    });

    it('created_from later than created_to is not an error: the list is empty', async () => {
      const res = await list({ created_from: c.created_at, created_to: a.created_at }, key);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], error: null, pagination: { limit: 10, has_more: false, next_cursor: null } });
    });

    it.each([
      ['a date without time', '2026-11-26'],
      ['no offset', '2026-11-26T10:00:00'],
      ['a space instead of T', '2026-11-26 10:00:00Z'],
      ['words', 'yesterday'],
      ['epoch milliseconds', '1764151200000'],
      ['February 30th', '2026-02-30T00:00:00Z'],
      ['hour 24', '2026-11-26T24:00:00Z'],
      ['an offset without colon', '2026-11-26T10:00:00+0200'],
      ['the empty string', ''],
    ])('a bad created_from (%s) → 400 param created_from', async (_label, v) => {
      expectBadRequest(await list({ created_from: v }, key), 'created_from', { list: true });
    });

    it('a bad created_to → 400 param created_to', async () => {
      expectBadRequest(await list({ created_to: 'tomorrow' }, key), 'created_to', { list: true });
    });

    it('a session whose status changed still works as a cursor under a status filter', async () => {
      const org = await t.createOrg('Cursor');
      const k = await t.createKey(org.id);
      const s: CreatedSession[] = [];
      for (let i = 0; i < 5; i++) {
        s.push(await createSession(t, k));
        clockOf(t).advance(2);
      }
      const first = await list({ status: 'created', limit: '2' }, k);
      expect(ids(first)).toEqual([s[4].id, s[3].id]);
      expect(first.body.pagination.next_cursor).toBe(s[3].id);
      // The cursor session leaves the filter between pages.
      expect((await t.http().post(`/v1/sessions/${s[3].id}/cancel`).set(bearer(k))).status).toBe(204);
      const second = await list({ status: 'created', limit: '2', starting_after: s[3].id }, k);
      expect(second.status).toBe(200);
      expect(ids(second)).toEqual([s[2].id, s[1].id]);
      expect(second.body.pagination).toEqual({ limit: 2, has_more: true, next_cursor: s[1].id });
      const third = await list({ status: 'created', limit: '2', starting_after: s[1].id }, k);
      expect(ids(third)).toEqual([s[0].id]);
      expect(third.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });
    });

    it('combines filters with pagination', async () => {
      const first = await list({ status: 'created', created_to: c.created_at, limit: '1' }, key);
      expect(ids(first)).toEqual([c.id]);
      expect(first.body.pagination.has_more).toBe(true);
      const second = await list({ status: 'created', created_to: c.created_at, limit: '1', starting_after: c.id }, key);
      expect(ids(second)).toEqual([a.id]);
      expect(second.body.pagination).toEqual({ limit: 1, has_more: false, next_cursor: null });
    });

    it('include_attempts on the list gives every session an attempts array', async () => {
      const res = await list({ include_attempts: 'true' }, key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(3);
      for (const s of res.body.data) {
        expect(Object.keys(s)).toEqual([...SESSION_KEYS, 'attempts']);
        expect(s.attempts).toEqual([]);
      }
      const without = await list({ include_attempts: '0' }, key);
      for (const s of without.body.data) expect(s).not.toHaveProperty('attempts');
      expectBadRequest(await list({ include_attempts: 'maybe' }, key), 'include_attempts', { list: true });
    });

    it('include_attempts on a test list carries the attempts of each session', async () => {
      const org = await t.createOrg('Attempts');
      const k = await t.createKey(org.id, { livemode: false });
      const s1 = await createSession(t, k);
      const s2 = await createSession(t, k);
      expect((await t.http().post(`/v1/test_helpers/sessions/${s1.id}/fail`).set(bearer(k)).send({})).status).toBe(200);
      expect((await t.http().post(`/v1/test_helpers/sessions/${s1.id}/succeed`).set(bearer(k)).send({})).status).toBe(200);
      const res = await list({ include_attempts: 'true' }, k);
      const byId = Object.fromEntries(res.body.data.map((s: { id: string }) => [s.id, s]));
      expect(byId[s1.id].status).toBe('succeeded');
      expect(byId[s1.id].attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'succeeded']);
      expect(byId[s2.id].attempts).toEqual([]);
      // The session read alone shows the same attempts.
      const single = await getSession(t, k, s1.id);
      expect(single).not.toHaveProperty('attempts');
    });
  });
});
