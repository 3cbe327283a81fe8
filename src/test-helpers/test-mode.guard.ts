import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../common/errors/api-error.js';
import type { Principal } from '../auth/principal.js';

export const testModeRequired = (): ApiError =>
  new ApiError(
    403,
    'TEST_MODE_REQUIRED',
    'Test helpers require a test mode API key.',
    'Use a kk_test_ API key; test helpers never act on live sessions.',
    'test-helpers',
  );

/**
 * Test helpers act only with kk_test_ keys (§7.3). Runs after the global guard, so right
 * after the scope check, before path and body validation.
 */
@Injectable()
export class TestModeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (principal?.livemode !== false) {
      throw testModeRequired();
    }
    return true;
  }
}
