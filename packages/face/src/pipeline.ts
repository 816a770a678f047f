// The face-api run both entries share (Node's FaceEmbedder and the browser's):
// decoded RGB pixels in, faces out (detect -> 68 landmarks -> align -> 128-D
// descriptor), and the types of what comes out. Portable: imports nothing Node-only.

import { FACE_MODEL } from './model.js';

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
