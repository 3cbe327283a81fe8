// npm run bench:profile: where the server's CPU goes on each hot route. For every selected
// case it starts a fresh Passline (production mode, as in `npm run bench`), warms it up,
// samples its CPU while autocannon drives the route, and prints the top self-time functions
// and the top packages, each as a share of the non-idle CPU. Profiles are kept in
// bench/profiles/<case>.cpuprofile (open them in Chrome DevTools or speedscope).
//
// Environment: BENCH_CASES (default health,sessions:create,sessions:get,sessions:list-100k),
// BENCH_DURATION_S (default 8), BENCH_WARMUP_S (default 3), BENCH_CONNECTIONS (one count,
// default 32), BENCH_TOP (rows per table, default 8).
import autocannon from 'autocannon';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from './cases.js';
import { stopAll } from './lib/processes.js';
import { TARGETS } from './targets.js';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/profiles');
const PRELOAD = join(ROOT, 'bench/lib/cpu-profile-preload.mjs');
const wanted = (process.env.BENCH_CASES || 'health,sessions:create,sessions:get,sessions:list-100k').split(',');
const durationS = Number(process.env.BENCH_DURATION_S || 8);
const warmupS = Number(process.env.BENCH_WARMUP_S || 3);
const connections = Number(process.env.BENCH_CONNECTIONS || 32);
const top = Number(process.env.BENCH_TOP || 8);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function drive(url, opts, seconds) {
  const { path = '', ...rest } = opts;
  const result = await autocannon({ ...rest, url: `${url}${path}`, connections, duration: seconds, timeout: 10 });
  return result;
}

/** Where a frame's code lives: a package, node's internals, or this project's file. */
function area(frame) {
  const url = frame.url ?? '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/dist\/(src\/.*)$/.exec(url);
  return src ? src[1] : url;
}

function summarize(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const fns = new Map();
  const areas = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (!node.hitCount || f.functionName === '(idle)') continue;
    total += node.hitCount;
    const where = area(f);
    const name = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + node.hitCount);
    areas.set(where, (areas.get(where) ?? 0) + node.hitCount);
  }
  const rows = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return { total, functions: rows(fns), areas: rows(areas) };
}

async function profileCase(testCase) {
  const file = join(OUT, `${testCase.id.replaceAll(':', '-')}.cpuprofile`);
  rmSync(file, { force: true });
  const cleanups = [];
  const ctx = { onCleanup: (fn) => cleanups.push(fn) };
  const target = await TARGETS[testCase.target].start(ctx, {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim(),
    BENCH_CPU_PROFILE: file,
  });
  try {
    const opts = await testCase.prepare(target);
    await drive(target.url, opts, warmupS);
    process.kill(target.pid, 'SIGWINCH');
    const result = await drive(target.url, opts, durationS);
    process.kill(target.pid, 'SIGWINCH');
    for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
    await sleep(300);
    const s = summarize(file);
    const rps = result.requests.total / result.duration;
    console.log(`\n${testCase.id} c=${connections}: ${rps.toFixed(0)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}`);
    console.log(`  top self time (% of non-idle CPU, ${s.total} samples):`);
    console.log(s.functions.join('\n'));
    console.log('  by package / file:');
    console.log(s.areas.join('\n'));
  } finally {
    await target.stop();
    for (const fn of cleanups) fn();
  }
}

mkdirSync(OUT, { recursive: true });
try {
  for (const id of wanted) {
    const testCase = CASES.find((c) => c.id === id);
    if (!testCase?.prepare) throw new Error(`Unknown or unprofilable case ${id}`);
    await profileCase(testCase);
  }
} finally {
  await stopAll();
}
