// The search filter: a selective allow-list is answered by scanning the
// allowed points only (counted at the kernel), the marks are cleared by the
// list after every call, and the answers are the exact filtered ones.

import { describe, expect, it, vi } from 'vitest';
import type { SearchContext } from '../src/algorithms/context.js';
import { BruteForceIndex, EXACT_FILTER_FRACTION, HnswIndex } from '../src/index.js';
import type { Kernel } from '../src/kernels/kernel.js';
import type { AllowList } from '../src/search-filter.js';
import { clustered } from './helpers/data.js';

const dim = 16;
const n = 3000;
const data = clustered(n + 20, dim, 5);
const base = data.subarray(0, n * dim);
const queries = data.subarray(n * dim);

function build(): HnswIndex {
  const index = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 64, seed: 3 });
  index.addBatch(base);
  return index;
}

/** The main thread's kernel and allow-list scratch of `index` (internals the test observes). */
function internals(index: HnswIndex): { kernel: Kernel; allowList: AllowList } {
  const inner = index as unknown as { ctx: SearchContext; allowList: AllowList };
  return { kernel: inner.ctx.kernel, allowList: inner.allowList };
}

/** Counts the distances the kernel computes during `fn`, by batch call. */
function countDistances(kernel: Kernel, fn: () => void): { toIds: number; toRange: number; toNode: number } {
  const ids = vi.spyOn(kernel, 'distancesToIds');
  const range = vi.spyOn(kernel, 'distancesToRange');
  const node = vi.spyOn(kernel, 'distanceToNode');
  try {
    fn();
    return {
      toIds: ids.mock.calls.reduce((sum, [count]) => sum + count, 0),
      toRange: range.mock.calls.reduce((sum, [, count]) => sum + count, 0),
      toNode: node.mock.calls.length,
    };
  } finally {
    ids.mockRestore();
    range.mockRestore();
    node.mockRestore();
  }
}

describe('a selective allow-list', () => {
  const index = build();
  const exact = new BruteForceIndex({ space: 'l2', dim });
  exact.addBatch(base);
  // 1.5% of the points, spread over the index, with repeats, unknown labels and a deleted one.
  const allowed: number[] = [];
  for (let label = 7; allowed.length < Math.floor(EXACT_FILTER_FRACTION * n * 0.75); label += 67) allowed.push(label);
  const list = [...allowed, allowed[0], allowed[1], n + 5, n + 9];

  it('computes a distance to each allowed point only, in kernel batches', () => {
    const { kernel } = internals(index);
    const counts = countDistances(kernel, () => index.search(queries.subarray(0, dim), 10, { filter: list }));
    expect(counts).toEqual({ toIds: allowed.length, toRange: 0, toNode: 0 });
  });

  it('returns the exact filtered answer for an array, a Set and a typed array', () => {
    for (const filter of [list, new Set(list), Float64Array.from(list)]) {
      const got = index.searchBatch(queries, 10, { filter });
      const want = exact.searchBatch(queries, 10, { filter: (label) => allowed.includes(label) });
      expect([...got.distances]).toEqual([...want.distances]);
      expect([...got.labels]).toEqual([...want.labels]);
    }
  });

  it('leaves no mark behind: the next call sees only its own list', () => {
    const { allowList } = internals(index);
    index.search(queries.subarray(0, dim), 5, { filter: list });
    expect(allowList.count).toBe(0);
    expect(allowList.marks.every((mark) => mark === 0)).toBe(true);
    const other = [1, 2, 3];
    const { labels } = index.search(queries.subarray(0, dim), 5, { filter: other });
    expect([...labels].sort()).toEqual(other);
  });

  it('skips a label deleted since, and returns fewer than k when fewer are allowed', () => {
    const copy = build();
    copy.markDeleted(allowed[2]);
    const { labels } = copy.search(queries.subarray(0, dim), allowed.length + 5, { filter: list });
    expect(labels.length).toBe(allowed.length - 1);
    expect([...labels]).not.toContain(allowed[2]);
  });
});

describe('a wide allow-list', () => {
  it('is answered by the graph, never by a scan of every point', () => {
    const index = build();
    // Distances are counted at the JS kernel, which only the TypeScript loop calls
    // (the WebAssembly loop takes the same branch: test/wasm-loop.test.ts compares them).
    index.setSearchLoop('ts');
    const { kernel } = internals(index);
    const wide: number[] = [];
    for (let label = 0; label < n; label += 10) wide.push(label);
    const counts = countDistances(kernel, () => index.search(queries.subarray(0, dim), 10, { filter: wide }));
    expect(counts.toRange).toBe(0);
    // A graph search: some distances, far fewer than one per point.
    expect(counts.toIds + counts.toNode).toBeGreaterThan(0);
    expect(counts.toIds + counts.toNode).toBeLessThan(n);
  });
});

describe('BruteForceIndex under an allow-list', () => {
  it('scans the allowed ids only, whatever the fraction', () => {
    const exact = new BruteForceIndex({ space: 'l2', dim });
    exact.addBatch(base);
    const half: number[] = [];
    for (let label = 0; label < n; label += 2) half.push(label);
    const { kernel } = internals(exact as unknown as HnswIndex);
    let result: Float64Array = new Float64Array(0);
    const counts = countDistances(kernel, () => {
      result = exact.search(queries.subarray(0, dim), 10, { filter: half }).labels;
    });
    expect(counts).toEqual({ toIds: half.length, toRange: 0, toNode: 0 });
    expect(result.every((label) => label % 2 === 0)).toBe(true);
  });
});
