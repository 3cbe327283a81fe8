import type { ArgumentMetadata, ValidationError } from '@nestjs/common';
import { IsString } from 'class-validator';
import { QueryBoolean, QueryInt } from './query.js';
import { AppValidationPipe, validationErrorToApiError } from './validation.js';

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

class OptionalQuery {
  @QueryBoolean()
  flag?: boolean;

  @QueryInt(1, 100)
  limit?: number = 10;
}

class RequiredQuery {
  @IsString()
  name!: string;
}

const asQuery = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'query', metatype });

describe('AppValidationPipe on query strings', () => {
  it('answers an empty query with a fresh instance and its defaults, every time', async () => {
    const pipe = new AppValidationPipe();
    const first = await pipe.transform({}, asQuery(OptionalQuery));
    const second = (await pipe.transform({}, asQuery(OptionalQuery))) as OptionalQuery;
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).not.toBe(first);
    expect(second).toEqual({ limit: 10 });
    second.limit = 99;
    expect(await pipe.transform({}, asQuery(OptionalQuery))).toEqual({ limit: 10 });
  });

  it('still validates a query with parameters after an empty one passed', async () => {
    const pipe = new AppValidationPipe();
    await pipe.transform({}, asQuery(OptionalQuery));
    await expect(pipe.transform({ limit: '0' }, asQuery(OptionalQuery))).rejects.toMatchObject({ code: 'BAD_REQUEST', param: 'limit' });
    expect(await pipe.transform({ flag: '1', limit: '5' }, asQuery(OptionalQuery))).toEqual({ flag: true, limit: 5 });
  });

  it('answers a repeated query with a fresh instance equal to the first, never a shared one', async () => {
    const pipe = new AppValidationPipe();
    const first = (await pipe.transform({ flag: 'true', limit: '7' }, asQuery(OptionalQuery))) as OptionalQuery;
    first.limit = 99;
    const second = await pipe.transform({ flag: 'true', limit: '7' }, asQuery(OptionalQuery));
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).toEqual({ flag: true, limit: 7 });
    expect(await pipe.transform({ flag: 'true', limit: '8' }, asQuery(OptionalQuery))).toEqual({ flag: true, limit: 8 });
    // Unknown parameters are ignored (§1.1), and a bad one still fails after good ones passed.
    expect(await pipe.transform({ flag: 'true', limit: '7', other: 'x' }, asQuery(OptionalQuery))).toEqual({ flag: true, limit: 7 });
    await expect(pipe.transform({ flag: 'true', limit: '700' }, asQuery(OptionalQuery))).rejects.toMatchObject({ param: 'limit' });
  });

  it('rejects an empty query every time when the DTO requires a parameter', async () => {
    const pipe = new AppValidationPipe();
    await expect(pipe.transform({}, asQuery(RequiredQuery))).rejects.toMatchObject({ code: 'BAD_REQUEST', param: 'name' });
    await expect(pipe.transform({}, asQuery(RequiredQuery))).rejects.toMatchObject({ code: 'BAD_REQUEST', param: 'name' });
  });
});
