// Files read and written in chunks: save/load (native) and saveHnswlib/
// loadHnswlib, async and sync, against toBytes/toHnswlibBytes byte for byte,
// with every section spread over many steps; truncation at every section
// boundary; the one-buffer limit; a real > 2 GiB file when asked for.

import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BruteForceIndex, CorruptFileError, HnswIndex, SmallworldError, SmallworldRangeError, closePool, readNativeHeader,
  type Space,
} from '../src/index.node.js';
import { MAX_BUFFER_BYTES, checkBufferSize, fileStepTestHooks, type FileDecoder } from '../src/format/file-steps.js';
import { planHnswlib } from '../src/format/hnswlib.js';
import { planNative } from '../src/format/native.js';
import { readDecoded, readDecodedSync } from '../src/node/streamed-file.js';
import { clustered, seededRandom } from './helpers/data.js';

const SECTION_NAMES = ['vectors', 'links0', 'upperOffsets', 'upperLinks', 'levels', 'labels', 'deleted'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smallworld-streamed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await closePool();
});

/** A seeded index with upper levels, deleted points and labels past 2^32 (so every section has bytes). */
function build(space: Space, dim: number): HnswIndex {
  const index = new HnswIndex({ space, dim, m: 4, efConstruction: 20, seed: 3 });
  const rows = 700;
  index.addBatch(clustered(rows, dim, 5), { labels: Array.from({ length: rows }, (_, i) => i * 7 + 2 ** 33) });
  for (let i = 0; i < rows; i += 9) index.markDeleted(i * 7 + 2 ** 33);
  return index;
}

function expectSameIndex(a: HnswIndex, b: HnswIndex): void {
  expect(Buffer.from(b.toBytes()).equals(Buffer.from(a.toBytes()))).toBe(true);
  const q = clustered(20, a.dim, 9);
  const ra = a.searchBatch(q, 10);
  const rb = b.searchBatch(q, 10);
  expect(Array.from(rb.labels)).toEqual(Array.from(ra.labels));
  expect(Array.from(rb.distances)).toEqual(Array.from(ra.distances));
}

/** Step sizes that split every section into many steps, at odd offsets (and a row across two steps). */
const STEP_SIZES = [1000, 333];

describe.each(STEP_SIZES)('streamed files with %i-byte steps', (stepBytes) => {
  beforeAll(() => {
    fileStepTestHooks.stepBytes = stepBytes;
  });
  afterAll(() => {
    fileStepTestHooks.stepBytes = 8 * 2 ** 20;
  });

  it.each([['l2', 20], ['cosine', 13]] as const)('native %s dim %i: save/load and saveSync/loadSync round-trip exactly, byte for byte toBytes', async (space, dim) => {
    const index = build(space, dim);
    const file = join(dir, `native-${space}-${stepBytes}.hnsw`);
    await index.save(file);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(index.toBytes()))).toBe(true);
    expectSameIndex(index, await HnswIndex.load(file));
    const syncFile = join(dir, `native-sync-${space}-${stepBytes}.hnsw`);
    index.saveSync(syncFile);
    expect(Buffer.from(readFileSync(syncFile)).equals(Buffer.from(index.toBytes()))).toBe(true);
    const loaded = HnswIndex.loadSync(syncFile);
    expectSameIndex(index, loaded);
    // The loaded index keeps growing as the saved one would.
    const more = clustered(30, dim, 11);
    index.addBatch(more);
    loaded.addBatch(more);
    expectSameIndex(index, loaded);
  });

  it('native without vectors, and brute force, round-trip through files', async () => {
    const index = build('l2', 16);
    const file = join(dir, `graph-only-${stepBytes}.hnsw`);
    await index.save(file, { vectors: false });
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(index.toBytes({ vectors: false })))).toBe(true);
    const vectors = new Float32Array(index.store.count * 16);
    for (let node = 0; node < index.store.count; node++) index.store.vectors.read(node, vectors, node * 16);
    expectSameIndex(index, await HnswIndex.load(file, { vectors }));

    const exact = new BruteForceIndex({ space: 'ip', dim: 9 });
    exact.addBatch(clustered(300, 9, 4));
    exact.markDeleted(17);
    const exactFile = join(dir, `exact-${stepBytes}.hnsw`);
    await exact.save(exactFile);
    expect(Buffer.from(readFileSync(exactFile)).equals(Buffer.from(exact.toBytes()))).toBe(true);
    const back = await BruteForceIndex.load(exactFile);
    expect(Buffer.from(back.toBytes()).equals(Buffer.from(exact.toBytes()))).toBe(true);
  });

  it.each([[false, 'l2', 20], [true, 'cosine', 13]] as const)('native version 2 (int8, rerank %s, %s dim %i): codes and ranges over many steps round-trip exactly, with and without vectors', async (rerank, space, dim) => {
    const index = new HnswIndex({ space, dim, m: 4, efConstruction: 20, seed: 3, quantization: 'int8', rerank });
    const rows = clustered(700, dim, 5);
    index.addBatch(rows);
    for (let i = 0; i < 700; i += 9) index.markDeleted(i);
    const file = join(dir, `int8-${space}-${rerank}-${stepBytes}.hnsw`);
    await index.save(file);
    const bytes = readFileSync(file);
    expect(Buffer.from(bytes).equals(Buffer.from(index.toBytes()))).toBe(true);
    expect(readNativeHeader(bytes)).toMatchObject({ version: 2, quantization: 'int8', rerank });
    const loaded = HnswIndex.loadSync(file);
    expect(loaded.quantization).toBe('int8');
    expect(loaded.clampedVectors).toBe(index.clampedVectors);
    expectSameIndex(index, loaded);
    const graphOnly = join(dir, `int8-graph-${space}-${rerank}-${stepBytes}.hnsw`);
    index.saveSync(graphOnly, { vectors: false });
    expectSameIndex(index, await HnswIndex.load(graphOnly, { vectors: rows }));
  });

  it.each([['l2', 20], ['ip', 7]] as const)('hnswlib %s dim %i: saveHnswlib/loadHnswlib and their sync forms round-trip exactly, byte for byte toHnswlibBytes', async (space, dim) => {
    const index = build(space, dim);
    const expected = Buffer.from(index.toHnswlibBytes());
    const file = join(dir, `hnswlib-${space}-${stepBytes}.bin`);
    await index.saveHnswlib(file);
    expect(Buffer.from(readFileSync(file)).equals(expected)).toBe(true);
    const loaded = await HnswIndex.loadHnswlib(file, { space, dim });
    // A loaded index's capacity is its count: the header's max_elements is passed on.
    expect(Buffer.from(loaded.toHnswlibBytes({ maxElements: index.capacity })).equals(expected)).toBe(true);
    const syncFile = join(dir, `hnswlib-sync-${space}-${stepBytes}.bin`);
    index.saveHnswlibSync(syncFile);
    expect(Buffer.from(readFileSync(syncFile)).equals(expected)).toBe(true);
    const loadedSync = HnswIndex.loadHnswlibSync(syncFile, { space, dim });
    expect(Buffer.from(loadedSync.toHnswlibBytes({ maxElements: index.capacity })).equals(expected)).toBe(true);
    const q = clustered(20, dim, 9);
    expect(Array.from(loadedSync.searchBatch(q, 10).labels)).toEqual(Array.from(index.searchBatch(q, 10).labels));
  });
});

describe('truncated and damaged files', () => {
  const index = build('l2', 20);
  const bytes = index.toBytes();
  const header = readNativeHeader(bytes);

  /** Every boundary: each section's first byte and its last, and the end of its padding. */
  const cuts: [number, string][] = [[0, 'header'], [100, 'header']];
  header.sections.forEach(({ offset, length }, s) => {
    cuts.push([offset, SECTION_NAMES[s]], [offset + length - 1, SECTION_NAMES[s]]);
  });
  cuts.push([bytes.length - 1, 'deleted']);

  it.each(cuts)('a file cut at byte %i fails to load, naming the %s', async (cut, section) => {
    const file = join(dir, `cut-${cut}.hnsw`);
    writeFileSync(file, bytes.subarray(0, cut));
    for (const load of [() => HnswIndex.load(file), async () => HnswIndex.loadSync(file)]) {
      const error = await load().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptFileError);
      const message = (error as Error).message;
      expect(message.startsWith(file)).toBe(true);
      expect(message).toContain(cut < 16 ? 'too short' : section);
    }
  });

  it.each(SECTION_NAMES.map((name, s) => [name, s] as const))('a flipped byte in the %s section is a checksum mismatch naming it', async (name, s) => {
    const { offset, length } = header.sections[s];
    const damaged = bytes.slice();
    damaged[offset + Math.floor(length / 2)] ^= 0x10;
    const file = join(dir, `flip-${name}.hnsw`);
    writeFileSync(file, damaged);
    await expect(HnswIndex.load(file)).rejects.toThrow(new RegExp(`${name} section checksum mismatch`));
    expect(() => HnswIndex.loadSync(file)).toThrow(CorruptFileError);
  });

  it('an hnswlib file cut short fails to load as a CorruptFileError naming the file', async () => {
    const hnswlib = index.toHnswlibBytes();
    for (const cut of [50, 96, 96 + 3 * (4 * 17 + 80 + 8), hnswlib.length - 4]) {
      const file = join(dir, `cut-${cut}.bin`);
      writeFileSync(file, hnswlib.subarray(0, cut));
      await expect(HnswIndex.loadHnswlib(file, { space: 'l2', dim: 20 })).rejects.toThrow(CorruptFileError);
      expect(() => HnswIndex.loadHnswlibSync(file, { space: 'l2', dim: 20 })).toThrow(new RegExp(`^${file}: hnswlib index: `));
    }
  });

  it('a file that shrinks while it is read fails naming the section being read', async () => {
    const file = join(dir, 'shrinks.bin');
    writeFileSync(file, new Uint8Array(64));
    // A decoder told the file is longer than it is: what a file truncated after its length was taken looks like.
    function* decoder(fileLength: number): FileDecoder<number> {
      yield { into: new Uint8Array(fileLength + 10), at: 0, section: 'links0 section' };
      return 0;
    }
    await expect(readDecoded(file, 'native index', decoder)).rejects.toThrow(
      `${file}: native index: the file ends at byte 64, inside the links0 section (bytes 0 to 74; truncated file)`);
    expect(() => readDecodedSync(file, 'native index', decoder)).toThrow(CorruptFileError);
  });

  it('a missing file is the file system error, and a failed save leaves the index writable', async () => {
    await expect(HnswIndex.load(join(dir, 'absent.hnsw'))).rejects.toMatchObject({ code: 'ENOENT' });
    const copy = build('l2', 8);
    await expect(copy.save(join(dir, 'no-such-folder', 'x.hnsw'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(copy.add(new Float32Array(8).fill(0.5))).toBeGreaterThan(0);
  });
});

describe('while a streamed save runs', () => {
  afterEach(() => {
    fileStepTestHooks.stepBytes = 8 * 2 ** 20;
  });

  it('calls that change the index throw INDEX_BUSY; reads work; afterwards writes work again', async () => {
    fileStepTestHooks.stepBytes = 512;
    const index = build('l2', 20);
    const before = Buffer.from(index.toBytes());
    const saving = index.save(join(dir, 'busy.hnsw'));
    // File I/O completes on the event loop, never between microtasks: after these the save is in flight.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    const busy = { code: 'INDEX_BUSY' };
    expect(() => index.add(new Float32Array(20))).toThrow(expect.objectContaining(busy));
    expect(() => index.addBatch(new Float32Array(40))).toThrow(expect.objectContaining(busy));
    expect(() => index.markDeleted(2 ** 33)).toThrow(expect.objectContaining(busy));
    expect(() => index.unmarkDeleted(2 ** 33)).toThrow(expect.objectContaining(busy));
    expect(() => index.reserve(10_000)).toThrow(expect.objectContaining(busy));
    await expect(index.addBatchParallel(new Float32Array(40), { threads: 2 })).rejects.toBeInstanceOf(SmallworldError);
    expect(index.search(new Float32Array(20), 3).labels.length).toBe(3);
    await saving;
    expect(Buffer.from(readFileSync(join(dir, 'busy.hnsw'))).equals(before)).toBe(true);
    index.add(new Float32Array(20));
    expect(index.size).toBe(700 - 78 + 1);
  });
});

describe('the one-buffer limit of toBytes and toHnswlibBytes', () => {
  it('is a TOO_LARGE range error past MAX_BUFFER_BYTES that names the streaming method', () => {
    expect(() => checkBufferSize(MAX_BUFFER_BYTES, 'toBytes', 'save')).not.toThrow();
    const error = (() => {
      try {
        checkBufferSize(MAX_BUFFER_BYTES + 1, 'toBytes', 'save (or saveSync)');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(SmallworldRangeError);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ code: 'TOO_LARGE' });
    expect((error as Error).message).toBe(
      `toBytes: the file would be ${MAX_BUFFER_BYTES + 1} bytes, more than one buffer holds (${MAX_BUFFER_BYTES}); use save (or saveSync), which writes and reads it in chunks`);
  });

  it('is checked against the size the plan computes, which is the file size', () => {
    const index = build('cosine', 11);
    const bytes = index.toBytes();
    expect(planNative(index, readNativeHeader(bytes).hnsw).size).toBe(bytes.length);
    expect(planHnswlib(index).size).toBe(index.toHnswlibBytes().length);
  });
});

const LARGE = process.env.SMALLWORLD_LARGE_FILE_TEST === '1';

describe.skipIf(!LARGE)('a real file past 2 GiB (SMALLWORLD_LARGE_FILE_TEST=1; needs ~7 GiB of RAM and disk)', () => {
  it('saves and loads natively (async and sync) and in hnswlib\'s layout, with the same results', async () => {
    const dim = 1024;
    const n = 540_000; // 540k x 1024 f32 = 2.06 GiB of vectors alone
    const index = new HnswIndex({ space: 'l2', dim, m: 2, efConstruction: 4, capacity: n, seed: 1 });
    const random = seededRandom(12);
    const chunk = new Float32Array(20_000 * dim);
    for (let first = 0; first < n; first += 20_000) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = random();
      index.addBatch(chunk);
    }
    const q = clustered(5, dim, 3);
    const expected = index.searchBatch(q, 10);
    const same = (other: HnswIndex): void => {
      const found = other.searchBatch(q, 10);
      expect(Array.from(found.labels)).toEqual(Array.from(expected.labels));
      expect(Array.from(found.distances)).toEqual(Array.from(expected.distances));
    };

    const file = join(dir, 'large.hnsw');
    await index.save(file);
    expect(statSync(file).size).toBeGreaterThan(2 ** 31);
    let loaded: HnswIndex | null = await HnswIndex.load(file);
    same(loaded);
    loaded.saveSync(`${file}.sync`);
    loaded = null;
    expect(statSync(`${file}.sync`).size).toBe(statSync(file).size);
    truncateSync(file, 0);
    same(HnswIndex.loadSync(`${file}.sync`));
    await rm(`${file}.sync`);

    const bin = join(dir, 'large.bin');
    index.saveHnswlibSync(bin);
    expect(statSync(bin).size).toBeGreaterThan(2 ** 31);
    same(await HnswIndex.loadHnswlib(bin, { space: 'l2', dim }));
    await rm(bin);
  }, 30 * 60_000);
});
