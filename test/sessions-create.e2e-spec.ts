import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  CANCEL_TOKEN,
  CREATED_KEYS,
  DEFAULT_SHARE_FIELDS,
  ISO_MS,
  SESSION_ID,
  SESSION_KEYS,
  createSession,
  expectBadRequest,
  expectForbidden,
  expectNoLeak,
  getSession,
} from './helpers/sessions.js';

describe('POST /v1/sessions (§3.2)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp();
    ({ live, test } = await t.tenant());
  });
  afterAll(async () => t.close());

  const post = (body?: unknown, key: CreatedKey = live) => {
    const req = t.http().post('/v1/sessions').set(bearer(key));
    return body === undefined ? req : req.send(body as object);
  };

  describe('response', () => {
    it('answers 200 (not 201) with the full session, keys in the contract order', async () => {
      const before = Date.now();
      const res = await post({});
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(res.body.error).toBeNull();
      const s = res.body.data;
      expect(Object.keys(s)).toEqual(CREATED_KEYS);
      expect(s.id).toMatch(SESSION_ID);
      expect(s.cancel_token).toMatch(CANCEL_TOKEN);
      expect(s).toMatchObject({
        livemode: true,
        status: 'created',
        failure_code: null,
        contract_version: 1,
        redirect_url: null,
        completed_at: null,
      });
      expect(s.verification_url).toBe(`http://localhost:3000/verify/${s.id}?cancel_token=${s.cancel_token}`);
      for (const field of ['expires_at', 'created_at', 'updated_at']) expect(s[field]).toMatch(ISO_MS);
      const created = Date.parse(s.created_at);
      expect(created).toBeGreaterThanOrEqual(before);
      expect(created).toBeLessThanOrEqual(after);
      expect(s.updated_at).toBe(s.created_at);
      expect(Date.parse(s.expires_at) - created).toBe(3600 * 1000);
    });

    it('gives every session its own id and cancel_token', async () => {
      const a = await createSession(t, live);
      const b = await createSession(t, live);
      expect(a.id).not.toBe(b.id);
      expect(a.cancel_token).not.toBe(b.cancel_token);
    });

    it('applies the 13 default claims when share_fields is omitted (§3.6.3)', async () => {
      const s = await createSession(t, live, {});
      expect(s.share_fields).toEqual(DEFAULT_SHARE_FIELDS);
      expect(Object.keys(s.share_fields)).toEqual(Object.keys(DEFAULT_SHARE_FIELDS));
      expect(Object.keys(s.share_fields)).toHaveLength(13);
      expect(s.share_fields.kayle_document_id).toEqual({
        required: true,
        reason: 'Sharing "Kayle Document ID"',
        source: 'default',
      });
      expect(s.share_fields.mrz_optional_data).toEqual({
        required: false,
        reason: 'Sharing "MRZ Optional Data"',
        source: 'default',
      });
    });

    it('treats an empty body (no content type) as {}', async () => {
      const res = await t.http().post('/v1/sessions').set(bearer(live));
      expect(res.status).toBe(200);
      expect(res.body.data.share_fields).toEqual(DEFAULT_SHARE_FIELDS);
    });

    it('reproduces the contract example (share_fields normalized, redirect_url as supplied)', async () => {
      const res = await post({
        share_fields: {
          nationality_code: { required: false, reason: 'Shipping restrictions.' },
          age_over_18: { required: true, reason: 'Confirm you are an adult.' },
        },
        redirect_url: 'https://shop.example/return',
      });
      expect(res.status).toBe(200);
      const s = res.body.data;
      expect(Object.keys(s)).toEqual(CREATED_KEYS);
      expect(JSON.stringify(s.share_fields)).toBe(
        JSON.stringify({
          age_over_18: { required: true, reason: 'Confirm you are an adult.', source: 'rc' },
          kayle_document_id: { required: true, reason: 'Sharing "Kayle Document ID"', source: 'default' },
          nationality_code: { required: false, reason: 'Shipping restrictions.', source: 'rc' },
        }),
      );
      expect(s.redirect_url).toBe('https://shop.example/return');
    });

    it('stores what it returned: GET shows the same session without cancel_token', async () => {
      const created = await createSession(t, live, {
        share_fields: { given_names: { required: true, reason: 'Greeting.' } },
        redirect_url: 'https://shop.example/return?x=1#frag',
        expires_in: 900,
      });
      const got = await getSession(t, live, created.id);
      expect(Object.keys(got)).toEqual(SESSION_KEYS);
      const { cancel_token: _token, verification_url: _url, ...rest } = created;
      expect(got).toEqual({ ...rest, verification_url: `http://localhost:3000/verify/${created.id}` });
    });

    it('creates a test session (livemode false) with a kk_test_ key', async () => {
      const s = await createSession(t, test);
      expect(s.livemode).toBe(false);
      expect(s.id).toMatch(SESSION_ID);
      expect(s.verification_url).toBe(`http://localhost:3000/verify/${s.id}?cancel_token=${s.cancel_token}`);
    });
  });

  describe('expires_in (extension)', () => {
    it.each([300, 86400, 3600, 1234])('accepts %i seconds: expires_at = created_at + expires_in', async (seconds) => {
      const s = await createSession(t, live, { expires_in: seconds });
      expect(Date.parse(s.expires_at) - Date.parse(s.created_at)).toBe(seconds * 1000);
    });

    it.each([
      ['299', 299],
      ['86401', 86401],
      ['0', 0],
      ['-300', -300],
      ['300.5', 300.5],
      ['a numeric string', '600'],
      ['null', null],
      ['true', true],
      ['an array', [600]],
      ['an object', { seconds: 600 }],
    ])('rejects %s with 400 param expires_in', async (_label, value) => {
      const before = await countCreated();
      const res = await post({ expires_in: value });
      expectBadRequest(res, 'expires_in');
      expect(await countCreated()).toBe(before);
    });
  });

  describe('include_attempts', () => {
    it.each(['true', '1'])('include_attempts=%s adds "attempts": [] as the last key', async (value) => {
      const res = await t.http().post(`/v1/sessions?include_attempts=${value}`).set(bearer(live)).send({});
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.data)).toEqual([...CREATED_KEYS, 'attempts']);
      expect(res.body.data.attempts).toEqual([]);
    });

    it.each(['false', '0'])('include_attempts=%s leaves attempts out', async (value) => {
      const res = await t.http().post(`/v1/sessions?include_attempts=${value}`).set(bearer(live)).send({});
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.data)).toEqual(CREATED_KEYS);
    });

    it.each(['yes', 'TRUE', '', '2', 'include_attempts=true&include_attempts=true'])(
      'rejects include_attempts=%j with 400 param include_attempts',
      async (value) => {
        const qs = value.startsWith('include_attempts=') ? value : `include_attempts=${value}`;
        const before = await countCreated();
        const res = await t.http().post(`/v1/sessions?${qs}`).set(bearer(live)).send({});
        expectBadRequest(res, 'include_attempts');
        expect(await countCreated()).toBe(before);
      },
    );

    it('ignores unknown query parameters', async () => {
      const res = await t.http().post('/v1/sessions?foo=bar').set(bearer(live)).send({});
      expect(res.status).toBe(200);
    });
  });

  describe('redirect_url', () => {
    const exactly2048 = `https://shop.example/${'a'.repeat(2048 - 'https://shop.example/'.length)}`;

    it.each([
      ['https', 'https://shop.example/return'],
      ['https with port, query and fragment', 'https://shop.example:8443/return?order=1#done'],
      ['http://localhost', 'http://localhost:8080/x'],
      ['http://127.0.0.1', 'http://127.0.0.1/callback'],
      ['http://[::1]', 'http://[::1]:3000/callback'],
      ['exactly 2048 characters', exactly2048],
    ])('accepts %s outside production', async (_label, url) => {
      expect(url.length).toBeLessThanOrEqual(2048);
      const s = await createSession(t, live, { redirect_url: url });
      expect(s.redirect_url).toBe(url);
    });

    it('accepts null as "no redirect"', async () => {
      const s = await createSession(t, live, { redirect_url: null });
      expect(s.redirect_url).toBeNull();
    });

    it.each([
      ['plain http to a public host', 'http://example.com'],
      ['http to a local-looking subdomain', 'http://localhost.example.com/x'],
      ['ftp', 'ftp://example.com/file'],
      ['javascript:', 'javascript:alert(1)'],
      ['a relative path', '/return'],
      ['a host without scheme', 'shop.example/return'],
      ['the empty string', ''],
      ['2049 characters', `${exactly2048}b`],
      ['a number', 42],
      ['an object', { url: 'https://shop.example' }],
      ['a boolean', false],
    ])('rejects %s with 400 param redirect_url', async (_label, url) => {
      const before = await countCreated();
      const res = await post({ redirect_url: url });
      expectBadRequest(res, 'redirect_url');
      expect(await countCreated()).toBe(before);
    });
  });

  describe('body validation', () => {
    it('rejects an unknown property with 400 param = that property', async () => {
      expectBadRequest(await post({ foo: 1 }), 'foo');
      expectBadRequest(await post({ expires_in: 600, metadata: { a: 1 } }), 'metadata');
    });

    it('names the first unknown property', async () => {
      expectBadRequest(await post({ zeta: 1, alpha: 2 }), 'zeta');
    });

    it('rejects an unknown property even next to valid share_fields', async () => {
      const res = await post({ share_fields: { nationality_code: { required: true, reason: 'x' } }, livemode: false });
      expectBadRequest(res, 'livemode');
    });

    it.each(['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__', 'prototype'])(
      'rejects the unknown property %s (named like an Object.prototype member) instead of dropping it',
      async (key) => {
        const res = await t
          .http()
          .post('/v1/sessions')
          .set(bearer(live))
          .set('Content-Type', 'application/json')
          .send(`{${JSON.stringify(key)}:{"expires_in":5}}`);
        expectBadRequest(res, key);
      },
    );

    it('names the first unknown property when one of them is named like an Object.prototype member', async () => {
      const send = (raw: string) =>
        t.http().post('/v1/sessions').set(bearer(live)).set('Content-Type', 'application/json').send(raw);
      expectBadRequest(await send('{"expires_in":600,"zzz":1,"valueOf":2}'), 'zzz');
      expectBadRequest(await send('{"valueOf":2,"expires_in":600,"zzz":1}'), 'valueOf');
    });

    it('rejects malformed JSON and non-object bodies with 400 and no param', async () => {
      expectBadRequest(await t.http().post('/v1/sessions').set(bearer(live)).set('Content-Type', 'application/json').send('{"expires_in":'), undefined);
      expectBadRequest(await t.http().post('/v1/sessions').set(bearer(live)).set('Content-Type', 'application/json').send('[]'), undefined);
      expectBadRequest(await t.http().post('/v1/sessions').set(bearer(live)).set('Content-Type', 'application/json').send('"x"'), undefined);
      expectBadRequest(await t.http().post('/v1/sessions').set(bearer(live)).set('Content-Type', 'text/plain').send('{}'), undefined);
    });

    it('answers 413 PAYLOAD_TOO_LARGE above 100 KiB', async () => {
      const res = await post({ share_fields: { nationality_code: { required: true, reason: 'x', pad: 'y'.repeat(110_000) } } });
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.' });
      expectNoLeak(res);
    });
  });

  describe('authorization', () => {
    it('needs sessions:write (a read-only key gets the exact 403)', async () => {
      const readOnly = await t.createKey(live.organization_id, { scopes: ['sessions:read'] });
      expectForbidden(await post({}, readOnly));
    });

    it('needs a key (exact 401)', async () => {
      const res = await t.http().post('/v1/sessions').send({});
      expect(res.status).toBe(401);
      expect(res.text).toBe('{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}');
    });
  });

  /** Sessions of the live key, counted through the list (lists are capped at 100 per page). */
  async function countCreated(): Promise<number> {
    let n = 0;
    let cursor: string | null = null;
    do {
      const res = await t
        .http()
        .get('/v1/sessions')
        .set(bearer(live))
        .query({ limit: '100', ...(cursor ? { starting_after: cursor } : {}) });
      n += res.body.data.length;
      cursor = res.body.pagination.next_cursor;
    } while (cursor);
    return n;
  }
});

describe('POST /v1/sessions with NODE_ENV=production (§3.2, §9.4)', () => {
  let t: TestApp;
  let live: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: 'production' });
    ({ live } = await t.tenant());
  });
  afterAll(async () => t.close());

  it.each(['http://localhost:8080/x', 'http://127.0.0.1/cb', 'http://[::1]/cb'])(
    'rejects %s: http is never allowed in production',
    async (url) => {
      const res = await t.http().post('/v1/sessions').set(bearer(live)).send({ redirect_url: url });
      expectBadRequest(res, 'redirect_url');
    },
  );

  it('still accepts https', async () => {
    const s = await createSession(t, live, { redirect_url: 'https://shop.example/return' });
    expect(s.redirect_url).toBe('https://shop.example/return');
  });
});

describe('POST /v1/sessions with a custom VERIFY_BASE_URL (§9.4)', () => {
  let t: TestApp;
  let live: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp({ VERIFY_BASE_URL: 'https://verify.example.com/', PUBLIC_BASE_URL: 'https://api.example.com' });
    ({ live } = await t.tenant());
  });
  afterAll(async () => t.close());

  it('builds verification_url from VERIFY_BASE_URL (no trailing slash), with the token only on create', async () => {
    const s = await createSession(t, live);
    expect(s.verification_url).toBe(`https://verify.example.com/${s.id}?cancel_token=${s.cancel_token}`);
    const got = await getSession(t, live, s.id);
    expect(got.verification_url).toBe(`https://verify.example.com/${s.id}`);
  });
});

describe('POST /v1/sessions with only PUBLIC_BASE_URL set (§9.4)', () => {
  let t: TestApp;
  let live: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_BASE_URL: 'https://api.example.com/' });
    ({ live } = await t.tenant());
  });
  afterAll(async () => t.close());

  it('defaults VERIFY_BASE_URL to <PUBLIC_BASE_URL>/verify', async () => {
    const s = await createSession(t, live);
    expect(s.verification_url).toBe(`https://api.example.com/verify/${s.id}?cancel_token=${s.cancel_token}`);
  });
});
