import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { PaginationQuery } from '../../../common/dto/pagination.query.js';
import { ATTEMPT_STATUSES, type AttemptStatus } from '../entities/attempt.entity.js';

/** At least one of `session_id` or `status` is required. */
export class ListAttemptsQuery extends PaginationQuery {
  /**
   * Only attempts of this session (not format-checked; an unknown id gives an empty list).
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  @IsOptional()
  @IsString({ message: 'session_id must be given once, as a string' })
  session_id?: string;

  /** Only attempts with this status. */
  @ApiProperty({ required: false, enum: ATTEMPT_STATUSES })
  @IsOptional()
  @IsIn(ATTEMPT_STATUSES, { message: `status must be one of ${ATTEMPT_STATUSES.join(', ')}` })
  status?: AttemptStatus;
}
