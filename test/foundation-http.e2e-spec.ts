import type { Response } from 'supertest';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';

const GENERATED_REQUEST_ID = /^req_[a-z0-9]{24}$/;
const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';

function expectBadRequest(res: Response, param?: string): void {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeNull();
  expect(res.body.error).toMatchObject({
    code: 'BAD_REQUEST',
    message: 'Bad request.',
    docs: 'https://kayle.id/docs/api/errors#bad_request',
    request_id: res.headers['x-request-id'],
  });
  expect(typeof res.body.error.hint).toBe('string');
  if (param === undefined) expect(res.body.error).not.toHaveProperty('param');
  else expect(res.body.error.param).toBe(param);
  expectNoFrameworkLeak(res);
}

function expectUnauthorized(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.text).toBe(UNAUTHORIZED_TEXT);
}

/** Envelope errors never carry Nest/Fastify internals. */
function expectNoFrameworkLeak(res: Response): void {
  for (const leaked of ['stack', 'statusCode', 'exception', 'cause']) {
    expect(res.text).not.toContain(`"${leaked}"`);
  }
  expect(Object.keys(res.body).sort()).toEqual(['data', 'error']);
}

describe('HTTP conventions (§1.1–§1.4)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  const postOrg = () => t.http().post('/v1/admin/orgs').set(t.admin);

  describe('X-Request-Id', () => {
    it.each(['abc.DEF_1:2-3', 'a', 'x'.repeat(128)])('echoes a well-formed client value (%s)', async (id) => {
      const res = await t.http().get('/health').set('X-Request-Id', id);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['129 characters', 'x'.repeat(129)],
      ['a space', 'abc def'],
      ['a slash', 'abc/def'],
      ['non-ASCII', 'abcé'],
      ['a plus sign', 'a+b'],
    ])('replaces a malformed client value (%s) with req_ + 24 [a-z0-9]', async (_label, id) => {
      const res = await t.http().get('/health').set('X-Request-Id', id);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    });

    it('generates a fresh id per request when none is sent', async () => {
      const a = await t.http().get('/health');
      const b = await t.http().get('/health');
      expect(a.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
      expect(b.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('puts the same value in error.request_id, echoed or generated', async () => {
      const echoed = await postOrg().set('X-Request-Id', 'trace-42').send({ name: '' });
      expect(echoed.status).toBe(400);
      expect(echoed.headers['x-request-id']).toBe('trace-42');
      expect(echoed.body.error.request_id).toBe('trace-42');

      const generated = await t.http().get('/v1/does-not-exist').set('X-Request-Id', 'bad id!');
      expect(generated.status).toBe(404);
      expect(generated.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
      expect(generated.body.error.request_id).toBe(generated.headers['x-request-id']);
    });
  });

  describe('request bodies', () => {
    it('accepts a JSON object body', async () => {
      const res = await postOrg().send({ name: 'Body OK' });
      expect(res.status).toBe(200);
      expect(res.body.data.name).toBe('Body OK');
    });

    it('answers 400 without param to malformed JSON', async () => {
      const res = await postOrg().set('Content-Type', 'application/json').send('{"name": "Acme"');
      expectBadRequest(res);
    });

    it.each([
      ['an array', '[{"name":"Acme"}]'],
      ['a string', '"Acme"'],
      ['a number', '42'],
      ['null', 'null'],
    ])('answers 400 without param to %s at the top level', async (_label, raw) => {
      const res = await postOrg().set('Content-Type', 'application/json').send(raw);
      expectBadRequest(res);
    });

    it.each([
      ['text/plain', '{"name":"Acme"}'],
      ['application/x-www-form-urlencoded', 'name=Acme'],
      ['application/octet-stream', 'name=Acme'],
    ])('answers 400 without param to a non-empty %s body', async (type, raw) => {
      const res = await postOrg().set('Content-Type', type).send(raw);
      expectBadRequest(res);
    });

    it.each([
      ['an empty content type', ''],
      ['an unparseable content type', 'json'],
    ])('answers 400 without param to a non-empty body with %s', async (_label, type) => {
      const res = await postOrg().set('Content-Type', type).send(Buffer.from('{"name":"Acme"}'));
      expectBadRequest(res);
    });

    it('treats an empty body as {} (then validates the fields)', async () => {
      const res = await postOrg().set('Content-Type', 'text/plain').send('');
      expectBadRequest(res, 'name');
    });

    it('accepts JSON with a charset parameter', async () => {
      const res = await postOrg().set('Content-Type', 'application/json; charset=utf-8').send('{"name":"Charset"}');
      expect(res.status).toBe(200);
    });

    it('answers 400 with param = the unknown property', async () => {
      const res = await postOrg().send({ name: 'Acme', foo: 1 });
      expectBadRequest(res, 'foo');
    });

    it('answers 400 with param = the first unknown property when there are several', async () => {
      const res = await postOrg().set('Content-Type', 'application/json').send('{"name":"Acme","zeta":1,"alpha":2}');
      expectBadRequest(res, 'zeta');
    });

    it('answers 413 PAYLOAD_TOO_LARGE with the exact error to a body over 100 KiB', async () => {
      const body = JSON.stringify({ name: 'Acme', pad: 'x'.repeat(100 * 1024) });
      const res = await postOrg().set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        data: null,
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: 'Request body is too large.',
          hint: 'The maximum request body size is 100 KB.',
          docs: 'https://kayle.id/docs/api/errors#payload_too_large',
          request_id: res.headers['x-request-id'],
        },
      });
    });

    it('reads a body of exactly 100 KiB (then rejects its unknown property, not its size)', async () => {
      const prefix = '{"name":"Acme","pad":"';
      const body = prefix + 'x'.repeat(100 * 1024 - prefix.length - 2) + '"}';
      expect(Buffer.byteLength(body)).toBe(100 * 1024);
      const res = await postOrg().set('Content-Type', 'application/json').send(body);
      expectBadRequest(res, 'pad');
    });

    it('answers 413 to a body over 100 KiB whatever its content type', async () => {
      const res = await postOrg().set('Content-Type', 'text/plain').send('y'.repeat(100 * 1024 + 1));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers 413 (not a dropped connection) to a body over 1 MiB', async () => {
      const res = await postOrg().set('Content-Type', 'application/json').send(JSON.stringify({ pad: 'z'.repeat(1100 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
    });
  });

  describe('order of checks (§1.3)', () => {
    it('answers 401 before looking at a malformed body on an authenticated route', async () => {
      const res = await t
        .http()
        .post('/v1/admin/orgs')
        .set('Authorization', 'Bearer wrong-admin-token-0123456789abcdef0123')
        .set('Content-Type', 'application/json')
        .send('{"name":');
      expect(res.status).toBe(401);
      expect(res.text).toBe(UNAUTHORIZED_TEXT);
    });

    it('answers 401 before the body size on an authenticated route', async () => {
      const res = await t
        .http()
        .post('/v1/admin/orgs')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(200 * 1024) }));
      expect(res.status).toBe(401);
      expect(res.text).toBe(UNAUTHORIZED_TEXT);
    });

    it('answers 404 before the body on an unknown route', async () => {
      const res = await t.http().post('/v1/unknown').set('Content-Type', 'application/json').send('{oops');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });
  });

  describe('error envelopes never leak framework fields', () => {
    it.each([
      ['404 unknown route', () => t.http().get('/v1/nope')],
      ['400 validation', () => postOrg().send({ name: 123 })],
      ['400 malformed JSON', () => postOrg().set('Content-Type', 'application/json').send('{')],
      ['400 bad query', () => t.http().get('/v1/admin/orgs?limit=abc').set(t.admin)],
    ])('%s', async (_label, send) => {
      const res = await send();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.data).toBeNull();
      expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
      for (const leaked of ['stack', 'statusCode']) {
        expect(res.text).not.toContain(`"${leaked}"`);
      }
    });
  });

  describe('CORS without CORS_ORIGINS', () => {
    const preflight = (path: string, origin = 'https://anywhere.example') =>
      t
        .http()
        .options(path)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');

    it('answers a preflight on /v1/verify/* with 204 and allow-origin *', async () => {
      const res = await preflight('/v1/verify/session/vs_whatever/handoff');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toBeDefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    });

    it('lets any origin read /v1/verify/* responses, without credentials', async () => {
      const res = await t.http().get('/v1/verify/session/bad/status').set('Origin', 'https://anywhere.example');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it.each(['/v1/admin/orgs', '/v1/sessions', '/health', '/v1/unknown'])(
      'answers a preflight on %s with 204 and no allow headers',
      async (path) => {
        const res = await preflight(path);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
        expect(res.headers['access-control-allow-headers']).toBeUndefined();
      },
    );

    it('sends no CORS headers on a plain request to other routes', async () => {
      const res = await t.http().get('/health').set('Origin', 'https://anywhere.example');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('does not treat an OPTIONS without Access-Control-Request-Method as a preflight', async () => {
      const res = await t.http().options('/v1/admin/orgs').set('Origin', 'https://anywhere.example');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });
  });
});

describe('CORS with CORS_ORIGINS=https://app.example', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(async () => t.close());

  it('answers a preflight from the listed origin with 204 and echoes it', async () => {
    const res = await t
      .http()
      .options('/v1/admin/orgs')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining('POST'));
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toEqual(expect.stringContaining('authorization'));
    expect(res.headers.vary).toEqual(expect.stringContaining('Origin'));
  });

  it('echoes the listed origin on a plain request', async () => {
    const res = await t.http().get('/health').set('Origin', 'https://app.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('answers a preflight from another origin with 204 and no allow headers', async () => {
    const res = await t
      .http()
      .options('/v1/admin/orgs')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('still allows any origin on /v1/verify/*', async () => {
    const res = await t
      .http()
      .options('/v1/verify/session/vs_x/cancel')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('Content-Type problems come after authentication (§1.3 order of checks)', () => {
  let t: TestApp;
  let key: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).live;
  });
  afterAll(async () => t.close());

  const post = (contentType: string, body: string) =>
    t.http().post('/v1/sessions').set('Content-Type', contentType).send(body);

  it.each(['json', 'application/', '/json', 'application/json/x', 'undefined'])(
    'answers 401 without a key for an unparseable Content-Type (%s) and a body',
    async (contentType) => {
      expectUnauthorized(await post(contentType, '{}'));
    },
  );

  it.each(['json', 'application/', 'undefined'])(
    'answers 400 without param once authenticated: a non-empty body with Content-Type %s',
    async (contentType) => {
      expectBadRequest(await post(contentType, '{}').set(bearer(key)));
    },
  );

  it('reads an empty body with an unparseable Content-Type as {} (§1.1)', async () => {
    const res = await post('json', '').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('created');
  });

  it('keeps malformed JSON and non-JSON bodies 400 after authentication', async () => {
    expectUnauthorized(await post('application/json', '{"a":'));
    expectBadRequest(await post('application/json', '{"a":').set(bearer(key)));
    expectUnauthorized(await post('text/plain', '{}'));
    expectBadRequest(await post('text/plain', '{}').set(bearer(key)));
  });

  it('still accepts application/json with parameters', async () => {
    const res = await post('application/json; charset=utf-8', '{}').set(bearer(key));
    expect(res.status).toBe(200);
  });
});
