import { MIGRATIONS } from '../dist/src/database/migrations/index.js';
import { loadSettings } from '../dist/src/config/app.config.js';
import { announceStart } from '../dist/src/first-run.js';
import { createTestApp, TEST_ADMIN_TOKEN } from './helpers/app.js';
import { countRows, testDriver } from './helpers/database.js';
import { freePort, processFixtures, spawnServer, startServer, waitForHealthy } from './helpers/process.js';

const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** §9.5: start-up in production, and several instances booting at once on PostgreSQL. */
describe('Start-up (§9.5)', () => {
  const fixtures = processFixtures();
  afterAll(() => fixtures.release());
  const { workspace, track } = fixtures;

  it('a first production start creates no organization, prints no key, and says how to create them', async () => {
    const ws = await workspace();
    const server = track(
      await startServer({
        cwd: ws.cwd,
        port: await freePort(),
        databaseUrl: ws.db.url,
        env: { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://passline.example.com' },
      }),
    );
    await server.waitForStdout(/orgs create/);
    const output = server.stdout() + server.stderr();
    expect(output).not.toMatch(/kk_(live|test)_/);
    expect(output).toMatch(/npm run cli -- orgs create --name/);
    expect(output).toMatch(/api-keys create --org/);
    const res = await fetch(`${server.url}/v1/admin/orgs`, { headers: ADMIN });
    expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
    expect(await countRows(ws.db, 'SELECT COUNT(*) AS n FROM api_keys')).toBe(0);
    // A restart still creates nothing.
    await server.stop();
    const again = track(await startServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url, env: { NODE_ENV: 'production' } }));
    await again.waitForStdout(/orgs create/);
    expect(await countRows(ws.db, 'SELECT COUNT(*) AS n FROM organizations')).toBe(0);
  });

  it('first-run announcements racing on one empty database seed it once: one organization, two keys, one printout', async () => {
    const t = await createTestApp();
    fixtures.defer(() => t.close());
    const settings = loadSettings(t.env);
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await Promise.all([0, 1, 2, 3].map(() => announceStart(t.app, settings)));
    } finally {
      process.stdout.write = write;
    }
    expect(await countRows(t.db, 'SELECT COUNT(*) AS n FROM organizations')).toBe(1);
    expect(await countRows(t.db, 'SELECT COUNT(*) AS n FROM api_keys')).toBe(2);
    expect(printed.filter((line) => line.includes('First run: created'))).toHaveLength(1);
  });

  (testDriver() === 'postgres' ? it : it.skip)(
    'three instances booting at once on one empty PostgreSQL database apply each migration once, and none logs an error or exits',
    async () => {
      const ws = await workspace();
      const servers = await Promise.all(
        [0, 1, 2].map(async () => track(spawnServer({ cwd: ws.cwd, port: await freePort(), databaseUrl: ws.db.url, env: { LOG_LEVEL: 'log' } }))),
      );
      await Promise.all(servers.map((s) => waitForHealthy(s, 60_000)));
      for (const server of servers) {
        expect(server.stderr()).toBe('');
        expect(server.stdout()).not.toMatch(/ERROR|Unable to connect|QueryFailedError|already exists/);
      }
      expect(await countRows(ws.db, 'SELECT COUNT(*) AS n FROM migrations')).toBe(MIGRATIONS.length);
      expect(await countRows(ws.db, 'SELECT COUNT(DISTINCT name) AS n FROM migrations')).toBe(MIGRATIONS.length);
      // Exactly one of them made the first-run organization and printed its keys.
      expect(await countRows(ws.db, 'SELECT COUNT(*) AS n FROM organizations')).toBe(1);
      expect(await countRows(ws.db, 'SELECT COUNT(*) AS n FROM api_keys')).toBe(2);
      expect(servers.filter((s) => /First run: created/.test(s.stdout()))).toHaveLength(1);
    },
    120_000,
  );
});
