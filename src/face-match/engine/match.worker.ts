import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { FaceModel } from './face-model.js';
import { matchFaces } from './match-faces.js';
import type { MatchJob, WorkerReply } from './worker-protocol.js';

/**
 * A face-match worker thread: loads the model on its first job (so a server that never
 * matches never pays for it) and answers one job at a time.
 */
let model: Promise<FaceModel> | undefined;

// On Linux a priority set with pid 0 applies to the calling thread only: when the cores are
// busy, the event loop's thread (HTTP, WebSocket) runs before this one.
try {
  setPriority(0, 10);
} catch {
  // Not permitted or not supported here: matching still works, only without the yield.
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

parentPort!.on('message', (job: MatchJob) => {
  void answer(job).then((reply) => parentPort!.postMessage(reply));
});

async function answer(job: MatchJob): Promise<WorkerReply> {
  const started = performance.now();
  let loaded: FaceModel;
  try {
    const loading = !model;
    model ??= FaceModel.load();
    loaded = await model;
    if (loading) parentPort!.postMessage({ id: job.id, kind: 'loaded', ms: performance.now() - started } satisfies WorkerReply);
  } catch (error) {
    model = undefined; // the next job tries again
    return { id: job.id, kind: 'unavailable', message: `the face model could not be loaded: ${describe(error)}` };
  }
  try {
    const outcome = await matchFaces(loaded, job.portrait, job.selfies, job.threshold);
    return { id: job.id, kind: 'result', ...outcome, ms: performance.now() - started };
  } catch (error) {
    return { id: job.id, kind: 'unavailable', message: `the face model failed: ${describe(error)}` };
  }
}
