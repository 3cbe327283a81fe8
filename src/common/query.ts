import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDate, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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


const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 date-time (`Z` or numeric offset, optional fraction), or null. */
export function parseRfc3339(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return null;
  const date = new Date(value.toUpperCase());
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A date-time query parameter (§1.6); anything but RFC 3339 fails validation. */
export function QueryDateTime(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' ? (parseRfc3339(value) ?? value) : value)),
    IsDate({ message: '$property must be an RFC 3339 date-time, e.g. 2026-11-26T10:00:00Z' }),
  );
}
