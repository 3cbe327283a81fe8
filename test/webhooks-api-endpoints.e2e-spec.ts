import { SecretBox } from '../dist/src/common/secret-box.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { expectApiError } from './helpers/sessions.js';
import {
  DOCS,
  ENDPOINT_ID,
  ENDPOINT_KEYS,
  EVENT_TYPES,
  ISO_MS,
  SESSION_EVENT_TYPES,
  SIGNING_SECRET,
  createEndpoint,
  createKey,
  dataSourceOf,
  expectBadRequest,
  expectEndpointNotFound,
  expectForbidden,
  expectList,
  expectOk,
  walk,
  withClockAdvanced,
  type Json,
} from './webhooks-api-helpers.js';

const UPDATE_HINT = 'At least one of `name`, `url`, `enabled` or `subscribed_event_types` must be provided.';
const DAY_MS = 86_400_000;

describe('Webhook endpoints API (§5.2–5.7)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    ({ orgId, live, test } = await t.tenant());
  });
  afterAll(async () => t.close());

  const post = (body: unknown, key: CreatedKey = live) =>
    t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send(body as object);
  const get = (id: string, key: CreatedKey = live) => t.http().get(`/v1/webhooks/endpoints/${id}`).set(bearer(key));
  const patch = (id: string, body: unknown, key: CreatedKey = live) =>
    t.http().patch(`/v1/webhooks/endpoints/${id}`).set(bearer(key)).send(body as object);
  const del = (id: string, key: CreatedKey = live) => t.http().delete(`/v1/webhooks/endpoints/${id}`).set(bearer(key));
  const reveal = (id: string, key: CreatedKey = live) =>
    t.http().post(`/v1/webhooks/endpoints/${id}/signing-secret/reveal`).set(bearer(key));
  const rotate = (id: string, body?: unknown, key: CreatedKey = live) => {
    const req = t.http().post(`/v1/webhooks/endpoints/${id}/signing-secret/rotate`).set(bearer(key));
    return body === undefined ? req : req.send(body as object);
  };

  describe('POST /v1/webhooks/endpoints (§5.3)', () => {
    it('answers 200 with {endpoint, signing_secret}, the endpoint keys in contract order and the defaults', async () => {
      const before = Date.now();
      const res = await post({ url: 'https://example.com/webhooks/kayle' });
      const after = Date.now();
      const data = expectOk(res);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(Object.keys(data)).toEqual(['endpoint', 'signing_secret']);
      expect(data.signing_secret).toMatch(SIGNING_SECRET);
      const e = data.endpoint;
      expect(Object.keys(e)).toEqual(ENDPOINT_KEYS);
      expect(e.id).toMatch(ENDPOINT_ID);
      expect(e).toMatchObject({
        organization_id: orgId,
        livemode: true,
        name: null,
        url: 'https://example.com/webhooks/kayle',
        enabled: true,
        subscribed_event_types: SESSION_EVENT_TYPES,
        disabled_at: null,
      });
      expect(e.created_at).toMatch(ISO_MS);
      expect(e.updated_at).toBe(e.created_at);
      expect(Date.parse(e.created_at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(e.created_at)).toBeLessThanOrEqual(after);
      expect(res.text).not.toContain('previous');
    });

    it('stores the signing secret encrypted, never in plaintext', async () => {
      const { endpoint, signing_secret } = await createEndpoint(t, live);
      const row = await dataSourceOf(t)
        .createQueryBuilder()
        .select('e.signing_secret', 'sealed')
        .from('webhook_endpoints', 'e')
        .where('e.id = :id', { id: endpoint.id })
        .getRawOne<{ sealed: string }>();
      expect(row!.sealed).not.toContain(signing_secret);
      expect(row!.sealed).not.toContain('whsec_');
      expect(new SecretBox(t.env.SERVER_SECRET).open(row!.sealed).toString('utf8')).toBe(signing_secret);
    });

    it('gives every endpoint its own id and secret, and never shows the secret in the endpoint object', async () => {
      const a = await createEndpoint(t, live);
      const b = await createEndpoint(t, live);
      expect(a.endpoint.id).not.toBe(b.endpoint.id);
      expect(a.signing_secret).not.toBe(b.signing_secret);
      const res = await get(a.endpoint.id);
      expect(res.text).not.toContain(a.signing_secret);
    });

    it('keeps name (trimmed), enabled and subscribed_event_types as given, duplicates dropped in order', async () => {
      const { endpoint } = await createEndpoint(t, live, {
        name: '  Primary  ',
        subscribed_event_types: [
          'verification.attempt.failed',
          'verification.session.succeeded',
          'verification.attempt.failed',
          'verification.session.succeeded',
          'verification.session.failed',
        ],
      });
      expect(endpoint.name).toBe('Primary');
      expect(endpoint.subscribed_event_types).toEqual([
        'verification.attempt.failed',
        'verification.session.succeeded',
        'verification.session.failed',
      ]);
      const all = await createEndpoint(t, live, { subscribed_event_types: [...EVENT_TYPES].reverse(), name: null });
      expect(all.endpoint.subscribed_event_types).toEqual([...EVENT_TYPES].reverse());
      expect(all.endpoint.name).toBeNull();
    });

    it('creates a disabled endpoint with disabled_at = created_at', async () => {
      const { endpoint } = await createEndpoint(t, live, { enabled: false });
      expect(endpoint.enabled).toBe(false);
      expect(endpoint.disabled_at).toBe(endpoint.created_at);
    });

    it('creates test endpoints with a test key (livemode false)', async () => {
      const { endpoint } = await createEndpoint(t, test);
      expect(endpoint.livemode).toBe(false);
    });

    it('accepts http only for local hosts outside production', async () => {
      for (const url of ['http://localhost:4000/hook', 'http://127.0.0.1/hook', 'http://[::1]:8080/hook']) {
        expectOk(await post({ url }));
      }
      for (const url of ['http://example.com/hook', 'ftp://example.com/hook', 'not a url', '/relative', `https://example.com/${'a'.repeat(2030)}`]) {
        expectBadRequest(await post({ url }), 'url');
      }
      expectOk(await post({ url: `https://example.com/${'a'.repeat(2028)}` }));
    });

    it.each([
      ['missing url', {}, 'url'],
      ['url not a string', { url: 42 }, 'url'],
      ['url null', { url: null }, 'url'],
      ['empty name', { name: '' }, 'name'],
      ['blank name', { name: '   ' }, 'name'],
      ['name of 121 characters', { name: 'n'.repeat(121) }, 'name'],
      ['name not a string', { name: 7 }, 'name'],
      ['enabled not a boolean', { enabled: 'true' }, 'enabled'],
      ['enabled null', { enabled: null }, 'enabled'],
      ['empty subscribed_event_types', { subscribed_event_types: [] }, 'subscribed_event_types'],
      ['unknown event type', { subscribed_event_types: ['verification.session.succeeded', 'session.created'] }, 'subscribed_event_types'],
      ['subscribed_event_types not an array', { subscribed_event_types: 'verification.session.succeeded' }, 'subscribed_event_types'],
      ['subscribed_event_types null', { subscribed_event_types: null }, 'subscribed_event_types'],
      ['unknown property', { secret: 'x' }, 'secret'],
    ])('rejects %s with 400 and param', async (_what, body, param) => {
      const full = 'url' in body || param === 'url' ? body : { url: 'https://example.com/hook', ...body };
      expectBadRequest(await post(full), param);
    });

    it('accepts a name of 120 characters after trimming', async () => {
      const { endpoint } = await createEndpoint(t, live, { name: ` ${'n'.repeat(120)} ` });
      expect(endpoint.name).toBe('n'.repeat(120));
    });

    it('replays a create with the same Idempotency-Key, same endpoint and secret', async () => {
      const headers = { ...bearer(live), 'Idempotency-Key': `create-endpoint-${Date.now()}` };
      const first = await t.http().post('/v1/webhooks/endpoints').set(headers).send({ url: 'https://example.com/idem' });
      const second = await t.http().post('/v1/webhooks/endpoints').set(headers).send({ url: 'https://example.com/idem' });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
    });
  });

  describe('GET /v1/webhooks/endpoints/:endpoint_id (§5.4)', () => {
    it('answers 200 with the endpoint', async () => {
      const { endpoint } = await createEndpoint(t, live, { name: 'Get me' });
      const res = await get(endpoint.id);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(expectOk(res)).toEqual(endpoint);
      expect(Object.keys(res.body.data)).toEqual(ENDPOINT_KEYS);
    });

    it('answers 404 for unknown ids, other environments and other organizations', async () => {
      expectEndpointNotFound(await get('whe_doesnotexist'), 'endpoints#get-by-id');
      expectEndpointNotFound(await get('anything at all'), 'endpoints#get-by-id');
      const { endpoint } = await createEndpoint(t, live);
      expectEndpointNotFound(await get(endpoint.id, test), 'endpoints#get-by-id');
      const other = await t.tenant();
      expectEndpointNotFound(await get(endpoint.id, other.live), 'endpoints#get-by-id');
    });
  });

  describe('GET /v1/webhooks/endpoints (§5.2)', () => {
    let tenant: { live: CreatedKey; test: CreatedKey };
    let created: Json[];

    beforeAll(async () => {
      tenant = await t.tenant();
      created = [];
      for (let i = 0; i < 5; i++) {
        // Distinct created_at values, so newest first is one fixed order.
        const { endpoint } = await withClockAdvanced(t, i * 10, () => createEndpoint(t, tenant.live, { name: `E${i}`, enabled: i % 2 === 0 }));
        created.push(endpoint);
      }
      await createEndpoint(t, tenant.test, { name: 'test env' });
    });

    it('lists the caller environment only, newest first, with the pagination block', async () => {
      const { data, pagination } = expectList(await t.http().get('/v1/webhooks/endpoints').set(bearer(tenant.live)));
      expect(pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      expect(data.map((e) => e.id)).toEqual(created.map((e) => e.id).reverse());
      expect(data.every((e) => e.livemode === true)).toBe(true);
      expect(Object.keys(data[0])).toEqual(ENDPOINT_KEYS);
      expect(data[0]).toEqual(created[4]);
      const testList = expectList(await t.http().get('/v1/webhooks/endpoints').set(bearer(tenant.test)));
      expect(testList.data.map((e) => e.name)).toEqual(['test env']);
    });

    it('walks pages of 2 without skipping or repeating', async () => {
      const { ids, pages } = await walk(t, tenant.live, '/v1/webhooks/endpoints', { limit: 2 });
      expect(ids).toEqual(created.map((e) => e.id).reverse());
      expect(pages.map((p) => p.pagination.has_more)).toEqual([true, true, false]);
      expect(pages[0].pagination).toEqual({ limit: 2, has_more: true, next_cursor: pages[0].data[1].id });
      expect(pages[2].pagination.next_cursor).toBeNull();
    });

    it('filters by enabled (true/false/1/0)', async () => {
      for (const [value, expected] of [
        ['true', true],
        ['1', true],
        ['false', false],
        ['0', false],
      ] as const) {
        const { data } = expectList(await t.http().get('/v1/webhooks/endpoints').query({ enabled: value }).set(bearer(tenant.live)));
        expect(data.length).toBe(expected ? 3 : 2);
        expect(data.every((e) => e.enabled === expected)).toBe(true);
      }
    });

    it('rejects bad query parameters with 400 and the list envelope', async () => {
      const list = (query: string) => t.http().get(`/v1/webhooks/endpoints?${query}`).set(bearer(tenant.live));
      for (const [query, param] of [
        ['enabled=yes', 'enabled'],
        ['enabled=', 'enabled'],
        ['enabled=true&enabled=false', 'enabled'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=abc', 'limit'],
        ['starting_after=whe_unknown', 'starting_after'],
      ]) {
        const res = await list(query);
        expectBadRequest(res, param, { list: true });
      }
      const res = await list('limit=5&enabled=yes');
      expect(res.body.pagination).toEqual({ limit: 5, has_more: false, next_cursor: null });
    });

    it('refuses a cursor from the other environment or organization', async () => {
      const other = await createEndpoint(t, tenant.test);
      const res = await t.http().get('/v1/webhooks/endpoints').query({ starting_after: other.endpoint.id }).set(bearer(tenant.live));
      expectBadRequest(res, 'starting_after', { list: true });
      const foreign = await createEndpoint(t, live);
      const res2 = await t.http().get('/v1/webhooks/endpoints').query({ starting_after: foreign.endpoint.id }).set(bearer(tenant.live));
      expectBadRequest(res2, 'starting_after', { list: true });
    });

    it('accepts a cursor that does not match the current filter', async () => {
      // created[1] is disabled; as a cursor for enabled=true it still positions the page.
      const { data } = expectList(
        await t.http().get('/v1/webhooks/endpoints').query({ enabled: 'true', starting_after: created[1].id }).set(bearer(tenant.live)),
      );
      expect(data.map((e) => e.id)).toEqual([created[0].id]);
    });
  });

  describe('PATCH /v1/webhooks/endpoints/:endpoint_id (§5.5)', () => {
    it('changes only the fields sent and bumps updated_at', async () => {
      const { endpoint } = await createEndpoint(t, live, { name: 'Before' });
      const updated = await withClockAdvanced(t, 5_000, async () =>
        expectOk(await patch(endpoint.id, { name: '  After ', url: 'https://example.org/new' })),
      );
      expect(Object.keys(updated)).toEqual(ENDPOINT_KEYS);
      expect(updated).toMatchObject({
        id: endpoint.id,
        name: 'After',
        url: 'https://example.org/new',
        enabled: true,
        subscribed_event_types: SESSION_EVENT_TYPES,
        created_at: endpoint.created_at,
        disabled_at: null,
      });
      expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(endpoint.updated_at) + 5_000);
      expect(expectOk(await get(endpoint.id))).toEqual(updated);
    });

    it('clears the name with null and replaces the subscribed list (deduplicated, in order)', async () => {
      const { endpoint } = await createEndpoint(t, live, { name: 'Named', subscribed_event_types: EVENT_TYPES });
      const updated = expectOk(
        await patch(endpoint.id, {
          name: null,
          subscribed_event_types: ['verification.session.expired', 'verification.attempt.succeeded', 'verification.session.expired'],
        }),
      );
      expect(updated.name).toBeNull();
      expect(updated.subscribed_event_types).toEqual(['verification.session.expired', 'verification.attempt.succeeded']);
    });

    it('enabled:false sets disabled_at, enabled:true clears it', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const disabled = await withClockAdvanced(t, 1_000, async () => expectOk(await patch(endpoint.id, { enabled: false })));
      expect(disabled.enabled).toBe(false);
      expect(disabled.disabled_at).toMatch(ISO_MS);
      expect(disabled.disabled_at).toBe(disabled.updated_at);
      const enabled = expectOk(await patch(endpoint.id, { enabled: true }));
      expect(enabled.enabled).toBe(true);
      expect(enabled.disabled_at).toBeNull();
    });

    it('answers 400 with the exact hint and docs when none of the four fields is sent', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const nothing = {
        status: 400,
        code: 'BAD_REQUEST',
        message: 'Bad request.',
        hint: UPDATE_HINT,
        docs: `${DOCS}/webhooks/endpoints#update`,
      };
      expectApiError(await patch(endpoint.id, {}), nothing);
      // An empty body means {} (§1.1).
      expectApiError(await t.http().patch(`/v1/webhooks/endpoints/${endpoint.id}`).set(bearer(live)), nothing);
      // A body error comes before the 404 (§1.3).
      expectApiError(await patch('whe_unknown', {}), nothing);
    });

    it.each([
      ['url over http to a public host', { url: 'http://example.com/hook' }, 'url'],
      ['url null', { url: null }, 'url'],
      ['empty name', { name: ' ' }, 'name'],
      ['enabled null', { enabled: null }, 'enabled'],
      ['enabled as a string', { enabled: 'false' }, 'enabled'],
      ['empty subscribed list', { subscribed_event_types: [] }, 'subscribed_event_types'],
      ['unknown event type', { subscribed_event_types: ['verification.session.created'] }, 'subscribed_event_types'],
      ['subscribed null', { subscribed_event_types: null }, 'subscribed_event_types'],
      ['unknown property', { name: 'x', signing_secret: 'whsec_x' }, 'signing_secret'],
    ])('rejects %s with 400 and param', async (_what, body, param) => {
      const { endpoint } = await createEndpoint(t, live);
      expectBadRequest(await patch(endpoint.id, body), param);
    });

    it('answers 404 for unknown ids and the other environment', async () => {
      expectEndpointNotFound(await patch('whe_unknown', { name: 'x' }), 'endpoints#update');
      const { endpoint } = await createEndpoint(t, test);
      expectEndpointNotFound(await patch(endpoint.id, { name: 'x' }, live), 'endpoints#update');
      expect(expectOk(await get(endpoint.id, test)).name).toBeNull();
    });
  });

  describe('DELETE /v1/webhooks/endpoints/:endpoint_id (§5.6)', () => {
    it('hard-deletes the endpoint and its keys, answering the exact body', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const key = await createKey(t, live, endpoint.id);
      const res = await del(endpoint.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { message: 'Webhook endpoint deleted.', status: 'success' }, error: null });
      expectEndpointNotFound(await get(endpoint.id), 'endpoints#get-by-id');
      expectEndpointNotFound(await del(endpoint.id), 'endpoints#delete');
      const count = await dataSourceOf(t)
        .createQueryBuilder()
        .select('COUNT(*)', 'n')
        .from('webhook_encryption_keys', 'k')
        .where('k.id = :id', { id: key.id })
        .getRawOne<{ n: string | number }>();
      expect(Number(count!.n)).toBe(0);
      const list = expectList(await t.http().get('/v1/webhooks/endpoints').query({ limit: 100 }).set(bearer(live)));
      expect(list.data.map((e) => e.id)).not.toContain(endpoint.id);
    });

    it('answers 404 for unknown ids and the other environment, deleting nothing', async () => {
      expectEndpointNotFound(await del('whe_unknown'), 'endpoints#delete');
      const { endpoint } = await createEndpoint(t, live);
      expectEndpointNotFound(await del(endpoint.id, test), 'endpoints#delete');
      expectOk(await get(endpoint.id));
    });
  });

  describe('signing secrets (§5.7)', () => {
    it('reveal returns the secret given at creation', async () => {
      const { endpoint, signing_secret } = await createEndpoint(t, live);
      const res = await reveal(endpoint.id);
      expect(res.body).toEqual({ data: { endpoint_id: endpoint.id, signing_secret }, error: null });
      expect(Object.keys(res.body.data)).toEqual(['endpoint_id', 'signing_secret']);
    });

    it('reveal takes no body: {} is fine, a property is 400', async () => {
      const { endpoint } = await createEndpoint(t, live);
      expectOk(await reveal(endpoint.id).send({}));
      expectBadRequest(await reveal(endpoint.id).send({ reveal: true }), 'reveal');
    });

    it('rotate makes a new current secret and keeps the old one 24 h by default', async () => {
      const { endpoint, signing_secret } = await createEndpoint(t, live);
      const before = Date.now();
      const res = await rotate(endpoint.id);
      const after = Date.now();
      const data = expectOk(res);
      expect(Object.keys(data)).toEqual(['endpoint_id', 'signing_secret', 'previous_secret_expires_at']);
      expect(data.endpoint_id).toBe(endpoint.id);
      expect(data.signing_secret).toMatch(SIGNING_SECRET);
      expect(data.signing_secret).not.toBe(signing_secret);
      expect(data.previous_secret_expires_at).toMatch(ISO_MS);
      const expires = Date.parse(data.previous_secret_expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + DAY_MS);
      expect(expires).toBeLessThanOrEqual(after + DAY_MS);
      expect(expectOk(await reveal(endpoint.id)).signing_secret).toBe(data.signing_secret);
      const row = await secretRow(endpoint.id);
      const box = new SecretBox(t.env.SERVER_SECRET);
      expect(box.open(row.previous!).toString('utf8')).toBe(signing_secret);
      expect(row.expires).toBe(expires);
    });

    it('rotate with previous_secret_expires_in honours it, and 0 drops the old secret at once', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const before = Date.now();
      const short = expectOk(await rotate(endpoint.id, { previous_secret_expires_in: 60 }));
      expect(Date.parse(short.previous_secret_expires_at)).toBeGreaterThanOrEqual(before + 60_000);
      expect(Date.parse(short.previous_secret_expires_at)).toBeLessThan(before + 120_000);

      const now = expectOk(await rotate(endpoint.id, { previous_secret_expires_in: 0 }));
      expect(now.previous_secret_expires_at).toBeNull();
      expect(now.signing_secret).not.toBe(short.signing_secret);
      const row = await secretRow(endpoint.id);
      expect(row.previous).toBeNull();
      expect(row.expires).toBeNull();
      expect(expectOk(await reveal(endpoint.id)).signing_secret).toBe(now.signing_secret);
    });

    it('a second rotation drops the older previous secret', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const first = expectOk(await rotate(endpoint.id, {}));
      expectOk(await rotate(endpoint.id, {}));
      const row = await secretRow(endpoint.id);
      expect(new SecretBox(t.env.SERVER_SECRET).open(row.previous!).toString('utf8')).toBe(first.signing_secret);
    });

    it.each([
      [{ previous_secret_expires_in: -1 }, 'previous_secret_expires_in'],
      [{ previous_secret_expires_in: 86401 }, 'previous_secret_expires_in'],
      [{ previous_secret_expires_in: 1.5 }, 'previous_secret_expires_in'],
      [{ previous_secret_expires_in: '60' }, 'previous_secret_expires_in'],
      [{ previous_secret_expires_in: null }, 'previous_secret_expires_in'],
      [{ expires_in: 60 }, 'expires_in'],
    ])('rotate rejects %j with 400', async (body, param) => {
      const { endpoint, signing_secret } = await createEndpoint(t, live);
      expectBadRequest(await rotate(endpoint.id, body), param);
      expect(expectOk(await reveal(endpoint.id)).signing_secret).toBe(signing_secret);
    });

    it('accepts the bounds 0 and 86400', async () => {
      const { endpoint } = await createEndpoint(t, live);
      expectOk(await rotate(endpoint.id, { previous_secret_expires_in: 86400 }));
      expectOk(await rotate(endpoint.id, { previous_secret_expires_in: 0 }));
    });

    it('answer 404 with their own docs anchors for unknown ids and the other environment', async () => {
      expectEndpointNotFound(await reveal('whe_unknown'), 'endpoints#reveal-signing-secret');
      expectEndpointNotFound(await rotate('whe_unknown'), 'endpoints#rotate-signing-secret');
      const { endpoint } = await createEndpoint(t, live);
      expectEndpointNotFound(await reveal(endpoint.id, test), 'endpoints#reveal-signing-secret');
      expectEndpointNotFound(await rotate(endpoint.id, undefined, test), 'endpoints#rotate-signing-secret');
    });

    it('reveal answers 500 when the stored secret cannot be decrypted', async () => {
      const { endpoint } = await createEndpoint(t, live);
      const foreign = new SecretBox('another-server-secret-0123456789abcdef').seal('whsec_abcdefghijklmnopqrstuvwxyz012345');
      await dataSourceOf(t)
        .createQueryBuilder()
        .update('webhook_endpoints')
        .set({ signingSecret: foreign })
        .where('id = :id', { id: endpoint.id })
        .execute();
      expectApiError(await reveal(endpoint.id), {
        status: 500,
        code: 'INTERNAL_SERVER_ERROR',
        message: 'Internal server error.',
        hint: 'The server encountered an error.',
        docs: `${DOCS}/errors`,
      });
    });

    async function secretRow(id: string): Promise<{ previous: string | null; expires: number | null }> {
      const row = await dataSourceOf(t)
        .createQueryBuilder()
        .select('e.previous_signing_secret', 'previous')
        .addSelect('e.previous_secret_expires_at', 'expires')
        .from('webhook_endpoints', 'e')
        .where('e.id = :id', { id })
        .getRawOne<{ previous: string | null; expires: string | number | null }>();
      return { previous: row!.previous, expires: row!.expires === null ? null : Number(row!.expires) };
    }
  });

  describe('scopes (§2.2)', () => {
    let readOnly: CreatedKey;
    let writeOnly: CreatedKey;
    let sessionsOnly: CreatedKey;
    let endpointId: string;

    beforeAll(async () => {
      readOnly = await t.createKey(orgId, { scopes: ['webhooks:read'] });
      writeOnly = await t.createKey(orgId, { scopes: ['webhooks:write'] });
      sessionsOnly = await t.createKey(orgId, { scopes: ['sessions:read', 'sessions:write'] });
      endpointId = (await createEndpoint(t, live)).endpoint.id;
    });

    const writes = () => [
      ['POST', '/v1/webhooks/endpoints', { url: 'https://example.com/x' }],
      ['PATCH', `/v1/webhooks/endpoints/${endpointId}`, { name: 'x' }],
      ['DELETE', `/v1/webhooks/endpoints/${endpointId}`, undefined],
      ['POST', `/v1/webhooks/endpoints/${endpointId}/signing-secret/reveal`, undefined],
      ['POST', `/v1/webhooks/endpoints/${endpointId}/signing-secret/rotate`, undefined],
    ] as const;
    const reads = () => [
      ['GET', '/v1/webhooks/endpoints'],
      ['GET', `/v1/webhooks/endpoints/${endpointId}`],
    ] as const;

    const call = (method: string, path: string, key: CreatedKey, body?: object) => {
      const req = t.http()[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path).set(bearer(key));
      return body === undefined ? req : req.send(body);
    };

    it('a webhooks:read key can read but gets the exact 403 on every write', async () => {
      for (const [method, path] of reads()) expect((await call(method, path, readOnly)).status).toBe(200);
      for (const [method, path, body] of writes()) expectForbidden(await call(method, path, readOnly, body));
      expectOk(await get(endpointId));
    });

    it('a webhooks:write key cannot read', async () => {
      for (const [method, path] of reads()) expectForbidden(await call(method, path, writeOnly));
      expectOk(await reveal(endpointId, writeOnly));
    });

    it('a sessions-only key gets 403 everywhere, and no key gets 401', async () => {
      for (const [method, path] of reads()) expectForbidden(await call(method, path, sessionsOnly));
      for (const [method, path, body] of writes()) expectForbidden(await call(method, path, sessionsOnly, body));
      const res = await t.http().get('/v1/webhooks/endpoints');
      expect(res.status).toBe(401);
      expect(res.text).toBe('{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}');
    });

    it('checks the scope before the body and the 404', async () => {
      expectForbidden(await call('PATCH', '/v1/webhooks/endpoints/whe_unknown', readOnly, {}));
      expectForbidden(await call('POST', '/v1/webhooks/endpoints', readOnly, { url: 'ftp://x' }));
    });
  });
});
