// Drives a real Passline server (the root package's dist/, on a throwaway SQLite file)
// through the typed client: if the document and the server disagree, this fails.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createPasslineClient,
  ERROR_CODES,
  errorCode,
  newIdempotencyKey,
  verifyKayleSignature,
  type ApiErrorBody,
  type ErrorCodeOf,
  type PasslineClient,
} from '../src/index.js';

// Compiled to clients/typescript/build-test/test/: four levels up is the service's root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const ADMIN_TOKEN = 'contract-admin-token-0123456789abcdef01';

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });

let server: ChildProcess;
let dir: string;
let baseUrl: string;
let passline: PasslineClient;
let admin: PasslineClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passline-contract-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'contract.sqlite'),
      SERVER_SECRET: 'contract-server-secret-0123456789abcdef',
      ADMIN_TOKEN,
      PUBLIC_BASE_URL: baseUrl,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  admin = createPasslineClient({ baseUrl, apiKey: ADMIN_TOKEN });
  for (let i = 0; ; i += 1) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      if (i > 150) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const org = await admin.POST('/v1/admin/orgs', { body: { name: 'Contract' } });
  assert.ok(org.data, JSON.stringify(org.error));
  const key = await admin.POST('/v1/admin/api-keys', {
    body: { organization_id: org.data.data.id, name: 'contract', livemode: false },
  });
  assert.ok(key.data, JSON.stringify(key.error));
  passline = createPasslineClient({ baseUrl, apiKey: key.data.data.key });
});

after(async () => {
  server?.kill('SIGTERM');
  await new Promise((r) => server?.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
});

describe('the typed client against a real server', () => {
  it('creates, gets, lists and cancels a session', async () => {
    const created = await passline.POST('/v1/sessions', {
      params: { header: { 'Idempotency-Key': newIdempotencyKey() } },
      body: { expires_in: 900, share_fields: { age_over_18: { required: true, reason: 'Adults only.' } } },
    });
    assert.equal(created.response.status, 200);
    assert.ok(created.data);
    const session = created.data.data;
    assert.match(session.id, /^vs_[a-z0-9]{64}$/);
    assert.equal(session.status, 'created');
    assert.equal((created.data as unknown as { error: unknown }).error, null);
    assert.match(created.response.headers.get('x-request-id') ?? '', /^req_/);

    const got = await passline.GET('/v1/sessions/{id}', { params: { path: { id: session.id }, query: { include_attempts: 'true' } } });
    assert.equal(got.data?.data.id, session.id);

    const list = await passline.GET('/v1/sessions', { params: { query: { limit: 5 } } });
    assert.ok(list.data);
    assert.equal(list.data.pagination.limit, 5);
    assert.ok(list.data.data.some((s) => s.id === session.id));

    const cancelled = await passline.POST('/v1/sessions/{id}/cancel', { params: { path: { id: session.id } } });
    assert.equal(cancelled.response.status, 204);
    const after = await passline.GET('/v1/sessions/{id}', { params: { path: { id: session.id } } });
    assert.equal(after.data?.data.status, 'cancelled');
  });

  it('drives a test session to failure and lists its attempts', async () => {
    const created = await passline.POST('/v1/sessions', { body: {} });
    const id = created.data!.data.id;
    const failed = await passline.POST('/v1/test_helpers/sessions/{id}/fail', { params: { path: { id } }, body: {} });
    assert.equal(failed.response.status, 200, JSON.stringify(failed.error));
    const attempts = await passline.GET('/v1/sessions/attempts', { params: { query: { session_id: id } } });
    assert.ok(attempts.data);
    assert.equal(attempts.data.data.length, 1);
    assert.equal(attempts.data.data[0].session_id, id);
  });

  it('manages webhook endpoints and reads events', async () => {
    const endpoint = await passline.POST('/v1/webhooks/endpoints', { body: { url: 'https://hooks.example/passline' } });
    assert.equal(endpoint.response.status, 200, JSON.stringify(endpoint.error));
    const created = endpoint.data!.data.endpoint;
    assert.match(endpoint.data!.data.signing_secret, /^whsec_/);
    const listed = await passline.GET('/v1/webhooks/endpoints', {});
    assert.ok(listed.data?.data.some((e) => e.id === created.id));
    const updated = await passline.PATCH('/v1/webhooks/endpoints/{endpoint_id}', {
      params: { path: { endpoint_id: created.id } },
      body: { enabled: false },
    });
    assert.equal(updated.data?.data.enabled, false);
    const events = await passline.GET('/v1/webhooks/events', { params: { query: { limit: 10 } } });
    assert.ok(events.data);
    assert.ok(events.data.data.length >= 1);
    const deleted = await passline.DELETE('/v1/webhooks/endpoints/{endpoint_id}', { params: { path: { endpoint_id: created.id } } });
    assert.equal(deleted.response.status, 200);
  });

  it('returns typed errors to branch on', async () => {
    const res = await passline.POST('/v1/sessions', {
      body: { share_fields: { favourite_colour: { required: true, reason: 'Why not.' } } },
    });
    assert.equal(res.data, undefined);
    assert.ok(res.error);
    const error: ApiErrorBody | undefined = 'hint' in res.error.error ? res.error.error : undefined;
    assert.equal(error?.code, 'UNKNOWN_CLAIM_KEY');
    assert.equal(error?.param, 'share_fields.favourite_colour');
    // The code the server sent is one the document lists for this operation and status.
    const code: ErrorCodeOf<'createSession'> | undefined = errorCode('createSession', res.error);
    assert.equal(code, 'UNKNOWN_CLAIM_KEY');
    assert.ok((ERROR_CODES.createSession[400] as readonly string[]).includes(code!));
    assert.equal(errorCode('createSession', { error: { code: 'SOMETHING_NEW' } }), undefined);

    const missing = await passline.GET('/v1/sessions/{id}', { params: { path: { id: `vs_${'0'.repeat(64)}` } } });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.error.code, 'NOT_FOUND');
    assert.deepEqual(ERROR_CODES.getSession[404], ['NOT_FOUND']);

    const stranger = createPasslineClient({ baseUrl, apiKey: 'kk_test_' + 'x'.repeat(32) });
    const denied = await stranger.GET('/v1/sessions', {});
    assert.equal(denied.response.status, 401);
    assert.deepEqual(denied.error, { error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } });
    assert.equal(errorCode('listSessions', denied.error), 'UNAUTHORIZED');
  });

  it('exports the webhook receiver helpers', () => {
    assert.equal(verifyKayleSignature(undefined, '{}', ['whsec_x']), false);
  });
});
