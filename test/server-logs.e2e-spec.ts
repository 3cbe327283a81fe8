import { TEST_ADMIN_TOKEN, TEST_SERVER_SECRET } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { freePort, startServer, tempDir, type ServerProcess } from './helpers/process.js';

const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };

async function call(server: ServerProcess, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Operators feed the logs to a collector: in production every line is one JSON object, each
 * request gets one access line with its id, and no credential ever reaches the log.
 */
describe('server logs (NODE_ENV=production)', () => {
  const dir = tempDir();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess;
  let port: number;
  const env = { NODE_ENV: 'production', LOG_LEVEL: undefined, PUBLIC_BASE_URL: 'https://passline.example' };

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
    server = await startServer({ cwd: dir.path, port, databaseUrl: db.url, env });
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
    dir.cleanup();
  });

  it('writes one JSON object per line, and nothing about route mapping at the default level', () => {
    const lines = server.stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.some((l) => l.msg === `Listening on https://passline.example (${db.driver})`)).toBe(true);
    expect(parsed.filter((l) => ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(String(l.context)))).toEqual([]);
    // §9.5: no organization and no key on a production first start, only how to make them.
    expect(server.stdout()).not.toMatch(/kk_(live|test)_/);
    expect(parsed.some((l) => String(l.msg).startsWith('No organization yet. Create one and its first API key with the admin CLI: npm run cli -- orgs create --name'))).toBe(true);
    for (const line of parsed) {
      expect(typeof line.time).toBe('string');
      expect(typeof line.level).toBe('string');
    }
  });

  it('logs a burst of requests as access lines with reqId, method, path, status and duration, and never a secret', async () => {
    const secrets: string[] = [TEST_SERVER_SECRET, TEST_ADMIN_TOKEN];
    const org = await call(server, '/v1/admin/orgs', { method: 'POST', headers: ADMIN, body: JSON.stringify({ name: 'Logs Inc' }) });
    expect(org.status).toBe(200);
    const keys: string[] = [];
    for (const livemode of [true, false]) {
      const key = await call(server, '/v1/admin/api-keys', {
        method: 'POST',
        headers: ADMIN,
        body: JSON.stringify({ organization_id: org.body.data.id, name: 'logs', livemode }),
      });
      expect(key.status).toBe(200);
      keys.push(key.body.data.key as string);
    }
    secrets.push(...keys);
    const auth = { Authorization: `Bearer ${keys[0]}`, 'Content-Type': 'application/json' };
    const endpoint = await call(server, '/v1/webhooks/endpoints', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: 'https://hooks.passline.example/in' }),
    });
    expect(endpoint.status).toBe(200);
    secrets.push(endpoint.body.data.signing_secret);
    // No delivery may run during the burst: its lines would belong to no request.
    expect((await call(server, `/v1/webhooks/endpoints/${endpoint.body.data.endpoint.id}`, { method: 'DELETE', headers: auth })).status).toBe(200);

    await sleep(300); // the access line of the delete is written after its response
    const offset = server.stdout().length;
    const requestIds: string[] = [];
    const burst = Array.from({ length: 24 }, async (_, i) => {
      const requestId = `req_logs_burst_${i}`;
      requestIds.push(requestId);
      const session = await call(server, '/v1/sessions', {
        method: 'POST',
        headers: { ...auth, 'X-Request-Id': requestId },
        body: JSON.stringify({ redirect_url: 'https://shop.example/return' }),
      });
      expect(session.status).toBe(200);
      secrets.push(session.body.data.cancel_token);
      const id = session.body.data.id as string;
      const handoff = await call(server, `/v1/verify/session/${id}/handoff`, { method: 'POST' });
      expect(handoff.status).toBe(200);
      secrets.push(handoff.body.data.mobile_write_token);
      await call(server, `/v1/sessions/${id}?unused=${keys[1]}`, { headers: auth });
      await call(server, '/v1/sessions', { headers: { Authorization: `Bearer ${keys[1]}x` } });
      const cancel = await call(server, `/v1/verify/session/${id}/cancel`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ cancel_token: session.body.data.cancel_token }),
      });
      expect(cancel.status).toBe(204);
    });
    await Promise.all(burst);
    await sleep(300);

    const lines = server.stdout().slice(offset).split('\n').filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThanOrEqual(24 * 5);
    for (const line of parsed) expect(line).toEqual(expect.objectContaining({ reqId: expect.any(String) }));
    const access = parsed.filter((l) => l.msg === 'request completed');
    expect(access).toHaveLength(24 * 5);
    for (const requestId of requestIds) {
      expect(access).toContainEqual(
        expect.objectContaining({ reqId: requestId, method: 'POST', path: '/v1/sessions', status: 200, durationMs: expect.any(Number), level: 'info' }),
      );
    }
    expect(access.filter((l) => l.status === 401)).toHaveLength(24);
    expect(access.some((l) => String(l.path).includes('?'))).toBe(false);

    const everything = server.stdout() + server.stderr();
    const leaked = secrets.filter((secret) => everything.includes(secret));
    expect({ checked: secrets.length, leaked }).toEqual({ checked: 2 + 2 + 1 + 24 * 2, leaked: [] });
  });

  it('writes the access line of every request answered before a SIGTERM, and keeps the line whole', async () => {
    // Access lines leave through an asynchronous stream; a stop right after the last answer
    // must not drop the ones still queued.
    const offset = server.stdout().length;
    const burst = await Promise.all(
      Array.from({ length: 300 }, (_, i) => fetch(`${server.url}/health`, { headers: { 'X-Request-Id': `req_stop_${i}` } })),
    );
    expect(burst.every((res) => res.status === 200)).toBe(true);
    const exit = await server.stop('SIGTERM');
    expect(exit.signal).toBe('SIGTERM');
    const lines = server.stdout().slice(offset).split('\n').filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ids = parsed.filter((l) => l.msg === 'request completed' && l.path === '/health').map((l) => l.reqId);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 300 }, (_, i) => `req_stop_${i}`)));
    expect(ids).toHaveLength(300);
  });

  it('prints, on a later start, one line with the docs URL and the command that mints a key', async () => {
    server = await startServer({ cwd: dir.path, port, databaseUrl: db.url, env });
    await sleep(300);
    const lines = server.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const hints = lines.filter((l) => String(l.msg).startsWith('API docs: https://passline.example/docs'));
    expect(hints).toHaveLength(1);
    expect(hints[0].msg).toContain('npm run --silent cli -- ');
    expect(hints[0].msg).toContain('api-keys create --org');
  });
});
