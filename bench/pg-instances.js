// The two-instance case on PostgreSQL (BENCH_PG=1): what predicts scaling on a machine too
// small to show it. The same total load goes first to one instance, then split between two
// instances on the same database, and the CPU each side spends per acknowledged create is
// compared. The load is a fixed rate of creates (BENCH_PG_RATE per second; by default half
// of what one instance answers flat out, measured first) over BENCH_PG_CONNECTIONS (default
// 32): a saturated server batches more work per event-loop turn than an idle one, so
// closed-loop load would compare a saturated instance with two half-busy ones. Measured: process CPU time of the
// Passline instances, and of the PostgreSQL backends serving this database (read from
// /proc, so the server must run on this machine). With no lock contention and no retries,
// two instances cost about what one does per create.
import autocannon from 'autocannon';
import pg from 'pg';
import { cpuMs, rssMb } from './lib/processes.js';

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

function load(instance, key, connections, durationS, rate) {
  return autocannon({
    ...(rate ? { overallRate: rate } : {}),
    url: `${instance.url}/v1/sessions`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: createBody,
    connections,
    duration: durationS,
    timeout: 10,
  });
}

/** CPU ms per second each instance spends with no request at all (timers, pool, GC). */
async function idleCpuPerS(instances, seconds = 3) {
  const before = instances.map((i) => cpuMs(i.pid));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return instances.map((i, n) => (cpuMs(i.pid) - before[n]) / seconds);
}

/** One round: the load split over `instances`, with CPU read around it. */
async function round(instances, key, connections, durationS, rate, db) {
  const share = Math.floor(connections / instances.length);
  const cpuBefore = instances.map((i) => cpuMs(i.pid));
  const pgBefore = await backendCpu(db.client, db.name);
  const results = await Promise.all(
    instances.map((i, n) => load(i, key, n === 0 ? connections - share * (instances.length - 1) : share, durationS, rate / instances.length)),
  );
  const pgAfter = await backendCpu(db.client, db.name);
  const cpuAfter = instances.map((i) => cpuMs(i.pid));
  const creates = results.map((r) => r['2xx']);
  const total = creates.reduce((a, b) => a + b, 0);
  const instanceMs = cpuAfter.reduce((sum, ms, n) => sum + (ms - cpuBefore[n]), 0);
  const idleMs = db.idle.slice(0, instances.length).reduce((sum, perS) => sum + perS * durationS, 0);
  const pgMs = backendDelta(pgBefore, pgAfter);
  const errors = results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
  return {
    instances: instances.length,
    creates: total,
    createsPerS: total / durationS,
    perInstance: creates,
    errors,
    instanceCpuMsPerCreate: total ? instanceMs / total : null,
    /** The same without each instance's idle CPU: the cost a create adds. */
    instanceMarginalCpuMsPerCreate: total ? Math.max(0, instanceMs - idleMs) / total : null,
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
    const db = { client, name, idle: await idleCpuPerS([target, peer]) };
    if (warmupS > 0) await Promise.all([load(target, key, connections / 2, warmupS), load(peer, key, connections / 2, warmupS)]);
    let rate = Number(process.env.BENCH_PG_RATE || 0);
    if (!(rate > 0)) {
      const flatOut = await load(target, key, connections, Math.max(2, warmupS));
      rate = Math.max(10, Math.round(flatOut['2xx'] / flatOut.duration / 2));
    }
    log(`${rate} creates/s in total, over ${connections} connections; idle CPU ms/s per instance: ${db.idle.map((ms) => ms.toFixed(1)).join(', ')}`);
    const one = await round([target], key, connections, durationS, rate, db);
    const two = await round([target, peer], key, connections, durationS, rate, db);
    const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
    const ratios = {
      instance: ratio(two.instanceCpuMsPerCreate, one.instanceCpuMsPerCreate),
      instanceMarginal: ratio(two.instanceMarginalCpuMsPerCreate, one.instanceMarginalCpuMsPerCreate),
      postgres: ratio(two.pgCpuMsPerCreate, one.pgCpuMsPerCreate),
      total: ratio(two.totalCpuMsPerCreate, one.totalCpuMsPerCreate),
    };
    const f = (n) => (n == null ? '-' : n.toFixed(3));
    for (const r of [one, two]) {
      log(
        `${r.instances} instance(s): ${r.createsPerS.toFixed(0)} creates/s (${r.perInstance.join(' + ')}), errors ${r.errors}; CPU ms per create: Passline ${f(r.instanceCpuMsPerCreate)} (${f(r.instanceMarginalCpuMsPerCreate)} above idle), PostgreSQL ${f(r.pgCpuMsPerCreate)}, total ${f(r.totalCpuMsPerCreate)}`,
      );
    }
    log(
      `two / one instance, CPU per create: Passline x${f(ratios.instance)} (above idle x${f(ratios.instanceMarginal)}), PostgreSQL x${f(ratios.postgres)}, total x${f(ratios.total)}`,
    );
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
      pgInstances: { rate, one, two, ratios },
    };
  } finally {
    await client.end();
    await peer.stop();
  }
}
