import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from '../errors/api-error.js';

export const noBodyError = (property: string): ApiError =>
  ApiError.badRequest(property, `Unknown property \`${property}\`; this endpoint takes no body.`);

/**
 * For POST routes that take no body: an empty body or `{}` is accepted; any property is an
 * unknown property (§1.1). Runs after the global pipe, which has already turned an empty
 * body into `{}` and raised malformed ones.
 */
@Injectable()
export class EmptyBodyPipe implements PipeTransform<unknown, Record<string, never>> {
  transform(value: unknown): Record<string, never> {
    const first = value && typeof value === 'object' ? Object.keys(value)[0] : undefined;
    if (first !== undefined) throw noBodyError(first);
    return {};
  }
}
