import type { DataSourceOptions } from 'typeorm';
import type { AppSettings } from '../config/app.config.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

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
    prepareDatabase: (conn: { pragma: (sql: string) => unknown }) => {
      // NORMAL in WAL mode survives a process crash; only an OS crash or power loss can
      // drop the last commits. FULL also syncs every commit, at a cost in write speed.
      conn.pragma(`synchronous = ${db.synchronous}`);
      conn.pragma(`busy_timeout = ${db.busyTimeoutMs}`);
    },
  };
}
