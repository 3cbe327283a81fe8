import { createHmac } from 'node:crypto';
import { Attempt } from '../dist/src/sessions/attempts/entities/attempt.entity.js';
import { Session } from '../dist/src/sessions/entities/session.entity.js';
import { bearer, createTestApp, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  ATTEMPT_ID,
  attemptRows,
  clock,
  consumeHandoff,
  createSession,
  database,
  expectPublicError,
  failAttempt,
  handoff,
  HEX64,
  ISO_MS,
  lifecycle,
  publicCancel,
  runFailedAttempt,
  status,
  UNKNOWN_SESSION_ID,
} from './helpers/verify.js';

/** Public verify endpoints: handoff, status and cancel, their errors and their order (§6.2–§6.4). */

const hmac = (message: string) => createHmac('sha256', TEST_SERVER_SECRET).update(message, 'utf8').digest('hex');
const MALFORMED_IDS = ['bad', `vs_${'a'.repeat(63)}`, `vs_${'a'.repeat(65)}`, `vs_${'a'.repeat(63)}-`, `va_${'a'.repeat(64)}`, `VS_${'a'.repeat(64)}`];
const HANDOFF_KEYS = ['v', 'session_id', 'attempt_id', 'mobile_write_token', 'expires_at', 'websocket_url'];
const STATUS_KEYS = [
  'session_id',
  'status',
  'is_terminal',
  'completed_at',
  'redirect_url',
  'latest_attempt',
  'failure_code',
  'expires_at',
  'livemode',
  'organization_name',
  'attempts_remaining',
  'requested_fields',
];

describe('Public verify endpoints (§6.2–§6.4)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp();
    const org = await t.createOrg('Globex Verification Ltd');
    live = await t.createKey(org.id, { livemode: true });
    test = await t.createKey(org.id, { livemode: false });
  });
  afterAll(async () => t.close());

  const liveSession = (body: Record<string, unknown> = {}) => createSession(t, live, body);
  const testSession = (body: Record<string, unknown> = {}) => createSession(t, test, body);
  const apiSession = async (key: CreatedKey, id: string) => {
    const res = await t.http().get(`/v1/sessions/${id}?include_attempts=true`).set(bearer(key));
    expect(res.status).toBe(200);
    return res.body.data as { status: string; attempts: Array<{ id: string; status: string; failure_code: string | null; completed_at: string | null }> };
  };
  const sessionRow = (id: string) => database(t).read((m) => m.findOneByOrFail(Session, { id }));

  /** Live sessions in each terminal status, reached through the state machine. */
  const terminalLive = {
    cancelled: async () => {
      const s = await liveSession();
      expect((await t.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(live))).status).toBe(204);
      return s;
    },
    expired: async () => {
      const s = await liveSession({ expires_in: 300 });
      clock(t).advance(300_000);
      return s;
    },
    failed: async () => {
      const s = await liveSession();
      for (let i = 0; i < 3; i++) await runFailedAttempt(t, s.id, 'document_data_invalid');
      return s;
    },
    succeeded: async () => {
      const s = await liveSession();
      const attemptId = (await handoff(t, s.id)).body.data.attempt_id as string;
      await consumeHandoff(t, s.id, attemptId, 'selfie_complete');
      const now = clock(t).now();
      await database(t).transaction(async (m) => {
        const session = (await lifecycle(t).lockSession(m, s.id))!;
        const attempt = await m.findOneByOrFail(Attempt, { id: attemptId });
        expect(await lifecycle(t).succeedAttemptIn(m, session, attempt, { keys: ['kayle_document_id'], claims: {}, riskScore: 0 }, now)).toBe(true);
      });
      return s;
    },
  };
  /** Test sessions in each terminal status, through the test helpers and the API cancel. */
  const terminalTest = {
    cancelled: async () => {
      const s = await testSession();
      expect((await t.http().post(`/v1/sessions/${s.id}/cancel`).set(bearer(test))).status).toBe(204);
      return s;
    },
    expired: async () => helperOutcome('expire'),
    failed: async () => {
      const s = await testSession();
      for (let i = 0; i < 3; i++) {
        expect((await t.http().post(`/v1/test_helpers/sessions/${s.id}/fail`).set(bearer(test)).send({})).status).toBe(200);
      }
      return s;
    },
    succeeded: async () => helperOutcome('succeed'),
  };
  const helperOutcome = async (action: 'succeed' | 'expire') => {
    const s = await testSession();
    const res = await t.http().post(`/v1/test_helpers/sessions/${s.id}/${action}`).set(bearer(test));
    expect(res.status).toBe(200);
    return s;
  };

  describe('POST /v1/verify/session/:id/handoff', () => {
    it.each(MALFORMED_IDS)('rejects the malformed id %s with 400 INVALID_SESSION_ID', async (id) => {
      expectPublicError(await handoff(t, id), 400, 'INVALID_SESSION_ID');
    });

    it('answers 404 SESSION_NOT_FOUND for a well-formed unknown id, without an API key', async () => {
      expectPublicError(await handoff(t, UNKNOWN_SESSION_ID), 404, 'SESSION_NOT_FOUND');
      const s = await liveSession();
      expectPublicError(await handoff(t, s.id.toUpperCase().replace(/^VS_/, 'vs_')), 404, 'SESSION_NOT_FOUND');
    });

    it('ignores an API key: a key of another environment or organization changes nothing', async () => {
      const s = await liveSession();
      const other = await t.tenant();
      const res = await handoff(t, s.id).set(bearer(other.test));
      expect(res.status).toBe(200);
    });

    for (const outcome of ['succeeded', 'failed', 'cancelled', 'expired'] as const) {
      it(`answers 410 SESSION_EXPIRED for a ${outcome} live session`, async () => {
        const s = await terminalLive[outcome]();
        expectPublicError(await handoff(t, s.id), 410, 'SESSION_EXPIRED');
        expect((await sessionRow(s.id)).status).toBe(outcome);
      });

      it(`answers 410 SESSION_EXPIRED (before TEST_MODE_SESSION) for a ${outcome} test session`, async () => {
        const s = await terminalTest[outcome]();
        expectPublicError(await handoff(t, s.id), 410, 'SESSION_EXPIRED');
      });
    }

    it('commits the lazy expiry it performs, although it answers 410', async () => {
      const s = await liveSession({ expires_in: 300 });
      const first = await handoff(t, s.id);
      expect(first.status).toBe(200);
      clock(t).advance(300_000);
      expectPublicError(await handoff(t, s.id), 410, 'SESSION_EXPIRED');
      // Read straight from the database: no other lazy expiry has run since.
      const row = await sessionRow(s.id);
      expect({ status: row.status, failureCode: row.failureCode, completedAt: row.completedAt?.toISOString() }).toEqual({
        status: 'expired',
        failureCode: 'session_expired',
        completedAt: s.expires_at,
      });
      const [attempt] = await attemptRows(t, s.id);
      expect({ status: attempt.status, failureCode: attempt.failureCode }).toEqual({ status: 'failed', failureCode: 'session_expired' });
    });

    it('answers 409 TEST_MODE_SESSION for an open test session and creates no attempt', async () => {
      const s = await testSession();
      expectPublicError(await handoff(t, s.id), 409, 'TEST_MODE_SESSION');
      expect(await attemptRows(t, s.id)).toHaveLength(0);
    });

    it('answers 409 SESSION_IN_PROGRESS once the phone consumed a handoff', async () => {
      const s = await liveSession();
      const first = await handoff(t, s.id);
      await consumeHandoff(t, s.id, first.body.data.attempt_id);
      expectPublicError(await handoff(t, s.id), 409, 'SESSION_IN_PROGRESS');
      expect(await attemptRows(t, s.id)).toHaveLength(1);
    });

    it('answers 200 with exactly the §6.3 fields, an in_progress attempt and a 5-minute token', async () => {
      const s = await liveSession();
      const before = clock(t).now().getTime();
      const res = await handoff(t, s.id);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(res.body.error).toBeNull();
      const data = res.body.data;
      expect(Object.keys(data)).toEqual(HANDOFF_KEYS);
      expect(data).toEqual({
        v: 1,
        session_id: s.id,
        attempt_id: expect.stringMatching(ATTEMPT_ID),
        mobile_write_token: expect.stringMatching(HEX64),
        expires_at: expect.stringMatching(ISO_MS),
        websocket_url: `ws://localhost:3000/v1/verify/session/${s.id}`,
      });
      const [row] = await attemptRows(t, s.id);
      expect(row.id).toBe(data.attempt_id);
      expect(row.status).toBe('in_progress');
      expect(row.handoffIssuedAt!.getTime()).toBeGreaterThanOrEqual(before);
      expect(Date.parse(data.expires_at)).toBe(row.handoffIssuedAt!.getTime() + 300_000);
      const api = await apiSession(live, s.id);
      expect(api.status).toBe('created');
      expect(api.attempts.map((a) => [a.id, a.status, a.failure_code])).toEqual([[data.attempt_id, 'in_progress', null]]);
    });

    it('derives the token from the stored seed, and stores only the seed and the token hash', async () => {
      const s = await liveSession();
      const data = (await handoff(t, s.id)).body.data;
      const [row] = await attemptRows(t, s.id);
      expect(row.handoffSeed).toMatch(/^[a-z0-9]{64}$/);
      const message = `verify_handoff_token_v1|${s.id}|${data.attempt_id}|${row.handoffIssuedAt!.toISOString()}|${row.handoffSeed}`;
      expect(data.mobile_write_token).toBe(hmac(message));
      expect(row.handoffTokenHash).toBe(hmac(data.mobile_write_token));
      // The token appears nowhere in the stored attempt or session.
      const stored = await database(t).read(async (m) => [
        ...(await m.query(`SELECT * FROM attempts WHERE session_id = '${s.id}'`)),
        ...(await m.query(`SELECT * FROM sessions WHERE id = '${s.id}'`)),
      ]);
      expect(JSON.stringify(stored)).not.toContain(data.mobile_write_token);
    });

    it('returns the same handoff for 60 s, then a new attempt that cancels the unused one', async () => {
      const s = await liveSession();
      const first = (await handoff(t, s.id)).body.data;
      clock(t).advance(30_000);
      expect((await handoff(t, s.id)).body.data).toEqual(first);
      clock(t).advance(29_500); // the clock runs on: just under 60 s after issue
      expect((await handoff(t, s.id)).body.data).toEqual(first);
      expect(await attemptRows(t, s.id)).toHaveLength(1);

      clock(t).advance(1_500);
      const now = clock(t).now().getTime();
      const second = (await handoff(t, s.id)).body.data;
      expect(second.attempt_id).not.toBe(first.attempt_id);
      expect(second.mobile_write_token).not.toBe(first.mobile_write_token);
      expect(Date.parse(second.expires_at)).toBeGreaterThanOrEqual(now + 300_000);

      const api = await apiSession(live, s.id);
      expect(api.status).toBe('created');
      expect(api.attempts.map((a) => [a.id, a.status, a.failure_code])).toEqual([
        [first.attempt_id, 'cancelled', null],
        [second.attempt_id, 'in_progress', null],
      ]);
      expect(Date.parse(api.attempts[0].completed_at!)).toBeGreaterThanOrEqual(now);
      // A replaced handoff does not count toward the budget (§4.1).
      expect((await status(t, s.id)).body.data.attempts_remaining).toBe(3);
    });

    it('never reuses a consumed handoff: after a failed attempt a new one starts', async () => {
      const s = await liveSession();
      const failedId = await runFailedAttempt(t, s.id, 'liveness_failed');
      const next = (await handoff(t, s.id)).body.data;
      expect(next.attempt_id).not.toBe(failedId);
      const api = await apiSession(live, s.id);
      expect(api.attempts.map((a) => [a.status, a.failure_code])).toEqual([
        ['failed', 'liveness_failed'],
        ['in_progress', null],
      ]);
    });

    it('gives concurrent handoffs one attempt', async () => {
      const s = await liveSession();
      const all = await Promise.all(Array.from({ length: 6 }, () => handoff(t, s.id)));
      expect(all.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect(new Set(all.map((r) => r.body.data.attempt_id)).size).toBe(1);
      expect(await attemptRows(t, s.id)).toHaveLength(1);
    });

    it('keeps at most one in_progress attempt after many replacements', async () => {
      const s = await liveSession();
      for (let i = 0; i < 4; i++) {
        expect((await handoff(t, s.id)).status).toBe(200);
        clock(t).advance(61_000);
      }
      const rows = await attemptRows(t, s.id);
      expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'in_progress']);
      expect(rows.filter((r) => r.status === 'cancelled').every((r) => r.failureCode === null && r.completedAt !== null)).toBe(true);
    });

    it('ignores a request body', async () => {
      const s = await liveSession();
      const res = await handoff(t, s.id).set('content-type', 'application/json').send({ anything: true });
      expect(res.status).toBe(200);
    });

    it('lets any origin read the answer (CORS, §1.1)', async () => {
      const s = await liveSession();
      const res = await handoff(t, s.id).set('Origin', 'https://anywhere.example');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });

  describe('GET /v1/verify/session/:id/status', () => {
    it.each(MALFORMED_IDS)('rejects the malformed id %s with 400 INVALID_SESSION_ID', async (id) => {
      expectPublicError(await status(t, id), 400, 'INVALID_SESSION_ID');
    });

    it('answers 404 SESSION_NOT_FOUND for a well-formed unknown id', async () => {
      expectPublicError(await status(t, UNKNOWN_SESSION_ID), 404, 'SESSION_NOT_FOUND');
    });

    it('describes a fresh live session with every field, claims in key order with labels', async () => {
      const s = await liveSession({
        redirect_url: 'https://shop.example/return?cart=42#done',
        share_fields: {
          nationality_code: { required: false, reason: '  Where   you are\tfrom ' },
          age_over_018: { required: true, reason: 'Confirm you are an adult.' },
        },
      });
      const res = await status(t, s.id);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(Object.keys(res.body.data)).toEqual(STATUS_KEYS);
      expect(res.body).toEqual({
        data: {
          session_id: s.id,
          status: 'created',
          is_terminal: false,
          completed_at: null,
          redirect_url: 'https://shop.example/return?cart=42#done',
          latest_attempt: null,
          failure_code: null,
          expires_at: s.expires_at,
          livemode: true,
          organization_name: 'Globex Verification Ltd',
          attempts_remaining: 3,
          requested_fields: [
            { key: 'age_over_018', label: 'Age Over 18', reason: 'Confirm you are an adult.', required: true },
            { key: 'kayle_document_id', label: 'Kayle Document ID', reason: 'Sharing "Kayle Document ID"', required: true },
            { key: 'nationality_code', label: 'Nationality Code', reason: 'Where you are from', required: false },
          ],
        },
        error: null,
      });
    });

    it('lists the 13 default claims when share_fields was omitted', async () => {
      const s = await liveSession();
      const fields = (await status(t, s.id)).body.data.requested_fields as Array<{ key: string; label: string; required: boolean }>;
      expect(fields.map((f) => f.key)).toEqual(Object.keys(s.share_fields));
      expect(fields.find((f) => f.key === 'mrz_optional_data')).toEqual({
        key: 'mrz_optional_data',
        label: 'MRZ Optional Data',
        reason: 'Sharing "MRZ Optional Data"',
        required: false,
      });
    });

    it('serves test sessions too, with livemode false', async () => {
      const s = await testSession();
      const data = (await status(t, s.id)).body.data;
      expect({ livemode: data.livemode, status: data.status, organization_name: data.organization_name }).toEqual({
        livemode: false,
        status: 'created',
        organization_name: 'Globex Verification Ltd',
      });
    });

    it('follows the attempt: handoff, phone connected, phase, failure, remaining attempts', async () => {
      const s = await liveSession();
      const attemptId = (await handoff(t, s.id)).body.data.attempt_id as string;
      let data = (await status(t, s.id)).body.data;
      expect({ status: data.status, latest_attempt: data.latest_attempt }).toEqual({
        status: 'created',
        latest_attempt: { id: attemptId, status: 'in_progress', failure_code: null, completed_at: null, phase: null },
      });

      await consumeHandoff(t, s.id, attemptId, 'nfc_reading');
      data = (await status(t, s.id)).body.data;
      expect({ status: data.status, is_terminal: data.is_terminal, phase: data.latest_attempt.phase }).toEqual({
        status: 'in_progress',
        is_terminal: false,
        phase: 'nfc_reading',
      });

      await failAttempt(t, s.id, attemptId, 'selfie_face_mismatch');
      data = (await status(t, s.id)).body.data;
      expect(data).toMatchObject({
        status: 'created',
        is_terminal: false,
        failure_code: null,
        completed_at: null,
        attempts_remaining: 2,
        latest_attempt: { id: attemptId, status: 'failed', failure_code: 'selfie_face_mismatch', completed_at: expect.stringMatching(ISO_MS), phase: 'nfc_reading' },
      });
    });

    it('shows a session failed after three attempts, with no attempts remaining', async () => {
      const s = await liveSession();
      await runFailedAttempt(t, s.id, 'document_authenticity_failed');
      await runFailedAttempt(t, s.id, 'document_data_invalid');
      const last = await runFailedAttempt(t, s.id, 'liveness_failed');
      const data = (await status(t, s.id)).body.data;
      expect(data).toMatchObject({
        status: 'failed',
        is_terminal: true,
        failure_code: 'liveness_failed',
        completed_at: expect.stringMatching(ISO_MS),
        attempts_remaining: 0,
        latest_attempt: { id: last, status: 'failed', failure_code: 'liveness_failed' },
      });
    });

    it('applies lazy expiry first: expired session, its open attempt failed', async () => {
      const s = await liveSession({ expires_in: 300 });
      const attemptId = (await handoff(t, s.id)).body.data.attempt_id;
      clock(t).advance(300_000);
      const data = (await status(t, s.id)).body.data;
      expect(data).toMatchObject({
        status: 'expired',
        is_terminal: true,
        failure_code: 'session_expired',
        completed_at: s.expires_at,
        attempts_remaining: 3,
        latest_attempt: { id: attemptId, status: 'failed', failure_code: 'session_expired' },
      });
    });

    it('shows test-helper outcomes: succeeded, cancelled', async () => {
      const succeeded = await terminalTest.succeeded();
      expect((await status(t, succeeded.id)).body.data).toMatchObject({
        status: 'succeeded',
        is_terminal: true,
        failure_code: null,
        latest_attempt: { status: 'succeeded', failure_code: null },
      });
      const cancelled = await terminalTest.cancelled();
      expect((await status(t, cancelled.id)).body.data).toMatchObject({
        status: 'cancelled',
        is_terminal: true,
        failure_code: 'session_cancelled',
        latest_attempt: null,
      });
    });
  });

  describe('POST /v1/verify/session/:id/cancel', () => {
    it('checks the id, then the session, then the body', async () => {
      expectPublicError(await publicCancel(t, 'bad', {}), 400, 'INVALID_SESSION_ID');
      expectPublicError(await publicCancel(t, UNKNOWN_SESSION_ID, { nope: 1 }), 404, 'SESSION_NOT_FOUND');
      const s = await liveSession();
      const res = await publicCancel(t, s.id, { cancel_token: s.cancel_token, extra: true });
      expect(res.body).toEqual({
        data: null,
        error: { code: 'BAD_REQUEST', message: 'Bad request.', request_id: res.headers['x-request-id'], param: 'cancel_token' },
      });
      expect(res.status).toBe(400);
    });

    it('answers 403 for a wrong token, 204 for the right one, then 409; handoff then answers 410', async () => {
      const s = await liveSession();
      const attemptId = (await handoff(t, s.id)).body.data.attempt_id;
      expectPublicError(await publicCancel(t, s.id, { cancel_token: 'x'.repeat(64) }), 403, 'CANCEL_TOKEN_INVALID');
      const ok = await publicCancel(t, s.id, { cancel_token: s.cancel_token });
      expect({ status: ok.status, text: ok.text }).toEqual({ status: 204, text: '' });
      expectPublicError(await publicCancel(t, s.id, { cancel_token: s.cancel_token }), 409, 'CANCEL_TOKEN_CONSUMED');
      expectPublicError(await handoff(t, s.id), 410, 'SESSION_EXPIRED');
      const data = (await status(t, s.id)).body.data;
      expect(data).toMatchObject({
        status: 'cancelled',
        failure_code: 'session_cancelled',
        latest_attempt: { id: attemptId, status: 'failed', failure_code: 'session_cancelled' },
      });
    });

    it('cancels a test session the same way', async () => {
      const s = await testSession();
      expect((await publicCancel(t, s.id, { cancel_token: s.cancel_token })).status).toBe(204);
      expect((await status(t, s.id)).body.data.status).toBe('cancelled');
    });
  });
});

describe('websocket_url (§6.3)', () => {
  it('uses wss for an https PUBLIC_BASE_URL and keeps its path', async () => {
    const other = await createTestApp({ PUBLIC_BASE_URL: 'https://verify.example.com/passline/' });
    try {
      const tenant = await other.tenant();
      const s = await createSession(other, tenant.live);
      const res = await handoff(other, s.id);
      expect(res.body.data.websocket_url).toBe(`wss://verify.example.com/passline/v1/verify/session/${s.id}`);
    } finally {
      await other.close();
    }
  });
});
