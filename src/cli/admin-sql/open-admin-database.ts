import type { DatabaseConfig } from '../../config/settings.js';
import { MIGRATION_NAMES } from '../../database/migrations/names.js';
import type { SqlConnection } from './sql-connection.js';

/** Opens the driver's connection; each adapter (and its driver) loads only when chosen. */
async function connect(database: DatabaseConfig): Promise<SqlConnection> {
  if (database.driver === 'postgres') {
    return (await import('./postgres-connection.js')).openPostgresConnection(database.url);
  }
  return (await import('./sqlite-connection.js')).openSqliteConnection(database);
}

/** True when the `migrations` table lists every migration this code ships. */
async function migrated(connection: SqlConnection): Promise<boolean> {
  const rows = await connection.query('SELECT "name" FROM "migrations"');
  const applied = new Set(rows.map((row) => row.name));
  return MIGRATION_NAMES.every((name) => applied.has(name));
}

/**
 * The server's migrations through TypeORM, as the server runs them (under the advisory lock on
 * PostgreSQL); it also creates a missing SQLite file and its folder. Loaded only when needed:
 * TypeORM and the entities cost about a second.
 */
async function migrate(database: DatabaseConfig): Promise<void> {
  const [{ openDataSource }, { buildDataSourceOptions }] = await Promise.all([
    import('../../database/migrate.js'),
    import('../../database/data-source-options.js'),
  ]);
  const dataSource = await openDataSource({ ...buildDataSourceOptions({ database }), migrationsRun: true });
  await dataSource.destroy();
}

/**
 * A connection to an up-to-date database (§2.6: the CLI applies pending migrations first,
 * whatever DB_MIGRATIONS_RUN says). The usual case reads the applied migration names and goes
 * on; a missing file or table, a pending migration, or any failure of that first look hands over
 * to TypeORM, which then reports a failure as the server would.
 */
export async function openAdminDatabase(database: DatabaseConfig): Promise<SqlConnection> {
  let connection: SqlConnection | null = null;
  try {
    connection = await connect(database);
    if (await migrated(connection)) return connection;
  } catch {
    // TypeORM below creates what is missing or reports what is wrong.
  }
  await connection?.close().catch(() => undefined);
  await migrate(database);
  return connect(database);
}
