import type { FastifyInstance } from 'fastify';

const ALLOW_METHODS = 'GET,POST,PATCH,DELETE,OPTIONS';
const ALLOW_HEADERS = 'Authorization,Content-Type,Idempotency-Key,X-Request-Id';
const EXPOSE_HEADERS =
  'X-Request-Id,Idempotent-Replayed,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset,RateLimit-Policy,Retry-After';

/**
 * CORS per §1.1: `/v1/verify/*` allows any origin without credentials; other routes only
 * the configured origins. Preflights are answered here, before route matching.
 */
export function registerCors(fastify: FastifyInstance, allowedOrigins: string[]): void {
  const allowed = new Set(allowedOrigins);
  fastify.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    if (!origin) return done();
    const isPublic = req.url.startsWith('/v1/verify/') || req.url === '/v1/verify';
    const allowOrigin = isPublic ? '*' : allowed.has(origin) ? origin : null;
    if (allowOrigin) {
      reply.header('access-control-allow-origin', allowOrigin);
      reply.header('access-control-expose-headers', EXPOSE_HEADERS);
      if (!isPublic) reply.header('vary', 'Origin');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (allowOrigin) {
        reply.header('access-control-allow-methods', ALLOW_METHODS);
        reply.header('access-control-allow-headers', ALLOW_HEADERS);
        reply.header('access-control-max-age', '600');
      }
      reply.code(204).send();
      return;
    }
    done();
  });
}
