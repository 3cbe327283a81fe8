import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { CHECK_FAILURE_CODES, type CheckFailureCode } from '../../sessions/attempts/failure-codes.js';

export class SucceedSessionDto {
  /**
   * The claims the simulated user shares. Default: every offered key.
   * @example ["age_over_18", "kayle_document_id"]
   */
  @IsOptional()
  @IsArray({ message: 'selected_field_keys must be an array of strings' })
  @IsString({ each: true, message: 'selected_field_keys must be an array of strings' })
  selected_field_keys?: string[];
}

export class FailSessionDto {
  /** The simulated check failure. Default `document_authenticity_failed`. */
  @ApiProperty({ enum: CHECK_FAILURE_CODES, required: false, example: 'selfie_face_mismatch' })
  @IsOptional()
  @IsIn(CHECK_FAILURE_CODES, { message: `failure_code must be one of ${CHECK_FAILURE_CODES.join(', ')}` })
  failure_code?: CheckFailureCode;
}
