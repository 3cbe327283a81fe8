import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { FACE_MATCHER_UNAVAILABLE, type FaceMatchResult } from './face-match-reply.js';
import { FaceMatcher } from './face-matcher.js';
import type { MatchJob, WorkerReply } from './engine/worker-protocol.js';

export interface BuiltinFaceMatcherOptions {
  threshold: number;
  /** Worker threads, each with its own copy of the model (~300 MB). */
  concurrency: number;
  /** Longest a match may take once its worker has the model loaded. */
  timeoutMs: number;
}

/** Loading the model (WebAssembly compile and weights) on a busy machine takes seconds. */
const MODEL_LOAD_ALLOWANCE_MS = 60_000;
const WORKER_URL = new URL('./engine/match.worker.js', import.meta.url);
/** Waiting matches per worker beyond which new ones fail closed at once (each holds four pictures). */
const MAX_QUEUED_PER_WORKER = 32;

interface Pending {
  job: MatchJob;
  resolve: (result: FaceMatchResult) => void;
}

interface Slot {
  worker: Worker;
  loaded: boolean;
  current?: { pending: Pending; timer: NodeJS.Timeout };
}

/**
 * The built-in face matcher (§6.8a). Matches run in up to `concurrency` worker threads,
 * started on the first match (an API-only server never loads the model); the event loop only
 * queues jobs and relays results. Every failure (model load, crash, timeout) fails that
 * match closed with one log line; the next match starts a fresh worker.
 */
export class BuiltinFaceMatcher extends FaceMatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('FaceMatcher');
  private readonly queue: Pending[] = [];
  private readonly slots = new Set<Slot>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: BuiltinFaceMatcherOptions) {
    super();
  }

  match(portrait: Uint8Array, selfies: Uint8Array[], threshold = this.options.threshold): Promise<FaceMatchResult> {
    if (this.closed) return Promise.resolve(FACE_MATCHER_UNAVAILABLE);
    if (this.queue.length >= MAX_QUEUED_PER_WORKER * this.options.concurrency) {
      this.logger.warn(`Built-in face matcher: ${this.queue.length} matches already waiting; failing this one closed`);
      return Promise.resolve(FACE_MATCHER_UNAVAILABLE);
    }
    return new Promise((resolve) => {
      this.queue.push({ job: { id: this.nextId++, portrait, selfies, threshold }, resolve });
      this.dispatch();
    });
  }

  /** Worker threads alive now (each holds a model once it has matched): 0 until the first match. */
  get workers(): number {
    return this.slots.size;
  }

  /** Matches queued or running now. */
  get pending(): number {
    return this.queue.length + [...this.slots].filter((slot) => slot.current).length;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve(FACE_MATCHER_UNAVAILABLE);
    await Promise.all([...this.slots].map((slot) => this.retire(slot, 'the server is shutting down')));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((candidate) => !candidate.current);
      if (!slot && this.slots.size < this.options.concurrency) slot = this.spawn();
      if (!slot) return;
      const pending = this.queue.shift()!;
      const allowance = this.options.timeoutMs + (slot.loaded ? 0 : MODEL_LOAD_ALLOWANCE_MS);
      const busy = slot;
      const timer = setTimeout(() => void this.retire(busy, `no answer within ${allowance} ms`), allowance);
      slot.current = { pending, timer };
      slot.worker.postMessage(pending.job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    // An idle worker must not keep a finishing process (the CLI, a test) alive.
    worker.unref();
    const slot: Slot = { worker, loaded: false };
    this.slots.add(slot);
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (error) => void this.retire(slot, `the worker crashed: ${error.message}`));
    worker.on('exit', (code) => void this.retire(slot, `the worker exited with code ${code}`));
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    const current = slot.current;
    if (!current || current.pending.job.id !== reply.id) return;
    if (reply.kind === 'loaded') {
      slot.loaded = true;
      this.logger.log(`Face model loaded in a worker thread in ${Math.round(reply.ms)} ms`);
      return;
    }
    clearTimeout(current.timer);
    slot.current = undefined;
    if (reply.kind === 'unavailable') {
      this.logger.error(`Built-in face matcher: ${reply.message}; failing this match closed`);
      current.pending.resolve(FACE_MATCHER_UNAVAILABLE);
    } else {
      for (const problem of reply.problems) this.logger.warn(`Face match refused an image: ${problem}`);
      current.pending.resolve(reply.result);
    }
    this.dispatch();
  }

  /** Ends a worker (its running match fails closed) and lets the queue go on with a new one. */
  private async retire(slot: Slot, why: string): Promise<void> {
    if (!this.slots.delete(slot)) return;
    if (slot.current) {
      clearTimeout(slot.current.timer);
      this.logger.error(`Built-in face matcher: ${why}; failing this match closed`);
      slot.current.pending.resolve(FACE_MATCHER_UNAVAILABLE);
      slot.current = undefined;
    }
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    await slot.worker.terminate().catch(() => undefined);
    if (!this.closed) this.dispatch();
  }
}
