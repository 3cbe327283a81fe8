import type { Response } from 'supertest';
import { ALL_SCOPES, bearer, createTestApp, TEST_ADMIN_TOKEN, type TestApp } from './helpers/app.js';

const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KEY_FORMAT = /^kk_(live|test)_[a-z0-9]{32}$/;
const API_KEY_FIELDS = [
  'created_at',
  'enabled',
  'id',
  'key_prefix',
  'last_used_at',
  'livemode',
  'name',
  'organization_id',
  'revoked_at',
  'scopes',
  'updated_at',
];
const ADMIN_ROUTES: Array<[method: 'get' | 'post' | 'patch' | 'delete', path: string]> = [
  ['post', '/v1/admin/orgs'],
  ['get', '/v1/admin/orgs'],
  ['post', '/v1/admin/api-keys'],
  ['get', '/v1/admin/api-keys?organization_id=5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10'],
  ['patch', '/v1/admin/api-keys/0b6f3c1a-2d4e-4f5a-8b9c-1d2e3f4a5b6c'],
  ['delete', '/v1/admin/api-keys/0b6f3c1a-2d4e-4f5a-8b9c-1d2e3f4a5b6c'],
];
const ORG_NOT_FOUND = { code: 'NOT_FOUND', message: 'Organization not found.', hint: 'The organization with the given ID was not found.' };
const KEY_NOT_FOUND = { code: 'NOT_FOUND', message: 'API key not found.', hint: 'Confirm the API key ID belongs to this organization.' };
const MISSING_UUID = '3f0c8b1e-6a2d-4c7e-9f10-2b3c4d5e6f70';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectError(res: Response, status: number, error: Record<string, unknown>): void {
  expect(res.status).toBe(status);
  expect(res.body.data).toBeNull();
  expect(res.body.error).toMatchObject({ ...error, request_id: res.headers['x-request-id'] });
  expect(res.body.error.docs).toMatch(/^https:\/\/kayle\.id\/docs\/api\//);
}

function expectBadRequest(res: Response, param?: string): void {
  expectError(res, 400, { code: 'BAD_REQUEST', message: 'Bad request.' });
  if (param === undefined) expect(res.body.error.param).toBeUndefined();
  else expect(res.body.error.param).toBe(param);
}

describe('admin endpoints with ADMIN_TOKEN unset (§2.5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_TOKEN: '' });
  });
  afterAll(async () => t.close());

  it.each(ADMIN_ROUTES)('answers 404 to %s %s, with or without a token', async (method, path) => {
    for (const headers of [{}, { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, { Authorization: 'Bearer x' }]) {
      const req = t.http()[method](path).set(headers);
      const res = method === 'post' || method === 'patch' ? await req.send({ name: 'Acme' }) : await req;
      expect(res.status).toBe(404);
      // List routes add the default pagination block to their errors (§1.2); tolerated here.
      const { pagination, ...envelope } = res.body;
      if (pagination !== undefined) expect(pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      expect(envelope).toEqual({
        data: null,
        error: {
          code: 'NOT_FOUND',
          message: 'Not found.',
          hint: 'No route matches this method and path.',
          docs: 'https://kayle.id/docs/api/errors#not_found',
          request_id: res.headers['x-request-id'],
        },
      });
    }
  });

  it('answers 404 before looking at a malformed body', async () => {
    const res = await t.http().post('/v1/admin/orgs').set('Content-Type', 'application/json').send('{"name":');
    expect(res.status).toBe(404);
  });
});

describe('admin endpoints (§2.4, §2.5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  const admin = () => t.admin;
  const createKeyRaw = (body: Record<string, unknown>) => t.http().post('/v1/admin/api-keys').set(admin()).send(body);

  describe('admin authentication', () => {
    it.each([
      ['no Authorization header', {}],
      ['a wrong token', { Authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }],
      ['a token prefix', { Authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}` }],
      ['a Basic scheme', { Authorization: `Basic ${TEST_ADMIN_TOKEN}` }],
      ['two spaces', { Authorization: `Bearer  ${TEST_ADMIN_TOKEN}` }],
      ['the bare token', { Authorization: TEST_ADMIN_TOKEN }],
    ])('answers the exact 401 body to %s on every admin route', async (_label, headers) => {
      for (const [method, path] of ADMIN_ROUTES) {
        const res = await t.http()[method](path).set(headers as Record<string, string>);
        expect(res.status).toBe(401);
        expect(res.text).toBe(UNAUTHORIZED_TEXT);
        expect(res.headers['x-request-id']).toMatch(/^req_[a-z0-9]{24}$/);
      }
    });

    it('accepts the scheme name in any case', async () => {
      const res = await t.http().get('/v1/admin/orgs').set('Authorization', `bearer ${TEST_ADMIN_TOKEN}`);
      expect(res.status).toBe(200);
    });

    it('does not accept an API key, even one with every scope', async () => {
      const { live, test } = await t.tenant();
      for (const key of [live, test]) {
        for (const [method, path] of ADMIN_ROUTES) {
          const res = await t.http()[method](path).set(bearer(key));
          expect(res.status).toBe(401);
          expect(res.text).toBe(UNAUTHORIZED_TEXT);
        }
      }
    });
  });

  describe('POST /v1/admin/orgs', () => {
    it('creates an organization with a trimmed name', async () => {
      const before = Date.now();
      const res = await t.http().post('/v1/admin/orgs').set(admin()).send({ name: '  Acme Corp \t' });
      expect(res.status).toBe(200);
      expect(res.body.error).toBeNull();
      expect(Object.keys(res.body.data).sort()).toEqual(['created_at', 'id', 'name', 'updated_at']);
      expect(res.body.data.name).toBe('Acme Corp');
      expect(res.body.data.id).toMatch(UUID_V4);
      expect(res.body.data.created_at).toMatch(ISO_MS);
      expect(res.body.data.updated_at).toBe(res.body.data.created_at);
      expect(Date.parse(res.body.data.created_at)).toBeGreaterThanOrEqual(before);
    });

    it('accepts a name of exactly 120 characters after trimming', async () => {
      const name = 'n'.repeat(120);
      const res = await t.http().post('/v1/admin/orgs').set(admin()).send({ name: `  ${name}  ` });
      expect(res.status).toBe(200);
      expect(res.body.data.name).toBe(name);
    });

    it.each([
      ['empty', ''],
      ['whitespace only', '   \t '],
      ['121 characters', 'x'.repeat(121)],
      ['a number', 42],
      ['null', null],
      ['an array', ['Acme']],
    ])('answers 400 param name to a name that is %s', async (_label, name) => {
      expectBadRequest(await t.http().post('/v1/admin/orgs').set(admin()).send({ name }), 'name');
    });

    it('answers 400 param name when name is missing', async () => {
      expectBadRequest(await t.http().post('/v1/admin/orgs').set(admin()).send({}), 'name');
      expectBadRequest(await t.http().post('/v1/admin/orgs').set(admin()), 'name');
    });

    it('answers 400 param = an unknown property', async () => {
      expectBadRequest(await t.http().post('/v1/admin/orgs').set(admin()).send({ name: 'Acme', plan: 'pro' }), 'plan');
    });
  });

  describe('GET /v1/admin/orgs', () => {
    let fresh: TestApp;
    const created: string[] = [];
    beforeAll(async () => {
      fresh = await createTestApp();
      for (let i = 0; i < 5; i++) {
        created.push((await fresh.createOrg(`Org ${i}`)).id);
        await sleep(3); // distinct created_at, so "newest first" equals reverse creation order
      }
    });
    afterAll(async () => fresh.close());

    it('lists organizations newest first with the default page size', async () => {
      const res = await fresh.http().get('/v1/admin/orgs').set(fresh.admin);
      expect(res.status).toBe(200);
      expect(res.body.error).toBeNull();
      expect(res.body.data.map((o: { id: string }) => o.id)).toEqual([...created].reverse());
      expect(res.body.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      expect(res.body.data[0]).toEqual({
        id: created[4],
        name: 'Org 4',
        created_at: expect.stringMatching(ISO_MS),
        updated_at: expect.stringMatching(ISO_MS),
      });
    });

    it('walks pages of 2 with starting_after: every organization once, in order', async () => {
      const seen: string[] = [];
      const pages: Array<{ limit: number; has_more: boolean; next_cursor: string | null }> = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/admin/orgs?limit=2${cursor ? `&starting_after=${cursor}` : ''}`;
        const res = await fresh.http().get(url).set(fresh.admin);
        expect(res.status).toBe(200);
        const ids = res.body.data.map((o: { id: string }) => o.id);
        seen.push(...ids);
        pages.push(res.body.pagination);
        if (res.body.pagination.has_more) {
          expect(ids).toHaveLength(2);
          expect(res.body.pagination.next_cursor).toBe(ids[ids.length - 1]);
        }
        cursor = res.body.pagination.next_cursor;
      } while (cursor && pages.length < 10);
      expect(seen).toEqual([...created].reverse());
      expect(pages).toEqual([
        { limit: 2, has_more: true, next_cursor: created[3] },
        { limit: 2, has_more: true, next_cursor: created[1] },
        { limit: 2, has_more: false, next_cursor: null },
      ]);
    });

    it('gives an empty last page with has_more false when the page size divides the list', async () => {
      const res = await fresh.http().get(`/v1/admin/orgs?limit=5`).set(fresh.admin);
      expect(res.body.pagination).toEqual({ limit: 5, has_more: false, next_cursor: null });
      const after = await fresh.http().get(`/v1/admin/orgs?starting_after=${created[0]}`).set(fresh.admin);
      expect(after.status).toBe(200);
      expect(after.body.data).toEqual([]);
      expect(after.body.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
    });

    it.each([
      ['an unknown UUID', MISSING_UUID],
      ['not a UUID', 'not-an-id'],
    ])('answers 400 param starting_after, with the pagination block, to %s', async (_label, cursor) => {
      const res = await fresh.http().get(`/v1/admin/orgs?limit=2&starting_after=${cursor}`).set(fresh.admin);
      expectBadRequest(res, 'starting_after');
      expect(res.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });
    });

    it('does not accept an API key id as an organization cursor', async () => {
      const key = await fresh.createKey(created[0]);
      const res = await fresh.http().get(`/v1/admin/orgs?starting_after=${key.id}`).set(fresh.admin);
      expectBadRequest(res, 'starting_after');
    });

    it.each(['0', '101', 'abc', '1.5', '', '-1', '+5'])('answers 400 param limit to limit=%s, with limit 10 in the block', async (limit) => {
      const res = await fresh.http().get(`/v1/admin/orgs?limit=${limit}`).set(fresh.admin);
      expectBadRequest(res, 'limit');
      expect(res.body.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
    });

    it('answers 400 to a repeated query parameter', async () => {
      const res = await fresh.http().get('/v1/admin/orgs?limit=2&limit=3').set(fresh.admin);
      expectBadRequest(res, 'limit');
    });

    it('ignores unknown query parameters', async () => {
      const res = await fresh.http().get('/v1/admin/orgs?foo=bar').set(fresh.admin);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(5);
    });
  });

  describe('POST /v1/admin/api-keys', () => {
    let orgId: string;
    beforeAll(async () => {
      orgId = (await t.createOrg('Keys Inc')).id;
    });

    it('creates a live key with every scope by default, returning the plaintext once', async () => {
      const res = await createKeyRaw({ organization_id: orgId, name: '  Backend  ' });
      expect(res.status).toBe(200);
      expect(res.body.error).toBeNull();
      const data = res.body.data;
      expect(Object.keys(data).sort()).toEqual([...API_KEY_FIELDS, 'key'].sort());
      expect(data).toMatchObject({
        organization_id: orgId,
        name: 'Backend',
        livemode: true,
        enabled: true,
        last_used_at: null,
        revoked_at: null,
      });
      expect([...data.scopes].sort()).toEqual([...ALL_SCOPES].sort());
      expect(data.key).toMatch(KEY_FORMAT);
      expect(data.key.startsWith('kk_live_')).toBe(true);
      expect(data.key_prefix).toBe(data.key.slice(0, 12));
      expect(data.id).toMatch(UUID_V4);
      expect(data.created_at).toMatch(ISO_MS);
      expect(data.updated_at).toBe(data.created_at);
      expect(res.text).not.toContain('key_hash');
    });

    it('creates a kk_test_ key with livemode false', async () => {
      const res = await createKeyRaw({ organization_id: orgId, name: 'Sandbox', livemode: false });
      expect(res.status).toBe(200);
      expect(res.body.data.livemode).toBe(false);
      expect(res.body.data.key).toMatch(/^kk_test_[a-z0-9]{32}$/);
      expect(res.body.data.key_prefix).toBe(res.body.data.key.slice(0, 12));
    });

    it('keeps a requested subset of scopes', async () => {
      const res = await createKeyRaw({ organization_id: orgId, name: 'Webhooks', scopes: ['webhooks:write', 'webhooks:read'] });
      expect(res.status).toBe(200);
      expect([...res.body.data.scopes].sort()).toEqual(['webhooks:read', 'webhooks:write']);
    });

    it('mints a different key every time', async () => {
      const a = await createKeyRaw({ organization_id: orgId, name: 'A' });
      const b = await createKeyRaw({ organization_id: orgId, name: 'A' });
      expect(a.body.data.key).not.toBe(b.body.data.key);
      expect(a.body.data.id).not.toBe(b.body.data.id);
    });

    it.each([
      ['an unknown scope', { scopes: ['sessions:read', 'sessions:admin'] }, 'scopes'],
      ['an empty scopes array', { scopes: [] }, 'scopes'],
      ['scopes as a string', { scopes: 'sessions:read' }, 'scopes'],
      ['a non-boolean livemode', { livemode: 'true' }, 'livemode'],
      ['an empty name', { name: ' ' }, 'name'],
      ['a 121-character name', { name: 'k'.repeat(121) }, 'name'],
      ['an organization_id that is not a UUID', { organization_id: 'acme' }, 'organization_id'],
      ['an unknown property', { key: 'kk_live_' + 'a'.repeat(32) }, 'key'],
    ])('answers 400 with param to %s', async (_label, override, param) => {
      expectBadRequest(await createKeyRaw({ organization_id: orgId, name: 'Bad', ...override }), param);
    });

    it('answers 400 param organization_id when it is missing', async () => {
      expectBadRequest(await createKeyRaw({ name: 'No org' }), 'organization_id');
    });

    it('answers 404 with the exact message to an unknown organization', async () => {
      const res = await createKeyRaw({ organization_id: MISSING_UUID, name: 'Orphan' });
      expectError(res, 404, ORG_NOT_FOUND);
    });
  });

  describe('GET /v1/admin/api-keys', () => {
    let orgId: string;
    let otherOrgId: string;
    const keys: Array<{ id: string; key: string }> = [];
    beforeAll(async () => {
      orgId = (await t.createOrg('Lister')).id;
      otherOrgId = (await t.createOrg('Other')).id;
      for (let i = 0; i < 3; i++) {
        keys.push(await t.createKey(orgId, { name: `k${i}`, livemode: i !== 1 }));
        await sleep(3);
      }
      await t.createKey(otherOrgId);
    });

    it("lists only that organization's keys, newest first, without secrets", async () => {
      const res = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}`).set(admin());
      expect(res.status).toBe(200);
      expect(res.body.data.map((k: { id: string }) => k.id)).toEqual(keys.map((k) => k.id).reverse());
      expect(res.body.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      for (const row of res.body.data) {
        expect(Object.keys(row).sort()).toEqual(API_KEY_FIELDS);
        expect(row.organization_id).toBe(orgId);
      }
      expect(res.text).not.toContain('key_hash');
      expect(res.text).not.toContain('"key"');
      for (const k of keys) expect(res.text).not.toContain(k.key);
      expect(res.body.data.map((k: { livemode: boolean }) => k.livemode)).toEqual([true, false, true]);
    });

    it('pages with limit and starting_after', async () => {
      const first = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=2`).set(admin());
      expect(first.body.pagination).toEqual({ limit: 2, has_more: true, next_cursor: keys[1].id });
      const second = await t
        .http()
        .get(`/v1/admin/api-keys?organization_id=${orgId}&limit=2&starting_after=${keys[1].id}`)
        .set(admin());
      expect(second.body.data.map((k: { id: string }) => k.id)).toEqual([keys[0].id]);
      expect(second.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });
    });

    it("answers 400 param starting_after to another organization's key as the cursor", async () => {
      const other = await t.http().get(`/v1/admin/api-keys?organization_id=${otherOrgId}`).set(admin());
      const res = await t
        .http()
        .get(`/v1/admin/api-keys?organization_id=${orgId}&limit=3&starting_after=${other.body.data[0].id}`)
        .set(admin());
      expectBadRequest(res, 'starting_after');
      expect(res.body.pagination).toEqual({ limit: 3, has_more: false, next_cursor: null });
    });

    it('answers 400 param organization_id, with the pagination block, when it is missing or malformed', async () => {
      const missing = await t.http().get('/v1/admin/api-keys').set(admin());
      expectBadRequest(missing, 'organization_id');
      expect(missing.body.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      expectBadRequest(await t.http().get('/v1/admin/api-keys?organization_id=nope').set(admin()), 'organization_id');
    });

    it('answers 404 Organization not found to an unknown organization', async () => {
      const res = await t.http().get(`/v1/admin/api-keys?organization_id=${MISSING_UUID}`).set(admin());
      expectError(res, 404, ORG_NOT_FOUND);
    });
  });

  describe('PATCH and DELETE /v1/admin/api-keys/:id', () => {
    let orgId: string;
    beforeAll(async () => {
      orgId = (await t.createOrg('Patcher')).id;
    });

    it('renames (trimmed), disables and re-scopes a key, moving updated_at', async () => {
      const k = await t.createKey(orgId, { name: 'Before' });
      const original = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=100`).set(admin());
      const createdRow = original.body.data.find((row: { id: string }) => row.id === k.id);
      await sleep(3);

      const renamed = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send({ name: '  After  ' });
      expect(renamed.status).toBe(200);
      expect(Object.keys(renamed.body.data).sort()).toEqual(API_KEY_FIELDS);
      expect(renamed.body.data).toMatchObject({ id: k.id, name: 'After', enabled: true, created_at: createdRow.created_at });
      expect(Date.parse(renamed.body.data.updated_at)).toBeGreaterThan(Date.parse(createdRow.updated_at));

      const disabled = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send({ enabled: false });
      expect(disabled.body.data).toMatchObject({ name: 'After', enabled: false });

      const scoped = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send({ scopes: ['sessions:read'] });
      expect(scoped.body.data).toMatchObject({ name: 'After', enabled: false, scopes: ['sessions:read'] });

      const all = await t
        .http()
        .patch(`/v1/admin/api-keys/${k.id}`)
        .set(admin())
        .send({ name: 'Both', enabled: true, scopes: ['webhooks:read', 'sessions:write'] });
      expect(all.status).toBe(200);
      expect(all.body.data).toMatchObject({ name: 'Both', enabled: true });
      expect([...all.body.data.scopes].sort()).toEqual(['sessions:write', 'webhooks:read']);

      // The change is stored, not just echoed.
      const listed = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=100`).set(admin());
      expect(listed.body.data.find((row: { id: string }) => row.id === k.id)).toEqual(all.body.data);
    });

    it('answers 400 to a PATCH with none of name, enabled, scopes', async () => {
      const k = await t.createKey(orgId);
      expectBadRequest(await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send({}));
      expectBadRequest(await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()));
    });

    it.each([
      [{ name: '' }, 'name'],
      [{ enabled: 'false' }, 'enabled'],
      [{ scopes: [] }, 'scopes'],
      [{ scopes: ['everything'] }, 'scopes'],
      [{ livemode: false }, 'livemode'],
    ])('answers 400 with param to PATCH %j', async (body, param) => {
      const k = await t.createKey(orgId);
      expectBadRequest(await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send(body), param);
    });

    it('revokes a key; a repeat DELETE returns the same revoked_at', async () => {
      const k = await t.createKey(orgId);
      const first = await t.http().delete(`/v1/admin/api-keys/${k.id}`).set(admin());
      expect(first.status).toBe(200);
      expect(Object.keys(first.body.data).sort()).toEqual(API_KEY_FIELDS);
      expect(first.body.data.revoked_at).toMatch(ISO_MS);
      expect(first.body.data.id).toBe(k.id);
      await sleep(5);
      const second = await t.http().delete(`/v1/admin/api-keys/${k.id}`).set(admin());
      expect(second.status).toBe(200);
      expect(second.body.data).toEqual(first.body.data);
      const listed = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=100`).set(admin());
      expect(listed.body.data.find((row: { id: string }) => row.id === k.id).revoked_at).toBe(first.body.data.revoked_at);
    });

    it('answers 409 CONFLICT with the exact message to a PATCH of a revoked key, changing nothing', async () => {
      const k = await t.createKey(orgId, { name: 'Gone' });
      await t.http().delete(`/v1/admin/api-keys/${k.id}`).set(admin());
      for (const body of [{ enabled: true }, { name: 'Back' }, { scopes: ['sessions:read'] }]) {
        const res = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(admin()).send(body);
        expectError(res, 409, {
          code: 'CONFLICT',
          message: 'API key is revoked.',
          hint: 'Revoked API keys cannot be changed; create a new key.',
        });
      }
      const listed = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=100`).set(admin());
      expect(listed.body.data.find((row: { id: string }) => row.id === k.id)).toMatchObject({ name: 'Gone', enabled: true });
    });

    it.each([
      ['an unknown UUID', MISSING_UUID],
      ['a non-UUID id', 'not-a-key'],
      ['an organization id', null],
    ])('answers 404 API key not found to PATCH and DELETE of %s', async (_label, id) => {
      const target = id ?? orgId;
      expectError(await t.http().patch(`/v1/admin/api-keys/${target}`).set(admin()).send({ enabled: false }), 404, KEY_NOT_FOUND);
      expectError(await t.http().delete(`/v1/admin/api-keys/${target}`).set(admin()), 404, KEY_NOT_FOUND);
    });
  });
});
