import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../dist/src/app.module.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../dist/src/configure-app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_SERVER_SECRET = 'test-server-secret-0123456789abcdef';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123';
export const ALL_SCOPES = ['sessions:read', 'sessions:write', 'webhooks:read', 'webhooks:write'];

export interface CreatedKey {
  id: string;
  key: string;
  organization_id: string;
  livemode: boolean;
  scopes: string[];
}

export interface TestApp {
  app: NestFastifyApplication;
  http: () => TestAgent;
  db: TestDatabase;
  env: Record<string, string>;
  /** Admin bearer header. */
  admin: { Authorization: string };
  createOrg(name?: string): Promise<{ id: string; name: string }>;
  /** Mints a real key through the admin API. */
  createKey(orgId: string, options?: { livemode?: boolean; scopes?: string[]; name?: string }): Promise<CreatedKey>;
  /** A fresh organization with a live and a test key holding every scope. */
  tenant(): Promise<{ orgId: string; live: CreatedKey; test: CreatedKey }>;
  close(): Promise<void>;
}

/**
 * Boots the real app (configureApp, global guard, filter, pipes) on a fresh database,
 * listening on an ephemeral port, and returns helpers that go through HTTP only.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  existing?: TestDatabase,
  options: { shutdownGraceMs?: number; overrides?: Array<{ provide: unknown; useValue: unknown }> } = {},
): Promise<TestApp> {
  const db = existing ?? (await createTestDatabase());
  const fullEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'fatal',
    SERVER_SECRET: TEST_SERVER_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DATABASE_URL: db.url,
    PUBLIC_BASE_URL: 'http://localhost:3000',
    // Suites fire hundreds of requests per minute with one key; rate-limit tests opt in.
    RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0',
    RATE_LIMIT_WRITE_PER_MIN: '0',
    RATE_LIMIT_READ_PER_MIN: '0',
    RATE_LIMIT_PUBLIC_PER_MIN: '0',
    // The default (builtin) runs a real face model; specs that want it opt in, the rest fail closed.
    FACE_MATCH_URL: 'none',
    ...env,
  };
  const saved = { ...process.env };
  Object.assign(process.env, fullEnv);
  let app: NestFastifyApplication;
  try {
    const builder = Test.createTestingModule({ imports: [AppModule] });
    for (const o of options.overrides ?? []) builder.overrideProvider(o.provide).useValue(o.useValue);
    const moduleRef = await builder.compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), NEST_APP_OPTIONS);
    app.useLogger(['fatal']);
    configureApp(app, { shutdownGraceMs: options.shutdownGraceMs, swaggerUi: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } finally {
    process.env = saved;
  }
  const admin = { Authorization: `Bearer ${fullEnv.ADMIN_TOKEN}` };
  const http = () => request(app.getHttpServer());

  const createOrg = async (name = 'Acme') => {
    const res = await http().post('/v1/admin/orgs').set(admin).send({ name });
    if (res.status !== 200) throw new Error(`createOrg failed: ${res.status} ${res.text}`);
    return res.body.data as { id: string; name: string };
  };
  const createKey = async (orgId: string, options: { livemode?: boolean; scopes?: string[]; name?: string } = {}) => {
    const res = await http()
      .post('/v1/admin/api-keys')
      .set(admin)
      .send({ organization_id: orgId, name: options.name ?? 'Test key', livemode: options.livemode ?? true, scopes: options.scopes ?? ALL_SCOPES });
    if (res.status !== 200) throw new Error(`createKey failed: ${res.status} ${res.text}`);
    return res.body.data as CreatedKey;
  };
  return {
    app,
    http,
    db,
    env: fullEnv,
    admin,
    createOrg,
    createKey,
    tenant: async () => {
      const org = await createOrg();
      return { orgId: org.id, live: await createKey(org.id), test: await createKey(org.id, { livemode: false }) };
    },
    close: async () => {
      await app.close();
      if (!existing) await db.drop();
    },
  };
}

export const bearer = (key: { key: string } | string) => ({
  Authorization: `Bearer ${typeof key === 'string' ? key : key.key}`,
});
