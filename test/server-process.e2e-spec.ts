import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { MIGRATIONS } from '../dist/src/database/migrations/index.js';
import { createTestApp, TEST_ADMIN_TOKEN, TEST_SERVER_SECRET } from './helpers/app.js';
import { queryDatabase, testDriver } from './helpers/database.js';
import { freePort, processFixtures, runUntilExit, startServer, tempDir, type ServerProcess } from './helpers/process.js';

const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
const SESSIONS_ROUTES_BUILT = existsSync(new URL('../dist/src/sessions/sessions.controller.js', import.meta.url));
const sqliteOnlyIt = testDriver() === 'sqlite' ? it : it.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request whose body is always read to the end: an unread body keeps the connection
 * busy, and Fastify's graceful shutdown then waits for it.
 */
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function getJson(server: ServerProcess, path: string, headers: Record<string, string> = ADMIN) {
  const res = await call(`${server.url}${path}`, { headers });
  return { status: res.status, body: JSON.parse(res.text) as any };
}

/** Every organization, walking the admin list with its cursor. */
async function listAllOrgs(server: ServerProcess): Promise<Array<{ id: string; name: string }>> {
  const all: Array<{ id: string; name: string }> = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await getJson(server, `/v1/admin/orgs?limit=100${cursor ? `&starting_after=${cursor}` : ''}`);
    expect(status).toBe(200);
    all.push(...body.data);
    cursor = body.pagination.next_cursor;
  } while (cursor);
  return all;
}

describe('the real server process (node dist/src/main.js)', () => {
  const fixtures = processFixtures();
  afterAll(() => fixtures.release());
  const { workspace, track } = fixtures;

  describe('first run', () => {
    let ws: Awaited<ReturnType<typeof workspace>>;
    let server: ServerProcess;
    let liveKey: string;
    let testKey: string;

    beforeAll(async () => {
      ws = await workspace();
      server = track(await startServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url }));
    });

    it('prints a live key, a test key and the Swagger UI URL on stdout, once', async () => {
      const match = await server.waitForStdout(/live key: (kk_live_[a-z0-9]{32})\n\s*test key: (kk_test_[a-z0-9]{32})\n[\s\S]*Swagger UI: (\S+)/);
      [, liveKey, testKey] = match;
      expect(match[3]).toBe(`http://localhost:${server.port}/docs`);
      expect(server.stdout().match(/kk_live_[a-z0-9]{32}/g)).toEqual([liveKey]);
    });

    it('creates the organization "Default" with exactly those two keys, all scopes', async () => {
      const orgs = await listAllOrgs(server);
      expect(orgs.map((o) => o.name)).toEqual(['Default']);
      const { body } = await getJson(server, `/v1/admin/api-keys?organization_id=${orgs[0].id}`);
      const keys = body.data as Array<{ livemode: boolean; key_prefix: string; scopes: string[]; enabled: boolean }>;
      expect(keys).toHaveLength(2);
      const live = keys.find((k) => k.livemode)!;
      const test = keys.find((k) => !k.livemode)!;
      expect(live.key_prefix).toBe(liveKey.slice(0, 12));
      expect(test.key_prefix).toBe(testKey.slice(0, 12));
      for (const key of keys) {
        expect([...key.scopes].sort()).toEqual(['sessions:read', 'sessions:write', 'webhooks:read', 'webhooks:write']);
        expect(key.enabled).toBe(true);
      }
    });

    it('stores only HMAC-SHA256(SERVER_SECRET, key) of the printed keys', async () => {
      const hmac = (key: string) => createHmac('sha256', TEST_SERVER_SECRET).update(key).digest('hex');
      const rows = await queryDatabase<{ key_hash: string }>(ws.db, 'SELECT key_hash FROM api_keys');
      expect(rows.map((r) => r.key_hash).sort()).toEqual([hmac(liveKey), hmac(testKey)].sort());
    });

    (SESSIONS_ROUTES_BUILT ? it : it.skip)('accepts the printed keys on an API-key route', async () => {
      const unknown = await call(`${server.url}/v1/sessions`, { headers: { Authorization: `Bearer kk_live_${'0'.repeat(32)}` } });
      expect(unknown.status).toBe(401);
      for (const key of [liveKey, testKey]) {
        const res = await call(`${server.url}/v1/sessions`, { headers: { Authorization: `Bearer ${key}` } });
        expect({ key, status: res.status }).not.toEqual({ key, status: 401 });
      }
    });

    it('serves the Swagger UI at /docs and the document at /openapi.json', async () => {
      const res = await call(`${server.url}/docs`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('swagger-ui');
      const css = res.text.match(/href="([^"]*swagger-ui\.css)"/)?.[1];
      expect(css).toBeDefined();
      const asset = await call(new URL(css!, `${server.url}/docs`).toString());
      expect(asset.status).toBe(200);
      const doc = await call(`${server.url}/openapi.json`);
      expect(doc.status).toBe(200);
      expect((JSON.parse(doc.text) as { openapi: string }).openapi).toMatch(/^3\./);
    });

    sqliteOnlyIt('refuses a second server on the same SQLite file while this one runs', async () => {
      const second = await runUntilExit({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url });
      expect(second.code).not.toBe(0);
      expect(second.code).not.toBeNull();
      expect(second.stderr).toContain('Another Passline server is already running');
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stdout).not.toContain('Listening');
      expect((await call(`${server.url}/health`)).status).toBe(200);
    });

    // On SQLite this also shows the server lock is released by a graceful stop.
    it('does not print keys again, nor create another organization, after a restart', async () => {
      // A graceful stop ends every worker thread, then re-raises the signal (a supervisor sees it).
      expect(await server.stop()).toEqual({ code: null, signal: 'SIGTERM' });
      const again = track(await startServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url }));
      await again.waitForStdout(/Listening on /);
      await sleep(300); // the first-run check runs right after listen
      expect(again.stdout()).not.toMatch(/kk_(live|test)_/);
      expect(again.stdout()).not.toContain('First run');
      expect((await listAllOrgs(again)).map((o) => o.name)).toEqual(['Default']);
      await again.stop();
    });
  });

  describe('configuration errors stop the boot with one clear line', () => {
    const SECRET = 'do-not-echo-this-server-secret-0123456789';
    const SHORT_SECRET = 'short-secret-do-not-echo';
    const SHORT_ADMIN_TOKEN = 'admin-token-do-not-echo';
    type Result = Awaited<ReturnType<typeof runUntilExit>>;
    const run = async (env: Record<string, string | undefined>): Promise<Result> => {
      const dir = tempDir();
      fixtures.defer(() => dir.cleanup());
      return runUntilExit({ cwd: dir.path, port: await freePort(), databaseUrl: `${dir.path}/db.sqlite`, env });
    };
    let results: Record<'port' | 'secret' | 'adminToken' | 'production', Promise<Result>>;
    // The four boots are independent: run them side by side.
    beforeAll(() => {
      results = {
        port: run({ PORT: 'abc', SERVER_SECRET: SECRET }),
        secret: run({ SERVER_SECRET: SHORT_SECRET }),
        adminToken: run({ ADMIN_TOKEN: SHORT_ADMIN_TOKEN, SERVER_SECRET: SECRET }),
        production: run({ NODE_ENV: 'production', SERVER_SECRET: undefined }),
      };
    });
    afterAll(async () => {
      await Promise.allSettled(Object.values(results));
    });

    const expectOneLine = (result: Result, pattern: RegExp) => {
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid configuration: /);
      expect(lines[0]).toMatch(pattern);
      expect(result.stdout).not.toContain('Listening');
    };

    it('rejects PORT=abc without echoing SERVER_SECRET', async () => {
      const result = await results.port;
      expectOneLine(result, /PORT/);
      expect(result.stderr + result.stdout).not.toContain(SECRET);
    });

    it('rejects a SERVER_SECRET shorter than 32 characters without echoing it', async () => {
      const result = await results.secret;
      expectOneLine(result, /SERVER_SECRET/);
      expect(result.stderr + result.stdout).not.toContain(SHORT_SECRET);
    });

    it('rejects a short ADMIN_TOKEN without echoing it', async () => {
      const result = await results.adminToken;
      expectOneLine(result, /ADMIN_TOKEN/);
      expect(result.stderr + result.stdout).not.toContain(SHORT_ADMIN_TOKEN);
      expect(result.stderr + result.stdout).not.toContain(SECRET);
    });

    it('requires SERVER_SECRET in production', async () => {
      expectOneLine(await results.production, /SERVER_SECRET is required in production/);
    });
  });

  describe('kill -9 during writes', () => {
    it('loses no acknowledged organization and restarts cleanly on the same database', async () => {
      const ws = await workspace();
      const server = track(await startServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url }));

      const acknowledged: string[] = [];
      let killed = false;
      const writers = Array.from({ length: 32 }, async (_, w) => {
        for (let n = 0; !killed; n++) {
          try {
            const res = await fetch(`${server.url}/v1/admin/orgs`, {
              method: 'POST',
              headers: ADMIN,
              body: JSON.stringify({ name: `crash ${w}-${n}` }),
            });
            const body = (await res.json()) as { data: { id: string } | null };
            if (res.status === 200 && body.data) acknowledged.push(body.data.id);
          } catch {
            // the server is gone (or going): this request was never acknowledged
          }
        }
      });
      await sleep(1500);
      server.child.kill('SIGKILL');
      const exit = await server.exited;
      killed = true;
      await Promise.all(writers);
      expect(exit.signal).toBe('SIGKILL');
      expect(acknowledged.length).toBeGreaterThan(50);

      const restarted = track(await startServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url }));
      const health = await getJson(restarted, '/health', {});
      expect(health).toEqual({ status: 200, body: { data: { status: 'healthy', database: 'up', version: '1.0.0' }, error: null } });
      expect(restarted.stderr()).not.toMatch(/ERROR|failed|migration/i);
      const applied = await queryDatabase<{ name: string }>(ws.db, 'SELECT name FROM migrations');
      expect(applied.map((m) => m.name).sort()).toEqual(MIGRATIONS.map((m) => (new m() as { name?: string }).name ?? m.name).sort());

      const listed = new Set((await listAllOrgs(restarted)).map((o) => o.id));
      const lost = acknowledged.filter((id) => !listed.has(id));
      expect(lost).toEqual([]);
      // And the restarted server still writes.
      const res = await call(`${restarted.url}/v1/admin/orgs`, { method: 'POST', headers: ADMIN, body: '{"name":"after"}' });
      expect(res.status).toBe(200);
      await restarted.stop();
    });
  });
});

describe('GET /health with the database gone (§9.1)', () => {
  it('answers 503 unhealthy, database down', async () => {
    const t = await createTestApp();
    try {
      expect((await t.http().get('/health')).status).toBe(200);
      await t.app.get(DatabaseService).dataSource.destroy();
      const res = await t.http().get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ data: { status: 'unhealthy', database: 'down', version: '1.0.0' }, error: null });
      expect(res.headers['x-request-id']).toMatch(/^req_[a-z0-9]{24}$/);
    } finally {
      await t.close().catch(() => undefined);
      await t.db.drop();
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
