import { request as httpRequest } from 'node:http';
import type { Response } from 'supertest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { clockOf, DOCS, expectApiError } from './helpers/sessions.js';

/** Shared expectations of the rate-limit e2e specs (§1.10). */

export const WINDOW_MS = 60_000;
export const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';
export const PUBLIC_RATE_LIMITED_MESSAGE = 'Too many requests. Please wait a moment and try again.';
const RATE_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy', 'retry-after'];

/**
 * Moves every app's clock to 200 ms into the next 60 s window. Windows are aligned to the
 * clock, not to a key's first request, so without this a test could straddle a window edge;
 * it also gives every test fresh counters.
 */
export function alignToNextWindow(...apps: TestApp[]): void {
  const latest = Math.max(...apps.map((a) => clockOf(a).now().getTime()));
  const target = (Math.floor(latest / WINDOW_MS) + 1) * WINDOW_MS + 200;
  for (const a of apps) clockOf(a).advance(target - clockOf(a).now().getTime());
}

interface HeaderSource {
  headers: Record<string, string | string[] | undefined>;
}

/** RateLimit-* headers of §1.10 with the given limit and remaining count. */
export function expectRateHeaders(res: HeaderSource, limit: number, remaining: number): void {
  expect({
    limit: res.headers['ratelimit-limit'],
    remaining: res.headers['ratelimit-remaining'],
    policy: res.headers['ratelimit-policy'],
  }).toEqual({ limit: String(limit), remaining: String(remaining), policy: `${limit};w=60` });
  expect(res.headers['ratelimit-reset']).toMatch(/^\d+$/);
  const reset = Number(res.headers['ratelimit-reset']);
  expect(reset).toBeGreaterThanOrEqual(1);
  expect(reset).toBeLessThanOrEqual(60);
}

export function expectNoRateHeaders(res: HeaderSource): void {
  for (const header of RATE_HEADERS) expect(res.headers).not.toHaveProperty(header);
}

/** Retry-After: whole seconds, within the window, equal to RateLimit-Reset where that is sent. */
function expectRetryAfter(res: HeaderSource): void {
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  const seconds = Number(res.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  if (res.headers['ratelimit-reset'] !== undefined) expect(res.headers['retry-after']).toBe(res.headers['ratelimit-reset']);
}

/** 429 RATE_LIMITED with the exact strings of §1.3, Retry-After and a spent bucket. */
export function expectRateLimited(res: Response, limit: number, options: { list?: boolean } = {}): void {
  expectApiError(res, {
    status: 429,
    code: 'RATE_LIMITED',
    message: 'Too many requests.',
    hint: 'Retry after the number of seconds in the Retry-After header.',
    docs: `${DOCS}/errors#rate_limited`,
    list: options.list,
  });
  expectRateHeaders(res, limit, 0);
  expectRetryAfter(res);
}

export interface RawResponse extends HeaderSource {
  status: number;
  text: string;
  body: unknown;
}

/** The public 429 of §1.10/§6.2: exactly `{"data":null,"error":{code,message,request_id}}`, with Retry-After. */
export function expectPublicRateLimited(res: RawResponse): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.text).toBe(
    JSON.stringify({ data: null, error: { code: 'RATE_LIMITED', message: PUBLIC_RATE_LIMITED_MESSAGE, request_id: res.headers['x-request-id'] } }),
  );
  expectRetryAfter(res);
}

/**
 * An HTTP request to a listening app from another loopback source address (Linux routes
 * all of 127.0.0.0/8 to lo), so the server sees a different client IP.
 */
export function requestFrom(
  baseUrl: string,
  localAddress: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, baseUrl), { method, localAddress, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A second instance on `t`'s database with the same limits (PostgreSQL only: SQLite serves
 * one process per file), its clock on `t`'s. Close it with `closeSecondInstance`.
 */
export async function secondInstanceWith(t: TestApp, env: Record<string, string>): Promise<TestApp> {
  const second = await createTestApp(env, t.db);
  clockOf(second).advance(clockOf(t).now().getTime() - clockOf(second).now().getTime());
  return second;
}
