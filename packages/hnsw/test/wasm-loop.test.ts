// The WebAssembly loop (assembly/search.ts) against the TypeScript algorithms
// it mirrors, both with the SIMD kernel: identical graphs for single-thread
// builds, identical labels and distances for searches (plain, deleted,
// allow-list), across the store's growth (regions relocated), over float32
// rows and int8 codes.
import { describe, expect, it } from 'vitest';
import { HnswIndex, type Space } from '../src/index.js';
import { GraphStore, bytesPerNode, maxNodesPerWasmMemory } from '../src/layout.js';
import { checkGraphInvariants, graphOf } from './helpers/graph-invariants.js';
import { clustered } from './helpers/data.js';

const dim = 24;
const n = 2500;
const data = clustered(n, dim, 7);
const queries = clustered(60, dim, 8);

interface BuildOptions {
  m?: number;
  neighborSelection?: 'heuristic' | 'simple';
  quantization?: 'none' | 'int8';
  rerank?: boolean;
}

function build(space: Space, loop: 'wasm' | 'ts', options: BuildOptions = {}): HnswIndex {
  // A small initial capacity: the build grows the store (and relocates its regions) several times.
  const index = new HnswIndex({ space, dim, m: options.m ?? 8, efConstruction: 60, kernel: 'simd', capacity: 100, seed: 3, ...options });
  index.setSearchLoop(loop);
  expect(index.usesWasmLoop).toBe(loop === 'wasm');
  index.addBatch(data);
  return index;
}

describe('WebAssembly loop = TypeScript loop (SIMD kernel in both)', () => {
  for (const space of ['l2', 'cosine'] as Space[]) {
    it(`builds the identical graph and finds identical results (${space})`, () => {
      const wasm = build(space, 'wasm');
      const ts = build(space, 'ts');
      expect(wasm.store.generation).toBeGreaterThan(3);
      expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
      expect(checkGraphInvariants(wasm.store)).toEqual([]);
      // Searches with both loops over the same graph.
      ts.setSearchLoop('wasm');
      const a = ts.searchBatch(queries, 10, { efSearch: 40 });
      ts.setSearchLoop('ts');
      const b = ts.searchBatch(queries, 10, { efSearch: 40 });
      expect([...a.labels]).toEqual([...b.labels]);
      expect([...a.distances]).toEqual([...b.distances]);
      expect([...a.counts]).toEqual([...b.counts]);
    });
  }

  for (const space of ['l2', 'ip', 'cosine'] as Space[]) {
    it(`builds the identical graph over int8 codes and finds identical results, with and without re-ranking (${space})`, () => {
      const wasm = build(space, 'wasm', { quantization: 'int8', rerank: true });
      const ts = build(space, 'ts', { quantization: 'int8', rerank: true });
      expect(wasm.trained).toBe(true);
      expect(graphOf(wasm.store)).toEqual(graphOf(ts.store));
      // Inner product is not a metric (a point need not be its own nearest): reachability is not promised there.
      expect(checkGraphInvariants(wasm.store, { reachability: space !== 'ip' })).toEqual([]);
      for (const rerank of [false, true]) {
        const run = (loop: 'wasm' | 'ts') => {
          ts.setSearchLoop(loop);
          const r = ts.searchBatch(queries, 10, { efSearch: 40, rerank });
          return [[...r.labels], [...r.distances]];
        };
        expect(run('wasm')).toEqual(run('ts'));
      }
    });
  }

  it('builds the identical graph with the simple selection (Algorithm 3)', () => {
    expect(graphOf(build('l2', 'wasm', { neighborSelection: 'simple' }).store)).toEqual(graphOf(build('l2', 'ts', { neighborSelection: 'simple' }).store));
  });

  it('repairs the graph identically when points move (update)', () => {
    const moved = clustered(300, dim, 9);
    const labels = Array.from({ length: 300 }, (_, i) => i * 7);
    const graphs = (['wasm', 'ts'] as const).map((loop) => {
      const index = build('l2', loop);
      index.addBatch(moved, { labels });
      return graphOf(index.store);
    });
    expect(graphs[0]).toEqual(graphs[1]);
  });

  it('builds identically around soft-deleted points, and links no new point to them', () => {
    const more = clustered(400, dim, 10);
    const labels = Array.from({ length: 400 }, (_, i) => 10_000 + i);
    const graphs = (['wasm', 'ts'] as const).map((loop) => {
      const index = build('l2', loop);
      for (let label = 0; label < n; label += 4) index.markDeleted(label);
      index.addBatch(more, { labels });
      const store = index.store;
      for (let node = n; node < store.count; node++) {
        const offset = store.offset0(node);
        for (let j = 1; j <= store.links0[offset]; j++) expect(store.deleted[store.links0[offset + j]]).toBe(0);
      }
      return graphOf(store);
    });
    expect(graphs[0]).toEqual(graphs[1]);
  });

  it('skips deleted points and keeps to an allow-list identically', () => {
    const index = build('l2', 'wasm', { m: 6 });
    for (let label = 0; label < n; label += 3) index.markDeleted(label);
    const allowed = Array.from({ length: 800 }, (_, i) => i * 3 + 1);
    const run = (loop: 'wasm' | 'ts', filter?: number[]) => {
      index.setSearchLoop(loop);
      const r = index.searchBatch(queries, 10, { efSearch: 30, filter });
      return [[...r.labels], [...r.distances]];
    };
    const plain = run('wasm');
    expect(plain).toEqual(run('ts'));
    expect((plain[0] as number[]).some((label) => label % 3 === 0)).toBe(false);
    const filtered = run('wasm', allowed);
    expect(filtered).toEqual(run('ts', allowed));
    expect((filtered[0] as number[]).every((label) => label % 3 === 1)).toBe(true);
    // A second allow-list in the next call replaces the first one's marks.
    const other = allowed.map((label) => label + 1);
    expect(run('wasm', other)).toEqual(run('ts', other));
  });
});

describe('the 4 GiB budget (layout.ts)', () => {
  it('counts each node\'s bytes in the memory and the nodes that fit', () => {
    // dim 128, M 16: 512 + 132 + 8.5 (upper arena with doubling room) + 10 + 18.125 per thread.
    expect(bytesPerNode(128, 16)).toBeCloseTo(512 + 132 + 2 * 68 / 15 + 10 + 18.125, 6);
    expect(bytesPerNode(128, 16, 'f32', 4) - bytesPerNode(128, 16)).toBeCloseTo(3 * 18.125, 6);
    const most = maxNodesPerWasmMemory(128, 16);
    expect(most * bytesPerNode(128, 16)).toBeLessThanOrEqual(2 ** 32);
    expect(most).toBeGreaterThan(6_000_000);
  });

  it('keeps the graph out of a memory that cannot be shared (its views detach when it grows)', () => {
    const store = new GraphStore({ dim: 8, m: 4, shared: false, wasmMemory: true }, 10);
    expect(store.vectors.memory).not.toBeNull();
    expect(store.graphMemory).toBeNull();
    expect(store.links0.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('lays out search slots on demand, per thread used', () => {
    const store = new GraphStore({ dim: 8, m: 4, shared: true, wasmMemory: true }, 1000);
    expect(store.searchSlots).toBe(1);
    const before = store.graphMemory!.buffer.byteLength;
    store.ensureSearchSlots(3);
    expect(store.searchSlots).toBe(3);
    expect(store.searchSlotAddress(2) - store.searchSlotAddress(1)).toBe(store.searchSlotAddress(1) - store.searchSlotAddress(0));
    expect(store.graphMemory!.buffer.byteLength).toBeGreaterThanOrEqual(before);
  });
});
