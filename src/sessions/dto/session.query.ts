import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PaginationQuery } from '../../common/dto/pagination.query.js';
import { QueryBoolean, QueryDateTime } from '../../common/query.js';
import { SESSION_STATUSES, type SessionStatus } from '../entities/session.entity.js';

export class IncludeAttemptsQuery {
  /**
   * `true` or `1` adds the session's attempts, oldest first.
   * @example "false"
   */
  @ApiProperty({ required: false, enum: ['true', 'false', '1', '0'] })
  @QueryBoolean()
  include_attempts?: boolean;
}

export class ListSessionsQuery extends PaginationQuery {
  /** Only sessions with this status. */
  @ApiProperty({ required: false, enum: SESSION_STATUSES })
  @IsOptional()
  @IsIn(SESSION_STATUSES, { message: `status must be one of ${SESSION_STATUSES.join(', ')}` })
  status?: SessionStatus;

  /**
   * Only sessions created at or after this RFC 3339 date-time.
   * @example "2026-11-01T00:00:00Z"
   */
  @QueryDateTime()
  created_from?: Date;

  /**
   * Only sessions created at or before this RFC 3339 date-time.
   * @example "2026-11-30T23:59:59.999Z"
   */
  @QueryDateTime()
  created_to?: Date;

  /**
   * `true` or `1` adds each session's attempts (`[]` when none).
   * @example "false"
   */
  @ApiProperty({ required: false, enum: ['true', 'false', '1', '0'] })
  @QueryBoolean()
  include_attempts?: boolean;
}
