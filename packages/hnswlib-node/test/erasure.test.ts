// The drop-in's BruteforceSearch.removePoint is a real removal (as hnswlib's):
// the removed vector is in no file written afterwards.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containsFloats } from '../../hnsw/test/helpers/bytes.js';
import { seededRandom } from '../../hnsw/test/helpers/data.js';
import { BruteforceSearch } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'smallworld-hnswlib-node-erasure-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('BruteforceSearch.removePoint', () => {
  it('erases the vector: absent from the file written after it, the others still there', () => {
    const dim = 16;
    const rnd = seededRandom(31);
    const points = Array.from({ length: 50 }, () => Float32Array.from({ length: dim }, () => rnd() * 2 - 1));
    const index = new BruteforceSearch('l2', dim);
    index.initIndex(50);
    points.forEach((p, i) => index.addPoint(p, i));
    const before = join(directory, 'before.bin');
    index.writeIndexSync(before);
    expect(containsFloats(readFileSync(before), points[7]!)).toBe(true);
    index.removePoint(7);
    const after = join(directory, 'after.bin');
    index.writeIndexSync(after);
    expect(containsFloats(readFileSync(after), points[7]!)).toBe(false);
    expect(containsFloats(readFileSync(after), points[8]!)).toBe(true);
    expect(index.getCurrentCount()).toBe(49);
    expect(index.searchKnn(points[7]!, 1).neighbors[0]).not.toBe(7);
  });
});
