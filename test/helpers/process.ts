import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_TOKEN, TEST_SERVER_SECRET } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** The built server entry point, as `npm start` runs it. */
export const MAIN_JS = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A scratch working directory, removed by `cleanup()`. */
export function tempDir(prefix = 'passline-proc-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (also when it already has). */
  exited: Promise<Exit>;
  /** Resolves once stdout matches `pattern` (rejects on exit or timeout). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (graceful) or another signal, then waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  /** Working directory (a fresh temp dir is typical). */
  cwd: string;
  port: number;
  /** SQLite file path or postgres:// URL. */
  databaseUrl: string;
  /** Extra or overriding variables; `undefined` removes a default. */
  env?: Record<string, string | undefined>;
}

/**
 * Spawns `node dist/src/main.js` with a clean environment: only PATH/HOME plus the
 * Passline variables given here, so the test runner's own environment does not leak in.
 */
export function spawnServer(options: SpawnOptions): ServerProcess {
  const env: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'log',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    DATABASE_URL: options.databaseUrl,
    SERVER_SECRET: TEST_SERVER_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...options.env,
  };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;

  const child = spawn(process.execPath, [MAIN_JS], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the pipes drain so stdout()/stderr() are complete once `exited` resolves.
      setImmediate(() => {
        resolve({ code, signal });
        for (const listener of listeners) listener();
      });
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  return {
    child,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (match) return done(() => resolve(match));
          if (hasExited) return done(() => reject(new Error(`exited before stdout matched ${pattern}:\n${out}\n${err}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
      if (hasExited || child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      // Like `docker stop`: a server that does not finish its graceful shutdown in time is killed.
      const timer = setTimeout(() => {
        process.stderr.write(`[test/helpers/process] server on port ${options.port} ignored ${signal} for ${graceMs} ms; sending SIGKILL\n`);
        child.kill('SIGKILL');
      }, graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Polls GET /health until it answers 200; rejects if the process exits first or on timeout. */
export async function waitForHealthy(server: ServerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before it was healthy:\n${server.stdout()}\n${server.stderr()}`);
    try {
      const res = await fetch(`${server.url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not healthy after ${timeoutMs} ms:\n${server.stdout()}\n${server.stderr()}`);
}

/** Spawns the server and waits until /health is 200. */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const server = spawnServer(options);
  try {
    await waitForHealthy(server);
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return server;
}

/** Runs a server that is expected to stop by itself (e.g. on a bad configuration). */
export async function runUntilExit(options: SpawnOptions, timeoutMs = 15_000): Promise<Exit & { stdout: string; stderr: string }> {
  const server = spawnServer(options);
  const timer = setTimeout(() => server.child.kill('SIGKILL'), timeoutMs);
  const exit = await server.exited;
  clearTimeout(timer);
  return { ...exit, stdout: server.stdout(), stderr: server.stderr() };
}

/**
 * Working directories, databases and server processes for one spec file, all released by
 * `release()` (call it in `afterAll`): servers are killed first, then their folders and
 * databases removed.
 */
export function processFixtures() {
  const servers: ServerProcess[] = [];
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  return {
    /** A fresh database and working directory. */
    async workspace(): Promise<{ cwd: string; db: TestDatabase }> {
      const dir = tempDir();
      const db = await createTestDatabase();
      cleanups.push(() => dir.cleanup(), () => db.drop());
      return { cwd: dir.path, db };
    },
    /** Registers a server to be killed if a test leaves it running. */
    track(server: ServerProcess): ServerProcess {
      servers.push(server);
      return server;
    },
    /** Registers any other cleanup; they run last first. */
    defer(cleanup: () => Promise<unknown> | unknown): void {
      cleanups.push(cleanup);
    },
    async release(): Promise<void> {
      await Promise.all(servers.map((server) => server.stop('SIGKILL')));
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}
