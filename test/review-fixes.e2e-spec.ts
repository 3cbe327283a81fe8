import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { loadSettings } from '../dist/src/config/app.config.js';
import { buildDataSourceOptions } from '../dist/src/database/data-source-options.js';
import { bearer, createTestApp, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { expectBadRequest } from './helpers/sessions.js';

/** Regression tests for the review findings on auth, body parsing, shutdown and schema drift. */

const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';

function expectUnauthorized(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.text).toBe(UNAUTHORIZED_TEXT);
}

describe('API keys come from the Authorization header only (§2.1, §1.1)', () => {
  let t: TestApp;
  let key: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).live;
  });
  afterAll(async () => t.close());

  it('ignores an access_token query parameter beside a valid Bearer key, like any unknown query parameter', async () => {
    const res = await t.http().get('/v1/sessions?access_token=foo').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.error).toBeNull();
  });

  it('treats an access_token body field beside a valid Bearer key as an unknown property (400, param access_token)', async () => {
    const res = await t.http().post('/v1/sessions').set(bearer(key)).send({ access_token: 'foo' });
    expectBadRequest(res, 'access_token');
  });

  it('still answers 401 when the key is only in the query string or the body', async () => {
    expectUnauthorized(await t.http().get(`/v1/sessions?access_token=${key.key}`));
    expectUnauthorized(await t.http().post('/v1/sessions').send({ access_token: key.key }));
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
      expectBadRequest(await post(contentType, '{}').set(bearer(key)), undefined);
    },
  );

  it('reads an empty body with an unparseable Content-Type as {} (§1.1)', async () => {
    const res = await post('json', '').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('created');
  });

  it('keeps malformed JSON and non-JSON bodies 400 after authentication', async () => {
    expectUnauthorized(await post('application/json', '{"a":'));
    expectBadRequest(await post('application/json', '{"a":').set(bearer(key)), undefined);
    expectUnauthorized(await post('text/plain', '{}'));
    expectBadRequest(await post('text/plain', '{}').set(bearer(key)), undefined);
  });

  it('still accepts application/json with parameters', async () => {
    const res = await post('application/json; charset=utf-8', '{}').set(bearer(key));
    expect(res.status).toBe(200);
  });
});

describe('two apps in one process (passport strategy registry)', () => {
  it('keeps authenticating each app against its own keys while the other runs and after it closes', async () => {
    const first = await createTestApp();
    try {
      const firstKey = (await first.tenant()).live;
      const second = await createTestApp();
      try {
        const secondKey = (await second.tenant()).live;
        expect((await first.http().get('/v1/sessions').set(bearer(firstKey))).status).toBe(200);
        expect((await second.http().get('/v1/sessions').set(bearer(secondKey))).status).toBe(200);
        // Separate databases: neither app knows the other's key.
        expectUnauthorized(await first.http().get('/v1/sessions').set(bearer(secondKey)));
      } finally {
        await second.close();
      }
      // A key the first app has never seen (not in its auth cache) after the second closed.
      const fresh = (await first.tenant()).live;
      expect((await first.http().get('/v1/sessions').set(bearer(fresh))).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});

describe('graceful shutdown is bounded', () => {
  it('closes within the grace period while a client holds a request open', async () => {
    const t = await createTestApp({}, undefined, { shutdownGraceMs: 300 });
    let socket: Socket | undefined;
    try {
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const socketClosed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
      // Headers sent, body never finished: the connection is busy, not idle.
      socket.write(
        `POST /v1/admin/orgs HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${t.admin.Authorization}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      const started = Date.now();
      const outcome = await Promise.race([
        t.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 5_000)),
      ]);
      expect(outcome).toBe('closed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await socketClosed;
    } finally {
      // Lets a hung close finish so that the suite does not leak the app.
      socket?.destroy();
    }
  });

  it('still authenticates and answers a request in flight when shutdown began, then closes without waiting out the grace', async () => {
    const t = await createTestApp({}, undefined, { shutdownGraceMs: 5_000 });
    const key = (await t.tenant()).live;
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    try {
      let response = '';
      socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(
        `POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key.key}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const closing = t.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.write('}');
      await ended;
      await closing;
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      expect(response.toLowerCase()).toContain('connection: close');
      expect(response).toContain('"status":"created"');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      socket.destroy();
    }
  });
});

describe('entities match the migrations (no schema drift)', () => {
  it('generates no migration on a freshly migrated database', async () => {
    const db = await createTestDatabase();
    const settings = loadSettings({ SERVER_SECRET: TEST_SERVER_SECRET, DATABASE_URL: db.url });
    const dataSource = new DataSource(buildDataSourceOptions(settings));
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      // What `typeorm migration:generate` would write.
      const sql = await dataSource.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  });
});
