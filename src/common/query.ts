import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * Boolean query parameter: exactly `true`, `false`, `1` or `0` (§1.1). Anything else,
 * the empty string and a repeated parameter included, fails validation.
 */
export function QueryBoolean(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => {
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return value;
    }),
    IsBoolean({ message: '$property must be one of true, false, 1 or 0' }),
  );
}

/** Integer query parameter given as a plain decimal string within [min, max]. */
export function QueryInt(min: number, max: number): PropertyDecorator {
  const message = `$property must be an integer from ${min} to ${max}`;
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value)),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

/** Single string query parameter (a repeated one arrives as an array and fails). */
export function QueryString(maxLength = 255): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsString({ message: '$property must be given once, as a string' }),
    MaxLength(maxLength),
  );
}

