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

/** n vectors of `dim` floats around `clusters` centres (spread 3, noise 1). */
export function clustered(n: number, dim: number, seed: number, clusters = 20): Float32Array {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => 3 * gauss()));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rnd() * clusters)];
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + gauss();
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
