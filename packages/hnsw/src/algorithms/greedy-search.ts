// The greedy descent through the upper layers: SEARCH-LAYER with ef = 1 of
// Malkov & Yashunin (2018), used by Algorithm 1 (INSERT) above the new node's
// layer and by Algorithm 5 (K-NN-SEARCH) above layer 0. Written once.

import { acquireLock, releaseLock } from '../locks.js';
import type { SearchContext } from './context.js';
import { traceVisits, type Tracer } from './tracer.js';

/**
 * From entry point `ep` (at distance `epDist` from the query set in the
 * kernel), moves to the closest neighbour while one is closer, layer by layer
 * from `fromLevel` down to `toLevel` exclusive. Leaves the result in
 * `ctx.epNode` / `ctx.epDist`.
 *
 * Deviation from paper: instead of SEARCH-LAYER(q, ep, ef = 1, lc) with its
 * candidate heap, a plain hill climb over the neighbour list (as hnswlib): it
 * finds the same local minimum with no heap traffic.
 */
export function greedySearch(ctx: SearchContext, ep: number, epDist: number, fromLevel: number, toLevel: number): void {
  const store = ctx.store;
  const kernel = ctx.kernel;
  const ids = kernel.ids;
  let cur = ep;
  let curDist = epDist;
  const t = ctx.trace;
  for (let lc = fromLevel; lc > toLevel; lc--) {
    const links = store.linksArray(lc);
    if (t !== null) {
      t.layerEntered(lc, 1);
      t.candidatePushed(cur, curDist);
      t.resultAdded(cur, curDist);
    }
    let changed = true;
    while (changed) {
      changed = false;
      const offset = store.linksOffset(cur, lc);
      if (t !== null) t.candidatePopped(cur, curDist);
      if (ctx.concurrent) acquireLock(store.locks, cur);
      const count = links[offset];
      for (let j = 0; j < count; j++) ids[j] = links[offset + 1 + j];
      if (ctx.concurrent) releaseLock(store.locks, cur);
      kernel.distancesToIds(count);
      const out = kernel.out;
      if (t !== null) traceVisits(t, ids, out, count);
      for (let j = 0; j < count; j++) {
        if (out[j] < curDist) {
          if (t !== null) traceMove(t, cur, curDist, ids[j], out[j]);
          curDist = out[j];
          cur = ids[j];
          changed = true;
        }
      }
      if (t !== null && changed) t.candidatePushed(cur, curDist);
    }
  }
  ctx.epNode = cur;
  ctx.epDist = curDist;
}

/** Tracer hook: the descent moves from `from` to the closer `to` (W = {to}). */
function traceMove(t: Tracer, from: number, fromDist: number, to: number, toDist: number): void {
  t.resultRemoved(from, fromDist);
  t.resultAdded(to, toDist);
}
