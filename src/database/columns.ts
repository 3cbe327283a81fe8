import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as UTC epoch milliseconds in a BIGINT on both drivers: one
 * representation, compared in SQL as integers, with the contract's millisecond precision.
 */
export const epochMsTransformer: ValueTransformer = {
  to: (value: Date | null | undefined) => (value == null ? value : value.getTime()),
  // PostgreSQL returns BIGINT as a string; SQLite as a number.
  from: (value: string | number | null) => (value == null ? null : new Date(Number(value))),
};

export function TimestampColumn(options: Pick<ColumnOptions, 'name' | 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: epochMsTransformer, nullable: options.nullable ?? false, name: options.name });
}

const jsonTransformer: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
  from: (value: string | null) => (value == null ? null : JSON.parse(value)),
};

/** JSON kept as text so both drivers store and return the exact same document. */
export function JsonTextColumn(options: Pick<ColumnOptions, 'name' | 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'text', transformer: jsonTransformer, nullable: options.nullable ?? false, name: options.name });
}
