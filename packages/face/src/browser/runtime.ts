// Loads face-api (its no-bundle ESM build, so it shares the app's one @tensorflow/tfjs)
// once per page or worker: picks the backend (WebGL on a real GPU, else WASM with SIMD
// where present, else pure JS) and fetches the model weights from the app's URLs.

import { SmallworldTypeError } from '@smallworld/hnsw';
import { describeValue } from '../check.js';
import { FACE_API_NETS, FACE_MODEL } from '../model.js';
import type { FaceApi } from '../pipeline.js';

/**
 * Where TensorFlow.js runs the networks in a browser:
 * - `'webgl'`: the GPU through WebGL 2, fastest where there is a real GPU;
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm`, SIMD (and threads when the page
 *   is cross-origin isolated) where the browser has them, about 1 s a photo;
 * - `'cpu'`: pure JavaScript, about 25 s a photo: a last resort.
 */
export type BrowserFaceBackend = 'webgl' | 'wasm' | 'cpu';

/** `'auto'` tries `'webgl'` (only on a hardware GPU), then `'wasm'`, then `'cpu'` (with a warning). */
export type BrowserFaceBackendChoice = 'auto' | BrowserFaceBackend;

/** Every accepted `backend` option of the browser entry. */
export const BROWSER_FACE_BACKENDS: readonly BrowserFaceBackendChoice[] = ['auto', 'webgl', 'wasm', 'cpu'];

/** The loaded stack of a page or worker. */
export interface BrowserFaceRuntime {
  readonly faceapi: FaceApi;
  readonly backend: BrowserFaceBackend;
  readonly model: string;
  /** Whether the WebAssembly backend runs with SIMD (undefined on other backends). */
  readonly wasmSimd: boolean | undefined;
  /** Why a faster backend was not used. */
  readonly notes: readonly string[];
}

let loading: Promise<BrowserFaceRuntime> | undefined;
let loadedWith: { choice: BrowserFaceBackendChoice; modelUrl: string } | undefined;

/** Checks a backend choice (TypeError naming the option). */
export function checkBrowserBackendChoice(value: unknown): BrowserFaceBackendChoice {
  if (typeof value !== 'string' || !BROWSER_FACE_BACKENDS.includes(value as BrowserFaceBackendChoice)) {
    throw new SmallworldTypeError('INVALID_OPTION',
      `\`backend\` must be one of ${BROWSER_FACE_BACKENDS.join(', ')} (got ${describeValue(value)})`);
  }
  return value as BrowserFaceBackendChoice;
}

/**
 * Loads the runtime once per page or worker (TensorFlow.js has one global
 * backend and face-api keeps its weights in globals). A later call asking
 * for another explicit backend, or other weights, than the first throws.
 */
export function loadBrowserRuntime(choice: BrowserFaceBackendChoice, modelUrl: string, wasmPaths: string | undefined): Promise<BrowserFaceRuntime> {
  if (loading !== undefined) {
    const first = loadedWith!;
    if (modelUrl !== first.modelUrl) {
      return Promise.reject(new SmallworldTypeError('INVALID_OPTION',
        `\`modelUrl\` is already ${JSON.stringify(first.modelUrl)} here (face-api keeps one set of weights); got ${JSON.stringify(modelUrl)}`));
    }
    if (choice === 'auto' || choice === first.choice) return loading;
    return loading.then((runtime) => {
      if (runtime.backend !== choice) {
        throw new SmallworldTypeError('INVALID_OPTION',
          `\`backend\` is already ${runtime.backend} here (TensorFlow.js has one backend); got ${JSON.stringify(choice)}`);
      }
      return runtime;
    });
  }
  loadedWith = { choice, modelUrl };
  loading = initialise(choice, modelUrl, wasmPaths);
  loading.catch(() => { loading = undefined; loadedWith = undefined; });
  return loading;
}

async function initialise(choice: BrowserFaceBackendChoice, modelUrl: string, wasmPaths: string | undefined): Promise<BrowserFaceRuntime> {
  const faceapi: FaceApi = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
  const env = faceapi.env;
  // face-api knows a window or Node; in a worker, tell it what to fetch and draw with.
  if (!env.isBrowser() && !env.isNodejs()) env.setEnv(workerEnvironment());
  const tf = faceapi.tf;
  const notes: string[] = [];
  const { backend, wasmSimd } = await selectBackend(tf, choice, wasmPaths, notes);
  const base = modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`;
  for (const net of FACE_MODEL.nets) {
    try {
      await faceapi.nets[FACE_API_NETS[net]].loadFromUri(base);
    } catch (error) {
      throw new SmallworldTypeError('UNSUPPORTED',
        `cannot load the face model's weights from ${base} (${net}_model-weights_manifest.json): ${firstLine(error)}; `
        + "serve @vladmandic/face-api's model/ folder there, or set `modelUrl`");
    }
  }
  return { faceapi, backend, wasmSimd, model: `face-api@${faceapi.version}/${FACE_MODEL.nets.join('+')}`, notes };
}

async function selectBackend(
  tf: FaceApi, choice: BrowserFaceBackendChoice, wasmPaths: string | undefined, notes: string[],
): Promise<{ backend: BrowserFaceBackend; wasmSimd: boolean | undefined }> {
  if (choice === 'webgl' || choice === 'auto') {
    const renderer = webglRenderer();
    // A software WebGL (SwiftShader, llvmpipe) is slower than the WASM backend.
    const hardware = renderer !== undefined && !/swiftshader|llvmpipe|software|basic render/i.test(renderer);
    if (choice === 'webgl' || hardware) {
      if (await tf.setBackend('webgl').catch(() => false)) {
        await tf.ready();
        return { backend: 'webgl', wasmSimd: undefined };
      }
      if (choice === 'webgl') throw new SmallworldTypeError('UNSUPPORTED', "backend 'webgl' did not initialise (no WebGL 2 in this browser?)");
      notes.push('WebGL backend did not initialise');
    } else {
      notes.push(renderer === undefined ? 'no WebGL 2' : `no GPU (WebGL renders with ${renderer})`);
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    if (wasmPaths !== undefined) tf.setWasmPaths(wasmPaths);
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        const wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
        if (!wasmSimd) notes.push('WebAssembly SIMD unavailable: the wasm backend runs several times slower');
        return { backend: 'wasm', wasmSimd };
      }
      notes.push('wasm backend did not initialise');
    } catch (error) {
      if (choice === 'wasm') {
        throw new SmallworldTypeError('UNSUPPORTED', `backend 'wasm' did not initialise: ${firstLine(error)} (are the .wasm files served at \`wasmPaths\`?)`);
      }
      notes.push(`wasm backend failed (${firstLine(error)})`);
    }
    if (choice === 'wasm') throw new SmallworldTypeError('UNSUPPORTED', "backend 'wasm' did not initialise");
  }
  await tf.setBackend('cpu');
  await tf.ready();
  if (choice === 'auto') {
    notes.push('falling back to the pure-JS cpu backend: about 25 s per photo');
    console.warn(`@smallworld/face: no faster TensorFlow.js backend loaded (${notes.join('; ')})`);
  }
  return { backend: 'cpu', wasmSimd: undefined };
}

/** The WebGL 2 renderer's name (unmasked where allowed), or undefined without WebGL 2. */
function webglRenderer(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (gl === null) return undefined;
  try {
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(debug === null ? gl.RENDERER : debug.UNMASKED_RENDERER_WEBGL));
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** face-api's environment for a worker: OffscreenCanvas and the worker's fetch. */
function workerEnvironment(): Record<string, unknown> {
  const unsupported = (what: string) => () => {
    throw new SmallworldTypeError('UNSUPPORTED', `${what} is not available in a worker: pass a Blob, ImageBitmap or ImageData`);
  };
  return {
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: class {},
    ImageData,
    Video: class {},
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: unsupported('an <img>'),
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
    readFile: unsupported('reading files'),
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
