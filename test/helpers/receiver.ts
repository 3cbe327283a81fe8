import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { decryptKaylePayload, verifyKayleSignature, type KaylePayload } from '../../dist/src/index.js';
import { Clock } from '../../dist/src/common/clock.js';
import { WebhookDispatcher } from '../../dist/src/webhooks/dispatcher.service.js';
import { createEndpoint, createKey, type Json } from '../webhooks-api-helpers.js';
import { bearer, type CreatedKey, type TestApp } from './app.js';

/**
 * A webhook receiver on 127.0.0.1 for the delivery specs (§5.12): it keeps the raw body
 * bytes and headers of every request, and answers each one as it is told (a status, a
 * slow status, a held request released by the test, or a dropped connection). Plus the
 * receiver-side checks a business runs: signature header parsing, JWE header, decryption.
 */

/**
 * How to answer one request: a status at once; a status after `delayMs` (with extra
 * headers, e.g. a Location); `hold` keeps it open until `release()`; `close` destroys the
 * connection without an answer.
 */
export type Reply = number | { status: number; delayMs?: number; headers?: Record<string, string> } | 'hold' | 'close';

export interface ReceivedRequest {
  /** Arrival order, from 0. */
  seq: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  rawBody: Buffer;
  deliveryId: string | undefined;
  eventType: string | undefined;
  signature: string | undefined;
  /** Date.now() when the body was complete. */
  receivedAt: number;
  /** Date.now() when the answer was written, or when the connection ended without one. */
  endedAt: number | null;
  /** The status sent, `close` when dropped on purpose, `aborted` when the sender gave up first, null while open. */
  outcome: number | 'close' | 'aborted' | null;
}

export interface TestReceiver {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** `origin` + `path` (default `/hook`). */
  url(path?: string): string;
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Decides the answer of a request for which nothing is queued; answers 200 unless replaced. */
  reply: (request: ReceivedRequest) => Reply;
  /** Answers for the next requests, in arrival order, before `reply` is asked. */
  queue(...replies: Reply[]): void;
  /** Answers for the next requests to `path`, before `queue` and `reply` are asked. */
  queueFor(path: string, ...replies: Reply[]): void;
  forDelivery(deliveryId: string): ReceivedRequest[];
  onPath(path: string): ReceivedRequest[];
  /** Requests held open right now. */
  held(): ReceivedRequest[];
  /** Answers the held requests (all, or those `which` selects) with `status`; returns how many. */
  release(status?: number, which?: (request: ReceivedRequest) => boolean): number;
  /** Polls until `probe` over the requests is truthy. */
  waitFor<T>(probe: (requests: ReceivedRequest[]) => T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

export async function startTestReceiver(): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const queued: Reply[] = [];
  const queuedByPath = new Map<string, Reply[]>();
  const holding = new Map<ReceivedRequest, ServerResponse>();

  const answer = (request: ReceivedRequest, res: ServerResponse, status: number, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(String(status));
    request.outcome = status;
    request.endedAt = Date.now();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        seq: requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks),
        deliveryId: header(req.headers, 'x-kayle-delivery-id'),
        eventType: header(req.headers, 'x-kayle-event'),
        signature: header(req.headers, 'x-kayle-signature'),
        receivedAt: Date.now(),
        endedAt: null,
        outcome: null,
      };
      requests.push(request);
      // The sender timing out or going away before the answer.
      res.on('close', () => {
        holding.delete(request);
        if (request.outcome === null) {
          request.outcome = 'aborted';
          request.endedAt = Date.now();
        }
      });
      const forPath = queuedByPath.get(request.path);
      const reply = forPath?.length ? forPath.shift()! : queued.length > 0 ? queued.shift()! : receiver.reply(request);
      if (reply === 'hold') {
        holding.set(request, res);
      } else if (reply === 'close') {
        request.outcome = 'close';
        request.endedAt = Date.now();
        req.socket.destroy();
      } else if (typeof reply === 'number') {
        answer(request, res, reply);
      } else if (reply.delayMs) {
        setTimeout(() => answer(request, res, reply.status, reply.headers), reply.delayMs);
      } else {
        answer(request, res, reply.status, reply.headers);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const receiver: TestReceiver = {
    origin,
    url: (path = '/hook') => `${origin}${path}`,
    requests,
    reply: () => 200,
    queue: (...replies) => void queued.push(...replies),
    queueFor(path, ...replies) {
      if (!queuedByPath.has(path)) queuedByPath.set(path, []);
      queuedByPath.get(path)!.push(...replies);
    },
    forDelivery: (deliveryId) => requests.filter((r) => r.deliveryId === deliveryId),
    onPath: (path) => requests.filter((r) => r.path === path),
    held: () => [...holding.keys()],
    release(status = 200, which = () => true) {
      let released = 0;
      for (const [request, res] of [...holding]) {
        if (!which(request)) continue;
        holding.delete(request);
        answer(request, res, status);
        released++;
      }
      return released;
    },
    async waitFor(probe, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe(requests);
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`receiver: timed out waiting for ${what} (${requests.length} requests so far)`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [request, res] of holding) answer(request, res, 503);
        holding.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** A URL on 127.0.0.1 where nothing listens: connections are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}

/** `X-Kayle-Signature: t=<t>,v1=<hex>[,v1=<hex>]` split into its parts; throws on any other shape. */
export function parseSignature(value: string | undefined): { t: number; v1: string[] } {
  const match = /^t=(\d+)((?:,v1=[0-9a-f]{64})+)$/.exec(value ?? '');
  if (!match) throw new Error(`malformed X-Kayle-Signature: ${String(value)}`);
  return { t: Number(match[1]), v1: match[2].slice(1).split(',').map((p) => p.slice(3)) };
}

/** The five base64url parts of a compact JWE and its protected header, raw and parsed. */
export function jweParts(rawBody: Buffer): { parts: string[]; headerJson: string; header: Record<string, unknown> } {
  const parts = rawBody.toString('utf8').split('.');
  if (parts.length !== 5 || !parts.every((p, i) => /^[A-Za-z0-9_-]*$/.test(p) && (i === 1 || i === 2 || i === 4 ? p.length > 0 : true))) {
    throw new Error(`not a compact JWE: ${rawBody.toString('utf8').slice(0, 80)}`);
  }
  const headerJson = Buffer.from(parts[0], 'base64url').toString('utf8');
  return { parts, headerJson, header: JSON.parse(headerJson) as Record<string, unknown> };
}

/** What a business does with one request (§5.12 receiver checks 2–5), at the app's clock. */
export async function openDelivery(
  t: TestApp,
  request: ReceivedRequest,
  secrets: readonly string[],
  privateKeys: Record<string, JWK>,
): Promise<KaylePayload> {
  const nowS = Math.floor(clockOf(t).now().getTime() / 1000);
  if (!verifyKayleSignature(request.signature, request.rawBody, secrets, nowS)) {
    throw new Error(`signature of ${String(request.deliveryId)} does not verify: ${String(request.signature)}`);
  }
  return decryptKaylePayload(request.rawBody, privateKeys);
}

export const clockOf = (t: TestApp): Clock => t.app.get(Clock);
export const dispatcherOf = (t: TestApp): WebhookDispatcher => t.app.get(WebhookDispatcher);

/**
 * Waits for a dispatch cycle on `t` that started after this call, so what is due now has
 * been attempted. runOnce() during a cycle in flight (e.g. one a nudge started) shares that
 * cycle and queues one more; the second call waits for that one.
 */
export async function dispatch(t: TestApp): Promise<number> {
  const dispatcher = dispatcherOf(t);
  return (await dispatcher.runOnce()) + (await dispatcher.runOnce());
}

/** Moves `t`'s clock by `ms`, then runs a dispatch cycle. */
export async function advanceAndDispatch(t: TestApp, ms: number): Promise<number> {
  clockOf(t).advance(ms);
  return dispatch(t);
}

/** GET /v1/webhooks/deliveries with `query`, every page of up to 100; insists on 200. */
export async function listDeliveries(t: TestApp, key: CreatedKey, query: Record<string, string> = {}): Promise<Array<Record<string, any>>> {
  const all: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const res = await t
      .http()
      .get('/v1/webhooks/deliveries')
      .query({ limit: '100', ...query, ...(cursor ? { starting_after: cursor } : {}) })
      .set(bearer(key));
    if (res.status !== 200) throw new Error(`list deliveries: ${res.status} ${res.text}`);
    all.push(...(res.body.data as Array<Record<string, any>>));
    cursor = res.body.pagination.next_cursor as string | null;
  } while (cursor);
  return all;
}

/** Every event of the key's environment (GET /v1/webhooks/events), newest first. */
export async function listEvents(t: TestApp, key: CreatedKey, query: Record<string, string> = {}): Promise<Array<Record<string, any>>> {
  const all: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const res = await t
      .http()
      .get('/v1/webhooks/events')
      .query({ limit: '100', ...query, ...(cursor ? { starting_after: cursor } : {}) })
      .set(bearer(key));
    if (res.status !== 200) throw new Error(`list events: ${res.status} ${res.text}`);
    all.push(...(res.body.data as Array<Record<string, any>>));
    cursor = res.body.pagination.next_cursor as string | null;
  } while (cursor);
  return all;
}

let pair: { publicJwk: JWK; privateJwk: JWK } | null = null;

/** One RSA-2048 key pair for the whole process (generation is slow); the receiver holds the private half. */
export function receiverKeyPair(): { publicJwk: JWK; privateJwk: JWK } {
  if (!pair) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pair = { publicJwk: publicKey.export({ format: 'jwk' }) as JWK, privateJwk: privateKey.export({ format: 'jwk' }) as JWK };
  }
  return pair;
}

export interface ConnectedEndpoint {
  id: string;
  endpoint: Json;
  /** The signing secret from the create response. */
  secret: string;
  /** The `whk_` key record, or null when created without a key. */
  key: Json | null;
  /** The JWE `kid`. */
  kid: string;
  /** The receiver path it posts to. */
  path: string;
  /** Private keys by kid, for decryptKaylePayload. */
  privateKeys: Record<string, JWK>;
}

/**
 * A webhook endpoint posting to `receiver` at `path` (default a fresh one), through the
 * API, with an encryption key for the receiver's key pair unless `withKey` is false.
 */
export async function connectEndpoint(
  t: TestApp,
  apiKey: CreatedKey,
  receiver: TestReceiver,
  options: { path?: string; subscribed_event_types?: string[]; enabled?: boolean; withKey?: boolean; kid?: string; url?: string } = {},
): Promise<ConnectedEndpoint> {
  const path = options.path ?? `/hook/${randomBytes(6).toString('hex')}`;
  const body: Json = { url: options.url ?? receiver.url(path) };
  if (options.subscribed_event_types) body.subscribed_event_types = options.subscribed_event_types;
  if (options.enabled !== undefined) body.enabled = options.enabled;
  const created = await createEndpoint(t, apiKey, body);
  const kid = options.kid ?? `rsa-${randomBytes(4).toString('hex')}`;
  const { publicJwk, privateJwk } = receiverKeyPair();
  const key = options.withKey === false ? null : await createKey(t, apiKey, created.endpoint.id, { key_id: kid, jwk: { ...publicJwk } });
  return {
    id: created.endpoint.id as string,
    endpoint: created.endpoint,
    secret: created.signing_secret,
    key,
    kid,
    path,
    privateKeys: { [kid]: privateJwk },
  };
}

/** The event of `type` whose trigger is `triggerId`, from GET /v1/webhooks/events. */
export async function eventOf(t: TestApp, key: CreatedKey, type: string, triggerId: string): Promise<Record<string, any>> {
  const found = (await listEvents(t, key, { type })).filter((e) => e.trigger_id === triggerId);
  if (found.length !== 1) throw new Error(`expected one ${type} event for ${triggerId}, found ${found.length}`);
  return found[0];
}

/** Polls GET /v1/webhooks/deliveries until the delivery satisfies `done`; returns it. */
export async function waitForDelivery(
  t: TestApp,
  key: CreatedKey,
  deliveryId: string,
  done: (delivery: Record<string, any>) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listDeliveries(t, key)).find((d) => d.id === deliveryId);
    if (found && done(found)) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${deliveryId}: ${what}; last seen ${JSON.stringify(found)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
