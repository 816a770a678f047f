// The metric table: one entry per distance space saying everything the
// kernels, the file formats and the user-facing edges need to know about it.
// No other module compares a space by name; adding a metric is one entry
// here, its AssemblyScript kernels (assembly/kernels.ts) and tests.

import { dot, squaredL2 } from './distance.js';
import { codeDot, codeSquaredL2 } from './quantization.js';

/**
 * A distance space. The engine's distances are the space's own, smaller is
 * closer: squared L2 for 'l2' (as hnswlib), 1 - dot for 'ip', and 1 - dot of
 * vectors normalised at insert for 'cosine'.
 */
export type Space = 'l2' | 'ip' | 'cosine';

/** Distance between a[aOff..aOff+dim) and b[bOff..bOff+dim), summed in float64. */
export type PairDistance = (
  a: Float64Array | Float32Array, aOff: number, b: Float32Array | Float64Array, bOff: number, dim: number,
) => number;

/**
 * Distances from `query` (a float64 row) to `count` stored rows of `rows`
 * (`rowFloats` apart): the rows named by `ids[0..count)`, or with `ids`
 * null the consecutive rows from `first`. Writes `out[0..count)`.
 */
export type BatchDistance = (
  query: Float64Array, rows: Float32Array, rowFloats: number, dim: number,
  ids: Int32Array | null, first: number, count: number, out: Float32Array,
) => void;

/** Names of a metric's exports in the WebAssembly SIMD module (assembly/kernels.ts). */
export interface SimdExportNames {
  /** Distance between two rows: `(a, b, rowBytes) => f32`. */
  readonly pair: 'l2' | 'ip';
  /** From a query row to rows named by an id batch. */
  readonly ids: 'l2Ids' | 'ipIds';
  /** From a query row to consecutive rows (brute force). */
  readonly range: 'l2Range' | 'ipRange';
}

/**
 * A space over int8 codes (quantization.ts): the integer sum over two code
 * rows, and the distance from that sum and the scale squared. The codes
 * share one scale, so the sum is the distance up to that factor.
 */
export interface Int8MetricKernels {
  /** The pure-TypeScript integer sum of two code rows (squared differences, or products). */
  readonly codeSum: (a: Int8Array, aOff: number, b: Int8Array, bOff: number, len: number) => number;
  /** True when the distance is 1 - scale2 x sum (a dot product), false for scale2 x sum (squared L2). */
  readonly oneMinus: boolean;
  /** Offsets are 0 (codes symmetric around 0): needed where the distance is a dot product. */
  readonly symmetric: boolean;
  /** The int8 exports of the SIMD module (assembly/int8.ts): `(a, b, bytes, scale2)`, ids and range batches. */
  readonly simd: {
    /** Distance between two code rows: `(a, b, bytes, scale2) => f32`. */
    readonly pair: 'l2i8' | 'ipi8';
    /** From a query code row to rows named by an id batch. */
    readonly ids: 'l2i8Ids' | 'ipi8Ids';
    /** From a query code row to consecutive rows (brute force). */
    readonly range: 'l2i8Range' | 'ipi8Range';
  };
}

/**
 * How pgvector (Postgres) expresses a space: used by @smallworld/pgvector
 * to export an index, read a table's space back, and compare distances.
 */
export interface PgvectorMetric {
  /** The distance operator an HNSW index serves in `ORDER BY column <op> query`. */
  readonly operator: '<->' | '<#>' | '<=>';
  /** The HNSW operator class suffix: the class is `vector_${ops}` (or `halfvec_${ops}`). */
  readonly ops: 'l2_ops' | 'ip_ops' | 'cosine_ops';
  /**
   * The engine's distance from the operator's value: `<->` is Euclidean
   * (not squared), `<#>` the negative inner product, `<=>` 1 - cosine.
   */
  readonly fromPgvector: (pgvectorDistance: number) => number;
  /** The operator's value from the engine's distance (the inverse of `fromPgvector`). */
  readonly toPgvector: (distance: number) => number;
}

/** Everything smallworld needs to know about one distance space. */
export interface Metric {
  /** The space's name in smallworld's API. */
  readonly space: Space;
  /** Its code in byte 17 of the native file header (docs/format.md); never reused. */
  readonly nativeCode: number;
  /**
   * Its name in hnswlib's bindings (Python `hnswlib.Index(space=...)`,
   * hnswlib-node). hnswlib's `.bin` file does not record the space: its
   * loaders are told it.
   */
  readonly hnswlibName: string;
  /** Its name in nmslib (`nmslib.init(space=...)`), or null where the facade does not offer it. */
  readonly nmslibName: string | null;
  /**
   * nmslib's distance in that space from the engine's: the Euclidean
   * distance for 'l2', -dot for 'negdotprod' ('ip' is 1 - dot here: minus 1),
   * 1 - cosine as it is for 'cosinesimil'. Order-preserving.
   */
  readonly nmslibDistance: (distance: number) => number;
  /** The `distance` attribute of an ann-benchmarks HDF5 file with this space's ground truth. */
  readonly annBenchmarksName: string;
  /** USearch's name of the same metric (`metric` option). */
  readonly usearchName: string;
  /** Vectors, and queries, are scaled to unit length before they are stored or searched. */
  readonly normalize: boolean;
  /** The pure-TypeScript distance of two rows: the reference the SIMD kernels are tested against. */
  readonly pair: PairDistance;
  /** The pure-TypeScript batch distance (the 'js' kernel's inner loops). */
  readonly batch: BatchDistance;
  /** The SIMD kernel's exports for this space. */
  readonly simd: SimdExportNames;
  /** The kernels over int8 codes (`quantization: 'int8'`). */
  readonly int8: Int8MetricKernels;
  /**
   * The distance as users of nmslib, ann-benchmarks and face models expect
   * it, from the engine's: the Euclidean distance (square root) for 'l2';
   * 1 - dot and 1 - cosine as they are.
   */
  readonly edgeDistance: (distance: number) => number;
  /** The similarity (dot product, cosine similarity) from the engine's distance; null for 'l2'. */
  readonly similarity: ((distance: number) => number) | null;
  /** pgvector's operator, operator class and distance conversion for this space. */
  readonly pgvector: PgvectorMetric;
}

/** 1 - dot: the inner-product distance (also cosine's, the vectors being unit length). */
function innerProductDistance(
  a: Float64Array | Float32Array, aOff: number, b: Float32Array | Float64Array, bOff: number, dim: number,
): number {
  return 1 - dot(a, aOff, b, bOff, dim);
}

// The two batch loops call their pair function directly (not through a
// parameter) so V8 inlines it into the loop.
function l2Batch(
  query: Float64Array, rows: Float32Array, rowFloats: number, dim: number,
  ids: Int32Array | null, first: number, count: number, out: Float32Array,
): void {
  if (ids !== null) for (let j = 0; j < count; j++) out[j] = squaredL2(query, 0, rows, ids[j] * rowFloats, dim);
  else for (let j = 0; j < count; j++) out[j] = squaredL2(query, 0, rows, (first + j) * rowFloats, dim);
}

function innerProductBatch(
  query: Float64Array, rows: Float32Array, rowFloats: number, dim: number,
  ids: Int32Array | null, first: number, count: number, out: Float32Array,
): void {
  if (ids !== null) for (let j = 0; j < count; j++) out[j] = 1 - dot(query, 0, rows, ids[j] * rowFloats, dim);
  else for (let j = 0; j < count; j++) out[j] = 1 - dot(query, 0, rows, (first + j) * rowFloats, dim);
}

const IP_SIMD: SimdExportNames = { pair: 'ip', ids: 'ipIds', range: 'ipRange' };
const IP_INT8: Int8MetricKernels = {
  codeSum: codeDot, oneMinus: true, symmetric: true, simd: { pair: 'ipi8', ids: 'ipi8Ids', range: 'ipi8Range' },
};
const oneMinus = (distance: number): number => 1 - distance;

/**
 * The metric table, keyed by space.
 */
export const METRICS: Readonly<Record<Space, Metric>> = {
  l2: {
    space: 'l2', nativeCode: 0, hnswlibName: 'l2', nmslibName: 'l2', nmslibDistance: Math.sqrt,
    annBenchmarksName: 'euclidean', usearchName: 'l2sq',
    normalize: false, pair: squaredL2, batch: l2Batch, simd: { pair: 'l2', ids: 'l2Ids', range: 'l2Range' },
    int8: { codeSum: codeSquaredL2, oneMinus: false, symmetric: false, simd: { pair: 'l2i8', ids: 'l2i8Ids', range: 'l2i8Range' } },
    edgeDistance: Math.sqrt, similarity: null,
    pgvector: { operator: '<->', ops: 'l2_ops', fromPgvector: (d) => d * d, toPgvector: (d) => Math.sqrt(Math.max(d, 0)) },
  },
  ip: {
    space: 'ip', nativeCode: 1, hnswlibName: 'ip', nmslibName: 'negdotprod', nmslibDistance: (distance) => distance - 1,
    annBenchmarksName: 'dot', usearchName: 'ip',
    normalize: false, pair: innerProductDistance, batch: innerProductBatch, simd: IP_SIMD, int8: IP_INT8,
    edgeDistance: (distance) => distance, similarity: oneMinus,
    pgvector: { operator: '<#>', ops: 'ip_ops', fromPgvector: (d) => 1 + d, toPgvector: (d) => d - 1 },
  },
  cosine: {
    space: 'cosine', nativeCode: 2, hnswlibName: 'cosine', nmslibName: 'cosinesimil', nmslibDistance: (distance) => distance,
    annBenchmarksName: 'angular', usearchName: 'cos',
    normalize: true, pair: innerProductDistance, batch: innerProductBatch, simd: IP_SIMD, int8: IP_INT8,
    edgeDistance: (distance) => distance, similarity: oneMinus,
    pgvector: { operator: '<=>', ops: 'cosine_ops', fromPgvector: (d) => d, toPgvector: (d) => d },
  },
};

/** Every space an index accepts, in the order of their native file codes. */
export const SPACES: readonly Space[] = (Object.keys(METRICS) as Space[])
  .sort((a, b) => METRICS[a].nativeCode - METRICS[b].nativeCode);

/** The metric whose native file code is `code`, or undefined for an unknown code. */
export function metricOfNativeCode(code: number): Metric | undefined {
  return SPACES.map((space) => METRICS[space]).find((metric) => metric.nativeCode === code);
}

/** The metric hnswlib's bindings call `name` ('l2', 'ip', 'cosine'), or undefined. */
export function metricOfHnswlibName(name: string): Metric | undefined {
  return SPACES.map((space) => METRICS[space]).find((metric) => metric.hnswlibName === name);
}

/** The metric nmslib calls `name` ('l2', 'cosinesimil', 'negdotprod'), or undefined. */
export function metricOfNmslibName(name: string): Metric | undefined {
  return SPACES.map((space) => METRICS[space]).find((metric) => metric.nmslibName === name);
}

/**
 * Distance of `space` between two vectors: squared L2 for 'l2', 1 - dot for
 * 'ip' and 'cosine' (pass unit vectors for 'cosine': nothing is normalised here).
 */
export function distance(space: Space, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  return METRICS[space].pair(x, 0, y, 0, x.length);
}
