// Algorithms 3 and 4 of Malkov & Yashunin (2018): SELECT-NEIGHBORS-SIMPLE and
// SELECT-NEIGHBORS-HEURISTIC(q, C, M, lc, extendCandidates, keepPrunedConnections).
// Paper symbols: C = the candidates (`ids`, `dists`: sorted nearest first,
// distances to the base element q), M = `m`, R = the output
// (`ctx.selectedIds` / `ctx.selectedDists`).

import type { SearchContext } from './context.js';

/**
 * Algorithm 4: keeps a candidate e only if it is closer to q than to every
 * element already kept, so links spread in all directions instead of piling
 * into one cluster. Returns |R|.
 *
 * Deviation from paper: extendCandidates and keepPrunedConnections are off,
 * as in hnswlib (measured there to help only on extreme data); the
 * candidates arrive sorted, so the working queue W of the paper is the array;
 * M or fewer candidates are all kept untested. hnswlib tests exactly M too:
 * with that rule our lists came out identical to hnswlib's (flat graph,
 * same insertion order, 10,000 random rows), but on small graphs of 2-D
 * integer points (repeats, exact ties) it left points unreachable
 * (test/label-table.test.ts's model test, m = 4), so we keep ours.
 */
export function selectNeighborsHeuristic(
  ctx: SearchContext, ids: Int32Array, dists: Float64Array, count: number, m: number,
): number {
  const R = ctx.selectedIds;
  const RDists = ctx.selectedDists;
  if (count <= m) {
    for (let i = 0; i < count; i++) {
      R[i] = ids[i];
      RDists[i] = dists[i];
    }
    return count;
  }
  const kernel = ctx.kernel;
  let size = 0;
  for (let i = 0; i < count && size < m; i++) {
    const e = ids[i];
    const eDist = dists[i];
    let good = true;
    for (let r = 0; r < size; r++) {
      if (kernel.distanceBetween(e, R[r]) < eDist) {
        good = false;
        if (ctx.trace !== null) ctx.rejectedBy[i] = R[r];
        break;
      }
    }
    if (good) {
      R[size] = e;
      RDists[size] = eDist;
      size++;
    }
  }
  return size;
}

/** Algorithm 3: the M nearest candidates. Returns |R|. */
export function selectNeighborsSimple(
  ctx: SearchContext, ids: Int32Array, dists: Float64Array, count: number, m: number,
): number {
  const size = Math.min(count, m);
  for (let i = 0; i < size; i++) {
    ctx.selectedIds[i] = ids[i];
    ctx.selectedDists[i] = dists[i];
  }
  return size;
}

/** The selection the index is configured with (`ctx.heuristic`). */
export function selectNeighbors(
  ctx: SearchContext, ids: Int32Array, dists: Float64Array, count: number, m: number,
): number {
  if (ctx.trace !== null) {
    if (ctx.rejectedBy.length < count) ctx.rejectedBy = new Int32Array(Math.max(count, ctx.sortedIds.length));
    ctx.rejectedBy.fill(-1, 0, count);
  }
  return ctx.heuristic
    ? selectNeighborsHeuristic(ctx, ids, dists, count, m)
    : selectNeighborsSimple(ctx, ids, dists, count, m);
}
