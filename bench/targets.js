// Servers the cases run against. Each target is started at most once per bench run, as a
// child process on a free loopback port, and stopped at the end (or on failure).
//
// To add one (e.g. a minimal Nest + Fastify + TypeORM floor app in bench/floor/, or Passline
// on PostgreSQL): add an entry whose start(ctx) returns { url, pid, stop(), ...helpers }, and
// optionally check() that throws before anything starts when a prerequisite is missing.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNode, waitForHttp } from './lib/processes.js';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * A database-less floor script of bench/floor/ on a free port, ready once its /health answers:
 * bare node:http (the floor every Passline figure is compared with) or bare Fastify (a reference
 * between node:http and Nest).
 */
async function startHealthFloor(name, script) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const handle = startNode(name, join(ROOT, 'bench/floor', script), { env: { PORT: String(port), HOST: '127.0.0.1' } });
  await waitForHttp(handle, `${url}/health`);
  return { url, pid: handle.pid, stop: () => handle.stop() };
}

/**
 * The built server (dist/src/main.js) in production mode on a fresh SQLite file in a temp
 * folder. `env` overrides the defaults (e.g. higher rate limits for write cases).
 */
const PASSLINE_MAIN = join(ROOT, 'dist/src/main.js');

function checkBuilt() {
  if (!existsSync(PASSLINE_MAIN)) throw new Error(`${PASSLINE_MAIN} is missing: run \`npm run build\` (npm run bench does).`);
}

/** The minimal Nest + Fastify + TypeORM app (bench/floor/nest-typeorm.js) on a fresh SQLite file. */
async function startNestFloor(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'passline-bench-floor-'));
  ctx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const handle = startNode('nest-floor', join(ROOT, 'bench/floor/nest-typeorm.js'), {
    env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'floor.sqlite') },
  });
  await waitForHttp(handle, `${url}/health`);
  return { url, pid: handle.pid, stop: () => handle.stop() };
}

async function startPassline(ctx, env = {}) {
  checkBuilt();
  const main = PASSLINE_MAIN;
  const dir = mkdtempSync(join(tmpdir(), 'passline-bench-'));
  ctx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminToken = env.ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  const serverSecret = env.SERVER_SECRET ?? randomBytes(32).toString('hex');
  const handle = startNode('passline', main, {
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: url,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
      DATABASE_URL: join(dir, 'passline.sqlite'),
      DB_DRIVER: 'sqlite',
      SERVER_SECRET: serverSecret,
      ADMIN_TOKEN: adminToken,
      // Throughput is the question here, not the per-key limits of §1.10.
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0',
      RATE_LIMIT_WRITE_PER_MIN: '0',
      RATE_LIMIT_READ_PER_MIN: '0',
      WEBHOOK_DISPATCH_INTERVAL_MS: '0',
      ...env,
    },
  });
  await waitForHttp(handle, `${url}/health`);

  /** One admin API call; returns `data` or throws with the response. */
  const admin = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  };
  const keys = new Map();
  let org = null;
  return {
    url,
    pid: handle.pid,
    stop: () => handle.stop(),
    admin,
    databasePath: join(dir, 'passline.sqlite'),
    /**
     * Another instance on the same database (PostgreSQL: SQLite serves one process), with
     * the same secrets, so keys minted through either one work on both. Stopped with the
     * run's other children.
     */
    startPeer: () => startPassline(ctx, { ...env, SERVER_SECRET: serverSecret, ADMIN_TOKEN: adminToken }),
    /** The "Bench" organization's id (after the first apiKey() call). */
    organizationId: () => org?.id,
    /** A real API key (cached per mode and scopes) in a "Bench" organization. */
    async apiKey({ livemode = false, scopes } = {}) {
      const cacheKey = `${livemode}:${scopes ?? 'all'}`;
      if (!keys.has(cacheKey)) {
        org ??= await admin('POST', '/v1/admin/orgs', { name: 'Bench' });
        const created = await admin('POST', '/v1/admin/api-keys', { organization_id: org.id, name: `Bench ${cacheKey}`, livemode, scopes });
        keys.set(cacheKey, created.key);
      }
      return keys.get(cacheKey);
    },
  };
}

/** Passline on a fresh PostgreSQL database (BENCH_PG=1; BENCH_DATABASE_URL names the server). */
async function startPasslinePg(ctx, env = {}) {
  const { default: pg } = await import('pg');
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://passline:passline@127.0.0.1:5432/postgres';
  const name = `passline_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  ctx.onCleanup(async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(base);
  url.pathname = `/${name}`;
  const target = await startPassline(ctx, { ...env, DATABASE_URL: url.toString(), DB_DRIVER: 'postgres' });
  return { ...target, databaseUrl: url.toString() };
}

export const TARGETS = {
  'passline-pg': {
    describe: 'dist/src/main.js on a fresh PostgreSQL database (BENCH_PG=1)',
    check: checkBuilt,
    start: (ctx, env) => startPasslinePg(ctx, env),
  },
  'floor-http': { describe: 'bare node:http JSON server (bench/floor/http-server.js)', start: () => startHealthFloor('floor-http', 'http-server.js') },
  'floor-fastify': { describe: 'bare Fastify app, one health route (bench/floor/fastify-health.js)', start: () => startHealthFloor('floor-fastify', 'fastify-health.js') },
  'floor-nest': { describe: 'minimal Nest + Fastify + TypeORM app, one insert and one read route (bench/floor/nest-typeorm.js)', start: (ctx) => startNestFloor(ctx) },
  passline: { describe: 'dist/src/main.js, NODE_ENV=production, fresh SQLite file', check: checkBuilt, start: (ctx, env) => startPassline(ctx, env) },
  // Webhook deliveries to a receiver in the bench process (bench/webhooks.js): production
  // forbids http endpoint URLs, and held requests must outlast the seeding (timeout = lease).
  'passline-webhooks': {
    describe: 'dist/src/main.js, NODE_ENV=development (http://127.0.0.1 webhook endpoints), WEBHOOK_TIMEOUT_MS=60000, fresh SQLite file',
    check: checkBuilt,
    start: (ctx, env = {}) => startPassline(ctx, { NODE_ENV: 'development', WEBHOOK_TIMEOUT_MS: '60000', ...env }),
  },
};
