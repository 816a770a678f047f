// Exact ground truth: against a naive float64 loop, against BruteForceIndex
// (same ids, same float32 distances), across thread counts, with ties.

import { BruteForceIndex, SmallworldRangeError, type Space } from '@smallworld/hnsw';
import { describe, expect, it } from 'vitest';
import { computeGroundTruth, generateSynthetic, type VectorSet } from '../src/index.js';

const DIM = 12;
const base = generateSynthetic({ count: 1500, dim: DIM, seed: 11, generator: 'clustered', clusters: 20 });
const queries = generateSynthetic({ count: 37, dim: DIM, seed: 12 });

/** The textbook answer: every distance in float64 (then float32, as the indexes report), stable sort by distance then id. */
function naive(b: VectorSet, q: VectorSet, k: number, space: Space): { ids: number[][]; dists: number[][] } {
  const unit = (v: Float32Array) => {
    if (space !== 'cosine') return v;
    let n = 0;
    for (const x of v) n += x * x;
    return v.map((x) => x / (Math.sqrt(n) + 1e-30));
  };
  const rows = (s: VectorSet) => Array.from({ length: s.count }, (_, i) => unit(s.data.slice(i * s.dim, (i + 1) * s.dim)));
  const B = rows(b);
  const ids: number[][] = [];
  const dists: number[][] = [];
  for (const qv of rows(q)) {
    const all = B.map((bv, id) => {
      let s = 0;
      for (let c = 0; c < qv.length; c++) s += space === 'l2' ? (qv[c] - bv[c]) ** 2 : qv[c] * bv[c];
      return { id, d: Math.fround(space === 'l2' ? s : 1 - s) };
    });
    all.sort((x, y) => x.d - y.d || x.id - y.id);
    ids.push(all.slice(0, k).map((e) => e.id));
    dists.push(all.slice(0, k).map((e) => e.d));
  }
  return { ids, dists };
}

describe('computeGroundTruth', () => {
  it.each(['l2', 'ip', 'cosine'] as Space[])('%s: matches a naive loop', async (space) => {
    const k = 10;
    const truth = await computeGroundTruth(base, queries, { k, space, threads: 1 });
    const want = naive(base, queries, k, space);
    expect([truth.count, truth.k]).toEqual([queries.count, k]);
    for (let i = 0; i < queries.count; i++) {
      expect(Array.from(truth.neighbors.subarray(i * k, (i + 1) * k))).toEqual(want.ids[i]);
      // The naive loop sums in a different order: equal up to float32 rounding.
      const got = truth.distances.subarray(i * k, (i + 1) * k);
      want.dists[i].forEach((d, j) => expect(got[j]).toBeCloseTo(d, 4));
    }
  });

  it.each(['l2', 'ip', 'cosine'] as Space[])('%s: identical to BruteForceIndex with the js kernel, ids and distances', async (space) => {
    const k = 25;
    const truth = await computeGroundTruth(base, queries, { k, space, threads: 1 });
    const index = new BruteForceIndex({ space, dim: DIM, kernel: 'js' });
    index.addBatch(base.data);
    const exact = index.searchBatch(queries.data, k);
    expect(Array.from(truth.neighbors)).toEqual(Array.from(exact.labels));
    expect(truth.distances).toEqual(exact.distances);
  });

  it('worker threads give the same bytes as the calling thread', async () => {
    const one = await computeGroundTruth(base, queries, { k: 7, threads: 1 });
    let progress = 0;
    const two = await computeGroundTruth(base, queries, { k: 7, threads: 2, onProgress: (done, total) => { progress = done / total; } });
    expect(two.neighbors).toEqual(one.neighbors);
    expect(two.distances).toEqual(one.distances);
    expect(progress).toBe(1);
  });

  it('ties go to the lower id, also when they straddle the k-th place', async () => {
    // Base: ids 0..9, where 2, 5 and 7 are the same point, and 3 and 8 too.
    const rows = [[5, 5], [9, 9], [1, 0], [2, 2], [8, 8], [1, 0], [7, 7], [1, 0], [2, 2], [6, 6]];
    const b = { dtype: 'float32' as const, data: Float32Array.from(rows.flat()), count: 10, dim: 2 };
    const q = { dtype: 'float32' as const, data: Float32Array.of(1, 0), count: 1, dim: 2 };
    const truth = await computeGroundTruth(b, q, { k: 4, threads: 1 });
    expect(Array.from(truth.neighbors)).toEqual([2, 5, 7, 3]);
    expect(Array.from(truth.distances)).toEqual([0, 0, 0, 5]);
    const two = await computeGroundTruth(b, q, { k: 2, threads: 1 });
    expect(Array.from(two.neighbors)).toEqual([2, 5]);
  });

  it('accepts number[][] and flat arrays with `dim`; k may equal the base size', async () => {
    const truth = await computeGroundTruth([[0], [10], [3]], Float32Array.of(4, 9), { k: 3, dim: 1, threads: 1 });
    expect(Array.from(truth.neighbors)).toEqual([2, 0, 1, 1, 2, 0]);
    expect(Array.from(truth.distances)).toEqual([1, 16, 36, 1, 36, 81]);
  });

  it('rejects bad options and inputs with clear errors', async () => {
    await expect(computeGroundTruth(base, queries, { k: 0 })).rejects.toThrow('`k` must be an integer in [1, 1500] (got 0)');
    await expect(computeGroundTruth(base, queries, { k: 1501 })).rejects.toThrow(RangeError);
    await expect(computeGroundTruth(base, queries, { space: 'l1' as Space })).rejects.toThrow(/`space` must be one of l2, ip, cosine/);
    await expect(computeGroundTruth(base, queries, { threads: 0 })).rejects.toThrow(/`threads`/);
    await expect(computeGroundTruth(base, [[1, 2]], { k: 1 })).rejects.toThrow(/dimension 12 \(got 2\)/);
    const nan = Float32Array.from(base.data);
    nan[5 * DIM + 3] = NaN;
    const err = await computeGroundTruth({ ...base, data: nan }, queries, { k: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmallworldRangeError);
    expect((err as Error).message).toBe('`base` row 5, component 3 must be finite (got NaN)');
  });
});
