import { Logger } from '@nestjs/common';
import { BuiltinFaceMatcher } from './builtin-face-matcher.js';
import { DEFAULT_FACE_MATCH_THRESHOLD } from './engine/decision.js';
import { createFaceMatcherServer } from './face-matcher-server.js';

/**
 * `npm run face-matcher`: the built-in matcher as its own HTTP service (§6.8a), for operators
 * who run matching on other machines and point the server's FACE_MATCH_URL at it.
 *
 * FACE_MATCHER_HOST (127.0.0.1), FACE_MATCHER_PORT (3100), FACE_MATCH_SECRET, FACE_MATCH_THRESHOLD,
 * FACE_MATCH_CONCURRENCY (1), FACE_MATCH_TIMEOUT_MS (10000).
 */
const logger = new Logger('FaceMatcherServer');

function numberFrom(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!valid(value)) {
    logger.error(`Invalid configuration: ${name}=${JSON.stringify(raw)} is out of range.`);
    process.exit(1);
  }
  return value;
}

const host = process.env.FACE_MATCHER_HOST || '127.0.0.1';
const port = numberFrom('FACE_MATCHER_PORT', 3100, (n) => Number.isInteger(n) && n >= 0 && n < 65536);
const matcher = new BuiltinFaceMatcher({
  threshold: numberFrom('FACE_MATCH_THRESHOLD', DEFAULT_FACE_MATCH_THRESHOLD, (n) => n >= 0 && n <= 1),
  concurrency: numberFrom('FACE_MATCH_CONCURRENCY', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 16),
  timeoutMs: numberFrom('FACE_MATCH_TIMEOUT_MS', 10000, (n) => Number.isInteger(n) && n >= 100 && n <= 120000),
});
const secret = process.env.FACE_MATCH_SECRET || null;
const server = createFaceMatcherServer(matcher, { secret });
if (!secret) logger.warn('FACE_MATCH_SECRET is not set: anyone who reaches this port can use the matcher.');

server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  logger.log(`Face matcher listening on http://${host}:${bound}/ (point FACE_MATCH_URL at it)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void matcher.onApplicationShutdown().then(() => process.exit(0));
  });
}
