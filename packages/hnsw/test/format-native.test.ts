// The native format: round trips in every space, growth after loading,
// vectors saved apart, brute force, unaligned input, and the Node file methods.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BruteForceIndex, CorruptFileError, HnswIndex, NATIVE_HEADER_BYTES, NATIVE_MAGIC, closePool, nmslib, readNativeHeader,
  type Space,
} from '../src/index.node.js';
import { BruteForceIndex as PortableBruteForceIndex, HnswIndex as PortableHnswIndex } from '../src/index.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';
import { clustered } from './helpers/data.js';

const n = 500;
const queries = clustered(50, 20, 2);

const built = new Map<string, HnswIndex>();

/** A seeded index of n points; built once per argument set (tests must not modify it). */
function build(space: Space, dim: number, options: Partial<ConstructorParameters<typeof HnswIndex>[0]> = {}): HnswIndex {
  const key = JSON.stringify([space, dim, options]);
  let index = built.get(key);
  if (index === undefined) {
    index = new HnswIndex({ space, dim, m: 8, efConstruction: 40, seed: 7, ...options });
    index.addBatch(clustered(n, dim, 1));
    built.set(key, index);
  }
  return index;
}

function sameResults(a: HnswIndex | BruteForceIndex, b: HnswIndex | BruteForceIndex, q: Float32Array, efSearch = 50): void {
  const ra = a.searchBatch(q, 10, { efSearch });
  const rb = b.searchBatch(q, 10, { efSearch });
  expect(Array.from(rb.labels)).toEqual(Array.from(ra.labels));
  expect(Array.from(rb.distances)).toEqual(Array.from(ra.distances));
}

describe('native format round trip', () => {
  for (const space of ['l2', 'ip', 'cosine'] as Space[]) {
    for (const dim of space === 'l2' ? [20, 32] : [20]) {
      it(`keeps every byte of the index (${space}, dim ${dim})`, () => {
        const index = new HnswIndex({
          space, dim, m: 8, efConstruction: 40, seed: 7, efSearch: 33, neighborSelection: space === 'ip' ? 'simple' : 'heuristic',
        });
        index.addBatch(clustered(n, dim, 1));
        for (let label = 0; label < n; label += 97) index.markDeleted(label);
        const bytes = index.toBytes();
        const header = readNativeHeader(bytes);
        expect(header.count).toBe(n);
        expect(header.dim).toBe(dim);
        expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(NATIVE_MAGIC));
        const back = HnswIndex.fromBytes(bytes);
        expect(back).toBeInstanceOf(HnswIndex);
        expect(back.toBytes()).toEqual(bytes);
        expect([back.space, back.dim, back.m, back.efConstruction, back.efSearch, back.seed, back.neighborSelection])
          .toEqual([index.space, index.dim, index.m, index.efConstruction, index.efSearch, index.seed, index.neighborSelection]);
        expect(back.size).toBe(index.size);
        expect(back.deletedCount).toBe(index.deletedCount);
        expect(back.isDeleted(97)).toBe(true);
        expect(back.getVector(5)).toEqual(index.getVector(5));
        expect(checkGraphInvariants(back.store, { reachability: false })).toEqual([]);
        const q = dim === 20 ? queries : clustered(50, dim, 2);
        sameResults(index, back, q);
      });
    }
  }

  it('lets a loaded index keep growing exactly as the original (seed and generator state kept)', () => {
    const dim = 20;
    const data = clustered(n, dim, 1);
    const whole = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 40, seed: 11 });
    whole.addBatch(data);
    const half = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 40, seed: 11 });
    half.addBatch(data.subarray(0, (n / 2) * dim));
    const resumed = HnswIndex.fromBytes(half.toBytes());
    resumed.addBatch(data.subarray((n / 2) * dim));
    expect(resumed.toBytes()).toEqual(whole.toBytes());
    // ... and can be saved and loaded again.
    sameResults(whole, HnswIndex.fromBytes(resumed.toBytes()), queries);
  });

  it('keeps labels, reused slots and the next default label', () => {
    const index = new HnswIndex({ space: 'l2', dim: 4, m: 4, allowReplaceDeleted: true });
    index.addBatch([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], { labels: [10, 2 ** 40, 7] });
    index.markDeleted(7);
    index.add([0, 0, 0, 1], 99);  // takes the deleted slot of 7
    const back = HnswIndex.fromBytes(index.toBytes());
    expect(back.allowReplaceDeleted).toBe(true);
    expect(Array.from(back.labels()).sort((a, b) => a - b)).toEqual([10, 99, 2 ** 40]);
    expect(back.has(7)).toBe(false);
    expect(back.add([1, 1, 1, 1])).toBe(index.add([1, 1, 1, 1]));
  });

  it('round-trips an empty index', () => {
    const empty = new HnswIndex({ space: 'cosine', dim: 3 });
    const back = HnswIndex.fromBytes(empty.toBytes());
    expect(back.size).toBe(0);
    expect(back.search([1, 2, 3], 5).labels.length).toBe(0);
    back.add([1, 2, 3]);
    expect(back.search([1, 2, 3], 1).labels[0]).toBe(0);
  });

  it('reads from any byte offset (copies once when unaligned) and from a Buffer', () => {
    const index = build('l2', 20);
    const bytes = index.toBytes();
    for (const shift of [1, 3, 4, 8]) {
      const holder = new Uint8Array(bytes.length + shift);
      holder.set(bytes, shift);
      sameResults(index, HnswIndex.fromBytes(holder.subarray(shift)), queries);
    }
    sameResults(index, HnswIndex.fromBytes(Buffer.from(bytes)), queries);
    const js = HnswIndex.fromBytes(bytes, { kernel: 'js' });
    expect(js.kernel).toBe('js');
    expect(Array.from(js.searchBatch(queries, 10, { efSearch: 50 }).labels))
      .toEqual(Array.from(index.searchBatch(queries, 10, { efSearch: 50 }).labels));
    expect(() => HnswIndex.fromBytes(bytes, { kernal: 'js' } as never)).toThrow(/unknown load option `kernal`/);
  });

  it('round-trips a BruteForceIndex and refuses to load one kind as the other', () => {
    const exact = new BruteForceIndex({ space: 'cosine', dim: 20 });
    exact.addBatch(clustered(300, 20, 4));
    exact.markDeleted(3);
    const bytes = exact.toBytes();
    const back = BruteForceIndex.fromBytes(bytes);
    expect(back.toBytes()).toEqual(bytes);
    sameResults(exact, back, queries);
    expect(() => HnswIndex.fromBytes(bytes)).toThrow(/brute-force index, not a hnsw index/);
    expect(() => BruteForceIndex.fromBytes(build('l2', 20).toBytes())).toThrow(/hnsw index, not a brute-force/);
  });
});

describe('saving without vectors', () => {
  for (const space of ['l2', 'cosine'] as Space[]) {
    it(`reattaches the same vectors, checked by CRC (${space})`, () => {
      const dim = 20;
      const data = clustered(n, dim, 1);
      const index = build(space, dim);
      const full = index.toBytes();
      const graph = index.toBytes({ vectors: false });
      expect(graph.length).toBe(full.length - n * dim * 4);
      const back = HnswIndex.fromBytes(graph, { vectors: data });
      expect(back.toBytes()).toEqual(full);
      sameResults(index, back, queries);
    });
  }

  it('refuses missing, extra, miscounted or different vectors', () => {
    const dim = 20;
    const data = clustered(n, dim, 1);
    const index = build('l2', dim);
    const graph = index.toBytes({ vectors: false });
    expect(() => HnswIndex.fromBytes(graph)).toThrow(/saved without vectors: pass its 500 vectors/);
    expect(() => HnswIndex.fromBytes(index.toBytes(), { vectors: data })).toThrow(/must not be given/);
    expect(() => HnswIndex.fromBytes(graph, { vectors: data.subarray(dim) })).toThrow(/one row per stored node: 500 \(got 499\)/);
    const changed = data.slice();
    changed[1234] += 0.5;
    expect(() => HnswIndex.fromBytes(graph, { vectors: changed })).toThrow(/do not match .*checksum mismatch/);
    expect(() => index.toBytes({ vectors: 'no' as never })).toThrow(TypeError);
  });
});

describe('Node file methods', () => {
  let folder = '';
  afterAll(async () => {
    if (folder !== '') await rm(folder, { recursive: true, force: true });
  });

  it('saves atomically (no temporary file left), overwrites, and loads the Node class', async () => {
    folder = await mkdtemp(join(tmpdir(), 'smallworld-format-'));
    const path = join(folder, 'index.swi');
    const index = build('l2', 20);
    await writeFile(path, 'an older file');
    await index.save(path);
    expect(await readdir(folder)).toEqual(['index.swi']);
    expect(new Uint8Array(await readFile(path))).toEqual(index.toBytes());
    const back = await HnswIndex.load(path);
    expect(back).toBeInstanceOf(HnswIndex);
    expect(typeof back.save).toBe('function');
    sameResults(index, back, queries);

    await index.save(path, { vectors: false });
    sameResults(index, await HnswIndex.load(path, { vectors: clustered(n, 20, 1) }), queries);
    expect(HnswIndex.fromBytes(index.toBytes())).toBeInstanceOf(PortableHnswIndex);
  });

  it('leaves the old file intact when the save fails, and refuses a corrupt file', async () => {
    const path = join(folder, 'keep.swi');
    const index = build('l2', 20);
    await index.save(path);
    const before = await readFile(path);
    await expect(index.save(join(folder, 'missing-folder', 'x.swi'))).rejects.toThrow(/ENOENT/);
    await expect(index.save(path, { vectors: 1 as never })).rejects.toThrow(TypeError);
    expect(await readFile(path)).toEqual(before);
    const names = await readdir(folder);
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await writeFile(path, before.subarray(0, NATIVE_HEADER_BYTES + 100));
    await expect(HnswIndex.load(path)).rejects.toThrow(CorruptFileError);
  });
});

describe('BruteForceIndex save / load (Node entry)', () => {
  let folder = '';
  afterAll(async () => {
    if (folder !== '') await rm(folder, { recursive: true, force: true });
  });

  it('saves atomically, loads the Node class with the same exact results, deleted marks and labels', async () => {
    folder = await mkdtemp(join(tmpdir(), 'smallworld-brute-'));
    const path = join(folder, 'exact.swi');
    const exact = new BruteForceIndex({ space: 'cosine', dim: 20 });
    exact.addBatch(clustered(n, 20, 1), { labels: Array.from({ length: n }, (_, i) => 3 * i + 1) });
    exact.markDeleted(4);
    await writeFile(path, 'an older file');
    await exact.save(path);
    expect(await readdir(folder)).toEqual(['exact.swi']);
    expect(new Uint8Array(await readFile(path))).toEqual(exact.toBytes());
    const back = await BruteForceIndex.load(path);
    expect(back).toBeInstanceOf(BruteForceIndex);
    expect(typeof back.save).toBe('function');
    expect(back.isDeleted(4)).toBe(true);
    expect(Array.from(back.labels())).toEqual(Array.from(exact.labels()));
    sameResults(exact, back, queries);
    expect(BruteForceIndex.fromBytes(exact.toBytes())).toBeInstanceOf(PortableBruteForceIndex);

    await exact.save(path, { vectors: false });
    sameResults(exact, await BruteForceIndex.load(path, { vectors: clustered(n, 20, 1) }), queries);
  });

  it('refuses an HnswIndex file and a truncated one, and keeps the old file when a save fails', async () => {
    const hnswPath = join(folder, 'graph.swi');
    await build('l2', 20).save(hnswPath);
    await expect(BruteForceIndex.load(hnswPath)).rejects.toThrow(/^this file holds a hnsw index, not a brute-force index$/);
    const path = join(folder, 'keep.swi');
    const exact = new BruteForceIndex({ space: 'l2', dim: 20 });
    exact.addBatch(clustered(50, 20, 3));
    await exact.save(path);
    const before = await readFile(path);
    await expect(exact.save(path, { vectors: 1 as never })).rejects.toThrow(TypeError);
    expect(await readFile(path)).toEqual(before);
    await writeFile(path, before.subarray(0, NATIVE_HEADER_BYTES + 10));
    await expect(BruteForceIndex.load(path)).rejects.toThrow(CorruptFileError);
  });
});

describe('nmslib facade saveIndex / loadIndex', () => {
  afterAll(async () => {
    await closePool();
  });

  it('saves with and without data and loads both ways, as nmslib', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smallworld-nmslib-'));
    try {
      const dim = 20;
      const points = clustered(300, dim, 1);
      const ids = Array.from({ length: 300 }, (_, i) => 1000 + 2 * i);
      const built = nmslib.init({ space: 'l2', dim });
      built.addDataPointBatch(points, ids);
      await built.createIndex({ M: 8, efConstruction: 40, indexThreadQty: 1 });
      const want = built.knnQuery(queries.subarray(0, dim), 5);
      await built.saveIndex(join(dir, 'with.swi'));
      await built.saveIndex(join(dir, 'without.swi'), false);

      const withData = nmslib.init({ space: 'l2' });
      await withData.loadIndex(join(dir, 'with.swi'));
      expect(withData.size).toBe(300);
      expect(withData.knnQuery(queries.subarray(0, dim), 5)).toEqual(want);

      const withoutData = nmslib.init({ space: 'l2', dim });
      await expect(withoutData.loadIndex(join(dir, 'without.swi'), false)).rejects.toThrow(/call addDataPointBatch first/);
      withoutData.addDataPointBatch(points.subarray(0, 100 * dim), ids.slice(0, 100));
      withoutData.addDataPointBatch(points.subarray(100 * dim), ids.slice(100));
      await withoutData.loadIndex(join(dir, 'without.swi'), false);
      expect(withoutData.knnQuery(queries.subarray(0, dim), 5)).toEqual(want);

      const otherIds = nmslib.init({ space: 'l2', dim });
      otherIds.addDataPointBatch(points);
      await expect(otherIds.loadIndex(join(dir, 'without.swi'), false)).rejects.toThrow(/point 0 of the file has id 1000/);
      await expect(nmslib.init({ space: 'cosinesimil' }).loadIndex(join(dir, 'with.swi'))).rejects.toThrow(/holds a 'l2' index/);
      await expect(built.saveIndex(join(dir, 'x.swi'), 'yes' as never)).rejects.toThrow(TypeError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
