import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { directQuery, sqliteConnectionOf } from './direct-query.js';
import { SqliteGroupCommit } from './group-commit.js';
import { FifoRwLock } from './rw-lock.js';
import { beginSqliteTransactionsImmediately } from './sqlite-immediate.js';

/**
 * The one place that opens transactions. Services run every write through
 * `transaction()` and every read through `read()`, so SQLite's single shared
 * connection never interleaves two units of work.
 */
@Injectable()
export class DatabaseService {
  private readonly lock: FifoRwLock | null;
  private readonly groupCommit: SqliteGroupCommit | null;

  constructor(readonly dataSource: DataSource) {
    this.lock = dataSource.options.type === 'better-sqlite3' ? new FifoRwLock() : null;
    if (this.lock) beginSqliteTransactionsImmediately(dataSource);
    this.groupCommit = this.lock
      ? new SqliteGroupCommit(this.lock, () => {
          const connection = sqliteConnectionOf(dataSource.manager);
          if (!connection) throw new Error('The SQLite connection is not open.');
          return connection;
        })
      : null;
  }

  get driver(): 'sqlite' | 'postgres' {
    return this.lock ? 'sqlite' : 'postgres';
  }

  /** Runs `work` in one transaction; on SQLite, after every earlier transaction ended. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.lock) return this.dataSource.transaction(work);
    return this.lock.exclusive(() => this.dataSource.transaction(work));
  }

  /**
   * Runs a single-statement write (atomic by itself) without BEGIN/COMMIT round trips; on
   * SQLite still exclusively, so it never lands inside another request's transaction.
   */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.lock) return work(this.dataSource.manager);
    return this.lock.exclusive(() => work(this.dataSource.manager));
  }

  /**
   * Runs one statement (SQL written once, `?` placeholders on SQLite, `$n` on PostgreSQL)
   * that is atomic by itself and depends on no read. On SQLite its commit may be shared with
   * other such writes issued at the same moment (see SqliteGroupCommit); the promise settles
   * once it is committed, with its own error if it failed.
   */
  writeStatement(sql: string, parameters: unknown[]): Promise<void> {
    if (!this.groupCommit) return directQuery(this.dataSource.manager, sql, parameters).then(() => undefined);
    return this.groupCommit.run(sql, parameters);
  }

  /** Runs read-only `work` outside a transaction, never inside another one's on SQLite. */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.lock) return work(this.dataSource.manager);
    return this.lock.shared(() => work(this.dataSource.manager));
  }

  /** True when the database answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      await this.read((m) => directQuery(m, 'SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }
}
