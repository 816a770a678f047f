// The shared worker pool is reference-counted by the parallel calls running on
// it: closing it (one library's index.close() or closePool()) never fails
// another index's running build or search.

import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, closePool } from '../src/index.node.js';
import { clustered } from './helpers/data.js';

const dim = 16;

afterAll(async () => {
  await closePool();
});

describe('closePool with two users', () => {
  it('lets running builds and searches of other indexes finish, then closes', async () => {
    const a = new HnswIndex({ space: 'l2', dim, efConstruction: 64, seed: 1 });
    const b = new HnswIndex({ space: 'l2', dim, efConstruction: 64, seed: 2 });
    const dataA = clustered(1500, dim, 11);
    const dataB = clustered(1000, dim, 12);
    const order: string[] = [];
    const buildA = a.addBatchParallel(dataA, { threads: 2 }).then(() => order.push('build a'));
    // Another library closes the pool while a's build runs, then starts its own build.
    const closed = closePool().then(() => order.push('closed'));
    const buildB = b.addBatchParallel(dataB, { threads: 2 }).then(() => order.push('build b'));
    await Promise.all([buildA, buildB, closed]);
    expect(order.indexOf('closed')).toBe(2);
    expect(a.size).toBe(1500);
    expect(b.size).toBe(1000);
    // Both graphs are whole: every point finds itself.
    for (const [index, data] of [[a, dataA], [b, dataB]] as const) {
      const result = await index.searchBatchParallel(data.subarray(0, 200 * dim), 1, { threads: 2, efSearch: 64 });
      let self = 0;
      for (let i = 0; i < 200; i++) if (result.labels[i] === i) self++;
      expect(self).toBeGreaterThanOrEqual(198);
    }
    // a's close() while b searches: b's search completes.
    const search = b.searchBatchParallel(dataB, 5, { threads: 2 });
    const closing = a.close();
    const result = await search;
    await closing;
    expect(Array.from(result.counts).every((c) => c === 5)).toBe(true);
  });

  it('closes at once when no call holds the pool, and a later call starts a new one', async () => {
    await closePool();
    const index = new HnswIndex({ space: 'l2', dim, seed: 3 });
    const data = clustered(500, dim, 13);
    await index.addBatchParallel(data, { threads: 2 });
    await closePool();
    await index.addBatchParallel(clustered(500, dim, 14), { threads: 2 });
    expect(index.size).toBe(1000);
  });
});
