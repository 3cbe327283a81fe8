import type { FastifyInstance } from 'fastify';
import type { AccessLog } from './logger.js';

/**
 * One line per request, when it is answered: what a log collector needs to chart traffic
 * and find a request by the id its client saw. The query string is left out (it is the
 * client's, and could carry anything).
 */
export function registerAccessLog(fastify: FastifyInstance, { logger, flushSync }: AccessLog): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    // Most deployments log at info; at a quieter level the line is not even built.
    if (!logger.isLevelEnabled(status >= 500 ? 'error' : 'info')) return done();
    const line = {
      reqId: request.id,
      method: request.method,
      path: request.url.split('?', 1)[0],
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request completed');
    done();
  });
  // The last lines may still be queued: a signal re-raised after shutdown would drop them.
  fastify.addHook('onClose', (_instance, done) => {
    flushSync();
    done();
  });
}
