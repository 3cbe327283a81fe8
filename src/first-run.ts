import { Logger, type INestApplicationContext } from '@nestjs/common';
import { ApiKeysService } from './auth/api-keys.service.js';
import { ApiKey } from './auth/entities/api-key.entity.js';
import type { AppSettings } from './config/app.config.js';
import { DatabaseService } from './database/database.service.js';
import { Organization } from './organizations/entities/organization.entity.js';
import { OrganizationsService } from './organizations/organizations.service.js';

/**
 * The PostgreSQL advisory lock (transaction-scoped) under which a starting instance checks for
 * an empty database and seeds it: instances booting together would otherwise each count zero
 * organizations and each create a "Default". "frst" in ASCII.
 */
export const FIRST_RUN_LOCK_KEY = 0x66727374;

/**
 * What a person starting the server needs next. On the first start (an empty database)
 * outside production: an organization named "Default" with a live and a test key (all
 * scopes), printed once; in production, how to create them with the CLI.
 * On every later start: one line with the docs URL and the command that mints a key.
 */
export async function announceStart(app: INestApplicationContext, settings: AppSettings): Promise<void> {
  const organizations = app.get(OrganizationsService);
  const count = await organizations.count();
  if (count === 0 && settings.isProduction) {
    // §9.5: a production log is collected and kept; no key may ever be written to it.
    new Logger('Passline').log(
      'No organization yet. Create one and its first API key with the admin CLI: npm run cli -- orgs create --name <name>, ' +
        `then npm run cli -- api-keys create --org <org id> --name <name> [--test]. API docs: ${settings.publicBaseUrl}/docs`,
    );
    return;
  }
  if (count === 0) return announceFirstRun(app, settings);
  const org = count === 1 ? (await organizations.listAll())[0] : null;
  const mint = org
    ? `npm run --silent cli -- api-keys create --org ${org.id} --name <name> [--test]`
    : 'npm run --silent cli -- orgs list, then api-keys create --org <org id> --name <name> [--test]';
  new Logger('Passline').log(`API docs: ${settings.publicBaseUrl}/docs. New API key: ${mint}`);
}

async function announceFirstRun(app: INestApplicationContext, settings: AppSettings): Promise<void> {
  const db = app.get(DatabaseService);
  const organizations = app.get(OrganizationsService);
  const apiKeys = app.get(ApiKeysService);
  const seeded = await db.transaction(async (m) => {
    // SQLite's write transactions begin IMMEDIATE and so are serialized already.
    if (db.driver === 'postgres') await m.query('SELECT pg_advisory_xact_lock($1)', [FIRST_RUN_LOCK_KEY]);
    if ((await m.count(Organization)) > 0) return null;
    const org = organizations.build('Default');
    const live = apiKeys.build({ organizationId: org.id, name: 'Default live key', livemode: true });
    const test = apiKeys.build({ organizationId: org.id, name: 'Default test key', livemode: false });
    await m.insert(Organization, org);
    await m.insert(ApiKey, [live.apiKey, test.apiKey]);
    return { live, test };
  });
  // Another instance seeded the database between our count and our lock: it printed the keys.
  if (!seeded) return announceStart(app, settings);
  const { live, test } = seeded;
  const base = settings.publicBaseUrl;
  process.stdout.write(
    [
      '',
      'Passline is ready. First run: created the organization "Default" and two API keys.',
      'They are shown only this once; store them now.',
      `  live key: ${live.key}`,
      `  test key: ${test.key}`,
      `  Swagger UI: ${base}/docs`,
      `  try: curl -s -X POST ${base}/v1/sessions -H "Authorization: Bearer ${test.key}" -H "Content-Type: application/json" -d '{}'`,
      '',
      '',
    ].join('\n'),
  );
}
