import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/errors/api-error.js';
import { SESSION_ID_PATTERN } from '../common/ids.js';

/** A session id in a path must be `vs_` + 64 alphanumerics (§1.5); else 400 `param: "id"`. */
@Injectable()
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SESSION_ID_PATTERN.test(value)) {
      throw ApiError.badRequest('id', 'The session id must be `vs_` followed by 64 letters and digits.');
    }
    return value;
  }
}
