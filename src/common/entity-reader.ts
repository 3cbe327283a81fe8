import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { directQueryValues } from '../database/direct-query.js';
import { numbered } from '../database/sql-placeholders.js';

/** `value` as the driver stores it in the column of `entity`'s `propertyName` (booleans, dates, transformers). */
export function storedValue<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, propertyName: string, value: unknown): unknown {
  const column = dataSource.getMetadata(entity).findColumnWithPropertyName(propertyName);
  if (!column) throw new Error(`No column for ${propertyName}`);
  return dataSource.driver.preparePersistentValue(value, column);
}

interface Compiled {
  metadata: EntityMetadata;
  /** Database names of `columns`, in the order `select` lists them. */
  names: string[];
  select: string;
  byId: string;
  columns: ColumnMetadata[];
  postgres: boolean;
}

/**
 * Reads whole entities with SQL written once. TypeORM builds, escapes and aliases a find's
 * or a query builder's SQL anew on every call (about a quarter of the CPU of `GET
 * /v1/sessions/:id` and of a list); rows are hydrated the way its own transformer does it:
 * every non-virtual column, through the driver (booleans, column transformers) into an
 * instance made by the entity's metadata.
 */
export class EntityReader<T extends ObjectLiteral, Omitted extends keyof T & string = never> {
  private compiled: Compiled | null = null;
  /** The SQL of each tail `select` was given: built and numbered once, not per call. */
  private readonly selects = new Map<string, string>();

  /**
   * `omit` leaves columns out of every read (a projection): the entities come back without
   * those properties, typed as such. A page of sessions has no use for the cancel token's
   * hash, and each column read costs on every row.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<T>,
    private readonly omit: readonly Omitted[] = [],
  ) {}

  /** `manager.findOne(Entity, { where: { id } })` for an entity with one primary column. */
  async findById(manager: EntityManager, id: string): Promise<Omit<T, Omitted> | null> {
    const { byId, names } = this.compile();
    const rows = await directQueryValues(manager, byId, [id], names);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  /**
   * Entities of `SELECT <every column> FROM <table> <tail>`. `tail` names database columns
   * and writes its parameters as `?` (numbered for PostgreSQL here); give parameter values
   * through `value()` where the driver stores them differently (booleans, dates).
   */
  async select(manager: EntityManager, tail: string, parameters: unknown[]): Promise<Array<Omit<T, Omitted>>> {
    const { select, postgres, names } = this.compile();
    let sql = this.selects.get(tail);
    if (sql === undefined) {
      sql = `${select} ${postgres ? numbered(tail) : tail}`;
      this.selects.set(tail, sql);
    }
    const rows = await directQueryValues(manager, sql, parameters, names);
    return rows.map((row) => this.hydrate(row));
  }

  /** `value` as the driver stores it in the column of `propertyName`. */
  value(propertyName: string, value: unknown): unknown {
    return storedValue(this.dataSource, this.entity, propertyName, value);
  }

  /** `values` in the order of the compiled columns. */
  private hydrate(values: unknown[]): Omit<T, Omitted> {
    const { metadata, columns } = this.compile();
    const entity = metadata.create(undefined, { fromDeserializer: true }) as T;
    const driver = this.dataSource.driver;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const value = values[i];
      if (value !== undefined) column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
    }
    return entity;
  }

  /** Deferred to the first call: the metadata exists once the data source is initialized. */
  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    const metadata = this.dataSource.getMetadata(this.entity);
    if (metadata.primaryColumns.length !== 1) throw new Error(`${metadata.name} needs exactly one primary column`);
    const driver = this.dataSource.driver;
    const omitted = new Set<string>(this.omit);
    const columns = metadata.columns.filter((c) => !c.isVirtual && !omitted.has(c.propertyName));
    const postgres = driver.options.type === 'postgres';
    const select = `SELECT ${columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${driver.escape(metadata.tableName)}`;
    const byId = `${select} WHERE ${driver.escape(metadata.primaryColumns[0].databaseName)} = ${postgres ? '$1' : '?'} LIMIT 1`;
    this.compiled = { metadata, names: columns.map((c) => c.databaseName), select, byId, columns, postgres };
    return this.compiled;
  }
}
