import fc from 'fast-check';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { SESSION_ID, SHARE_ERRORS, STATIC_LABELS, countRows, expectNoLeak } from './helpers/sessions.js';

/**
 * Random bodies against POST /v1/sessions: the answer is always a 200 or a 400 envelope
 * (a 413 only above 100 KiB), never a 5xx, and exactly the 200s store a session.
 * Replay a failure with FUZZ_SEED=<seed printed below>.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);
const BODY_LIMIT = 100 * 1024;

const STATIC_KEYS = Object.keys(STATIC_LABELS);
const HAZARD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

// ---- building blocks ------------------------------------------------------------------

/** Long strings (1k..20k code units) of one repeated grapheme, ASCII or not. */
const hugeString = fc
  .tuple(fc.oneof(fc.constant('a'), fc.constant(' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 })), fc.integer({ min: 1_000, max: 20_000 }))
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0\u2003', 'ok', ...HAZARD_KEYS) },
  { weight: 1, arbitrary: hugeString },
);

/** Any JSON value, deep and wide enough to be awkward. */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -0, 1e308, -1, 0.5, [], {}) },
);

const claimKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...STATIC_KEYS) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 200 }).map((n) => `age_over_${n}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('age_over_', 'age_over_abc', 'age_over_018', 'age_over_-18', 'age_over_1e2', 'foo_bar', '0', '17', '', ...HAZARD_KEYS),
  },
  { weight: 1, arbitrary: fc.string() },
);

const reason = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.integer({ min: 195, max: 205 }).map((n) => 'r'.repeat(n)) },
  { weight: 2, arbitrary: fc.constantFrom('', '   ', ' \n\t ', 'Because.', '  Spaced   out  ') },
  { weight: 1, arbitrary: anyJson },
);

const entry = fc.oneof(
  { weight: 5, arbitrary: fc.record({ required: fc.boolean(), reason }, { requiredKeys: [] }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.record({ required: fc.oneof(fc.boolean(), anyJson), reason }), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }))
      .map(([known, extra]) => ({ ...extra, ...known })),
  },
  { weight: 1, arbitrary: anyJson },
);

/** Entries that pass stage 1, so that stage 2 (keys, age gates, counts) is exercised. */
const wellShapedEntry = fc.record({
  required: fc.boolean(),
  reason: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), fc.constantFrom('   ', '\u00a0', 'Why.')),
});

const shareFields = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(claimKey, entry, { maxKeys: 6 }) },
  { weight: 4, arbitrary: fc.dictionary(claimKey, wellShapedEntry, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.dictionary(claimKey, wellShapedEntry, { minKeys: 30, maxKeys: 36 }) },
  { weight: 1, arbitrary: fc.dictionary(claimKey, entry, { minKeys: 30, maxKeys: 36 }) },
  { weight: 1, arbitrary: anyJson },
  { weight: 1, arbitrary: fc.array(anyJson, { maxLength: 4 }) },
);

const redirectUrl = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(null, 'https://shop.example/return', 'http://localhost:8080/x') },
  { weight: 1, arbitrary: fc.constantFrom('http://example.com', 'ftp://x.example', '/relative', '', 'http://[::1]/cb') },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: anyJson },
);

const expiresIn = fc.oneof(
  { weight: 16, arbitrary: fc.integer({ min: 300, max: 86_400 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(299, 300, 86_400, 86_401, 300.5, '600', null) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: anyJson },
);

const unknownProperty = fc.tuple(fc.oneof(fc.string(), fc.constantFrom(...HAZARD_KEYS)), anyJson);

/** Plausible bodies: the known fields, each maybe missing, sometimes plus an unknown one. */
const plausibleBody = fc
  .tuple(
    fc.record({ share_fields: shareFields, redirect_url: redirectUrl, expires_in: expiresIn }, { requiredKeys: [] }),
    fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: unknownProperty }),
  )
  .map(([known, extra]) => (extra ? { ...known, [extra[0]]: extra[1] } : known));

/** Bodies the contract must accept. */
const VALID_STATIC = STATIC_KEYS.filter((k) => k !== 'date_of_birth');
const validBody = fc
  .record(
    {
      share_fields: fc
        .tuple(
          fc.subarray(VALID_STATIC),
          fc.oneof(fc.constant(null), fc.constant('date_of_birth'), fc.integer({ min: 12, max: 130 }).map((n) => `age_over_${n}`)),
          fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
          fc.boolean(),
        )
        .map(([keys, extra, why, required]) =>
          Object.fromEntries([...keys, ...(extra ? [extra] : [])].map((k) => [k, { required, reason: why }])),
        ),
      redirect_url: fc.constantFrom(null, 'https://shop.example/return', 'http://127.0.0.1:9/x'),
      expires_in: fc.integer({ min: 300, max: 86_400 }),
    },
    { requiredKeys: [] },
  )
  .map((body) => ({ body, mustAccept: true }));

const fuzzCase = fc.oneof(
  { weight: 6, arbitrary: plausibleBody.map((body) => ({ body: body as unknown, mustAccept: false })) },
  { weight: 2, arbitrary: validBody },
  { weight: 1, arbitrary: fc.dictionary(fc.string(), anyJson, { maxKeys: 5 }).map((body) => ({ body: body as unknown, mustAccept: false })) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((body) => ({ body, mustAccept: false })) },
);

// ---- the oracle: §3.2 and §3.6.4 written out from the contract -----------------------

type Expected = { status: 200 } | { status: 400; code: string; params?: string[] };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function shareStage1(fields: unknown): string | null {
  if (!isPlainObject(fields)) return 'INVALID_SHARE_FIELDS';
  const entries = Object.keys(fields).map((k) => fields[k]);
  for (const e of entries) {
    if (!isPlainObject(e)) continue;
    const r = Object.hasOwn(e, 'reason') ? e.reason : undefined;
    if (typeof r !== 'string' || r === '') return 'REASON_REQUIRED';
    if (r.length > 200) return 'REASON_TOO_LONG';
  }
  for (const e of entries) {
    if (!isPlainObject(e) || typeof (Object.hasOwn(e, 'required') ? e.required : undefined) !== 'boolean') return 'INVALID_SHARE_FIELDS';
  }
  return null;
}

function shareStage2(fields: Record<string, { reason: string }>): string | null {
  const keys = Object.keys(fields);
  if (keys.length > 32) return 'TOO_MANY_SHARE_FIELDS';
  let gate = false;
  for (const key of keys) {
    const trimmed = fields[key].reason.trim();
    if (trimmed === '') return 'REASON_REQUIRED';
    if (trimmed.length > 200) return 'REASON_TOO_LONG';
    if (key.startsWith('age_over_')) {
      const m = /^age_over_([0-9]+)$/.exec(key);
      const n = m ? Number(m[1]) : NaN;
      if (!(n >= 12 && n <= 130)) return 'INVALID_AGE_GATE_KEY';
      if (gate) return 'MULTIPLE_AGE_GATES_NOT_ALLOWED';
      gate = true;
    } else if (!STATIC_KEYS.includes(key)) {
      return 'UNKNOWN_CLAIM_KEY';
    }
  }
  return gate && Object.hasOwn(fields, 'date_of_birth') ? 'DOB_AND_AGE_GATE_CONFLICT' : null;
}

function redirectOk(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v !== 'string' || v.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

/** What the contract says about a raw JSON text (outside production). */
function expectedFor(text: string): Expected {
  if (text === '') return { status: 200 };
  const body: unknown = JSON.parse(text);
  if (!isPlainObject(body)) return { status: 400, code: 'BAD_REQUEST', params: [] };
  const has = (k: string) => Object.hasOwn(body, k);
  if (has('share_fields')) {
    const stage1 = shareStage1(body.share_fields);
    if (stage1) return { status: 400, code: stage1 };
  }
  const params = Object.keys(body).filter((k) => !['share_fields', 'redirect_url', 'expires_in'].includes(k));
  if (has('redirect_url') && !redirectOk(body.redirect_url)) params.push('redirect_url');
  const e = body.expires_in;
  if (has('expires_in') && !(typeof e === 'number' && Number.isInteger(e) && e >= 300 && e <= 86_400)) params.push('expires_in');
  if (params.length > 0) return { status: 400, code: 'BAD_REQUEST', params };
  if (has('share_fields')) {
    const stage2 = shareStage2(body.share_fields as Record<string, { reason: string }>);
    if (stage2) return { status: 400, code: stage2 };
  }
  return { status: 200 };
}

const ALLOWED_400_CODES = new Set(['BAD_REQUEST', ...Object.keys(SHARE_ERRORS)]);

// ---- the property ---------------------------------------------------------------------

describe(`POST /v1/sessions fuzz (${RUNS} random bodies, seed ${SEED})`, () => {
  let t: TestApp;
  let key: CreatedKey;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const org = await t.createOrg('Fuzz');
    orgId = org.id;
    key = await t.createKey(org.id);
    console.log(`sessions fuzz: seed ${SEED}, ${RUNS} runs (replay with FUZZ_SEED=${SEED})`);
  });
  afterAll(async () => t.close());

  it('answers only 200 or 400 envelopes, and stores exactly one session per 200', async () => {
    const before = await countRows(t, 'sessions', { column: 'organization_id', value: orgId });
    const tally: Record<number, number> = {};
    const codes: Record<string, number> = {};

    await fc.assert(
      fc.asyncProperty(fuzzCase, async ({ body, mustAccept }) => {
        const text = JSON.stringify(body);
        const res = await t
          .http()
          .post('/v1/sessions')
          .set(bearer(key))
          .set('Content-Type', 'application/json')
          .send(text ?? '');
        tally[res.status] = (tally[res.status] ?? 0) + 1;
        expectNoLeak(res);
        const size = Buffer.byteLength(text ?? '');
        if (size > BODY_LIMIT) {
          expect(res.status).toBe(413);
          expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
          return;
        }
        if (mustAccept) expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
        expect([200, 400]).toContain(res.status);
        const expected = expectedFor(text ?? '');
        const actual = { status: res.status, code: res.body.error?.code, param: res.body.error?.param };
        if (expected.status === 200) {
          expect(actual).toEqual({ status: 200, code: undefined, param: undefined });
        } else {
          expect(actual.code).toBe(expected.code);
          if (expected.params?.length === 0) expect(actual.param).toBeUndefined();
          else if (expected.params) expect(expected.params).toContain(actual.param);
        }
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        if (res.status === 200) {
          const s = res.body.data;
          expect(res.body.error).toBeNull();
          expect(s.id).toMatch(SESSION_ID);
          expect(s.status).toBe('created');
          expect(s.share_fields.kayle_document_id.required).toBe(true);
          const keys = Object.keys(s.share_fields);
          expect(keys).toEqual([...keys].sort());
          for (const field of Object.values(s.share_fields) as Array<{ reason: string; source: string }>) {
            expect(field.reason).toBe(field.reason.trim());
            expect(field.reason).not.toMatch(/\s{2}/);
            expect(field.reason.length).toBeGreaterThan(0);
            expect(field.reason.length).toBeLessThanOrEqual(200);
          }
          const expiresIn = (Date.parse(s.expires_at) - Date.parse(s.created_at)) / 1000;
          expect(expiresIn).toBeGreaterThanOrEqual(300);
          expect(expiresIn).toBeLessThanOrEqual(86_400);
          codes['200'] = (codes['200'] ?? 0) + 1;
        } else {
          expect(Object.keys(res.body)).toEqual(['data', 'error']);
          expect(res.body.data).toBeNull();
          const error = res.body.error;
          expect(ALLOWED_400_CODES.has(error.code)).toBe(true);
          expect(typeof error.message).toBe('string');
          expect(error.message.length).toBeGreaterThan(0);
          expect(error.message).toBe(error.code === 'BAD_REQUEST' ? 'Bad request.' : SHARE_ERRORS[error.code].message);
          expect(typeof error.hint).toBe('string');
          expect(error.request_id).toBe(res.headers['x-request-id']);
          codes[error.code] = (codes[error.code] ?? 0) + 1;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );

    const after = await countRows(t, 'sessions', { column: 'organization_id', value: orgId });
    console.log(`sessions fuzz: statuses ${JSON.stringify(tally)}, codes ${JSON.stringify(codes)}`);
    expect(after - before).toBe(tally[200] ?? 0);
    // The generators must reach both outcomes, or the property proves little.
    expect(tally[200]).toBeGreaterThan(RUNS / 10);
    expect(tally[400]).toBeGreaterThan(RUNS / 10);
  });
});
