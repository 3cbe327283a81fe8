import { IsInt, Max, Min, ValidateIf } from 'class-validator';

export const DEFAULT_PREVIOUS_SECRET_EXPIRES_IN_S = 86400;

/** Optional body of the rotate route (§5.7, extension). */
export class RotateSigningSecretDto {
  /**
   * Seconds the old secret keeps signing alongside the new one, 0 to 86400 (default
   * 86400). `0` drops it at once, for when it has leaked.
   * @example 86400
   */
  @ValidateIf((o: RotateSigningSecretDto) => o.previous_secret_expires_in !== undefined)
  @IsInt({ message: 'previous_secret_expires_in must be an integer number of seconds' })
  @Min(0, { message: 'previous_secret_expires_in must be at least 0' })
  @Max(86400, { message: 'previous_secret_expires_in must be at most 86400' })
  previous_secret_expires_in?: number;
}
