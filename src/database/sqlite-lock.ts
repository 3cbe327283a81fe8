import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/env.validation.js';

export interface ServerLock {
  release(): void;
}

/**
 * SQLite serves one server process per database file: our transaction lock lives in
 * process memory. The lock is an exclusive SQLite transaction on a side file, so the
 * operating system drops it when the process dies, even on kill -9.
 */
export function acquireSqliteServerLock(databasePath: string): ServerLock {
  mkdirSync(dirname(databasePath), { recursive: true });
  const lockPath = `${databasePath}.lock`;
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch {
    lock.close();
    throw new ConfigError(
      `Another Passline server is already running on ${databasePath}. SQLite serves one server process per database file; stop the other one, or use PostgreSQL (DATABASE_URL=postgres://...) to run several instances.`,
    );
  }
  // The listener also keeps the connection reachable: once garbage-collected, better-sqlite3 closes it and the lock is gone.
  process.once('exit', () => lock.close());
  return {
    release: () => {
      try {
        lock.exec('ROLLBACK');
      } finally {
        lock.close();
      }
    },
  };
}
