import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PaginationQuery } from '../../../common/dto/pagination.query.js';
import { QueryString } from '../../../common/query.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../entities/webhook-delivery.entity.js';

export class ListDeliveriesQuery extends PaginationQuery {
  /** Only deliveries with this status. */
  @ApiProperty({ required: false, enum: DELIVERY_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  /**
   * Only deliveries to this endpoint (`whe_…`).
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  @QueryString()
  endpoint_id?: string;

  /**
   * Only deliveries of this event (`evt_…`).
   * @example "evt_r8b1c2d3e4f5g6h7j8k9m0n1p2q3r4s5t6u7v8w9x0y1z2a3b4c5d6e7f8g9h0j1k2m3"
   */
  @QueryString()
  event_id?: string;
}
