// hnswlib `.bin` interoperability with the real hnswlib-node (hnswlib 0.8):
// its files load here with the same top-10, ours load there with the same
// top-10, deleted marks survive both ways, and a round trip is byte-exact.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptFileError, SmallworldTypeError, DimensionMismatchError, HnswIndex, SmallworldRangeError, fromHnswlibBytes, readHnswlibHeader,
  toHnswlibBytes, type Space,
} from '../src/index.node.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';
import { clustered } from './helpers/data.js';

const dim = 32;
const n = 2000;
const ef = 40;
const data = clustered(n, dim, 1);
const queries = clustered(200, dim, 2);
const row = (m: Float32Array, i: number) => Array.from(m.subarray(i * dim, (i + 1) * dim));
/** Labels that are neither node ids nor small: 3i + 2^31 (hnswlib-node takes labels as uint32). */
const labelOf = (i: number) => 3 * i + 2 ** 31;
const deletedRows = [5, 77, 1234, 1999];

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'smallworld-hnswlib-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Mean fraction of hnswlib-node's top-k that smallworld also returns, per query. */
function overlap(theirs: hnswlib.HierarchicalNSW, ours: HnswIndex, k: number): number {
  const result = ours.searchBatch(queries, k, { efSearch: ef });
  let same = 0;
  for (let q = 0; q < queries.length / dim; q++) {
    const want = new Set(theirs.searchKnn(row(queries, q), k).neighbors);
    for (const label of result.get(q).labels) if (want.has(label)) same++;
  }
  return same / ((queries.length / dim) * k);
}

describe.each(['l2', 'ip', 'cosine'] as Space[])('hnswlib-node <-> smallworld (%s)', (space) => {
  it('loads an index hnswlib-node wrote: same top-10 at the same ef, deleted marks kept, bytes round-trip', async () => {
    const theirs = new hnswlib.HierarchicalNSW(space, dim);
    theirs.initIndex(n + 500, 16, 100, 100);
    for (let i = 0; i < n; i++) theirs.addPoint(row(data, i), labelOf(i));
    for (const i of deletedRows) theirs.markDelete(labelOf(i));
    theirs.setEf(ef);
    const path = join(folder, `theirs-${space}.bin`);
    await theirs.writeIndex(path);

    const ours = await HnswIndex.loadHnswlib(path, { space, dim });
    expect(ours).toBeInstanceOf(HnswIndex);
    expect([ours.size, ours.deletedCount, ours.m, ours.efConstruction]).toEqual([n - deletedRows.length, deletedRows.length, 16, 100]);
    for (const i of deletedRows) expect(ours.isDeleted(labelOf(i))).toBe(true);
    expect(checkGraphInvariants(ours.store, { reachability: false }).filter((p) => !/self-link|duplicate/.test(p))).toEqual([]);
    expect(overlap(theirs, ours, 10)).toBeGreaterThanOrEqual(0.99);

    const bytes = await readFile(path);
    const header = readHnswlibHeader(bytes);
    expect([header.count, header.maxElements, header.dim, header.m]).toEqual([n, n + 500, dim, 16]);
    const again = fromHnswlibBytes(bytes, { space, dim, capacity: header.maxElements });
    expect(Buffer.compare(Buffer.from(toHnswlibBytes(again)), bytes)).toBe(0);
  });

  it('writes an index hnswlib-node reads: same top-10 at the same ef, deleted marks kept, it can keep adding', async () => {
    const ours = new HnswIndex({ space, dim, m: 16, efConstruction: 100 });
    ours.addBatch(data, { labels: Array.from({ length: n }, (_, i) => labelOf(i)) });
    for (const i of deletedRows) ours.markDeleted(labelOf(i));
    const path = join(folder, `ours-${space}.bin`);
    await ours.saveHnswlib(path);

    const theirs = new hnswlib.HierarchicalNSW(space, dim);
    await theirs.readIndex(path);
    theirs.setEf(ef);
    expect(theirs.getCurrentCount()).toBe(n);
    expect(overlap(theirs, ours, 10)).toBeGreaterThanOrEqual(0.99);
    const deleted = new Set(deletedRows.map(labelOf));
    for (const i of deletedRows) {
      expect(theirs.searchKnn(row(data, i), 10).neighbors.some((label) => deleted.has(label))).toBe(false);
    }
    theirs.resizeIndex(n + 10);
    theirs.addPoint(row(queries, 0), 7);
    expect(theirs.getCurrentCount()).toBe(n + 1);
    if (space !== 'ip') expect(theirs.searchKnn(row(queries, 0), 1).neighbors[0]).toBe(7);
  });
});

describe('hnswlib files smallworld refuses', () => {
  const small = new HnswIndex({ space: 'l2', dim: 8, m: 4 });
  small.addBatch(clustered(50, 8, 3));
  const bytes = toHnswlibBytes(small);

  it('refuses labels of 2^53 or more, naming the label', () => {
    const big = bytes.slice();
    const view = new DataView(big.buffer);
    const header = readHnswlibHeader(big);
    view.setBigUint64(96 + 3 * header.recordBytes + header.recordBytes - 8, 2n ** 53n + 1n, true);
    expect(() => fromHnswlibBytes(big, { space: 'l2', dim: 8 })).toThrow(SmallworldRangeError);
    expect(() => fromHnswlibBytes(big, { space: 'l2', dim: 8 })).toThrow(/node 3 has label 9007199254740993, 2\^53 or more/);
    view.setBigUint64(96 + 3 * header.recordBytes + header.recordBytes - 8, 2n ** 53n - 1n, true);
    expect(fromHnswlibBytes(big, { space: 'l2', dim: 8 }).has(2 ** 53 - 1)).toBe(true);
  });

  it('refuses a wrong dimension, a foreign file and bad options', async () => {
    expect(() => fromHnswlibBytes(bytes, { space: 'l2', dim: 16 })).toThrow(DimensionMismatchError);
    expect(() => fromHnswlibBytes(bytes, { space: 'l2', dim: 16 })).toThrow('`dim` must have dimension 8 (got 16)');
    expect(() => fromHnswlibBytes(bytes, { space: 'l3' as Space, dim: 8 })).toThrow(/`space` must be one of/);
    expect(() => fromHnswlibBytes(new HnswIndex({ space: 'l2', dim: 8 }).toBytes(), { space: 'l2', dim: 8 }))
      .toThrow(CorruptFileError);
    const path = join(folder, 'short.bin');
    await writeFile(path, bytes.subarray(0, 200));
    await expect(HnswIndex.loadHnswlib(path, { space: 'l2', dim: 8 })).rejects.toThrow(CorruptFileError);
  });

  it('refuses save options that are not an object or carry an unknown key (a typo), writing nothing', async () => {
    expect(() => toHnswlibBytes(small, { maxElement: 100 } as never)).toThrow(SmallworldTypeError);
    expect(() => toHnswlibBytes(small, { maxElement: 100 } as never)).toThrow('unknown hnswlib save option `maxElement` (known: maxElements, decodedVectors)');
    expect(() => toHnswlibBytes(small, null as never)).toThrow('hnswlib save options must be an object (got null)');
    const path = join(folder, 'typo.bin');
    await expect(small.saveHnswlib(path, { maxElement: 100 } as never)).rejects.toThrow(/unknown hnswlib save option/);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
    expect(readHnswlibHeader(toHnswlibBytes(small, { maxElements: 100 })).maxElements).toBe(100);
  });

  it('round-trips an empty index both ways', async () => {
    const empty = new HnswIndex({ space: 'ip', dim: 8, m: 4 });
    const path = join(folder, 'empty.bin');
    await empty.saveHnswlib(path);
    const theirs = new hnswlib.HierarchicalNSW('ip', 8);
    await theirs.readIndex(path);
    expect(theirs.getCurrentCount()).toBe(0);
    const back = await HnswIndex.loadHnswlib(path, { space: 'ip', dim: 8 });
    expect(back.size).toBe(0);
    back.add(clustered(1, 8, 1));
    expect(back.size).toBe(1);
  });
});
