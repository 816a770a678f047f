// Moving a stored point: after its vector changes, its neighbourhood is
// repaired as hnswlib's updatePoint does. Not one of the paper's algorithms;
// built from Algorithms 1, 2 and 4.

import { META_ENTRY_POINT, META_MAX_LEVEL } from '../layout.js';
import type { SearchContext } from './context.js';
import { greedySearch } from './greedy-search.js';
import { connectNewNode } from './insert.js';
import { searchLayer } from './search-layer.js';
import { selectNeighbors } from './select-neighbors.js';

/**
 * Repairs the graph around node `q`, whose vector was just overwritten.
 * 1. Each old neighbour n of q re-selects its links among q's two-hop
 *    neighbourhood (the efConstruction nearest to n), so links that were
 *    good for q's old position are reconsidered.
 * 2. q itself is linked again as if inserted, from the entry point
 *    (Algorithm 1 without allocating), adding itself to its new neighbours.
 * Single-threaded only.
 */
export function update(ctx: SearchContext, q: number, efConstruction: number): void {
  const store = ctx.store;
  const ep = store.meta[META_ENTRY_POINT];
  if (ep < 0 || store.count === 1) return;
  const level = store.levels[q];
  for (let lc = 0; lc <= level; lc++) reselectNeighborsOfNeighbors(ctx, q, lc, efConstruction);

  relinkNode(ctx, q, efConstruction);
}

/**
 * Links node `q` again as if inserted: a search from the entry point for its
 * neighbours at each of its layers, its lists rewritten from them and q
 * added to theirs (Algorithm 1 without allocating). Step 2 of `update`, and
 * what a hard delete gives the nodes it left with few in-links (remove.ts).
 */
export function relinkNode(ctx: SearchContext, q: number, efConstruction: number): void {
  const store = ctx.store;
  const level = store.levels[q];
  const kernel = ctx.kernel;
  kernel.setQueryNode(q);
  let cur = store.meta[META_ENTRY_POINT];
  let curDist = kernel.distanceToNode(cur);
  const L = store.meta[META_MAX_LEVEL];
  if (level < L) {
    greedySearch(ctx, cur, curDist, L, level);
    cur = ctx.epNode;
    curDist = ctx.epDist;
  }
  for (let lc = level; lc >= 0; lc--) {
    searchLayer(ctx, cur, curDist, efConstruction, lc, false);
    removeFromResults(ctx, q);
    if (ctx.results.size === 0) continue;
    cur = connectNewNode(ctx, q, lc, true);
    curDist = ctx.epDist;
    kernel.setQueryNode(q);
  }
}

/** Drops node `q` from W (a node is never its own neighbour). */
function removeFromResults(ctx: SearchContext, q: number): void {
  const W = ctx.results;
  let found = false;
  for (let i = 0; i < W.size; i++) if (W.values[i] === q) found = true;
  if (!found) return;
  const count = ctx.drainResultsSorted();
  for (let i = 0; i < count; i++) if (ctx.sortedIds[i] !== q) W.push(ctx.sortedDists[i], ctx.sortedIds[i]);
}

/** Step 1 of `update` at layer `lc`. */
function reselectNeighborsOfNeighbors(ctx: SearchContext, q: number, lc: number, efConstruction: number): void {
  const store = ctx.store;
  const kernel = ctx.kernel;
  const links = store.linksArray(lc);
  const qOffset = store.linksOffset(q, lc);
  const oneHop = links[qOffset];
  if (oneHop === 0) return;

  // The candidate set: q, its neighbours and theirs, each once.
  const maxCandidates = 1 + oneHop * (1 + (lc === 0 ? store.m0 : store.m));
  if (ctx.updateIds.length < maxCandidates + oneHop) ctx.updateIds = new Int32Array(maxCandidates + oneHop);
  const candidates = ctx.updateIds;
  const visited = ctx.visited;
  visited.reset(store.capacity);
  let n = 0;
  candidates[n++] = q;
  visited.visit(q);
  for (let i = 1; i <= oneHop; i++) {
    const e = links[qOffset + i];
    if (visited.visit(e)) candidates[n++] = e;
    const eOffset = store.linksOffset(e, lc);
    for (let j = 1; j <= links[eOffset]; j++) {
      const f = links[eOffset + j];
      if (visited.visit(f)) candidates[n++] = f;
    }
  }
  // q's neighbours are copied after the candidates: their lists change below.
  const neighborsAt = n;
  for (let i = 0; i < oneHop; i++) candidates[neighborsAt + i] = links[qOffset + 1 + i];

  const mMax = lc === 0 ? store.m0 : store.m;
  const W = ctx.results;
  const ids = kernel.ids;
  for (let i = 0; i < oneHop; i++) {
    const neighbor = candidates[neighborsAt + i];
    kernel.setQueryNode(neighbor);
    W.clear();
    for (let start = 0; start < n; start += kernel.batchCapacity) {
      const chunk = Math.min(kernel.batchCapacity, n - start);
      for (let j = 0; j < chunk; j++) ids[j] = candidates[start + j];
      kernel.distancesToIds(chunk);
      for (let j = 0; j < chunk; j++) {
        const c = ids[j];
        if (c === neighbor) continue;
        const d = kernel.out[j];
        if (W.size < efConstruction) W.push(d, c);
        else if (d < W.topKey()) {
          W.pop();
          W.push(d, c);
        }
      }
    }
    const count = ctx.drainResultsSorted();
    const size = selectNeighbors(ctx, ctx.sortedIds, ctx.sortedDists, count, mMax);
    const offset = store.linksOffset(neighbor, lc);
    for (let j = 0; j < size; j++) links[offset + 1 + j] = ctx.selectedIds[j];
    links[offset] = size;
  }
}
