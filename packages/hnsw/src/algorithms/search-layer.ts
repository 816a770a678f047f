// Algorithm 2 of Malkov & Yashunin (2018): SEARCH-LAYER(q, ep, ef, lc).
// Paper symbols: q = the query set in ctx.kernel, ep = `ep`, ef = `ef`,
// lc = `level`, v = ctx.visited, C = ctx.candidates, W = ctx.results.

import { acquireLock, releaseLock } from '../locks.js';
import type { SearchContext } from './context.js';
import { traceVisits, type Tracer } from './tracer.js';

/**
 * Best-first search of one layer from `ep`; leaves the (up to) `ef` nearest
 * elements found in W (`ctx.results`, furthest on top).
 *
 * With `filtered`, only nodes that `ctx.accepts` enter W, while every node
 * may still be traversed, so deleted and filtered-out points keep the graph
 * navigable.
 *
 * Deviation from paper: with `filtered`, the search goes on past the furthest
 * element of W until W holds ef accepted elements (hnswlib's rule), so that
 * a selective filter still fills the result list.
 */
export function searchLayer(
  ctx: SearchContext, ep: number, epDist: number, ef: number, level: number, filtered: boolean,
): void {
  const store = ctx.store;
  const kernel = ctx.kernel;
  const ids = kernel.ids;
  const links = store.linksArray(level);
  const visited = ctx.visited;
  const C = ctx.candidates;
  const W = ctx.results;
  const t = ctx.trace;
  visited.reset(store.capacity);
  C.clear();
  W.clear();
  // Neither heap can hold more than the nodes there are: an ef beyond the count (up to MAX_EF) costs no memory.
  const room = Math.min(ef, store.count) + 1;
  C.reserve(room);
  W.reserve(room);

  if (t !== null) t.layerEntered(level, ef);
  visited.visit(ep);
  C.push(epDist, ep);
  if (t !== null) traceEntry(t, ep, epDist);
  let furthest = Infinity;
  if (!filtered || ctx.accepts(ep)) {
    W.push(epDist, ep);
    if (t !== null) t.resultAdded(ep, epDist);
    furthest = epDist;
  }

  while (C.size > 0) {
    const cDist = C.topKey();
    if (cDist > furthest && (W.size >= ef || !filtered)) break;
    const c = C.topValue();
    C.pop();
    if (t !== null) t.candidatePopped(c, cDist);

    // Gather the unvisited neighbourhood of c, then one kernel call for all of it.
    const offset = store.linksOffset(c, level);
    if (ctx.concurrent) acquireLock(store.locks, c);
    const degree = links[offset];
    let n = 0;
    for (let j = 1; j <= degree; j++) {
      const e = links[offset + j];
      if (visited.visit(e)) ids[n++] = e;
    }
    if (ctx.concurrent) releaseLock(store.locks, c);
    if (n === 0) continue;
    kernel.distancesToIds(n);
    const out = kernel.out;
    if (t !== null) traceVisits(t, ids, out, n);

    for (let j = 0; j < n; j++) {
      const eDist = out[j];
      if (W.size < ef || eDist < furthest) {
        const e = ids[j];
        C.push(eDist, e);
        if (t !== null) t.candidatePushed(e, eDist);
        if (!filtered || ctx.accepts(e)) {
          W.push(eDist, e);
          if (t !== null) t.resultAdded(e, eDist);
          if (W.size > ef) {
            if (t !== null) t.resultRemoved(W.topValue(), W.topKey());
            W.pop();
          }
          furthest = W.topKey();
        }
      }
    }
  }
}

/** Tracer hook: the entry point is visited, measured and queued. */
function traceEntry(t: Tracer, ep: number, epDist: number): void {
  t.nodeVisited(ep);
  t.candidatePushed(ep, epDist);
}
