import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { cliEnv, expectSuccess, runCliProcess } from './helpers/cli.js';
import { testDriver } from './helpers/database.js';

const WRITERS = 32;
const CLI_RUNS = 6;

/**
 * §9.5 "A second writer on SQLite": the admin CLI writes to the file while the server runs.
 * Server transactions that read before they write used to begin deferred and fail at once
 * with "database is locked" (SQLITE_BUSY, no busy wait) when the CLI had committed in
 * between; they now begin with BEGIN IMMEDIATE and wait out the busy timeout.
 */
(testDriver() === 'sqlite' ? describe : describe.skip)('A second SQLite writer beside the server (§9.5)', () => {
  let t: TestApp;
  let key: CreatedKey;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const tenant = await t.tenant();
    key = tenant.test;
    orgId = tenant.orgId;
  });
  afterAll(() => t?.close());

  it(`${WRITERS} concurrent writers never see a 500 while the CLI writes in a loop`, async () => {
    let stop = false;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const count = (status: number, what: string, text: string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`${what} → ${status} ${text.slice(0, 200)}`);
    };
    const writer = async () => {
      while (!stop) {
        const created = await t.http().post('/v1/sessions').set(bearer(key)).send({});
        count(created.status, 'create', created.text);
        if (created.status !== 200) continue;
        // Cancel reads the session, then writes it: the read-then-write transaction.
        const cancelled = await t.http().post(`/v1/sessions/${created.body.data.id as string}/cancel`).set(bearer(key));
        count(cancelled.status, 'cancel', cancelled.text);
      }
    };
    const cli = async () => {
      try {
        for (let i = 0; i < CLI_RUNS; i++) {
          expectSuccess(await runCliProcess(['orgs', 'create', '--name', `CLI ${i}`], cliEnv(t.db)));
          expectSuccess(await runCliProcess(['api-keys', 'create', '--org', orgId, '--name', `CLI key ${i}`], cliEnv(t.db)));
        }
      } finally {
        stop = true;
      }
    };
    await Promise.all([cli(), ...Array.from({ length: WRITERS }, writer)]);
    expect(failures).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(WRITERS);
    expect(statuses.get(204) ?? 0).toBeGreaterThan(WRITERS);
  }, 180_000);
});
