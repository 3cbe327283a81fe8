import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real face-match service (§6.8) on 127.0.0.1 for the e2e specs: it parses the multipart
 * request, records it, and answers as `mode` says.
 */
export type FaceMatcherMode = 'pass' | 'mismatch' | 'liveness_failed' | 'garbage' | 'timeout' | 'http_500';

export interface FaceMatchRequest {
  headers: IncomingHttpHeaders;
  /** Part name → bytes (file parts) or text (plain fields), in the order they came. */
  parts: Map<string, Buffer | string>;
}

export interface FaceMatcher {
  url: string;
  mode: FaceMatcherMode;
  requests: FaceMatchRequest[];
  close(): Promise<void>;
}

/** Replies that fit §6.8's schema. */
export const FACE_MATCH_REPLIES = {
  pass: { faceScore: 0.92, passed: true, usedFallback: false, livenessPassed: true },
  mismatch: { faceScore: 0.3, passed: false, usedFallback: false, reason: 'below_threshold', livenessPassed: true },
  liveness_failed: { faceScore: 0.9, passed: true, usedFallback: false, livenessPassed: false },
} as const;

export async function startFaceMatcher(mode: FaceMatcherMode = 'pass'): Promise<FaceMatcher> {
  const matcher = { mode, requests: [] as FaceMatchRequest[] } as FaceMatcher;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void record(req.headers, Buffer.concat(chunks)).then((request) => {
        matcher.requests.push(request);
        switch (matcher.mode) {
          case 'timeout':
            return; // never answers; the client's timeout fires
          case 'http_500':
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"matcher crashed"}');
            return;
          case 'garbage':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"faceScore": "high", "passed": "yes"');
            return;
          default:
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(FACE_MATCH_REPLIES[matcher.mode]));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  matcher.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/match`;
  matcher.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return matcher;
}

/** Parses the multipart body with the platform's own parser (undici's FormData). */
async function record(headers: IncomingHttpHeaders, body: Buffer): Promise<FaceMatchRequest> {
  const parts = new Map<string, Buffer | string>();
  const form = await new Response(new Uint8Array(body), { headers: { 'content-type': headers['content-type'] ?? '' } })
    .formData()
    .catch(() => null);
  for (const [name, value] of form?.entries() ?? []) {
    parts.set(name, typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()));
  }
  return { headers, parts };
}
