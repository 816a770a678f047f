// The types hnswlib-node exports, and the translations between its search
// arguments/results and the engine's.

import { metricOfHnswlibName, type SearchResult as EngineSearchResult, type Space } from '@smallworld/hnsw';
import { toUint32 } from './arguments.js';
import { nativeError } from './errors.js';

/** Distance for search index. `l2`: sum((x_i - y_i)^2), `ip`: 1 - sum(x_i * y_i), `cosine`: 1 - sum(x_i * y_i) / norm(x) * norm(y). */
export type SpaceName = 'l2' | 'ip' | 'cosine';

/** Search result object: nearest first. */
export interface SearchResult {
  /** The distances of the nearest neighbors found. */
  distances: number[];
  /** The labels of the nearest neighbors found. */
  neighbors: number[];
}

/** Function for filtering elements by its labels. */
export type FilterFunction = (label: number) => boolean;

/** Throws hnswlib-node's error unless `name` is one of its three spaces. */
export function checkSpaceName(name: string): Space {
  // The spaces mean the same in both: 'cosine' normalises at insert and query, then 1 - dot.
  const metric = metricOfHnswlibName(name);
  if (metric === undefined) throw nativeError('INVALID_ARGUMENT', 'Wrong space name, expected "l2", "ip", or "cosine".');
  return metric.space;
}

/**
 * `numNeighbors` as hnswlib-node reads it (modulo 2^32); throws its error
 * for a k above `maxElements`.
 */
export function checkK(numNeighbors: number, maxElements: number): number {
  const k = toUint32(numNeighbors);
  if (k > maxElements) {
    throw nativeError('INVALID_ARGUMENT',
      `Invalid the number of k-nearest neighbors (cannot be given a value greater than \`maxElements\`: ${maxElements}).`);
  }
  return k;
}

export function emptyResult(): SearchResult {
  return { distances: [], neighbors: [] };
}

/** The engine's typed arrays as hnswlib-node's plain arrays (float32 distances, as hnswlib's). */
export function toSearchResult(result: EngineSearchResult): SearchResult {
  return { distances: Array.from(result.distances), neighbors: Array.from(result.labels) };
}
