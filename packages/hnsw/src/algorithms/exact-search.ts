// Exact k-NN by a linear scan: the brute-force index, and the fallback of a
// filtered search whose filter lets through too few points for the graph.

import type { SearchContext } from './context.js';

/**
 * Leaves the k nearest accepted nodes (see `ctx.accepts`) in W, furthest on
 * top, scanning every node id in kernel-sized batches. Returns the count.
 * Ties keep the lower node id.
 */
export function exactSearch(ctx: SearchContext, k: number): number {
  const kernel = ctx.kernel;
  const W = ctx.results;
  W.clear();
  W.reserve(k + 1);
  const batch = kernel.batchCapacity;
  const out = kernel.out;
  const total = ctx.store.count;
  const deleted = ctx.store.deleted;
  const plain = ctx.allowedNodes === null && ctx.allowedLabel === null;
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    kernel.distancesToRange(start, n);
    for (let j = 0; j < n; j++) {
      const d = out[j];
      if (W.size === k && d >= W.topKey()) continue;
      const node = start + j;
      if (plain ? deleted[node] !== 0 : !ctx.accepts(node)) continue;
      W.push(d, node);
      if (W.size > k) W.pop();
    }
  }
  return W.size;
}
