// Saving and loading: the native format on disk (save/load, atomic), in
// memory (toBytes/fromBytes, e.g. for IndexedDB or a network response), a
// file without the vectors, and hnswlib's .bin layout.
// Run: pnpm --filter @smallworld/examples exec tsx save-load.ts

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptFileError, HnswIndex } from '@smallworld/hnsw';
import { check, makeVectors } from './shared.js';

const dim = 24;
const data = makeVectors(3_020, dim, 11);
const vectors = data.subarray(0, 3_000 * dim);
const queries = data.subarray(3_000 * dim);
const k = 5;

const index = new HnswIndex({ space: 'l2', dim, m: 12, efConstruction: 80, seed: 42 });
index.addBatch(vectors);
const expected = index.searchBatch(queries, k);

/** True when two indexes give the same labels and distances for every query. */
function sameResults(other: HnswIndex): boolean {
  const got = other.searchBatch(queries, k);
  return got.labels.every((label, i) => label === expected.labels[i])
    && got.distances.every((d, i) => d === expected.distances[i]);
}

const folder = await mkdtemp(join(tmpdir(), 'smallworld-example-'));
try {
  // 1. A file: save writes a temporary file and renames it over the path,
  // so a crash midway never leaves a half-written index.
  const path = join(folder, 'vectors.hnsw');
  await index.save(path);
  const loaded = await HnswIndex.load(path);
  console.log(`saved ${index.size} points to ${(await stat(path)).size} bytes; loaded ${loaded.size}`);
  check(loaded.size === index.size && loaded.m === 12 && loaded.seed === 42, 'the loaded index lost its parameters');
  check(sameResults(loaded), 'the loaded index answers differently');

  // The level generator's state is saved too: the loaded copy keeps
  // growing exactly as the original would.
  const more = makeVectors(200, dim, 12);
  index.addBatch(more);
  loaded.addBatch(more);
  const a = index.search(queries.subarray(0, dim), k).labels;
  const b = loaded.search(queries.subarray(0, dim), k).labels;
  check(a.every((label, i) => label === b[i]), 'the loaded index grew differently from the original');

  // 2. Bytes: the same format in a Uint8Array.
  const bytes = index.toBytes();
  const copy = HnswIndex.fromBytes(bytes);
  check(copy.size === index.size, 'fromBytes lost points');

  // A damaged byte is caught by the per-section CRC-32, never loaded.
  const damaged = bytes.slice();
  damaged[damaged.length - 9] ^= 0xff;
  let error: unknown;
  try {
    HnswIndex.fromBytes(damaged);
  } catch (e) {
    error = e;
  }
  check(error instanceof CorruptFileError, 'a damaged buffer was not refused with CorruptFileError');
  console.log(`damaged buffer refused: ${(error as Error).message}`);

  // 3. Graph only (nmslib's save_data=False): the caller keeps the vectors
  // elsewhere and hands them back at load, in the order they were added.
  const original = new HnswIndex({ space: 'l2', dim, seed: 42 });
  original.addBatch(vectors);
  const graphPath = join(folder, 'graph-only.hnsw');
  await original.save(graphPath, { vectors: false });
  const graphOnly = await HnswIndex.load(graphPath, { vectors });
  const full = original.toBytes().length;
  const slim = (await readFile(graphPath)).length;
  console.log(`graph without vectors: ${slim} bytes instead of ${full}`);
  check(slim < full, 'the file without vectors is not smaller');
  check(graphOnly.search(queries.subarray(0, dim), 1).labels[0] === original.search(queries.subarray(0, dim), 1).labels[0],
    'the graph-only file loaded with its vectors answers differently');

  // 4. hnswlib's .bin layout, readable by hnswlib (Python, C++) and hnswlib-node.
  const binPath = join(folder, 'index.bin');
  await original.saveHnswlib(binPath);
  const fromHnswlib = await HnswIndex.loadHnswlib(binPath, { space: 'l2', dim });
  check(fromHnswlib.size === original.size, 'the hnswlib round trip lost points');
  const viaBin = fromHnswlib.search(queries.subarray(0, dim), k).labels;
  const direct = original.search(queries.subarray(0, dim), k).labels;
  check(viaBin.every((label, i) => label === direct[i]), 'the hnswlib round trip answers differently');
  console.log(`hnswlib .bin round trip: ${fromHnswlib.size} points, same answers`);
} finally {
  await rm(folder, { recursive: true, force: true });
}
console.log('save-load: ok');
