// A synchronous copy of an index (toBytes, toHnswlibBytes) during
// addBatchParallel would hold a graph mid-insert: it throws INDEX_BUSY
// instead, and the copy taken once the build is awaited is whole.

import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, SmallworldError, closePool, toHnswlibBytes } from '../src/index.node.js';
import { clustered } from './helpers/data.js';

const dim = 16;

afterAll(async () => {
  await closePool();
});

/** Every stored point, searched for, comes back first. */
function expectEveryPointFindsItself(index: HnswIndex, data: Float32Array): void {
  const n = data.length / dim;
  const result = index.searchBatch(data, 1, { efSearch: 100 });
  let misses = 0;
  for (let i = 0; i < n; i++) if (result.labels[i] !== i) misses++;
  expect(misses).toBe(0);
}

function busyCode(copy: () => unknown): string | undefined {
  try {
    copy();
  } catch (error) {
    return error instanceof SmallworldError ? error.code : String(error);
  }
  return undefined;
}

describe('copies during addBatchParallel', () => {
  it('toBytes and toHnswlibBytes throw INDEX_BUSY until the build is awaited; then the copies load whole', async () => {
    const data = clustered(4000, dim, 71);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    index.addBatch(data.subarray(0, 500 * dim));
    const build = index.addBatchParallel(data.subarray(500 * dim), { threads: 2 });
    expect(busyCode(() => index.toBytes())).toBe('INDEX_BUSY');
    expect(busyCode(() => index.toBytes({ vectors: false }))).toBe('INDEX_BUSY');
    expect(busyCode(() => index.toHnswlibBytes())).toBe('INDEX_BUSY');
    expect(busyCode(() => toHnswlibBytes(index))).toBe('INDEX_BUSY');
    await build;
    expect(index.size).toBe(4000);
    const native = HnswIndex.fromBytes(index.toBytes());
    expectEveryPointFindsItself(native, data);
    const hnswlib = HnswIndex.fromHnswlibBytes(toHnswlibBytes(index), { space: 'l2', dim });
    expect(hnswlib).toBeInstanceOf(HnswIndex);
    expectEveryPointFindsItself(hnswlib, data);
  });

  it('a queued build counts too, and a single-thread build never blocks a copy after it returns', async () => {
    const data = clustered(3000, dim, 72);
    const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 64 });
    const first = index.addBatchParallel(data.subarray(0, 1500 * dim), { threads: 2 });
    const second = index.addBatchParallel(data.subarray(1500 * dim), { threads: 2 });
    await first;
    expect(busyCode(() => index.toBytes())).toBe('INDEX_BUSY');
    await second;
    expect(busyCode(() => index.toBytes())).toBeUndefined();
    void index.addBatchParallel(data.subarray(0, dim), { threads: 1, labels: [0] });
    expect(busyCode(() => index.toBytes())).toBeUndefined();
    expectEveryPointFindsItself(HnswIndex.fromBytes(index.toBytes()), data);
  });
});
