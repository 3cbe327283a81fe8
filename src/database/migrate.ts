import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * The key of the PostgreSQL advisory lock held while migrations run (§9.5): any constant
 * shared by every Passline instance; "pass" in ASCII.
 */
export const MIGRATION_LOCK_KEY = 0x70617373;

/**
 * Opens a DataSource and, when `options.migrationsRun` says so, applies pending migrations.
 * TypeORM's own `migrationsRun` has no lock: instances booting together on one PostgreSQL
 * each saw the same pending migrations, one failed on the other's tables and restarted.
 * Here every instance (and the CLI) waits for a session advisory lock first, then finds the
 * migrations applied by whoever went before it and has nothing left to do.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  if (!options.migrationsRun) return dataSource;
  try {
    await runMigrationsExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

/** Runs pending migrations, under the advisory lock on PostgreSQL. */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  // SQLite serializes writers on the file itself, and each migration is its own transaction.
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
