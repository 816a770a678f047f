// The data sets the benchmarks run on, through @smallworld/datasets: the
// seed article's N(-0.35, 0.48) vectors, clustered vectors, MNIST, and the
// user's own files (fvecs, HDF5, npy, ...).

import { BruteForceIndex, SmallworldRangeError } from '@smallworld/hnsw';
import { DEFAULT_MNIST_DIR, MNIST_BASE_COUNT, ProgressBar, generateSynthetic, readAnnBenchmarks, readMnist, readSource } from '@smallworld/datasets';

/** A base set, held-out queries, and their exact k nearest neighbours. */
export interface BenchData {
  name: string;
  dim: number;
  base: Float32Array;
  queries: Float32Array;
  /** Exact k-NN labels of each query, k per row. */
  truth: Float64Array;
  k: number;
}

export const DATA_NAMES = ['clustered', 'seed', 'mnist'] as const;
export type DataName = (typeof DATA_NAMES)[number];

export { DEFAULT_MNIST_DIR };

/** Seed of every generated benchmark set (the datasets package's default). */
export const DATA_SEED = 7;

/**
 * Builds base + queries for `name`: 'seed' is the article's i.i.d.
 * N(-0.35, 0.48), 'clustered' a Gaussian mixture (100 centres), 'mnist' the
 * 10,000 real MNIST digits (the first min(n, 9,000) as base, the last
 * min(queries, 1,000) as queries).
 */
export async function loadBenchData(
  name: DataName, n: number, dim: number, queries: number, k: number, mnistDir = DEFAULT_MNIST_DIR,
): Promise<BenchData> {
  let base: Float32Array;
  let query: Float32Array;
  if (name === 'mnist') {
    const { images } = await readMnist(mnistDir);
    dim = images.dim;
    const q = Math.min(queries, images.count - MNIST_BASE_COUNT);
    const nb = Math.min(n, MNIST_BASE_COUNT);
    base = images.data.slice(0, nb * dim);
    query = images.data.slice((images.count - q) * dim, images.count * dim);
  } else {
    const generator = name === 'seed' ? 'normal' : 'clustered';
    const set = generateSynthetic({ count: n + queries, dim, seed: DATA_SEED, generator });
    base = set.data.subarray(0, n * dim);
    query = set.data.subarray(n * dim);
  }
  return { name, dim, base, queries: query, truth: exactNeighbours(base, query, dim, k), k };
}

/**
 * Reads a benchmark from files: `base` and `queries` are anything
 * `readSource` takes (fvecs/bvecs/npy/f32/IDX files, `x.hdf5:train`, the
 * names `mnist:base`/`mnist:queries`); `gt` an ivecs/npy/HDF5 file of true
 * neighbour ids (its first k columns are used), else computed by brute
 * force. An ann-benchmarks `.hdf5` file as `base` with no `queries` gives
 * train, test and neighbors at once.
 */
export async function loadFileData(base: string, queries: string | undefined, gt: string | undefined, k: number): Promise<BenchData> {
  const name = base.replace(/^.*[\\/]/, '');
  if (queries === undefined) {
    if (!/\.(hdf5|h5)$/i.test(base)) throw new SmallworldRangeError('INVALID_OPTION', `--queries is needed unless --base is an ann-benchmarks .hdf5 file (got --base ${base})`);
    const file = await readAnnBenchmarks(base);
    const train = Float32Array.from(file.train);
    const test = Float32Array.from(file.test);
    const truth = file.neighbors !== undefined && (file.k ?? 0) >= k
      ? firstColumns(file.neighbors, file.k!, k)
      : exactNeighbours(train, test, file.dim, k);
    return { name, dim: file.dim, base: train, queries: test, truth, k };
  }
  const b = await readSource(base);
  const q = await readSource(queries);
  if (q.dim !== b.dim) throw new SmallworldRangeError('DIMENSION_MISMATCH', `--queries has dimension ${q.dim}, --base has ${b.dim}`);
  let truth: Float64Array;
  if (gt !== undefined) {
    const g = await readSource(gt);
    if (g.count !== q.count) throw new SmallworldRangeError('INVALID_OPTION', `--gt has ${g.count} rows for ${q.count} queries`);
    if (g.dim < k) throw new SmallworldRangeError('INVALID_OPTION', `--gt has ${g.dim} neighbours per query, fewer than --k ${k}`);
    truth = firstColumns(g.data, g.dim, k);
  } else {
    truth = exactNeighbours(b.data, q.data, b.dim, k);
  }
  return { name, dim: b.dim, base: b.data, queries: q.data, truth, k };
}

function firstColumns(ids: ArrayLike<number>, width: number, k: number): Float64Array {
  const rows = ids.length / width;
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = ids[i * width + j];
  return out;
}

/** Exact k nearest base rows (labels 0..n-1) of each query, by brute force (squared L2). */
export function exactNeighbours(base: Float32Array, queries: Float32Array, dim: number, k: number): Float64Array {
  const n = base.length / dim;
  const exact = new BruteForceIndex({ space: 'l2', dim, capacity: n });
  exact.addBatch(base);
  return searchExact(exact, queries, Math.min(k, n), `exact neighbours among ${n} vectors`);
}

/** `exact.searchBatch` in slices, with a progress bar on stderr (it takes minutes at 1M). */
export function searchExact(exact: BruteForceIndex, queries: Float32Array, k: number, label: string): Float64Array {
  const dim = exact.dim;
  const nq = queries.length / dim;
  const out = new Float64Array(nq * k);
  const bar = new ProgressBar({ label, unit: 'queries' });
  const step = 50;
  for (let first = 0; first < nq; first += step) {
    const last = Math.min(nq, first + step);
    out.set(exact.searchBatch(queries.subarray(first * dim, last * dim), k).labels, first * k);
    bar.update(last, nq);
  }
  bar.finish();
  return out;
}
