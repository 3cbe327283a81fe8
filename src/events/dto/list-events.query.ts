import { PaginationQuery } from '../../common/dto/pagination.query.js';
import { QueryDateTime, QueryString } from '../../common/query.js';

export class ListEventsQuery extends PaginationQuery {
  /**
   * Only events of this type (exact match; an unknown type gives an empty list).
   * @example "verification.session.succeeded"
   */
  @QueryString()
  type?: string;

  /**
   * Only events created at or after this RFC 3339 date-time.
   * @example "2026-11-01T00:00:00Z"
   */
  @QueryDateTime()
  created_from?: Date;

  /**
   * Only events created at or before this RFC 3339 date-time.
   * @example "2026-11-30T23:59:59.999Z"
   */
  @QueryDateTime()
  created_to?: Date;
}
