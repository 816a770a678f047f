// Index files in hnswlib's layout, both ways with the native hnswlib-node:
// what one writes the other reads, with the same neighbours.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ours from '../src/index.js';
import { fileStepTestHooks } from '../../hnsw/src/format/file-steps.js';
import { clusteredPoints, loadNative, overlap, type HnswlibModule } from './helpers.js';

const { native, reason } = loadNative();
const directory = mkdtempSync(join(tmpdir(), 'smallworld-hnswlib-node-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const DIM = 24;
const points = clusteredPoints(3000, DIM, 21);
const queries = clusteredPoints(100, DIM, 22);

function buildHnsw(lib: HnswlibModule, space: ours.SpaceName, deleted: number[]): ours.HierarchicalNSW {
  const index = new lib.HierarchicalNSW(space, DIM);
  index.initIndex(points.length + 500, 16, 100, 3);
  points.forEach((p, i) => index.addPoint(p, 10 * i + 7));
  for (const label of deleted) index.markDelete(label);
  return index;
}

/** Mean top-10 overlap between two indexes searched with the same ef. */
function meanOverlap(a: ours.HierarchicalNSW, b: ours.HierarchicalNSW, ef: number): number {
  a.setEf(ef);
  b.setEf(ef);
  let sum = 0;
  for (const q of queries) sum += overlap(a.searchKnn(q, 10).neighbors, b.searchKnn(q, 10).neighbors);
  return sum / queries.length;
}

describe('HierarchicalNSW files', () => {
  it('reads back its own file: same state, same results, maxElements kept, ef reset to 10', async () => {
    const index = buildHnsw(ours, 'l2', [17, 27]);
    index.setEf(64);
    const file = join(directory, 'own.bin');
    expect(await index.writeIndex(file)).toBe(true);
    const loaded = new ours.HierarchicalNSW('l2', DIM);
    expect(await loaded.readIndex(file)).toBe(true);
    expect([loaded.getMaxElements(), loaded.getCurrentCount(), loaded.getEf()]).toEqual([points.length + 500, points.length, 10]);
    expect(loaded.getIdsList().sort((x, y) => x - y)).toEqual(index.getIdsList().sort((x, y) => x - y));
    expect(() => loaded.getPoint(17)).toThrow('Hnswlib Error: Label not found');
    expect(loaded.getPoint(37)).toEqual(index.getPoint(37));
    loaded.setEf(64);
    for (const q of queries.slice(0, 20)) expect(loaded.searchKnn(q, 10)).toEqual(index.searchKnn(q, 10));
    loaded.unmarkDelete(17);
    loaded.addPoint(points[0], 1);
    expect(loaded.getCurrentCount()).toBe(points.length + 1);

    const replacing = new ours.HierarchicalNSW('l2', DIM);
    replacing.readIndexSync(file, true);
    expect(() => replacing.addPoint(points[5], 17)).toThrow(/Can't use addPoint to update deleted elements/);
    replacing.addPoint(points[5], 99999, true);
    expect(replacing.getCurrentCount()).toBe(points.length);
    expect(replacing.getIdsList().filter((label) => label === 17 || label === 27 || label === 99999)).toHaveLength(2);
    const plain = new ours.HierarchicalNSW('l2', DIM);
    plain.readIndexSync(file);
    expect(() => plain.addPoint(points[5], 99999, true)).toThrow('Hnswlib Error: Replacement of deleted elements is disabled in constructor');
  });

  it('reads and writes its files in chunks (many steps per file): every sync and async form gives the same bytes', async () => {
    const index = buildHnsw(ours, 'l2', [17]);
    const file = join(directory, 'chunked.bin');
    index.writeIndexSync(file);
    const bytes = readFileSync(file);
    fileStepTestHooks.stepBytes = 700;
    try {
      const loaded = new ours.HierarchicalNSW('l2', DIM);
      loaded.readIndexSync(file);
      loaded.writeIndexSync(join(directory, 'chunked-sync.bin'));
      expect(readFileSync(join(directory, 'chunked-sync.bin')).equals(bytes)).toBe(true);
      const loadedAsync = new ours.HierarchicalNSW('l2', DIM);
      await loadedAsync.readIndex(file);
      await loadedAsync.writeIndex(join(directory, 'chunked-async.bin'));
      expect(readFileSync(join(directory, 'chunked-async.bin')).equals(bytes)).toBe(true);
      index.setEf(64);
      loaded.setEf(64);
      for (const q of queries.slice(0, 10)) expect(loaded.searchKnn(q, 10)).toEqual(index.searchKnn(q, 10));
    } finally {
      fileStepTestHooks.stepBytes = 8 * 2 ** 20;
    }
  });

  it('turns a missing, corrupt or mismatched file into hnswlib-node errors', async () => {
    const index = new ours.HierarchicalNSW('l2', DIM);
    expect(() => index.readIndexSync(join(directory, 'missing.bin')))
      .toThrow(`Hnswlib Error: failed to open file: ${join(directory, 'missing.bin')}`);
    await expect(index.readIndex(join(directory, 'missing.bin'))).rejects
      .toThrow(`Hnswlib Error: failed to open file: ${join(directory, 'missing.bin')}`);
    const good = buildHnsw(ours, 'l2', []);
    const file = join(directory, 'cut.bin');
    good.writeIndexSync(file);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 5));
    expect(() => index.readIndexSync(file)).toThrow('Hnswlib Error: Index seems to be corrupted or unsupported');
    await expect(index.readIndex(file)).rejects.toThrow('Hnswlib Error: Index seems to be corrupted or unsupported');
    const unwritable = join(directory, 'no-such-folder', 'x.bin');
    await expect(good.writeIndex(unwritable)).rejects.toThrow(`Hnswlib Error: failed to write file: ${unwritable}`);
    expect(() => good.writeIndexSync(unwritable)).toThrow(`Hnswlib Error: failed to write file: ${unwritable}`);
    writeFileSync(file, bytes);
    expect(() => new ours.HierarchicalNSW('l2', DIM + 1).readIndexSync(file)).toThrow(/^Hnswlib Error: /);
    await expect(new ours.HierarchicalNSW('l2', DIM + 1).readIndex(file)).rejects.toThrow(/^Hnswlib Error: /);
    expect(index.getMaxElements()).toBe(0);
  });

  it('writeIndexSync during addPointsParallel throws INDEX_BUSY and writes nothing; afterwards the file loads whole', async () => {
    const index = new ours.HierarchicalNSW('l2', DIM);
    const some = points.slice(0, 1500);
    index.initIndex(some.length);
    const adding = index.addPointsParallel(some, some.map((_, i) => i), { threads: 2 });
    // The add starts after the previous parallel add (none): one event-loop turn later it is linking on the workers.
    await new Promise((resolve) => setImmediate(resolve));
    const file = join(directory, 'busy.bin');
    expect(() => index.writeIndexSync(file)).toThrow(expect.objectContaining({ code: 'INDEX_BUSY' }));
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    await adding;
    index.writeIndexSync(file);
    const loaded = new ours.HierarchicalNSW('l2', DIM);
    loaded.readIndexSync(file);
    loaded.setEf(100);
    const misses = some.filter((p, i) => loaded.searchKnn(p, 1).neighbors[0] !== i).length;
    expect(misses).toBe(0);
  });

  describe.skipIf(native === null)(`with the native hnswlib-node${native === null ? ` (skipped: ${reason})` : ''}`, () => {
    for (const space of ['l2', 'ip', 'cosine'] as const) {
      it(`loads a '${space}' index the native addon wrote: >= 99% top-10 overlap at the same ef`, () => {
        const theirs = buildHnsw(native as HnswlibModule, space, [7, 507]);
        const file = join(directory, `native-${space}.bin`);
        theirs.writeIndexSync(file);
        const loaded = new ours.HierarchicalNSW(space, DIM);
        loaded.readIndexSync(file);
        expect([loaded.getMaxElements(), loaded.getCurrentCount()]).toEqual([theirs.getMaxElements(), theirs.getCurrentCount()]);
        expect(loaded.getIdsList().sort((a, b) => a - b)).toEqual(theirs.getIdsList().sort((a, b) => a - b));
        expect(() => loaded.getPoint(7)).toThrow('Hnswlib Error: Label not found');
        expect(loaded.getPoint(17)).toEqual(theirs.getPoint(17));
        expect(meanOverlap(loaded, theirs, 50)).toBeGreaterThanOrEqual(0.99);
      });

      it(`writes a '${space}' index the native addon loads: >= 99% top-10 overlap at the same ef`, async () => {
        const mine = buildHnsw(ours, space, [7, 507]);
        const file = join(directory, `ours-${space}.bin`);
        await mine.writeIndex(file);
        const loaded = new (native as HnswlibModule).HierarchicalNSW(space, DIM);
        await loaded.readIndex(file);
        expect([loaded.getMaxElements(), loaded.getCurrentCount()]).toEqual([mine.getMaxElements(), mine.getCurrentCount()]);
        expect(() => loaded.getPoint(507)).toThrow('Hnswlib Error: Label not found');
        expect(loaded.getPoint(17)).toEqual(mine.getPoint(17));
        expect(meanOverlap(loaded, mine, 50)).toBeGreaterThanOrEqual(0.99);
        // The native index keeps working on our graph.
        const fresh = points[1].map((x) => x + 0.01);
        loaded.addPoint(fresh, 1);
        expect(loaded.getCurrentCount()).toBe(points.length + 1);
        if (space === 'l2') expect(loaded.searchKnn(fresh, 1).neighbors).toEqual([1]);
      });
    }
  });
});

describe('BruteforceSearch files', () => {
  function buildExact(lib: HnswlibModule): ours.BruteforceSearch {
    const index = new lib.BruteforceSearch('ip', DIM);
    index.initIndex(600);
    points.slice(0, 500).forEach((p, i) => index.addPoint(p, i * 2));
    index.removePoint(4);
    return index;
  }

  it('reads back its own file', () => {
    const index = buildExact(ours);
    const file = join(directory, 'exact-own.bin');
    index.writeIndexSync(file);
    const loaded = new ours.BruteforceSearch('ip', DIM);
    loaded.readIndexSync(file);
    expect([loaded.getMaxElements(), loaded.getCurrentCount()]).toEqual([600, 499]);
    for (const q of queries.slice(0, 10)) expect(loaded.searchKnn(q, 5)).toEqual(index.searchKnn(q, 5));
    const cut = join(directory, 'exact-cut.bin');
    writeFileSync(cut, readFileSync(file).subarray(0, 100));
    expect(() => loaded.readIndexSync(cut)).toThrow('Hnswlib Error: Index seems to be corrupted or unsupported');
  });

  it.skipIf(native === null)('reads what the native addon writes and writes what it reads', async () => {
    const theirs = buildExact(native as HnswlibModule);
    const mine = buildExact(ours);
    const theirFile = join(directory, 'exact-native.bin');
    const myFile = join(directory, 'exact-ours.bin');
    await theirs.writeIndex(theirFile);
    await mine.writeIndex(myFile);
    const fromTheirs = new ours.BruteforceSearch('ip', DIM);
    await fromTheirs.readIndex(theirFile);
    const fromMine = new (native as HnswlibModule).BruteforceSearch('ip', DIM);
    await fromMine.readIndex(myFile);
    expect(fromTheirs.getCurrentCount()).toBe(499);
    expect(fromMine.getCurrentCount()).toBe(499);
    for (const q of queries.slice(0, 10)) {
      const truth = theirs.searchKnn(q, 5).neighbors;
      expect(fromTheirs.searchKnn(q, 5).neighbors).toEqual(truth);
      expect(fromMine.searchKnn(q, 5).neighbors).toEqual(truth);
    }
  });
});
