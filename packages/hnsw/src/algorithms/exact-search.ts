// Exact k-NN by a linear scan: the brute-force index, and the fallback of a
// filtered search whose filter lets through too few points for the graph.

import type { SearchContext } from './context.js';

/**
 * Leaves the k nearest accepted nodes (see `ctx.accepts`) in W, furthest on
 * top, and returns the count. Under an allow-list it computes distances to
 * the allowed ids only (`ctx.allowedIds`); otherwise to every node id. Both
 * go through the kernel in batches. Ties at the k-th distance keep the node
 * scanned first: the lower id in a full scan, the earlier in the allow-list.
 */
export function exactSearch(ctx: SearchContext, k: number): number {
  ctx.results.clear();
  ctx.results.reserve(k + 1);
  if (ctx.allowedIds !== null) scanIds(ctx, k, ctx.allowedIds, ctx.allowedIdCount);
  else scanAll(ctx, k);
  return ctx.results.size;
}

/** Every node id in kernel-sized ranges. */
function scanAll(ctx: SearchContext, k: number): void {
  const kernel = ctx.kernel;
  const W = ctx.results;
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
}

/** The ids in `list[0..count)`, copied into the kernel's id batch. */
function scanIds(ctx: SearchContext, k: number, list: Int32Array, count: number): void {
  const kernel = ctx.kernel;
  const W = ctx.results;
  const batch = kernel.batchCapacity;
  const ids = kernel.ids;
  const out = kernel.out;
  const deleted = ctx.store.deleted;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    for (let j = 0; j < n; j++) ids[j] = list[start + j];
    kernel.distancesToIds(n);
    for (let j = 0; j < n; j++) {
      const d = out[j];
      if (W.size === k && d >= W.topKey()) continue;
      const node = ids[j];
      // The marks hold live nodes only, but a point may be deleted while a parallel search runs.
      if (deleted[node] !== 0) continue;
      W.push(d, node);
      if (W.size > k) W.pop();
    }
  }
}
