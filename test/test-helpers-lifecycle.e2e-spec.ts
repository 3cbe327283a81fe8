import { createHmac } from 'node:crypto';
import { EventsService } from '../dist/src/events/events.service.js';
import { bearer, createTestApp, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  ATTEMPT_ID,
  ATTEMPT_KEYS,
  DOCS,
  HELPER_DOCS,
  ISO_MS,
  attemptEvent,
  compareTuples,
  createSession,
  drive,
  eventTriples,
  eventsFor,
  getSession,
  helper,
  sessionEvent,
  withClockAdvanced,
  type HelperAction,
  type SessionJson,
} from './helpers/lifecycle.js';

/**
 * The test helpers of §7.3 end to end: each drives the real state machine (§3.8) and the
 * events table holds exactly the events of the rows it takes.
 */

const ACTIONS: HelperAction[] = ['succeed', 'fail', 'expire'];
const DEFAULT_KEYS = [
  'date_of_birth',
  'document_expiry_date',
  'document_number',
  'document_photo',
  'document_type_code',
  'family_name',
  'given_names',
  'issuing_country_code',
  'kayle_document_id',
  'kayle_human_id',
  'mrz_optional_data',
  'nationality_code',
  'sex_marker',
];
const SHARE_FIELDS = {
  age_over_18: { required: true, reason: 'Confirm you are an adult.' },
  nationality_code: { required: false, reason: 'Shipping restrictions.' },
  document_photo: { required: false, reason: 'Picture for the account.' },
};
const OFFERED = ['age_over_18', 'document_photo', 'kayle_document_id', 'nationality_code'];
const SELECTION_HINT = "Review selected_field_keys against the session's share_fields.";
const SELECTION_MESSAGES: Record<string, string> = {
  SHARE_SELECTION_REQUIRED: 'Choose at least one verification detail before continuing.',
  SHARE_SELECTION_INVALID_FIELD:
    'One or more selected details are not available for this verification. Review the requested details and try again.',
  SHARE_SELECTION_MISSING_REQUIRED: 'Required verification details must stay selected before you can continue.',
};
const TEST_MODE_REQUIRED = {
  code: 'TEST_MODE_REQUIRED',
  message: 'Test helpers require a test mode API key.',
  hint: 'Use a kk_test_ API key; test helpers never act on live sessions.',
  docs: HELPER_DOCS,
};
const SESSION_TERMINAL = {
  code: 'SESSION_TERMINAL',
  message: 'Session is already in a terminal state.',
  hint: 'Test helpers only act on sessions whose status is created or in_progress.',
  docs: HELPER_DOCS,
};
const NOT_FOUND = {
  code: 'NOT_FOUND',
  message: 'Session not found.',
  hint: 'The session with the given ID was not found.',
  docs: `${DOCS}/sessions#get-by-id`,
};
const FORBIDDEN_BODY = { error: { code: 'FORBIDDEN', message: 'Forbidden' } };
const WELL_FORMED_UNKNOWN = `vs_${'0'.repeat(64)}`;

/** The specimen's age on `now` (§6.11), computed independently of the service. */
function specimenAge(now: Date): number {
  const birth = { y: 1974, m: 8, d: 12 };
  const [y, m, d] = [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate()];
  return y - birth.y - (m < birth.m || (m === birth.m && d < birth.d) ? 1 : 0);
}

/** Width and height of a baseline JPEG from its SOF0 segment. */
function sof0Size(jpeg: Buffer): { width: number; height: number } {
  for (let i = 2; i + 9 < jpeg.length; ) {
    const marker = jpeg[i + 1];
    const length = jpeg.readUInt16BE(i + 2);
    if (marker === 0xc0) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  throw new Error('no SOF0');
}

function expectError(res: { status: number; body: { data: unknown; error: Record<string, unknown> } }, status: number, error: Record<string, unknown>) {
  expect(res.status).toBe(status);
  expect(res.body.data).toBeNull();
  expect(res.body.error).toEqual({ ...error, request_id: expect.stringMatching(/^req_[a-z0-9]{24}$/) });
}

describe('Test helpers (§7.3) through the state machine (§3.8)', () => {
  let t: TestApp;
  let orgId: string;
  let live: CreatedKey;
  let test: CreatedKey;
  const payloads: Array<{ type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }> = [];

  beforeAll(async () => {
    t = await createTestApp();
    ({ orgId, live, test } = await t.tenant());
    t.app.get(EventsService).onRecorded(async (_m: unknown, _event: unknown, payload: (typeof payloads)[number]) => {
      payloads.push(payload);
    });
  });
  afterAll(async () => t.close());

  const payloadsOf = (sessionId: string) => payloads.filter((p) => p.metadata.verification_session_id === sessionId);
  const newSession = (body: Record<string, unknown> = {}, key: CreatedKey = test) => createSession(t, key, body);

  /** The session as GET shows it must equal the helper's answer. */
  async function expectStored(session: SessionJson): Promise<void> {
    expect(await getSession(t, test, session.id)).toEqual(session);
  }

  describe('succeed', () => {
    it('answers 200 with the succeeded session, attempts included, one succeeded attempt with risk 0 and every offered key by default', async () => {
      const created = await newSession({ share_fields: SHARE_FIELDS });
      const before = Date.now();
      const res = await helper(t, test, created.id, 'succeed');
      const after = Date.now();

      expect(res.status).toBe(200);
      expect(res.body.error).toBeNull();
      const s = res.body.data as SessionJson;
      expect(s).toMatchObject({ id: created.id, livemode: false, status: 'succeeded', failure_code: null });
      expect(s).not.toHaveProperty('cancel_token');
      expect(s.completed_at).toMatch(ISO_MS);
      expect(Date.parse(s.completed_at!)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(s.completed_at!)).toBeLessThanOrEqual(after);
      expect(s.updated_at).toBe(s.completed_at);
      expect(s.attempts).toHaveLength(1);
      const [attempt] = s.attempts!;
      expect(Object.keys(attempt)).toEqual(ATTEMPT_KEYS);
      expect(attempt).toEqual({
        id: expect.stringMatching(ATTEMPT_ID),
        session_id: created.id,
        livemode: false,
        status: 'succeeded',
        failure_code: null,
        risk_score: 0,
        completed_at: s.completed_at,
        created_at: expect.stringMatching(ISO_MS),
        updated_at: s.completed_at,
      });
      await expectStored(s);

      // §3.8: attempt.succeeded (on the attempt) + session.succeeded (on the session), nothing else.
      expect(await eventTriples(t, s.id)).toEqual([attemptEvent('succeeded', attempt.id), sessionEvent('succeeded', s.id)].sort(compareTuples));
      const rows = await eventsFor(t, [s.id]);
      for (const row of rows) {
        expect(row.livemode).toBe(false);
        expect(row.created_at).toBe(Date.parse(s.completed_at!));
        // The row keeps the selection, never the claims.
        expect(row.summary).toEqual({ selected_field_keys: OFFERED });
      }
    });

    it('delivers the test identity of §7.2 for the selection, in the payloads of both succeeded events', async () => {
      const created = await newSession({ share_fields: SHARE_FIELDS });
      const s = await drive(t, test, created.id, 'succeed');
      const now = new Date(s.completed_at!);
      const expectedDocumentId = createHmac('sha256', TEST_SERVER_SECRET).update(`${orgId}|UTO|P|L898902C3`).digest('hex');

      const sent = payloadsOf(s.id);
      expect(sent.map((p) => p.type).sort()).toEqual(['verification.attempt.succeeded', 'verification.session.succeeded']);
      for (const payload of sent) {
        expect(payload.data.selected_field_keys).toEqual(OFFERED);
        const claims = payload.data.claims as Record<string, unknown>;
        expect(Object.keys(claims)).toEqual(OFFERED);
        expect(claims.age_over_18).toBe(specimenAge(now) >= 18);
        expect(claims.kayle_document_id).toBe(expectedDocumentId);
        expect(claims.nationality_code).toBe('UTO');
        const photo = claims.document_photo as { dataBase64: string; format: string; width: number; height: number };
        expect(Object.keys(photo).sort()).toEqual(['dataBase64', 'format', 'height', 'width']);
        expect(photo.format).toBe('jpeg');
        const bytes = Buffer.from(photo.dataBase64, 'base64');
        expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
        expect({ width: photo.width, height: photo.height }).toEqual(sof0Size(bytes));
        expect(payload.metadata).toEqual({
          contract_version: 1,
          event_id: expect.stringMatching(/^evt_[a-z0-9]{64}$/),
          livemode: false,
          verification_attempt_id: s.attempts![0].id,
          verification_session_id: s.id,
        });
      }
    });

    it('with the default share_fields selects all 13 claims: the specimen values, kayle_human_id null', async () => {
      const created = await newSession();
      const s = await drive(t, test, created.id, 'succeed', {});
      const [payload] = payloadsOf(s.id).filter((p) => p.type === 'verification.session.succeeded');
      expect(payload.data.selected_field_keys).toEqual(DEFAULT_KEYS);
      const claims = payload.data.claims as Record<string, unknown>;
      expect(Object.keys(claims)).toEqual(DEFAULT_KEYS);
      expect(claims).toMatchObject({
        document_type_code: 'P',
        issuing_country_code: 'UTO',
        family_name: 'ERIKSSON',
        given_names: 'ANNA MARIA',
        document_number: 'L898902C3',
        nationality_code: 'UTO',
        date_of_birth: '1974-08-12',
        sex_marker: 'F',
        document_expiry_date: '2012-04-15',
        mrz_optional_data: 'ZE184226B',
        kayle_human_id: null,
      });
    });

    it('with selected_field_keys shares that subset: trimmed, deduplicated, ascending', async () => {
      const created = await newSession({ share_fields: SHARE_FIELDS });
      const s = await drive(t, test, created.id, 'succeed', {
        selected_field_keys: ['kayle_document_id', ' age_over_18 ', 'kayle_document_id', ''],
      });
      expect(s.status).toBe('succeeded');
      for (const row of await eventsFor(t, [s.id])) expect(row.summary).toEqual({ selected_field_keys: ['age_over_18', 'kayle_document_id'] });
      for (const payload of payloadsOf(s.id)) {
        expect(payload.data.selected_field_keys).toEqual(['age_over_18', 'kayle_document_id']);
        expect(Object.keys(payload.data.claims as object)).toEqual(['age_over_18', 'kayle_document_id']);
      }
    });

    it.each([
      ['an empty list', [], 'SHARE_SELECTION_REQUIRED'],
      ['only blank keys', ['  ', ''], 'SHARE_SELECTION_REQUIRED'],
      ['a key that is not offered', ['age_over_18', 'kayle_document_id', 'date_of_birth'], 'SHARE_SELECTION_INVALID_FIELD'],
      ['an unknown key, even with required ones missing', ['not_a_claim'], 'SHARE_SELECTION_INVALID_FIELD'],
      ['a required key left out', ['age_over_18', 'nationality_code'], 'SHARE_SELECTION_MISSING_REQUIRED'],
      ['kayle_document_id left out', ['age_over_18'], 'SHARE_SELECTION_MISSING_REQUIRED'],
    ])('rejects %s with 400 %s and changes nothing', async (_what, keys, code) => {
      const created = await newSession({ share_fields: SHARE_FIELDS });
      const res = await helper(t, test, created.id, 'succeed', { selected_field_keys: keys });
      expectError(res, 400, { code, message: SELECTION_MESSAGES[code], hint: SELECTION_HINT, docs: HELPER_DOCS });
      const after = await getSession(t, test, created.id);
      expect(after).toMatchObject({ status: 'created', attempts: [], updated_at: created.updated_at });
      expect(await eventsFor(t, [created.id])).toEqual([]);
    });

    it.each([['a string', 'age_over_18'], ['an object', { age_over_18: true }], ['a number', 3], ['an array of numbers', [1, 2]]])(
      'rejects selected_field_keys as %s with 400 param selected_field_keys',
      async (_what, value) => {
        const created = await newSession({ share_fields: SHARE_FIELDS });
        const res = await helper(t, test, created.id, 'succeed', { selected_field_keys: value });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'Bad request.', param: 'selected_field_keys' });
        expect((await getSession(t, test, created.id)).status).toBe('created');
      },
    );
  });

  describe('fail', () => {
    it('answers 200: a failed attempt (document_authenticity_failed, risk 1), the session back in created, one attempt.failed', async () => {
      const created = await newSession();
      const res = await helper(t, test, created.id, 'fail');
      expect(res.status).toBe(200);
      const s = res.body.data as SessionJson;
      expect(s).toMatchObject({ id: created.id, status: 'created', failure_code: null, completed_at: null });
      expect(s.attempts).toHaveLength(1);
      const [attempt] = s.attempts!;
      expect(attempt).toEqual({
        id: expect.stringMatching(ATTEMPT_ID),
        session_id: s.id,
        livemode: false,
        status: 'failed',
        failure_code: 'document_authenticity_failed',
        risk_score: 1,
        completed_at: s.updated_at,
        created_at: expect.stringMatching(ISO_MS),
        updated_at: s.updated_at,
      });
      await expectStored(s);
      expect(await eventTriples(t, s.id)).toEqual([attemptEvent('failed', attempt.id)]);
      const [row] = await eventsFor(t, [s.id]);
      expect(row.summary).toEqual({ failure_code: 'document_authenticity_failed' });
      expect(payloadsOf(s.id)).toEqual([
        {
          type: 'verification.attempt.failed',
          data: { failure_code: 'document_authenticity_failed' },
          metadata: expect.objectContaining({ verification_attempt_id: attempt.id, verification_session_id: s.id }),
        },
      ]);
    });

    it.each(['document_authenticity_failed', 'document_data_invalid', 'selfie_face_mismatch', 'liveness_failed'])(
      'accepts failure_code %s',
      async (code) => {
        const created = await newSession();
        const s = await drive(t, test, created.id, 'fail', { failure_code: code });
        expect(s.attempts!.map((a) => [a.status, a.failure_code, a.risk_score])).toEqual([['failed', code, 1]]);
      },
    );

    it.each(['session_expired', 'session_cancelled', 'nope', '', 42, null])('rejects failure_code %j with 400 param failure_code', async (code) => {
      const created = await newSession();
      const res = await helper(t, test, created.id, 'fail', { failure_code: code });
      if (code === null) {
        // `null` reads as "not given" for an optional field; it must not be a 500 either way.
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'failure_code' });
        return;
      }
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'Bad request.', param: 'failure_code' });
      expect(await getSession(t, test, created.id)).toMatchObject({ status: 'created', attempts: [] });
    });

    it('applies the budget: 2 failures leave it created, the 3rd fails it with the LAST code and emits session.failed', async () => {
      const created = await newSession();
      const first = await drive(t, test, created.id, 'fail', { failure_code: 'document_data_invalid' });
      const second = await drive(t, test, created.id, 'fail', { failure_code: 'liveness_failed' });
      expect([first.status, second.status]).toEqual(['created', 'created']);
      expect(second).toMatchObject({ failure_code: null, completed_at: null });
      expect(second.attempts!.map((a) => a.failure_code)).toEqual(['document_data_invalid', 'liveness_failed']);

      const third = await drive(t, test, created.id, 'fail', { failure_code: 'selfie_face_mismatch' });
      expect(third).toMatchObject({ status: 'failed', failure_code: 'selfie_face_mismatch' });
      expect(third.completed_at).toMatch(ISO_MS);
      const attempts = third.attempts!;
      // Oldest first, strictly increasing.
      expect(attempts.map((a) => a.failure_code)).toEqual(['document_data_invalid', 'liveness_failed', 'selfie_face_mismatch']);
      expect(attempts.every((a) => a.status === 'failed' && a.risk_score === 1)).toBe(true);
      const times = attempts.map((a) => Date.parse(a.created_at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(times).size).toBe(3);
      expect(attempts[2].completed_at).toBe(third.completed_at);
      await expectStored(third);

      expect(await eventTriples(t, created.id)).toEqual(
        [...attempts.map((a) => attemptEvent('failed', a.id)), sessionEvent('failed', created.id)].sort(compareTuples),
      );
      const sessionFailed = (await eventsFor(t, [created.id])).find((e) => e.type === 'verification.session.failed')!;
      expect(sessionFailed.summary).toEqual({ failure_code: 'selfie_face_mismatch', failed_attempts: 3 });
      const payload = payloadsOf(created.id).find((p) => p.type === 'verification.session.failed')!;
      expect(payload.data).toEqual({ failure_code: 'selfie_face_mismatch', failed_attempts: 3 });
      expect(payload.metadata.verification_attempt_id).toBe(attempts[2].id);

      // A fourth call meets a terminal session.
      expectError(await helper(t, test, created.id, 'fail'), 409, SESSION_TERMINAL);
      expect((await eventsFor(t, [created.id])).length).toBe(4);
    });

    it('a session may still succeed after two failures', async () => {
      const created = await newSession();
      await drive(t, test, created.id, 'fail');
      await drive(t, test, created.id, 'fail');
      const s = await drive(t, test, created.id, 'succeed');
      expect(s.status).toBe('succeeded');
      expect(s.attempts!.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
      expect((await eventsFor(t, [s.id])).map((e) => e.type).sort()).toEqual([
        'verification.attempt.failed',
        'verification.attempt.failed',
        'verification.attempt.succeeded',
        'verification.session.succeeded',
      ]);
    });
  });

  describe('expire', () => {
    it('answers 200 with the expired session: completed_at = expires_at ≈ now, failure_code session_expired, one session.expired', async () => {
      const created = await newSession();
      const before = Date.now();
      const res = await helper(t, test, created.id, 'expire');
      const after = Date.now();
      expect(res.status).toBe(200);
      const s = res.body.data as SessionJson;
      expect(s).toMatchObject({ id: created.id, status: 'expired', failure_code: 'session_expired', attempts: [] });
      expect(s.completed_at).toBe(s.expires_at);
      expect(Date.parse(s.expires_at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(s.expires_at)).toBeLessThanOrEqual(after);
      await expectStored(s);
      expect(await eventTriples(t, s.id)).toEqual([sessionEvent('expired', s.id)]);
      expect((await eventsFor(t, [s.id]))[0].summary).toEqual({});
    });

    it('expires a session that has failed attempts, leaving their codes alone', async () => {
      const created = await newSession();
      const failed = await drive(t, test, created.id, 'fail', { failure_code: 'liveness_failed' });
      const s = await drive(t, test, created.id, 'expire', {});
      expect(s.status).toBe('expired');
      expect(s.attempts).toEqual(failed.attempts);
      expect(await eventTriples(t, s.id)).toEqual(
        [attemptEvent('failed', failed.attempts![0].id), sessionEvent('expired', s.id)].sort(compareTuples),
      );
    });

    it('rejects any body property with 400 param', async () => {
      const created = await newSession();
      const res = await helper(t, test, created.id, 'expire', { now: true });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'now' });
      expect((await getSession(t, test, created.id)).status).toBe('created');
    });
  });

  describe('errors shared by the three helpers', () => {
    it.each(ACTIONS)('%s: 403 TEST_MODE_REQUIRED with a live key, on a live session, which stays untouched', async (action) => {
      const liveSession = await newSession({}, live);
      expectError(await helper(t, live, liveSession.id, action), 403, TEST_MODE_REQUIRED);
      expect((await getSession(t, live, liveSession.id)).status).toBe('created');
      expect(await eventsFor(t, [liveSession.id])).toEqual([]);
    });

    it.each(ACTIONS)('%s: TEST_MODE_REQUIRED beats a malformed id and an unknown one (scope → test mode → path id)', async (action) => {
      expectError(await helper(t, live, 'vs_nope', action), 403, TEST_MODE_REQUIRED);
      expectError(await helper(t, live, WELL_FORMED_UNKNOWN, action, { unknown_property: 1 }), 403, TEST_MODE_REQUIRED);
    });

    it.each(ACTIONS)('%s: a key without sessions:write gets the exact 403 FORBIDDEN, before the test-mode check', async (action) => {
      const session = await newSession();
      const testReader = await t.createKey(orgId, { livemode: false, scopes: ['sessions:read', 'webhooks:write'] });
      const liveReader = await t.createKey(orgId, { livemode: true, scopes: ['sessions:read'] });
      for (const key of [testReader, liveReader]) {
        const res = await helper(t, key, session.id, action);
        expect(res.status).toBe(403);
        expect(res.body).toEqual(FORBIDDEN_BODY);
      }
      expect((await helper(t, testReader, 'bad', action)).body).toEqual(FORBIDDEN_BODY);
      expect((await getSession(t, test, session.id)).status).toBe('created');
    });

    it.each(ACTIONS)('%s: 401 without a valid key', async (action) => {
      const session = await newSession();
      const res = await t.http().post(`/v1/test_helpers/sessions/${session.id}/${action}`);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } });
    });

    it.each(ACTIONS)('%s: 400 param id for a malformed id, before the body is looked at', async (action) => {
      for (const id of ['vs_short', `vs_${'a'.repeat(63)}!`, `va_${'a'.repeat(64)}`, `VS_${'a'.repeat(64)}`]) {
        const res = await helper(t, test, encodeURIComponent(id), action, { unknown_property: 1 });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'Bad request.', param: 'id' });
      }
    });

    it.each(ACTIONS)('%s: 404 with the §3.3 strings for an unknown id, another organization and the live environment', async (action) => {
      const other = await t.tenant();
      const foreign = await createSession(t, other.test, {});
      const liveSameOrg = await newSession({}, live);
      for (const id of [WELL_FORMED_UNKNOWN, foreign.id, liveSameOrg.id]) {
        expectError(await helper(t, test, id, action), 404, NOT_FOUND);
      }
      expect((await getSession(t, other.test, foreign.id)).status).toBe('created');
      expect(await eventsFor(t, [foreign.id, liveSameOrg.id])).toEqual([]);
    });

    it.each(ACTIONS)('%s: 409 SESSION_TERMINAL on every terminal status, with no change and no event', async (action) => {
      const succeeded = await drive(t, test, (await newSession()).id, 'succeed');
      const expired = await drive(t, test, (await newSession()).id, 'expire');
      const failed = await newSession();
      for (let i = 0; i < 3; i++) await drive(t, test, failed.id, 'fail');
      const cancelled = await newSession();
      expect((await t.http().post(`/v1/sessions/${cancelled.id}/cancel`).set(bearer(test))).status).toBe(204);

      for (const id of [succeeded.id, expired.id, failed.id, cancelled.id]) {
        const before = await getSession(t, test, id);
        const events = await eventsFor(t, [id]);
        expectError(await helper(t, test, id, action), 409, SESSION_TERMINAL);
        expect(await getSession(t, test, id)).toEqual(before);
        expect(await eventsFor(t, [id])).toEqual(events);
      }
    });

    it.each(ACTIONS)('%s: 409 SESSION_TERMINAL on an overdue session, which lazy expiry expires (one session.expired)', async (action) => {
      const created = await newSession({ expires_in: 300 });
      const res = await withClockAdvanced(t, 300_000, () => helper(t, test, created.id, action));
      expectError(res, 409, SESSION_TERMINAL);
      const s = await getSession(t, test, created.id);
      expect(s).toMatchObject({ status: 'expired', failure_code: 'session_expired', completed_at: created.expires_at, attempts: [] });
      expect(await eventTriples(t, created.id)).toEqual([sessionEvent('expired', created.id)]);
    });

    it.each(['succeed', 'fail'] as HelperAction[])('%s: an unknown body property → 400 with that param, nothing changes', async (action) => {
      const created = await newSession();
      const res = await helper(t, test, created.id, action, { failure_code: 'liveness_failed', selected_field_keys: ['x'], extra: 1 });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect(res.body.error.param).toBe(action === 'succeed' ? 'failure_code' : 'selected_field_keys');
      const only = await helper(t, test, created.id, action, { extra: 1 });
      expect(only.status).toBe(400);
      expect(only.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'extra' });
      expect(await getSession(t, test, created.id)).toMatchObject({ status: 'created', attempts: [] });
    });

    it.each(ACTIONS)('%s: rejects malformed JSON and a non-object body with 400 (no param)', async (action) => {
      const created = await newSession();
      for (const raw of ['{"failure_code":', '[]', '"x"']) {
        const res = await t
          .http()
          .post(`/v1/test_helpers/sessions/${created.id}/${action}`)
          .set(bearer(test))
          .set('Content-Type', 'application/json')
          .send(raw);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('BAD_REQUEST');
        expect(res.body.error).not.toHaveProperty('param');
      }
      expect((await getSession(t, test, created.id)).status).toBe('created');
    });
  });

  describe('Idempotency-Key (§1.9)', () => {
    it('a repeated fail with the same key replays the stored answer: one attempt, one event', async () => {
      const created = await newSession();
      const call = () =>
        helper(t, test, created.id, 'fail', { failure_code: 'liveness_failed' }).set('Idempotency-Key', `fail-${created.id}`);
      const first = await call();
      expect(first.status).toBe(200);
      const second = await call();
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect((await getSession(t, test, created.id)).attempts).toHaveLength(1);
      expect(await eventTriples(t, created.id)).toEqual([attemptEvent('failed', first.body.data.attempts[0].id)]);
    });
  });

  describe('API cancel on test sessions (same state machine)', () => {
    it('cancels a created test session with one session.cancelled; a repeat is a 204 no-op', async () => {
      const created = await newSession();
      await drive(t, test, created.id, 'fail');
      const cancel = () => t.http().post(`/v1/sessions/${created.id}/cancel`).set(bearer(test));
      expect((await cancel()).status).toBe(204);
      const s = await getSession(t, test, created.id);
      expect(s).toMatchObject({ status: 'cancelled', failure_code: 'session_cancelled' });
      expect(s.completed_at).toMatch(ISO_MS);
      // The attempt that had already failed keeps its code (only in_progress attempts are cancelled).
      expect(s.attempts!.map((a) => [a.status, a.failure_code])).toEqual([['failed', 'document_authenticity_failed']]);
      expect((await cancel()).status).toBe(204);
      expect(await getSession(t, test, created.id)).toEqual(s);
      expect(await eventTriples(t, created.id)).toEqual(
        [attemptEvent('failed', s.attempts![0].id), sessionEvent('cancelled', created.id)].sort(compareTuples),
      );
    });
  });
});
