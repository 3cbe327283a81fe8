import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicApiError } from '../common/errors/api-error.js';
import { applyRateLimitHeaders } from './rate-limit.headers.js';
import { RateLimitService } from './rate-limit.service.js';

export const publicRateLimited = (): PublicApiError =>
  new PublicApiError(429, 'RATE_LIMITED', 'Too many requests. Please wait a moment and try again.');

/** Per-client-IP limit of the public verify endpoints (§1.10), with the public error shape. */
@Injectable()
export class PublicRateLimitGuard implements CanActivate {
  constructor(private readonly rateLimits: RateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const state = await this.rateLimits.consume(request.ip, 'public');
    if (!state) return true;
    applyRateLimitHeaders(http.getResponse<FastifyReply>(), state);
    if (!state.allowed) {
      throw publicRateLimited();
    }
    return true;
  }
}
