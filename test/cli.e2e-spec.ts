import { ApiKeysService } from '../dist/src/auth/api-keys.service.js';
import { acquireSqliteServerLock } from '../dist/src/database/sqlite-lock.js';
import { ALL_SCOPES, createTestApp } from './helpers/app.js';
import { cliEnv, expectFailure, expectSuccess, runCliProcess, type CliRun } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

/*
 * The admin CLI (§2.6) as operators run it: the built entry point in a child process, with
 * the server's environment, on a fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL).
 */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ORG_FIELDS = ['created_at', 'id', 'name', 'updated_at'];
const KEY_FIELDS = [
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
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('admin CLI (npm run cli)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const cli = (...args: string[]): Promise<CliRun> => runCliProcess(args, env);

  // Filled by the first tests, used by the later ones.
  let acme: Record<string, any>;
  let globex: Record<string, any>;
  let liveKey: Record<string, any>;
  let testKey: Record<string, any>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = cliEnv(db);
  });
  afterAll(async () => db.drop());

  function expectOrganization(org: Record<string, any>, name: string): void {
    expect(Object.keys(org).sort()).toEqual(ORG_FIELDS);
    expect(org.id).toMatch(UUID_V4);
    expect(org.name).toBe(name);
    expect(org.created_at).toMatch(ISO_MS);
    expect(org.updated_at).toBe(org.created_at);
  }

  it('orgs create prints the organization (name trimmed) after applying the migrations', async () => {
    // The first command on an empty database runs alone: it creates the schema.
    acme = expectSuccess(await cli('orgs', 'create', '--name', '  Acme  '));
    expectOrganization(acme, 'Acme');
    globex = expectSuccess(await cli('orgs', 'create', '--name=Globex'));
    expectOrganization(globex, 'Globex');
  });

  it('orgs list prints {"data": [...]} with every organization, newest first', async () => {
    const list = expectSuccess(await cli('orgs', 'list'));
    expect(Object.keys(list)).toEqual(['data']);
    expect(list.data).toEqual([globex, acme]);
  });

  it('api-keys create prints the key object plus the plaintext key: live with every scope by default', async () => {
    liveKey = expectSuccess(await cli('api-keys', 'create', '--org', acme.id, '--name', 'Backend'));
    expect(Object.keys(liveKey).slice(0, 2)).toEqual(['id', 'key']);
    expect(Object.keys(liveKey).sort()).toEqual([...KEY_FIELDS, 'key'].sort());
    expect(liveKey).toMatchObject({
      organization_id: acme.id,
      name: 'Backend',
      livemode: true,
      scopes: ALL_SCOPES,
      enabled: true,
      last_used_at: null,
      revoked_at: null,
    });
    expect(liveKey.id).toMatch(UUID_V4);
    expect(liveKey.key).toMatch(/^kk_live_[a-z0-9]{32}$/);
    expect(liveKey.key_prefix).toBe(liveKey.key.slice(0, 12));
    expect(liveKey.created_at).toMatch(ISO_MS);
  });

  it('api-keys create --test --scopes makes a kk_test_ key with just those scopes', async () => {
    testKey = expectSuccess(
      await cli('api-keys', 'create', '--org', acme.id, '--name', 'CI', '--test', '--scopes', 'sessions:read,webhooks:read'),
    );
    expect(testKey.key).toMatch(/^kk_test_[a-z0-9]{32}$/);
    expect(testKey).toMatchObject({ livemode: false, scopes: ['sessions:read', 'webhooks:read'], key_prefix: testKey.key.slice(0, 12) });
  });

  it("api-keys list prints that organization's keys only, newest first, without secrets", async () => {
    const other = expectSuccess(await cli('api-keys', 'create', '--org', globex.id, '--name', 'Other'));
    const list = expectSuccess(await cli('api-keys', 'list', '--org', acme.id));
    expect(Object.keys(list)).toEqual(['data']);
    expect(list.data.map((k: { id: string }) => k.id)).toEqual([testKey.id, liveKey.id]);
    for (const key of list.data) expect(Object.keys(key).sort()).toEqual(KEY_FIELDS);
    const { key: _secret, ...liveRecord } = liveKey;
    expect(list.data[1]).toEqual(liveRecord);
    expect(JSON.stringify(list)).not.toContain(liveKey.key);
    expect(list.data.map((k: { id: string }) => k.id)).not.toContain(other.id);
  });

  it('api-keys disable and enable toggle enabled; revoke sets revoked_at for good', async () => {
    const disabled = expectSuccess(await cli('api-keys', 'disable', '--id', testKey.id));
    expect(Object.keys(disabled).sort()).toEqual(KEY_FIELDS);
    expect(disabled).toMatchObject({ id: testKey.id, enabled: false, revoked_at: null });

    const enabled = expectSuccess(await cli('api-keys', 'enable', '--id', testKey.id));
    expect(enabled).toMatchObject({ id: testKey.id, enabled: true, revoked_at: null });

    const revoked = expectSuccess(await cli('api-keys', 'revoke', '--id', testKey.id));
    expect(Object.keys(revoked).sort()).toEqual(KEY_FIELDS);
    expect(revoked.revoked_at).toMatch(ISO_MS);
    const [again, enable] = await Promise.all([
      cli('api-keys', 'revoke', '--id', testKey.id),
      cli('api-keys', 'enable', '--id', testKey.id),
    ]);
    expect(expectSuccess(again)).toEqual(revoked);
    expectFailure(enable, 1, 'CONFLICT', 'API key is revoked.');
  });

  it('exits 1 with NOT_FOUND for an unknown organization or key', async () => {
    const runs = await Promise.all([
      cli('api-keys', 'create', '--org', UNKNOWN_ID, '--name', 'k'),
      cli('api-keys', 'list', '--org', 'not-an-org'),
      cli('api-keys', 'disable', '--id', UNKNOWN_ID),
      cli('api-keys', 'revoke', '--id', 'not-a-key'),
    ]);
    expectFailure(runs[0], 1, 'NOT_FOUND', 'Organization not found.');
    expectFailure(runs[1], 1, 'NOT_FOUND', 'Organization not found.');
    for (const run of runs.slice(2)) expectFailure(run, 1, 'NOT_FOUND', 'API key not found.');
  });

  it('exits 2 with one BAD_REQUEST line naming the problem for usage errors, and changes nothing', async () => {
    const cases: Array<[string[], string]> = [
      [['api-keys', 'create', '--org', acme.id, '--name', 'k', '--scopes', 'sessions:read,admin'], 'admin'],
      [['api-keys', 'create', '--org', acme.id], '--name'],
      [['orgs', 'create'], '--name'],
      [['orgs', 'create', '--name', '   '], '--name'],
      [['orgs', 'create', '--name', 'x'.repeat(121)], '120'],
      [['orgs', 'delete'], 'delete'],
      [['users', 'list'], 'users'],
      [['orgs', 'list', '--limit', '5'], '--limit'],
      [['api-keys', 'revoke'], '--id'],
      [[], 'command'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((run, i) => expect(expectFailure(run, 2, 'BAD_REQUEST')).toContain(cases[i][1]));

    expect(expectSuccess(await cli('orgs', 'list')).data).toHaveLength(2);
  });

  it('prints usage for --help and -h at every level and exits 0', async () => {
    const levels = [
      ['--help'],
      ['-h'],
      ['orgs', '--help'],
      ['api-keys', '--help'],
      ['orgs', 'create', '--help'],
      ['orgs', 'list', '-h'],
      ['api-keys', 'create', '--help'],
      ['api-keys', 'list', '--help'],
      ['api-keys', 'disable', '--help'],
      ['api-keys', 'enable', '-h'],
      ['api-keys', 'revoke', '--help'],
    ];
    const runs = await Promise.all(levels.map((args) => cli(...args)));
    for (const run of runs) {
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain('Usage: npm run --silent cli --');
    }
    expect(runs[6].stdout).toContain('--scopes <a,b>');
  });

  it('exits 1 with CONFIG_ERROR for a bad configuration and DATABASE_ERROR when the database cannot be opened', async () => {
    const [config, database] = await Promise.all([
      runCliProcess(['orgs', 'list'], cliEnv(db, { SERVER_SECRET: 'too-short' })),
      runCliProcess(['orgs', 'list'], cliEnv(db, { DATABASE_URL: '/dev/null/passline.sqlite' })),
    ]);
    expect(expectFailure(config, 1, 'CONFIG_ERROR')).toContain('SERVER_SECRET');
    expectFailure(database, 1, 'DATABASE_ERROR');
  });

  it('shares the database with a running server: the HTTP app sees and accepts CLI-made keys, and vice versa', async () => {
    // On SQLite a server holds this lock for its whole life; the CLI must not need it.
    const serverLock = db.driver === 'sqlite' ? acquireSqliteServerLock(db.url) : null;
    const t = await createTestApp({}, db);
    try {
      const health = await t.http().get('/health');
      expect(health.status).toBe(200);
      expect(health.body.data).toMatchObject({ status: 'healthy', database: 'up' });

      const cliList = expectSuccess(await cli('api-keys', 'list', '--org', acme.id));
      const admin = await t.http().get('/v1/admin/api-keys').query({ organization_id: acme.id }).set(t.admin);
      expect(admin.status).toBe(200);
      expect(admin.body.data).toEqual(cliList.data);

      const apiKeys = t.app.get(ApiKeysService);
      expect(await apiKeys.authenticate(liveKey.key)).toEqual({
        apiKeyId: liveKey.id,
        organizationId: acme.id,
        livemode: true,
        scopes: ALL_SCOPES,
      });
      expect(await apiKeys.authenticate(testKey.key)).toBeNull();

      // While the server runs, the CLI still writes, and the server reads what it wrote.
      expectSuccess(await cli('api-keys', 'disable', '--id', liveKey.id));
      const after = await t.http().get('/v1/admin/api-keys').query({ organization_id: acme.id }).set(t.admin);
      expect(after.body.data.find((k: { id: string }) => k.id === liveKey.id).enabled).toBe(false);

      // "All of them": more organizations than one admin page (10), made over HTTP.
      const made: string[] = [];
      for (let i = 0; i < 10; i++) made.push((await t.createOrg(`Tenant ${i}`)).id);
      const all = expectSuccess(await cli('orgs', 'list'));
      const ids = all.data.map((o: { id: string }) => o.id);
      expect([...ids].sort()).toEqual([...made, globex.id, acme.id].sort());
      expect(ids.slice(-2)).toEqual([globex.id, acme.id]);
      // Newest first by (created_at, id), as every list (§1.7): several may share a millisecond.
      const key = (o: { created_at: string; id: string }) => `${o.created_at} ${o.id}`;
      const newestFirst = [...all.data].sort((a, b) => (key(a) < key(b) ? 1 : -1));
      expect(all.data).toEqual(newestFirst);
    } finally {
      await t.close();
      serverLock?.release();
    }
  });
});
