// The query path shared by the main thread and the worker threads: the
// per-call parameters, the choice between graph search and exact scan under
// a filter, and the writing of one result row.

import type { SearchContext } from './algorithms/context.js';
import { exactSearch } from './algorithms/exact-search.js';
import { normalize } from './distance.js';
import { METRICS, type Space } from './metric.js';
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
}

/**
 * @internal What the search of one query needs besides its thread's context:
 * set once per call, shared by `searchBatch` and the worker threads of
 * `searchBatchParallel`, so both return the same labels.
 */
export interface QueryParams {
  k: number;
  ef: number;
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
  const { k, allowedCount, size } = p;
  if (size === 0 || allowedCount === 0) return;
  if (METRICS[p.space].normalize) {
    const row = p.queryRow;
    for (let j = 0; j < p.dim; j++) row[j] = data[offset + j];
    normalize(row, 0, p.dim);
    ctx.kernel.setQuery(row, 0);
  } else {
    ctx.kernel.setQuery(data, offset);
  }

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
  writeResultRow(ctx, found, result, i);
}

/** Drains W into row i of `result`, nearest first, ties by lower node id. */
function writeResultRow(ctx: SearchContext, found: number, result: ResultRows, i: number): void {
  ctx.drainResultsSorted();
  const ids = ctx.sortedIds;
  const dists = ctx.sortedDists;
  for (let a = 1; a < found; a++) {
    const d = dists[a];
    const id = ids[a];
    let b = a - 1;
    while (b >= 0 && dists[b] === d && ids[b] > id) {
      ids[b + 1] = ids[b];
      b--;
    }
    ids[b + 1] = id;
  }
  const base = i * result.k;
  const labels = ctx.store.labels;
  for (let j = 0; j < found; j++) {
    result.labels[base + j] = labels[ids[j]];
    result.distances[base + j] = dists[j];
  }
  result.counts[i] = found;
}
