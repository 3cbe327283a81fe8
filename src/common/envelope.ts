import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';

export interface PaginationBlock {
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
}

/** What a list handler returns; the Fastify adapter (EnvelopeFastifyAdapter) renders it per §1.2. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly pagination: PaginationBlock,
  ) {}
}

export const LIST_ROUTE = 'passline:list-route';

/**
 * Marks a list endpoint: its errors carry the pagination block of §1.2 too. Stored as
 * Fastify route config so the exception filter can see it even for guard errors.
 */
export function ListEndpoint(): MethodDecorator {
  return applyDecorators(RouteConfig({ [LIST_ROUTE]: true }), SetMetadata(LIST_ROUTE, true));
}

/**
 * `limit` as the error envelope reports it: the requested one when valid, else 10. "Valid"
 * is what QueryInt accepts (leading zeros included: `0005` lists 5), so the two agree.
 */
export function requestedLimit(raw: unknown): number {
  if (typeof raw === 'string' && /^\d{1,9}$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= 100) return n;
  }
  return 10;
}
