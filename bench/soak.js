#!/usr/bin/env node
// Reliability soak (issue: nothing is lost under load or crash). Starts the built server on
// a fresh SQLite database, runs N concurrent clients that create and cancel sessions for a
// bounded time, kill -9s the server mid-run (K times), restarts it on the same file, and then
// checks that every acknowledged create is stored, every acknowledged cancel is cancelled,
// and every session has exactly the terminal event its status calls for. Exits 1 on any loss.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startNode, stopAll, waitForHttp } from './lib/processes.js';

const HELP = `Usage: npm run soak -- [--duration <s>] [--clients <n>] [--kills <n>]

Creates and cancels sessions from concurrent clients against a real server on SQLite,
kill -9s it mid-run, restarts it, and verifies nothing acknowledged was lost.

  --duration <s>   total run time in seconds (default 30, max 600)
  --clients <n>    concurrent clients (default 64, max 256)
  --kills <n>      kill -9 + restart cycles, spread over the run (default 1, max 10)
  --keep           keep the temporary database folder for inspection
  -h, --help       show this help
The server must be built first (npm run build; the npm script does it).`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    clients: { type: 'string', default: '64' },
    kills: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const intArg = (name, max, min = 1) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
};
const durationS = intArg('duration', 600);
const clients = intArg('clients', 256);
const kills = intArg('kills', 10, 0);

const dir = mkdtempSync(join(tmpdir(), 'passline-soak-'));
const dbPath = join(dir, 'soak.sqlite');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const adminToken = 'soak-admin-token-0123456789abcdef0123456789';
const env = {
  PORT: String(port),
  HOST: '127.0.0.1',
  DATABASE_URL: dbPath,
  SERVER_SECRET: 'soak-server-secret-0123456789abcdef0123456789',
  ADMIN_TOKEN: adminToken,
  LOG_LEVEL: 'error',
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: base,
  RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0',
  RATE_LIMIT_WRITE_PER_MIN: '0',
  RATE_LIMIT_READ_PER_MIN: '0',
  WEBHOOK_DISPATCH_INTERVAL_MS: '0',
};

let server;
async function startServer() {
  server = startNode('passline', 'dist/src/main.js', { env });
  await waitForHttp(server, `${base}/health`, 30000);
}

const log = (msg) => console.log(`[soak ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const t0 = Date.now();
let exitCode = 0;
try {
  log(`database ${dbPath}; ${clients} clients for ${durationS}s with ${kills} kill -9`);
  await startServer();
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const org = await (await fetch(`${base}/v1/admin/orgs`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Soak' }) })).json();
  const key = await (
    await fetch(`${base}/v1/admin/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ organization_id: org.data.id, name: 'soak' }) })
  ).json();
  const auth = { authorization: `Bearer ${key.data.key}`, 'content-type': 'application/json' };

  const acked = new Set(); // creates answered 200
  const cancelled = new Set(); // cancels answered 204
  const stats = { requests: 0, creates: 0, cancels: 0, failures: 0, non2xx: 0 };
  const deadline = Date.now() + durationS * 1000;
  let stop = false;

  async function client(i) {
    const mine = [];
    while (!stop && Date.now() < deadline) {
      stats.requests++;
      try {
        if (mine.length > 0 && Math.random() < 0.35) {
          const id = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
          const res = await fetch(`${base}/v1/sessions/${id}/cancel`, { method: 'POST', headers: auth, signal: AbortSignal.timeout(10000) });
          await res.arrayBuffer();
          if (res.status === 204) {
            cancelled.add(id);
            stats.cancels++;
          } else stats.non2xx++;
        } else {
          const res = await fetch(`${base}/v1/sessions`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ share_fields: { age_over_18: { required: true, reason: `soak client ${i}` } } }),
            signal: AbortSignal.timeout(10000),
          });
          const body = await res.json();
          if (res.status === 200) {
            acked.add(body.data.id);
            mine.push(body.data.id);
            stats.creates++;
          } else stats.non2xx++;
        }
      } catch {
        // The server is down (killed) or restarting: back off briefly and go on.
        stats.failures++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async function killer() {
    for (let k = 1; k <= kills; k++) {
      const at = t0 + ((durationS * 1000) / (kills + 1)) * k;
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      if (stop) return;
      const before = acked.size;
      server.child.kill('SIGKILL');
      await server.exited;
      const killedAt = Date.now();
      log(`kill -9 #${k} after ${before} acknowledged creates; restarting`);
      await startServer();
      log(`restarted in ${Date.now() - killedAt} ms`);
    }
  }

  await Promise.all([killer(), ...Array.from({ length: clients }, (_, i) => client(i))]);
  stop = true;
  await server.stop();
  log(`load done: ${stats.requests} requests, ${stats.creates} creates and ${stats.cancels} cancels acknowledged, ${stats.failures} connection failures, ${stats.non2xx} other answers`);

  // Verify on the database file itself, after a clean stop.
  const db = new Database(dbPath, { readonly: true });
  const sessions = new Map(db.prepare('SELECT id, status FROM sessions').all().map((r) => [r.id, r.status]));
  const terminalEvents = new Map();
  for (const row of db.prepare("SELECT session_id, type FROM events WHERE trigger_type = 'verification_session'").all()) {
    terminalEvents.set(row.session_id, [...(terminalEvents.get(row.session_id) ?? []), row.type]);
  }
  db.close();
  const lostCreates = [...acked].filter((id) => !sessions.has(id));
  const lostCancels = [...cancelled].filter((id) => sessions.get(id) !== 'cancelled');
  const inconsistent = [...sessions].filter(([id, status]) => {
    const events = terminalEvents.get(id) ?? [];
    if (status === 'created' || status === 'in_progress') return events.length !== 0;
    return events.length !== 1 || events[0] !== `verification.session.${status}`;
  });
  const unacked = sessions.size - acked.size;
  console.log('');
  console.log('soak results');
  console.log(`  acknowledged creates      ${acked.size}`);
  console.log(`  stored sessions           ${sessions.size} (${unacked} committed but unacknowledged: in flight at a kill)`);
  console.log(`  acknowledged cancels      ${cancelled.size}`);
  console.log(`  lost creates              ${lostCreates.length}`);
  console.log(`  lost cancels              ${lostCancels.length}`);
  console.log(`  status/event mismatches   ${inconsistent.length}`);
  console.log(`  throughput                ${(stats.requests / durationS).toFixed(0)} requests/s over ${durationS}s`);
  if (lostCreates.length || lostCancels.length || inconsistent.length) {
    exitCode = 1;
    console.error(`SOAK FAILED: ${JSON.stringify({ lostCreates: lostCreates.slice(0, 5), lostCancels: lostCancels.slice(0, 5), inconsistent: inconsistent.slice(0, 5) })}`);
  } else {
    console.log('SOAK PASSED: nothing acknowledged was lost');
  }
} catch (err) {
  exitCode = 1;
  console.error(`soak error: ${err.stack ?? err}`);
} finally {
  await stopAll();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
