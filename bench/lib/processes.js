// Child server processes: spawn on a free loopback port, wait for readiness, read RSS,
// and always stop them (normal end, failure, Ctrl-C, SIGTERM).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set();

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** utime + stime of a process in ms (from /proc/<pid>/stat), or null when it is gone or not ours to read. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/**
 * Times the kernel took the CPU from `pid`'s threads while they could still run (summed over
 * its threads), or null: how much a process was crowded by others, not by its own waits.
 */
export function involuntarySwitches(pid) {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      total += Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
    return total;
  } catch {
    return null;
  }
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks, 100 on every common build. */
const CLOCK_TICKS_PER_S = 100;

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS), or null. */
export function rssMb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts `node <script>` with `env` on top of the current environment. Output is kept
 * (the last 64 KiB) for error messages; `onStdout` sees every stdout chunk.
 */
export function startNode(name, script, { env = {}, args = [], onStdout } = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65536);
  };
  child.stdout.on('data', (chunk) => {
    keep(chunk);
    onStdout?.(chunk.toString());
  });
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handle = {
    name,
    pid: child.pid,
    child,
    exited,
    output: () => output,
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 5000) {
      children.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(handle);
  return handle;
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
export async function waitForHttp(handle, url, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let exit = null;
  void handle.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(`${handle.name} exited (code ${exit.code}, signal ${exit.signal}) before it was ready:\n${handle.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${handle.name} did not answer 200 on ${url} within ${timeoutMs} ms:\n${handle.output()}`);
}

/** Stops every child still running. */
export async function stopAll() {
  await Promise.all([...children].map((c) => c.stop()));
}

/** Last resort on a synchronous exit path: no child may outlive the bench. */
process.on('exit', () => {
  for (const c of children) {
    try {
      c.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});
