import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../common/errors/api-error.js';
import { SESSION_ID_PATTERN } from '../common/ids.js';

export const invalidSessionId = (): ApiError =>
  ApiError.badRequest('id', 'The session id must be `vs_` followed by 64 letters and digits.');

/**
 * A session id in a path must be `vs_` + 64 alphanumerics (§1.5); else 400 `param: "id"`.
 * A guard rather than a pipe: path ids are checked before the Idempotency-Key (§1.3 step
 * 5 before 6), and the idempotency guard runs after a handler's other guards, pipes after all.
 */
@Injectable()
export class SessionIdGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const id = context.switchToHttp().getRequest<{ params?: Record<string, string> }>().params?.id;
    if (typeof id !== 'string' || !SESSION_ID_PATTERN.test(id)) {
      throw invalidSessionId();
    }
    return true;
  }
}
