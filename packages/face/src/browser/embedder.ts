// FaceEmbedder for the browser: Node's API (represent, verify, ready, signature)
// with the browser's inputs, decoded by the platform and run through the shared pipeline.

import { SmallworldTypeError } from '@smallworld/hnsw';
import { checkFraction, checkInteger, checkKnownKeys, describeValue } from '../check.js';
import {
  DEFAULT_MIN_CONFIDENCE, LazyRuntime, checkRepresentOptions, detectFaces, verifyInputs,
  type EmbedderSignature, type Face, type RepresentOptions,
} from '../pipeline.js';
import { DEFAULT_THRESHOLD, type VerifyResult } from '../verify.js';
import {
  browserDecoderId, decodeBrowserImage, describeBrowserInput, type BrowserDecodedImage, type BrowserImageInput,
} from './decode.js';
import {
  checkBrowserBackendChoice, loadBrowserRuntime, type BrowserFaceBackend, type BrowserFaceBackendChoice, type BrowserFaceRuntime,
} from './runtime.js';

/** Default cap of the long side, in pixels (as Node's `DEFAULT_MAX_SIDE`). */
export const BROWSER_DEFAULT_MAX_SIDE = 1280;
/** Default refusal threshold on the decoded size (as Node's `DEFAULT_MAX_INPUT_PIXELS`): 100 megapixels. */
export const BROWSER_DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

/** Options of the browser's `new FaceEmbedder(...)`. */
export interface BrowserFaceEmbedderOptions {
  /**
   * URL of the folder that holds face-api's weights: the `model/` folder of
   * the `@vladmandic/face-api` npm package, served by your app (see the
   * README). Required: a browser has no file system to find them in.
   */
  modelUrl: string;
  /**
   * Where the WebAssembly backend's `.wasm` files are served (the `dist/`
   * folder of `@tensorflow/tfjs-backend-wasm`), a URL prefix ending in `/`,
   * as TensorFlow.js's `setWasmPaths` takes it. Default: TensorFlow.js's own
   * guess (beside its script), which a bundler usually breaks.
   */
  wasmPaths?: string;
  /** TensorFlow.js backend (see `BrowserFaceBackend`). Default 'auto': WebGL on a hardware GPU, else wasm, else cpu. */
  backend?: BrowserFaceBackendChoice;
  /** Detector confidence threshold in (0, 1). Default 0.5. */
  minConfidence?: number;
  /** Long side, in px, photos are shrunk to before detection (never enlarged). Default 1280, as Node. */
  maxSide?: number;
  /** Photos above this many pixels are refused as too large. Default 100 000 000. */
  maxInputPixels?: number;
}

const OPTION_KEYS = ['modelUrl', 'wasmPaths', 'backend', 'minConfidence', 'maxSide', 'maxInputPixels'] as const;

/**
 * Finds faces in photos and embeds them as 128-D descriptors, in a page or a
 * worker. The same methods as Node's `FaceEmbedder`, with the browser's
 * inputs (`BrowserImageInput`). The weights and backend load on first use
 * (or `await embedder.ready()`), once per page or worker.
 *
 * @example
 * const embedder = new FaceEmbedder({ modelUrl: '/models/', wasmPaths: '/tfjs-wasm/' });
 * const [face] = await embedder.represent(fileInput.files[0]);
 * const { verified, distance } = await embedder.verify(fileA, fileB);
 */
export class FaceEmbedder {
  /** The backend asked for ('auto' picks the fastest that loads). */
  readonly backendChoice: BrowserFaceBackendChoice;
  /** Detector confidence threshold in (0, 1). */
  readonly minConfidence: number;
  /** Long side, in px, photos are shrunk to before detection. */
  readonly maxSide: number;
  /** Photos above this many pixels are refused as too large. */
  readonly maxInputPixels: number;
  /** URL of face-api's weights. */
  readonly modelUrl: string;
  /** Where the `.wasm` files are served, if set. */
  readonly wasmPaths: string | undefined;
  private readonly runtime = new LazyRuntime<BrowserFaceRuntime>(() => loadBrowserRuntime(this.backendChoice, this.modelUrl, this.wasmPaths));

  constructor(options: BrowserFaceEmbedderOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `FaceEmbedder needs options with \`modelUrl\` in the browser (got ${describeValue(options)})`);
    }
    checkKnownKeys('FaceEmbedder', options, OPTION_KEYS);
    if (typeof options.modelUrl !== 'string' || options.modelUrl === '') {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`modelUrl\` must be the URL where the app serves @vladmandic/face-api's model/ folder (got ${describeValue(options.modelUrl)})`);
    }
    if (options.wasmPaths !== undefined && typeof options.wasmPaths !== 'string') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`wasmPaths\` must be a URL prefix (got ${describeValue(options.wasmPaths)})`);
    }
    this.backendChoice = checkBrowserBackendChoice(options.backend ?? 'auto');
    this.minConfidence = checkFraction('minConfidence', options.minConfidence ?? DEFAULT_MIN_CONFIDENCE);
    this.maxSide = checkInteger('maxSide', options.maxSide ?? BROWSER_DEFAULT_MAX_SIDE, 32);
    this.maxInputPixels = checkInteger('maxInputPixels', options.maxInputPixels ?? BROWSER_DEFAULT_MAX_INPUT_PIXELS, 1);
    this.modelUrl = options.modelUrl;
    this.wasmPaths = options.wasmPaths;
  }

  /** Loads backend and weights (idempotent); resolves to what descriptors will depend on. */
  async ready(): Promise<EmbedderSignature> {
    await this.runtime.get();
    return this.signature!;
  }

  /** The backend in use, once `ready()` resolved. */
  get backend(): BrowserFaceBackend | undefined {
    return this.runtime.value?.backend;
  }

  /** Whether the wasm backend has SIMD (undefined before `ready()` or on another backend): without it, photos take several times longer. */
  get wasmSimd(): boolean | undefined {
    return this.runtime.value?.wasmSimd;
  }

  /** Why a faster backend was skipped (e.g. "no GPU"), once `ready()` resolved. */
  get backendNotes(): readonly string[] {
    return this.runtime.value?.notes ?? [];
  }

  /** Decoder, model and backend, once `ready()` resolved. */
  get signature(): EmbedderSignature | undefined {
    const loaded = this.runtime.value;
    if (loaded === undefined) return undefined;
    return { decoder: browserDecoderId(this.maxSide), model: loaded.model, backend: loaded.backend };
  }

  /**
   * The faces in `image`, largest (by box area) first: only the largest
   * unless `all` is set; an empty array when there is none. Throws
   * `UNREADABLE_IMAGE` errors for inputs that cannot be fetched or decoded.
   */
  async represent(image: BrowserImageInput, options: RepresentOptions = {}): Promise<Face[]> {
    return (await this.detect(image, checkRepresentOptions(options))).faces;
  }

  /** @internal `represent`, plus how many faces the detector found. */
  async detect(image: BrowserImageInput, all: boolean): Promise<{ faces: Face[]; detected: number }> {
    return this.detectWithPixels(image, all);
  }

  /** @internal `detect`, plus the decoded pixels the networks saw (for thumbnails). */
  async detectWithPixels(image: BrowserImageInput, all: boolean): Promise<{ faces: Face[]; detected: number; pixels: BrowserDecodedImage }> {
    const decoded = await decodeBrowserImage(image, { maxSide: this.maxSide, maxInputPixels: this.maxInputPixels });
    const { faceapi } = await this.runtime.get();
    return { ...(await detectFaces(faceapi, decoded, this.minConfidence, all)), pixels: decoded };
  }

  /**
   * Whether two photos (largest face of each) or two descriptors show the
   * same person, at Euclidean `threshold` (default 0.6). Throws a
   * `FaceRangeError` with code `NO_FACE` when a photo has no face.
   */
  async verify(a: BrowserImageInput | Float32Array, b: BrowserImageInput | Float32Array, threshold = DEFAULT_THRESHOLD): Promise<VerifyResult> {
    return verifyInputs(a, b, threshold, (input) => this.represent(input), describeBrowserInput);
  }
}
