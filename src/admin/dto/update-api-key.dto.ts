import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { SCOPES, type Scope } from '../../auth/scopes.js';
import { IsTrimmedLength } from '../../common/validators.js';

export class UpdateApiKeyDto {
  /**
   * New label, 1 to 120 characters after trimming.
   * @example "Backend (rotated)"
   */
  @IsOptional()
  @IsString()
  @IsTrimmedLength(1, 120)
  name?: string;

  /**
   * `false` disables the key (401 on use) until it is enabled again.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Replaces the key's scopes; at least one. */
  @ApiProperty({ enum: SCOPES, isArray: true, required: false, example: ['sessions:read'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(SCOPES, { each: true, message: `scopes must contain only ${SCOPES.join(', ')}` })
  scopes?: Scope[];
}
