// Golden files: the code writes the same bytes for the same seeded index as
// the committed files, and reads them to the same search results. A refactor
// that changes a byte of the format fails here.

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
    it(`${space}: the same index writes the same bytes`, () => {
      expect(Buffer.from(fixtureIndex(space).toBytes()).equals(fixture(`${space}.v1.hnsw`))).toBe(true);
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
  it('the same index writes the same bytes, and the file loads to the same results', () => {
    expect(Buffer.from(toHnswlibBytes(fixtureIndex('l2'))).equals(fixture('l2.hnswlib.bin'))).toBe(true);
    const loaded = fromHnswlibBytes(fixture('l2.hnswlib.bin'), { space: 'l2', dim: 12 });
    const r = loaded.searchBatch(FIXTURE_QUERIES, 5, { efSearch: 20 });
    expect(Array.from(r.labels)).toEqual(expected.l2.labels);
  });
});
