import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsTrimmedLength } from '../../../common/validators.js';
import { EVENT_TYPES, type EventType } from '../../../events/entities/event.entity.js';
import { EVENT_TYPES_MESSAGE } from './create-endpoint.dto.js';

/** Any subset of the create fields, at least one; the create rules apply (§5.5). */
export class UpdateEndpointDto {
  /**
   * New delivery URL, same rules as on create.
   * @example "https://example.com/webhooks/kayle-v2"
   */
  @ValidateIf((o: UpdateEndpointDto) => o.url !== undefined)
  @IsString({ message: 'url must be a string' })
  url?: string;

  /**
   * New label, 1 to 120 characters after trimming; `null` clears it.
   * @example "Primary"
   */
  @IsOptional()
  @IsString({ message: 'name must be a string or null' })
  @IsTrimmedLength(1, 120)
  name?: string | null;

  /**
   * `false` disables the endpoint and sets `disabled_at`; `true` enables it and clears
   * `disabled_at`.
   * @example false
   */
  @ValidateIf((o: UpdateEndpointDto) => o.enabled !== undefined)
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  /** Replaces the subscribed event types; at least one, duplicates dropped, order kept. */
  @ApiProperty({
    enum: EVENT_TYPES,
    isArray: true,
    required: false,
    example: ['verification.session.succeeded'],
  })
  @ValidateIf((o: UpdateEndpointDto) => o.subscribed_event_types !== undefined)
  @IsArray({ message: EVENT_TYPES_MESSAGE })
  @ArrayMinSize(1, { message: EVENT_TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  subscribed_event_types?: EventType[];
}
