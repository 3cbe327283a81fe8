import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The contract's body limit (§1.1); larger bodies get 413 PAYLOAD_TOO_LARGE. */
export const BODY_LIMIT_BYTES = 100 * 1024;
/** Hard cap on what is read at all; between the two the 413 is raised in order (§1.3). */
export const BODY_READ_CAP_BYTES = 1024 * 1024;

export type BodyProblem = 'too_large' | 'malformed_json' | 'not_an_object' | 'unsupported_media_type';

/**
 * Body problems are not raised while parsing: the contract checks authentication, scope,
 * path and query first (§1.3 order), so the parser leaves this marker as the body and the
 * validation pipe raises it at the body step.
 */
export class DeferredBodyError {
  constructor(
    readonly problem: BodyProblem,
    /** The bytes as received (kept for the idempotency fingerprint, §1.9). */
    readonly raw: Buffer = Buffer.alloc(0),
  ) {}
}

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** What Fastify accepts as a Content-Type (`type/subtype`, both tokens, then parameters). */
const PARSEABLE_CONTENT_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(;|$)/;
/** Stands in for a Content-Type Fastify cannot parse; never JSON, so a body under it is deferred. */
const UNPARSEABLE_CONTENT_TYPE = 'application/x-passline-unparseable';

/** Replaces Fastify's parsers with one that follows §1.1 for every content type. */
export function registerBodyParser(fastify: FastifyInstance): void {
  // Fastify answers 415 for a Content-Type it cannot parse (`json`) before any hook or guard
  // runs, so before authentication (§1.3). Swapped for a placeholder, the header reaches the
  // catch-all parser below: an empty body still means {}, any other is deferred as unsupported.
  fastify.addHook('onRequest', (req, _reply, done) => {
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !PARSEABLE_CONTENT_TYPE.test(contentType)) {
      req.headers['content-type'] = UNPARSEABLE_CONTENT_TYPE;
    }
    done();
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: BODY_READ_CAP_BYTES },
    (req: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void) => {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      if (buf.length === 0) return done(null, undefined);
      if (buf.length > BODY_LIMIT_BYTES) return done(null, new DeferredBodyError('too_large', buf));
      if (!isJsonContentType(req.headers['content-type'])) {
        return done(null, new DeferredBodyError('unsupported_media_type', buf));
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch {
        return done(null, new DeferredBodyError('malformed_json', buf));
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return done(null, new DeferredBodyError('not_an_object', buf));
      }
      done(null, parsed);
    },
  );
}
