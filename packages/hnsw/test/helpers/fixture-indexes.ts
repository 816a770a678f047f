// The seeded indexes behind the committed golden files in test/fixtures/:
// one per space (with deletes, an update and custom labels), a brute-force
// index, and an hnswlib-format file. The files were written by the code of
// 2026-11-30 (format version 1); the format tests check that today's code
// reads them to the same search results and writes them back byte for byte
// (builds since then make a different graph: adds skip soft-deleted points).
// Regenerate them (make-fixtures.ts) only on a deliberate format change.

import { BruteForceIndex, HnswIndex, type Space } from '../../src/index.node.js';
import { clustered } from './data.js';

export const FIXTURE_SPACES: readonly Space[] = ['l2', 'ip', 'cosine'];
export const FIXTURE_DIM = 12;
export const FIXTURE_QUERIES = clustered(20, FIXTURE_DIM, 99);

/** The fixture HNSW index of `space`, built with one thread. */
export function fixtureIndex(space: Space): HnswIndex {
  const index = new HnswIndex({ space, dim: FIXTURE_DIM, m: 6, efConstruction: 30, seed: 11, allowReplaceDeleted: true });
  const data = clustered(300, FIXTURE_DIM, 5);
  index.addBatch(data.subarray(0, 250 * FIXTURE_DIM));
  index.addBatch(data.subarray(250 * FIXTURE_DIM), { labels: Array.from({ length: 50 }, (_, i) => 1000 + 3 * i) });
  for (let label = 0; label < 250; label += 17) index.markDeleted(label);
  index.add(data.subarray(0, FIXTURE_DIM), 1003);
  index.add(data.subarray(7 * FIXTURE_DIM, 8 * FIXTURE_DIM), 5000);
  return index;
}

/** The fixture brute-force index. */
export function fixtureBruteForce(): BruteForceIndex {
  const index = new BruteForceIndex({ space: 'l2', dim: FIXTURE_DIM });
  index.addBatch(clustered(120, FIXTURE_DIM, 6));
  index.markDeleted(3);
  return index;
}
