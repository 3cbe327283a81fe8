import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { directQuery } from '../database/direct-query.js';

/**
 * `manager.insert(Entity, row)` for a row that sets every column, with the SQL written once.
 * TypeORM's insert builds its query anew on every call (the largest TypeORM cost of `POST
 * /v1/sessions`); values go through the driver as its insert does (booleans, dates, column
 * transformers). A row that leaves a column undefined (a database default) takes TypeORM's
 * own path.
 */
export class EntityInsertWriter<T extends ObjectLiteral> {
  private compiled: { sql: string; columns: ColumnMetadata[] } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<T>,
  ) {}

  async insert(manager: EntityManager, row: T): Promise<void> {
    const statement = this.statementFor(row);
    if (statement) await directQuery(manager, statement.sql, statement.values);
    else await manager.insert(this.entity, row);
  }

  /** The INSERT of `row` and its values, or null when it leaves a column undefined (use insert()). */
  statementFor(row: T): { sql: string; values: unknown[] } | null {
    const { sql, columns } = this.compile();
    const driver = this.dataSource.driver;
    const values: unknown[] = [];
    for (const column of columns) {
      const value: unknown = column.getEntityValue(row);
      if (value === undefined) return null;
      values.push(driver.preparePersistentValue(value, column));
    }
    return { sql, values };
  }

  /** Deferred to the first call: the metadata exists once the data source is initialized. */
  private compile(): { sql: string; columns: ColumnMetadata[] } {
    if (this.compiled) return this.compiled;
    const metadata = this.dataSource.getMetadata(this.entity);
    const driver = this.dataSource.driver;
    const columns = metadata.columns.filter((c) => !c.isVirtual && !c.isGenerated && c.isInsert);
    const postgres = driver.options.type === 'postgres';
    const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const placeholders = columns.map((_, i) => (postgres ? `$${i + 1}` : '?')).join(', ');
    this.compiled = { sql: `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES (${placeholders})`, columns };
    return this.compiled;
  }
}
