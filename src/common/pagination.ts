import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Page } from './envelope.js';
import { ApiError } from './errors/api-error.js';

/** The 400 of a `starting_after` that names no object of this list (§1.7). */
export const invalidCursor = (param = 'starting_after'): ApiError =>
  ApiError.badRequest(param, '`starting_after` must be the id of an object from an earlier page of this list.');

export interface KeysetQuery {
  limit: number;
  startingAfter?: string;
}

type Refine<T extends ObjectLiteral> = (qb: SelectQueryBuilder<T>) => SelectQueryBuilder<T>;

/**
 * Keyset pagination, newest first by (created_at DESC, id DESC) (§1.7). `scope` limits
 * rows to what the caller may see and also decides whether the cursor is acceptable;
 * `filters` narrows the page only, so a cursor need not match the current filters.
 * Tables need `created_at` (epoch ms) and `id` columns.
 */
export async function keysetPage<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  alias: string,
  query: KeysetQuery,
  scope: Refine<T>,
  options: { filters?: Refine<T>; cursorError?: string } = {},
): Promise<Page<T>> {
  let qb = scope(manager.createQueryBuilder(entity, alias));
  if (query.startingAfter !== undefined) {
    const cursor = await scope(manager.createQueryBuilder(entity, alias))
      .select([`${alias}.id`, `${alias}.createdAt`])
      .andWhere(`${alias}.id = :cursorId`, { cursorId: query.startingAfter })
      .getOne();
    if (!cursor) {
      throw invalidCursor(options.cursorError);
    }
    const createdAt = (cursor as unknown as { createdAt: Date }).createdAt.getTime();
    qb = qb.andWhere(
      `(${alias}.created_at < :cursorCreatedAt OR (${alias}.created_at = :cursorCreatedAt AND ${alias}.id < :cursorId))`,
      { cursorCreatedAt: createdAt, cursorId: query.startingAfter },
    );
  }
  if (options.filters) qb = options.filters(qb);
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(query.limit + 1)
    .getMany();
  return keysetPageOf(rows, query.limit);
}

/** The page of up to `limit + 1` rows fetched newest first: one more than `limit` means more. */
export function keysetPageOf<T>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1] as unknown as { id: string } | undefined;
  return new Page(items, {
    limit,
    has_more: hasMore,
    next_cursor: hasMore && last ? last.id : null,
  });
}
