import { ApiProperty } from '@nestjs/swagger';
import { PaginationQuery } from '../../../common/dto/pagination.query.js';
import { QueryBoolean } from '../../../common/query.js';

export class ListKeysQuery extends PaginationQuery {
  /**
   * Only active (`true`, `1`) or only inactive (`false`, `0`) keys.
   * @example "true"
   */
  @ApiProperty({ required: false, enum: ['true', 'false', '1', '0'] })
  @QueryBoolean()
  is_active?: boolean;
}
