import type { ApiKeyRecord } from '../../auth/api-key-rules.js';
import type { Organization } from '../../organizations/entities/organization.entity.js';
import type { Row, SqlConnection } from './sql-connection.js';
import { markers } from '../../database/sql-placeholders.js';

/**
 * How a column is stored, as the entities' TypeORM mapping does it on both drivers: strings as
 * they are; booleans as 0/1 on SQLite; timestamps as epoch milliseconds in a BIGINT
 * (TimestampColumn; PostgreSQL returns it as a string); JSON as text (JsonTextColumn).
 */
export type ColumnKind = 'string' | 'boolean' | 'epoch-ms' | 'json';

export interface ColumnMap {
  name: string;
  kind: ColumnKind;
  nullable?: true;
}

/**
 * The columns of an entity's table, for the CLI's own SQL. Every property of the record must
 * be listed (the type says so), and test/admin-sql.e2e-spec.ts holds each map equal to the
 * entity's TypeORM metadata, so a column change cannot leave the CLI behind unnoticed.
 */
export interface TableMap<T> {
  table: string;
  primary: keyof T & string;
  columns: { [K in keyof T]-?: ColumnMap };
}

export const ORGANIZATIONS: TableMap<Organization> = {
  table: 'organizations',
  primary: 'id',
  columns: {
    id: { name: 'id', kind: 'string' },
    name: { name: 'name', kind: 'string' },
    createdAt: { name: 'created_at', kind: 'epoch-ms' },
    updatedAt: { name: 'updated_at', kind: 'epoch-ms' },
  },
};

export const API_KEYS: TableMap<ApiKeyRecord> = {
  table: 'api_keys',
  primary: 'id',
  columns: {
    id: { name: 'id', kind: 'string' },
    organizationId: { name: 'organization_id', kind: 'string' },
    name: { name: 'name', kind: 'string' },
    livemode: { name: 'livemode', kind: 'boolean' },
    scopes: { name: 'scopes', kind: 'json' },
    enabled: { name: 'enabled', kind: 'boolean' },
    keyPrefix: { name: 'key_prefix', kind: 'string' },
    keyHash: { name: 'key_hash', kind: 'string' },
    lastUsedAt: { name: 'last_used_at', kind: 'epoch-ms', nullable: true },
    revokedAt: { name: 'revoked_at', kind: 'epoch-ms', nullable: true },
    createdAt: { name: 'created_at', kind: 'epoch-ms' },
    updatedAt: { name: 'updated_at', kind: 'epoch-ms' },
  },
};

const quote = (identifier: string): string => `"${identifier}"`;

function entries<T>(map: TableMap<T>): Array<[keyof T & string, ColumnMap]> {
  return Object.entries(map.columns) as Array<[keyof T & string, ColumnMap]>;
}

function toDatabase(column: ColumnMap, value: unknown, dialect: SqlConnection['dialect']): unknown {
  if (value == null) return null;
  switch (column.kind) {
    case 'boolean':
      return dialect === 'sqlite' ? (value ? 1 : 0) : value;
    case 'epoch-ms':
      return (value as Date).getTime();
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

function fromDatabase(column: ColumnMap, value: unknown): unknown {
  if (value == null) return null;
  switch (column.kind) {
    case 'boolean':
      return Boolean(value);
    case 'epoch-ms':
      return new Date(Number(value));
    case 'json':
      return JSON.parse(value as string);
    default:
      return value;
  }
}

/** `SELECT <every column> FROM <table> <tail>` as records; `tail` names columns and uses `?`. */
export async function selectRecords<T>(connection: SqlConnection, map: TableMap<T>, tail: string, parameters: unknown[]): Promise<T[]> {
  const columns = entries(map);
  const sql = `SELECT ${columns.map(([, c]) => quote(c.name)).join(', ')} FROM ${quote(map.table)} ${tail}`;
  const rows = await connection.query(sql, parameters);
  return rows.map((row: Row) => {
    const record: Record<string, unknown> = {};
    for (const [property, column] of columns) record[property] = fromDatabase(column, row[column.name]);
    return record as T;
  });
}

/**
 * The record whose primary key is `id`. `forUpdate` locks its row on PostgreSQL for the rest
 * of the transaction, so two commands changing one key apply their rules one after the other
 * (on SQLite, BEGIN IMMEDIATE already serializes writers).
 */
export async function findRecord<T>(
  connection: SqlConnection,
  map: TableMap<T>,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<T | null> {
  const forUpdate = options.forUpdate && connection.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const [record] = await selectRecords(connection, map, `WHERE ${quote(map.columns[map.primary].name)} = ?${forUpdate}`, [id]);
  return record ?? null;
}

export async function insertRecord<T>(connection: SqlConnection, map: TableMap<T>, record: T): Promise<void> {
  const columns = entries(map);
  const sql = `INSERT INTO ${quote(map.table)} (${columns.map(([, c]) => quote(c.name)).join(', ')}) VALUES (${markers(columns.length)})`;
  await connection.query(
    sql,
    columns.map(([property, column]) => toDatabase(column, record[property], connection.dialect)),
  );
}

/** Writes `changes` to the record whose primary key is `id`. */
export async function updateRecord<T>(connection: SqlConnection, map: TableMap<T>, id: string, changes: Partial<T>): Promise<void> {
  const columns = entries(map).filter(([property]) => Object.hasOwn(changes, property));
  const sql = `UPDATE ${quote(map.table)} SET ${columns.map(([, c]) => `${quote(c.name)} = ?`).join(', ')} WHERE ${quote(map.columns[map.primary].name)} = ?`;
  await connection.query(sql, [...columns.map(([property, column]) => toDatabase(column, changes[property], connection.dialect)), id]);
}
