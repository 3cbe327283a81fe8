import type { ValidationError } from '@nestjs/common';
import { validationErrorToApiError } from './validation.js';

const fieldError = (property: string, constraints: Record<string, string>): ValidationError => ({ property, constraints, children: [] });

describe('validationErrorToApiError', () => {
  it('names the type when a value fails its type and its range together', () => {
    const error = validationErrorToApiError([
      fieldError('expires_in', {
        max: 'expires_in must be at most 86400 seconds',
        min: 'expires_in must be at least 300 seconds',
        isInt: 'expires_in must be an integer number of seconds',
      }),
    ]);
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST', param: 'expires_in', hint: 'expires_in must be an integer number of seconds.' });
  });

  it('keeps the first message when no type check failed', () => {
    const error = validationErrorToApiError([fieldError('expires_in', { max: 'expires_in must be at most 86400 seconds' })]);
    expect(error.hint).toBe('expires_in must be at most 86400 seconds.');
  });

  it('names an unknown property by its dotted path', () => {
    const error = validationErrorToApiError([
      { property: 'outer', children: [fieldError('inner', { whitelistValidation: 'property inner should not exist' })] },
    ]);
    expect(error).toMatchObject({ param: 'outer.inner', hint: 'Unknown property `outer.inner`.' });
  });
});
