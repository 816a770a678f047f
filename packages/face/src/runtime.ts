// Loads face-api on TensorFlow.js once per process: picks the backend
// (tfjs-node, else WASM SIMD, else pure JS) and reads the model weights from disk.

import { createRequire } from 'node:module';
import path from 'node:path';
import { SmallworldTypeError } from '@smallworld/hnsw';
import { describeValue } from './check.js';
import { FACE_API_NETS, FACE_MODEL } from './model.js';
import type { FaceApi } from './pipeline.js';

const require = createRequire(import.meta.url);

/**
 * Where TensorFlow.js runs the networks:
 * - `'tensorflow'`: `@tensorflow/tfjs-node` (native libtensorflow), fastest;
 *   an optional dependency whose installer downloads a native library, so it
 *   is often absent.
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm` with SIMD, about 0.7 s a photo.
 * - `'cpu'`: pure JavaScript, about 25 s a photo: a last resort.
 */
export type FaceBackend = 'tensorflow' | 'wasm' | 'cpu';

/** `'auto'` tries `'tensorflow'`, then `'wasm'`, then `'cpu'` (with a warning). */
export type FaceBackendChoice = 'auto' | FaceBackend;

/** Every accepted `backend` option: 'auto' tries 'tensorflow' (tfjs-node, when installed), then 'wasm', then 'cpu'. */
export const FACE_BACKENDS: readonly FaceBackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** The loaded stack: face-api, its TensorFlow.js, and what was chosen. */
export interface FaceRuntime {
  readonly faceapi: FaceApi;
  /** The backend in use. */
  readonly backend: FaceBackend;
  /** Identifies the weights, e.g. `face-api@1.7.15/ssd_mobilenetv1+face_landmark_68+face_recognition`. */
  readonly model: string;
  /** Why a faster backend was not used (empty when the first choice loaded). */
  readonly notes: readonly string[];
}

let loading: Promise<FaceRuntime> | undefined;
let requested: FaceBackendChoice | undefined;

/** Folder of face-api's shipped model weights (`model/` of its npm package). */
export function defaultModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * The sample photos shipped inside face-api's npm package (`demo/sample1.jpg`
 * ... `sample6.jpg`, group photos): real faces available offline on every
 * install, used by `pnpm demo` and the tests.
 */
export function samplePhotosDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
}

/** Checks a backend choice (TypeError naming the option). */
export function checkBackendChoice(value: unknown): FaceBackendChoice {
  if (typeof value !== 'string' || !FACE_BACKENDS.includes(value as FaceBackendChoice)) {
    throw new SmallworldTypeError('INVALID_OPTION',
      `\`backend\` must be one of ${FACE_BACKENDS.join(', ')} (got ${describeValue(value)})`);
  }
  return value as FaceBackendChoice;
}

/**
 * Loads the runtime once per process (TensorFlow.js has one global backend).
 * A later call asking for a different explicit backend than the first throws.
 */
export function loadRuntime(choice: FaceBackendChoice = 'auto', modelDir = defaultModelDir()): Promise<FaceRuntime> {
  if (loading !== undefined) {
    if (choice !== 'auto' && requested !== choice) {
      return loading.then((runtime) => {
        if (runtime.backend !== choice) {
          throw new SmallworldTypeError('INVALID_OPTION',
            `\`backend\` is already ${runtime.backend} in this process (TensorFlow.js has one backend); got ${JSON.stringify(choice)}`);
        }
        return runtime;
      });
    }
    return loading;
  }
  requested = choice;
  loading = initialise(choice, modelDir);
  loading.catch(() => { loading = undefined; requested = undefined; });
  return loading;
}

async function initialise(choice: FaceBackendChoice, modelDir: string): Promise<FaceRuntime> {
  const notes: string[] = [];
  // tfjs-node must be required before the backend is chosen: requiring it
  // registers the 'tensorflow' backend on the same @tensorflow/tfjs instance.
  if (choice === 'auto' || choice === 'tensorflow') {
    try {
      require('@tensorflow/tfjs-node');
    } catch (error) {
      // tfjs-node's message names the full path of its missing addon: keep the gist.
      const reason = firstLine(error).replace(/\s*at path:? \S+/, '').replace(/\.$/, '');
      if (choice === 'tensorflow') {
        throw new SmallworldTypeError('UNSUPPORTED', `backend 'tensorflow' needs @tensorflow/tfjs-node, which did not load: ${reason}`);
      }
      notes.push(`tfjs-node not available (${reason})`);
    }
  }
  const faceapi: FaceApi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const tf = faceapi.tf;
  const backend = await selectBackend(tf, choice, notes);
  for (const net of FACE_MODEL.nets) await faceapi.nets[FACE_API_NETS[net]].loadFromDisk(modelDir);
  return { faceapi, backend, model: `face-api@${faceapi.version}/${FACE_MODEL.nets.join('+')}`, notes };
}

async function selectBackend(tf: FaceApi, choice: FaceBackendChoice, notes: string[]): Promise<FaceBackend> {
  if ((choice === 'auto' || choice === 'tensorflow') && tf.findBackendFactory('tensorflow') != null) {
    if (await tf.setBackend('tensorflow')) return ready(tf, 'tensorflow');
    notes.push('tfjs-node loaded but its backend did not initialise');
  }
  if (choice === 'auto' || choice === 'wasm') {
    // The .wasm binaries ship in the package's dist folder: read from disk,
    // never fetched. The trailing slash makes it a prefix, as tfjs expects.
    const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    tf.setWasmPaths(wasmDir);
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) notes.push('WebAssembly SIMD unavailable: the wasm backend runs several times slower');
        return 'wasm';
      }
      notes.push('wasm backend did not initialise');
    } catch (error) {
      if (choice === 'wasm') throw new SmallworldTypeError('UNSUPPORTED', `backend 'wasm' did not initialise: ${firstLine(error)}`);
      notes.push(`wasm backend failed (${firstLine(error)})`);
    }
  }
  if (choice === 'wasm') throw new SmallworldTypeError('UNSUPPORTED', "backend 'wasm' did not initialise");
  await tf.setBackend('cpu');
  if (choice === 'auto') {
    notes.push('falling back to the pure-JS cpu backend: about 25 s per photo');
    process.emitWarning(`@smallworld/face: no faster TensorFlow.js backend loaded (${notes.join('; ')})`, { code: 'SMALLWORLD_FACE_CPU_BACKEND' });
  }
  return ready(tf, 'cpu');
}

async function ready(tf: FaceApi, backend: FaceBackend): Promise<FaceBackend> {
  await tf.ready();
  return backend;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
