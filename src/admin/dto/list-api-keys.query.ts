import { IsString, IsUUID } from 'class-validator';
import { PaginationQuery } from '../../common/dto/pagination.query.js';

export class ListApiKeysQuery extends PaginationQuery {
  /**
   * The organization whose keys to list (required).
   * @example "5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10"
   */
  @IsString({ message: 'organization_id is required, once' })
  @IsUUID('all', { message: 'organization_id must be a UUID' })
  organization_id: string;
}
