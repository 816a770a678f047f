// Face verification: Euclidean distance between two descriptors against the
// model's threshold (0.6 for the dlib ResNet family).

import { DimensionMismatchError, METRICS, SmallworldTypeError } from '@smallworld/hnsw';
import { checkPositive, describeValue } from './check.js';
import { FACE_MODEL } from './model.js';

/**
 * Default decision threshold on the Euclidean (not squared) distance: dlib's
 * value for this model family (`FACE_MODEL.threshold`). Lower: fewer false matches, more missed ones.
 */
export const DEFAULT_THRESHOLD = FACE_MODEL.threshold;

/** The answer of `verify`. */
export interface VerifyResult {
  /** `distance <= threshold`: the same person. */
  verified: boolean;
  /** Euclidean distance between the descriptors (smaller is closer). */
  distance: number;
  /** The threshold used (default 0.6, the model's). */
  threshold: number;
}

/** Throws unless `threshold` is a finite number > 0. */
export function checkThreshold(threshold: unknown): number {
  return checkPositive('threshold', threshold);
}

/** Euclidean distance between two descriptors of equal length. */
export function euclideanDistance(a: Float32Array, b: Float32Array): number {
  if (!(a instanceof Float32Array)) throw new SmallworldTypeError('INVALID_ARGUMENT', `\`a\` must be a Float32Array (got ${describeValue(a)})`);
  if (!(b instanceof Float32Array)) throw new SmallworldTypeError('INVALID_ARGUMENT', `\`b\` must be a Float32Array (got ${describeValue(b)})`);
  if (a.length !== b.length) throw new DimensionMismatchError('b', a.length, b.length);
  const l2 = METRICS.l2;
  return l2.edgeDistance(l2.pair(a, 0, b, 0, a.length));
}

/**
 * Whether two descriptors show the same person: `distance <= threshold`.
 * For photos, use `FaceEmbedder.verify`.
 */
export function verify(a: Float32Array, b: Float32Array, threshold = DEFAULT_THRESHOLD): VerifyResult {
  checkThreshold(threshold);
  const distance = euclideanDistance(a, b);
  return { verified: distance <= threshold, distance, threshold };
}
