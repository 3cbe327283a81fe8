import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { Clock } from '../dist/src/common/clock.js';
import { bearer, type CreatedKey, type TestApp } from './helpers/app.js';
import { expectApiError } from './helpers/sessions.js';

/** Shared seeding, shapes and expectations of the webhooks API specs (§5.2–5.10). */

export const DOCS = 'https://kayle.id/docs/api';
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const ENDPOINT_ID = /^whe_[a-z0-9]{32}$/;
export const KEY_ID = /^whk_[a-z0-9]{32}$/;
export const EVENT_ID = /^evt_[a-z0-9]{64}$/;
export const DELIVERY_ID = /^whd_[a-z0-9]{64}$/;
export const SIGNING_SECRET = /^whsec_[a-z0-9]{32}$/;
export const FORBIDDEN_TEXT = '{"error":{"code":"FORBIDDEN","message":"Forbidden"}}';

export const EVENT_TYPES = [
  'verification.session.succeeded',
  'verification.session.failed',
  'verification.session.expired',
  'verification.session.cancelled',
  'verification.attempt.succeeded',
  'verification.attempt.failed',
];
export const SESSION_EVENT_TYPES = EVENT_TYPES.slice(0, 4);

export const ENDPOINT_KEYS = [
  'id',
  'organization_id',
  'livemode',
  'name',
  'url',
  'enabled',
  'subscribed_event_types',
  'created_at',
  'updated_at',
  'disabled_at',
];
export const KEY_KEYS = [
  'id',
  'webhook_endpoint_id',
  'livemode',
  'key_id',
  'algorithm',
  'key_type',
  'jwk',
  'is_active',
  'created_at',
  'updated_at',
  'disabled_at',
];
export const EVENT_KEYS = ['id', 'type', 'livemode', 'trigger_type', 'trigger_id', 'created_at', 'deliveries'];
export const EVENT_DELIVERY_KEYS = ['id', 'webhook_endpoint_id', 'status', 'attempt_count', 'last_status_code', 'last_attempt_at'];
export const DELIVERY_KEYS = [
  'id',
  'event_id',
  'webhook_endpoint_id',
  'livemode',
  'webhook_encryption_key_id',
  'status',
  'attempt_count',
  'next_attempt_at',
  'last_status_code',
  'last_attempt_at',
  'last_error',
  'created_at',
  'updated_at',
];

export type Json = Record<string, any>;

export function expectOk(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${res.text}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.error).toBeNull();
  return res.body.data as Json;
}

export function expectList(res: Response): { data: Json[]; pagination: Json } {
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status} ${res.text}`);
  expect(Object.keys(res.body)).toEqual(['data', 'error', 'pagination']);
  expect(res.body.error).toBeNull();
  return { data: res.body.data as Json[], pagination: res.body.pagination as Json };
}

export function expectForbidden(res: Response): void {
  expect(res.status).toBe(403);
  expect(res.text).toBe(FORBIDDEN_TEXT);
}

export function expectBadRequest(res: Response, param: string | undefined, options: { list?: boolean } = {}): void {
  expectApiError(res, { status: 400, code: 'BAD_REQUEST', message: 'Bad request.', docs: `${DOCS}/errors#bad_request`, param, list: options.list });
}

type EndpointAnchor =
  | 'endpoints#get-by-id'
  | 'endpoints#update'
  | 'endpoints#delete'
  | 'endpoints#reveal-signing-secret'
  | 'endpoints#rotate-signing-secret'
  | 'keys#create'
  | 'keys#list';

export function expectEndpointNotFound(res: Response, anchor: EndpointAnchor, options: { list?: boolean } = {}): void {
  expectApiError(res, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Webhook endpoint not found.',
    hint: 'The webhook endpoint with the given ID was not found.',
    docs: `${DOCS}/webhooks/${anchor}`,
    list: options.list,
  });
}

export function expectKeyNotFound(res: Response, anchor: 'deactivate' | 'reactivate'): void {
  expectApiError(res, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Webhook encryption key not found.',
    hint: 'The webhook encryption key with the given ID was not found.',
    docs: `${DOCS}/webhooks/keys#${anchor}`,
  });
}

export function expectEventNotFound(res: Response, anchor: 'get-by-id' | 'replay'): void {
  expectApiError(res, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Webhook event not found.',
    hint: 'The webhook event with the given ID was not found.',
    docs: `${DOCS}/webhooks/events#${anchor}`,
  });
}

export function expectDeliveryNotFound(res: Response): void {
  expectApiError(res, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Webhook delivery not found.',
    hint: 'The webhook delivery with the given ID was not found.',
    docs: `${DOCS}/webhooks/deliveries#retry`,
  });
}

/** A fresh RSA key pair as JWKs (2048 bits unless told). */
export function rsaJwk(modulusLength = 2048): { publicJwk: Json; privateJwk: Json } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return { publicJwk: publicKey.export({ format: 'jwk' }) as Json, privateJwk: privateKey.export({ format: 'jwk' }) as Json };
}

/** One 2048-bit public JWK for the whole process: key generation is slow. */
let sharedJwk: Json | null = null;
export function publicJwk(): Json {
  sharedJwk ??= rsaJwk().publicJwk;
  return { ...sharedJwk };
}

export const keyBody = (overrides: Json = {}): Json => ({
  key_id: 'rsa-key-1',
  jwk: publicJwk(),
  algorithm: 'RSA-OAEP-256',
  key_type: 'RSA',
  ...overrides,
});

export async function createEndpoint(t: TestApp, key: CreatedKey, body: Json = {}): Promise<{ endpoint: Json; signing_secret: string }> {
  const res = await t
    .http()
    .post('/v1/webhooks/endpoints')
    .set(bearer(key))
    .send({ url: 'https://example.com/webhooks/kayle', ...body });
  return expectOk(res) as { endpoint: Json; signing_secret: string };
}

export async function createKey(t: TestApp, key: CreatedKey, endpointId: string, body: Json = {}): Promise<Json> {
  const res = await t.http().post(`/v1/webhooks/endpoints/${endpointId}/keys`).set(bearer(key)).send(keyBody(body));
  return expectOk(res);
}

/** Follows `next_cursor` from the first page to the last; returns ids in order and every page. */
export async function walk(
  t: TestApp,
  key: CreatedKey,
  path: string,
  query: Record<string, string | number> = {},
): Promise<{ ids: string[]; pages: Array<{ data: Json[]; pagination: Json }> }> {
  const ids: string[] = [];
  const pages: Array<{ data: Json[]; pagination: Json }> = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const res = await t
      .http()
      .get(path)
      .set(bearer(key))
      .query({ ...query, ...(cursor ? { starting_after: cursor } : {}) });
    const page = expectList(res);
    pages.push(page);
    ids.push(...page.data.map((item) => item.id as string));
    cursor = page.pagination.next_cursor as string | null;
    if (!cursor) break;
  }
  return { ids, pages };
}

export const dataSourceOf = (t: TestApp): DataSource => t.app.get(DataSource);
export const clockOf = (t: TestApp): Clock => t.app.get(Clock);

/** Runs `work` with the app's clock moved by `ms`, then moves it back. */
export async function withClockAdvanced<T>(t: TestApp, ms: number, work: () => Promise<T>): Promise<T> {
  const clock = clockOf(t);
  clock.advance(ms);
  try {
    return await work();
  } finally {
    clock.advance(-ms);
  }
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver (http://127.0.0.1 is allowed outside production) answering `status`. */
export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(status = 500): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver = { requests, status } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = receiver.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
