import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
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
 * `Idempotency-Key` on authenticated POSTs (§1.9). Bound to each POST handler after its other
 * guards (see IdempotencyRoutes), so it runs after authentication, rate limit, scope and path
 * id, and before the pipes (query, body): exactly step 6 of the order of checks (§1.3). A
 * guard rather than an interceptor: it only decides whether the handler runs (a stored
 * response is thrown to the filter), and guards cost no rxjs pipeline per request.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(private readonly idempotency: IdempotencyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & IdempotentRequest & { user?: Principal }>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || !request.user || header === undefined) return true;
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw invalidIdempotencyKey();
    }
    const apiKeyId = request.user.apiKeyId;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const result = await this.idempotency.begin(apiKeyId, header, fingerprint);
    if (result.kind === 'replay') throw new IdempotentReplay(result.status, result.body);
    if (result.kind === 'in_flight') throw idempotencyInUse();
    if (result.kind === 'mismatch') throw idempotencyReused();
    request.idempotency = { apiKeyId, key: header };
    return true;
  }
}
