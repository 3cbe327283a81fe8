import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsTrimmedLength } from '../../../common/validators.js';
import { EVENT_TYPES, type EventType } from '../../../events/entities/event.entity.js';

export const EVENT_TYPES_MESSAGE = `subscribed_event_types must be a non-empty array of ${EVENT_TYPES.join(', ')}`;

export class CreateEndpointDto {
  /**
   * Where deliveries are POSTed. Absolute URL, at most 2048 characters, https (http only
   * for localhost, 127.0.0.1 and [::1] outside production).
   * @example "https://example.com/webhooks/kayle"
   */
  @IsString({ message: 'url must be a string' })
  url: string;

  /**
   * Label for humans, 1 to 120 characters after trimming; `null` or omitted for none.
   * @example "Primary"
   */
  @IsOptional()
  @IsString({ message: 'name must be a string or null' })
  @IsTrimmedLength(1, 120)
  name?: string | null;

  /**
   * `false` creates the endpoint disabled (`disabled_at` set): it gets no deliveries
   * until enabled. Default `true`.
   * @example true
   */
  // Not @IsOptional(): that would let `null` through, and only `name` may be null.
  @ValidateIf((o: CreateEndpointDto) => o.enabled !== undefined)
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  /**
   * The event types delivered to this endpoint, at least one; duplicates are dropped and
   * the order is kept. Default: the four `verification.session.*` types.
   */
  @ApiProperty({
    enum: EVENT_TYPES,
    isArray: true,
    required: false,
    example: ['verification.session.succeeded', 'verification.session.failed'],
  })
  @ValidateIf((o: CreateEndpointDto) => o.subscribed_event_types !== undefined)
  @IsArray({ message: EVENT_TYPES_MESSAGE })
  @ArrayMinSize(1, { message: EVENT_TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  subscribed_event_types?: EventType[];
}
