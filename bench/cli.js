// npm run bench:cli: builds the app (the npm script does), then times the admin CLI (§2.6) as
// operators run it, end to end in a fresh process each time, on a fresh SQLite file (or on
// PostgreSQL with BENCH_CLI_DATABASE_URL=postgres://…): `node dist/src/cli/main.js …`, and
// `npm run --silent cli -- …` with npm's own start-up. Prints the median, fastest and slowest
// wall time of each command, the median CPU time it used (user + system, from /proc on Linux:
// what a busy machine changes least) and the load average before and after: on a busy
// machine the wall times say more about the neighbours than about the CLI.
//
// Environment:
//   BENCH_CLI_RUNS           runs per command and launcher (default 7)
//   BENCH_CLI_DATABASE_URL   database to use (default: a new SQLite file in a temporary folder)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_CLI_RUNS ?? 7);
const dir = mkdtempSync(join(os.tmpdir(), 'passline-bench-cli-'));
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? dir,
  NODE_ENV: 'production',
  SERVER_SECRET: 'bench-cli-server-secret-0123456789abcdef',
  DATABASE_URL: process.env.BENCH_CLI_DATABASE_URL ?? join(dir, 'passline.sqlite'),
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const launchers = {
  node: (args) => [process.execPath, [join(root, 'dist/src/cli/main.js'), ...args]],
  npm: (args) => [npm, ['run', '--silent', 'cli', '--', ...args]],
};

/** CPU ms used by this process's waited-for children so far (Linux), or NaN. */
function childrenCpuMs() {
  try {
    // Fields after the command name: cutime and cstime are the 14th and 15th, in ticks of 1/100 s
    // on Linux (USER_HZ).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** One run: its wall and CPU time in ms and its stdout (parsed when it is JSON). */
function cli(launcher, args) {
  const [file, argv] = launchers[launcher](args);
  const cpu = childrenCpuMs();
  const started = process.hrtime.bigint();
  const stdout = execFileSync(file, argv, { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, cpuMs: childrenCpuMs() - cpu, result: stdout.startsWith('{') ? JSON.parse(stdout) : stdout };
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();

// The first command creates the schema (TypeORM, once); every timed one finds it up to date.
const first = cli('node', ['orgs', 'create', '--name', 'Bench']);
const orgId = first.result.id;
const keyId = cli('node', ['api-keys', 'create', '--org', orgId, '--name', 'toggled']).result.id;

const commands = [
  ['orgs create', ['orgs', 'create', '--name', 'Bench org']],
  ['orgs list', ['orgs', 'list']],
  ['api-keys create', ['api-keys', 'create', '--org', orgId, '--name', 'Bench key']],
  ['api-keys list', ['api-keys', 'list', '--org', orgId]],
  ['api-keys disable', ['api-keys', 'disable', '--id', keyId]],
  ['api-keys enable', ['api-keys', 'enable', '--id', keyId]],
  ['api-keys revoke', ['api-keys', 'revoke', '--id', keyId]],
  ['--help', ['--help']],
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (v) => `${Math.round(v)}`.padStart(6);

console.log(`admin CLI, ${runs} runs each, ${env.DATABASE_URL.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}, Node ${process.version}, ${os.cpus().length} CPUs`);
console.log(`first command (creates the schema): ${Math.round(first.ms)} ms`);
console.log(`${'command'.padEnd(18)}${'launcher'.padEnd(10)}median ms   min   max  median CPU ms`);
const medians = { node: [], npm: [] };
try {
  for (const [name, args] of commands) {
    for (const launcher of Object.keys(launchers)) {
      // --help answers without the database, in text.
      const times = [];
      const cpus = [];
      for (let i = 0; i < runs; i++) {
        const run = cli(launcher, args);
        times.push(run.ms);
        cpus.push(run.cpuMs);
      }
      const m = median(times);
      if (args[0] !== '--help') medians[launcher].push(m);
      console.log(`${name.padEnd(18)}${launcher.padEnd(10)}${ms(m)}${ms(Math.min(...times))}${ms(Math.max(...times))}${ms(median(cpus)).padStart(15)}`);
    }
  }
  for (const launcher of Object.keys(medians)) {
    console.log(`slowest median of a database command, ${launcher}: ${Math.round(Math.max(...medians[launcher]))} ms`);
  }
  console.log(`load average before: ${loadBefore}; after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
