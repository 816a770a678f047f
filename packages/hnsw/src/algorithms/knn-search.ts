// Algorithm 5 of Malkov & Yashunin (2018): K-NN-SEARCH(hnsw, q, K, ef).
// Paper symbols: q = the query set in ctx.kernel, K = `k`, ef = `ef`,
// ep = the entry point, L = its layer, W = ctx.results.

import { META_ENTRY_POINT, META_MAX_LEVEL } from '../layout.js';
import type { SearchContext } from './context.js';
import { greedySearch } from './greedy-search.js';
import { searchLayer } from './search-layer.js';
import type { Tracer } from './tracer.js';

/**
 * Leaves the K nearest elements in W, furthest on top, and returns how many
 * there are. With `filtered`, only elements `ctx.accepts` (not deleted,
 * passing the filter) count. The search at layer 0 uses max(ef, K)
 * candidates, as hnswlib.
 */
export function knnSearch(ctx: SearchContext, k: number, ef: number, filtered: boolean): number {
  const store = ctx.store;
  const W = ctx.results;
  W.clear();
  const L = Atomics.load(store.meta, META_MAX_LEVEL);
  const ep = Atomics.load(store.meta, META_ENTRY_POINT);
  if (ep < 0) return 0;
  const t = ctx.trace;
  // A concurrent insert may publish a new entry point between the two loads.
  const top = Math.min(L, store.levels[ep]);
  const epDist = ctx.kernel.distanceToNode(ep);
  if (t !== null) traceStart(t, k, Math.max(ef, k), ep, epDist);
  greedySearch(ctx, ep, epDist, top, 0);
  searchLayer(ctx, ctx.epNode, ctx.epDist, Math.max(ef, k), 0, filtered);
  while (W.size > k) {
    if (t !== null) t.resultRemoved(W.topValue(), W.topKey());
    W.pop();
  }
  return W.size;
}

/** Tracer hook: the search starts, from the entry point (measured). */
function traceStart(t: Tracer, k: number, ef: number, ep: number, epDist: number): void {
  t.searchStarted(k, ef);
  t.nodeVisited(ep);
  t.distanceComputed(ep, epDist);
}
