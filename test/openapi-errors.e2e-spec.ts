import { OPENAPI_TAGS } from '../dist/src/openapi.js';
import { bearer, createTestApp, type TestApp } from './helpers/app.js';

type Example = { summary?: string; value: { error?: { code?: string; message?: string; param?: string }; data?: unknown } };
type Response = { description: string; headers?: Record<string, { $ref?: string }>; content?: Record<string, { examples?: Record<string, Example> }> };
type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ $ref?: string; name?: string; in?: string }>;
  responses: Record<string, Response>;
};
type OpenApi = {
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, { name: string; in: string }>; headers: Record<string, unknown> };
};

/** The codes each error status may carry (§1.3, §6.2, §7.3); anything else is a wrong example. */
const CODES_BY_STATUS: Record<string, string[]> = {
  '400': ['BAD_REQUEST', 'INVALID_SESSION_ID', 'INVALID_SHARE_FIELDS', 'UNKNOWN_CLAIM_KEY', 'INVALID_AGE_GATE_KEY',
    'MULTIPLE_AGE_GATES_NOT_ALLOWED', 'DOB_AND_AGE_GATE_CONFLICT', 'REASON_REQUIRED', 'REASON_TOO_LONG', 'TOO_MANY_SHARE_FIELDS'],
  '401': ['UNAUTHORIZED'],
  '403': ['FORBIDDEN', 'TEST_MODE_REQUIRED', 'CANCEL_TOKEN_INVALID'],
  '404': ['NOT_FOUND', 'SESSION_NOT_FOUND'],
  '409': ['IDEMPOTENCY_KEY_IN_USE', 'CONFLICT', 'SESSION_TERMINAL', 'SESSION_IN_PROGRESS', 'TEST_MODE_SESSION', 'CANCEL_TOKEN_CONSUMED'],
  '410': ['SESSION_EXPIRED'],
  '413': ['PAYLOAD_TOO_LARGE'],
  '422': ['IDEMPOTENCY_KEY_REUSED'],
  '426': ['WEBSOCKET_REQUIRED'],
  '429': ['RATE_LIMITED'],
  '500': ['INTERNAL_SERVER_ERROR'],
};

const METHODS = ['get', 'post', 'patch', 'put', 'delete'];

describe('GET /openapi.json: errors, headers, tags and operation ids', () => {
  let t: TestApp;
  let doc: OpenApi;
  const operations: Array<{ label: string; method: string; path: string; op: Operation }> = [];
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.http().get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApi;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (METHODS.includes(method)) operations.push({ label: `${method.toUpperCase()} ${path}`, method, path, op });
      }
    }
  });
  afterAll(async () => t.close());

  const examplesOf = (response: Response): Array<[string, Example]> =>
    Object.entries(response.content?.['application/json']?.examples ?? {});
  const isAuthenticated = (op: Operation) => (op.security ?? []).some((s) => 'bearerAuth' in s);

  it('gives every error response of every operation at least one example, each with a code of its status', () => {
    const wrong: string[] = [];
    const bare: string[] = [];
    for (const { label, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        const examples = examplesOf(response);
        // 426 and the health 503 have their own exact bodies, not error envelopes.
        if (examples.length === 0 && status !== '426' && status !== '503') bare.push(`${label} ${status}`);
        for (const [name, example] of examples) {
          const code = example.value.error?.code;
          if (!code || !(CODES_BY_STATUS[status] ?? []).includes(code)) wrong.push(`${label} ${status} ${name}: ${code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(bare).toEqual([]);
  });

  it('shows the exact 401 and 403 bodies on every authenticated operation', () => {
    for (const { label, op } of operations.filter((o) => isAuthenticated(o.op))) {
      const unauthorized = examplesOf(op.responses['401']).map(([, e]) => e.value);
      const forbidden = examplesOf(op.responses['403']).map(([, e]) => e.value);
      expect({ label, unauthorized }).toEqual({ label, unauthorized: [{ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } }] });
      expect({ label, forbidden: forbidden[0] }).toEqual({ label, forbidden: { error: { code: 'FORBIDDEN', message: 'Forbidden' } } });
      expect({ label, has429: examplesOf(op.responses['429']).map(([, e]) => e.value.error?.code) }).toEqual({ label, has429: ['RATE_LIMITED'] });
    }
  });

  it('documents the idempotency answers and the Idempotency-Key header on every authenticated POST', () => {
    const posts = operations.filter((o) => o.method === 'post' && isAuthenticated(o.op));
    expect(posts.length).toBeGreaterThan(10);
    const headerParam = (op: Operation) =>
      (op.parameters ?? []).some((p) => {
        const resolved = p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!] : p;
        return resolved?.name === 'Idempotency-Key' && resolved.in === 'header';
      });
    for (const { label, op } of posts) {
      expect({ label, idempotencyKey: headerParam(op) }).toEqual({ label, idempotencyKey: true });
      const codes = (status: string) => examplesOf(op.responses[status] ?? { description: '' }).map(([, e]) => e.value.error?.code);
      expect({ label, c409: codes('409') }).toEqual({ label, c409: expect.arrayContaining(['IDEMPOTENCY_KEY_IN_USE']) });
      expect({ label, c422: codes('422') }).toEqual({ label, c422: ['IDEMPOTENCY_KEY_REUSED'] });
      expect({ label, c413: codes('413') }).toEqual({ label, c413: ['PAYLOAD_TOO_LARGE'] });
      const success = op.responses['200'] ?? op.responses['202'] ?? op.responses['204'];
      expect({ label, replayed: Object.keys(success.headers ?? {}) }).toEqual({ label, replayed: expect.arrayContaining(['Idempotent-Replayed']) });
    }
    // GETs never take it.
    for (const { label, op } of operations.filter((o) => o.method === 'get')) {
      expect({ label, idempotencyKey: headerParam(op) }).toEqual({ label, idempotencyKey: false });
    }
  });

  it('shows the real share-contract errors on POST /v1/sessions, with the param of the one key at fault', () => {
    const examples = examplesOf(doc.paths['/v1/sessions'].post.responses['400']).map(([, e]) => e.value.error!);
    const byCode = Object.fromEntries(examples.map((e) => [e.code, e]));
    for (const code of ['INVALID_SHARE_FIELDS', 'UNKNOWN_CLAIM_KEY', 'INVALID_AGE_GATE_KEY', 'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      'DOB_AND_AGE_GATE_CONFLICT', 'REASON_REQUIRED', 'REASON_TOO_LONG', 'TOO_MANY_SHARE_FIELDS']) {
      expect({ code, present: code in byCode }).toEqual({ code, present: true });
    }
    expect(byCode.UNKNOWN_CLAIM_KEY).toMatchObject({ message: 'Unknown claim key.', param: 'share_fields.favourite_colour' });
    expect(byCode.REASON_REQUIRED.param).toBe('share_fields.nationality_code.reason');
    expect(examples).toContainEqual(expect.objectContaining({ code: 'BAD_REQUEST', param: 'expires_in' }));
    // The old document showed one hand-written expires_in body under every status.
    for (const status of ['409', '413', '422', '429']) {
      const codes = examplesOf(doc.paths['/v1/sessions'].post.responses[status]).map(([, e]) => e.value.error?.code);
      expect({ status, codes }).not.toEqual({ status, codes: expect.arrayContaining(['BAD_REQUEST']) });
    }
  });

  it('documents X-Request-Id on every response and the RateLimit-* headers on authenticated ones', () => {
    for (const { label, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        const headers = Object.keys(response.headers ?? {});
        expect({ label, status, requestId: headers.includes('X-Request-Id') }).toEqual({ label, status, requestId: true });
        if (status === '429') expect({ label, retryAfter: headers.includes('Retry-After') }).toEqual({ label, retryAfter: true });
        if (isAuthenticated(op) && status === '200') {
          expect({ label, rateLimit: headers.includes('RateLimit-Remaining') }).toEqual({ label, rateLimit: true });
        }
      }
    }
  });

  it('orders the tags as a reader meets them, each described, and uses only those tags', () => {
    const names = doc.tags.map((tag) => tag.name);
    // Resources made with `nest g resource` add their tag to OPENAPI_TAGS; the API's own keep their order.
    const apiTags = ['Sessions', 'Attempts', 'Webhooks', 'Events', 'Verify', 'Test helpers', 'Admin', 'Health'];
    expect(names).toEqual(OPENAPI_TAGS.map((tag) => tag.name));
    expect(names.filter((name) => apiTags.includes(name))).toEqual(apiTags);
    for (const tag of doc.tags) expect({ tag: tag.name, described: (tag.description ?? '').length > 10 }).toEqual({ tag: tag.name, described: true });
    for (const { label, op } of operations) expect({ label, tags: op.tags?.every((tag) => names.includes(tag)) }).toEqual({ label, tags: true });
  });

  it('gives every operation a unique camelCase operation id', () => {
    const ids = operations.map((o) => o.op.operationId);
    for (const [i, id] of ids.entries()) expect({ op: operations[i].label, id }).toEqual({ op: operations[i].label, id: expect.stringMatching(/^[a-z][A-Za-z]+$/) });
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/sessions'].post.operationId).toBe('createSession');
    expect(doc.paths['/v1/sessions/{id}'].get.operationId).toBe('getSession');
  });

  it('marks the public routes as needing no credentials', () => {
    for (const { label, path, op } of operations.filter((o) => o.path.startsWith('/v1/verify/') || o.path === '/health')) {
      expect({ label, path, security: op.security }).toEqual({ label, path, security: [] });
    }
  });

  it('shows bodies the server really sends: requests that hit a documented error get the example, bar the request id', async () => {
    const { test: key, live } = await t.tenant();
    const readOnly = await t.createKey((await t.tenant()).orgId, { scopes: ['sessions:read'] });
    const exampleOf = (path: string, method: string, status: string, name: string) => {
      const example = examplesOf(doc.paths[path][method].responses[status]).find(([n]) => n === name);
      expect({ path, method, status, name, found: example !== undefined }).toEqual({ path, method, status, name, found: true });
      return example![1].value;
    };
    const withoutRequestId = (body: { error?: Record<string, unknown> }) => {
      if (body.error && 'request_id' in body.error) body.error.request_id = 'req';
      return body;
    };
    const check = async (res: { status: number; body: Record<string, unknown> }, path: string, method: string, name: string) => {
      const status = String(res.status);
      expect({ name, body: withoutRequestId(res.body) }).toEqual({ name, body: withoutRequestId(structuredClone(exampleOf(path, method, status, name))) });
    };
    const vsUnknown = `vs_${'0'.repeat(64)}`;

    await check(await t.http().post('/v1/sessions').set(bearer(key)).send({ share_fields: { nationality_code: { required: true, reason: 'r' }, favourite_colour: { required: true, reason: 'r' } } }),
      '/v1/sessions', 'post', 'UNKNOWN_CLAIM_KEY (share_fields.favourite_colour)');
    await check(await t.http().post('/v1/sessions').set(bearer(key)).send({ share_fields: { nationality_code: { required: true } } }),
      '/v1/sessions', 'post', 'REASON_REQUIRED (share_fields.nationality_code.reason)');
    await check(await t.http().post('/v1/sessions').set(bearer(key)).send({ expires_in: 'soon' }), '/v1/sessions', 'post', 'BAD_REQUEST (expires_in)');
    await check(await t.http().post('/v1/sessions').set(bearer(key)).set('Idempotency-Key', 'k'.repeat(256)).send({}), '/v1/sessions', 'post', 'BAD_REQUEST (Idempotency-Key)');
    await check(await t.http().post('/v1/sessions').set(bearer(readOnly)).send({}), '/v1/sessions', 'post', 'FORBIDDEN');
    await check(await t.http().post('/v1/sessions').send({}), '/v1/sessions', 'post', 'UNAUTHORIZED');
    await check(await t.http().get(`/v1/sessions/${vsUnknown}`).set(bearer(key)), '/v1/sessions/{id}', 'get', 'NOT_FOUND');
    await check(await t.http().get('/v1/sessions/vs_short').set(bearer(key)), '/v1/sessions/{id}', 'get', 'BAD_REQUEST (id)');
    await check(await t.http().post(`/v1/test_helpers/sessions/${vsUnknown}/expire`).set(bearer(live)).send({}),
      '/v1/test_helpers/sessions/{id}/expire', 'post', 'TEST_MODE_REQUIRED');
    await check(await t.http().post(`/v1/verify/session/${vsUnknown}/handoff`), '/v1/verify/session/{id}/handoff', 'post', 'SESSION_NOT_FOUND');

    const key2 = { Authorization: bearer(key).Authorization, 'Idempotency-Key': `reuse-${Date.now()}` };
    expect((await t.http().post('/v1/sessions').set(key2).send({ expires_in: 600 })).status).toBe(200);
    await check(await t.http().post('/v1/sessions').set(key2).send({ expires_in: 700 }), '/v1/sessions', 'post', 'IDEMPOTENCY_KEY_REUSED');
  });
});

