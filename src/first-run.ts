import { Logger, type INestApplicationContext } from '@nestjs/common';
import { ApiKeysService } from './auth/api-keys.service.js';
import type { AppSettings } from './config/app.config.js';
import { OrganizationsService } from './organizations/organizations.service.js';

/**
 * A newcomer's first `npm start` on an empty database: an organization named "Default"
 * with a live and a test key (all scopes), printed once. Never again once any
 * organization exists. Never in production (§9.5): keys would land in the log collector,
 * so the log says how to create them with the CLI instead.
 */
export async function announceFirstRun(app: INestApplicationContext, settings: AppSettings): Promise<boolean> {
  const organizations = app.get(OrganizationsService);
  if ((await organizations.count()) > 0) return false;
  if (settings.isProduction) {
    new Logger('Passline').log(
      'No organization yet. Create one and its API keys with the admin CLI: ' +
        'npm run cli -- orgs create --name <name>, then npm run cli -- api-keys create --org <organization id> --name <name> [--test].',
    );
    return false;
  }
  const apiKeys = app.get(ApiKeysService);
  const org = await organizations.create('Default');
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
  return true;
}
