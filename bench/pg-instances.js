// The two-instance case on PostgreSQL (BENCH_PG=1): what predicts scaling on a machine too
// small to show it. The same total load goes first to one instance, then split between two
// instances on the same database, and the CPU each side spends per acknowledged create is
// compared. The load is a fixed rate of creates, sent evenly (BENCH_PG_RATE per second; by
// default half of what one instance answers flat out, the mean of both, each measured warm)
// over at most BENCH_PG_CONNECTIONS (default 32): a saturated server batches more work per
// event-loop turn than an idle one, so closed-loop load would compare a saturated instance
// with two half-busy ones. Measured: process CPU time of the
// Passline instances, and of the PostgreSQL backends serving this database (read from
// /proc, so the server must run on this machine). With no lock contention and no retries,
// two instances cost about what one does per create.
//
// Both instances are warmed up alike and each is measured alone, one before and one after
// the pair: a peer that served less load before its round still compiled its hot code in
// the background, billed to the two-instance round. What remains on a small machine is
// crowding: two instances, PostgreSQL and the load generator take turns on the cores, so
// each create is preempted more often (printed per create) and refills its caches.
import autocannon from 'autocannon';
import http from 'node:http';
import pg from 'pg';
import { cpuMs, involuntarySwitches, rssMb } from './lib/processes.js';

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

/** `connections` connections answering creates as fast as they can (autocannon). */
function flatOut(instance, key, connections, durationS) {
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

/**
 * `rate` creates per second, sent evenly (every 5 ms, as many as are due by then) over at most
 * `connections` keep-alive connections. autocannon's own rate limit lets each connection send
 * its whole second's quota at once when the second starts: bursts that crowd two instances on
 * two cores far more than the mean rate would, and that gave one instance of a pair a sixth
 * window the other did not get.
 */
function paced(instance, key, connections, durationS, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL('/v1/sessions', instance.url);
  const counts = { '2xx': 0, non2xx: 0, errors: 0, timeouts: 0, duration: durationS };
  const pending = new Set();
  const send = () =>
    new Promise((resolve) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(createBody) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode >= 200 && res.statusCode < 300) counts['2xx']++;
            else counts.non2xx++;
          });
        },
      );
      req.setTimeout(10_000, () => {
        counts.timeouts++;
        req.destroy();
      });
      req.on('error', () => counts.errors++);
      // Whatever happened (an answer, an error, a connection cut mid-answer), the request closes.
      req.on('close', resolve);
      req.end(createBody);
    });
  return new Promise((resolve) => {
    const started = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.floor((Math.min(elapsed, durationS * 1000) * rate) / 1000);
      for (; sent < due; sent++) {
        const request = send();
        pending.add(request);
        void request.then(() => pending.delete(request));
      }
      if (elapsed >= durationS * 1000) {
        clearInterval(timer);
        void Promise.all(pending).then(() => {
          agent.destroy();
          resolve(counts);
        });
      }
    }, 5);
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
  const switchesBefore = instances.map((i) => involuntarySwitches(i.pid));
  const pgBefore = await backendCpu(db.client, db.name);
  const results = await Promise.all(
    instances.map((i, n) => paced(i, key, n === 0 ? connections - share * (instances.length - 1) : share, durationS, rate / instances.length)),
  );
  const pgAfter = await backendCpu(db.client, db.name);
  const cpuAfter = instances.map((i) => cpuMs(i.pid));
  const switchesAfter = instances.map((i) => involuntarySwitches(i.pid));
  // null when /proc could not tell (not Linux, or a process gone): printed as '-'.
  const switches = [...switchesBefore, ...switchesAfter].includes(null)
    ? null
    : switchesAfter.reduce((sum, after, n) => sum + (after - switchesBefore[n]), 0);
  const creates = results.map((r) => r['2xx']);
  const total = creates.reduce((a, b) => a + b, 0);
  const instanceMs = cpuAfter.reduce((sum, ms, n) => sum + (ms - cpuBefore[n]), 0);
  const idleMs = instances.reduce((sum, i) => sum + db.idle.get(i) * durationS, 0);
  const pgMs = backendDelta(pgBefore, pgAfter);
  const errors = results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
  return perCreate({
    instances: instances.length,
    durationS,
    creates: total,
    perInstance: creates,
    perInstanceCpuMsPerCreate: creates.map((n, i) => (n ? (cpuAfter[i] - cpuBefore[i]) / n : null)),
    errors,
    instanceMs,
    idleMs,
    pgMs,
    switches,
  });
}

/** A round's CPU per acknowledged create, from its totals. */
function perCreate(r) {
  const total = r.creates;
  return {
    ...r,
    createsPerS: total / r.durationS,
    instanceCpuMsPerCreate: total ? r.instanceMs / total : null,
    /** The same without each instance's idle CPU: the cost a create adds. */
    instanceMarginalCpuMsPerCreate: total ? Math.max(0, r.instanceMs - r.idleMs) / total : null,
    pgCpuMsPerCreate: total ? r.pgMs / total : null,
    totalCpuMsPerCreate: total ? (r.instanceMs + r.pgMs) / total : null,
    /** Involuntary context switches of the instances per create: crowding by other processes. */
    preemptionsPerCreate: total && r.switches != null ? r.switches / total : null,
  };
}

/** Two single-instance rounds (one per instance) as one: totals added, rates averaged. */
function bothAlone(a, b) {
  return perCreate({
    instances: 1,
    durationS: a.durationS + b.durationS,
    creates: a.creates + b.creates,
    perInstance: [...a.perInstance, ...b.perInstance],
    perInstanceCpuMsPerCreate: [...a.perInstanceCpuMsPerCreate, ...b.perInstanceCpuMsPerCreate],
    errors: a.errors + b.errors,
    instanceMs: a.instanceMs + b.instanceMs,
    idleMs: a.idleMs + b.idleMs,
    pgMs: a.pgMs + b.pgMs,
    switches: a.switches == null || b.switches == null ? null : a.switches + b.switches,
  });
}

/**
 * Measures each instance alone, then both, under the same total load; returns a result row whose
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
    const idle = await idleCpuPerS([target, peer]);
    const db = { client, name, idle: new Map([[target, idle[0]], [peer, idle[1]]]) };
    // Both instances get the same warm-up, flat out, one after the other: a peer that had
    // less would still be compiling its hot code in the background during its round, and
    // that CPU would be billed to the two-instance case.
    // At least 2 s, whatever BENCH_WARMUP_S says: without it the comparison is not fair.
    const warmup = Math.max(2, warmupS);
    await flatOut(target, key, connections, warmup);
    await flatOut(peer, key, connections, warmup);
    // Both measured flat out, warm (the first flat-out seconds of an instance are its slowest),
    // and alike: a rate measured on one instance only gave it twice the other's warm-up, and the
    // other, still compiling, cost 1.5x per create in the two-instance round.
    const fastest = [await flatOut(target, key, connections, warmup), await flatOut(peer, key, connections, warmup)];
    let rate = Number(process.env.BENCH_PG_RATE || 0);
    if (!(rate > 0)) rate = Math.max(10, Math.round(fastest.reduce((sum, r) => sum + r['2xx'] / r.duration, 0) / fastest.length / 2));
    log(`${rate} creates/s in total, over ${connections} connections; idle CPU ms/s per instance: ${idle.map((ms) => ms.toFixed(1)).join(', ')}`);
    // Each instance alone, one before and one after the two-instance round: what warm-up
    // still changes drifts one way in time, and the sandwich cancels it.
    const targetAlone = await round([target], key, connections, durationS, rate, db);
    const two = await round([target, peer], key, connections, durationS, rate, db);
    const one = bothAlone(targetAlone, await round([peer], key, connections, durationS, rate, db));
    // The control: each instance alone at the rate each one gets in the pair. A server that is
    // less busy batches less work per event-loop turn, so it costs more per create; what two
    // instances cost beyond this is what sharing the database costs (locks, retries, crowding).
    const half = bothAlone(
      await round([target], key, connections, durationS, rate / 2, db),
      await round([peer], key, connections, durationS, rate / 2, db),
    );
    const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
    const ratiosTo = (base) => ({
      instance: ratio(two.instanceCpuMsPerCreate, base.instanceCpuMsPerCreate),
      instanceMarginal: ratio(two.instanceMarginalCpuMsPerCreate, base.instanceMarginalCpuMsPerCreate),
      postgres: ratio(two.pgCpuMsPerCreate, base.pgCpuMsPerCreate),
      total: ratio(two.totalCpuMsPerCreate, base.totalCpuMsPerCreate),
    });
    const ratios = ratiosTo(one);
    const ratiosSameLoad = ratiosTo(half);
    const f = (n) => (n == null ? '-' : n.toFixed(3));
    for (const [label, r] of [
      ['1 instance (each alone, before and after)', one],
      ['2 instances', two],
      ['1 instance at half the rate (each alone)', half],
    ]) {
      log(
        `${label}: ${r.createsPerS.toFixed(0)} creates/s (${r.perInstance.join(' + ')}), errors ${r.errors}; CPU ms per create: Passline ${f(r.instanceCpuMsPerCreate)} (${r.perInstanceCpuMsPerCreate.length > 1 ? `${r.perInstanceCpuMsPerCreate.map(f).join(' + ')} per instance, ` : ''}${f(r.instanceMarginalCpuMsPerCreate)} above idle), PostgreSQL ${f(r.pgCpuMsPerCreate)}, total ${f(r.totalCpuMsPerCreate)}; preempted ${f(r.preemptionsPerCreate)} times per create`,
      );
    }
    for (const [label, r] of [
      ['two / one instance, CPU per create', ratios],
      ['two / one instance at the same load per instance', ratiosSameLoad],
    ]) {
      log(`${label}: Passline x${f(r.instance)} (above idle x${f(r.instanceMarginal)}), PostgreSQL x${f(r.postgres)}, total x${f(r.total)}`);
    }
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
      errors: one.errors + two.errors + half.errors,
      timeouts: 0,
      non2xx: 0,
      statusCodes: {},
      rssMb: rssMb(peer.pid),
      unit: 'creates/s',
      pgInstances: { rate, one, two, half, ratios, ratiosSameLoad },
    };
  } finally {
    await client.end();
    await peer.stop();
  }
}
