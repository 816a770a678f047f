// Hard deletion: remove/removeBatch/compact against a brute-force model with
// the graph's invariants after every step, recall after heavy removal, and
// erasure (a removed vector is in no later file and nowhere in the store).

import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BruteForceIndex, HnswIndex, SmallworldError, closePool, toHnswlibBytes } from '../src/index.node.js';
import { Int8VectorStore } from '../src/vector-store.js';
import { containsFloats } from './helpers/bytes.js';
import { checkGraphInvariants, graphOf } from './helpers/graph-invariants.js';
import { clustered, seededRandom } from './helpers/data.js';

afterAll(async () => {
  await closePool();
});

/** Every byte of an index's vector memory (rows and scratch). */
function vectorMemory(index: HnswIndex | BruteForceIndex): Uint8Array {
  const v = index.store.vectors;
  const buffer = v.memory !== null ? v.memory.buffer : v.describe().buffer!;
  return new Uint8Array(buffer);
}

/** recall@10 of `index` at `efSearch` on `queries`, against the exact answers of `exact`. */
function recallAt10(index: HnswIndex, exact: BruteForceIndex, queries: Float32Array, efSearch: number): number {
  const count = queries.length / index.dim;
  const truth = exact.searchBatch(queries, 10);
  const got = index.searchBatch(queries, 10, { efSearch });
  let hits = 0;
  for (let q = 0; q < count; q++) {
    const want = new Set(truth.get(q).labels);
    for (const l of got.get(q).labels) if (want.has(l)) hits++;
  }
  return hits / (10 * count);
}

/** Vectors no other point shares: random floats with all their mantissa bits. */
function distinctVectors(n: number, dim: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => rnd() * 2 - 1);
}

const dim = 4;
const vector = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: dim, maxLength: dim });
const label = fc.integer({ min: 0, max: 30 });
const command = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), label, vector }) },
  fc.record({ op: fc.constant('delete' as const), label }),
  fc.record({ op: fc.constant('undelete' as const), label }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), labels: fc.uniqueArray(label, { maxLength: 6 }) }) },
  fc.record({ op: fc.constant('compact' as const) }),
  fc.record({ op: fc.constant('search' as const), vector, k: fc.integer({ min: 1, max: 8 }) }),
);

describe('remove, removeBatch and compact against a brute-force model', () => {
  it('keep the labels, the answers and the graph invariants of the model after every step', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), fc.boolean(), (commands, replace) => {
        const index = new HnswIndex({ space: 'l2', dim, m: 2, efConstruction: 8, allowReplaceDeleted: replace, capacity: 4 });
        const model = new BruteForceIndex({ space: 'l2', dim });
        for (const c of commands) {
          let graphChanged = false;
          if (c.op === 'add') {
            index.add(c.vector, c.label);
            model.add(c.vector, c.label);
            // A slot taken over by a new label (allowReplaceDeleted) drops the deleted label from the index: the model too.
            for (let l = 0; l <= 30; l++) if (model.isDeleted(l) && !index.isDeleted(l)) model.remove(l);
          } else if (c.op === 'delete' || c.op === 'undelete') {
            if (!model.has(c.label) && !model.isDeleted(c.label)) {
              expect(() => index.markDeleted(c.label)).toThrow(RangeError);
              continue;
            }
            if (c.op === 'delete') {
              index.markDeleted(c.label);
              model.markDeleted(c.label);
            } else {
              index.unmarkDeleted(c.label);
              model.unmarkDeleted(c.label);
            }
          } else if (c.op === 'remove') {
            const known = c.labels.filter((l) => model.has(l) || model.isDeleted(l));
            if (known.length < c.labels.length) {
              const before = index.toBytes();
              expect(() => index.removeBatch(c.labels)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LABEL' }));
              expect(index.toBytes()).toEqual(before);
            }
            index.removeBatch(known);
            model.removeBatch(known);
            graphChanged = known.length > 0;
          } else if (c.op === 'compact') {
            index.compact();
            model.compact();
            graphChanged = true;
          } else {
            const got = index.search(c.vector, c.k, { efSearch: 200 });
            const want = model.search(c.vector, c.k);
            expect([...got.distances]).toEqual([...want.distances]);
            for (const l of got.labels) expect(model.has(l)).toBe(true);
          }
          expect(index.size).toBe(model.size);
          expect(index.deletedCount).toBe(model.deletedCount);
          expect(index.store.count).toBe(index.size + index.deletedCount);
          expect([...index.labels()].sort((a, b) => a - b)).toEqual([...model.labels()].sort((a, b) => a - b));
          expect(checkGraphInvariants(index.store, { reachability: graphChanged })).toEqual([]);
        }
      }),
      { numRuns: 200, seed: 20 },
    );
  });
});

describe('remove', () => {
  const d = 16;

  it('keeps recall after half the points are removed, beside soft deletion of the same points', () => {
    const n = 4000;
    const data = clustered(n, d, 201);
    const queries = clustered(200, d, 202);
    const removed = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 64 });
    removed.addBatch(data);
    const soft = HnswIndex.fromBytes(removed.toBytes());
    const rnd = seededRandom(203);
    const gone: number[] = [];
    for (let i = 0; i < n; i++) if (rnd() < 0.5) gone.push(i);
    removed.removeBatch(gone);
    for (const l of gone) soft.markDeleted(l);
    expect(checkGraphInvariants(removed.store)).toEqual([]);

    const exact = new BruteForceIndex({ space: 'l2', dim: d });
    const goneSet = new Set(gone);
    for (let i = 0; i < n; i++) if (!goneSet.has(i)) exact.add(data.subarray(i * d, (i + 1) * d), i);
    const removedRecall = recallAt10(removed, exact, queries, 32);
    expect(removedRecall).toBeGreaterThan(0.9);
    expect(removedRecall).toBeGreaterThanOrEqual(recallAt10(soft, exact, queries, 32) - 0.02);
    expect(removed.store.count).toBe(n - gone.length);
  });

  it('moves the entry point when it is removed, and empties the index when every point goes', () => {
    const index = new HnswIndex({ space: 'l2', dim: d, m: 4, efConstruction: 32 });
    index.addBatch(clustered(300, d, 204));
    for (let i = 0; i < 299; i++) {
      const entryLabel = index.store.labels[index.store.entryPoint];
      index.remove(entryLabel);
      expect(index.has(entryLabel)).toBe(false);
      expect(checkGraphInvariants(index.store)).toEqual([]);
      if (i % 50 === 0) expect(index.search(clustered(1, d, 205), 1).labels.length).toBe(1);
    }
    index.removeBatch(index.labels());
    expect(index.size).toBe(0);
    expect(index.store.entryPoint).toBe(-1);
    expect(index.search(new Float32Array(d), 3).labels.length).toBe(0);
    index.add(new Float32Array(d), 7);
    expect([...index.search(new Float32Array(d), 3).labels]).toEqual([7]);
  });

  it('works on soft-deleted points, frees their labels and reuses the slots', () => {
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, capacity: 100 });
    index.addBatch(clustered(100, d, 206));
    index.markDeleted(5);
    index.remove(5);
    index.remove(6);
    expect(index.isDeleted(5) || index.has(5) || index.has(6)).toBe(false);
    expect(index.store.count).toBe(98);
    index.addBatch(clustered(2, d, 207), { labels: [5, 6] });
    expect(index.capacity).toBe(100);
    expect(index.has(5) && index.has(6)).toBe(true);
  });

  it('checks every label first: an unknown or repeated one changes nothing', () => {
    const index = new HnswIndex({ space: 'l2', dim: d });
    index.addBatch(clustered(50, d, 208));
    const before = index.toBytes();
    expect(() => index.removeBatch([1, 2, 99])).toThrow(expect.objectContaining({ code: 'UNKNOWN_LABEL', message: '`labels[2]` 99 is not in the index' }));
    expect(() => index.removeBatch([1, 2, 1])).toThrow(expect.objectContaining({ code: 'DUPLICATE_LABEL' }));
    expect(() => index.remove(-1)).toThrow(RangeError);
    expect(() => index.removeBatch(3 as never)).toThrow(TypeError);
    expect(index.toBytes()).toEqual(before);
  });
});

describe('erasure', () => {
  const d = 24;
  const n = 400;
  const victims = [0, 17, 199, 399];

  for (const kind of ['HnswIndex', 'BruteForceIndex'] as const) {
    it(`${kind}: a removed vector is in no later file and nowhere in the vector memory`, () => {
      const data = distinctVectors(n, d, 209);
      const index = kind === 'HnswIndex' ? new HnswIndex({ space: 'l2', dim: d, m: 8 }) : new BruteForceIndex({ space: 'l2', dim: d });
      index.addBatch(data);
      const rows = victims.map((l) => data.slice(l * d, (l + 1) * d));
      // The check can fail: before removal, every victim is in the file.
      for (const row of rows) expect(containsFloats(index.toBytes(), row, 2)).toBe(true);
      index.markDeleted(17);
      index.search(rows[0], 3);
      index.removeBatch(victims);
      const files = [index.toBytes()];
      if (index instanceof HnswIndex) files.push(index.toHnswlibBytes());
      for (const row of rows) {
        for (const file of files) expect(containsFloats(file, row, 2)).toBe(false);
        expect(containsFloats(vectorMemory(index), row, 2)).toBe(false);
      }
      expect(containsFloats(index.toBytes(), data.subarray(d, 2 * d))).toBe(true);
    });
  }

  it.each([
    ['auto', 0.25],
    ['js', 0.25],
    ['auto', 1],
  ] as const)('compact erases every soft-deleted vector and returns memory: smaller buffers, same answers (kernel %s, rebuildAbove %s)', (kernel, rebuildAbove) => {
    const data = distinctVectors(2000, d, 210);
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 64, kernel });
    index.addBatch(data);
    const deleted: number[] = [];
    for (let l = 0; l < 2000; l += 3) deleted.push(l);
    for (const l of deleted) index.markDeleted(l);
    const queries = distinctVectors(50, d, 211);
    const before = index.searchBatch(queries, 5, { efSearch: 400 });
    const bytesBefore = index.memoryBytes;
    // A third deleted: rebuilt past 0.25, repaired with 1.
    index.compact({ rebuildAbove });
    expect(index.deletedCount).toBe(0);
    expect(index.size).toBe(2000 - deleted.length);
    expect(index.capacity).toBe(index.size);
    expect(index.memoryBytes).toBeLessThan(bytesBefore);
    expect(index.store.vectors.capacity).toBe(index.size);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const after = index.searchBatch(queries, 5, { efSearch: 400 });
    expect([...after.labels]).toEqual([...before.labels]);
    for (const l of deleted.slice(0, 20)) {
      const row = data.subarray(l * d, (l + 1) * d);
      expect(containsFloats(index.toBytes(), row, 2)).toBe(false);
      expect(containsFloats(vectorMemory(index), row, 2)).toBe(false);
    }
    // It keeps growing after a compaction.
    index.addBatch(distinctVectors(100, d, 212));
    expect(index.size).toBe(2000 - deleted.length + 100);
    expect(checkGraphInvariants(index.store, { reachability: false })).toEqual([]);
  });
});

describe('compact: repair or rebuild (rebuildAbove)', () => {
  const d = 16;
  const n = 3000;
  const data = clustered(n, d, 231);
  const queries = clustered(100, d, 232);

  /** An index of `data` with every label below `fraction * n` soft-deleted, and spies on the two ways. */
  function deletedIndex(fraction: number) {
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 64, seed: 9 });
    index.addBatch(data);
    for (let l = 0; l < fraction * n; l++) index.markDeleted(l);
    const repaired = vi.spyOn(index as unknown as { repairRemoved(removed: Uint8Array): void }, 'repairRemoved');
    const unlinked = vi.spyOn(index.store, 'unlinkAll');
    return { index, repaired, unlinked };
  }

  it('repairs up to the fraction and rebuilds past it, both with the answers of the exact index', () => {
    for (const [fraction, options, rebuilt] of [
      [0.2, {}, false],
      [0.3, {}, true],
      [0.3, { rebuildAbove: 1 }, false],
      [0.05, { rebuildAbove: 0 }, true],
    ] as const) {
      const { index, repaired, unlinked } = deletedIndex(fraction);
      index.compact(options);
      expect(unlinked).toHaveBeenCalledTimes(rebuilt ? 1 : 0);
      expect(repaired).toHaveBeenCalledTimes(rebuilt ? 0 : 1);
      const live = Math.round(n - Math.ceil(fraction * n));
      expect(index.size).toBe(live);
      expect(index.deletedCount).toBe(0);
      expect(checkGraphInvariants(index.store)).toEqual([]);
      const exact = new BruteForceIndex({ space: 'l2', dim: d });
      exact.addBatch(data.subarray((n - live) * d), { labels: Array.from({ length: live }, (_, i) => n - live + i) });
      expect(recallAt10(index, exact, queries, 48)).toBeGreaterThan(0.95);
    }
  });

  it('rejects a bad rebuildAbove or an unknown option, naming it, and changes nothing', () => {
    const { index } = deletedIndex(0.3);
    const before = index.toBytes();
    for (const [options, message] of [
      [{ rebuildAbove: 1.5 }, /`rebuildAbove` must be a number from 0 to 1 \(got 1\.5\)/],
      [{ rebuildAbove: Number.NaN }, /`rebuildAbove`.*got NaN/],
      [{ rebuildAbove: '0.5' }, /`rebuildAbove`.*got "0\.5"/],
      [{ rebuild: true }, /unknown compact option `rebuild`/],
    ] as const) {
      expect(() => index.compact(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
      expect(() => index.compact(options as never)).toThrow(message);
    }
    expect(index.toBytes()).toEqual(before);
  });
});

describe('int8 indexes', () => {
  it.each(['auto', 'js'] as const)('remove erases codes and originals; compact keeps the answers, and the file round-trips (kernel %s)', (kernel) => {
    const d = 24;
    const data = distinctVectors(1200, d, 213);
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 64, kernel, quantization: 'int8', rerank: true });
    index.addBatch(data);
    const codes = () => index.store.vectors as Int8VectorStore;
    const victims = [0, 5, 600, 1199];
    // The check can fail: before removal, every victim's original is in the file.
    for (const l of victims) expect(containsFloats(index.toBytes(), data.subarray(l * d, (l + 1) * d), 2)).toBe(true);
    index.removeBatch(victims);
    const count = index.store.count;
    expect(count).toBe(1200 - victims.length);
    for (const l of victims) {
      const row = data.subarray(l * d, (l + 1) * d);
      expect(containsFloats(index.toBytes(), row, 2)).toBe(false);
      expect(containsFloats(new Uint8Array(codes().originals!.buffer), row, 2)).toBe(false);
    }
    // The rows past the survivors are zero in both buffers.
    expect(codes().codes.subarray(count * codes().rowBytes, 1200 * codes().rowBytes).every((c) => c === 0)).toBe(true);
    expect(codes().originals!.subarray(count * d, 1200 * d).every((v) => v === 0)).toBe(true);
    for (let l = 1; l < 1200; l += 2) if (!victims.includes(l)) index.markDeleted(l);
    const queries = distinctVectors(40, d, 214);
    const before = index.searchBatch(queries, 5, { efSearch: 300 });
    index.compact();
    expect(index.capacity).toBe(index.size);
    expect(codes().capacity).toBe(index.size);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const after = index.searchBatch(queries, 5, { efSearch: 300 });
    expect([...after.labels]).toEqual([...before.labels]);
    const loaded = HnswIndex.fromBytes(index.toBytes());
    expect([...loaded.searchBatch(queries, 5, { efSearch: 300 }).labels]).toEqual([...after.labels]);
    index.addBatch(distinctVectors(50, d, 215));
    expect(checkGraphInvariants(index.store, { reachability: false })).toEqual([]);
  });
});

describe('hard deletes during a parallel build', () => {
  it('are refused with INDEX_BUSY while addBatchParallel runs, and run once it is awaited', async () => {
    const d = 16;
    const data = clustered(3000, d, 213);
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 32 });
    index.addBatch(data.subarray(0, 500 * d));
    index.markDeleted(3);
    const build = index.addBatchParallel(data.subarray(500 * d), { threads: 2 });
    const code = (f: () => void): string | undefined => {
      try {
        f();
      } catch (error) {
        return error instanceof SmallworldError ? error.code : String(error);
      }
      return undefined;
    };
    expect(code(() => index.remove(1))).toBe('INDEX_BUSY');
    expect(code(() => index.removeBatch([1, 2]))).toBe('INDEX_BUSY');
    expect(code(() => index.compact())).toBe('INDEX_BUSY');
    await expect(index.compactParallel()).rejects.toThrow(expect.objectContaining({ code: 'INDEX_BUSY' }));
    expect(index.has(1)).toBe(true);
    await build;
    index.removeBatch([1, 2]);
    index.compact();
    expect(index.size).toBe(2997);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    expect(toHnswlibBytes(index).byteLength).toBeGreaterThan(0);
  });
});

describe('compactParallel', () => {
  const d = 16;
  const n = 4000;
  const data = clustered(n, d, 241);
  const queries = clustered(100, d, 242);

  function withDeleted(): HnswIndex {
    const index = new HnswIndex({ space: 'l2', dim: d, m: 8, efConstruction: 64, seed: 4 });
    index.addBatch(data);
    for (let l = 0; l < n; l += 2) index.markDeleted(l);
    return index;
  }

  it('rebuilds on worker threads: the points left, the invariants, the exact answers; a parallel build meanwhile', async () => {
    const index = withDeleted();
    const compacting = index.compactParallel({ threads: 2 });
    // The rebuild is a parallel build: adds wait for it, hard deletes are refused.
    expect(() => index.remove(1)).toThrow(expect.objectContaining({ code: 'INDEX_BUSY' }));
    await compacting;
    expect(index.size).toBe(n / 2);
    expect(index.deletedCount).toBe(0);
    expect(index.capacity).toBe(n / 2);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    const exact = new BruteForceIndex({ space: 'l2', dim: d });
    for (let l = 1; l < n; l += 2) exact.add(data.subarray(l * d, (l + 1) * d), l);
    expect(recallAt10(index, exact, queries, 48)).toBeGreaterThan(0.95);
  });

  it('is compact() with one thread or below rebuildAbove, and checks its options', async () => {
    for (const options of [{ threads: 1 }, { threads: 2, rebuildAbove: 0.9 }]) {
      const a = withDeleted();
      const b = withDeleted();
      await a.compactParallel(options);
      b.compact({ rebuildAbove: options.rebuildAbove });
      expect(graphOf(a.store)).toEqual(graphOf(b.store));
    }
    const index = withDeleted();
    await expect(index.compactParallel({ threads: 0 })).rejects.toThrow(/threads/);
    await expect(index.compactParallel({ rebuildAbove: -1 })).rejects.toThrow(/`rebuildAbove` must be a number from 0 to 1 \(got -1\)/);
    await expect(index.compactParallel({ thread: 2 } as never)).rejects.toThrow(/unknown compactParallel option `thread`/);
    expect(index.deletedCount).toBe(n / 2);
  });
});

describe('remove and compact with the WebAssembly loop and with the TypeScript loop', () => {
  const dim = 16;
  const n = 1500;
  const data = clustered(n, dim, 21);
  const queries = clustered(40, dim, 22);
  const gone = Array.from({ length: n / 3 }, (_, i) => i * 3 + 1);

  function build(loop: 'wasm' | 'ts'): HnswIndex {
    const index = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 60, kernel: 'simd', capacity: 64, seed: 5 });
    index.setSearchLoop(loop);
    index.addBatch(data);
    return index;
  }

  /** Same labels and distances from both indexes, none of them in `removed`. */
  function expectSameResults(a: HnswIndex, b: HnswIndex, removed: readonly number[]): void {
    const x = a.searchBatch(queries, 10, { efSearch: 40 });
    const y = b.searchBatch(queries, 10, { efSearch: 40 });
    expect([...x.labels]).toEqual([...y.labels]);
    expect([...x.distances]).toEqual([...y.distances]);
    const gone = new Set(removed);
    expect([...x.labels].filter((l) => gone.has(l))).toEqual([]);
  }

  it('give identical graphs and results after removes, after adds into the freed slots and after compact', async () => {
    const wasm = build('wasm');
    const ts = build('ts');
    expect(wasm.usesWasmLoop).toBe(true);
    expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));

    wasm.removeBatch(gone.slice(0, 200));
    ts.removeBatch(gone.slice(0, 200));
    expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
    expect(checkGraphInvariants(wasm.store)).toEqual([]);
    expectSameResults(wasm, ts, gone.slice(0, 200));

    // Inserts after a renumbering run in both loops over the moved rows and ids.
    const extra = clustered(100, dim, 23);
    const extraLabels = Array.from({ length: 100 }, (_, i) => n + i);
    wasm.addBatch(extra, { labels: extraLabels });
    ts.addBatch(extra, { labels: extraLabels });
    expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
    expectSameResults(wasm, ts, gone.slice(0, 200));

    for (const label of gone.slice(200)) {
      wasm.markDeleted(label);
      ts.markDeleted(label);
    }
    const oldMemory = wasm.store.graphMemory!;
    const generation = wasm.store.generation;
    wasm.compact();
    ts.compact();
    expect(wasm.store.graphMemory).not.toBe(oldMemory);
    expect(wasm.store.graphMemory).toBe(wasm.store.vectors.memory);
    expect(wasm.store.graphMemory!.buffer.byteLength).toBeLessThan(oldMemory.buffer.byteLength);
    expect(wasm.store.generation).toBeGreaterThan(generation);
    expect(wasm.store.capacity).toBe(n - gone.length + 100);
    // The graph regions are inside the memory: counted once.
    expect(wasm.memoryBytes).toBe(wasm.store.graphMemory!.buffer.byteLength + wasm.store.labels.byteLength);
    expect(wasm.usesWasmLoop).toBe(true);
    expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
    expect(checkGraphInvariants(wasm.store)).toEqual([]);
    expectSameResults(wasm, ts, gone);
    // Each remaining point is found from its own vector by the loop over the new memory.
    const own = wasm.searchBatch(data.subarray(0, 30 * dim), 1, { efSearch: 40 });
    for (let i = 0; i < 30; i++) if (i % 3 !== 1) expect(own.labels[i]).toBe(i);

    // Adds grow the compacted memory again (relocation from the new layout), workers attach to it.
    const more = clustered(200, dim, 24);
    const moreLabels = Array.from({ length: 200 }, (_, i) => n + 100 + i);
    wasm.addBatch(more, { labels: moreLabels });
    ts.addBatch(more, { labels: moreLabels });
    expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
    expectSameResults(wasm, ts, gone);
    const parallel = await wasm.searchBatchParallel(queries, 10, { efSearch: 40, threads: 2 });
    const serial = wasm.searchBatch(queries, 10, { efSearch: 40 });
    expect([...parallel.labels]).toEqual([...serial.labels]);
  });
});
