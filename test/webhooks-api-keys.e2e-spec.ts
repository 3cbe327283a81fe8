import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  ISO_MS,
  KEY_ID,
  KEY_KEYS,
  createEndpoint,
  createKey,
  expectBadRequest,
  expectEndpointNotFound,
  expectForbidden,
  expectKeyNotFound,
  expectList,
  expectOk,
  keyBody,
  publicJwk,
  rsaJwk,
  walk,
  withClockAdvanced,
  type Json,
} from './webhooks-api-helpers.js';

describe('Webhook encryption keys API (§5.8)', () => {
  let t: TestApp;
  let live: CreatedKey;
  let test: CreatedKey;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    ({ orgId, live, test } = await t.tenant());
  });
  afterAll(async () => t.close());

  const postKey = (endpointId: string, body: unknown, key: CreatedKey = live) =>
    t.http().post(`/v1/webhooks/endpoints/${endpointId}/keys`).set(bearer(key)).send(body as object);
  const listKeys = (endpointId: string, query: Record<string, string> = {}, key: CreatedKey = live) =>
    t.http().get(`/v1/webhooks/endpoints/${endpointId}/keys`).query(query).set(bearer(key));
  const action = (keyId: string, verb: 'deactivate' | 'reactivate', key: CreatedKey = live) =>
    t.http().post(`/v1/webhooks/keys/${keyId}/${verb}`).set(bearer(key));
  const newEndpoint = async (key: CreatedKey = live) => (await createEndpoint(t, key)).endpoint.id as string;

  describe('POST /v1/webhooks/endpoints/:endpoint_id/keys', () => {
    it('stores the key active and answers it with the keys in contract order', async () => {
      const endpointId = await newEndpoint();
      const jwk = publicJwk();
      const before = Date.now();
      const res = await postKey(endpointId, keyBody({ jwk }));
      const after = Date.now();
      const k = expectOk(res);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      expect(Object.keys(k)).toEqual(KEY_KEYS);
      expect(k.id).toMatch(KEY_ID);
      expect(k).toMatchObject({
        webhook_endpoint_id: endpointId,
        livemode: true,
        key_id: 'rsa-key-1',
        algorithm: 'RSA-OAEP-256',
        key_type: 'RSA',
        is_active: true,
        disabled_at: null,
      });
      expect(k.jwk).toEqual({ kty: 'RSA', n: jwk.n, e: jwk.e });
      expect(Object.keys(k.jwk)).toEqual(['kty', 'n', 'e']);
      expect(k.created_at).toMatch(ISO_MS);
      expect(k.updated_at).toBe(k.created_at);
      expect(Date.parse(k.created_at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(k.created_at)).toBeLessThanOrEqual(after);
    });

    it('keeps alg, use and kid when given and drops every other member', async () => {
      const endpointId = await newEndpoint();
      const jwk: Json = { ...publicJwk(), kid: 'my-kid', use: 'enc', alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'], x5t: 'abc' };
      const k = expectOk(await postKey(endpointId, keyBody({ jwk })));
      expect(k.jwk).toEqual({ kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RSA-OAEP-256', use: 'enc', kid: 'my-kid' });
      const listed = expectList(await listKeys(endpointId)).data[0];
      expect(listed).toEqual(k);
    });

    it('accepts a 4096-bit key and a key_id of 128 characters', async () => {
      const endpointId = await newEndpoint();
      const k = expectOk(await postKey(endpointId, keyBody({ jwk: rsaJwk(4096).publicJwk, key_id: 'k'.repeat(128) })));
      expect(k.key_id).toBe('k'.repeat(128));
    });

    it('creating a second key deactivates the first in the same step', async () => {
      const endpointId = await newEndpoint();
      const first = await createKey(t, live, endpointId, { key_id: 'first' });
      const second = await withClockAdvanced(t, 2_000, () => createKey(t, live, endpointId, { key_id: 'second' }));
      expect(second.is_active).toBe(true);
      const { data } = expectList(await listKeys(endpointId));
      expect(data.map((k) => k.id)).toEqual([second.id, first.id]);
      const old = data[1];
      expect(old.is_active).toBe(false);
      expect(old.disabled_at).toBe(second.created_at);
      expect(old.updated_at).toBe(second.created_at);
      expect(old.created_at).toBe(first.created_at);
    });

    it('leaves keys of other endpoints alone', async () => {
      const a = await newEndpoint();
      const b = await newEndpoint();
      const keyA = await createKey(t, live, a);
      await createKey(t, live, b);
      expect(expectList(await listKeys(a)).data[0]).toEqual(keyA);
    });

    describe('validation (400 with param)', () => {
      let endpointId: string;
      beforeAll(async () => {
        endpointId = await newEndpoint();
      });

      it('rejects a 1024-bit key', async () => {
        expectBadRequest(await postKey(endpointId, keyBody({ jwk: rsaJwk(1024).publicJwk })), 'jwk');
      });

      it('rejects a private JWK and any single private member', async () => {
        const { privateJwk } = rsaJwk();
        expectBadRequest(await postKey(endpointId, keyBody({ jwk: privateJwk })), 'jwk');
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) {
          const jwk = { ...publicJwk(), [member]: member === 'oth' ? [] : 'AQAB' };
          expectBadRequest(await postKey(endpointId, keyBody({ jwk })), 'jwk');
        }
      });

      it.each([
        ['alg RSA-OAEP', { alg: 'RSA-OAEP' }],
        ['alg RSA1_5', { alg: 'RSA1_5' }],
        ['use sig', { use: 'sig' }],
        ['kty EC', { kty: 'EC' }],
        ['kty missing', { kty: undefined }],
        ['n missing', { n: undefined }],
        ['n not base64url', { n: 'not base64url!' }],
        ['n padded', { n: 'padded==' }],
        ['e not a string', { e: 65537 }],
        ['e = 1', { e: 'AQ' }],
        ['kid a number', { kid: 5 }],
      ])('rejects a JWK with %s', async (_what, change) => {
        const jwk: Json = { ...publicJwk(), ...change };
        for (const [k, v] of Object.entries(change)) if (v === undefined) delete jwk[k];
        expectBadRequest(await postKey(endpointId, keyBody({ jwk })), 'jwk');
      });

      it.each([
        ['a string', 'jwk'],
        ['an array', [{ kty: 'RSA' }]],
        ['null', null],
      ])('rejects a jwk that is %s', async (_what, jwk) => {
        expectBadRequest(await postKey(endpointId, keyBody({ jwk })), 'jwk');
      });

      it.each([
        ['missing key_id', { key_id: undefined }, 'key_id'],
        ['empty key_id', { key_id: '' }, 'key_id'],
        ['key_id of 129 characters', { key_id: 'k'.repeat(129) }, 'key_id'],
        ['key_id a number', { key_id: 1 }, 'key_id'],
        ['missing jwk', { jwk: undefined }, 'jwk'],
        ['missing algorithm', { algorithm: undefined }, 'algorithm'],
        ['algorithm RSA-OAEP', { algorithm: 'RSA-OAEP' }, 'algorithm'],
        ['algorithm lower case', { algorithm: 'rsa-oaep-256' }, 'algorithm'],
        ['missing key_type', { key_type: undefined }, 'key_type'],
        ['key_type EC', { key_type: 'EC' }, 'key_type'],
        ['an unknown property', { is_active: false }, 'is_active'],
      ])('rejects %s', async (_what, change, param) => {
        const body = keyBody(change);
        for (const [k, v] of Object.entries(change)) if (v === undefined) delete body[k];
        expectBadRequest(await postKey(endpointId, body), param);
      });

      it('stores nothing on a rejected key', async () => {
        expect(expectList(await listKeys(endpointId)).data).toEqual([]);
      });

      it('checks the body before the endpoint (400 before 404)', async () => {
        expectBadRequest(await postKey('whe_unknown', keyBody({ jwk: rsaJwk(1024).publicJwk })), 'jwk');
      });
    });

    it('answers 404 for unknown endpoints, the other environment and other organizations', async () => {
      expectEndpointNotFound(await postKey('whe_unknown', keyBody()), 'keys#create');
      const testEndpoint = await newEndpoint(test);
      expectEndpointNotFound(await postKey(testEndpoint, keyBody(), live), 'keys#create');
      const other = await t.tenant();
      expectEndpointNotFound(await postKey(await newEndpoint(), keyBody(), other.live), 'keys#create');
      const k = expectOk(await postKey(testEndpoint, keyBody(), test));
      expect(k.livemode).toBe(false);
    });
  });

  describe('GET /v1/webhooks/endpoints/:endpoint_id/keys', () => {
    let endpointId: string;
    let created: Json[];

    beforeAll(async () => {
      endpointId = await newEndpoint();
      created = [];
      // Distinct created_at values, so newest first is one fixed order.
      for (let i = 0; i < 5; i++) created.push(await withClockAdvanced(t, i * 10, () => createKey(t, live, endpointId, { key_id: `key-${i}` })));
    });

    it('lists newest first with the pagination block; only the newest is active', async () => {
      const { data, pagination } = expectList(await listKeys(endpointId));
      expect(pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
      expect(data.map((k) => k.key_id)).toEqual(['key-4', 'key-3', 'key-2', 'key-1', 'key-0']);
      expect(data.map((k) => k.is_active)).toEqual([true, false, false, false, false]);
      expect(Object.keys(data[0])).toEqual(KEY_KEYS);
    });

    it('walks pages of 2 without skipping or repeating', async () => {
      const { ids, pages } = await walk(t, live, `/v1/webhooks/endpoints/${endpointId}/keys`, { limit: 2 });
      expect(ids).toEqual(created.map((k) => k.id).reverse());
      expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    });

    it('filters by is_active', async () => {
      expect(expectList(await listKeys(endpointId, { is_active: 'true' })).data.map((k) => k.key_id)).toEqual(['key-4']);
      expect(expectList(await listKeys(endpointId, { is_active: '1' })).data).toHaveLength(1);
      expect(expectList(await listKeys(endpointId, { is_active: 'false' })).data).toHaveLength(4);
      expect(expectList(await listKeys(endpointId, { is_active: '0' })).data).toHaveLength(4);
    });

    it('rejects bad query parameters with 400 and the list envelope', async () => {
      expectBadRequest(await listKeys(endpointId, { is_active: 'yes' }), 'is_active', { list: true });
      expectBadRequest(await listKeys(endpointId, { is_active: '' }), 'is_active', { list: true });
      expectBadRequest(await listKeys(endpointId, { limit: '0' }), 'limit', { list: true });
      expectBadRequest(await listKeys(endpointId, { starting_after: 'whk_unknown' }), 'starting_after', { list: true });
    });

    it('refuses a cursor that is a key of another endpoint', async () => {
      const other = await newEndpoint();
      const foreignKey = await createKey(t, live, other);
      expectBadRequest(await listKeys(endpointId, { starting_after: foreignKey.id }), 'starting_after', { list: true });
    });

    it('answers 404 (list envelope) for unknown endpoints and the other environment', async () => {
      expectEndpointNotFound(await listKeys('whe_unknown'), 'keys#list', { list: true });
      expectEndpointNotFound(await listKeys(endpointId, {}, test), 'keys#list', { list: true });
      const res = await listKeys('whe_unknown', { limit: '3' });
      expect(res.body.pagination).toEqual({ limit: 3, has_more: false, next_cursor: null });
    });
  });

  describe('POST /v1/webhooks/keys/:key_id/deactivate and /reactivate', () => {
    it('deactivate sets is_active false and disabled_at; a repeat refreshes it', async () => {
      const endpointId = await newEndpoint();
      const k = await createKey(t, live, endpointId);
      const off = await withClockAdvanced(t, 1_000, async () => expectOk(await action(k.id, 'deactivate')));
      expect(Object.keys(off)).toEqual(KEY_KEYS);
      expect(off).toMatchObject({ id: k.id, is_active: false, created_at: k.created_at, jwk: k.jwk });
      expect(off.disabled_at).toBe(off.updated_at);
      expect(Date.parse(off.disabled_at)).toBeGreaterThanOrEqual(Date.parse(k.created_at) + 1_000);
      const again = await withClockAdvanced(t, 3_000, async () => expectOk(await action(k.id, 'deactivate')));
      expect(again.is_active).toBe(false);
      expect(Date.parse(again.disabled_at)).toBeGreaterThanOrEqual(Date.parse(off.disabled_at) + 1_000);
      expect(expectList(await listKeys(endpointId)).data[0]).toEqual(again);
    });

    it('reactivate sets is_active true, clears disabled_at and leaves the other keys alone', async () => {
      const endpointId = await newEndpoint();
      const first = await createKey(t, live, endpointId, { key_id: 'first' });
      const second = await withClockAdvanced(t, 10, () => createKey(t, live, endpointId, { key_id: 'second' }));
      const on = expectOk(await action(first.id, 'reactivate'));
      expect(on).toMatchObject({ id: first.id, is_active: true, disabled_at: null });
      const { data } = expectList(await listKeys(endpointId));
      expect(data.map((k) => [k.key_id, k.is_active])).toEqual([
        ['second', true],
        ['first', true],
      ]);
      expect(data[0]).toEqual(second);
      // Reactivating an active key is harmless.
      expect(expectOk(await action(second.id, 'reactivate'))).toMatchObject({ is_active: true, disabled_at: null });
    });

    it('take no body', async () => {
      const k = await createKey(t, live, await newEndpoint());
      expectOk(await action(k.id, 'deactivate').send({}));
      expectBadRequest(await action(k.id, 'deactivate').send({ is_active: false }), 'is_active');
      expectBadRequest(await action(k.id, 'reactivate').send({ force: true }), 'force');
    });

    it('answer 404 with their docs anchors for unknown keys, other environments and organizations', async () => {
      for (const verb of ['deactivate', 'reactivate'] as const) {
        expectKeyNotFound(await action('whk_unknown', verb), verb);
        expectKeyNotFound(await action('whe_not_a_key', verb), verb);
      }
      const testKey = await createKey(t, test, await newEndpoint(test));
      const liveKey = await createKey(t, live, await newEndpoint(live));
      const other = await t.tenant();
      for (const verb of ['deactivate', 'reactivate'] as const) {
        expectKeyNotFound(await action(testKey.id, verb, live), verb);
        expectKeyNotFound(await action(liveKey.id, verb, test), verb);
        expectKeyNotFound(await action(liveKey.id, verb, other.live), verb);
      }
      expect(expectOk(await action(testKey.id, 'deactivate', test)).livemode).toBe(false);
    });

    it('answer 404 once the endpoint is deleted (its keys go with it)', async () => {
      const endpointId = await newEndpoint();
      const k = await createKey(t, live, endpointId);
      expectOk(await t.http().delete(`/v1/webhooks/endpoints/${endpointId}`).set(bearer(live)));
      expectKeyNotFound(await action(k.id, 'deactivate'), 'deactivate');
      expectEndpointNotFound(await listKeys(endpointId), 'keys#list', { list: true });
    });
  });

  describe('scopes (§2.2)', () => {
    it('webhooks:read lists keys but cannot create, deactivate or reactivate; webhooks:write cannot list', async () => {
      const readOnly = await t.createKey(orgId, { scopes: ['webhooks:read'] });
      const writeOnly = await t.createKey(orgId, { scopes: ['webhooks:write'] });
      const endpointId = await newEndpoint();
      const k = await createKey(t, live, endpointId);
      expectList(await listKeys(endpointId, {}, readOnly));
      expectForbidden(await postKey(endpointId, keyBody(), readOnly));
      expectForbidden(await action(k.id, 'deactivate', readOnly));
      expectForbidden(await action(k.id, 'reactivate', readOnly));
      expectForbidden(await listKeys(endpointId, {}, writeOnly));
      expectOk(await postKey(endpointId, keyBody(), writeOnly));
      expectOk(await action(k.id, 'reactivate', writeOnly));
    });
  });
});
