import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';

/** §9.5 security headers: nosniff on every response, HSTS on the hosted page over https. */
describe('Security headers (§9.5)', () => {
  let t: TestApp;
  let key: CreatedKey;
  let sessionId: string;
  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_BASE_URL: 'https://passline.example.com' });
    key = (await t.tenant()).test;
    sessionId = (await t.http().post('/v1/sessions').set(bearer(key)).send({})).body.data.id as string;
  });
  afterAll(() => t?.close());

  it('X-Content-Type-Options: nosniff on successes, errors, 401, 404, 204 and the operational routes', async () => {
    const responses = [
      await t.http().get('/health'),
      await t.http().get('/openapi.json'),
      await t.http().get('/v1/sessions').set(bearer(key)),
      await t.http().get(`/v1/sessions/${sessionId}`).set(bearer(key)),
      await t.http().get('/v1/sessions'),
      await t.http().get('/v1/nothing-here').set(bearer(key)),
      await t.http().post('/v1/sessions').set(bearer(key)).send({ foo: 1 }),
      await t.http().post(`/v1/sessions/${sessionId}/cancel`).set(bearer(key)),
      await t.http().get(`/v1/verify/session/${sessionId}/status`),
      await t.http().options('/v1/verify/session/x/status').set('Origin', 'https://shop.example').set('Access-Control-Request-Method', 'GET'),
      await t.http().get(`/verify/${sessionId}`),
      await t.http().get('/verify/assets/page.js'),
    ];
    expect(responses.map((r) => [r.status, r.headers['x-content-type-options']])).toEqual(responses.map((r) => [r.status, 'nosniff']));
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([200, 401, 404, 400, 204]));
  });

  it('Strict-Transport-Security on the hosted page when PUBLIC_BASE_URL is https, with its CSP kept', async () => {
    for (const path of [`/verify/${sessionId}`, '/verify/assets/page.css', '/verify/vs_test_unknown']) {
      const res = await t.http().get(path);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('no HSTS when PUBLIC_BASE_URL is http', async () => {
    const plain = await createTestApp({ PUBLIC_BASE_URL: 'http://localhost:3000' });
    try {
      const res = await plain.http().get('/verify/assets/page.js');
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await plain.close();
    }
  });
});
