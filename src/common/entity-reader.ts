import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
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
  /** `SELECT <columns>`, `FROM <table>`, and the two joined. */
  columnList: string;
  from: string;
  select: string;
  byId: string;
  /** Per column: the value through the driver (booleans, transformers) into the entity. */
  setters: Array<(entity: ObjectLiteral, value: unknown) => void>;
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
  /**
   * The SQL of each tail `select` was given: built and numbered once, not per call. Tails are
   * written in code (values go in parameters), so they are a small fixed set: an IN list's
   * markers vary with its length only, up to the batch that builds it.
   */
  private readonly selects = new Map<string, string>();
  /** The same for `selectWith`: its SQL and the names of the values a row holds. */
  private readonly selectsWith = new Map<string, { sql: string; names: string[] }>();

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

  /**
   * `select` with one more value per row after the entity's columns: `expression` (SQL with
   * its own `?` parameters, which come first in `parameters`), read as `alias`. One statement
   * where a question about the same rows would otherwise be a second one.
   */
  async selectWith(
    manager: EntityManager,
    expression: string,
    alias: string,
    tail: string,
    parameters: unknown[],
  ): Promise<Array<{ entity: Omit<T, Omitted>; extra: unknown }>> {
    const { columnList, from, postgres, names } = this.compile();
    const key = `${expression}\u0000${alias}\u0000${tail}`;
    let compiled = this.selectsWith.get(key);
    if (!compiled) {
      const sql = `${columnList}, ${expression} AS ${this.dataSource.driver.escape(alias)} ${from} ${tail}`;
      compiled = { sql: postgres ? numbered(sql) : sql, names: [...names, alias] };
      this.selectsWith.set(key, compiled);
    }
    const rows = await directQueryValues(manager, compiled.sql, parameters, compiled.names);
    return rows.map((row) => ({ entity: this.hydrate(row), extra: row[names.length] }));
  }

  /** `value` as the driver stores it in the column of `propertyName`. */
  value(propertyName: string, value: unknown): unknown {
    return storedValue(this.dataSource, this.entity, propertyName, value);
  }

  /** `values` in the order of the compiled columns. */
  private hydrate(values: unknown[]): Omit<T, Omitted> {
    const { metadata, setters } = this.compile();
    const entity = metadata.create(undefined, { fromDeserializer: true }) as ObjectLiteral;
    for (let i = 0; i < setters.length; i++) {
      const value = values[i];
      if (value !== undefined) setters[i](entity, value);
    }
    return entity as Omit<T, Omitted>;
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
    const columnList = `SELECT ${columns.map((c) => driver.escape(c.databaseName)).join(', ')}`;
    const from = `FROM ${driver.escape(metadata.tableName)}`;
    const select = `${columnList} ${from}`;
    const byId = `${select} WHERE ${driver.escape(metadata.primaryColumns[0].databaseName)} = ${postgres ? '$1' : '?'} LIMIT 1`;
    // What `column.setEntityValue` does, decided once per column rather than per value: only
    // a column inside an embedded needs its walk (read columns are never virtual).
    const setters = columns.map((column) => {
      const property = column.propertyName;
      return column.embeddedMetadata
        ? (entity: ObjectLiteral, value: unknown) => column.setEntityValue(entity, driver.prepareHydratedValue(value, column))
        : (entity: ObjectLiteral, value: unknown) => {
            entity[property] = driver.prepareHydratedValue(value, column);
          };
    });
    this.compiled = { metadata, names: columns.map((c) => c.databaseName), columnList, from, select, byId, setters, postgres };
    return this.compiled;
  }
}
