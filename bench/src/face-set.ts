// The face-like part of the seed experiment's data (`pnpm demo`, `pnpm bench
// seed`): generated people with several photos each, held-out photos as
// queries, spread like real face descriptors and around them (docs/benchmarks.md).

import { generateSynthetic } from '@smallworld/datasets';
import { SmallworldRangeError } from '@smallworld/hnsw';

/**
 * Median Euclidean distance between two photos of one person with
 * @smallworld/face's descriptors (face-api's dlib-style model): 0.38 over the
 * 38 same-person pairs of the deepface photos' master.csv (different people:
 * median 0.89). A mirrored photo lands at about the same distance (0.36 for
 * face-api's sample1.jpg).
 */
export const SAME_PERSON_DISTANCE = 0.38;

/** Base photos per generated person (the queries are one more photo each). */
export const PHOTOS_PER_IDENTITY = 5;

/** Where generated faces lie: a centre, and per-coordinate standard deviations. */
export interface FaceSpread {
  /** Centre of the people (dim values). */
  centre: Float64Array;
  /** Per-coordinate standard deviation of a person's centre around `centre`. */
  identitySd: number;
  /** Per-coordinate standard deviation of one photo around its person's centre. */
  photoSd: number;
}

/** Per-coordinate standard deviation of one photo around its person's centre, from a same-person distance. */
export function photoSdOf(samePersonDistance: number, dim: number): number {
  // Two photos differ by the difference of two independent N(0, photoSd^2) offsets.
  return samePersonDistance / Math.sqrt(2 * dim);
}

/**
 * The spread of real descriptors (`count` rows): their mean is the centre,
 * and people spread so that a generated photo lies, on average, exactly as
 * far from that centre as the real photos do (their root-mean-square
 * distance to their own mean, not the unbiased estimate of the population's
 * spread). A wider cloud around them, as the seed data once had, leaves the
 * real photos nearer every query than the query's other people are: hubs
 * that starve the graph of links between the generated people (docs/benchmarks.md).
 */
export function spreadOfPhotos(descriptors: Float32Array, count: number, dim: number, samePersonDistance = SAME_PERSON_DISTANCE): FaceSpread {
  if (count < 2) throw new SmallworldRangeError('INVALID_ARGUMENT', `the face-like set needs at least 2 photos besides target.jpg to measure their spread (got ${count})`);
  const centre = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) centre[d] += descriptors[i * dim + d] / count;
  let squares = 0;
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) squares += (descriptors[i * dim + d] - centre[d]) ** 2;
  const totalSd = Math.sqrt(squares / (count * dim));
  const photoSd = photoSdOf(samePersonDistance, dim);
  // Photos of a few look-alikes can be closer together than two photos of one person
  // are: then people differ by as much as one person's photos do, no less.
  const identitySd = Math.sqrt(Math.max(totalSd ** 2 - photoSd ** 2, photoSd ** 2));
  return { centre, identitySd, photoSd };
}

/** Options of `generateFaces`. */
export interface GenerateFacesOptions {
  /** Base photos to make. */
  count: number;
  /** Held-out query photos: one new photo each of people 0, 1, 2, ... (wrapping). */
  queries: number;
  dim: number;
  spread: FaceSpread;
  seed: number;
}

/** Generated faces: base photos and held-out query photos of the same people. */
export interface GeneratedFaces {
  /** `count` x dim base photos; photo i is of person i mod `identities`, so a person's photos are spread over the insertion order. */
  base: Float32Array;
  /** `queries` x dim new photos; query j is of person j mod `identities`. */
  queries: Float32Array;
  identities: number;
}

/**
 * People with PHOTOS_PER_IDENTITY photos each (the last few with one fewer
 * when `count` is not a multiple): person centre + per-photo noise, both
 * normal, seeded. Every query is a new photo of a person in the base.
 */
export function generateFaces({ count, queries, dim, spread, seed }: GenerateFacesOptions): GeneratedFaces {
  const identities = Math.max(1, Math.ceil(count / PHOTOS_PER_IDENTITY));
  const centres = generateSynthetic({ count: identities, dim, seed, generator: 'normal', mean: 0, sd: spread.identitySd }).data;
  const noise = generateSynthetic({ count: count + queries, dim, seed: seed + 2, generator: 'normal', mean: 0, sd: spread.photoSd }).data;
  const rows = new Float32Array((count + queries) * dim);
  for (let i = 0; i < count + queries; i++) {
    const person = (i < count ? i : i - count) % identities;
    for (let d = 0; d < dim; d++) rows[i * dim + d] = spread.centre[d] + centres[person * dim + d] + noise[i * dim + d];
  }
  return { base: rows.subarray(0, count * dim), queries: rows.subarray(count * dim), identities };
}
