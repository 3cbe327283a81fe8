// The case registry. A case is one request shape measured against one target at every
// connection count. Fields:
//   id        unique name, shown in the table; select with BENCH_CASES=id,id
//   target    a key of TARGETS (bench/targets.js)
//   floor     optional id of the case this one is compared with at the same connection
//             count (ratios in the table); floors are pulled in automatically
//   optIn     true: only runs when named in BENCH_CASES (slow or heavy cases)
//   prepare   async (target) => autocannon options ({ method, path, headers, body } or
//             { requests: [...] }). Runs once, before the first connection count: seed
//             data here and mint keys with target.apiKey().
//   expect    status the first request must answer before measuring (default 200)
//   measure   instead of prepare: async (target) => one result row of its own (rps in the
//             case's unit, e.g. webhook deliveries/s), for cases that are not request load
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { measureTwoInstances } from './pg-instances.js';
import { measureWebhookDeliveries } from './webhooks.js';

const json = (key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const createBody = JSON.stringify({
  share_fields: { age_over_18: { required: true, reason: 'Confirm you are an adult.' } },
  redirect_url: 'https://shop.example/return',
});

async function createSession(target, key) {
  const res = await fetch(`${target.url}/v1/sessions`, { method: 'POST', headers: json(key), body: createBody });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`seeding a session failed: ${res.status} ${JSON.stringify(body)}`);
  return body.data.id;
}

/**
 * Brings the live environment of the bench organization to `total` sessions, written
 * straight into the SQLite file (the API would take minutes for 100k); created_at spreads
 * over the last 30 days, expiry is far away so lazy expiry has nothing to do.
 */
async function seedSessions(target, total) {
  const key = await target.apiKey({ livemode: true });
  await createSession(target, key);
  const db = new Database(target.databasePath, { timeout: 10000 });
  const orgId = target.organizationId();
  const existing = db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE organization_id = ? AND livemode = 1').get(orgId).n;
  const template = db.prepare('SELECT * FROM sessions WHERE organization_id = ? AND livemode = 1 LIMIT 1').get(orgId);
  const insert = db.prepare(
    `INSERT INTO sessions (id, organization_id, livemode, status, failure_code, contract_version, share_fields, redirect_url,
       cancel_token_hash, cancel_token_used_at, expires_at, completed_at, created_at, updated_at)
     VALUES (@id, @organization_id, 1, 'created', NULL, 1, @share_fields, @redirect_url, @hash, NULL, @expires, NULL, @created, @created)`,
  );
  const now = Date.now();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const id = () => `vs_${Array.from(randomBytes(64), (b) => alphabet[b % 36]).join('')}`;
  db.transaction(() => {
    for (let i = existing; i < total; i++) {
      insert.run({
        id: id(),
        organization_id: orgId,
        share_fields: template.share_fields,
        redirect_url: template.redirect_url,
        hash: template.cancel_token_hash,
        expires: now + 7 * 86_400_000,
        created: now - Math.floor(Math.random() * 30 * 86_400_000),
      });
    }
  })();
  db.close();
  return key;
}

const PG = process.env.BENCH_PG === '1';

export const CASES = [
  { id: 'floor:health', target: 'floor-http', prepare: async () => ({ method: 'GET', path: '/health' }) },
  {
    id: 'floor:nest-insert',
    target: 'floor-nest',
    prepare: async () => ({
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    }),
  },
  {
    id: 'floor:nest-read',
    target: 'floor-nest',
    prepare: async (t) => {
      const res = await fetch(`${t.url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"read"}' });
      const { data } = await res.json();
      return { method: 'GET', path: `/items/${data.id}` };
    },
  },
  {
    // Not a goal: bare Fastify's /health against bare node:http, in the same run. What a route
    // costs before Nest (bench/floor/fastify-health.js).
    id: 'floor:fastify-health',
    target: 'floor-fastify',
    floor: 'floor:health',
    prepare: async () => ({ method: 'GET', path: '/health' }),
  },
  {
    // Not a goal: the minimal Nest + Fastify app's own /health against bare node:http, in the
    // same run. What the framework alone allows a route answered through Nest's router.
    id: 'floor:nest-health',
    target: 'floor-nest',
    floor: 'floor:health',
    prepare: async () => ({ method: 'GET', path: '/health' }),
  },
  { id: 'health', target: 'passline', floor: 'floor:health', prepare: async () => ({ method: 'GET', path: '/health' }) },
  {
    id: 'sessions:create',
    target: 'passline',
    floor: 'floor:nest-insert',
    prepare: async (t) => ({ method: 'POST', path: '/v1/sessions', headers: json(await t.apiKey()), body: createBody }),
  },
  {
    id: 'sessions:get',
    target: 'passline',
    floor: 'floor:nest-read',
    prepare: async (t) => {
      const key = await t.apiKey();
      const id = await createSession(t, key);
      return { method: 'GET', path: `/v1/sessions/${id}`, headers: json(key) };
    },
  },
  {
    id: 'sessions:list-10k',
    target: 'passline',
    floor: 'floor:nest-read',
    prepare: async (t) => ({ method: 'GET', path: '/v1/sessions?limit=10', headers: json(await seedSessions(t, 10_000)) }),
  },
  {
    id: 'sessions:list-100k',
    target: 'passline',
    floor: 'floor:nest-read',
    prepare: async (t) => ({ method: 'GET', path: '/v1/sessions?limit=10', headers: json(await seedSessions(t, 100_000)) }),
  },
  {
    // Deliveries/s from the dispatcher to a local receiver; also `node bench/webhooks.js --help`.
    id: 'webhooks:deliveries',
    target: 'passline-webhooks',
    optIn: true,
    measure: (t) => measureWebhookDeliveries(t, { log: (msg) => console.log(`  ${msg}`) }),
  },
  {
    id: 'pg:sessions:create',
    target: 'passline-pg',
    floor: 'floor:nest-insert',
    optIn: !PG,
    prepare: async (t) => ({ method: 'POST', path: '/v1/sessions', headers: json(await t.apiKey()), body: createBody }),
  },
  {
    id: 'pg:sessions:get',
    target: 'passline-pg',
    floor: 'floor:nest-read',
    optIn: !PG,
    prepare: async (t) => {
      const key = await t.apiKey();
      const id = await createSession(t, key);
      return { method: 'GET', path: `/v1/sessions/${id}`, headers: json(key) };
    },
  },
  {
    // CPU ms per acknowledged create with one instance and with two on the same database,
    // under the same total load, and their ratio (bench/pg-instances.js).
    id: 'pg:sessions:create-2x',
    target: 'passline-pg',
    optIn: !PG,
    measure: (t) => measureTwoInstances(t, { log: (msg) => console.log(`  ${msg}`) }),
  },
];
