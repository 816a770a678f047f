// The drop-in's own behaviour: where it goes beyond hnswlib-node (Float32Array
// input, no process aborts), the limits it reproduces, deletes, replaceDeleted,
// filters, recall against the exact index, and loading from `require`.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BruteforceSearch, HierarchicalNSW, InnerProductSpace, L2Space } from '../src/index.js';
import { clusteredPoints, overlap } from './helpers.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('HierarchicalNSW', () => {
  it('returns plain arrays, nearest first, with squared L2 distances', () => {
    const index = new HierarchicalNSW('l2', 3);
    index.initIndex(3);
    index.addPoint([1, 2, 3], 0);
    index.addPoint([2, 3, 4], 1);
    index.addPoint([3, 4, 5], 2);
    const result = index.searchKnn([1, 2, 5], 2);
    expect(result).toEqual({ distances: [3, 4], neighbors: [1, 0] });
    expect(Array.isArray(result.distances) && Array.isArray(result.neighbors)).toBe(true);
  });

  it('accepts Float32Array points and queries wherever number[] is taken', () => {
    const index = new HierarchicalNSW('ip', 3);
    index.initIndex({ maxElements: 2 });
    index.addPoint(Float32Array.of(1, 0, 0), 4);
    index.addPoint([0, 1, 0], 5);
    expect(index.searchKnn(Float32Array.of(0, 2, 0), 1)).toEqual({ distances: [-1], neighbors: [5] });
    expect(new L2Space(2).distance(Float32Array.of(1, 1), [0, 0])).toBe(2);
    expect(new InnerProductSpace(2).distance([1, 2], Float32Array.of(3, 4))).toBe(-10);
    expect(() => index.addPoint(new Float64Array(3) as unknown as number[], 6))
      .toThrow(new TypeError('Invalid the first argument type, must be an Array.'));
  });

  it('throws a TypeError for a non-number component, where the native addon aborts the process', () => {
    const index = new HierarchicalNSW('l2', 2);
    index.initIndex(1);
    expect(() => index.addPoint([1, 'x' as unknown as number], 0))
      .toThrow(new TypeError('Invalid the given array element type at index 1, must be a number.'));
    expect(index.getCurrentCount()).toBe(0);
  });

  it('enforces maxElements, counts deleted points, and grows with resizeIndex', () => {
    const index = new HierarchicalNSW('l2', 2);
    index.initIndex(2);
    index.addPoint([0, 0], 10);
    index.addPoint([1, 1], 11);
    index.markDelete(10);
    expect(() => index.addPoint([2, 2], 12)).toThrow('Hnswlib Error: The number of elements exceeds the specified limit');
    index.addPoint([3, 3], 11); // an update takes no slot
    expect(index.getCurrentCount()).toBe(2);
    expect(index.getIdsList().sort()).toEqual([10, 11]);
    index.resizeIndex(3);
    index.addPoint([2, 2], 12);
    expect([index.getCurrentCount(), index.getMaxElements()]).toEqual([3, 3]);
    expect(index.searchKnn([0, 0], 3).neighbors).toEqual([12, 11]);
  });

  it('reuses a deleted slot only when addPoint asks, on an index that allows it', () => {
    const index = new HierarchicalNSW('l2', 2);
    index.initIndex({ maxElements: 3, allowReplaceDeleted: true });
    for (let i = 0; i < 3; i++) index.addPoint([i, i], i);
    index.markDelete(1);
    expect(() => index.addPoint([9, 9], 9)).toThrow(/exceeds the specified limit/);
    index.addPoint([9, 9], 9, true);
    expect(index.getIdsList().sort()).toEqual([0, 2, 9]);
    expect(index.getCurrentCount()).toBe(3);
    expect(index.searchKnn([9, 9], 1)).toEqual({ distances: [0], neighbors: [9] });
    expect(() => index.getPoint(1)).toThrow('Hnswlib Error: Label not found');
  });

  it('applies the filter callback to labels, and lets its exceptions through', () => {
    const points = clusteredPoints(300, 8, 5);
    const index = new HierarchicalNSW('l2', 8);
    index.initIndex(300);
    points.forEach((p, i) => index.addPoint(p, 1000 + i));
    const seen = new Set<number>();
    const result = index.searchKnn(points[0], 10, (label) => {
      seen.add(label);
      return label % 3 === 0;
    });
    expect(result.neighbors).toHaveLength(10);
    expect(result.neighbors.every((l) => l % 3 === 0)).toBe(true);
    expect([...seen].every((l) => l >= 1000 && l < 1300)).toBe(true);
    expect(() => index.searchKnn(points[0], 5, () => { throw new Error('from the filter'); })).toThrow('from the filter');
  });

  it('finds the exact neighbours (>= 0.98 recall@10 against BruteforceSearch) at ef 50', () => {
    const dim = 16;
    const points = clusteredPoints(2000, dim, 11);
    const queries = clusteredPoints(50, dim, 12);
    const hnsw = new HierarchicalNSW('cosine', dim);
    hnsw.initIndex(points.length, 16, 100, 7);
    const exact = new BruteforceSearch('cosine', dim);
    exact.initIndex(points.length);
    points.forEach((p, i) => {
      hnsw.addPoint(p, i);
      exact.addPoint(p, i);
    });
    hnsw.setEf(50);
    let recall = 0;
    for (const q of queries) recall += overlap(hnsw.searchKnn(q, 10).neighbors, exact.searchKnn(q, 10).neighbors);
    expect(recall / queries.length).toBeGreaterThanOrEqual(0.98);
  });

  it('searches with max(ef, k) candidates and returns fewer than k when fewer points are live', () => {
    const index = new HierarchicalNSW('l2', 1);
    index.initIndex(100);
    for (let i = 0; i < 5; i++) index.addPoint([i], i);
    index.markDelete(2);
    index.setEf(1);
    expect(index.getEf()).toBe(1);
    expect(index.searchKnn([0], 100).neighbors).toEqual([0, 1, 3, 4]);
  });

  it('takes any ef as hnswlib-node (setEf(-5) is 4294967291) and searches with it, capped at the point count', async () => {
    const dim = 8;
    const points = clusteredPoints(300, dim, 21);
    const index = new HierarchicalNSW('l2', dim);
    index.initIndex(points.length, 8, -1, 3);   // efConstruction -1 wraps to 4294967295 too
    points.forEach((p, i) => index.addPoint(p, i));
    expect(index.getCurrentCount()).toBe(300);
    const exact = new BruteforceSearch('l2', dim);
    exact.initIndex(points.length);
    points.forEach((p, i) => exact.addPoint(p, i));
    index.setEf(-5);
    expect(index.getEf()).toBe(4294967291);
    const query = points[17];
    // An ef past the point count visits every reachable point: the exact answer.
    expect(index.searchKnn(query, 10).neighbors).toEqual(exact.searchKnn(query, 10).neighbors);
    const [batch] = await index.searchKnnBatch([query], 10, undefined, { threads: 1 });
    expect(batch.neighbors).toEqual(exact.searchKnn(query, 10).neighbors);
  });

  it('wraps label 2^32 to 0 and overwrites point 0, as hnswlib-node does', () => {
    const index = new HierarchicalNSW('l2', 2);
    index.initIndex(4);
    index.addPoint([1, 1], 0);
    index.addPoint([5, 5], 2 ** 32);
    expect(index.getCurrentCount()).toBe(1);
    expect(index.getPoint(0)).toEqual([5, 5]);
  });
});

describe('BruteforceSearch', () => {
  it('filters exactly (the native brute force can drop allowed points)', () => {
    const index = new BruteforceSearch('l2', 1);
    index.initIndex(10);
    for (let i = 0; i < 10; i++) index.addPoint([i], i);
    expect(index.searchKnn([0], 3, (label) => label % 2 === 1)).toEqual({ distances: [1, 9, 25], neighbors: [1, 3, 5] });
  });

  it('returns the points it has when k exceeds them (the native addon aborts on an assertion)', () => {
    const index = new BruteforceSearch('ip', 2);
    index.initIndex(5);
    index.addPoint([1, 0], 3);
    expect(index.searchKnn([1, 0], 5)).toEqual({ distances: [0], neighbors: [3] });
  });

  it('frees a removed point: the count drops and its slot takes the next label', () => {
    const index = new BruteforceSearch('l2', 2);
    index.initIndex(2);
    index.addPoint([0, 0], 0);
    index.addPoint([1, 1], 1);
    index.removePoint(0);
    expect(index.getCurrentCount()).toBe(1);
    index.addPoint([5, 5], 7);
    expect(() => index.addPoint([6, 6], 8)).toThrow('Hnswlib Error: The number of elements exceeds the specified limit\n');
    expect(index.searchKnn([5, 5], 2).neighbors).toEqual([7, 1]);
  });
});

describe('module loading', () => {
  const built = existsSync(join(packageDir, 'dist', 'index.js'));
  it.skipIf(!built)(`works from require() and import (skipped when dist/ is not built)`, () => {
    const script = [
      `const m = require(${JSON.stringify(packageDir)});`,
      `const i = new m.HierarchicalNSW('l2', 2); i.initIndex(1); i.addPoint([1, 2], 0);`,
      `const names = ['BruteforceSearch', 'HierarchicalNSW', 'InnerProductSpace', 'L2Space'];`,
      `const same = names.every((n) => typeof m[n] === 'function' && m.default[n] === m[n]);`,
      `console.log(JSON.stringify([same, i.searchKnn([1, 2], 1)]));`,
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([
      true,
      { distances: [0], neighbors: [0] },
    ]);
  });
});
