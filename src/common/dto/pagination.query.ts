import { ApiPropertyOptional } from '@nestjs/swagger';
import { QueryInt, QueryString } from '../query.js';

/** `limit` and `starting_after` of every list endpoint (§1.7). */
export class PaginationQuery {
  /**
   * Page size, 1 to 100.
   * @example 10
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10 })
  @QueryInt(1, 100)
  limit?: number;

  /**
   * The id of the last item of the previous page (its `next_cursor`).
   */
  @QueryString()
  starting_after?: string;
}
