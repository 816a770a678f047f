// Exact k-NN by a linear scan: the brute-force index, and the fallback of a
// filtered search whose filter lets through too few points for the graph.

import type { SearchContext } from './context.js';

/**
 * Leaves the k nearest accepted nodes in W (furthest on top): over `nodes`
 * [0, nodeCount) when given, else over every node id. Returns the count.
 * Ties keep the lower node id.
 */
export function exactSearch(ctx: SearchContext, k: number, nodes: Int32Array | null, nodeCount: number): number {
  const kernel = ctx.kernel;
  const W = ctx.results;
  W.clear();
  W.reserve(k + 1);
  const batch = kernel.batchCapacity;
  const out = kernel.out;
  const ids = kernel.ids;
  const total = nodes === null ? ctx.store.count : nodeCount;
  const plain = nodes === null && ctx.allowedNodes === null && ctx.allowedLabel === null;
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    if (nodes === null) kernel.distancesToRange(start, n);
    else {
      for (let j = 0; j < n; j++) ids[j] = nodes[start + j];
      kernel.distancesToIds(n);
    }
    for (let j = 0; j < n; j++) {
      const d = out[j];
      if (W.size === k && d >= W.topKey()) continue;
      const node = nodes === null ? start + j : ids[j];
      if (plain ? ctx.store.deleted[node] !== 0 : !ctx.accepts(node)) continue;
      W.push(d, node);
      if (W.size > k) W.pop();
    }
  }
  return W.size;
}
