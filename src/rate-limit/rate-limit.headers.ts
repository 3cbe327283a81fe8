import type { FastifyReply } from 'fastify';
import type { RateLimitState } from './rate-limit.service.js';

/** RateLimit-* headers of §1.10, and Retry-After when over the limit. */
export function applyRateLimitHeaders(reply: FastifyReply, state: RateLimitState): void {
  reply.header('ratelimit-limit', String(state.limit));
  reply.header('ratelimit-remaining', String(state.remaining));
  reply.header('ratelimit-reset', String(state.resetS));
  reply.header('ratelimit-policy', `${state.limit};w=60`);
  if (!state.allowed) reply.header('retry-after', String(state.resetS));
}
