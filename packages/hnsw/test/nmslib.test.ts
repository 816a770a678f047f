// The nmslib-style facade: nmslib's call sequence, Euclidean distances for
// 'l2', 1 - cosine for 'cosinesimil', custom ids, and its errors.

import ndarray from 'ndarray';
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex, NmslibIndex, closePool, nmslib } from '../src/index.node.js';
import { clustered, recallAt, exactTopK } from './helpers/data.js';
import { BatchSearchResult } from '../src/search-result.js';

const dim = 16;
const n = 1500;
const data = clustered(n, dim, 5);
const queries = clustered(50, dim, 6);
const rows = (flat: Float32Array, count: number): number[][] =>
  Array.from({ length: count }, (_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));

afterAll(async () => {
  await closePool();
});

/** The facade's answers as a BatchSearchResult, to reuse recallAt. */
function asBatch(answers: [Float64Array, Float32Array][], k: number): BatchSearchResult {
  const result = new BatchSearchResult(answers.length, k);
  answers.forEach(([ids], i) => {
    result.labels.set(ids, i * k);
    result.counts[i] = ids.length;
  });
  return result;
}

describe('NmslibIndex', () => {
  it("'l2': builds in parallel and returns Euclidean distances (sqrt of the engine's)", async () => {
    const index = nmslib.init({ method: 'hnsw', space: 'l2' });
    expect(index.addDataPointBatch(rows(data, n))).toBe(n);
    await index.createIndex({ M: 16, efConstruction: 100, indexThreadQty: 2 });
    index.setQueryTimeParams({ efSearch: 100 });
    const answers = await index.knnQueryBatch(rows(queries, 50), 10, 2);
    expect(answers).toHaveLength(50);
    const exact = new BruteForceIndex({ space: 'l2', dim });
    exact.addBatch(data);
    const truth = exact.searchBatch(queries, 10);
    expect(recallAt(asBatch(answers, 10), truth)).toBeGreaterThanOrEqual(0.95);
    const [ids, distances] = answers[0];
    for (let j = 0; j < ids.length; j++) {
      const v = exact.getVector(ids[j]);
      let sum = 0;
      for (let c = 0; c < dim; c++) sum += (v[c] - queries[c]) ** 2;
      expect(distances[j]).toBeCloseTo(Math.sqrt(sum), 3);
    }
    // knnQuery (one query, calling thread) agrees with the batch.
    const [oneIds, oneDistances] = index.knnQuery(queries.subarray(0, dim), 10);
    expect(Array.from(oneIds)).toEqual(Array.from(ids));
    expect(Array.from(oneDistances)).toEqual(Array.from(distances));
    expect(index.index?.efSearch).toBe(100);
  });

  it("'cosinesimil': distances are 1 - cosine; custom ids and ndarray input", async () => {
    const index = new NmslibIndex({ space: 'cosinesimil' });
    const ids = Array.from({ length: n }, (_, i) => 1000 + 3 * i);
    index.addDataPointBatch(ndarray(data, [n, dim]), ids);
    await index.createIndex({ indexThreadQty: 3 });
    const answers = await index.knnQueryBatch(rows(queries, 10), 5);
    const truth = exactTopK('cosine', dim, data, queries.subarray(0, 10 * dim), 5);
    const mapped = answers.map(([found, d]) => [found.map((id) => (id - 1000) / 3), d] as [Float64Array, Float32Array]);
    expect(recallAt(asBatch(mapped, 5), truth)).toBeGreaterThanOrEqual(0.95);
    const [found, distances] = answers[0];
    const i = (found[0] - 1000) / 3;
    const a = data.subarray(i * dim, (i + 1) * dim);
    const q = queries.subarray(0, dim);
    let dotProduct = 0;
    let na = 0;
    let nq = 0;
    for (let c = 0; c < dim; c++) {
      dotProduct += a[c] * q[c];
      na += a[c] * a[c];
      nq += q[c] * q[c];
    }
    expect(distances[0]).toBeCloseTo(1 - dotProduct / Math.sqrt(na * nq), 4);
  });

  it('collects points over several batches, takes a flat array with dim, and re-indexes on createIndex', async () => {
    const index = nmslib.init({ space: 'l2', dim });
    index.addDataPointBatch(data.subarray(0, 500 * dim));
    index.addDataPointBatch(data.subarray(500 * dim, 1000 * dim));
    await index.createIndex({ indexThreadQty: 1 });
    expect(index.index?.size).toBe(1000);
    index.addDataPointBatch(data.subarray(1000 * dim));
    expect(index.index?.size).toBe(1000);
    await index.createIndex({ indexThreadQty: 2 }, false);
    expect(index.size).toBe(n);
    expect(index.index?.size).toBe(n);
    const [[ids, distances]] = await index.knnQueryBatch(data.subarray(1200 * dim, 1201 * dim), 1, 2);
    expect(ids[0]).toBe(1200);
    expect(distances[0]).toBe(0);
    await index.close();
  });

  it('reports errors clearly', async () => {
    expect(() => nmslib.init({ space: 'l1' as never })).toThrow(/`space` must be 'l2', 'cosinesimil' or 'negdotprod' \(got "l1"\)/);
    expect(() => nmslib.init({ method: 'sw-graph' as never })).toThrow(/`method`/);
    const index = nmslib.init({ space: 'l2' });
    expect(() => index.addDataPointBatch(data)).toThrow(/give `dim` to init/);
    await expect(index.createIndex()).rejects.toMatchObject({ code: 'NOT_READY' });
    expect(() => index.knnQuery(queries.subarray(0, dim))).toThrow(/createIndex first/);
    index.addDataPointBatch(rows(data, 10), Array.from({ length: 10 }, (_, i) => i));
    expect(() => index.addDataPointBatch(rows(data, 2), [3, 99])).toThrow(/3 was added already/);
    expect(() => index.addDataPointBatch(rows(data, 2), [100])).toThrow(/one id per point/);
    await expect(index.createIndex({ M: 1 })).rejects.toThrow(/`M`/);
    await expect(index.createIndex({ post: 3 as never })).rejects.toThrow(/`post` must be an integer in \[0, 2\] \(got 3\)/);
    await expect(index.createIndex({ delaunay_type: 4 as never })).rejects.toThrow(/`delaunay_type` must be an integer in \[0, 3\]/);
    await expect(index.createIndex({ skip_optimized_index: 2 as never })).rejects.toThrow(/`skip_optimized_index`/);
    await expect(index.createIndex({ maxM0: 2 } as never)).rejects.toThrow(/unknown createIndex option `maxM0`/);
    expect(() => index.setQueryTimeParams({ efSearch: 0 })).toThrow(/`efSearch`/);
    expect(() => index.setQueryTimeParams({ ef: 0 })).toThrow(/`ef` must be/);
    expect(() => index.setQueryTimeParams({ ef: 10, efSearch: 10 })).toThrow(/synonyms/);
  });
});

describe('nmslib scripts port unchanged', () => {
  it("takes nmslib's createIndex parameters (post, delaunay_type, skip_optimized_index) and query-time `ef`", async () => {
    // index.createIndex({'post': 2, 'delaunay_type': 2, 'skip_optimized_index': 1}, print_progress=False)
    const index = nmslib.init({ method: 'hnsw', space: 'l2' });
    index.addDataPointBatch(rows(data, 400));
    await index.createIndex({ M: 8, efConstruction: 50, post: 2, delaunay_type: 2, skip_optimized_index: 1, indexThreadQty: 1 });
    expect(index.index?.neighborSelection).toBe('heuristic');
    index.setQueryTimeParams({ ef: 77 });
    expect(index.index?.efSearch).toBe(77);
    const [ids] = index.knnQuery(data.subarray(5 * dim, 6 * dim), 1);
    expect(ids[0]).toBe(5);
    // delaunay_type 0: nmslib's plain M nearest, the engine's Algorithm 3.
    await index.createIndex({ delaunay_type: 0, indexThreadQty: 1 });
    expect(index.index?.neighborSelection).toBe('simple');
    expect(index.index?.efSearch).toBe(77);
  });

  it("'negdotprod': distances are -dot (the engine's 'ip' minus 1), same order as 'ip'", async () => {
    const index = nmslib.init({ space: 'negdotprod' });
    index.addDataPointBatch(rows(data, 500));
    await index.createIndex({ indexThreadQty: 1 });
    expect(index.index?.space).toBe('ip');
    const q = queries.subarray(0, dim);
    const [ids, distances] = index.knnQuery(q, 5);
    const exact = new BruteForceIndex({ space: 'ip', dim });
    exact.addBatch(data.subarray(0, 500 * dim));
    expect([...ids]).toEqual([...exact.search(q, 5).labels]);
    for (let j = 0; j < 5; j++) {
      let dotProduct = 0;
      for (let c = 0; c < dim; c++) dotProduct += data[ids[j] * dim + c] * q[c];
      expect(distances[j]).toBeCloseTo(-dotProduct, 3);
    }
    const [batch] = await index.knnQueryBatch([q], 5, 1);
    expect([...batch[1]]).toEqual([...distances]);
  });
});
