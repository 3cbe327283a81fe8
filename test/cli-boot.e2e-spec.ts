import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv, expectSuccess, type CliRun } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

/*
 * What an admin command loads (§2.6): on an up-to-date database, only the settings, the rules
 * and the database driver; Nest, TypeORM and Swagger (most of the old 2 s boot) only when a
 * migration must run. Checked by the modules the process imports, not by the clock.
 */

const CLI_ENTRY = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const IMPORT_LOG_HOOK = fileURLToPath(new URL('./helpers/import-log.mjs', import.meta.url));
const HEAVY = /\/node_modules\/(typeorm|@nestjs\/[^/]+)\//;

describe('admin CLI boot', () => {
  let db: TestDatabase;
  let dir: string;
  let runs = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'passline-cli-boot-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the built CLI and returns its result with the packages it imported. */
  function cliImports(...args: string[]): Promise<CliRun & { packages: string[] }> {
    const log = join(dir, `imports-${++runs}.log`);
    const env = { ...cliEnv(db), PASSLINE_IMPORT_LOG: log };
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['--import', IMPORT_LOG_HOOK, CLI_ENTRY, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== 'number') return reject(error);
        const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
        const packages = [...new Set(urls.map((u) => /\/node_modules\/((@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => !!p))];
        resolve({ status: error ? Number((error as { code?: unknown }).code) : 0, stdout, stderr, packages });
      });
    });
  }

  it('loads TypeORM to create the schema of a new database, then nothing of Nest or TypeORM for a command', async () => {
    const first = await cliImports('orgs', 'create', '--name', 'Acme');
    const org = expectSuccess(first);
    // The hook sees them: the migration path imports TypeORM and the entities (with Swagger's metadata).
    expect(first.packages).toEqual(expect.arrayContaining(['typeorm', '@nestjs/swagger']));

    const driver = db.driver === 'sqlite' ? 'better-sqlite3' : 'pg';
    for (const args of [['orgs', 'list'], ['api-keys', 'create', '--org', org.id, '--name', 'k']]) {
      const run = await cliImports(...args);
      expectSuccess(run);
      expect(run.packages).toContain(driver);
      expect(run.packages.filter((p) => HEAVY.test(`/node_modules/${p}/`))).toEqual([]);
    }
  });
});
