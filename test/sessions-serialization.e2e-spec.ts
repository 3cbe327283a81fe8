import type { Response } from 'supertest';
import { bearer, createTestApp, type TestApp } from './helpers/app.js';
import { CREATED_KEYS, SESSION_KEYS } from './helpers/sessions.js';

// Session envelopes are serialized from a schema (src/sessions/dto/session.schema.ts), not by
// JSON.stringify: a field the schema missed would vanish and a string it escaped its own way
// would read back different. Each answer here must be exactly what JSON.stringify writes.
const ATTEMPT_KEYS = ['id', 'session_id', 'livemode', 'status', 'failure_code', 'risk_score', 'completed_at', 'created_at', 'updated_at'];
const TRICKY = 'Quotes " and \\ backslash, Ünïcödé, emoji 😀, <b>&amp;</b>, control-free.';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

/** The body as sent is JSON.stringify's own rendering of what it parses to. */
function expectCanonical(res: Response): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
}

describe('session envelopes, serialized from their schema', () => {
  it('create, get (with and without attempts) and list answer every field, in order, byte for byte as JSON.stringify would', async () => {
    const { test } = await t.tenant();
    const share_fields = { age_over_18: { required: true, reason: TRICKY }, given_names: { required: false, reason: 'Your name.' } };
    const created = await t.http().post('/v1/sessions').set(bearer(test)).send({ share_fields, redirect_url: 'https://shop.example/return?a=1&b=2' });
    expectCanonical(created);
    expect(Object.keys(created.body)).toEqual(['data', 'error']);
    expect(Object.keys(created.body.data)).toEqual(CREATED_KEYS);
    expect(created.body.data.share_fields.age_over_18).toEqual({ required: true, reason: TRICKY, source: 'rc' });
    const id = created.body.data.id as string;

    const plain = await t.http().get(`/v1/sessions/${id}`).set(bearer(test));
    expectCanonical(plain);
    expect(Object.keys(plain.body.data)).toEqual(SESSION_KEYS);
    const { cancel_token: _token, ...shown } = created.body.data;
    expect(plain.body.data).toEqual({ ...shown, verification_url: shown.verification_url.split('?')[0] });

    // A finished session: failure code, completion time and a failed attempt of its own.
    expect((await t.http().post(`/v1/test_helpers/sessions/${id}/fail`).set(bearer(test))).status).toBe(200);
    expect((await t.http().post(`/v1/test_helpers/sessions/${id}/expire`).set(bearer(test))).status).toBe(200);
    const withAttempts = await t.http().get(`/v1/sessions/${id}?include_attempts=true`).set(bearer(test));
    expectCanonical(withAttempts);
    expect(Object.keys(withAttempts.body.data)).toEqual([...SESSION_KEYS, 'attempts']);
    expect(withAttempts.body.data.failure_code).toEqual(expect.any(String));
    expect(withAttempts.body.data.completed_at).toEqual(expect.any(String));
    expect(withAttempts.body.data.attempts.length).toBeGreaterThan(0);
    for (const attempt of withAttempts.body.data.attempts) expect(Object.keys(attempt)).toEqual(ATTEMPT_KEYS);

    const list = await t.http().get('/v1/sessions?limit=1&include_attempts=true').set(bearer(test));
    expectCanonical(list);
    expect(Object.keys(list.body)).toEqual(['data', 'error', 'pagination']);
    expect(list.body.pagination).toEqual({ limit: 1, has_more: false, next_cursor: null });
    expect(list.body.data).toEqual([withAttempts.body.data]);
  });
});
