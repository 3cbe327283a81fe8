/**
 * Thrown to answer with a stored response, byte for byte; the global filter renders it. The
 * idempotency interceptor throws it; it lives beside the filter because the filter sits below
 * every feature and must not import one.
 */
export class IdempotentReplay {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {}
}
