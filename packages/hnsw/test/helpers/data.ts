// Seeded test data: clustered Gaussian vectors (easy to reason about, hard
// enough to show a bad graph) and a brute-force recall helper.

import { BruteForceIndex, type BatchSearchResult, type Space } from '../../src/index.js';

/** A seeded uniform generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * n vectors of `dim` floats around `clusters` centres (spread 3). Within a
 * cluster the points vary along `latent` random directions (unit variance)
 * plus a little isotropic noise, as real embeddings do: their intrinsic
 * dimension is far below `dim`.
 */
export function clustered(n: number, dim: number, seed: number, clusters = 20, latent = 16): Float32Array {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  // Centres and directions depend on a fixed seed so base and query sets share them.
  const shape = seededRandom(12345);
  const sg = () => Math.sqrt(-2 * Math.log(shape() + 1e-12)) * Math.cos(2 * Math.PI * shape());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => 3 * sg()));
  const axes = Array.from({ length: latent }, () => Float32Array.from({ length: dim }, () => sg() / Math.sqrt(latent) * 2));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rnd() * clusters)];
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + 0.1 * gauss();
    for (const axis of axes) {
      const z = gauss();
      for (let j = 0; j < dim; j++) out[i * dim + j] += z * axis[j];
    }
  }
  return out;
}

/** Mean fraction of the exact top-k found, per query. */
export function recallAt(result: BatchSearchResult, truth: BatchSearchResult): number {
  let hits = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    const want = new Set(truth.get(i).labels);
    total += want.size;
    for (const label of result.get(i).labels) if (want.has(label)) hits++;
  }
  return total === 0 ? 1 : hits / total;
}

/** Exact top-k of `queries` over `data` (labels 0..n-1). */
export function exactTopK(space: Space, dim: number, data: Float32Array, queries: Float32Array, k: number): BatchSearchResult {
  const exact = new BruteForceIndex({ space, dim });
  exact.addBatch(data);
  return exact.searchBatch(queries, k);
}
