// The query path shared by the main thread and the worker threads: the
// per-call parameters, the choice between graph search and exact scan under
// a filter, and the writing of one result row.

import type { SearchContext } from './algorithms/context.js';
import { exactSearch } from './algorithms/exact-search.js';
import { normalize } from './distance.js';
import { METRICS, type Space } from './metric.js';
import type { Int8VectorStore } from './vector-store.js';
import type { SearchFilter } from './search-filter.js';

/**
 * A search under an allow-list scans the allowed points exactly (a distance
 * to each of them, no graph) when they are at most this fraction of the live
 * points: the graph would have to visit about ef / fraction nodes to find ef
 * of them, more than the scan costs.
 */
export const EXACT_FILTER_FRACTION = 0.02;

/** Options of `search` and `searchBatch`. */
export interface SearchOptions {
  /**
   * Size of the dynamic candidate list at layer 0 (`ef` in the paper); the
   * search uses max(efSearch, k). Higher: better recall, slower queries.
   * Default: the index's `efSearch` property. Ignored by `BruteForceIndex`.
   */
  efSearch?: number;
  /**
   * Only labels the filter accepts are returned. An allow-list of at most
   * `EXACT_FILTER_FRACTION` of the live points is searched exactly, by a
   * scan of the allowed points only; a larger one, or a predicate, filters
   * the graph search; when the graph finds fewer than k accepted points,
   * the search falls back to the exact scan (of the allowed points under an
   * allow-list, of every point under a predicate).
   */
  filter?: SearchFilter;
  /**
   * An 'int8' index with `rerank`: false searches by code distance only
   * (faster, approximate distances). Default true on such an index; true
   * on any other index is an error.
   */
  rerank?: boolean;
  /** Re-ranking depth of this search (see `BaseIndexOptions.oversample`). Default: the index's. */
  oversample?: number;
}

/**
 * @internal What the search of one query needs besides its thread's context:
 * set once per call, shared by `searchBatch` and the worker threads of
 * `searchBatchParallel`, so both return the same labels.
 */
export interface QueryParams {
  k: number;
  ef: number;
  /** Re-rank k x oversample candidates with the float32 originals (int8 with `rerank`); 0 = no re-ranking. */
  oversample: number;
  /** Allowed live nodes under an allow-list, -1 without one. */
  allowedCount: number;
  /** Live points in the index. */
  size: number;
  /** Whether any point is marked deleted (the graph search then skips them). */
  hasDeleted: boolean;
  space: Space;
  dim: number;
  /** Scratch for the normalised copy of a 'cosine' query. */
  queryRow: Float32Array;
  /** Leaves the k nearest nodes to the kernel's query in ctx.results (the index's K-NN search). */
  nearest: (ctx: SearchContext, k: number, ef: number, filtered: boolean) => number;
}

/** @internal The flat arrays a batch search writes (a `BatchSearchResult` or its shared twin). */
export interface ResultRows {
  readonly k: number;
  readonly labels: Float64Array;
  readonly distances: Float32Array;
  readonly counts: Uint32Array;
}

/** @internal Searches the query at data[offset..] with `ctx` and writes row i of `result`. */
export function searchQueryInto(
  ctx: SearchContext, p: QueryParams, data: Float32Array, offset: number, result: ResultRows, i: number,
): void {
  const { allowedCount, size } = p;
  if (size === 0 || allowedCount === 0) return;
  let query = data;
  let queryOffset = offset;
  if (METRICS[p.space].normalize) {
    const row = p.queryRow;
    for (let j = 0; j < p.dim; j++) row[j] = data[offset + j];
    normalize(row, 0, p.dim);
    query = row;
    queryOffset = 0;
  }
  ctx.kernel.setQuery(query, queryOffset);
  // Re-ranking: find k x oversample by code distance, keep the k nearest by exact distance.
  const k = p.oversample > 0 ? p.k * p.oversample : p.k;

  const filtered = ctx.allowedNodes !== null || ctx.allowedLabel !== null;
  const want = Math.min(k, allowedCount >= 0 ? allowedCount : size);
  let found: number;
  if (allowedCount >= 0 && allowedCount <= EXACT_FILTER_FRACTION * size) {
    found = exactSearch(ctx, k);
  } else {
    found = p.nearest(ctx, k, p.ef, filtered || p.hasDeleted);
    // The graph may not reach enough accepted points under a selective filter: scan instead.
    if (filtered && found < want) found = exactSearch(ctx, k);
  }
  ctx.drainResultsSorted();
  if (p.oversample > 0) rescore(ctx, p.space, query, queryOffset, found);
  writeResultRow(ctx, found, Math.min(found, p.k), result, i);
}

/**
 * Replaces the drained candidates' code distances by exact ones computed
 * from the float32 originals an int8 index keeps (outside the wasm memory).
 */
function rescore(ctx: SearchContext, space: Space, query: Float32Array, queryOffset: number, found: number): void {
  const vectors = ctx.store.vectors as Int8VectorStore;
  const originals = vectors.originals as Float32Array;
  const pair = METRICS[space].pair;
  const dim = vectors.dim;
  const ids = ctx.sortedIds;
  const dists = ctx.sortedDists;
  for (let j = 0; j < found; j++) dists[j] = Math.fround(pair(query, queryOffset, originals, ids[j] * dim, dim));
}

/** Sorts the `found` drained candidates (nearest first, ties by lower node id) and writes the first `keep` into row i of `result`. */
function writeResultRow(ctx: SearchContext, found: number, keep: number, result: ResultRows, i: number): void {
  const ids = ctx.sortedIds;
  const dists = ctx.sortedDists;
  for (let a = 1; a < found; a++) {
    const d = dists[a];
    const id = ids[a];
    let b = a - 1;
    while (b >= 0 && (dists[b] > d || (dists[b] === d && ids[b] > id))) {
      ids[b + 1] = ids[b];
      dists[b + 1] = dists[b];
      b--;
    }
    ids[b + 1] = id;
    dists[b + 1] = d;
  }
  const base = i * result.k;
  const labels = ctx.store.labels;
  for (let j = 0; j < keep; j++) {
    result.labels[base + j] = labels[ids[j]];
    result.distances[base + j] = dists[j];
  }
  result.counts[i] = keep;
}
