import { describe, expect, it } from 'vitest';
import { GRAPH_ARRAYS, GraphStore } from '../src/layout.js';
import {
  F32VectorStore, Int8VectorStore, VECTOR_ENCODING_IDS, attachVectorStore, paddedRowFloats, type VectorStore,
} from '../src/vector-store.js';

const rowsOf = (n: number, dim: number) => Float32Array.from({ length: n * dim }, (_, i) => i + 1);

function storeOf(dim: number, capacity: number, wasmMemory: boolean, shared = false): F32VectorStore {
  return new F32VectorStore({ dim, capacity, shared, wasmMemory, headBytes: 4096 });
}

describe('F32VectorStore', () => {
  it('describes itself to WebAssembly: encoding id, base address after the head, row stride padded to 8 floats', () => {
    const store = storeOf(3, 4, true);
    expect(store.encodingId).toBe(VECTOR_ENCODING_IDS.f32);
    expect(store.memory).not.toBeNull();
    expect(store.baseAddress).toBe(4096);
    expect(store.rowBytes).toBe(32);
    expect(paddedRowFloats(8)).toBe(8);
    expect(paddedRowFloats(9)).toBe(16);
    const plain = storeOf(3, 4, false);
    expect(plain.memory).toBeNull();
    expect(plain.baseAddress).toBe(0);
  });

  it('writes and reads rows (padding stays zero), normalising on request', () => {
    const store = storeOf(3, 4, true);
    store.write(1, Float32Array.of(9, 3, 0, 4), 1, false);
    store.write(2, Float32Array.of(3, 0, 4), 0, true);
    const out = new Float32Array(5);
    store.read(1, out, 2);
    expect([...out]).toEqual([0, 0, 3, 0, 4]);
    store.read(2, out, 0);
    expect([...out.subarray(0, 3)]).toEqual([Math.fround(0.6), 0, Math.fround(0.8)]);
    const raw = new Float32Array(store.memory!.buffer, store.baseAddress + store.rowBytes, 8);
    expect([...raw]).toEqual([3, 0, 4, 0, 0, 0, 0, 0]);
  });

  for (const dim of [3, 8]) {
    it(`copies rows in bulk, unpadded, and hands them out as bytes (dim ${dim})`, () => {
      const store = storeOf(dim, 5, dim === 3);
      const rows = rowsOf(5, dim);
      store.writeRows(rows, 5, false);
      const out = new Float32Array(3 * dim);
      store.readRows(1, 3, out, 0);
      expect([...out]).toEqual([...rows.subarray(dim, 4 * dim)]);
      const chunks: number[] = [];
      store.forEachRowChunk(5, (bytes) => chunks.push(...new Float32Array(bytes.slice().buffer)));
      expect(chunks).toEqual([...rows]);
    });
  }

  it('grows keeping its rows, moving to a plain buffer when there is no wasm memory', () => {
    for (const wasm of [true, false]) {
      const store = storeOf(3, 2, wasm);
      store.writeRows(rowsOf(2, 3), 2, false);
      expect(store.grow(2, 2)).toBe(false);
      expect(store.grow(100, 2)).toBe(true);
      expect(store.capacity).toBe(100);
      const out = new Float32Array(6);
      store.readRows(0, 2, out, 0);
      expect([...out]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('attaches to the same bytes from a descriptor (what a worker does)', () => {
    for (const wasm of [true, false]) {
      const owner = storeOf(3, 4, wasm, true);
      const view: VectorStore = attachVectorStore(owner.describe());
      expect(view.baseAddress).toBe(owner.baseAddress);
      view.write(3, Float32Array.of(7, 8, 9), 0, false);
      const out = new Float32Array(3);
      owner.read(3, out, 0);
      expect([...out]).toEqual([7, 8, 9]);
    }
  });
});

describe('GraphStore arrays (GRAPH_ARRAYS)', () => {
  const shape = { dim: 5, m: 4, shared: true, wasmMemory: true };

  it('allocates, grows and fills every per-node array from the one table', () => {
    const store = new GraphStore(shape, 3);
    const arrays = store as unknown as Record<string, Int32Array | Uint8Array | Float64Array>;
    for (const a of GRAPH_ARRAYS) {
      if (a.perNode !== null) expect(arrays[a.name].length, a.name).toBe(3 * a.perNode(store));
    }
    store.labels[2] = 42;
    store.upperOffsets[2] = 7;
    store.reserve(10);
    expect(store.capacity).toBe(10);
    for (const a of GRAPH_ARRAYS) {
      if (a.perNode === null) continue;
      const array = arrays[a.name];
      expect(array.length, a.name).toBe(10 * a.perNode(store));
      expect(array[array.length - 1], a.name).toBe(a.fill);
      expect(array.buffer, a.name).toBeInstanceOf(SharedArrayBuffer);
    }
    expect([store.labels[2], store.upperOffsets[2], store.upperOffsets[3]]).toEqual([42, 7, -1]);
    expect(store.vectors.capacity).toBe(10);
  });

  it('attaches a worker view to the same buffers, every array of the table included', () => {
    const store = new GraphStore(shape, 4);
    store.reserveUpper(3);
    const view = GraphStore.attach(store.buffers());
    const a = store as unknown as Record<string, { buffer: ArrayBufferLike }>;
    const b = view as unknown as Record<string, { buffer: ArrayBufferLike }>;
    for (const spec of GRAPH_ARRAYS) expect(b[spec.name].buffer, spec.name).toBe(a[spec.name].buffer);
    expect([view.capacity, view.generation, view.stride0, view.batchCapacity]).toEqual(
      [store.capacity, store.generation, store.stride0, store.batchCapacity]);
    expect(view.vectors.memory).toBe(store.vectors.memory);
    view.levels[1] = 3;
    view.vectors.write(1, Float32Array.of(1, 2, 3, 4, 5), 0, false);
    expect(store.levels[1]).toBe(3);
    const out = new Float32Array(5);
    store.vectors.read(1, out, 0);
    expect([...out]).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('Int8VectorStore', () => {
  const int8Store = (keepOriginals: boolean, wasmMemory = true) => new Int8VectorStore({
    dim: 20, capacity: 2, shared: true, wasmMemory, headBytes: 4096, keepOriginals, symmetric: false,
  });
  const row = (seed: number) => Float32Array.from({ length: 20 }, (_, i) => Math.sin(seed + i));

  it('is encoding 1, rows padded to 16 codes; holds float32 rows until trained, then encodes them', () => {
    const store = int8Store(false);
    expect(store.encodingId).toBe(VECTOR_ENCODING_IDS.int8);
    expect(store.rowBytes).toBe(32);
    store.write(0, row(1), 0, false);
    expect(store.trained).toBe(false);
    const held = new Float32Array(20);
    store.read(0, held, 0);
    expect([...held]).toEqual([...row(1)]);
    store.train(row(1), 1, 1);
    expect(store.originals).toBeNull();
    expect(store.codes.subarray(20, 32).every((c) => c === 0)).toBe(true);
  });

  it('grows keeping codes and originals; a worker attaches to the same codes, ranges and originals', () => {
    const store = int8Store(true);
    store.train(Float32Array.of(...row(1), ...row(2)), 2, 0);
    store.write(0, row(1), 0, false);
    store.write(1, row(2), 0, false);
    expect(store.grow(5, 2)).toBe(true);
    const copy = attachVectorStore(store.describe()) as Int8VectorStore;
    expect(copy.scale).toBe(store.scale);
    expect([...copy.codes.subarray(32, 52)]).toEqual([...store.codes.subarray(32, 52)]);
    const out = new Float32Array(20);
    copy.read(1, out, 0);
    expect([...out]).toEqual([...row(2)]);
  });
});
