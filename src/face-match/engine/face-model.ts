import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RgbImage } from './images.js';

/**
 * The face-recognition model: @vladmandic/human (MIT) on TensorFlow.js's WebAssembly backend,
 * with its BlazeFace detector, FaceMesh alignment and `faceres` embedding. Everything comes
 * from node_modules; nothing is downloaded. Load it in a worker thread: inference is CPU-bound.
 */

interface HumanFace {
  box: [number, number, number, number];
  score: number;
  embedding?: number[];
}
interface HumanTensor {
  dispose(): void;
}
interface Human {
  load(): Promise<void>;
  detect(input: HumanTensor): Promise<{ face: HumanFace[]; error?: string | null }>;
  tf: {
    getBackend(): string;
    ready(): Promise<void>;
    tensor4d(values: Uint8Array, shape: [number, number, number, number], dtype: 'int32'): HumanTensor;
    engine(): { startScope(): void; endScope(): void };
  };
}
type HumanConstructor = new (config: Record<string, unknown>) => Human;

const require = createRequire(import.meta.url);

/**
 * The package's `exports` map lacks "./" keys, so its Node WebAssembly build cannot be
 * imported by subpath; load it from the folder of its main entry instead.
 * https://github.com/vladmandic/human/blob/main/package.json
 */
function humanPaths(): { build: string; models: string; wasm: string } {
  const dist = dirname(require.resolve('@vladmandic/human'));
  return {
    build: join(dist, 'human.node-wasm.js'),
    models: resolve(dist, '..', 'models'),
    wasm: dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep,
  };
}

/**
 * Human loads model files with `fetch(modelBasePath + name)`, and Node 20's fetch has no
 * `file:` support. In this worker, fetch only reads files below the models folder; any
 * other URL fails, so the model can never reach the network.
 */
function installLocalModelFetch(modelsDir: string): void {
  const root = modelsDir + sep;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'file:') throw new TypeError(`face model: refusing to fetch ${url.protocol} URL`);
    const path = fileURLToPath(url);
    if (!path.startsWith(root)) throw new TypeError(`face model: ${path} is outside ${modelsDir}`);
    return new Response(await readFile(path));
  }) as typeof fetch;
}

/** Human's configuration: only face detection, mesh alignment and the embedding, no caching between calls. */
function humanConfig(paths: { models: string; wasm: string }): Record<string, unknown> {
  return {
    backend: 'wasm',
    wasmPath: paths.wasm,
    modelBasePath: pathToFileURL(paths.models).href + '/',
    debug: false,
    async: true,
    warmup: 'none',
    cacheModels: false,
    // Each call is a new picture: never reuse the previous frame's faces.
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: true, equalization: false, autoBrightness: false, flip: false, return: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 5, minConfidence: 0.3, return: false },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
  };
}

export class FaceModel {
  private constructor(private readonly human: Human) {}

  static async load(): Promise<FaceModel> {
    const paths = humanPaths();
    installLocalModelFetch(paths.models);
    const { Human } = require(paths.build) as { Human: HumanConstructor };
    const human = new Human(humanConfig(paths));
    await human.load();
    await human.tf.ready();
    if (human.tf.getBackend() !== 'wasm') throw new Error(`face model: the wasm backend did not start (got "${human.tf.getBackend()}")`);
    return new FaceModel(human);
  }

  /** The embedding of the largest face in the picture, or null when it holds none. */
  async embed(image: RgbImage): Promise<number[] | null> {
    const tensor = this.human.tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32');
    try {
      const result = await this.human.detect(tensor);
      if (result.error) throw new Error(`face model: ${result.error}`);
      const faces = result.face.filter((face) => face.embedding && face.embedding.length > 0);
      if (faces.length === 0) return null;
      const largest = faces.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
      return Array.from(largest.embedding!);
    } finally {
      tensor.dispose();
    }
  }
}
