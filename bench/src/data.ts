// The data sets the benchmarks run on, through @smallworld/datasets: the
// seed article's N(-0.35, 0.48) vectors, clustered vectors, and MNIST.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BruteForceIndex } from '@smallworld/hnsw';
import { generateSynthetic } from '@smallworld/datasets';

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

/** Default location of the MNIST files beside the project. */
export const DEFAULT_MNIST_DIR = resolve(import.meta.dirname, '../../../shared/datasets/mnist');

/**
 * Builds base + queries for `name`: 'seed' is the article's i.i.d.
 * N(-0.35, 0.48), 'clustered' a Gaussian mixture (100 centres), 'mnist' the
 * 10,000 real MNIST digits (first n as base, the last 1,000 as queries).
 */
export async function loadBenchData(
  name: DataName, n: number, dim: number, queries: number, k: number, mnistDir = DEFAULT_MNIST_DIR,
): Promise<BenchData> {
  let base: Float32Array;
  let query: Float32Array;
  if (name === 'mnist') {
    if (!existsSync(mnistDir)) throw new Error(`MNIST not found at ${mnistDir} (pass --mnist-dir)`);
    const { readMnist } = await import('@smallworld/datasets');
    const all = await readMnist(mnistDir);
    dim = all.dim;
    const q = Math.min(queries, 1000);
    const nb = Math.min(n, all.count - 1000);
    base = all.data.slice(0, nb * dim);
    query = all.data.slice((all.count - q) * dim, all.count * dim);
  } else {
    const generator = name === 'seed' ? 'normal' : 'clustered';
    const set = generateSynthetic({ count: n + queries, dim, seed: 7, generator });
    base = set.data.subarray(0, n * dim);
    query = set.data.subarray(n * dim);
  }
  const exact = new BruteForceIndex({ space: 'l2', dim });
  exact.addBatch(base);
  const truth = exact.searchBatch(query, k).labels;
  return { name, dim, base, queries: query, truth, k };
}
