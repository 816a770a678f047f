// FaceEmbedder (Node): photo in, faces out (box, score, 68 landmarks, 128-D descriptor),
// decoded by sharp and run through face-api's pipeline (pipeline.ts, shared with the browser entry).

import { SmallworldTypeError } from '@smallworld/hnsw';
import { checkFraction, checkInteger, checkKnownKeys, describeValue } from './check.js';
import {
  DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_SIDE, decodeImage, decoderId, describeInput, type ImageInput,
} from './decode.js';
import {
  DEFAULT_MIN_CONFIDENCE, LazyRuntime, checkRepresentOptions, detectFaces, verifyInputs,
  type EmbedderSignature, type Face, type RepresentOptions,
} from './pipeline.js';
import {
  checkBackendChoice, defaultModelDir, loadRuntime, type FaceBackend, type FaceBackendChoice, type FaceRuntime,
} from './runtime.js';
import { DEFAULT_THRESHOLD, type VerifyResult } from './verify.js';

/** Options of `new FaceEmbedder(...)`. */
export interface FaceEmbedderOptions {
  /** TensorFlow.js backend (see `FaceBackend`). Default 'auto': tfjs-node, else wasm, else cpu. */
  backend?: FaceBackendChoice;
  /**
   * Detector confidence threshold in (0, 1). Lower finds more small, blurred
   * or turned faces and more false ones. Default 0.5.
   */
  minConfidence?: number;
  /**
   * Long side, in px, photos are shrunk to before detection (never enlarged).
   * Larger finds smaller faces in group photos but costs time roughly with
   * the pixel count. Part of the decoder's identity. Default 1280.
   */
  maxSide?: number;
  /** Photos above this many pixels are refused as too large. Default 100 000 000. */
  maxInputPixels?: number;
  /**
   * Folder of the model weights. Default: the `model/` folder of
   * `@vladmandic/face-api`. Weights load once per process (face-api keeps
   * them in globals): the first embedder's folder is the one used.
   */
  modelDir?: string;
}

const OPTION_KEYS = ['backend', 'minConfidence', 'maxSide', 'maxInputPixels', 'modelDir'] as const;

/**
 * Finds faces in photos and embeds them as 128-D descriptors.
 * The model and backend load on first use (or `await embedder.ready()`),
 * once per process.
 *
 * @example
 * const embedder = new FaceEmbedder();
 * const [face] = await embedder.represent('photo.jpg');   // largest face
 * const { verified, distance } = await embedder.verify('a.jpg', 'b.jpg');
 */
export class FaceEmbedder {
  /** The backend asked for ('auto' picks the fastest that loads). */
  readonly backendChoice: FaceBackendChoice;
  /** Detector confidence threshold in (0, 1): weaker detections are ignored. */
  readonly minConfidence: number;
  /** Long side, in px, photos are shrunk to before detection (never enlarged). */
  readonly maxSide: number;
  /** Photos above this many pixels are refused as too large. */
  readonly maxInputPixels: number;
  /** Folder of the face-api model weights. */
  readonly modelDir: string;
  private readonly runtime = new LazyRuntime<FaceRuntime>(() => loadRuntime(this.backendChoice, this.modelDir));

  constructor(options: FaceEmbedderOptions = {}) {
    checkKnownKeys('FaceEmbedder', options, OPTION_KEYS);
    this.backendChoice = checkBackendChoice(options.backend ?? 'auto');
    this.minConfidence = checkFraction('minConfidence', options.minConfidence ?? DEFAULT_MIN_CONFIDENCE);
    this.maxSide = checkInteger('maxSide', options.maxSide ?? DEFAULT_MAX_SIDE, 32);
    this.maxInputPixels = checkInteger('maxInputPixels', options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS, 1);
    if (options.modelDir !== undefined && typeof options.modelDir !== 'string') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`modelDir\` must be a folder path (got ${describeValue(options.modelDir)})`);
    }
    this.modelDir = options.modelDir ?? defaultModelDir();
  }

  /** Loads backend and weights (idempotent); resolves to what descriptors will depend on. */
  async ready(): Promise<EmbedderSignature> {
    await this.runtime.get();
    return this.signature!;
  }

  /** The backend in use, once `ready()` resolved. */
  get backend(): FaceBackend | undefined {
    return this.runtime.value?.backend;
  }

  /** Why a faster backend was skipped (e.g. "tfjs-node not available"), once `ready()` resolved. */
  get backendNotes(): readonly string[] {
    return this.runtime.value?.notes ?? [];
  }

  /** Decoder, model and backend, once `ready()` resolved. */
  get signature(): EmbedderSignature | undefined {
    const loaded = this.runtime.value;
    if (loaded === undefined) return undefined;
    return { decoder: decoderId(this.maxSide), model: loaded.model, backend: loaded.backend };
  }

  /**
   * The faces in `image`, largest (by box area) first: only the largest
   * unless `all` is set; an empty array when there is none. Throws
   * `UNREADABLE_IMAGE` errors for files that cannot be decoded (see `decodeImage`).
   */
  async represent(image: ImageInput, options: RepresentOptions = {}): Promise<Face[]> {
    return (await this.detect(image, checkRepresentOptions(options))).faces;
  }

  /**
   * @internal `represent`, plus how many faces the detector found (more than
   * `faces.length` when only the largest was described).
   */
  async detect(image: ImageInput, all: boolean): Promise<{ faces: Face[]; detected: number }> {
    const decoded = await decodeImage(image, { maxSide: this.maxSide, maxInputPixels: this.maxInputPixels });
    const { faceapi } = await this.runtime.get();
    return detectFaces(faceapi, decoded, this.minConfidence, all);
  }

  /**
   * Whether two photos (largest face of each) or two descriptors show the
   * same person, at Euclidean `threshold` (default 0.6). Throws a
   * `FaceRangeError` with code `NO_FACE` when a photo has no face.
   */
  async verify(a: ImageInput | Float32Array, b: ImageInput | Float32Array, threshold = DEFAULT_THRESHOLD): Promise<VerifyResult> {
    return verifyInputs(a, b, threshold, (input) => this.represent(input), describeInput);
  }
}

export { DESCRIPTOR_DIM, DEFAULT_MIN_CONFIDENCE } from './pipeline.js';
export type { EmbedderSignature, Face, FaceBox, Point, RepresentOptions } from './pipeline.js';
