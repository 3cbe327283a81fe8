import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsOptional, IsString } from 'class-validator';
import { existsSync } from 'node:fs';
import request from 'supertest';
import { AppModule } from '../dist/src/app.module.js';
import { Scopes } from '../dist/src/auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../dist/src/auth/principal.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../dist/src/configure-app.js';
import { ALL_SCOPES, bearer, createTestApp, TEST_ADMIN_TOKEN, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { expectBadRequest } from './helpers/sessions.js';

/*
 * The global guard applies to every controller, so these tests mount a tiny probe
 * controller next to the real AppModule: the guard, the bearer strategy, the key
 * service, the filter and the keys (minted through the admin API) are all real. This
 * keeps §2.1/§2.2 covered independently of which business routes exist yet.
 */
class ProbeBody {
  @IsOptional()
  @IsString()
  note?: string;
}

@Controller('v1/auth-probe')
class AuthProbeController {
  @Scopes('sessions:read')
  @Get('read')
  read(@CurrentPrincipal() principal: Principal) {
    return { organization_id: principal.organizationId, livemode: principal.livemode };
  }

  @Scopes('sessions:write')
  @HttpCode(200)
  @Post('write')
  write(@Body() body: ProbeBody) {
    return { note: body.note ?? null };
  }
}

const UNAUTHORIZED_TEXT = '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}';
const FORBIDDEN_TEXT = '{"error":{"code":"FORBIDDEN","message":"Forbidden"}}';
const GENERATED_REQUEST_ID = /^req_[a-z0-9]{24}$/;
const NOT_FOUND_ROUTE = {
  code: 'NOT_FOUND',
  message: 'Not found.',
  hint: 'No route matches this method and path.',
  docs: 'https://kayle.id/docs/api/errors#not_found',
};
const SESSIONS_ROUTES_BUILT = existsSync(new URL('../dist/src/sessions/sessions.controller.js', import.meta.url));

type Res = request.Response;

function expectExactAuthError(res: Res, status: 401 | 403): void {
  expect(res.status).toBe(status);
  const text = status === 401 ? UNAUTHORIZED_TEXT : FORBIDDEN_TEXT;
  expect(JSON.parse(res.text)).toEqual(JSON.parse(text));
  expect(res.text).toBe(text);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body).not.toHaveProperty('data');
  expect(body).not.toHaveProperty('error.request_id');
  expect(body).not.toHaveProperty('error.hint');
  expect(body).not.toHaveProperty('error.docs');
  expect(res.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
}

function expectRouteNotFound(res: Res): void {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ data: null, error: { ...NOT_FOUND_ROUTE, request_id: res.headers['x-request-id'] } });
}

const randomKey = (env: 'live' | 'test') =>
  `kk_${env}_${Array.from({ length: 32 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('')}`;

interface ProbeApp {
  app: NestFastifyApplication;
  http: () => ReturnType<typeof request>;
  admin: { Authorization: string };
  createKey(orgId: string, options?: { livemode?: boolean; scopes?: string[] }): Promise<CreatedKey>;
  createOrg(): Promise<string>;
  close(): Promise<void>;
}

async function createProbeApp(): Promise<ProbeApp> {
  const db: TestDatabase = await createTestDatabase();
  const saved = { ...process.env };
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'fatal',
    SERVER_SECRET: TEST_SERVER_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DATABASE_URL: db.url,
  });
  let app: NestFastifyApplication;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule], controllers: [AuthProbeController] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), NEST_APP_OPTIONS);
    app.useLogger(['fatal']);
    configureApp(app, { swaggerUi: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } finally {
    process.env = saved;
  }
  const http = () => request(app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  return {
    app,
    http,
    admin,
    createOrg: async () => {
      const res = await http().post('/v1/admin/orgs').set(admin).send({ name: 'Probe org' });
      if (res.status !== 200) throw new Error(`createOrg failed: ${res.status} ${res.text}`);
      return res.body.data.id as string;
    },
    createKey: async (orgId, options = {}) => {
      const res = await http()
        .post('/v1/admin/api-keys')
        .set(admin)
        .send({ organization_id: orgId, name: 'Probe key', livemode: options.livemode ?? true, scopes: options.scopes ?? ALL_SCOPES });
      if (res.status !== 200) throw new Error(`createKey failed: ${res.status} ${res.text}`);
      return res.body.data as CreatedKey;
    },
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

describe('API-key authentication (§2.1) and scopes (§2.2)', () => {
  let t: ProbeApp;
  let orgId: string;
  let key: CreatedKey;

  beforeAll(async () => {
    t = await createProbeApp();
    orgId = await t.createOrg();
    key = await t.createKey(orgId);
  });
  afterAll(async () => t.close());

  it('lets a valid live key through, scoped to its organization and environment', async () => {
    const res = await t.http().get('/v1/auth-probe/read').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { organization_id: orgId, livemode: true }, error: null });
    const test = await t.createKey(orgId, { livemode: false });
    const resTest = await t.http().get('/v1/auth-probe/read').set(bearer(test));
    expect(resTest.body.data).toEqual({ organization_id: orgId, livemode: false });
  });

  it('accepts the scheme name in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await t.http().get('/v1/auth-probe/read').set('Authorization', `${scheme} ${key.key}`);
      expect(res.status).toBe(200);
    }
  });

  describe('answers the exact 401 body', () => {
    it('when the Authorization header is missing', async () => {
      expectExactAuthError(await t.http().get('/v1/auth-probe/read'), 401);
    });

    it.each([
      ['a Basic scheme', 'Basic x'],
      ['a Basic scheme carrying a valid key', 'Basic <key>'],
      ['two spaces after Bearer', 'Bearer  <key>'],
      ['Bearer alone', 'Bearer'],
      ['no scheme at all', '<key>'],
      ['a trailing word after the key', 'Bearer <key> extra'],
      ['Bearer glued to the key', 'Bearer<key>'],
    ])('when the header is malformed: %s', async (_label, header) => {
      const res = await t.http().get('/v1/auth-probe/read').set('Authorization', header.replace('<key>', key.key));
      expectExactAuthError(res, 401);
    });

    it.each([
      ['too short', 'kk_live_abc'],
      ['an unknown environment', `kk_prod_${'a'.repeat(32)}`],
      ['upper-case characters', `kk_live_${'A'.repeat(32)}`],
      ['one character too long', `kk_live_${'a'.repeat(33)}`],
      ['the admin token', TEST_ADMIN_TOKEN],
    ])('when the key has the wrong format: %s', async (_label, candidate) => {
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(candidate)), 401);
    });

    it('when no key has that hash (well-formed but unknown, live and test)', async () => {
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(randomKey('live'))), 401);
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(randomKey('test'))), 401);
    });

    it('when the key is only offered as an access_token query parameter or body field', async () => {
      // §2.1: keys come from `Authorization: Bearer` only. passport-http-bearer would also
      // read `access_token` from the query string and the body.
      expectExactAuthError(await t.http().get(`/v1/auth-probe/read?access_token=${key.key}`), 401);
      expectExactAuthError(
        await t.http().get(`/v1/auth-probe/read?access_token=${key.key}`).set('Authorization', 'Basic x'),
        401,
      );
      expectExactAuthError(
        await t.http().post('/v1/auth-probe/write').set('Authorization', 'Basic x').send({ access_token: key.key }),
        401,
      );
    });

    it('before validating a malformed or oversized body (order of checks, §1.3)', async () => {
      const malformed = await t
        .http()
        .post('/v1/auth-probe/write')
        .set(bearer(randomKey('live')))
        .set('Content-Type', 'application/json')
        .send('{"note":');
      expectExactAuthError(malformed, 401);
      const oversized = await t
        .http()
        .post('/v1/auth-probe/write')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ note: 'x'.repeat(200 * 1024) }));
      expectExactAuthError(oversized, 401);
    });
  });

  describe('key lifecycle through the admin API', () => {
    it('rejects a disabled key at once, and accepts it again once re-enabled', async () => {
      const k = await t.createKey(orgId);
      // Warm the auth cache (~3 s TTL): a local admin change must still apply immediately.
      expect((await t.http().get('/v1/auth-probe/read').set(bearer(k))).status).toBe(200);

      const disabled = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(t.admin).send({ enabled: false });
      expect(disabled.status).toBe(200);
      expect(disabled.body.data.enabled).toBe(false);
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(k)), 401);

      const enabled = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(t.admin).send({ enabled: true });
      expect(enabled.status).toBe(200);
      expect((await t.http().get('/v1/auth-probe/read').set(bearer(k))).status).toBe(200);
    });

    it('rejects a revoked key at once and for good', async () => {
      const k = await t.createKey(orgId);
      expect((await t.http().get('/v1/auth-probe/read').set(bearer(k))).status).toBe(200);

      expect((await t.http().delete(`/v1/admin/api-keys/${k.id}`).set(t.admin)).status).toBe(200);
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(k)), 401);
      expectExactAuthError(await t.http().post('/v1/auth-probe/write').set(bearer(k)).send({}), 401);
    });

    it('applies a scope change at once', async () => {
      const k = await t.createKey(orgId);
      expect((await t.http().get('/v1/auth-probe/read').set(bearer(k))).status).toBe(200);
      const patched = await t.http().patch(`/v1/admin/api-keys/${k.id}`).set(t.admin).send({ scopes: ['sessions:write'] });
      expect(patched.status).toBe(200);
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(k)), 403);
    });

    it('sets last_used_at once the key has been used', async () => {
      const k = await t.createKey(orgId);
      const listed = async () => {
        const res = await t.http().get(`/v1/admin/api-keys?organization_id=${orgId}&limit=100`).set(t.admin);
        return (res.body.data as Array<{ id: string; last_used_at: string | null }>).find((row) => row.id === k.id)!;
      };
      expect((await listed()).last_used_at).toBeNull();
      const before = Date.now();
      expect((await t.http().get('/v1/auth-probe/read').set(bearer(k))).status).toBe(200);
      // The timestamp is written off the request path; give it a moment.
      let lastUsed: string | null = null;
      for (let i = 0; i < 50 && lastUsed === null; i++) {
        lastUsed = (await listed()).last_used_at;
        if (lastUsed === null) await new Promise((r) => setTimeout(r, 20));
      }
      expect(lastUsed).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(lastUsed!)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(lastUsed!)).toBeLessThanOrEqual(Date.now());
    });
  });

  describe('scopes', () => {
    it('answers the exact 403 body to a key that lacks the route scope', async () => {
      const writeOnly = await t.createKey(orgId, { scopes: ['sessions:write'] });
      expectExactAuthError(await t.http().get('/v1/auth-probe/read').set(bearer(writeOnly)), 403);
      // ...while the scope it does hold works: no scope implies another.
      expect((await t.http().post('/v1/auth-probe/write').set(bearer(writeOnly)).send({})).status).toBe(200);
      const readOnly = await t.createKey(orgId, { scopes: ['sessions:read', 'webhooks:read', 'webhooks:write'] });
      expectExactAuthError(await t.http().post('/v1/auth-probe/write').set(bearer(readOnly)).send({}), 403);
    });

    it('decides 403 before looking at a malformed body (order of checks, §1.3)', async () => {
      const readOnly = await t.createKey(orgId, { scopes: ['sessions:read'] });
      const res = await t
        .http()
        .post('/v1/auth-probe/write')
        .set(bearer(readOnly))
        .set('Content-Type', 'application/json')
        .send('{not json');
      expectExactAuthError(res, 403);
    });

    it('keeps a client X-Request-Id on 401 and 403 responses', async () => {
      const res401 = await t.http().get('/v1/auth-probe/read').set('X-Request-Id', 'client-401');
      expect(res401.status).toBe(401);
      expect(res401.headers['x-request-id']).toBe('client-401');
      const writeOnly = await t.createKey(orgId, { scopes: ['sessions:write'] });
      const res403 = await t.http().get('/v1/auth-probe/read').set(bearer(writeOnly)).set('X-Request-Id', 'client-403');
      expect(res403.status).toBe(403);
      expect(res403.headers['x-request-id']).toBe('client-403');
      expect(res403.text).toBe(FORBIDDEN_TEXT);
    });
  });

  describe('route matching comes first (§1.3 step 1)', () => {
    it.each([
      ['without credentials', {}],
      ['with a valid key', 'key'],
      ['with a malformed header', { Authorization: 'Basic x' }],
      ['with the admin token', 'admin'],
    ])('answers the unknown-route 404 envelope %s', async (_label, auth) => {
      const headers = auth === 'key' ? bearer(key) : auth === 'admin' ? t.admin : (auth as Record<string, string>);
      for (const [method, path] of [
        ['get', '/v1/nope'],
        ['post', '/v1/nope/deeper?x=1'],
        ['get', '/'],
        ['delete', '/v1'],
      ] as const) {
        expectRouteNotFound(await t.http()[method](path).set(headers));
      }
    });

    it('answers 404 to a known path with a method it does not support, with or without auth', async () => {
      expectRouteNotFound(await t.http().delete('/v1/auth-probe/read'));
      expectRouteNotFound(await t.http().put('/v1/auth-probe/read').set(bearer(key)));
      expectRouteNotFound(await t.http().get('/v1/auth-probe/write').set(bearer(key)));
      expectRouteNotFound(await t.http().post('/health'));
      expectRouteNotFound(await t.http().put('/v1/admin/orgs').set(t.admin).send({ name: 'x' }));
      expectRouteNotFound(await t.http().patch('/v1/admin/orgs'));
    });
  });
});

// The real business route of §2.2's example. Runs once the sessions module is built.
(SESSIONS_ROUTES_BUILT ? describe : describe.skip)('GET /v1/sessions auth (pending the sessions module)', () => {
  let t: ProbeApp;
  let orgId: string;
  beforeAll(async () => {
    t = await createProbeApp();
    orgId = await t.createOrg();
  });
  afterAll(async () => t.close());

  it('answers the exact 403 body to a key holding only sessions:write', async () => {
    const writeOnly = await t.createKey(orgId, { scopes: ['sessions:write'] });
    expectExactAuthError(await t.http().get('/v1/sessions').set(bearer(writeOnly)), 403);
  });

  it('answers the exact 401 body without a key or with an unknown one', async () => {
    expectExactAuthError(await t.http().get('/v1/sessions'), 401);
    expectExactAuthError(await t.http().get('/v1/sessions').set(bearer(randomKey('live'))), 401);
  });

  it('lets a key with sessions:read list sessions', async () => {
    const reader = await t.createKey(orgId, { scopes: ['sessions:read'] });
    expect((await t.http().get('/v1/sessions').set(bearer(reader))).status).toBe(200);
  });
});

describe('API keys come from the Authorization header only (§2.1, §1.1)', () => {
  let t: TestApp;
  let key: CreatedKey;
  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).live;
  });
  afterAll(async () => t.close());

  it('ignores an access_token query parameter beside a valid Bearer key, like any unknown query parameter', async () => {
    const res = await t.http().get('/v1/sessions?access_token=foo').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.error).toBeNull();
  });

  it('treats an access_token body field beside a valid Bearer key as an unknown property (400, param access_token)', async () => {
    const res = await t.http().post('/v1/sessions').set(bearer(key)).send({ access_token: 'foo' });
    expectBadRequest(res, 'access_token');
  });

  it('still answers 401 when the key is only in the query string or the body', async () => {
    expectExactAuthError(await t.http().get(`/v1/sessions?access_token=${key.key}`), 401);
    expectExactAuthError(await t.http().post('/v1/sessions').send({ access_token: key.key }), 401);
  });
});

describe('two apps in one process (passport strategy registry)', () => {
  it('keeps authenticating each app against its own keys while the other runs and after it closes', async () => {
    const first = await createTestApp();
    try {
      const firstKey = (await first.tenant()).live;
      const second = await createTestApp();
      try {
        const secondKey = (await second.tenant()).live;
        expect((await first.http().get('/v1/sessions').set(bearer(firstKey))).status).toBe(200);
        expect((await second.http().get('/v1/sessions').set(bearer(secondKey))).status).toBe(200);
        // Separate databases: neither app knows the other's key.
        expectExactAuthError(await first.http().get('/v1/sessions').set(bearer(secondKey)), 401);
      } finally {
        await second.close();
      }
      // A key the first app has never seen (not in its auth cache) after the second closed.
      const fresh = (await first.tenant()).live;
      expect((await first.http().get('/v1/sessions').set(bearer(fresh))).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});
