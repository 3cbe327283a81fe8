import { createHash } from 'node:crypto';
import { DeferredBodyError } from '../common/http/body.js';

/** JSON with object keys sorted at every level and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * SHA-256 over method, path, sorted query string and canonical body (§1.9). An empty body
 * counts as `{}`; a body that is not JSON is hashed as its raw bytes.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const [path, query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  params.sort();
  const hash = createHash('sha256');
  hash.update(`${method.toUpperCase()}\n${path}\n${params.toString()}\n`);
  if (body instanceof DeferredBodyError) hash.update(body.raw);
  else hash.update(canonicalJson(body === undefined ? {} : body));
  return hash.digest('hex');
}
