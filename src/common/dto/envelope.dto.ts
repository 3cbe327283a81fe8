import { ApiProperty } from '@nestjs/swagger';

/** The error object of every envelope error (§1.3). */
export class ErrorBody {
  /**
   * Stable machine-readable code; branch on this.
   * @example "BAD_REQUEST"
   */
  code: string;

  /**
   * Short human-readable summary; the exact strings are part of the contract.
   * @example "Bad request."
   */
  message: string;

  /**
   * What to do about it.
   * @example "expires_in must be an integer number of seconds."
   */
  hint: string;

  /**
   * Link to documentation.
   * @example "https://kayle.id/docs/api/errors#bad_request"
   */
  docs: string;

  /**
   * Same value as the X-Request-Id response header.
   * @example "req_3k9d8f7g6h5j4k3l2m1n0p9q"
   */
  request_id: string;

  /**
   * On field validation errors only: the offending field as a dotted path.
   * @example "expires_in"
   */
  param?: string;
}

/** Pagination block of list responses (§1.7). */
export class PaginationBody {
  /**
   * The page size used.
   * @example 10
   */
  limit: number;

  /**
   * True when more items follow this page.
   * @example false
   */
  has_more: boolean;

  /**
   * Pass as `starting_after` to get the next page; null on the last page.
   * @example null
   */
  next_cursor: string | null;
}

/** `{"data": null, "error": {...}}` */
export class ErrorEnvelope {
  /** Always null on errors. */
  @ApiProperty({ type: 'object', additionalProperties: false, nullable: true, example: null, description: 'Always null on errors.' })
  data: null;

  /** What went wrong. */
  error: ErrorBody;

  /** On list endpoints only: an empty page (`limit` as requested when valid, else 10). */
  pagination?: PaginationBody;
}

/** Exact 401/403 bodies (§1.2). */
export class AuthErrorBody {
  /**
   * `UNAUTHORIZED` (401) or `FORBIDDEN` (403).
   * @example "UNAUTHORIZED"
   */
  code: string;

  /**
   * `Unauthorized` or `Forbidden`.
   * @example "Unauthorized"
   */
  message: string;
}

export class AuthErrorEnvelope {
  /** `{"code":"UNAUTHORIZED","message":"Unauthorized"}` or `{"code":"FORBIDDEN","message":"Forbidden"}` */
  error: AuthErrorBody;
}

/** The error object of the public verify endpoints (§6.2): no hint, no docs. */
export class PublicErrorBody {
  /**
   * Stable machine-readable code; branch on this.
   * @example "SESSION_NOT_FOUND"
   */
  code: string;

  /**
   * A message the hosted page can show to the user as is.
   * @example "This verification session is no longer available. Please restart the verification process."
   */
  message: string;

  /**
   * Same value as the X-Request-Id response header.
   * @example "req_3k9d8f7g6h5j4k3l2m1n0p9q"
   */
  request_id: string;

  /**
   * On BAD_REQUEST only: the offending field.
   * @example "cancel_token"
   */
  param?: string;
}

/** `{"data": null, "error": {code, message, request_id}}` of the public verify endpoints. */
export class PublicErrorEnvelope {
  /** Always null on errors. */
  @ApiProperty({ type: 'object', additionalProperties: false, nullable: true, example: null, description: 'Always null on errors.' })
  data: null;

  /** What went wrong. */
  error: PublicErrorBody;
}
