import type { DataSource } from 'typeorm';

/**
 * Makes every TypeORM transaction on SQLite begin with BEGIN IMMEDIATE (§9.5).
 *
 * TypeORM begins with a deferred `BEGIN TRANSACTION`, so a transaction that reads first
 * holds a snapshot and upgrades to a writer at its first write. In WAL mode, if another
 * connection (the admin CLI, a second process) committed meanwhile, that upgrade fails at
 * once with SQLITE_BUSY ("database is locked") without waiting for the busy timeout:
 * waiting could not help, the snapshot is stale. Taking the write lock when the
 * transaction begins makes SQLite wait (busy_timeout) instead, and in this server every
 * transaction is a writer: reads go through DatabaseService.read() outside transactions.
 *
 * better-sqlite3 has a single query runner per DataSource (the driver caches it), so
 * rewriting its BEGIN covers every transaction, migrations included.
 */
export function beginSqliteTransactionsImmediately(dataSource: DataSource): void {
  const runner = dataSource.createQueryRunner();
  if ((runner as { beginsImmediately?: boolean }).beginsImmediately) return;
  const query = runner.query.bind(runner) as (sql: string, ...rest: unknown[]) => Promise<unknown>;
  runner.query = ((sql: string, ...rest: unknown[]) =>
    query(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql, ...rest)) as typeof runner.query;
  Object.assign(runner, { beginsImmediately: true });
}
