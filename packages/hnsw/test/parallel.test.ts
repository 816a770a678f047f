// Parallel build and batch search on worker threads: graph invariants and
// recall of many small parallel builds, identical labels to searchBatch,
// searches during a parallel insert, determinism at one thread, busy and
// failure handling, and a pool that never keeps the process alive.

import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, closePool, type Space } from '../src/index.node.js';
import { parallelTestHooks } from '../src/node/hnsw-index-node.js';
import type { AllowList } from '../src/search-filter.js';
import { clustered, exactTopK, recallAt } from './helpers/data.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';

const dim = 24;
const queries = clustered(100, dim, 99);

afterAll(async () => {
  await closePool();
});

function expectSameBatch(a: { labels: Float64Array; counts: Uint32Array }, b: { labels: Float64Array; counts: Uint32Array }): void {
  expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
  expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
}

describe('addBatchParallel: stress builds', () => {
  // Sizes x threads, with growth (default capacity 1024, or two batches) and without (capacity given up front).
  const cases: { n: number; threads: number; growth: 'none' | 'doubling' | 'two batches'; seed: number }[] = [
    { n: 100, threads: 2, growth: 'none', seed: 1 },
    { n: 100, threads: 4, growth: 'two batches', seed: 2 },
    { n: 300, threads: 3, growth: 'none', seed: 3 },
    { n: 500, threads: 4, growth: 'two batches', seed: 4 },
    { n: 1000, threads: 2, growth: 'two batches', seed: 5 },
    { n: 1000, threads: 4, growth: 'none', seed: 6 },
    { n: 1500, threads: 3, growth: 'doubling', seed: 7 },
    { n: 2000, threads: 2, growth: 'doubling', seed: 8 },
    { n: 3000, threads: 4, growth: 'doubling', seed: 9 },
    { n: 3000, threads: 2, growth: 'two batches', seed: 10 },
  ];
  for (const { n, threads, growth, seed } of cases) {
    it(`${n} points, ${threads} threads, growth: ${growth}`, async () => {
      const data = clustered(n, dim, seed);
      const index = new HnswIndex({
        space: 'l2', dim, m: 16, efConstruction: 64, capacity: growth === 'none' ? n : growth === 'two batches' ? 64 : 1024,
      });
      if (growth === 'two batches') {
        const half = Math.floor(n / 2);
        await index.addBatchParallel(data.subarray(0, half * dim), { threads });
        await index.addBatchParallel(data.subarray(half * dim), { threads });
      } else {
        await index.addBatchParallel(data, { threads });
      }
      expect(index.size).toBe(n);
      if (growth !== 'none') expect(index.capacity).toBeGreaterThan(64);
      expect(checkGraphInvariants(index.store)).toEqual([]);
      expect(Array.from(index.labels())).toEqual(Array.from({ length: n }, (_, i) => i));
      const recall = recallAt(index.searchBatch(queries, 10, { efSearch: 64 }), exactTopK('l2', dim, data, queries, 10));
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });
  }

  it('builds a cosine graph with the JS kernel, stored vectors normalised as in addBatch', async () => {
    const data = clustered(1200, dim, 11);
    const index = new HnswIndex({ space: 'cosine', dim, m: 16, efConstruction: 64, kernel: 'js' });
    await index.addBatchParallel(data, { threads: 3 });
    expect(index.kernel).toBe('js');
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const sequential = new HnswIndex({ space: 'cosine', dim, m: 16, efConstruction: 64, kernel: 'js' });
    sequential.addBatch(data);
    expect(Array.from(index.getVector(7))).toEqual(Array.from(sequential.getVector(7)));
    const recall = recallAt(index.searchBatch(queries, 10), exactTopK('cosine', dim, data, queries, 10));
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('applies updates of existing labels (on the main thread) in the same batch as new points', async () => {
    const data = clustered(1000, dim, 12);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    await index.addBatchParallel(data.subarray(0, 600 * dim), { threads: 2 });
    // Rows 0-99 move labels 0-99 to new vectors; rows 100-499 are new labels 600-999.
    const moved = clustered(100, dim, 13);
    const batch = new Float32Array(500 * dim);
    batch.set(moved);
    batch.set(data.subarray(600 * dim), 100 * dim);
    const labels = Array.from({ length: 500 }, (_, i) => (i < 100 ? i : 500 + i));
    await index.addBatchParallel(batch, { labels, threads: 2 });
    expect(index.size).toBe(1000);
    expect(Array.from(index.getVector(5))).toEqual(Array.from(moved.subarray(5 * dim, 6 * dim)));
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const all = data.slice();
    all.set(moved);
    const recall = recallAt(index.searchBatch(queries, 10), exactTopK('l2', dim, all, queries, 10));
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('threads: 1', () => {
  it('is bit-deterministic and builds the same graph as addBatch', async () => {
    const data = clustered(800, dim, 20);
    const build = async () => {
      const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64, seed: 7 });
      await index.addBatchParallel(data, { threads: 1 });
      return index;
    };
    const a = await build();
    const b = await build();
    const sequential = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64, seed: 7 });
    sequential.addBatch(data);
    for (const other of [b, sequential]) {
      expect(Array.from(other.store.links0.subarray(0, 800 * other.store.stride0)))
        .toEqual(Array.from(a.store.links0.subarray(0, 800 * a.store.stride0)));
      expect(Array.from(other.store.levels.subarray(0, 800))).toEqual(Array.from(a.store.levels.subarray(0, 800)));
    }
    expectSameBatch(await a.searchBatchParallel(queries, 10, { threads: 1 }), sequential.searchBatch(queries, 10));
  });

  it('draws the same levels at any thread count (levels are drawn on the main thread, in order)', async () => {
    const data = clustered(600, dim, 21);
    const a = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 32, seed: 3 });
    await a.addBatchParallel(data, { threads: 1 });
    const b = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 32, seed: 3 });
    await b.addBatchParallel(data, { threads: 3 });
    expect(Array.from(b.store.levels.subarray(0, 600))).toEqual(Array.from(a.store.levels.subarray(0, 600)));
  });
});

describe('searchBatchParallel', () => {
  const data = clustered(2000, dim, 30);
  for (const space of ['l2', 'cosine', 'ip'] as Space[]) {
    it(`returns the labels and distances of searchBatch on the same graph (${space})`, async () => {
      const index = new HnswIndex({ space, dim, m: 16, efConstruction: 64 });
      index.addBatch(data);
      const sequential = index.searchBatch(queries, 10, { efSearch: 40 });
      for (const threads of [2, 3]) {
        const parallel = await index.searchBatchParallel(queries, 10, { efSearch: 40, threads });
        expectSameBatch(parallel, sequential);
        expect(Array.from(parallel.distances)).toEqual(Array.from(sequential.distances));
      }
    });
  }

  it('matches searchBatch with deleted points and with allow-list filters (array, Set, typed array)', async () => {
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    index.addBatch(data);
    for (let label = 0; label < 2000; label += 7) index.markDeleted(label);
    expectSameBatch(await index.searchBatchParallel(queries, 10, { threads: 2 }), index.searchBatch(queries, 10));
    const wide = Array.from({ length: 1000 }, (_, i) => 2 * i);
    const narrow = new Set([3, 10, 11, 500, 1999, 64]);
    const typed = Float64Array.from({ length: 300 }, (_, i) => i * 5 + 1);
    for (const filter of [wide, narrow, typed]) {
      expectSameBatch(await index.searchBatchParallel(queries, 10, { filter, threads: 2 }), index.searchBatch(queries, 10, { filter }));
    }
  });

  it('reuses one shared allow-list from call to call, grown with the capacity, its marks cleared after each', async () => {
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    index.addBatch(data.subarray(0, 1500 * dim));
    const kept = (): AllowList | null => (index as unknown as { parallelAllowList: AllowList | null }).parallelAllowList;
    const wide = Array.from({ length: 700 }, (_, i) => 2 * i);
    const narrow = new Set([3, 10, 11, 500, 1499, 64]);
    expectSameBatch(await index.searchBatchParallel(queries, 10, { filter: wide, threads: 2 }), index.searchBatch(queries, 10, { filter: wide }));
    const list = kept()!;
    const { marks, ids } = list;
    expect(marks.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ids.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(marks.length).toBeGreaterThanOrEqual(index.capacity);
    expect(marks.every((mark) => mark === 0)).toBe(true);
    for (const filter of [narrow, wide.slice(100)]) {
      expectSameBatch(await index.searchBatchParallel(queries, 10, { filter, threads: 2 }), index.searchBatch(queries, 10, { filter }));
      expect(kept()).toBe(list);
      expect(list.marks).toBe(marks);
      expect(list.ids).toBe(ids);
      expect(marks.every((mark) => mark === 0)).toBe(true);
    }
    // Two calls at once: the second cannot share the first's marks, and both answer as searchBatch.
    const [a, b] = await Promise.all([
      index.searchBatchParallel(queries, 10, { filter: wide, threads: 2 }),
      index.searchBatchParallel(queries, 10, { filter: narrow, threads: 2 }),
    ]);
    expectSameBatch(a, index.searchBatch(queries, 10, { filter: wide }));
    expectSameBatch(b, index.searchBatch(queries, 10, { filter: narrow }));
    // Whichever of the two finished first put its list back (thread timing decides): one list is kept, clear.
    const after = kept()!;
    expect(after).not.toBeNull();
    expect(marks.every((mark) => mark === 0)).toBe(true);
    expect(after.marks.every((mark) => mark === 0)).toBe(true);
    const afterMarks = after.marks;
    index.reserve(4 * index.capacity);
    index.addBatch(data.subarray(1500 * dim), { labels: Array.from({ length: 500 }, (_, i) => 1500 + i) });
    const grown = Array.from({ length: 1000 }, (_, i) => 2 * i);
    expectSameBatch(await index.searchBatchParallel(queries, 10, { filter: grown, threads: 2 }), index.searchBatch(queries, 10, { filter: grown }));
    expect(kept()).toBe(after);
    expect(after.marks).not.toBe(afterMarks);
    expect(after.marks.length).toBeGreaterThanOrEqual(index.capacity);
    expect(after.marks.every((mark) => mark === 0)).toBe(true);
  });

  it('rejects a predicate filter, pointing to searchBatch, and checks its options', async () => {
    const index = new HnswIndex({ space: 'l2', dim });
    index.addBatch(data.subarray(0, 50 * dim));
    await expect(index.searchBatchParallel(queries, 5, { filter: ((l: number) => l > 3) as never }))
      .rejects.toThrow(/searchBatch/);
    await expect(index.searchBatchParallel(queries, 5, { threads: 0 })).rejects.toThrow(RangeError);
    await expect(index.searchBatchParallel(queries, 5, { threads: 'two' as never })).rejects.toThrow(TypeError);
    await expect(index.searchBatchParallel(queries, 0)).rejects.toThrow(/`k`/);
    await expect(index.addBatchParallel(data, { threads: 64 })).rejects.toThrow(/`threads`/);
    await expect(index.addBatchParallel(data, { thread: 2 } as never)).rejects.toThrow(/unknown addBatchParallel option/);
    const empty = new HnswIndex({ space: 'l2', dim });
    const result = await empty.searchBatchParallel(queries, 3, { threads: 2 });
    expect(Array.from(result.counts)).toEqual(new Array(100).fill(0));
  });
});

describe('searches during a parallel insert', () => {
  it('are safe: valid labels, no label twice, and the build ends sound', async () => {
    const data = clustered(4000, dim, 40);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    index.addBatch(data.subarray(0, 500 * dim));
    const build = index.addBatchParallel(data.subarray(500 * dim), { threads: 2 });
    let finished = false;
    void build.then(() => (finished = true), () => (finished = true));
    expect(() => index.addBatch(data.subarray(0, dim), { labels: [9999] })).toThrow(/INDEX_BUSY|await it first/);
    expect(() => index.reserve(100_000)).toThrow(/await it first/);
    let rounds = 0;
    let roundsDuringBuild = 0;
    const check = (labels: Float64Array, counts: Uint32Array, k: number) => {
      for (let q = 0; q < counts.length; q++) {
        const row = Array.from(labels.subarray(q * k, q * k + counts[q]));
        expect(new Set(row).size).toBe(row.length);
        for (const label of row) expect(label >= 0 && label < 4000).toBe(true);
      }
    };
    while (!finished || rounds < 3) {
      if (!finished) roundsDuringBuild++;
      const main = index.searchBatch(queries.subarray(0, 20 * dim), 10);
      check(main.labels, main.counts, 10);
      const workers = await index.searchBatchParallel(queries, 10, { threads: 2 });
      check(workers.labels, workers.counts, 10);
      rounds++;
      await new Promise((resolve) => setImmediate(resolve));
      if (rounds > 10_000) break;
    }
    await build;
    // The first round runs before the workers even start.
    expect(roundsDuringBuild).toBeGreaterThanOrEqual(1);
    expect(index.size).toBe(4000);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const recall = recallAt(index.searchBatch(queries, 10), exactTopK('l2', dim, data, queries, 10));
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('queues parallel builds of one index and runs them one after the other', async () => {
    const data = clustered(1500, dim, 41);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    const copy = data.slice();
    const calls = [0, 1, 2].map((b) => index.addBatchParallel(copy.subarray(b * 500 * dim, (b + 1) * 500 * dim), { threads: 2 }));
    copy.fill(0); // The queued calls copied their input: the caller may reuse its arrays.
    await Promise.all(calls);
    expect(index.size).toBe(1500);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    expect(Array.from(index.getVector(1499))).toEqual(Array.from(data.subarray(1499 * dim, 1500 * dim)));
  });
});

describe('worker failure', () => {
  it('rejects with WORKER_FAILED and leaves a consistent index holding the whole batch', async () => {
    const data = clustered(1500, dim, 50);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    parallelTestHooks.crashAt = 700;
    await expect(index.addBatchParallel(data, { threads: 3 })).rejects.toMatchObject({
      code: 'WORKER_FAILED', message: expect.stringMatching(/worker thread failed/),
    });
    expect(index.size).toBe(1500);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    expect(Array.from(index.store.locks.subarray(0, 1500)).every((w) => w === 0)).toBe(true);
    const recall = recallAt(index.searchBatch(queries, 10), exactTopK('l2', dim, data, queries, 10));
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // The pool comes back for the next call.
    const more = clustered(300, dim, 51);
    await index.addBatchParallel(more, { threads: 2 });
    expect(index.size).toBe(1800);
    expect(checkGraphInvariants(index.store)).toEqual([]);
  });
});

describe('worker failure while others wait on a lock', () => {
  it('terminates the blocked workers instead of hanging, then repairs', async () => {
    const data = clustered(1000, dim, 52);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    index.addBatch(data.subarray(0, 200 * dim));
    // Hold the entry point's lock as a dead thread would: every insert starts by reading its list.
    Atomics.store(index.store.locks, index.store.entryPoint, 1);
    parallelTestHooks.crashAt = 0;
    await expect(index.addBatchParallel(data.subarray(200 * dim), { threads: 3 })).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    expect(index.size).toBe(1000);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const recall = recallAt(index.searchBatch(queries, 10), exactTopK('l2', dim, data, queries, 10));
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pool lifecycle', () => {
  it('never keeps a process alive: a script that builds and searches in parallel exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smallworld-pool-'));
    const script = join(dir, 'build.mts');
    const entry = fileURLToPath(new URL('../src/index.node.ts', import.meta.url));
    writeFileSync(script, [
      `import { HnswIndex } from ${JSON.stringify(entry)};`,
      'const dim = 8;',
      'const data = Float32Array.from({ length: 400 * dim }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);',
      "const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 32 });",
      'await index.addBatchParallel(data, { threads: 2 });',
      'const result = await index.searchBatchParallel(data.subarray(0, 10 * dim), 1, { threads: 2 });',
      "console.log('built', index.size, result.labels[3]);",
    ].join('\n'));
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
      expect(child.error).toBeUndefined();
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('built 400 3');
      expect(child.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() stops the pool and a later call starts it again', async () => {
    const data = clustered(300, dim, 60);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 32 });
    await index.addBatchParallel(data, { threads: 2 });
    await index.close();
    const result = await index.searchBatchParallel(queries, 5, { threads: 2 });
    expectSameBatch(result, index.searchBatch(queries, 5));
    await closePool();
  });
});
