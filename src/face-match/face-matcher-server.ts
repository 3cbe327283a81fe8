import { Logger } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BuiltinFaceMatcher } from './builtin-face-matcher.js';

export interface FaceMatcherServerOptions {
  /** When set, requests must carry it in X-Kayle-Face-Matcher-Auth. */
  secret: string | null;
  /** Largest request body; four phone pictures fit easily. */
  maxBodyBytes?: number;
}

const PARTS = ['dg2', 'selfie_0', 'selfie_1', 'selfie_2'] as const;

function sameSecret(given: string, expected: string): boolean {
  // Compare digests: equal length, and the time taken says nothing about the secret.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The built-in matcher as a stand-alone face-match service speaking §6.8's protocol:
 * `POST` multipart (`dg2`, `selfie_0..2`, optional `threshold`) in, the §6.8 reply out.
 * `GET /health` answers 200 for load balancers.
 */
export function createFaceMatcherServer(matcher: BuiltinFaceMatcher, options: FaceMatcherServerOptions): Server {
  const logger = new Logger('FaceMatcherServer');
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  return createServer((req, res) => {
    void handle(req, res).catch((error: Error) => {
      logger.error(`Request failed: ${error.message}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal_error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/health') return reply(res, 200, { status: 'ok' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed' });
    const auth = req.headers['x-kayle-face-matcher-auth'];
    if (options.secret && (typeof auth !== 'string' || !sameSecret(auth, options.secret))) {
      return reply(res, 401, { error: 'unauthorized' });
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data')) return reply(res, 415, { error: 'expected multipart/form-data' });
    const body = await readBody(req, maxBodyBytes);
    if (!body) return reply(res, 413, { error: `request body over ${maxBodyBytes} bytes` });
    // undici's own multipart parser, through the Fetch API.
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData().catch(() => null);
    if (!form) return reply(res, 400, { error: 'malformed multipart body' });
    const images: Uint8Array[] = [];
    for (const name of PARTS) {
      const part = form.get(name);
      if (!part || typeof part === 'string') return reply(res, 400, { error: `missing file part ${name}` });
      images.push(new Uint8Array(await part.arrayBuffer()));
    }
    const rawThreshold = form.get('threshold');
    let threshold: number | undefined;
    if (rawThreshold !== null) {
      threshold = typeof rawThreshold === 'string' && rawThreshold.trim() !== '' ? Number(rawThreshold) : NaN;
      if (!(threshold >= 0 && threshold <= 1)) return reply(res, 400, { error: 'threshold must be a number from 0 to 1' });
    }
    const [portrait, ...selfies] = images;
    reply(res, 200, await matcher.match(portrait, selfies, threshold));
  }
}
