import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The contract's body limit (§1.1); larger bodies get 413 PAYLOAD_TOO_LARGE. */
export const BODY_LIMIT_BYTES = 100 * 1024;
/** Hard cap on what is read at all; between the two the 413 is raised in order (§1.3). */
export const BODY_READ_CAP_BYTES = 1024 * 1024;

/** Deepest nesting a body may have, objects and arrays together, the top level being 1 (§1.1). */
export const BODY_MAX_DEPTH = 32;

/**
 * Most objects and arrays a body may hold. No request of the contract needs more than ~40
 * (32 share_fields entries, a JWK); past this one, walking the tree (class-transformer,
 * Nest's prototype-key stripping, the validator) costs hundreds of ms per 100 KiB body, so
 * such a body is refused by the parser like a too-deep one (§1.1).
 */
export const BODY_MAX_CONTAINERS = 256;

export type BodyProblem = 'too_large' | 'malformed_json' | 'too_deep' | 'too_complex' | 'not_an_object' | 'unsupported_media_type';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether the JSON text in `buf` nests objects/arrays deeper than `maxDepth` (`too_deep`) or
 * holds more than `maxContainers` of them (`too_complex`). One pass over the bytes, nothing
 * allocated: it runs before JSON.parse, so a body built to overflow the stack of whatever
 * walks it later (class-transformer, the validator) is refused for the cost of reading it.
 * Bytes of multi-byte UTF-8 characters are >= 0x80 and never look like a quote or a
 * bracket; a malformed text is left to JSON.parse.
 */
export function bodyShapeProblem(buf: Buffer, maxDepth: number, maxContainers: number): 'too_deep' | 'too_complex' | null {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return 'too_deep';
      if (++containers > maxContainers) return 'too_complex';
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return null;
}

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
      const shape = bodyShapeProblem(buf, BODY_MAX_DEPTH, BODY_MAX_CONTAINERS);
      if (shape) return done(null, new DeferredBodyError(shape, buf));
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
