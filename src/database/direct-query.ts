import type { Database, Statement } from 'better-sqlite3';
import { QueryFailedError, type EntityManager } from 'typeorm';

/** Statements kept per connection; the SQL written once in this code base is a few dozen strings. */
const STATEMENT_CACHE_MAX = 500;
const statements = new WeakMap<Database, Map<string, Statement>>();
/** The same, in raw mode (rows as arrays): a statement's mode is its own, so each mode has its own. */
const rawStatements = new WeakMap<Database, Map<string, Statement>>();

/**
 * `manager.query(sql, parameters)` for SQL written once (EntityReader, EntityInsertWriter,
 * the health ping).
 * On SQLite it runs the statement on better-sqlite3's connection itself:
 * TypeORM's `query()` makes a query runner, a broadcaster and four promises around a call
 * that is synchronous underneath (a tenth of a list's CPU, a twentieth of a read's). Its
 * connection is the only one (a transaction's statements run on it too), parameters are
 * bound as TypeORM binds them (booleans as 0/1), a failure is the same QueryFailedError,
 * and the result has the same shape: rows for a reader, otherwise the last insert row id.
 * On PostgreSQL it is `manager.query()`.
 */
export function directQuery(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<unknown> {
  const connection = sqliteConnectionOf(manager);
  if (!connection) return manager.query(sql, parameters);
  try {
    return Promise.resolve(querySqlite(connection, sql, parameters));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * A SELECT's rows as arrays of values in the order of its columns: on SQLite without the
 * object better-sqlite3 builds per row (most of the cost of reading a page of sessions,
 * beyond the lookups themselves); on PostgreSQL from the rows `manager.query()` returns.
 */
export async function directQueryValues(manager: EntityManager, sql: string, parameters: unknown[], columnNames: string[]): Promise<unknown[][]> {
  const connection = sqliteConnectionOf(manager);
  if (!connection) {
    const rows = (await manager.query(sql, parameters)) as Array<Record<string, unknown>>;
    return rows.map((row) => columnNames.map((name) => row[name]));
  }
  return querySqlite(connection, sql, parameters, true) as unknown[][];
}

/**
 * An UPDATE or DELETE written once, answering how many rows it changed (a conditional
 * update tells by it whether this call made a transition). On PostgreSQL it runs on the
 * manager's query runner (its transaction's, if any), asking for the structured result: the
 * only one that carries the count.
 */
export async function directChanges(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const connection = sqliteConnectionOf(manager);
  if (connection) {
    const bound = parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
    try {
      return prepared(connection, sql, false).run(...bound).changes;
    } catch (err) {
      throw new QueryFailedError(sql, bound, err as Error);
    }
  }
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    return (await runner.query(sql, parameters, true)).affected ?? 0;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** An SQL boolean as a row holds it: SQLite answers 0/1, PostgreSQL true/false. */
export function isSqlTrue(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

/** `directQuery` on a better-sqlite3 connection, synchronously; throws a QueryFailedError. */
export function querySqlite(connection: Database, sql: string, parameters: unknown[], raw = false): unknown {
  const bound = parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
  try {
    const statement = prepared(connection, sql, raw);
    return statement.reader ? statement.all(...bound) : statement.run(...bound).lastInsertRowid;
  } catch (err) {
    throw new QueryFailedError(sql, bound, err as Error);
  }
}

/** better-sqlite3's connection behind a TypeORM data source on SQLite, else undefined. */
export function sqliteConnectionOf(manager: EntityManager): Database | undefined {
  const driver = manager.connection.driver as { options: { type: string }; databaseConnection?: Database };
  return driver.options.type === 'better-sqlite3' ? driver.databaseConnection : undefined;
}

function prepared(connection: Database, sql: string, raw: boolean): Statement {
  const caches = raw ? rawStatements : statements;
  let cache = caches.get(connection);
  if (!cache) {
    cache = new Map();
    caches.set(connection, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
    statement = connection.prepare(sql);
    if (raw) statement.raw(true);
    cache.set(sql, statement);
  }
  return statement;
}
