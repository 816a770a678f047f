// `pnpm demo`'s data behaves like faces: generated people spread like the
// real descriptors, queries that are new photos of people in the index, the
// real photos no hubs; and the demo itself reaches recall@10 0.9 at a small
// efSearch on the photos face-api ships (one thread: the graph is the same every run).

import { generateSynthetic } from '@smallworld/datasets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/commands.js';
import { PHOTOS_PER_IDENTITY, SAME_PERSON_DISTANCE, generateFaces, spreadOfPhotos } from '../src/face-set.js';
import { truthSharing, type SeedResult } from '../src/seed.js';

const dim = 128;

function distance(a: Float32Array, i: number, b: Float32Array, j: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d] - b[j * dim + d]) ** 2;
  return Math.sqrt(s);
}

function distanceToCentre(rows: Float32Array, i: number, centre: Float64Array): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (rows[i * dim + d] - centre[d]) ** 2;
  return Math.sqrt(s);
}

describe('generated faces', () => {
  // Stand-ins for a few real descriptors: far from the origin, as face-api's are (norm ~1.4).
  const real = generateSynthetic({ count: 6, dim, seed: 11, generator: 'normal', mean: 0.12, sd: 0.045 }).data;
  const spread = spreadOfPhotos(real, 6, dim);
  const faces = generateFaces({ count: 500, queries: 40, dim, spread, seed: 3 });

  it('put two photos of one person SAME_PERSON_DISTANCE apart, and two people farther', () => {
    const people = faces.identities;
    expect(people).toBe(500 / PHOTOS_PER_IDENTITY);
    const same: number[] = [];
    const other: number[] = [];
    for (let i = 0; i < 100; i++) {
      same.push(distance(faces.base, i, faces.base, i + people)); // photo i and i + people: one person
      other.push(distance(faces.base, i, faces.base, i + 1));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
    expect(mean(same)).toBeCloseTo(SAME_PERSON_DISTANCE, 1);
    expect(mean(other)).toBeGreaterThan(1.3 * mean(same));
  });

  it('lie as far from the real photos\' centre as the real photos do, so the photos are no hubs', () => {
    const realMean = [0, 1, 2, 3, 4, 5].reduce((t, i) => t + distanceToCentre(real, i, spread.centre), 0) / 6;
    let generated = 0;
    for (let i = 0; i < 500; i++) generated += distanceToCentre(faces.base, i, spread.centre) / 500;
    expect(generated / realMean).toBeGreaterThan(0.95);
    expect(generated / realMean).toBeLessThan(1.05);
  });

  it('make every query a new photo of a person in the base: its nearest base photos are that person\'s', () => {
    for (let q = 0; q < 40; q++) {
      let best = -1;
      let bestD = Infinity;
      for (let i = 0; i < 500; i++) {
        const d = distance(faces.queries, q, faces.base, i);
        if (d < bestD) [best, bestD] = [i, d];
      }
      expect(best % faces.identities).toBe(q % faces.identities);
      expect(bestD).toBeLessThan(0.6);
    }
  });

  it('refuse to measure the spread of fewer than two photos', () => {
    expect(() => spreadOfPhotos(real, 1, dim)).toThrow('needs at least 2 photos besides target.jpg to measure their spread (got 1)');
  });
});

describe('truthSharing', () => {
  it('counts the most queries sharing one true neighbour and the photos\' share of the slots', () => {
    // 3 queries, k 2; label 0 is a photo (photos = 1) in every query's top 2.
    expect(truthSharing(Float64Array.from([0, 5, 0, 6, 7, 0]), 3, 2, 1)).toEqual({ hubQueries: 3, photoSlotShare: 0.5 });
    expect(truthSharing(Float64Array.from([1, 2, 3, 4]), 2, 2, 0)).toEqual({ hubQueries: 1, photoSlotShare: 0 });
  });
});

describe('pnpm demo', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reaches recall@10 0.9 on face-like queries at efSearch <= 40, finds the mirrored photo first as brute force does, beside hnswlib-node', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // A fifth of the demo's 50,000 (1,000 face-like vectors), same data generator, one thread.
    const code = await main(['demo', '--n', '10000', '--threads', '1', '--json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]) as SeedResult;
    expect(r).toMatchObject({ n: 10000, threads: 1, faces: 1000, faceSource: 'photos', queries: 200, targetMatchesBruteForce: true });
    expect(r.efSearch).toBeLessThanOrEqual(40);
    expect(r.recall).toBeGreaterThanOrEqual(0.9);
    expect(r.targetPhotos![0]).toMatch(/sample1\.jpg$/);
    // Euclidean distance below face-api's 0.6 threshold: the same person, mirrored.
    expect(r.targetDistances[0]).toBeLessThan(0.6);
    // The 6 real photos among 1,000 are no hubs: the old cloud, shifted onto their mean, gave
    // them 27% of the top-10 slots, and one was in 185 of the 200 queries' top 10.
    expect(r.photoSlotShare).toBeLessThan(0.05);
    expect(r.hubQueries).toBeLessThan(100);
    // hnswlib-node on the same vectors, at the same efSearch.
    expect(r.hnswlibRecall).toBeGreaterThanOrEqual(0.85);
    expect(r.hnswlibBuildS).toBeGreaterThan(0);
  }, 180_000);
});
