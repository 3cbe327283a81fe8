import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { directChanges } from '../database/direct-query.js';
import { numbered } from '../database/sql-placeholders.js';
import { storedValue } from './entity-reader.js';

/**
 * SQL written with `?` placeholders, numbered `$1…` for PostgreSQL once, not per call.
 * TypeORM's builders re-escape their SQL on every call and, on SQLite, write numbers and
 * booleans into the text (every timestamp made a new statement for SQLite to prepare).
 */
export function placeholders(dataSource: DataSource, sql: string, first = 1): string {
  return dataSource.options.type === 'postgres' ? numbered(sql, first) : sql;
}

/**
 * `UPDATE <table> SET <properties> WHERE <where>` for a fixed list of properties, with the
 * SQL written once. Values are stored the way TypeORM's update stores them (booleans,
 * dates, column transformers); `where` names database columns and takes its parameters as
 * `?`, stored values (see `value()`). `run()` answers how many rows changed, so a
 * conditional update (`… AND status IN (…)`) tells whether this call made the transition.
 */
export class EntityUpdate<T extends ObjectLiteral, K extends keyof T & string> {
  private compiled: { sql: string; columns: ColumnMetadata[] } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<T>,
    private readonly properties: readonly K[],
    private readonly where: string,
  ) {}

  async run(manager: EntityManager, values: Pick<T, K>, whereParameters: readonly unknown[]): Promise<number> {
    const { sql, columns } = this.compile();
    const driver = this.dataSource.driver;
    const parameters = columns.map((column, i) => driver.preparePersistentValue(values[this.properties[i]], column));
    parameters.push(...whereParameters);
    return directChanges(manager, sql, parameters);
  }

  /** `value` as the driver stores it in the column of `propertyName`. */
  value(propertyName: keyof T & string, value: unknown): unknown {
    return storedValue(this.dataSource, this.entity, propertyName, value);
  }

  /** Deferred to the first call: the metadata exists once the data source is initialized. */
  private compile(): { sql: string; columns: ColumnMetadata[] } {
    if (this.compiled) return this.compiled;
    const metadata = this.dataSource.getMetadata(this.entity);
    const driver = this.dataSource.driver;
    const columns = this.properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column for ${property}`);
      return column;
    });
    const sets = columns.map((c, i) => `${driver.escape(c.databaseName)} = ${placeholders(this.dataSource, '?', i + 1)}`).join(', ');
    const where = placeholders(this.dataSource, this.where, columns.length + 1);
    this.compiled = { sql: `UPDATE ${driver.escape(metadata.tableName)} SET ${sets} WHERE ${where}`, columns };
    return this.compiled;
  }
}
