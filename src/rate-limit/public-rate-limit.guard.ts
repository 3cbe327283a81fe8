import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicApiError } from '../common/errors/api-error.js';
import { applyRateLimitHeaders } from './rate-limit.headers.js';
import { RateLimitService } from './rate-limit.service.js';

export const publicRateLimited = (): PublicApiError =>
  new PublicApiError(429, 'RATE_LIMITED', 'Too many requests. Please wait a moment and try again.');

/** The status route the hosted page polls every 2 s: it has its own, larger bucket (§1.10). */
const STATUS_ROUTE = /\/status$/;

/**
 * Per-client-IP limit of the public verify endpoints (§1.10), with the public error shape.
 * `request.ip` is the socket's peer unless TRUST_PROXY names the proxies in front of us,
 * so a forged X-Forwarded-For never opens a fresh bucket.
 */
@Injectable()
export class PublicRateLimitGuard implements CanActivate {
  constructor(private readonly rateLimits: RateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const polling = request.method === 'GET' && STATUS_ROUTE.test(request.routeOptions.url ?? '');
    const state = await this.rateLimits.consume(request.ip, polling ? 'public_status' : 'public');
    if (!state) return true;
    applyRateLimitHeaders(http.getResponse<FastifyReply>(), state);
    if (!state.allowed) {
      throw publicRateLimited();
    }
    return true;
  }
}
