// ShardedIndex: routing, merge order and ties across shards, filters and
// deletes across shards, recall against exact search, and its folder: round
// trip, manifest/shard mismatches, missing or damaged shards, and a crash at
// every step of a save (child processes ended by the commit's test hook).

import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BruteForceIndex, CorruptFileError, SHARDED_MANIFEST_NAME, ShardedIndex, closePool, maxNodesPerWasmMemory, shardOfLabel,
  type BatchSearchResult,
} from '../src/index.node.js';
import { commitTestHooks } from '../src/node/atomic-file.js';
import { clustered, exactTopK, recallAt } from './helpers/data.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-sharded-'));
});
afterAll(async () => {
  await closePool();
  await rm(dir, { recursive: true, force: true });
});

const dim = 8;
const data = clustered(600, dim, 3);
const queries = clustered(20, dim, 4);

function build(shards = 3, n = 600): ShardedIndex {
  const index = new ShardedIndex({ shards, space: 'l2', dim, m: 8, efConstruction: 64, efSearch: 64 });
  index.addBatch(data.subarray(0, n * dim));
  return index;
}

/** The shards' own top-k of one query, merged by hand: (distance, label) ascending. */
function mergedByHand(index: ShardedIndex, query: Float32Array, k: number): { label: number; distance: number }[] {
  const all = index.shards.flatMap((shard) => {
    const r = shard.search(query, k);
    return Array.from(r.labels, (label, i) => ({ label, distance: r.distances[i] }));
  });
  return all.sort((a, b) => a.distance - b.distance || a.label - b.label).slice(0, k);
}

function rows(result: BatchSearchResult): number[][] {
  return Array.from({ length: result.length }, (_, i) => Array.from(result.get(i).labels));
}

describe('routing', () => {
  it('sends a label to one shard, whatever the label pattern, evenly', () => {
    for (const step of [1, 2, 3, 1024, 2 ** 32]) {
      const counts = [0, 0, 0];
      for (let i = 0; i < 30000; i++) counts[shardOfLabel(i * step, 3)]++;
      for (const count of counts) expect(Math.abs(count - 10000)).toBeLessThan(500);
    }
    expect(shardOfLabel(Number.MAX_SAFE_INTEGER, 7)).toBe(shardOfLabel(Number.MAX_SAFE_INTEGER, 7));
    expect(shardOfLabel(5, 1)).toBe(0);
    const index = build();
    for (let label = 0; label < 600; label++) expect(index.shards[shardOfLabel(label, 3)].has(label)).toBe(true);
    expect(index.shards.map((s) => s.size).reduce((a, b) => a + b)).toBe(600);
  });

  it('sizes shards from the layout byte counts and checks shards and capacity', () => {
    const index = new ShardedIndex({ shards: 2, space: 'l2', dim: 128 });
    // One search slot for the calling thread and one per core (each adds its visited set and heaps per node).
    expect(index.maxShardSize).toBe(maxNodesPerWasmMemory(128, 16, 'f32', availableParallelism() + 1));
    expect(index.maxShardSize * 512).toBeLessThanOrEqual(2 ** 32);
    expect(ShardedIndex.minShards(9_000_000, 128, 8)).toBe(2);
    expect(() => new ShardedIndex({ shards: 0, space: 'l2', dim })).toThrow(RangeError);
    expect(() => new ShardedIndex({ shards: 0, space: 'l2', dim })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: '`shards` must be an integer in [1, 1024] (got 0)' }));
    expect(() => new ShardedIndex({ shards: '2' as unknown as number, space: 'l2', dim })).toThrow(TypeError);
    expect(() => new ShardedIndex({ shards: 1, space: 'l2', dim: 128, capacity: 9_000_000 }))
      .toThrow(/`shards` 1 is too few for capacity 9000000.*at least 2 shards/);
    expect(() => new ShardedIndex({ shards: 2, space: 'l2', dim, efconstruction: 3 } as never)).toThrow(/efconstruction/);
  });
});

describe('adds, updates, deletes across shards', () => {
  it('adds with default labels, updates in place, and changes nothing on a bad batch', () => {
    const index = new ShardedIndex({ shards: 3, space: 'l2', dim });
    index.addBatch(data.subarray(0, 10 * dim));
    expect(index.add(data.subarray(10 * dim, 11 * dim))).toBe(10);
    index.addBatch(data.subarray(11 * dim, 13 * dim), { labels: [100, 7] });
    expect(index.size).toBe(12);
    expect(index.nextDefaultLabel).toBe(101);
    expect(Array.from(index.getVector(7))).toEqual(Array.from(data.subarray(12 * dim, 13 * dim)));
    expect(Array.from(index.labels()).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]);
    const before = index.shards.map((s) => s.size);
    expect(() => index.addBatch(data.subarray(0, 3 * dim), { labels: [200, 201, 200] })).toThrow(expect.objectContaining({ code: 'DUPLICATE_LABEL' }));
    expect(() => index.addBatch(data.subarray(0, 3 * dim), { labels: [300, 301] })).toThrow(expect.objectContaining({ code: 'INVALID_LABEL' }));
    expect(index.shards.map((s) => s.size)).toEqual(before);
    expect(() => index.getVector(55)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LABEL' }));
  });

  it('never returns deleted points, in any shard, and brings them back on unmark', () => {
    const index = build();
    const full = index.searchBatch(queries, 10);
    const gone = new Set(Array.from(full.labels).slice(0, 40));
    for (const label of gone) index.markDeleted(label);
    expect(new Set([...gone].map((l) => index.shardOf(l))).size).toBe(3);
    expect(index.size).toBe(600 - gone.size);
    expect(index.deletedCount).toBe(gone.size);
    for (const label of gone) expect(index.isDeleted(label) && !index.has(label)).toBe(true);
    const after = index.searchBatch(queries, 10);
    for (const label of after.labels) expect(gone.has(label)).toBe(false);
    expect(Array.from(after.counts)).toEqual(new Array(20).fill(10));
    for (const label of gone) index.unmarkDeleted(label);
    expect(rows(index.searchBatch(queries, 10))).toEqual(rows(full));
    expect(() => index.markDeleted(10_000)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LABEL' }));
  });
});

describe('remove and compact across shards', () => {
  it('removes labels for good from their shards, checks the whole batch first, and compacts every shard', async () => {
    const index = build();
    const full = index.searchBatch(queries, 10);
    const gone = Array.from(new Set(Array.from(full.labels))).slice(0, 60);
    expect(new Set(gone.map((l) => index.shardOf(l))).size).toBe(3);
    const sizes = index.shards.map((s) => s.size);
    expect(() => index.removeBatch([gone[0], 10_000])).toThrow(expect.objectContaining({ code: 'UNKNOWN_LABEL', message: '`labels[1]` 10000 is not in the index' }));
    expect(() => index.removeBatch([gone[0], gone[1], gone[0]])).toThrow(expect.objectContaining({ code: 'DUPLICATE_LABEL' }));
    expect(index.shards.map((s) => s.size)).toEqual(sizes);
    index.markDeleted(gone[0]);
    index.removeBatch(gone.slice(0, 59));
    index.remove(gone[59]);
    expect(index.size).toBe(600 - 60);
    expect(index.deletedCount).toBe(0);
    for (const label of gone) expect(index.has(label) || index.isDeleted(label)).toBe(false);
    const exact = new Set(gone);
    const after = index.searchBatch(queries, 10);
    for (const label of after.labels) expect(exact.has(label)).toBe(false);
    expect(Array.from(after.counts)).toEqual(new Array(20).fill(10));

    // Soft-delete more, compact: the same answers, from buffers sized to the points left.
    const soft = Array.from(index.labels()).slice(0, 30);
    for (const label of soft) index.markDeleted(label);
    const before = rows(index.searchBatch(queries, 10));
    index.compact();
    expect([index.size, index.deletedCount]).toEqual([510, 0]);
    expect(rows(index.searchBatch(queries, 10))).toEqual(before);
    for (const shard of index.shards) expect(shard.capacity).toBe(shard.size);
    expect(rows(await index.searchBatchParallel(queries, 10))).toEqual(before);
  });

  it('leaves no removed vector in a saved folder', async () => {
    const index = build(2, 200);
    const label = 17;
    const pattern = Buffer.from(index.getVector(label).buffer.slice(0));
    index.remove(label);
    const folder = join(dir, 'erased');
    await index.save(folder);
    for (const name of await readdir(folder)) expect((await readFile(join(folder, name))).indexOf(pattern)).toBe(-1);
  });
});

describe('search across shards', () => {
  it('merges the shards\' top k by distance, then label, and parallel search agrees', async () => {
    const index = build();
    const batch = index.searchBatch(queries, 7);
    for (let q = 0; q < 20; q++) {
      const want = mergedByHand(index, queries.subarray(q * dim, (q + 1) * dim), 7);
      expect(Array.from(batch.get(q).labels)).toEqual(want.map((w) => w.label));
      expect(Array.from(batch.get(q).distances)).toEqual(want.map((w) => w.distance));
    }
    const parallel = await index.searchBatchParallel(queries, 7, { threads: 2 });
    expect(Array.from(parallel.labels)).toEqual(Array.from(batch.labels));
    expect(Array.from(parallel.distances)).toEqual(Array.from(batch.distances));
    const one = index.search(queries.subarray(0, dim), 7);
    expect(Array.from(one.labels)).toEqual(Array.from(batch.get(0).labels));
  });

  it('puts equal distances in label order across shards', () => {
    const index = new ShardedIndex({ shards: 4, space: 'l2', dim: 2 });
    // The twelve integer points at distance 5 from the origin (squared distance 25, exact in float32),
    // labels scattered over every shard and added in a scrambled order; two points further out.
    const points = [[5, 0], [0, 5], [-5, 0], [0, -5], [3, 4], [4, 3], [-3, 4], [-4, 3], [3, -4], [4, -3], [-3, -4], [-4, -3]];
    const labels = [907, 13, 402, 55, 1000, 2, 77, 3, 640, 18, 250, 99];
    index.addBatch(points, { labels });
    index.addBatch([[9, 9], [10, 10]], { labels: [1, 31] });
    const groups = [0, 0, 0, 0];
    for (const label of labels) groups[index.shardOf(label)]++;
    expect(Math.min(...groups)).toBeGreaterThan(0);
    const sorted = [...labels].sort((a, b) => a - b);
    // Once k covers each shard's tied points, every one of them is a candidate and the merge orders them by label.
    for (let k = Math.max(...groups); k <= 12; k++) {
      const result = index.search([0, 0], k);
      expect(Array.from(result.labels)).toEqual(sorted.slice(0, k));
      expect(Array.from(result.distances)).toEqual(new Array(k).fill(25));
    }
    expect(Array.from(index.search([0, 0], 14).labels)).toEqual([...sorted, 1, 31]);
  });

  it('applies allow-lists and predicates in every shard', async () => {
    const index = build();
    const exact = new BruteForceIndex({ space: 'l2', dim });
    exact.addBatch(data);
    // A few labels in each shard: every shard scans its allowed points exactly.
    const few = [5, 17, 250, 311, 402, 478, 520, 599, 64];
    expect(new Set(few.map((l) => index.shardOf(l))).size).toBe(3);
    const want = exact.searchBatch(queries, 5, { filter: few });
    expect(rows(index.searchBatch(queries, 5, { filter: few }))).toEqual(rows(want));
    expect(rows(await index.searchBatchParallel(queries, 5, { filter: new Set(few), threads: 2 }))).toEqual(rows(want));
    // A larger list: the filtered graph search of each shard.
    const many = new Set(Array.from({ length: 60 }, (_, i) => i * 10));
    const got = index.searchBatch(queries, 5, { filter: many });
    for (const label of got.labels) expect(many.has(label)).toBe(true);
    expect(recallAt(got, exact.searchBatch(queries, 5, { filter: many }))).toBeGreaterThanOrEqual(0.95);
    const odd = index.searchBatch(queries, 10, { filter: (label) => label % 2 === 1 });
    for (const label of odd.labels) expect(label % 2).toBe(1);
    expect(Array.from(odd.counts)).toEqual(new Array(20).fill(10));
  });

  it('finds the exact neighbours as well as one index does (recall@10 >= 0.95)', async () => {
    const base = clustered(3000, 16, 5);
    const qs = clustered(100, 16, 6);
    const index = new ShardedIndex({ shards: 3, space: 'l2', dim: 16, m: 12, efConstruction: 100 });
    await index.addBatchParallel(base, { threads: 2 });
    expect(index.size).toBe(3000);
    expect(index.kernel).toBe('simd');
    expect(recallAt(index.searchBatch(qs, 10, { efSearch: 64 }), exactTopK('l2', 16, base, qs, 10))).toBeGreaterThanOrEqual(0.95);
  });
});

describe('saved as a folder', () => {
  it('round-trips, moves to a new generation on each save, and removes the old one', async () => {
    const index = build();
    index.markDeleted(3);
    const folder = join(dir, 'round');
    await index.save(folder);
    await index.save(folder);
    expect((await readdir(folder)).sort()).toEqual([SHARDED_MANIFEST_NAME, 'shard-0000.g000002.swi', 'shard-0001.g000002.swi', 'shard-0002.g000002.swi']);
    const manifest = JSON.parse(await readFile(join(folder, SHARDED_MANIFEST_NAME), 'utf8'));
    expect(manifest).toMatchObject({ generation: 2, dim, m: 8, size: 599, routing: 'fmix32' });
    const loaded = await ShardedIndex.load(folder);
    expect([loaded.size, loaded.deletedCount, loaded.shardCount, loaded.efConstruction, loaded.isDeleted(3)]).toEqual([599, 1, 3, 64, true]);
    const a = index.searchBatch(queries, 10);
    const b = loaded.searchBatch(queries, 10);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(b.distances)).toEqual(Array.from(a.distances));
  });

  it('keeps changes out of a save in progress: adds and deletes throw INDEX_BUSY, parallel builds wait', async () => {
    const index = build();
    const folder = join(dir, 'busy');
    let late: Promise<void> | undefined;
    const seen: string[] = [];
    commitTestHooks.onStep = (step) => {
      if (step !== 'file:0') return;
      for (const change of [() => index.addBatch(data.subarray(0, dim), { labels: [5000] }), () => index.markDeleted(1)]) {
        try {
          change();
        } catch (error) {
          seen.push((error as { code?: string }).code ?? String(error));
        }
      }
      late = index.addBatchParallel(data.subarray(0, 10 * dim), { labels: Array.from({ length: 10 }, (_, i) => 7000 + i), threads: 2 });
    };
    try {
      await index.save(folder);
    } finally {
      commitTestHooks.onStep = undefined;
    }
    expect(seen).toEqual(['INDEX_BUSY', 'INDEX_BUSY']);
    await late;
    expect(index.size).toBe(610);
    const loaded = await ShardedIndex.load(folder);
    expect([loaded.size, loaded.deletedCount]).toEqual([600, 0]);
  });

  it('refuses shard files that do not belong to the manifest, naming the file', async () => {
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    await build(3, 600).save(one);
    await build(3, 500).save(two);
    const shard1 = 'shard-0001.g000001.swi';
    await copyFile(join(two, shard1), join(one, shard1));
    await expect(ShardedIndex.load(one)).rejects.toThrow(expect.objectContaining({
      code: 'CORRUPT_FILE', message: expect.stringMatching(new RegExp(`${shard1}: shard 1 does not match the manifest`)),
    }));
    // A shard of the same length and counts from another save: only its content (the header's section CRCs) differs.
    const three = join(dir, 'three');
    const four = join(dir, 'four');
    const other = build(3, 600);
    other.add(data.subarray(0, dim), 1);
    await build(3, 600).save(four);
    await other.save(three);
    const shard = `shard-000${other.shardOf(1)}.g000001.swi`;
    await copyFile(join(three, shard), join(four, shard));
    await expect(ShardedIndex.load(four)).rejects.toThrow(new RegExp(`${shard}: shard ${other.shardOf(1)} does not match the manifest`));
    // The manifest of another save (its generation names other files).
    await build().save(two);
    await copyFile(join(two, SHARDED_MANIFEST_NAME), join(one, SHARDED_MANIFEST_NAME));
    await expect(ShardedIndex.load(one)).rejects.toThrow(/shard-0000\.g000002\.swi: shard 0 of 3 is missing/);
  });

  it('names a missing, damaged or foreign file, and a damaged manifest', async () => {
    const folder = join(dir, 'damage');
    const index = build();
    const reset = async () => {
      await rm(folder, { recursive: true, force: true });
      await index.save(folder);
    };
    const shard = join(folder, 'shard-0002.g000001.swi');
    await reset();
    await rm(shard);
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/shard-0002\.g000001\.swi: shard 2 of 3 is missing/);
    await reset();
    const bytes = await readFile(shard);
    bytes[bytes.length - 700] ^= 0x10;
    await writeFile(shard, bytes);
    await expect(ShardedIndex.load(folder)).rejects.toThrow(expect.objectContaining({ code: 'CORRUPT_FILE', message: expect.stringMatching(/shard-0002\.g000001\.swi: .*checksum mismatch/) }));
    bytes[bytes.length - 700] ^= 0x10;
    bytes[100] ^= 1;
    await writeFile(shard, bytes);
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/shard 2 does not match the manifest/);
    await reset();
    await writeFile(shard, (await readFile(shard)).subarray(0, 1000));
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/shard 2 does not match the manifest/);
    await reset();
    const manifestPath = join(folder, SHARDED_MANIFEST_NAME);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, dim: 9 }));
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/shard-0000\.g000001\.swi: shard 0 has dim 8, the manifest says 9/);
    await writeFile(manifestPath, JSON.stringify({ ...manifest, shards: [manifest.shards[1], ...manifest.shards.slice(1)] }));
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/shard 0 file is "shard-0001\.g000001\.swi", expected 'shard-0000\.g000001\.swi'/);
    await writeFile(manifestPath, '{"format":');
    await expect(ShardedIndex.load(folder)).rejects.toThrow(CorruptFileError);
    await rm(manifestPath);
    await expect(ShardedIndex.load(folder)).rejects.toThrow(/manifest\.json: no manifest/);
  });

  it('keeps the previous version loadable after a crash at every step of a save', async () => {
    const entry = fileURLToPath(new URL('../src/index.node.ts', import.meta.url));
    const hooks = fileURLToPath(new URL('../src/node/atomic-file.ts', import.meta.url));
    const script = join(dir, 'crash.mts');
    // Version 1: 300 points, saved. Version 2: 60 more and label 5 deleted, saved with the hook ending the process at one step.
    await writeFile(script, [
      `import { ShardedIndex } from ${JSON.stringify(entry)};`,
      `import { commitTestHooks } from ${JSON.stringify(hooks)};`,
      'const [folder, step] = process.argv.slice(2);',
      'const dim = 4;',
      'const row = (i) => Array.from({ length: dim }, (_, j) => Math.sin(i * 7.1 + j * 1.3));',
      "const index = new ShardedIndex({ shards: 3, space: 'l2', dim, m: 6, efConstruction: 20 });",
      'index.addBatch(Array.from({ length: 300 }, (_, i) => row(i)));',
      'await index.save(folder);',
      'index.addBatch(Array.from({ length: 60 }, (_, i) => row(300 + i)));',
      'index.markDeleted(5);',
      'commitTestHooks.onStep = (at) => { if (at === step) process.exit(75); };',
      'await index.save(folder);',
      'process.exit(0);',
    ].join('\n'));
    const steps = ['file:0', 'file:1', 'file:2', 'manifest', 'committed', 'cleanup:0', 'cleanup:1', 'cleanup:2'];
    const committed = new Set(['committed', 'cleanup:0', 'cleanup:1', 'cleanup:2']);
    const run = (folder: string, step: string) => new Promise<number | null>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script, folder, step], { timeout: 120_000 }, (error) => {
        resolve(error === null ? 0 : (error as { code?: number }).code ?? null);
      });
    });
    const folders = steps.map((step) => join(dir, `crash-${step.replace(':', '-')}`));
    const codes = await Promise.all(steps.map((step, i) => run(folders[i], step)));
    expect(codes).toEqual(steps.map(() => 75));
    for (const [i, step] of steps.entries()) {
      const loaded = await ShardedIndex.load(folders[i]);
      const isNew = committed.has(step);
      expect([step, loaded.size, loaded.isDeleted(5)]).toEqual([step, isNew ? 359 : 300, isNew]);
      // The next save finishes the job: only its generation and the manifest remain, leftovers removed
      // (it takes a generation past any file found, so a crashed save's files are never reused), and
      // so is the temporary file of a save that died mid-file.
      await writeFile(join(folders[i], '.shard-0001.g000002.swi.4242.0123456789ab.tmp'), 'partial');
      await loaded.save(folders[i]);
      expect((await readdir(folders[i])).sort()).toEqual([SHARDED_MANIFEST_NAME, ...[0, 1, 2].map((s) => `shard-000${s}.g000003.swi`)]);
    }
  }, 240_000);
});
