// int8 scalar quantization: the maths of the codes, and the options that
// choose them. One scale for every dimension, per-dimension offsets:
//
//   x_d ~ offset_d + scale * c_d,   c_d = round((x_d - offset_d) / scale) in [-127, 127]
//
// so for two stored rows  x - x' = scale * (c - c')  in every dimension, and
//   squared L2(x, x') ~ scale^2 * sum_d (c_d - c'_d)^2
// is the plain integer distance times one factor: the SIMD kernel
// (assembly/int8.ts) stays a widen + i32x4.dot_i16x8_s loop, with no per-dimension
// weights and no float conversion per component. For 'ip' and 'cosine' the
// offsets are 0 (symmetric codes), so  dot(x, x') ~ scale^2 * dot(c, c').
//
// Why one scale (docs/hnsw-walkthrough.md "Quantization"; `pnpm bench
// quantization`): per-dimension scales (FAISS's SQ8) make code-to-code L2 a
// weighted sum sum_d s_d^2 (c_d - c'_d)^2, a float multiply per component,
// and an asymmetric f32 query against decoded codes costs a convert and a
// multiply-add per component. Measured in code space (exact scan, recall@10
// against the float32 truth) they gain at most 0.004 and 0.008 over one
// scale on clustered, seed and MNIST data, none of the three reaches float32
// alone, and re-ranking with the originals takes the rest back: so the
// cheapest kernel wins.

import { SmallworldRangeError, SmallworldTypeError, checkInteger, describeValue } from './errors.js';

/** How an index stores its vectors: 'none' = float32, 'int8' = one signed byte per component. */
export type Quantization = 'none' | 'int8';
/** Every value `quantization` accepts. */
export const QUANTIZATIONS: readonly Quantization[] = ['none', 'int8'];

/** Largest code magnitude: codes are in [-127, 127] (symmetric, so -128 is never used). */
export const CODE_MAX = 127;
/**
 * Rows an int8 index holds as float32 before it trains itself on them: the
 * first `addBatch` of at least this many rows trains on every row of it (and
 * any held before); single `add`s are held (not yet linked) until this many
 * have arrived, or until the first search or save.
 */
export const TRAIN_MIN_ROWS = 1000;
/**
 * Default `oversample` of re-ranking: the graph search returns k x 2
 * candidates, re-scored with the float32 originals (measured:
 * docs/parameters.md, "int8").
 */
export const DEFAULT_OVERSAMPLE = 2;
/** Largest `oversample`. */
export const MAX_OVERSAMPLE = 100;

/** The trained ranges: offset_d and one scale. */
export interface Int8Ranges {
  /** offset_d of each dimension (0 for 'ip' and 'cosine'). */
  offsets: Float32Array;
  /** The step between two codes, > 0. */
  scale: number;
}

/**
 * Ranges from `count` unpadded rows of `rows`: per-dimension midpoints of
 * min and max (or 0 with `symmetric`), and the one scale that maps the
 * widest dimension's half-range to 127 codes. Every training row then
 * encodes without clamping.
 */
export function trainRanges(rows: Float32Array, count: number, dim: number, symmetric: boolean): Int8Ranges {
  const min = new Float64Array(dim).fill(Infinity);
  const max = new Float64Array(dim).fill(-Infinity);
  for (let i = 0; i < count; i++) {
    const at = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = rows[at + d];
      if (v < min[d]) min[d] = v;
      if (v > max[d]) max[d] = v;
    }
  }
  const offsets = new Float32Array(dim);
  let half = 0;
  for (let d = 0; d < dim; d++) {
    if (count === 0) break;
    if (symmetric) half = Math.max(half, Math.abs(min[d]), Math.abs(max[d]));
    else {
      offsets[d] = (min[d] + max[d]) / 2;
      half = Math.max(half, (max[d] - min[d]) / 2);
    }
  }
  // A little headroom so float rounding of the offsets never clamps a training row.
  const scale = half > 0 ? (half * (1 + 1e-6)) / CODE_MAX : 1;
  return { offsets, scale };
}

/**
 * Encodes src[offset..offset+dim) into out[outOffset..): rounds, clamps to
 * [-127, 127]. Returns the number of components clamped.
 */
export function encodeRow(
  src: Float32Array, offset: number, dim: number, ranges: Int8Ranges, out: Int8Array, outOffset: number,
): number {
  const inverse = 1 / ranges.scale;
  const offsets = ranges.offsets;
  let clamped = 0;
  for (let d = 0; d < dim; d++) {
    let c = Math.round((src[offset + d] - offsets[d]) * inverse);
    if (c > CODE_MAX) { c = CODE_MAX; clamped++; }
    else if (c < -CODE_MAX) { c = -CODE_MAX; clamped++; }
    out[outOffset + d] = c;
  }
  return clamped;
}

/** Decodes codes[offset..offset+dim) into out[outOffset..): offset_d + scale x c_d. */
export function decodeRow(codes: Int8Array, offset: number, dim: number, ranges: Int8Ranges, out: Float32Array, outOffset: number): void {
  const { offsets, scale } = ranges;
  for (let d = 0; d < dim; d++) out[outOffset + d] = offsets[d] + scale * codes[offset + d];
}

/** Sum of squared differences of two code rows (the JS kernel's l2; times scale^2 it is the distance). */
export function codeSquaredL2(a: Int8Array, aOff: number, b: Int8Array, bOff: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const d0 = a[aOff + i] - b[bOff + i];
    const d1 = a[aOff + i + 1] - b[bOff + i + 1];
    const d2 = a[aOff + i + 2] - b[bOff + i + 2];
    const d3 = a[aOff + i + 3] - b[bOff + i + 3];
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
  }
  for (; i < len; i++) {
    const d = a[aOff + i] - b[bOff + i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Dot product of two code rows (the JS kernel's ip; times scale^2 it is the dot of the decoded rows). */
export function codeDot(a: Int8Array, aOff: number, b: Int8Array, bOff: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < len; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/**
 * The rule for every export of vectors (hnswlib's `.bin`, pgvector, ...):
 * an 'int8' index exports its float32 originals when it keeps them
 * (`rerank: true`); with codes only it refuses, unless the caller asks for
 * the decoded codes by name (`decodedVectors: true`), which differ from
 * the vectors added by up to half a code step per component. `what` names
 * the export in the error.
 */
export function checkVectorExport(
  index: { readonly quantization: Quantization; readonly rerank: boolean }, decodedVectors: unknown, what: string,
): void {
  if (decodedVectors !== undefined && typeof decodedVectors !== 'boolean') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`decodedVectors\` must be a boolean (got ${describeValue(decodedVectors)})`);
  }
  if (index.quantization === 'int8' && !index.rerank && decodedVectors !== true) {
    throw new SmallworldRangeError('UNSUPPORTED',
      `${what} holds float32 vectors, and this int8 index keeps codes only (no originals): pass \`decodedVectors: true\` to export the decoded codes (within half a code step of the vectors added), or build with \`rerank: true\` to keep the originals`);
  }
}

/** The quantization options of an index, checked. */
export interface QuantizationOptions {
  quantization: Quantization;
  rerank: boolean;
  oversample: number;
}

/** Checks `quantization`, `rerank` and `oversample` of an index's options; throws naming the first bad one. */
export function checkQuantizationOptions(options: {
  quantization?: unknown; rerank?: unknown; oversample?: unknown;
}): QuantizationOptions {
  const quantization = options.quantization ?? 'none';
  if (!QUANTIZATIONS.includes(quantization as Quantization)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`quantization\` must be 'none' or 'int8' (got ${describeValue(options.quantization)})`);
  }
  if (options.rerank !== undefined && typeof options.rerank !== 'boolean') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`rerank\` must be a boolean (got ${describeValue(options.rerank)})`);
  }
  if (quantization === 'none' && options.rerank === true) {
    throw new SmallworldTypeError('INVALID_OPTION', "`rerank` needs `quantization: 'int8'` (float32 vectors are exact already)");
  }
  if (quantization === 'none' && options.oversample !== undefined) {
    throw new SmallworldTypeError('INVALID_OPTION', "`oversample` needs `quantization: 'int8'` and `rerank: true`");
  }
  const rerank = options.rerank === true;
  if (options.oversample !== undefined && !rerank) {
    throw new SmallworldTypeError('INVALID_OPTION', '`oversample` needs `rerank: true` (it is the re-ranking depth)');
  }
  const oversample = options.oversample === undefined
    ? DEFAULT_OVERSAMPLE : checkInteger('oversample', options.oversample, 1, MAX_OVERSAMPLE);
  return { quantization: quantization as Quantization, rerank, oversample };
}
