// Golden files (written by the code of 2026-11-30): today's code reads them to
// the same search results and writes them back byte for byte. A refactor that
// changes a byte of the format fails here. The graph a build makes may change
// (it did on 2026-12-01: adds stopped linking to soft-deleted points), so the
// files are compared with a rewrite of themselves, not with a fresh build.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex, fromHnswlibBytes } from '../src/index.node.js';
import { toHnswlibBytes } from '../src/format/hnswlib.js';
import { FIXTURE_QUERIES, FIXTURE_SPACES, fixtureBruteForce, fixtureIndex } from './helpers/fixture-indexes.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const expected = JSON.parse(readFileSync(new URL('./fixtures/expected-results.json', import.meta.url), 'utf8')) as
  Record<string, { labels: number[]; distances: number[] }>;

describe('golden native files (format version 1)', () => {
  for (const space of FIXTURE_SPACES) {
    it(`${space}: the file loaded and saved again is the same bytes`, () => {
      const bytes = fixture(`${space}.v1.hnsw`);
      expect(Buffer.from(HnswIndex.fromBytes(bytes).toBytes()).equals(bytes)).toBe(true);
    });

    it(`${space}: a fresh build of the fixture index still writes a version 1 file of the same size`, () => {
      expect(fixtureIndex(space).toBytes().byteLength).toBe(fixture(`${space}.v1.hnsw`).byteLength);
    });

    it(`${space}: the file loads to the same search results`, () => {
      const r = HnswIndex.fromBytes(fixture(`${space}.v1.hnsw`)).searchBatch(FIXTURE_QUERIES, 5, { efSearch: 20 });
      expect(Array.from(r.labels)).toEqual(expected[space].labels);
      expect(Array.from(r.distances)).toEqual(expected[space].distances);
    });
  }

  it('brute force: same bytes, same results', () => {
    expect(Buffer.from(fixtureBruteForce().toBytes()).equals(fixture('brute-force.v1.hnsw'))).toBe(true);
    const r = BruteForceIndex.fromBytes(fixture('brute-force.v1.hnsw')).searchBatch(FIXTURE_QUERIES, 5);
    expect(Array.from(r.labels)).toEqual(expected['brute-force'].labels);
    expect(Array.from(r.distances)).toEqual(expected['brute-force'].distances);
  });
});

describe('golden hnswlib file', () => {
  it('the file loaded and written again is the same bytes, and loads to the same results', () => {
    const loaded = fromHnswlibBytes(fixture('l2.hnswlib.bin'), { space: 'l2', dim: 12 });
    // The file's max_elements (the capacity of the index that wrote it) is a save option.
    expect(Buffer.from(toHnswlibBytes(loaded, { maxElements: 1024 })).equals(fixture('l2.hnswlib.bin'))).toBe(true);
    const r = loaded.searchBatch(FIXTURE_QUERIES, 5, { efSearch: 20 });
    expect(Array.from(r.labels)).toEqual(expected.l2.labels);
  });
});
