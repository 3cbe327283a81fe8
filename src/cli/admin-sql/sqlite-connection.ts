import Database from 'better-sqlite3';
import type { Row, SqlConnection } from './sql-connection.js';

export interface SqliteConnectionOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
}

/**
 * An existing SQLite file (a missing one throws: creating it, its folder and its schema is
 * TypeORM's job, in openAdminDatabase). A server may be running on it: writes wait up to
 * busy_timeout for its lock.
 */
export function openSqliteConnection(options: SqliteConnectionOptions): SqlConnection {
  const db = new Database(options.path, { fileMustExist: true, timeout: options.busyTimeoutMs });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  db.pragma(`synchronous = ${options.synchronous}`);
  return {
    dialect: 'sqlite',
    query: async (sql, parameters = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...parameters) as Row[];
      statement.run(...parameters);
      return [];
    },
    transaction: async (work) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    close: async () => {
      db.close();
    },
  };
}
