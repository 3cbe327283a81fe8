import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A fresh, empty database for one test app: a new SQLite file by default, or a new
 * PostgreSQL database when TEST_DATABASE_URL (postgres://…) is set, as in CI.
 */
export interface TestDatabase {
  url: string;
  driver: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export const testDriver = (): 'sqlite' | 'postgres' =>
  /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '') ? 'postgres' : 'sqlite';

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (base && testDriver() === 'postgres') {
    const name = `passline_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      driver: 'postgres',
      drop: async () => {
        const client = new pg.Client({ connectionString: base });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'passline-test-'));
  return {
    url: join(dir, 'passline.sqlite'),
    driver: 'sqlite',
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one query straight against a test database (SQLite read-only), outside any app. */
export async function queryDatabase<T>(db: TestDatabase, sql: string): Promise<T[]> {
  if (db.driver === 'postgres') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const conn = new Database(db.url, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

/** The number in the `n` column of a one-row query such as `SELECT COUNT(*) AS n FROM …`. */
export async function countRows(db: TestDatabase, sql: string): Promise<number> {
  const [row] = await queryDatabase<{ n: number | string }>(db, sql);
  return Number(row.n);
}
