import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex, type Space } from '../src/index.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';
import { clustered, exactTopK, recallAt } from './helpers/data.js';

const dim = 32;
const n = 3000;
const data = clustered(n, dim, 1);
const queries = clustered(100, dim, 2);

describe('HnswIndex recall against BruteForceIndex', () => {
  for (const space of ['l2', 'ip', 'cosine'] as Space[]) {
    for (const kernel of ['simd', 'js'] as const) {
      it(`reaches recall@10 >= 0.95 in the ${space} space (${kernel} kernel)`, () => {
        const index = new HnswIndex({ space, dim, m: 16, efConstruction: 100, kernel });
        index.addBatch(data);
        expect(index.kernel).toBe(kernel);
        // Inner product is not a metric: the graph may leave far-off low-norm points unreachable.
        expect(checkGraphInvariants(index.store, { reachability: space !== 'ip' })).toEqual([]);
        const recall = recallAt(index.searchBatch(queries, 10, { efSearch: 64 }), exactTopK(space, dim, data, queries, 10));
        expect(recall).toBeGreaterThanOrEqual(0.95);
      });
    }
  }

  it('recall grows with efSearch and is exact at efSearch >= n on a small index', () => {
    const small = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 50 });
    small.addBatch(data.subarray(0, 500 * dim));
    const truth = exactTopK('l2', dim, data.subarray(0, 500 * dim), queries, 10);
    const low = recallAt(small.searchBatch(queries, 10, { efSearch: 10 }), truth);
    const full = recallAt(small.searchBatch(queries, 10, { efSearch: 500 }), truth);
    expect(full).toBe(1);
    expect(low).toBeLessThanOrEqual(full);
  });

  it('builds the same graph with the simple selection (Algorithm 3), with lower recall on clustered data', () => {
    const simple = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 40, neighborSelection: 'simple' });
    const heuristic = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 40 });
    simple.addBatch(data);
    heuristic.addBatch(data);
    expect(checkGraphInvariants(simple.store, { reachability: false })).toEqual([]);
    const truth = exactTopK('l2', dim, data, queries, 10);
    const rs = recallAt(simple.searchBatch(queries, 10, { efSearch: 20 }), truth);
    const rh = recallAt(heuristic.searchBatch(queries, 10, { efSearch: 20 }), truth);
    expect(rh).toBeGreaterThan(rs);
  });
});

describe('HnswIndex behaviour', () => {
  it('is bit-deterministic for a seed on one thread', () => {
    const a = new HnswIndex({ space: 'l2', dim, seed: 7, efConstruction: 50 });
    const b = new HnswIndex({ space: 'l2', dim, seed: 7, efConstruction: 50 });
    a.addBatch(data.subarray(0, 1000 * dim));
    b.addBatch(data.subarray(0, 1000 * dim));
    expect(a.store.links0.subarray(0, 1000 * a.store.stride0)).toEqual(b.store.links0.subarray(0, 1000 * b.store.stride0));
    expect(a.store.levels.subarray(0, 1000)).toEqual(b.store.levels.subarray(0, 1000));
    expect(a.searchBatch(queries, 5).labels).toEqual(b.searchBatch(queries, 5).labels);
    const c = new HnswIndex({ space: 'l2', dim, seed: 8, efConstruction: 50 });
    c.addBatch(data.subarray(0, 1000 * dim));
    expect(c.store.levels.subarray(0, 1000)).not.toEqual(a.store.levels.subarray(0, 1000));
  });

  it('returns nearest first, at most k, fewer on a small index, empty on an empty one', () => {
    const index = new HnswIndex({ space: 'l2', dim });
    expect(index.search(queries.subarray(0, dim), 5).labels.length).toBe(0);
    index.addBatch(data.subarray(0, 3 * dim));
    const r = index.search(queries.subarray(0, dim), 5);
    expect(r.labels.length).toBe(3);
    expect([...r.distances]).toEqual([...r.distances].sort((x, y) => x - y));
    const batch = index.searchBatch(queries.subarray(0, 2 * dim), 5);
    expect([...batch.counts]).toEqual([3, 3]);
    expect(batch.labels[3]).toBe(-1);
    expect(batch.distances[3]).toBe(Infinity);
  });

  it('gives squared L2 distances, 1 - dot for ip, and 1 - cosine for cosine', () => {
    const l2 = new HnswIndex({ space: 'l2', dim: 2 });
    l2.add([3, 4], 1);
    expect(l2.search([0, 0], 1).distances[0]).toBe(25);
    const ip = new HnswIndex({ space: 'ip', dim: 2 });
    ip.add([3, 4], 1);
    expect(ip.search([1, 1], 1).distances[0]).toBe(-6);
    const cos = new HnswIndex({ space: 'cosine', dim: 2 });
    cos.add([3, 4], 1);
    expect(cos.search([6, 8], 1).distances[0]).toBeCloseTo(0, 6);
    expect(cos.getVector(1)[0]).toBeCloseTo(0.6, 6);
  });

  it('never returns deleted points, and returns them again after unmarkDeleted', () => {
    const index = new HnswIndex({ space: 'l2', dim, efConstruction: 50 });
    index.addBatch(data.subarray(0, 1000 * dim));
    const before = index.searchBatch(queries, 10);
    const gone = new Set<number>();
    for (let i = 0; i < 1000; i += 3) {
      index.markDeleted(i);
      gone.add(i);
    }
    expect(index.size).toBe(1000 - gone.size);
    expect(index.deletedCount).toBe(gone.size);
    const after = index.searchBatch(queries, 10);
    for (const label of after.labels) expect(gone.has(label)).toBe(false);
    expect(Math.min(...after.counts)).toBe(10);
    for (const label of gone) index.unmarkDeleted(label);
    expect(index.searchBatch(queries, 10).labels).toEqual(before.labels);
  });

  it('respects a predicate filter and an allow-list, with the exact fallback when selective', () => {
    const index = new HnswIndex({ space: 'l2', dim, efConstruction: 50 });
    index.addBatch(data);
    const even = index.searchBatch(queries, 10, { filter: (label) => label % 2 === 0 });
    for (const label of even.labels) expect(label % 2).toBe(0);
    expect(Math.min(...even.counts)).toBe(10);
    const allowed = [5, 17, 2999, 1234, 99999];
    const r = index.search(queries.subarray(0, dim), 10, { filter: allowed });
    expect([...r.labels].sort((a, b) => a - b)).toEqual([5, 17, 1234, 2999]);
    const rare = index.search(queries.subarray(0, dim), 3, { filter: (label) => label === 42 || label === 7 });
    expect([...rare.labels].sort((a, b) => a - b)).toEqual([7, 42]);
    const exact = new BruteForceIndex({ space: 'l2', dim });
    exact.addBatch(data);
    const set = new Set(Array.from({ length: 300 }, (_, i) => i * 10));
    expect(recallAt(index.searchBatch(queries, 10, { filter: set }), exact.searchBatch(queries, 10, { filter: set }))).toBeGreaterThanOrEqual(0.95);
  });

  it('updates a point when its label is added again, and the graph follows it', () => {
    const index = new HnswIndex({ space: 'l2', dim, efConstruction: 50 });
    index.addBatch(data.subarray(0, 1000 * dim));
    const target = queries.subarray(0, dim);
    expect(index.search(target, 1).labels[0]).not.toBe(500);
    index.add(target, 500);
    expect(index.size).toBe(1000);
    expect(index.getVector(500)).toEqual(Float32Array.from(target));
    const r = index.search(target, 1);
    expect(r.labels[0]).toBe(500);
    expect(r.distances[0]).toBe(0);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    // Moving many points keeps recall.
    const moved = clustered(300, dim, 9);
    index.addBatch(moved, { labels: Array.from({ length: 300 }, (_, i) => i) });
    const all = data.slice(0, 1000 * dim);
    all.set(moved, 0);
    all.set(target, 500 * dim);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    expect(recallAt(index.searchBatch(queries, 10), exactTopK('l2', dim, all, queries, 10))).toBeGreaterThanOrEqual(0.95);
  });

  it('reuses deleted slots with allowReplaceDeleted', () => {
    const index = new HnswIndex({ space: 'l2', dim, allowReplaceDeleted: true, capacity: 200 });
    index.addBatch(data.subarray(0, 200 * dim));
    for (let i = 0; i < 50; i++) index.markDeleted(i);
    index.addBatch(data.subarray(200 * dim, 250 * dim), { labels: Array.from({ length: 50 }, (_, i) => 1000 + i) });
    expect(index.capacity).toBe(200);
    expect(index.size).toBe(200);
    expect(index.deletedCount).toBe(0);
    expect(index.has(3)).toBe(false);
    expect(index.has(1003)).toBe(true);
    expect(index.search(data.subarray(203 * dim, 204 * dim), 1).labels[0]).toBe(1003);
    expect(checkGraphInvariants(index.store)).toEqual([]);
  });

  it('grows its capacity by itself and accepts number[][] and ndarray input', () => {
    const index = new HnswIndex({ space: 'l2', dim: 4, capacity: 1 });
    const rows = Array.from({ length: 100 }, (_, i) => [i, i + 1, i + 2, i + 3]);
    index.addBatch(rows.slice(0, 50));
    const flat = Float32Array.from(rows.slice(50).flat());
    index.addBatch(ndarray(flat, [50, 4]));
    expect(index.size).toBe(100);
    expect(index.capacity).toBeGreaterThanOrEqual(100);
    expect(index.search([60, 61, 62, 63], 1).labels[0]).toBe(60);
    // A transposed ndarray view is read through its strides.
    const t = ndarray(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]).transpose(1, 0);
    const labels = [...index.labels()];
    index.addBatch(t, { labels: [500, 501] });
    expect(index.getVector(500)).toEqual(Float32Array.from([1, 3, 5, 7]));
    expect(index.labels().length).toBe(labels.length + 2);
  });

  it('continues default labels after the largest label', () => {
    const index = new HnswIndex({ space: 'l2', dim: 2 });
    index.addBatch([[0, 0], [1, 1]]);
    index.add([5, 5], 10);
    expect(index.add([2, 2])).toBe(11);
    expect([...index.labels()]).toEqual([0, 1, 10, 11]);
  });
});
