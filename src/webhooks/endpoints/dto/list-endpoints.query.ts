import { ApiProperty } from '@nestjs/swagger';
import { PaginationQuery } from '../../../common/dto/pagination.query.js';
import { QueryBoolean } from '../../../common/query.js';

export class ListEndpointsQuery extends PaginationQuery {
  /**
   * Only enabled (`true`, `1`) or only disabled (`false`, `0`) endpoints.
   * @example "true"
   */
  @ApiProperty({ required: false, enum: ['true', 'false', '1', '0'] })
  @QueryBoolean()
  enabled?: boolean;
}
