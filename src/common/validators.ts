import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A string whose length after trimming is within [min, max]. */
export function IsTrimmedLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrimmedLength',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.trim().length >= min && value.trim().length <= max,
        defaultMessage: () => `$property must be a string of ${min} to ${max} characters after trimming`,
      },
    },
    options,
  );
}
