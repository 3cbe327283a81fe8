import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../common/errors/api-error.js';
import { IdempotentReplay } from '../common/errors/idempotent-replay.js';
import { requestFingerprint } from './fingerprint.js';
import { IdempotencyService } from './idempotency.service.js';

const KEY_FORMAT = /^[\x20-\x7E]{1,255}$/;

/** Marks a request whose response the onSend hook must store or release. */
export interface IdempotentRequest {
  idempotency?: { apiKeyId: string; key: string };
}

export const idempotencyInUse = (): ApiError =>
  new ApiError(
    409,
    'IDEMPOTENCY_KEY_IN_USE',
    'A request with this idempotency key is still in progress.',
    'Wait for the first request to finish, then retry.',
    'errors#idempotency_key_in_use',
  );

export const invalidIdempotencyKey = (): ApiError =>
  ApiError.badRequest('Idempotency-Key', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');

export const idempotencyReused = (): ApiError =>
  new ApiError(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency key reused with a different request.',
    'Use a new Idempotency-Key for a request with different parameters.',
    'errors#idempotency_key_reused',
  );

/**
 * `Idempotency-Key` on authenticated POSTs (§1.9). Interceptors run after the guards
 * (authentication, rate limit, scope, path id) and before the pipes (query, body), which
 * is exactly step 6 of the order of checks (§1.3).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & IdempotentRequest & { user?: Principal }>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || !request.user || header === undefined) return next.handle();
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw invalidIdempotencyKey();
    }
    const apiKeyId = request.user.apiKeyId;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    return from(this.idempotency.begin(apiKeyId, header, fingerprint)).pipe(
      switchMap((result) => {
        if (result.kind === 'replay') throw new IdempotentReplay(result.status, result.body);
        if (result.kind === 'in_flight') throw idempotencyInUse();
        if (result.kind === 'mismatch') throw idempotencyReused();
        request.idempotency = { apiKeyId, key: header };
        return next.handle();
      }),
    );
  }
}
