// The extras beyond hnswlib-node: addPointsParallel and searchKnnBatch on the
// engine's worker pool, with the same checks and results as their one-at-a-time forms.

import { describe, expect, it } from 'vitest';
import { BruteforceSearch, HierarchicalNSW } from '../src/index.js';
import { clusteredPoints, overlap } from './helpers.js';

const DIM = 16;
const points = clusteredPoints(2000, DIM, 31);
const queries = clusteredPoints(40, DIM, 32);
const labels = points.map((_, i) => 5 * i);

describe('addPointsParallel and searchKnnBatch', () => {
  it('build on two threads with the recall of a sequential build, and batch results equal searchKnn', async () => {
    const index = new HierarchicalNSW('l2', DIM);
    index.initIndex(points.length);
    await index.addPointsParallel(points, labels, { threads: 2 });
    expect(index.getCurrentCount()).toBe(points.length);
    const exact = new BruteforceSearch('l2', DIM);
    exact.initIndex(points.length);
    points.forEach((p, i) => exact.addPoint(p, labels[i]));
    index.setEf(50);
    const batch = await index.searchKnnBatch(queries, 10, undefined, { threads: 2 });
    let recall = 0;
    queries.forEach((q, i) => {
      expect(batch[i]).toEqual(index.searchKnn(q, 10));
      recall += overlap(batch[i].neighbors, exact.searchKnn(q, 10).neighbors);
    });
    expect(recall / queries.length).toBeGreaterThanOrEqual(0.97);
    const filtered = await index.searchKnnBatch(queries.slice(0, 5), 5, (label) => label % 10 === 0, { threads: 2 });
    filtered.forEach((r, i) => {
      expect(r.neighbors.every((label) => label % 10 === 0)).toBe(true);
      expect(r).toEqual(index.searchKnn(queries[i], 5, (label) => label % 10 === 0));
    });
  });

  it('with one thread, builds the graph addPoint builds (same seed, same order)', async () => {
    const flat = new Float32Array(points.slice(0, 500).flat());
    const a = new HierarchicalNSW('cosine', DIM);
    a.initIndex(500, 8, 40, 9);
    await a.addPointsParallel(flat, labels.slice(0, 500), { threads: 1 });
    const b = new HierarchicalNSW('cosine', DIM);
    b.initIndex(500, 8, 40, 9);
    points.slice(0, 500).forEach((p, i) => b.addPoint(p, labels[i]));
    for (const q of queries.slice(0, 10)) expect(a.searchKnn(q, 10)).toEqual(b.searchKnn(q, 10));
  });

  it('checks like addPoint before adding anything: maxElements, replaceDeleted, lengths, labels', async () => {
    const index = new HierarchicalNSW('l2', DIM);
    await expect(index.addPointsParallel(points.slice(0, 2), [1, 2])).rejects
      .toThrow('Search index has not been initialized, call `initIndex` in advance.');
    index.initIndex({ maxElements: 10, allowReplaceDeleted: true });
    await index.addPointsParallel(points.slice(0, 8), labels.slice(0, 8), { threads: 2 });
    await expect(index.addPointsParallel(points.slice(8, 11), [1, 2, 3])).rejects
      .toThrow('Hnswlib Error: The number of elements exceeds the specified limit');
    expect(index.getCurrentCount()).toBe(8);
    index.markDelete(0);
    index.markDelete(5);
    await expect(index.addPointsParallel(points.slice(8, 12), [1, 2, 3, 4])).rejects.toThrow(/exceeds the specified limit/);
    await index.addPointsParallel(points.slice(8, 12), [1, 2, 3, 4], { replaceDeleted: true, threads: 2 });
    expect([index.getCurrentCount(), index.getIdsList().includes(0), index.getIdsList().includes(4)]).toEqual([10, false, true]);
    await expect(index.addPointsParallel([[1, 2]], [7])).rejects.toThrow(`Invalid the given array length (expected ${DIM}, but got 2).`);
    await expect(index.addPointsParallel(points.slice(0, 2), [7])).rejects.toThrow('Invalid the number of labels (expected 2, but got 1).');
    await expect(index.addPointsParallel(points.slice(0, 1), ['7' as unknown as number])).rejects
      .toThrow(new TypeError('Invalid the second argument type, must be a number.'));
    await expect(index.searchKnnBatch(queries, 11)).rejects
      .toThrow('Invalid the number of k-nearest neighbors (cannot be given a value greater than `maxElements`: 10).');
    expect(await index.searchKnnBatch(queries.slice(0, 2), 0)).toEqual([{ distances: [], neighbors: [] }, { distances: [], neighbors: [] }]);
  });
});
