// The face-api run both entries share (Node's FaceEmbedder and the browser's):
// decoded RGB pixels in, faces out (detect -> 68 landmarks -> align -> 128-D
// descriptor), and the types of what comes out. Portable: imports nothing Node-only.

import { checkBoolean, checkKnownKeys } from './check.js';
import { FaceRangeError, FaceTypeError } from './errors.js';
import { FACE_MODEL } from './model.js';
import { checkThreshold, verify, type VerifyResult } from './verify.js';

/** Length of a face descriptor: the model's (`FACE_MODEL.descriptorLength`, 128). */
export const DESCRIPTOR_DIM = FACE_MODEL.descriptorLength;
/** Default detector confidence below which a detection is dropped. */
export const DEFAULT_MIN_CONFIDENCE = 0.5;

/** A rectangle in the original photo's pixels (after EXIF rotation). */
export interface FaceBox {
  /** Left edge, pixels of the original image. */
  x: number;
  /** Top edge, pixels of the original image. */
  y: number;
  /** Width, pixels. */
  width: number;
  /** Height, pixels. */
  height: number;
}

/** A point in the original photo's pixels. */
export interface Point {
  /** Horizontal position, pixels of the original image. */
  x: number;
  /** Vertical position, pixels of the original image. */
  y: number;
}

/** One face found in a photo. */
export interface Face {
  /** Where the detector found the face. */
  box: FaceBox;
  /** Detector confidence, in (0, 1]. */
  score: number;
  /** The 68 landmarks (iBUG 300-W order: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67). */
  landmarks: Point[];
  /** 128-D descriptor: faces of one person lie within ~0.6 (Euclidean) of each other. */
  descriptor: Float32Array;
}

/** Options of `represent`. */
export interface RepresentOptions {
  /** Every face, largest first, instead of the largest only. Default false. */
  all?: boolean;
}

/** What produced a descriptor: descriptors from different decoders, models or backends must not be mixed. */
export interface EmbedderSignature {
  /** The image decoder and its downscaling (`maxSide`). */
  decoder: string;
  /** The face model that computed the descriptors. */
  model: string;
  /** The TensorFlow.js backend it ran on. */
  backend: string;
}

/** RGB pixels as the decoders hand them to the networks. */
export interface RgbPixels {
  /** Interleaved RGB, `width * height * 3` bytes. */
  data: Uint8Array;
  /** Width, pixels. */
  width: number;
  /** Height, pixels. */
  height: number;
  /** original / decoded: multiplies the detector's coordinates into the original's. */
  scale: number;
}

// face-api's builds are typed by their own .d.ts; we keep the surface we use
// loose rather than import its types into our public API.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FaceApi = any;

/** The part of face-api's result we read. */
interface FoundFace {
  detection: { score: number; box: FaceBox };
  landmarks: { positions: Point[] };
}

/**
 * The faces of `pixels`, largest (by box area) first: every one with `all`,
 * else the largest only; `detected` counts what the detector found.
 */
export async function detectFaces(
  faceapi: FaceApi, pixels: RgbPixels, minConfidence: number, all: boolean,
): Promise<{ faces: Face[]; detected: number }> {
  const tensor = faceapi.tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32');
  try {
    const detectorOptions = new faceapi.SsdMobilenetv1Options({ minConfidence });
    const found: FoundFace[] = await faceapi.detectAllFaces(tensor, detectorOptions).withFaceLandmarks();
    found.sort((a, b) => area(b.detection.box) - area(a.detection.box));
    const chosen = all ? found : found.slice(0, 1);
    if (chosen.length === 0) return { faces: [], detected: 0 };
    // face-api's own descriptor step (dlib alignment from the landmarks,
    // crop, ResNet), run on the chosen faces only: a group photo's
    // background faces cost nothing when only the largest is wanted.
    const described = await new faceapi.ComputeAllFaceDescriptorsTask(Promise.resolve(chosen), tensor);
    return { faces: described.map((f: FoundFace & { descriptor: Float32Array }) => toFace(f, pixels.scale)), detected: found.length };
  } finally {
    tensor.dispose();
  }
}

function area(box: FaceBox): number {
  return box.width * box.height;
}

function toFace(found: FoundFace & { descriptor: Float32Array }, scale: number): Face {
  const { box, score } = found.detection;
  return {
    box: { x: box.x * scale, y: box.y * scale, width: box.width * scale, height: box.height * scale },
    score,
    landmarks: found.landmarks.positions.map((p) => ({ x: p.x * scale, y: p.y * scale })),
    descriptor: Float32Array.from(found.descriptor),
  };
}

/**
 * @internal A runtime loaded on first use: `get()` starts the load once and
 * shares it; a failed load is forgotten, so the next call tries again.
 */
export class LazyRuntime<R> {
  /** The runtime, once a `get()` resolved. */
  value: R | undefined;
  private loading: Promise<R> | undefined;

  constructor(private readonly start: () => Promise<R>) {}

  async get(): Promise<R> {
    this.loading ??= this.start();
    try {
      this.value = await this.loading;
    } catch (error) {
      this.loading = undefined;
      throw error;
    }
    return this.value;
  }
}

/** @internal Checks `represent`'s options; returns `all`. */
export function checkRepresentOptions(options: RepresentOptions): boolean {
  checkKnownKeys('represent', options, ['all']);
  return checkBoolean('all', options.all, false);
}

/**
 * @internal `verify` of both embedders: each argument is a descriptor, or a
 * photo whose largest face is described (`NO_FACE`, naming the argument, when it has none).
 */
export async function verifyInputs<I>(
  a: I | Float32Array, b: I | Float32Array, threshold: number,
  represent: (input: I) => Promise<Face[]>, describe: (input: I) => string,
): Promise<VerifyResult> {
  checkThreshold(threshold);
  const descriptorOf = async (argument: string, input: I | Float32Array): Promise<Float32Array> => {
    if (input instanceof Float32Array) return input;
    const [face] = await represent(input);
    if (face === undefined) throw new FaceRangeError('NO_FACE', `\`${argument}\`: no face found in ${describe(input)}`);
    return face.descriptor;
  };
  const da = await descriptorOf('a', a);
  return verify(da, await descriptorOf('b', b), threshold);
}

/**
 * @internal Refuses to mix descriptors: throws `INCOMPATIBLE_EMBEDDER` when
 * `used` differs from the `held` signature of `holder` (a database) in decoder, model or backend.
 */
export function checkSameSignature(held: EmbedderSignature, used: EmbedderSignature, holder: string): void {
  for (const key of ['decoder', 'model', 'backend'] as const) {
    if (held[key] !== used[key]) {
      throw new FaceTypeError('INCOMPATIBLE_EMBEDDER',
        `${holder} holds descriptors made with ${key} ${JSON.stringify(held[key])}; `
        + `the embedder uses ${JSON.stringify(used[key])}: descriptors would not be comparable (re-index into a new database)`);
    }
  }
}
