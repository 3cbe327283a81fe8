import type { DataSourceOptions } from 'typeorm';
import type { AppSettings } from '../config/app.config.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/**
 * The main connection's own automatic checkpoint, kept only as a safety net should the
 * worker of SqliteCheckpointer fall behind: 10,000 pages (~40 MB of WAL) instead of
 * SQLite's 1,000.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

/** The one options factory behind the app, the tests, the CLI and ormconfig.ts. */
export function buildDataSourceOptions(settings: Pick<AppSettings, 'database'>): DataSourceOptions {
  const db = settings.database;
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: db.migrationsRun,
    migrationsTransactionMode: 'each' as const,
    logging: false as const,
  };
  if (db.driver === 'postgres') {
    return { ...common, type: 'postgres', url: db.url, extra: { max: 10 } };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    enableWAL: true,
    timeout: db.busyTimeoutMs,
    // TypeORM keeps 100 prepared statements, first in first out; the app issues a few hundred
    // distinct ones, so under load it re-prepared statements all the time (a CPU profile of
    // the soak showed ~5% of the server's time in prepare). All of them fit in 2000.
    statementCacheSize: 2000,
    prepareDatabase: (conn: { pragma: (sql: string) => unknown }) => {
      // NORMAL in WAL mode survives a process crash; only an OS crash or power loss can
      // drop the last commits. FULL also syncs every commit, at a cost in write speed.
      conn.pragma(`synchronous = ${db.synchronous}`);
      conn.pragma(`busy_timeout = ${db.busyTimeoutMs}`);
      // Checkpoints run in a worker (SqliteCheckpointer); this one is the safety net.
      conn.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    },
  };
}
