import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { ApiKey } from '../dist/src/auth/entities/api-key.entity.js';
import { newApiKey } from '../dist/src/auth/api-key-rules.js';
import { API_KEYS, findRecord, insertRecord, ORGANIZATIONS, selectRecords, type TableMap } from '../dist/src/cli/admin-sql/admin-tables.js';
import { openAdminDatabase } from '../dist/src/cli/admin-sql/open-admin-database.js';
import type { SqlConnection } from '../dist/src/cli/admin-sql/sql-connection.js';
import { loadSettings } from '../dist/src/config/app.config.js';
import { buildDataSourceOptions } from '../dist/src/database/data-source-options.js';
import { epochMsTransformer } from '../dist/src/database/columns.js';
import { openDataSource } from '../dist/src/database/migrate.js';
import { Organization } from '../dist/src/organizations/entities/organization.entity.js';
import { newOrganization } from '../dist/src/organizations/organization-rules.js';
import { TEST_SERVER_SECRET } from './helpers/app.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

/*
 * The admin CLI writes its own SQL (src/cli/admin-sql/) to boot without TypeORM. Its table maps
 * must say what the entities' TypeORM metadata says, and what it writes and reads must be what
 * TypeORM writes and reads, on either driver (SQLite, or PostgreSQL with TEST_DATABASE_URL).
 */

/** The map's kind for a column, from how the entity declares it (src/database/columns.ts). */
function kindOf(column: ColumnMetadata): string {
  const type = String(column.type);
  if (type === 'bigint' && column.transformer === epochMsTransformer) return 'epoch-ms';
  if (type === 'boolean' && !column.transformer) return 'boolean';
  if (type === 'text' && column.transformer) return 'json';
  if ((type === 'varchar' || type === 'text') && !column.transformer) return 'string';
  return `unmapped ${type}`;
}

describe('the admin CLI SQL against the TypeORM entities', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let connection: SqlConnection;

  beforeAll(async () => {
    db = await createTestDatabase();
    const settings = loadSettings({ SERVER_SECRET: TEST_SERVER_SECRET, DATABASE_URL: db.url });
    // The CLI's own opening creates the schema through TypeORM on a fresh database.
    connection = await openAdminDatabase(settings.database);
    dataSource = await openDataSource({ ...buildDataSourceOptions(settings), migrationsRun: false });
  });
  afterAll(async () => {
    await connection?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await db.drop();
  });

  const cases: Array<[string, TableMap<any>, typeof Organization | typeof ApiKey]> = [
    ['organizations', ORGANIZATIONS, Organization],
    ['api_keys', API_KEYS, ApiKey],
  ];

  it.each(cases)('maps every column of %s as the entity does: name, storage and nullability', (_, map, entity) => {
    const metadata = dataSource.getMetadata(entity);
    expect(map.table).toBe(metadata.tableName);
    expect(metadata.primaryColumns.map((c) => c.propertyName)).toEqual([map.primary]);
    const fromEntity = metadata.columns
      .filter((c) => !c.isVirtual)
      .map((c) => [c.propertyName, { name: c.databaseName, kind: kindOf(c), nullable: c.isNullable }]);
    const fromMap = Object.entries(map.columns).map(([property, c]: [string, any]) => [
      property,
      { name: c.name, kind: c.kind, nullable: c.nullable === true },
    ]);
    expect(Object.fromEntries(fromMap)).toEqual(Object.fromEntries(fromEntity));
  });

  it('writes rows TypeORM reads back equal: an organization and keys with booleans, JSON, null and set times', async () => {
    const org = newOrganization('  Acme  ');
    await insertRecord(connection, ORGANIZATIONS, org);
    expect({ ...(await dataSource.manager.findOneByOrFail(Organization, { id: org.id })) }).toEqual(org);

    const live = newApiKey({ organizationId: org.id, name: 'Backend' }, TEST_SERVER_SECRET).record;
    const test = newApiKey({ organizationId: org.id, name: 'CI', livemode: false, scopes: ['webhooks:read'] }, TEST_SERVER_SECRET).record;
    Object.assign(test, { enabled: false, lastUsedAt: new Date(Date.now() - 60_000), revokedAt: new Date() });
    for (const key of [live, test]) {
      await insertRecord(connection, API_KEYS, key);
      expect({ ...(await dataSource.manager.findOneByOrFail(ApiKey, { id: key.id })) }).toEqual(key);
    }
  });

  it('reads rows TypeORM wrote as TypeORM reads them', async () => {
    const org = Object.assign(new Organization(), newOrganization('Globex'));
    await dataSource.manager.insert(Organization, org);
    const key = Object.assign(new ApiKey(), newApiKey({ organizationId: org.id, name: 'Ops', livemode: false }, TEST_SERVER_SECRET).record, {
      enabled: false,
      lastUsedAt: new Date(Date.now() - 120_000),
      revokedAt: new Date(),
    });
    await dataSource.manager.insert(ApiKey, key);

    expect(await findRecord(connection, ORGANIZATIONS, org.id)).toEqual({ ...(await dataSource.manager.findOneByOrFail(Organization, { id: org.id })) });
    const typeorm = await dataSource.manager.find(ApiKey, { where: { organizationId: org.id }, order: { createdAt: 'DESC', id: 'DESC' } });
    const compiled = await selectRecords(connection, API_KEYS, 'WHERE "organization_id" = ? ORDER BY "created_at" DESC, "id" DESC', [org.id]);
    expect(compiled).toEqual(typeorm.map((row) => ({ ...row })));
    expect(compiled[0]).toMatchObject({ livemode: false, enabled: false, scopes: key.scopes });
    expect(await findRecord(connection, API_KEYS, 'no-such-key')).toBeNull();
  });
});
