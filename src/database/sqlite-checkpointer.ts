import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { appConfig, type AppConfig } from '../config/app.config.js';

/** How often the worker checkpoints the WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 500;

// CommonJS, run with `eval`: the worker needs nothing from the app but better-sqlite3,
// resolved here, since an eval worker resolves modules from the working directory.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error && error.message)); }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

// A timer and one statement need almost no heap; V8's defaults for a worker would let it
// grow young and old generations like the main thread's.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 4, stackSizeMb: 1 };

/**
 * Moves SQLite's WAL checkpoints off the event loop (item 9 of the hardening issue).
 *
 * In WAL mode a commit appends to the -wal file; every 1,000 pages the commit that crosses
 * the threshold also copies the WAL back into the database and fsyncs it, synchronously,
 * on the one thread that serves every request. Under 64 concurrent writers that stall
 * (tens of ms, seconds on a busy disk) delayed every request in flight at once, and set
 * the p99. A worker thread with its own connection now checkpoints every 500 ms in
 * PASSIVE mode, which never blocks writers; the main connection only checkpoints itself if
 * the WAL grows past ~40 MB.
 */
@Injectable()
export class SqliteCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteCheckpointer.name);
  private worker: Worker | null = null;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const db = this.config.database;
    if (db.driver !== 'sqlite') return;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: WORKER_LIMITS,
      workerData: {
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: db.path,
        busyTimeoutMs: db.busyTimeoutMs,
        intervalMs: CHECKPOINT_INTERVAL_MS,
      },
    });
    this.worker.on('message', (message: string) => this.logger.warn(`WAL checkpoint failed: ${message}`));
    this.worker.on('error', (error) => this.logger.error(`WAL checkpointer stopped: ${error.message}`));
    // It must never keep a finished process alive.
    this.worker.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    // Held (not unref'd) while it stops: with nothing else left, an unref'd wait would let the
    // process exit with code 0 mid-shutdown, before Nest re-raises the signal it is handling.
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    worker.postMessage('stop');
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}
