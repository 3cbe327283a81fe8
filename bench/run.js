// npm run bench: builds the app (the npm script does), starts the servers the selected cases
// need as child processes, loads them with autocannon from this process over loopback, and
// prints one row per case and connection count, each compared with its floor.
//
// Environment:
//   BENCH_DURATION_S   measured seconds per case and connection count (default 5)
//   BENCH_WARMUP_S     warm-up seconds before each measurement (default 2, at most the duration)
//   BENCH_CONNECTIONS  comma-separated connection counts (default 1,32,128)
//   BENCH_CASES        comma-separated case ids (default: every case without optIn)
//   BENCH_ROUNDS       rounds of every case, floors included (default 1); with more than one,
//                      the table shows per-case medians and each ratio is the median of the
//                      rounds' ratios (a floor and its case measured in the same round), with
//                      the lowest and highest in brackets: on a shared machine the load of
//                      others moves single runs by a factor of two or more
//   BENCH_LOG_LEVEL    Passline's LOG_LEVEL (default error: no access line per request, like
//                      the floors; `log` is the service's own default and adds one line each)
//
// Two cores: the load generator shares this process with the orchestrator, and each server
// runs in its own child, so one core drives and one core serves. Read the ratios to the
// floor rather than the absolute numbers.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { CASES } from './cases.js';
import { cpuMs, rssMb, stopAll } from './lib/processes.js';
import { TARGETS } from './targets.js';

const RESULTS_FILE = new URL('./results.json', import.meta.url).pathname;

function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${JSON.stringify(raw)})`);
  return value;
}

function readOptions() {
  const durationS = Math.max(1, positiveNumber('BENCH_DURATION_S', 5));
  const warmupS = Math.min(positiveNumber('BENCH_WARMUP_S', 2), durationS);
  const connections = (process.env.BENCH_CONNECTIONS ?? '1,32,128').split(',').map((c) => {
    const n = Number(c.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_CONNECTIONS must list positive integers (got ${JSON.stringify(c)})`);
    return n;
  });
  const wanted = (process.env.BENCH_CASES ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const rounds = Math.max(1, Math.floor(positiveNumber('BENCH_ROUNDS', 1)));
  return { durationS, warmupS, connections, wanted, rounds };
}

/** The cases to run, floors first, in registry order. */
function selectCases(wanted) {
  const byId = new Map(CASES.map((c) => [c.id, c]));
  for (const id of wanted) if (!byId.has(id)) throw new Error(`Unknown case ${id}; known: ${[...byId.keys()].join(', ')}`);
  const selected = new Set(wanted.length ? wanted : CASES.filter((c) => !c.optIn).map((c) => c.id));
  for (const id of [...selected]) {
    const floor = byId.get(id).floor;
    if (floor) {
      if (!byId.has(floor)) throw new Error(`Case ${id} names an unknown floor ${floor}`);
      selected.add(floor);
    }
  }
  for (const c of CASES) if (selected.has(c.id) && !TARGETS[c.target]) throw new Error(`Case ${c.id} names an unknown target ${c.target}`);
  const isFloor = new Set(CASES.map((c) => c.floor).filter(Boolean));
  return CASES.filter((c) => selected.has(c.id)).sort((a, b) => Number(isFloor.has(b.id)) - Number(isFloor.has(a.id)));
}

/** One request through fetch, to fail fast on a wrong status before loading the server. */
async function checkFirstResponse(target, testCase, opts) {
  const request = opts.requests?.[0] ?? opts;
  const res = await fetch(`${target.url}${request.path ?? opts.path ?? '/'}`, {
    method: request.method ?? opts.method ?? 'GET',
    headers: request.headers ?? opts.headers,
    body: request.body ?? opts.body,
  });
  const text = await res.text();
  const expected = testCase.expect ?? 200;
  if (res.status !== expected) throw new Error(`Case ${testCase.id}: expected ${expected}, got ${res.status} ${text.slice(0, 300)}`);
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One autocannon run. autocannon's own latency histogram has 1 ms resolution, too coarse
 * on loopback, so latencies are taken from its per-response event (hrtime, fractional ms).
 */
async function load(baseUrl, opts, connections, durationS, pid) {
  // autocannon reads the path from the URL (or from requests[]), not from a top-level `path`.
  const { path = '', ...rest } = opts;
  const latencies = [];
  const cpuBefore = pid ? cpuMs(pid) : null;
  const instance = autocannon({ ...rest, url: `${baseUrl}${path}`, connections, duration: durationS, timeout: 10 });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const cpuAfter = pid ? cpuMs(pid) : null;
  const cpuSpentMs = cpuBefore != null && cpuAfter != null ? cpuAfter - cpuBefore : null;
  return { result, latencies: Float64Array.from(latencies).sort(), cpuSpentMs };
}

function measurement(testCase, target, connections, { result, latencies, cpuSpentMs }) {
  return {
    case: testCase.id,
    target: testCase.target,
    floor: testCase.floor ?? null,
    connections,
    durationS: result.duration,
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    rssMb: rssMb(target.pid),
    // The server's CPU time per answered request: unlike req/s it hardly moves when other
    // work shares the machine (only the 10 ms tick of /proc limits it).
    cpuUsPerReq: cpuSpentMs != null && result.requests.total > 0 ? (cpuSpentMs * 1000) / result.requests.total : null,
  };
}

function withRatios(rows) {
  const key = (id, c, round) => `${id}@${c}#${round ?? 0}`;
  const byKey = new Map(rows.map((r) => [key(r.case, r.connections, r.round), r]));
  const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
  return rows.map((r) => {
    const f = byKey.get(key(r.floor ?? r.case, r.connections, r.round));
    return {
      ...r,
      vsFloor: f
        ? {
            rps: ratio(r.rps, f.rps),
            p50Ms: ratio(r.p50Ms, f.p50Ms),
            p99Ms: ratio(r.p99Ms, f.p99Ms),
            rssMb: ratio(r.rssMb, f.rssMb),
            // Floor CPU over ours: the req/s ratio a quiet machine would show for a CPU-bound server.
            cpu: ratio(f.cpuUsPerReq, r.cpuUsPerReq),
          }
        : null,
    };
  });
}

const median = (values) => {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** One row per case and connection count: medians over the rounds, ratio spreads kept. */
function medianOfRounds(rows) {
  const groups = new Map();
  for (const r of rows) {
    const k = `${r.case}@${r.connections}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const pick = (f) => median(group.map(f));
    const spread = (f) => {
      const v = group.map(f).filter((x) => x != null);
      return v.length ? [Math.min(...v), Math.max(...v)] : null;
    };
    return {
      ...group[0],
      round: undefined,
      rounds: group.length,
      requests: group.reduce((sum, r) => sum + r.requests, 0),
      rps: pick((r) => r.rps),
      p50Ms: pick((r) => r.p50Ms),
      p99Ms: pick((r) => r.p99Ms),
      maxMs: Math.max(...group.map((r) => r.maxMs ?? 0)),
      errors: group.reduce((sum, r) => sum + r.errors, 0),
      timeouts: group.reduce((sum, r) => sum + r.timeouts, 0),
      non2xx: group.reduce((sum, r) => sum + r.non2xx, 0),
      rssMb: Math.max(...group.map((r) => r.rssMb ?? 0)),
      cpuUsPerReq: pick((r) => r.cpuUsPerReq),
      vsFloor: group[0].vsFloor
        ? {
            rps: pick((r) => r.vsFloor?.rps),
            p50Ms: pick((r) => r.vsFloor?.p50Ms),
            p99Ms: pick((r) => r.vsFloor?.p99Ms),
            rssMb: pick((r) => r.vsFloor?.rssMb),
            cpu: pick((r) => r.vsFloor?.cpu),
            rpsRange: spread((r) => r.vsFloor?.rps),
          }
        : null,
    };
  });
}

function printTable(rows) {
  const fmt = (n, digits) => (n == null ? '-' : n.toFixed(digits));
  const x = (n) => (n == null ? '' : `x${n.toFixed(2)}`);
  const header = ['case', 'conns', 'req/s', 'vs floor', 'p50 ms', 'vs floor', 'p99 ms', 'vs floor', 'errors', 'non-2xx', 'RSS MB', 'vs floor', 'CPU µs/req', 'floor/this'];
  const body = rows.map((r) => [
    r.case,
    String(r.connections),
    fmt(r.rps, 0),
    r.vsFloor?.rpsRange ? `${x(r.vsFloor.rps)} [${r.vsFloor.rpsRange.map((n) => n.toFixed(2)).join('-')}]` : x(r.vsFloor?.rps),
    fmt(r.p50Ms, 2),
    x(r.vsFloor?.p50Ms),
    fmt(r.p99Ms, 2),
    x(r.vsFloor?.p99Ms),
    String(r.errors),
    String(r.non2xx),
    fmt(r.rssMb, 1),
    x(r.vsFloor?.rssMb),
    fmt(r.cpuUsPerReq, 0),
    x(r.vsFloor?.cpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// Everything started or created by this run, undone by shutdown() on every exit path.
const started = new Map();
const cleanups = [];
let shutdownPromise = null;

function shutdown() {
  shutdownPromise ??= (async () => {
    await Promise.allSettled([...started.values()].map((t) => t.stop()));
    await stopAll();
    for (const fn of cleanups.splice(0)) {
      try {
        fn();
      } catch (error) {
        console.error(`bench cleanup: ${error instanceof Error ? error.message : error}`);
      }
    }
  })();
  return shutdownPromise;
}

async function main() {
  const options = readOptions();
  const cases = selectCases(options.wanted);
  const ctx = { onCleanup: (fn) => cleanups.push(fn) };
  for (const name of new Set(cases.map((c) => c.target))) TARGETS[name].check?.();
  const rows = [];
  const perCase = options.connections.length * (options.warmupS + options.durationS);
  console.log(
    `bench: ${cases.length} case(s) x connections ${options.connections.join(',')} x (${options.warmupS}s warm-up + ${options.durationS}s) x ${options.rounds} round(s): about ${Math.ceil(options.rounds * cases.length * perCase)} s of load`,
  );
  const prepared = new Map();
  try {
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) console.log(`round ${round} of ${options.rounds}`);
      for (const testCase of cases) {
        if (!started.has(testCase.target)) {
          console.log(`starting ${testCase.target}: ${TARGETS[testCase.target].describe}`);
          started.set(testCase.target, await TARGETS[testCase.target].start(ctx));
        }
        const target = started.get(testCase.target);
        if (testCase.measure) {
          // Not request load: the case measures once per round and returns its own row.
          const row = { ...(await testCase.measure(target)), round };
          rows.push(row);
          console.log(`  ${testCase.id}: ${row.rps.toFixed(0)} ${row.unit ?? 'req/s'}, errors ${row.errors}, RSS ${row.rssMb?.toFixed(1)} MB`);
          continue;
        }
        if (!prepared.has(testCase.id)) {
          const opts = await testCase.prepare(target);
          await checkFirstResponse(target, testCase, opts);
          prepared.set(testCase.id, opts);
        }
        const opts = prepared.get(testCase.id);
        for (const connections of options.connections) {
          if (options.warmupS > 0) await load(target.url, opts, connections, options.warmupS);
          const row = { ...measurement(testCase, target, connections, await load(target.url, opts, connections, options.durationS, target.pid)), round };
          rows.push(row);
          console.log(
            `  ${testCase.id} c=${connections}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99Ms?.toFixed(2)} ms, errors ${row.errors}, non-2xx ${row.non2xx}, RSS ${row.rssMb?.toFixed(1)} MB`,
          );
        }
      }
    }
  } finally {
    await shutdown();
  }

  const perRound = withRatios(rows);
  const results = medianOfRounds(perRound);
  console.log('');
  printTable(results);
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        finishedAt: new Date().toISOString(),
        commit: gitCommit(),
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        durationS: options.durationS,
        warmupS: options.warmupS,
        rounds: options.rounds,
        connections: options.connections,
        targets: Object.fromEntries([...started.keys()].map((t) => [t, TARGETS[t].describe])),
        results,
        ...(options.rounds > 1 ? { perRound } : {}),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${RESULTS_FILE}`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the servers`);
    void shutdown().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main().catch(async (error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  await shutdown();
  process.exit(1);
});
