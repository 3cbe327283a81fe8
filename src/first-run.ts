import { Logger, type INestApplicationContext } from '@nestjs/common';
import { ApiKeysService } from './auth/api-keys.service.js';
import type { AppSettings } from './config/app.config.js';
import { OrganizationsService } from './organizations/organizations.service.js';

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
  const apiKeys = app.get(ApiKeysService);
  const org = await app.get(OrganizationsService).create('Default');
  const live = await apiKeys.create({ organizationId: org.id, name: 'Default live key', livemode: true });
  const test = await apiKeys.create({ organizationId: org.id, name: 'Default test key', livemode: false });
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
