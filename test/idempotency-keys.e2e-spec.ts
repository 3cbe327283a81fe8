import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { SecretBox } from '../dist/src/common/secret-box.js';
import { IdempotencyService } from '../dist/src/idempotency/idempotency.service.js';
import { SessionsService } from '../dist/src/sessions/sessions.service.js';
import { ALL_SCOPES, bearer, createTestApp, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  DOCS,
  clockOf,
  countRows,
  createSession,
  dataSourceOf,
  expectApiError,
  expectBadRequest,
  expectForbidden,
  expectSessionNotFound,
  unknownSessionId,
} from './helpers/sessions.js';

/** `Idempotency-Key` on authenticated POSTs (§1.9) and its place in the order of checks (§1.3). */

const DAY_MS = 24 * 60 * 60 * 1000;
const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';
const BODY = {
  redirect_url: 'https://shop.example/return',
  share_fields: { age_over_18: { required: true, reason: 'Confirm you are an adult.' }, nationality_code: { required: false, reason: 'Shipping.' } },
  expires_in: 900,
};
/** BODY with other key order and whitespace: the same canonical JSON (§1.9 fingerprint). */
const BODY_REORDERED_TEXT = `{
  "expires_in" : 900,
  "share_fields": {"nationality_code": {"reason": "Shipping.", "required": false},
                   "age_over_18":      {"reason": "Confirm you are an adult.", "required": true}},
  "redirect_url":"https://shop.example/return"
}`;

/** A fresh key string per test, so tests never see each other's stored responses. */
const newKey = (): string => `idem-${randomBytes(12).toString('hex')}`;

interface KeyRow {
  fingerprint: string;
  status: string;
  response_status: number | null;
  response_body: string | null;
}

function expectReplayOf(replay: Response, first: Response): void {
  expect(replay.status).toBe(first.status);
  expect(replay.text).toBe(first.text);
  expect(replay.headers['idempotent-replayed']).toBe('true');
}

function expectFirstUse(res: Response, status = 200): void {
  expect(res.status).toBe(status);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
}

function expectKeyReused(res: Response): void {
  expectApiError(res, {
    status: 422,
    code: 'IDEMPOTENCY_KEY_REUSED',
    message: 'Idempotency key reused with a different request.',
    hint: 'Use a new Idempotency-Key for a request with different parameters.',
    docs: `${DOCS}/errors#idempotency_key_reused`,
  });
  expect(res.headers['idempotent-replayed']).toBeUndefined();
}

function expectKeyInUse(res: Response): void {
  expectApiError(res, {
    status: 409,
    code: 'IDEMPOTENCY_KEY_IN_USE',
    message: 'A request with this idempotency key is still in progress.',
    hint: 'Wait for the first request to finish, then retry.',
    docs: `${DOCS}/errors#idempotency_key_in_use`,
  });
}

describe('Idempotency-Key (§1.9)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  /** A fresh organization per test: its session list holds only what the test created. */
  const freshKey = async (options: { scopes?: string[]; livemode?: boolean } = {}): Promise<CreatedKey> =>
    t.createKey((await t.createOrg()).id, options);

  const create = (key: CreatedKey, idempotencyKey?: string, path = '/v1/sessions') => {
    const req = t.http().post(path).set(bearer(key));
    return idempotencyKey === undefined ? req : req.set('Idempotency-Key', idempotencyKey);
  };
  const cancel = (key: CreatedKey, id: string, idempotencyKey?: string) => {
    const req = t.http().post(`/v1/sessions/${id}/cancel`).set(bearer(key));
    return idempotencyKey === undefined ? req : req.set('Idempotency-Key', idempotencyKey);
  };
  const sessionCount = async (key: CreatedKey): Promise<number> => {
    const res = await t.http().get('/v1/sessions?limit=100').set(bearer(key));
    expect(res.status).toBe(200);
    return (res.body.data as unknown[]).length;
  };
  const keyRow = async (key: CreatedKey, idempotencyKey: string): Promise<KeyRow | undefined> => {
    const row = await dataSourceOf(t)
      .createQueryBuilder()
      .select(['k.fingerprint AS fingerprint', 'k.status AS status', 'k.response_status AS response_status', 'k.response_body AS response_body'])
      .from('idempotency_keys', 'k')
      .where('k.api_key_id = :apiKeyId AND k.idempotency_key = :key', { apiKeyId: key.id, key: idempotencyKey })
      .getRawOne<KeyRow>();
    return row ?? undefined;
  };
  /** The app's port on 127.0.0.1 (it listens from the first call on), for raw-socket requests. */
  const listeningPort = async (): Promise<number> => {
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    return (t.app.getHttpServer().address() as AddressInfo).port;
  };
  /** Runs `work` with the app clock moved by `ms`, then moves it back for the next tests. */
  const withClockAdvanced = async <T>(ms: number, work: () => Promise<T>): Promise<T> => {
    clockOf(t).advance(ms);
    try {
      return await work();
    } finally {
      clockOf(t).advance(-ms);
    }
  };

  describe('replay', () => {
    it('replays a session create byte for byte with Idempotent-Replayed: true and creates nothing new', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      // A re-run would show a later created_at and a fresh id and cancel_token.
      clockOf(t).advance(2_000);
      const replay = await create(key, k).send(BODY);
      expectReplayOf(replay, first);
      expect(replay.headers['content-type']).toMatch(/^application\/json/);
      expect(replay.body.data.cancel_token).toBe(first.body.data.cancel_token);
      expect(replay.body.data.id).toBe(first.body.data.id);
      expect(replay.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
      expect(await sessionCount(key)).toBe(1);

      // The replayed cancel_token is the real one: it cancels the session once.
      const publicCancel = await t
        .http()
        .post(`/v1/verify/session/${first.body.data.id}/cancel`)
        .send({ cancel_token: replay.body.data.cancel_token });
      expect(publicCancel.status).toBe(204);
    });

    it('keeps replaying the same bytes on later retries', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send({});
      expectFirstUse(first);
      for (let i = 0; i < 3; i++) expectReplayOf(await create(key, k).send({}), first);
      expect(await sessionCount(key)).toBe(1);
    });

    it('matches bodies by canonical JSON: key order and whitespace do not matter', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      const replay = await create(key, k).set('Content-Type', 'application/json').send(BODY_REORDERED_TEXT);
      expectReplayOf(replay, first);
      expect(await sessionCount(key)).toBe(1);
    });

    it('matches query strings with their parameters sorted', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k, '/v1/sessions?include_attempts=true&utm_source=mail').send({});
      expectFirstUse(first);
      expect(first.body.data.attempts).toEqual([]);
      const replay = await create(key, k, '/v1/sessions?utm_source=mail&include_attempts=true').send({});
      expectReplayOf(replay, first);
      expect(await sessionCount(key)).toBe(1);
    });

    it('counts an empty body as {}', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k);
      expectFirstUse(first);
      expectReplayOf(await create(key, k).send({}), first);
      expectReplayOf(await create(key, k).set('Content-Type', 'application/json').send(' { } '), first);
      expect(await sessionCount(key)).toBe(1);
    });

    it('replays a 204 cancel with an empty body', async () => {
      const key = await freshKey();
      const session = await createSession(t, key);
      const k = newKey();
      const first = await cancel(key, session.id, k);
      expectFirstUse(first, 204);
      expect(first.text).toBe('');
      const replay = await cancel(key, session.id, k);
      expectReplayOf(replay, first);
      expect(replay.text).toBe('');
      const row = await keyRow(key, k);
      expect(row).toMatchObject({ status: 'completed' });
      expect(Number(row?.response_status)).toBe(204);
    });

    it('stores and replays a handler-stage 404 (cancel of an unknown well-formed id)', async () => {
      const key = await freshKey();
      const k = newKey();
      const id = unknownSessionId();
      const first = await cancel(key, id, k);
      expectSessionNotFound(first, 'cancel-by-id');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const replay = await cancel(key, id, k);
      // Byte for byte: even the first request's request_id comes back.
      expectReplayOf(replay, first);
      expect(replay.body.error.request_id).toBe(first.headers['x-request-id']);
      expect(Number((await keyRow(key, k))?.response_status)).toBe(404);
    });

    it('scopes keys per API key: the same key string with another API key is a new request', async () => {
      const key = await freshKey();
      const sibling = await t.createKey(key.organization_id);
      const other = await freshKey();
      const k = newKey();
      const mine = await create(key, k).send(BODY);
      const siblings = await create(sibling, k).send(BODY);
      const others = await create(other, k).send(BODY);
      for (const res of [mine, siblings, others]) expectFirstUse(res);
      expect(new Set([mine.body.data.id, siblings.body.data.id, others.body.data.id]).size).toBe(3);
      // Same organization, two API keys, one key string: two sessions.
      expect(await sessionCount(key)).toBe(2);
      // Each API key still replays its own response.
      expectReplayOf(await create(sibling, k).send(BODY), siblings);
      // Another body under the sibling's scope is a reuse there, independent of the first key.
      expectKeyReused(await create(sibling, k).send({}));
      expectReplayOf(await create(key, k).send(BODY), mine);
    });
  });

  describe('reuse and concurrency', () => {
    it('answers 422 IDEMPOTENCY_KEY_REUSED for another body, query or path, and keeps the stored response', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      expectKeyReused(await create(key, k).send({ ...BODY, expires_in: 901 }));
      expectKeyReused(await create(key, k).send({}));
      expectKeyReused(await create(key, k, '/v1/sessions?include_attempts=true').send(BODY));
      expectKeyReused(await cancel(key, first.body.data.id, k));
      // Step 6 comes before the body (§1.3): an invalid or malformed body under a used key is a reuse.
      expectKeyReused(await create(key, k).send({ expires_in: 1 }));
      expectKeyReused(await create(key, k).set('Content-Type', 'application/json').send('{"expires_in":'));
      expect(await sessionCount(key)).toBe(1);
      // The 422s stored nothing over the first response, and the session was not cancelled.
      expectReplayOf(await create(key, k).send(BODY), first);
      const got = await t.http().get(`/v1/sessions/${first.body.data.id}`).set(bearer(key));
      expect(got.body.data.status).toBe('created');
    });

    it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request is still running', async () => {
      // The first request is held inside its handler, after the interceptor claimed the key:
      // SessionsService.create waits on a gate the test opens. This is deterministic on both
      // drivers. Holding a database transaction instead is not: on PostgreSQL it blocks no
      // other connection, and on SQLite it queues the key's claim itself behind the lock.
      const key = await freshKey();
      const k = newKey();
      const sessions = t.app.get(SessionsService);
      const original = sessions.create;
      let entered!: () => void;
      const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let calls = 0;
      sessions.create = async function gated(this: SessionsService, ...args: Parameters<SessionsService['create']>) {
        // Only the first request waits; a second one that wrongly got through must not hang the test.
        if (calls++ === 0) {
          entered();
          await gate;
        }
        return original.apply(this, args);
      };
      let firstPromise: Promise<Response> | undefined;
      try {
        firstPromise = create(key, k)
          .send(BODY)
          .then((res) => res);
        await handlerEntered;
        expect((await keyRow(key, k))?.status).toBe('in_flight');

        const concurrent = await create(key, k).send(BODY);
        expectKeyInUse(concurrent);
        expect(concurrent.headers['idempotent-replayed']).toBeUndefined();
        // A different body is still a reuse, also while the key is in flight.
        expectKeyReused(await create(key, k).send({}));
      } finally {
        open();
        delete (sessions as { create?: unknown }).create;
        if (sessions.create !== original) sessions.create = original;
      }
      const first = await firstPromise;
      expectFirstUse(first);
      // The 409 released nothing: once the first request ends its response is the one replayed.
      expectReplayOf(await create(key, k).send(BODY), first);
      expect(await sessionCount(key)).toBe(1);
    });

    it('lets only one of many simultaneous first requests run', async () => {
      const key = await freshKey();
      const k = newKey();
      const results = await Promise.all(Array.from({ length: 8 }, () => create(key, k).send(BODY)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
      const firsts = results.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
      expect(firsts).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 200)) expect(r.text).toBe(firsts[0].text);
      expect(await sessionCount(key)).toBe(1);
    });
  });

  describe('key format', () => {
    const BAD_KEYS: Array<[string, string]> = [
      ['empty', ''],
      ['256 characters', 'k'.repeat(256)],
      ['a tab', 'abc\tdef'],
      ['a non-ASCII character', 'caf\u00e9'],
    ];

    it.each(BAD_KEYS)('rejects a key with %s: 400 param Idempotency-Key, nothing created or stored', async (_label, bad) => {
      const key = await freshKey();
      const res = await create(key, bad).send(BODY);
      expectBadRequest(res, 'Idempotency-Key');
      const onCancel = await cancel(key, unknownSessionId(), bad);
      expectBadRequest(onCancel, 'Idempotency-Key');
      expect(await sessionCount(key)).toBe(0);
      expect(await countRows(t, 'idempotency_keys', { column: 'api_key_id', value: key.id })).toBe(0);
    });

    it('refuses a key with DEL (0x7F): 400 and nothing created', async () => {
      // DEL and other control characters never reach the app: Node's HTTP parser refuses the
      // header with its own bare 400, so the client cannot send them through supertest either.
      const key = await freshKey();
      const port = await listeningPort();
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(port, '127.0.0.1', () =>
          socket.end(
            Buffer.from(
              `POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key.key}\r\n` +
                'Idempotency-Key: ab\x7fcd\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
              'latin1',
            ),
          ),
        );
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(await sessionCount(key)).toBe(0);
    });

    it('accepts 255 printable ASCII characters, spaces and punctuation included', async () => {
      const key = await freshKey();
      const printable = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
      for (const k of ['x'.repeat(255), `a${printable}z`, '1']) {
        const first = await create(key, k).send({});
        expectFirstUse(first);
        expectReplayOf(await create(key, k).send({}), first);
      }
      expect(await sessionCount(key)).toBe(3);
    });
  });

  describe('what is stored', () => {
    it('does not store validation errors: the same key then runs a valid request as a first use', async () => {
      const key = await freshKey();
      const k = newKey();
      expectBadRequest(await create(key, k).send({ expires_in: 5 }), 'expires_in');
      expectBadRequest(await create(key, k).send({ foo: 1 }), 'foo');
      expectBadRequest(await create(key, k, '/v1/sessions?include_attempts=maybe').send({}), 'include_attempts');
      expectBadRequest(await create(key, k).set('Content-Type', 'application/json').send('{"a":'), undefined);
      const share = await create(key, k).send({ share_fields: { favourite_colour: { required: true, reason: 'x' } } });
      expect(share.status).toBe(400);
      expect(share.body.error.code).toBe('UNKNOWN_CLAIM_KEY');
      const tooLarge = await create(key, k).send({ redirect_url: `https://a.example/${'x'.repeat(110 * 1024)}` });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await keyRow(key, k)).toBeUndefined();

      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      expectReplayOf(await create(key, k).send(BODY), first);
      // Now the key is taken: the invalid body is a reuse, no longer a 400.
      expectKeyReused(await create(key, k).send({ expires_in: 5 }));
      expect(await sessionCount(key)).toBe(1);
    });

    it('does not store a 400 on cancel (unknown property): a valid cancel with the key then runs', async () => {
      const key = await freshKey();
      const session = await createSession(t, key);
      const k = newKey();
      expectBadRequest(await cancel(key, session.id, k).send({ reason: 'x' }), 'reason');
      expect(await keyRow(key, k)).toBeUndefined();
      const first = await cancel(key, session.id, k);
      expectFirstUse(first, 204);
      const got = await t.http().get(`/v1/sessions/${session.id}`).set(bearer(key));
      expect(got.body.data.status).toBe('cancelled');
    });

    it('does not store a 500: the key is released and the retry runs', async () => {
      const key = await freshKey();
      const k = newKey();
      const sessions = t.app.get(SessionsService);
      const original = sessions.create;
      sessions.create = async () => {
        throw new Error('database went away');
      };
      let failed: Response;
      try {
        failed = await create(key, k).send(BODY);
      } finally {
        delete (sessions as { create?: unknown }).create;
        if (sessions.create !== original) sessions.create = original;
      }
      expectApiError(failed, {
        status: 500,
        code: 'INTERNAL_SERVER_ERROR',
        message: 'Internal server error.',
        hint: 'The server encountered an error.',
        docs: `${DOCS}/errors`,
      });
      expect(await keyRow(key, k)).toBeUndefined();
      const retry = await create(key, k).send(BODY);
      expectFirstUse(retry);
      expectReplayOf(await create(key, k).send(BODY), retry);
      expect(await sessionCount(key)).toBe(1);
    });

    it('does not store 403 or 401 answers', async () => {
      const readOnly = await freshKey({ scopes: ['sessions:read'] });
      const k = newKey();
      expectForbidden(await create(readOnly, k).send(BODY));
      expect(await countRows(t, 'idempotency_keys', { column: 'api_key_id', value: readOnly.id })).toBe(0);
      const unauthorized = await t.http().post('/v1/sessions').set('Authorization', `Bearer kk_live_${'0'.repeat(32)}`).set('Idempotency-Key', k).send(BODY);
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.text).toBe(UNAUTHORIZED_TEXT);
    });

    it('stores the response encrypted at rest', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      const { cancel_token: token, id } = first.body.data as { cancel_token: string; id: string };
      const row = await keyRow(key, k);
      expect(row).toBeDefined();
      expect(row!.status).toBe('completed');
      expect(Number(row!.response_status)).toBe(200);
      expect(row!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const stored = String(row!.response_body);
      for (const plain of [token, id, '{', '"data"', 'cancel_token', 'https://']) expect(stored).not.toContain(plain);
      // Not merely encoded: neither the text nor its base64 decoding holds the secret.
      expect(Buffer.from(stored, 'base64').toString('latin1')).not.toContain(token);
      expect(stored).not.toContain(Buffer.from(first.text).toString('base64').slice(0, 40));
      // It is the response itself, sealed with the server secret (AES-256-GCM).
      expect(new SecretBox(TEST_SERVER_SECRET).open(stored).toString('utf8')).toBe(first.text);
    });
  });

  describe('retention (24 h)', () => {
    it('treats the same key with another body as a new request after 24 hours', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      expectFirstUse(first);
      await withClockAdvanced(DAY_MS - 60_000, async () => {
        expectKeyReused(await create(key, k).send({}));
        expectReplayOf(await create(key, k).send(BODY), first);
      });
      await withClockAdvanced(DAY_MS + 1_000, async () => {
        const later = await create(key, k).send({});
        expectFirstUse(later);
        expect(later.body.data.id).not.toBe(first.body.data.id);
        // The new request now owns the key for another 24 h.
        expectReplayOf(await create(key, k).send({}), later);
        expectKeyReused(await create(key, k).send(BODY));
      });
      expect(await sessionCount(key)).toBe(2);
    });

    it('the same key and body after 24 hours runs again instead of replaying', async () => {
      const key = await freshKey();
      const k = newKey();
      const first = await create(key, k).send(BODY);
      await withClockAdvanced(DAY_MS + 1_000, async () => {
        const again = await create(key, k).send(BODY);
        expectFirstUse(again);
        expect(again.body.data.id).not.toBe(first.body.data.id);
      });
    });

    it('deleteExpired() removes the rows past their 24 h and keeps younger ones', async () => {
      const key = await freshKey();
      const [old, young] = [newKey(), newKey()];
      const service = t.app.get(IdempotencyService);
      expectFirstUse(await create(key, old).send({}));
      await withClockAdvanced(12 * 60 * 60 * 1000, async () => {
        expectFirstUse(await create(key, young).send({}));
      });
      await withClockAdvanced(DAY_MS + 1_000, async () => {
        const before = await countRows(t, 'idempotency_keys');
        const removed = await service.deleteExpired();
        expect(removed).toBeGreaterThanOrEqual(1);
        expect(await countRows(t, 'idempotency_keys')).toBe(before - removed);
        expect(await keyRow(key, old)).toBeUndefined();
        expect(await keyRow(key, young)).toBeDefined();
      });
      // Nothing younger than 24 h is removed.
      expect(await service.deleteExpired()).toBe(0);
      expect(await keyRow(key, young)).toBeDefined();
    });
  });

  describe('where the header applies', () => {
    it('ignores the header on GET', async () => {
      const key = await freshKey();
      const session = await createSession(t, key);
      for (const header of ['', 'abc\tdef', newKey()]) {
        const got = await t.http().get(`/v1/sessions/${session.id}`).set(bearer(key)).set('Idempotency-Key', header);
        expectFirstUse(got);
        const list = await t.http().get('/v1/sessions').set(bearer(key)).set('Idempotency-Key', header);
        expectFirstUse(list);
      }
      expect(await countRows(t, 'idempotency_keys', { column: 'api_key_id', value: key.id })).toBe(0);
    });

    it('ignores the header on admin endpoints', async () => {
      const k = newKey();
      const a = await t.http().post('/v1/admin/orgs').set(t.admin).set('Idempotency-Key', k).send({ name: 'First' });
      const b = await t.http().post('/v1/admin/orgs').set(t.admin).set('Idempotency-Key', k).send({ name: 'Second' });
      expectFirstUse(a);
      expectFirstUse(b);
      expect(b.body.data.id).not.toBe(a.body.data.id);
      const bad = await t.http().post('/v1/admin/orgs').set(t.admin).set('Idempotency-Key', '').send({ name: 'Third' });
      expectFirstUse(bad);
      const keyed = await t
        .http()
        .post('/v1/admin/api-keys')
        .set(t.admin)
        .set('Idempotency-Key', 'k'.repeat(300))
        .send({ organization_id: a.body.data.id, name: 'k', scopes: ALL_SCOPES });
      expectFirstUse(keyed);
    });

    it('ignores the header on public verify endpoints', async () => {
      const key = await freshKey();
      const session = await createSession(t, key);
      const k = newKey();
      const publicCancel = () =>
        t.http().post(`/v1/verify/session/${session.id}/cancel`).set('Idempotency-Key', k).send({ cancel_token: session.cancel_token });
      const status = await t.http().get(`/v1/verify/session/${session.id}/status`).set('Idempotency-Key', '');
      expect(status.status).toBe(200);
      const badHeader = await t
        .http()
        .post(`/v1/verify/session/${session.id}/cancel`)
        .set('Idempotency-Key', 'abc\tdef')
        .send({ cancel_token: 'x'.repeat(64) });
      expect(badHeader.status).toBe(403);
      expect(badHeader.body.error.code).toBe('CANCEL_TOKEN_INVALID');
      expectFirstUse(await publicCancel(), 204);
      // Not a replay: the second cancel runs and finds the token used.
      const again = await publicCancel();
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CANCEL_TOKEN_CONSUMED');
      expect(again.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  describe('order of checks (§1.3)', () => {
    it('answers 401 before looking at the key', async () => {
      for (const auth of [undefined, 'Bearer nope', `Bearer kk_live_${'a'.repeat(32)}`]) {
        for (const bad of ['', 'k'.repeat(256), 'abc\tdef']) {
          const req = t.http().post('/v1/sessions').set('Idempotency-Key', bad);
          const res = await (auth ? req.set('Authorization', auth) : req).send(BODY);
          expect(res.status).toBe(401);
          expect(res.text).toBe(UNAUTHORIZED_TEXT);
        }
      }
    });

    it('answers 403 before looking at the key', async () => {
      const readOnly = await freshKey({ scopes: ['sessions:read'] });
      expectForbidden(await create(readOnly, '').send(BODY));
      expectForbidden(await cancel(readOnly, 'vs_bad', 'abc\tdef'));
    });

    it('a bad session id beats a bad key', async () => {
      const key = await freshKey();
      for (const bad of ['', 'k'.repeat(256)]) expectBadRequest(await cancel(key, 'vs_bad', bad), 'id');
      expectBadRequest(await cancel(key, `vs_${'a'.repeat(63)}`, 'caf\u00e9'), 'id');
    });

    it('a bad key beats a bad query, a bad body, a malformed body and a body that is too large', async () => {
      const key = await freshKey();
      const bad = 'k'.repeat(256);
      expectBadRequest(await create(key, bad, '/v1/sessions?include_attempts=maybe').send(BODY), 'Idempotency-Key');
      expectBadRequest(await create(key, bad).send({ expires_in: 1, foo: 2 }), 'Idempotency-Key');
      expectBadRequest(await create(key, bad).set('Content-Type', 'application/json').send('{"a":'), 'Idempotency-Key');
      expectBadRequest(await create(key, bad).set('Content-Type', 'text/plain').send('hello'), 'Idempotency-Key');
      expectBadRequest(await create(key, bad).send({ redirect_url: `https://a.example/${'x'.repeat(110 * 1024)}` }), 'Idempotency-Key');
      expectBadRequest(await cancel(key, unknownSessionId(), bad).send({ foo: 1 }), 'Idempotency-Key');
      expectBadRequest(await create(key, bad).send({ share_fields: { nope: { required: true, reason: 'x' } } }), 'Idempotency-Key');
    });

    it('an unknown route is 404 whatever the key', async () => {
      const key = await freshKey();
      const res = await create(key, '', '/v1/sessions/nope/nope');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });
  });
});
