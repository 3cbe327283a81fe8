import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { SCOPES, type Scope } from '../../auth/scopes.js';
import { IsTrimmedLength } from '../../common/validators.js';

export class CreateApiKeyDto {
  /**
   * The organization the key acts for.
   * @example "5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10"
   */
  @IsUUID('all', { message: 'organization_id must be a UUID' })
  organization_id: string;

  /**
   * Label for humans, 1 to 120 characters after trimming.
   * @example "Backend"
   */
  @IsString()
  @IsTrimmedLength(1, 120)
  name: string;

  /**
   * `true` (default) mints a `kk_live_` key, `false` a `kk_test_` key.
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  livemode?: boolean;

  /** Subset of the four scopes, at least one. Default: all four. */
  @ApiProperty({ enum: SCOPES, isArray: true, required: false, example: ['sessions:read', 'sessions:write'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(SCOPES, { each: true, message: `scopes must contain only ${SCOPES.join(', ')}` })
  scopes?: Scope[];
}
