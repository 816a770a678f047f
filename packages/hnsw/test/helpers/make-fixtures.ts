// Writes the golden files of test/fixtures/ from fixture-indexes.ts. Run only on a
// deliberate format change: the point of the files is that they do not change.
//   node --conditions=source --import tsx packages/hnsw/test/helpers/make-fixtures.ts

import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { toHnswlibBytes } from '../../src/format/hnswlib.js';
import { FIXTURE_QUERIES, FIXTURE_SPACES, fixtureBruteForce, fixtureIndex } from './fixture-indexes.js';
const dir = fileURLToPath(new URL('../fixtures', import.meta.url));
const expected: Record<string, { labels: number[]; distances: number[] }> = {};
for (const space of FIXTURE_SPACES) {
  const index = fixtureIndex(space);
  writeFileSync(`${dir}/${space}.v1.hnsw`, index.toBytes());
  const r = index.searchBatch(FIXTURE_QUERIES, 5, { efSearch: 20 });
  expected[space] = { labels: Array.from(r.labels), distances: Array.from(r.distances) };
}
const l2 = fixtureIndex('l2');
writeFileSync(`${dir}/l2.hnswlib.bin`, toHnswlibBytes(l2));
const bf = fixtureBruteForce();
writeFileSync(`${dir}/brute-force.v1.hnsw`, bf.toBytes());
const r = bf.searchBatch(FIXTURE_QUERIES, 5);
expected['brute-force'] = { labels: Array.from(r.labels), distances: Array.from(r.distances) };
writeFileSync(`${dir}/expected-results.json`, JSON.stringify(expected) + '\n');
