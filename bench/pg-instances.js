// The two-instance case on PostgreSQL (BENCH_PG=1): what predicts scaling on a machine too
// small to show it. The same total load (BENCH_PG_CONNECTIONS, default 32, creates) goes
// first to one instance, then split between two instances on the same database, and the
// CPU each side spends per acknowledged create is compared: process CPU time of the
// Passline instances, and of the PostgreSQL backends serving this database (read from
// /proc, so the server must run on this machine). With no lock contention and no retries,
// two instances cost about what one does per create.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { rssMb } from './lib/processes.js';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of a process in ms, or null when it is gone or not ours to read. */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** CPU ms of every backend connected to `database`, by pid. */
async function backendCpu(client, database) {
  const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  const byPid = new Map();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (ms !== null) byPid.set(pid, ms);
  }
  return byPid;
}

/** Sum of the CPU ms the backends spent between two snapshots (new backends count from 0). */
function backendDelta(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

const createBody = JSON.stringify({
  share_fields: { age_over_18: { required: true, reason: 'Confirm you are an adult.' } },
  redirect_url: 'https://shop.example/return',
});

function load(instance, key, connections, durationS) {
  return autocannon({
    url: `${instance.url}/v1/sessions`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: createBody,
    connections,
    duration: durationS,
    timeout: 10,
  });
}

/** One round: the load split over `instances`, with CPU read around it. */
async function round(instances, key, connections, durationS, db) {
  const share = Math.floor(connections / instances.length);
  const cpuBefore = instances.map((i) => cpuMs(i.pid));
  const pgBefore = await backendCpu(db.client, db.name);
  const results = await Promise.all(instances.map((i, n) => load(i, key, n === 0 ? connections - share * (instances.length - 1) : share, durationS)));
  const pgAfter = await backendCpu(db.client, db.name);
  const cpuAfter = instances.map((i) => cpuMs(i.pid));
  const creates = results.map((r) => r['2xx']);
  const total = creates.reduce((a, b) => a + b, 0);
  const instanceMs = cpuAfter.reduce((sum, ms, n) => sum + (ms - cpuBefore[n]), 0);
  const pgMs = backendDelta(pgBefore, pgAfter);
  const errors = results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
  return {
    instances: instances.length,
    creates: total,
    createsPerS: total / durationS,
    perInstance: creates,
    errors,
    instanceCpuMsPerCreate: total ? instanceMs / total : null,
    pgCpuMsPerCreate: total ? pgMs / total : null,
    totalCpuMsPerCreate: total ? (instanceMs + pgMs) / total : null,
  };
}

/**
 * Measures one instance, then two, under the same total load; returns a result row whose
 * rps is the two-instance creates/s and whose `pgInstances` holds both rounds and the ratios.
 */
export async function measureTwoInstances(target, { log = () => undefined } = {}) {
  const durationS = Math.max(1, Number(process.env.BENCH_DURATION_S || 5));
  const warmupS = Math.min(Number(process.env.BENCH_WARMUP_S || 2), durationS);
  const connections = Math.max(2, Number(process.env.BENCH_PG_CONNECTIONS || 32));
  const peer = await target.startPeer();
  const key = await target.apiKey();
  const name = new URL(target.databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    const db = { client, name };
    if (warmupS > 0) await Promise.all([load(target, key, connections / 2, warmupS), load(peer, key, connections / 2, warmupS)]);
    const one = await round([target], key, connections, durationS, db);
    const two = await round([target, peer], key, connections, durationS, db);
    const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
    const ratios = {
      instance: ratio(two.instanceCpuMsPerCreate, one.instanceCpuMsPerCreate),
      postgres: ratio(two.pgCpuMsPerCreate, one.pgCpuMsPerCreate),
      total: ratio(two.totalCpuMsPerCreate, one.totalCpuMsPerCreate),
    };
    const f = (n) => (n == null ? '-' : n.toFixed(3));
    for (const r of [one, two]) {
      log(
        `${r.instances} instance(s): ${r.createsPerS.toFixed(0)} creates/s (${r.perInstance.join(' + ')}), errors ${r.errors}; CPU ms per create: Passline ${f(r.instanceCpuMsPerCreate)}, PostgreSQL ${f(r.pgCpuMsPerCreate)}, total ${f(r.totalCpuMsPerCreate)}`,
      );
    }
    log(`two / one instance, CPU per create: Passline x${f(ratios.instance)}, PostgreSQL x${f(ratios.postgres)}, total x${f(ratios.total)}`);
    return {
      case: 'pg:sessions:create-2x',
      target: 'passline-pg',
      floor: null,
      connections,
      durationS,
      requests: two.creates,
      rps: two.createsPerS,
      p50Ms: null,
      p99Ms: null,
      maxMs: null,
      errors: one.errors + two.errors,
      timeouts: 0,
      non2xx: 0,
      statusCodes: {},
      rssMb: rssMb(peer.pid),
      unit: 'creates/s',
      pgInstances: { one, two, ratios },
    };
  } finally {
    await client.end();
    await peer.stop();
  }
}
