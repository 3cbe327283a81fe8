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
  /** Database names of the columns read, in the order the SELECT lists them. */
  names: string[];
  /** `SELECT <columns>` and `FROM <table>`. */
  columnList: string;
  from: string;
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
   * The SQL of each statement `select` was asked for, and the names of the
   * values its rows hold: built and numbered once, not per call. Tails are written in code
   * (values go in parameters), so they are a small fixed set: an IN list's markers vary with
   * its length only, up to the batch that builds it.
   */
  private readonly statements = new Map<string, { sql: string; names: string[] }>();

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
    const { sql, names } = this.statement(tail);
    const rows = await directQueryValues(manager, sql, parameters, names);
    return rows.map((row) => this.hydrate(row));
  }

  /** `SELECT <every column> FROM <table> <tail>`, numbered for PostgreSQL. */
  private statement(tail: string): { sql: string; names: string[] } {
    let statement = this.statements.get(tail);
    if (!statement) {
      const { columnList, from, postgres, names } = this.compile();
      const sql = `${columnList} ${from} ${tail}`;
      statement = { sql: postgres ? numbered(sql) : sql, names };
      this.statements.set(tail, statement);
    }
    return statement;
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
    const byId = `${columnList} ${from} WHERE ${driver.escape(metadata.primaryColumns[0].databaseName)} = ${postgres ? '$1' : '?'} LIMIT 1`;
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
    this.compiled = { metadata, names: columns.map((c) => c.databaseName), columnList, from, byId, setters, postgres };
    return this.compiled;
  }
}
