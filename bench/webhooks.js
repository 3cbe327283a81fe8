#!/usr/bin/env node
// Webhook delivery throughput (§5.13): how many deliveries per second the dispatcher of one
// built server on SQLite gets to a local receiver (node:http in this process).
//
// Through the public API only: a test organization and key (admin API), E test endpoints
// subscribed to verification.attempt.failed, each with an RSA encryption key and pointing at
// the receiver; then N test sessions each failed once through the test helper, so N events
// fan out into N x E deliveries, encrypted and written in the same transaction.
//
// What is measured is the drain of that backlog. While it is being written the receiver
// holds the first requests open (the dispatcher's whole concurrency), so the rest queue up
// in the outbox; then it answers them and every later request at once, verifies each
// signature (HMAC, cheap) and counts each X-Kayle-Delivery-Id. Deliveries/s = deliveries
// sent after the release / time from the release to the last one.
//
// Run alone (`node bench/webhooks.js`, see --help) or as the opt-in case
// `webhooks:deliveries` of `npm run bench` (BENCH_CASES=webhooks:deliveries).
import { createHmac, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rssMb, stopAll } from './lib/processes.js';

export const CASE_ID = 'webhooks:deliveries';
export const TARGET = 'passline-webhooks';
export const DEFAULTS = { sessions: 200, endpoints: 10, concurrency: 10, clients: 16 };
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

const HELP = `Usage: node bench/webhooks.js [options]

Webhook deliveries per second from the built server (SQLite) to a local receiver.
Creates <sessions> test sessions and fails each once through the test helper; every
failure fans out to <endpoints> test endpoints. The backlog is held back while it is
written, then released, and the drain is timed at the receiver.

  --sessions <n>     test sessions to fail (default ${DEFAULTS.sessions}, max 5000)
  --endpoints <n>    endpoints per event, so deliveries = sessions x endpoints (default ${DEFAULTS.endpoints}, max 50)
  --concurrency <n>  WEBHOOK_DISPATCH_CONCURRENCY of the server (default ${DEFAULTS.concurrency}, 1..100)
  --clients <n>      concurrent API clients while seeding (default ${DEFAULTS.clients}, max 64)
  --no-write         do not record the row in bench/results.json
  -h, --help         show this help
The server must be built first (npm run build). Target: 500 deliveries/s or more.`;

/** Runs `tasks` with at most `limit` in flight. */
async function pool(tasks, limit) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

async function call(target, key, method, path, body) {
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** The receiver: holds requests while the gate is closed; verifies and counts every request. */
async function startReceiver(secretsByPath) {
  const state = {
    gateOpen: false,
    held: [],
    received: new Map(),
    firstAt: null,
    lastAt: null,
    releasedAt: null,
    heldAtRelease: 0,
    badSignatures: 0,
    duplicates: 0,
    sample: null,
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks);
      const id = req.headers['x-kayle-delivery-id'];
      const secret = secretsByPath.get(req.url);
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['x-kayle-signature'] ?? '');
      const expected = match && secret ? createHmac('sha256', secret).update(`${match[1]}.`).update(body).digest() : null;
      if (!expected || !timingSafeEqual(expected, Buffer.from(match[2], 'hex'))) state.badSignatures++;
      if (state.received.has(id)) state.duplicates++;
      state.received.set(id, at);
      state.sample ??= body.toString('utf8');
      state.firstAt ??= at;
      state.lastAt = at;
      if (state.gateOpen) res.end();
      else state.held.push(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: (path) => `http://127.0.0.1:${server.address().port}${path}`,
    release() {
      state.gateOpen = true;
      state.releasedAt = performance.now();
      state.heldAtRelease = state.received.size;
      for (const res of state.held.splice(0)) res.end();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * One measurement against a started `passline-webhooks` target. Returns a bench row:
 * `rps` is deliveries per second, `connections` the dispatcher's concurrency.
 */
export async function measureWebhookDeliveries(target, options = {}) {
  const { sessions, endpoints, concurrency, clients } = { ...DEFAULTS, ...options };
  const log = options.log ?? (() => undefined);
  const key = await target.apiKey({ livemode: false });
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });

  const secretsByPath = new Map();
  const receiver = await startReceiver(secretsByPath);
  try {
    for (let i = 0; i < endpoints; i++) {
      const path = `/hook/${i}`;
      const created = await call(target, key, 'POST', '/v1/webhooks/endpoints', {
        url: receiver.url(path),
        name: `bench ${i}`,
        subscribed_event_types: ['verification.attempt.failed'],
      });
      await call(target, key, 'POST', `/v1/webhooks/endpoints/${created.endpoint.id}/keys`, {
        key_id: `bench-${i}`,
        jwk,
        algorithm: 'RSA-OAEP-256',
        key_type: 'RSA',
      });
      secretsByPath.set(path, created.signing_secret);
    }

    const expected = sessions * endpoints;
    log(`seeding ${sessions} failed attempts x ${endpoints} endpoints = ${expected} deliveries`);
    const seedStart = performance.now();
    const ids = [];
    await pool(
      Array.from({ length: sessions }, () => async () => ids.push((await call(target, key, 'POST', '/v1/sessions', {})).id)),
      clients,
    );
    await pool(
      ids.map((id) => () => call(target, key, 'POST', `/v1/test_helpers/sessions/${id}/fail`, {})),
      clients,
    );
    const seedMs = performance.now() - seedStart;

    receiver.release();
    const { state } = receiver;
    const deadline = Date.now() + 120_000;
    while (state.received.size < expected) {
      if (Date.now() > deadline) throw new Error(`only ${state.received.size} of ${expected} deliveries arrived within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Anything sent twice would show up a little later.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const drainMs = state.lastAt - state.releasedAt;
    const drained = expected - state.heldAtRelease;
    const rate = drained / (drainMs / 1000);
    if (!/^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/.test(state.sample)) throw new Error('the receiver did not get a compact JWE');
    return {
      case: CASE_ID,
      target: TARGET,
      floor: null,
      connections: concurrency,
      durationS: drainMs / 1000,
      requests: state.received.size,
      rps: rate,
      p50Ms: null,
      p99Ms: null,
      maxMs: null,
      errors: state.badSignatures,
      timeouts: 0,
      non2xx: 0,
      statusCodes: { 200: state.received.size },
      rssMb: rssMb(target.pid),
      unit: 'deliveries/s',
      webhooks: {
        sessions,
        endpoints,
        deliveries: expected,
        heldAtRelease: state.heldAtRelease,
        drained,
        drainMs,
        seedMs,
        duplicates: state.duplicates,
        badSignatures: state.badSignatures,
      },
    };
  } finally {
    await receiver.close();
  }
}

/** One line per row in the bench table style (bench/run.js). */
export function printWebhookRows(rows) {
  const fmt = (n, digits) => (n == null ? '-' : n.toFixed(digits));
  const header = ['case', 'conc', 'deliveries/s', 'deliveries', 'drain ms', 'seed ms', 'bad sig', 'dups', 'RSS MB'];
  const body = rows.map((r) => [
    r.case,
    String(r.connections),
    fmt(r.rps, 0),
    String(r.webhooks.deliveries),
    fmt(r.webhooks.drainMs, 0),
    fmt(r.webhooks.seedMs, 0),
    String(r.webhooks.badSignatures),
    String(r.webhooks.duplicates),
    fmt(r.rssMb, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

/** Adds (or replaces) the row in bench/results.json, keeping the other rows of the last run. */
function recordResult(row) {
  let results;
  try {
    results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
    if (!Array.isArray(results.results)) throw new Error('no results array');
  } catch {
    results = { finishedAt: null, commit: null, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, targets: {}, results: [] };
  }
  results.results = [...results.results.filter((r) => r.case !== row.case), { ...row, vsFloor: null, finishedAt: new Date().toISOString() }];
  results.targets = { ...results.targets, [TARGET]: 'dist/src/main.js, NODE_ENV=development (http endpoints), fresh SQLite file' };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: String(DEFAULTS.sessions) },
      endpoints: { type: 'string', default: String(DEFAULTS.endpoints) },
      concurrency: { type: 'string', default: String(DEFAULTS.concurrency) },
      clients: { type: 'string', default: String(DEFAULTS.clients) },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const intArg = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be an integer from ${min} to ${max}`);
      process.exit(2);
    }
    return n;
  };
  const options = {
    sessions: intArg('sessions', 1, 5000),
    endpoints: intArg('endpoints', 1, 50),
    concurrency: intArg('concurrency', 1, 100),
    clients: intArg('clients', 1, 64),
    log: (msg) => console.log(`  ${msg}`),
  };
  const { TARGETS } = await import('./targets.js');
  TARGETS[TARGET].check?.();
  const cleanups = [];
  const ctx = { onCleanup: (fn) => cleanups.push(fn) };
  let target = null;
  try {
    console.log(`starting ${TARGET}: ${TARGETS[TARGET].describe}, WEBHOOK_DISPATCH_CONCURRENCY=${options.concurrency}`);
    target = await TARGETS[TARGET].start(ctx, { WEBHOOK_DISPATCH_CONCURRENCY: String(options.concurrency) });
    const row = await measureWebhookDeliveries(target, options);
    console.log('');
    printWebhookRows([row]);
    if (!values['no-write']) {
      recordResult(row);
      console.log(`\nwrote ${RESULTS_FILE}`);
    }
    if (row.webhooks.duplicates > 0 || row.webhooks.badSignatures > 0) process.exitCode = 1;
  } finally {
    await target?.stop();
    await stopAll();
    for (const fn of cleanups.splice(0)) await fn();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  main().catch(async (error) => {
    console.error(`bench/webhooks failed: ${error instanceof Error ? error.message : error}`);
    await stopAll();
    process.exit(1);
  });
}
