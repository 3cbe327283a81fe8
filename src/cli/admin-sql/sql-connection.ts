/**
 * The admin CLI's port to the database: raw statements, one connection, no TypeORM (loading
 * it and Nest took most of a command's 2 s). One adapter per driver, each in its own file.
 */
export type Row = Record<string, unknown>;

export interface SqlConnection {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs one statement written with `?` placeholders; returns its rows (none for writes). */
  query(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs `work` in one transaction that writes: BEGIN IMMEDIATE on SQLite, so it waits for a
   * running server's writes (busy_timeout) instead of failing at its first write.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
