import { PublicApiError } from './api-error.js';

/**
 * The public errors of §6.2, with their exact messages. The verify routes and the sessions'
 * public cancel both throw them, so they live here, below both.
 */
export const PublicErrors = {
  invalidSessionId: () =>
    new PublicApiError(
      400,
      'INVALID_SESSION_ID',
      'This verification link is not valid. Please restart the verification from the original source.',
    ),
  badRequest: (param: string) => new PublicApiError(400, 'BAD_REQUEST', 'Bad request.', param),
  cancelTokenInvalid: () => new PublicApiError(403, 'CANCEL_TOKEN_INVALID', 'This cancellation link is not valid.'),
  sessionNotFound: () =>
    new PublicApiError(
      404,
      'SESSION_NOT_FOUND',
      'This verification session is no longer available. Please restart the verification process.',
    ),
  sessionInProgress: () =>
    new PublicApiError(
      409,
      'SESSION_IN_PROGRESS',
      'This verification is currently active on another device. Please continue on the device where you started the process.',
    ),
  cancelTokenConsumed: () =>
    new PublicApiError(409, 'CANCEL_TOKEN_CONSUMED', 'This verification has already been cancelled.'),
  testModeSession: () =>
    new PublicApiError(
      409,
      'TEST_MODE_SESSION',
      'This is a test verification. Its outcome is simulated and it cannot be completed on a device.',
    ),
  sessionExpired: () =>
    new PublicApiError(
      410,
      'SESSION_EXPIRED',
      'This verification session has expired for security reasons. Please restart the verification process.',
    ),
};
