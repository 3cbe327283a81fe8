/**
 * A domain error with a stable code. The global exception filter turns it into the
 * envelope of contract §1.2/§1.3; `docsPath` is appended to DOCS_BASE_URL.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
    readonly docsPath: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(param: string | undefined, hint: string, docsPath = 'errors#bad_request'): ApiError {
    return new ApiError(400, 'BAD_REQUEST', 'Bad request.', hint, docsPath, param);
  }

  static notFound(message: string, hint: string, docsPath: string): ApiError {
    return new ApiError(404, 'NOT_FOUND', message, hint, docsPath);
  }

  static conflict(message: string, hint: string, docsPath: string): ApiError {
    return new ApiError(409, 'CONFLICT', message, hint, docsPath);
  }
}

export const ROUTE_NOT_FOUND = (): ApiError =>
  ApiError.notFound('Not found.', 'No route matches this method and path.', 'errors#not_found');

export const PAYLOAD_TOO_LARGE = (): ApiError =>
  new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large.', 'The maximum request body size is 100 KB.', 'errors#payload_too_large');

export const INTERNAL_ERROR = (): ApiError =>
  new ApiError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error.', 'The server encountered an error.', 'errors');

/**
 * Errors of the public verify endpoints (§6.2): `{code, message, request_id}` (plus
 * `param` on BAD_REQUEST), without hint or docs.
 */
export class PublicApiError extends ApiError {
  readonly publicShape = true;

  constructor(status: number, code: string, message: string, param?: string) {
    super(status, code, message, '', '', param);
    this.name = 'PublicApiError';
  }
}

export const RATE_LIMITED = (): ApiError =>
  new ApiError(429, 'RATE_LIMITED', 'Too many requests.', 'Retry after the number of seconds in the Retry-After header.', 'errors#rate_limited');

/** Exact bodies of §1.2: no data, hint, docs or request_id. */
export const UNAUTHORIZED_BODY = { error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } } as const;
export const FORBIDDEN_BODY = { error: { code: 'FORBIDDEN', message: 'Forbidden' } } as const;

/** Thrown by the auth guard; rendered as the exact 401 body. */
export class UnauthorizedError extends Error {
  constructor() {
    super('Unauthorized');
    this.name = 'UnauthorizedError';
  }
}

/** Thrown by the scope check; rendered as the exact 403 body. */
export class ForbiddenError extends Error {
  constructor() {
    super('Forbidden');
    this.name = 'ForbiddenError';
  }
}
