import type { Database } from 'better-sqlite3';
import { querySqlite } from './direct-query.js';
import type { FifoRwLock } from './rw-lock.js';

type Pending = { sql: string; parameters: unknown[]; resolve: () => void; reject: (err: unknown) => void };

/**
 * Group commit for single-statement writes on SQLite. Writes issued in the same turn of
 * the event loop share one `BEGIN IMMEDIATE … COMMIT` (one WAL commit, one turn of the
 * FIFO lock) instead of one each: under load most of a create's database cost was its
 * own commit. Each write still fails alone: a statement that fails inside the transaction
 * is rolled back by itself (SQLite's statement journal) and its caller gets the error,
 * while the others commit. If the transaction as a whole fails, every caller gets that.
 * A caller's promise settles only once its write is committed.
 */
export class SqliteGroupCommit {
  private queue: Pending[] = [];

  constructor(
    private readonly lock: FifoRwLock,
    private readonly connection: () => Database,
  ) {}

  run(sql: string, parameters: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ sql, parameters, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    await this.lock.exclusive(async () => {
      const connection = this.connection();
      if (batch.length === 1) {
        const [only] = batch;
        try {
          querySqlite(connection, only.sql, only.parameters);
          only.resolve();
        } catch (err) {
          only.reject(err);
        }
        return;
      }
      const failures = new Map<Pending, unknown>();
      try {
        connection
          .transaction(() => {
            for (const item of batch) {
              try {
                querySqlite(connection, item.sql, item.parameters);
              } catch (err) {
                failures.set(item, err);
              }
            }
          })
          .immediate();
      } catch (err) {
        for (const item of batch) item.reject(failures.get(item) ?? err);
        return;
      }
      for (const item of batch) {
        if (failures.has(item)) item.reject(failures.get(item));
        else item.resolve();
      }
    });
  }
}
