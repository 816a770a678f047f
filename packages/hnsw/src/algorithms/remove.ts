// Hard deletion: takes a set of nodes out of the graph for good. Not one of the
// paper's algorithms; built from Algorithms 2 (SEARCH-LAYER) and 4 (the
// neighbour heuristic), in the manner of FreshDiskANN's delete consolidation.

import { META_ENTRY_POINT, META_MAX_LEVEL, type GraphStore } from '../layout.js';
import type { SearchContext } from './context.js';
import { activeLoop } from './dispatch.js';
import { greedySearch } from './greedy-search.js';
import { searchLayer } from './search-layer.js';
import { selectNeighbors } from './select-neighbors.js';
import { relinkNode } from './update.js';

/** Rounds of `relinkUnreachable` at most (a round that forces no link in is the last). */
const MAX_RELINK_ROUNDS = 16;
/**
 * Removed nodes two hops away are expanded while fewer than this many times
 * `mMax` candidates were found (see `repairRemoved`).
 */
const EXPAND_UNTIL_MMAX_TIMES = 2;

/**
 * Steps 1-3 run in rounds, each taking at most this fraction of the nodes
 * out (in id order): the nodes of later rounds are still there to be
 * candidates and waypoints for the repairs of earlier ones. Measured on the
 * third compaction of 40k soft-deleted points out of 140k (100k x 128
 * clustered, recall@10 at efSearch 64): 0.935 in one round, 0.967 in rounds
 * of 10%, 0.966 of 5%, 0.962 of 3%; a fresh build 0.985.
 */
const ROUND_FRACTION = 0.1;

/** Step 3 re-links a surviving node with fewer in-links than this at layer 0. */
const WEAK_IN_DEGREE = 3;

/**
 * Repairs the graph so that no list links to a node with `removed[node] !== 0`:
 * 1. the entry point moves to a surviving node of the highest level when it
 *    is removed (-1 when nothing survives);
 * 2. every surviving list that linked to removed nodes keeps its other links
 *    and fills the freed places from the removed nodes' own neighbours (and,
 *    through removed ones, theirs), nearest first, each admitted by
 *    Algorithm 4's test against the links already in the list, then, back
 *    to the degree the list had, the nearest ones the test turned away
 *    (without them heavy removal thins the lists: recall@10 after removing
 *    a third of 20k clustered points at once went 0.966 -> 0.983 at ef 16,
 *    a fresh build of the rest 0.979);
 * 3. a surviving node left with fewer than 3 in-links at layer 0 is linked
 *    again as if inserted (see `relinkWeaklyLinked`);
 *    (steps 1-3 take at most a tenth of the nodes out at a time,
 *    `ROUND_FRACTION`: a large batch is repaired in several rounds)
 * 4. a surviving node that layer 0 no longer reaches from the entry point
 *    is linked from the nearest reached node (see `relinkUnreachable`).
 * The removed nodes' own lists and vectors are left for `renumberNodes` to
 * drop. A surviving list only reads removed nodes' lists, which nothing
 * writes here, so step 2 gives the same graph in any node order.
 * Single-threaded only.
 *
 * Deviation from FreshDiskANN: the surviving links are never pruned (only
 * added to), so no live node loses an in-link to the repair; removed nodes
 * two hops away are expanded only while fewer than 2 x `mMax` candidates
 * were found. Every candidate goes to the test, not only the `mMax`
 * nearest: those lie in the removed node's direction, the test turns most
 * of them away, and the list was refilled with near-duplicates of one
 * another. Measured on cycles of removing 10% of 30k x 128 clustered points
 * and inserting as many (recall@10 at ef 16, a fresh build of the same
 * points beside it):
 * - `remove` each cycle, 20 cycles: 0.836 with the `mMax` nearest, 0.912
 *   with all of them, 0.938 expanding until 2 x `mMax` (fresh 0.921; the
 *   repair took 5.1, 6.9 and 11.2 s over the 20 cycles);
 * - soft delete and `compact()` every 5 cycles (a third of the points
 *   removed at once), cycles 10 / 15: 0.907 / 0.900 expanding until
 *   `mMax`, 0.917 / 0.923 until 2 x `mMax`, 0.923 / 0.930 until 4 x
 *   (fresh 0.928 / 0.916), at 2.2, 3.6 and 6.0 s of compaction.
 * Re-pruning the surviving links with the candidates (FreshDiskANN) gave
 * 0.855 after 10 cycles. Step 3 adds nothing to that churn, but after
 * compactions it does: 100k x 128, two rounds of four cycles of
 * soft-deleting 10% and adding as many, each round compacted, recall@10 at
 * efSearch 64: 0.953 without it, 0.961 with it, 0.974 with it and adds
 * that no longer link to soft-deleted points (insert.ts `dropDeleted`);
 * a fresh build 0.979.
 */
export function repairRemoved(ctx: SearchContext, removed: Uint8Array, efConstruction: number): void {
  const store = ctx.store;
  const count = store.count;
  const perRound = Math.max(1, Math.floor(count * ROUND_FRACTION));
  // Removed in this round or an earlier one.
  const gone = new Uint8Array(count);
  const scratch = new RepairScratch(store);
  for (let next = 0; ;) {
    let taken = 0;
    for (; next < count && taken < perRound; next++) {
      if (removed[next] !== 0) {
        gone[next] = 1;
        taken++;
      }
    }
    if (taken === 0) break;
    moveEntryPoint(store, gone);
    if (store.entryPoint < 0) return;
    // Steps 2 and 3 in WebAssembly when the thread has the loop (assembly/search.ts `repairLists`, `relink`).
    const loop = activeLoop(ctx);
    if (loop !== null) {
      loop.repairLists(gone, ctx.heuristic, EXPAND_UNTIL_MMAX_TIMES);
    } else {
      for (let node = 0; node < count; node++) {
        if (gone[node] !== 0) continue;
        for (let lc = 0; lc <= store.levels[node]; lc++) repairList(ctx, scratch, node, lc, gone);
      }
    }
    relinkWeaklyLinked(ctx, gone, efConstruction);
  }
  relinkUnreachable(ctx, removed, efConstruction);
}

/** Buffers of one repair: the candidates of a list and the removed nodes whose lists give them. */
class RepairScratch {
  readonly candidates: Int32Array;
  readonly expand: Int32Array;

  constructor(store: GraphStore) {
    const m0 = Math.max(store.m0, 1);
    this.candidates = new Int32Array(m0 * (m0 + 1));
    this.expand = new Int32Array(m0 * (m0 + 1));
  }
}

/** Step 1: the surviving node of the highest level (the first such id) becomes the entry point. */
function moveEntryPoint(store: GraphStore, removed: Uint8Array): void {
  const entry = store.entryPoint;
  if (entry < 0 || removed[entry] === 0) return;
  let best = -1;
  for (let node = 0; node < store.count; node++) {
    if (removed[node] === 0 && (best < 0 || store.levels[node] > store.levels[best])) best = node;
  }
  store.meta[META_ENTRY_POINT] = best;
  store.meta[META_MAX_LEVEL] = best < 0 ? -1 : store.levels[best];
}

/** Step 2 for node `p`'s list at layer `lc`. */
function repairList(ctx: SearchContext, s: RepairScratch, p: number, lc: number, removed: Uint8Array): void {
  const store = ctx.store;
  const links = store.linksArray(lc);
  const offset = store.linksOffset(p, lc);
  const degree = links[offset];
  let touched = false;
  for (let j = 1; j <= degree; j++) {
    if (removed[links[offset + j]] !== 0) {
      touched = true;
      break;
    }
  }
  if (!touched) return;

  const visited = ctx.visited;
  visited.reset(store.capacity);
  visited.visit(p);
  // Surviving links stay, in order; removed ones are queued for expansion.
  let kept = 0;
  let queued = 0;
  for (let j = 1; j <= degree; j++) {
    const e = links[offset + j];
    visited.visit(e);
    if (removed[e] !== 0) s.expand[queued++] = e;
    else links[offset + 1 + kept++] = e;
  }
  links[offset] = kept;

  // Candidates: the removed neighbours' neighbours; through removed ones
  // further on only while fewer than mMax are found (heavy removal).
  const mMax = lc === 0 ? store.m0 : store.m;
  const { candidates, expand } = s;
  const direct = queued;
  let n = 0;
  for (let i = 0; i < queued && (i < direct || n < EXPAND_UNTIL_MMAX_TIMES * mMax); i++) {
    const dOffset = store.linksOffset(expand[i], lc);
    for (let j = 1; j <= links[dOffset]; j++) {
      const f = links[dOffset + j];
      if (!visited.visit(f)) continue;
      if (removed[f] === 0) {
        if (n < candidates.length) candidates[n++] = f;
      } else if (queued < expand.length) {
        expand[queued++] = f;
      }
    }
  }
  if (n === 0 || kept >= mMax) return;

  // The candidates, nearest to p first.
  const kernel = ctx.kernel;
  const ids = kernel.ids;
  const W = ctx.results;
  W.clear();
  W.reserve(n + 1);
  kernel.setQueryNode(p);
  for (let start = 0; start < n; start += kernel.batchCapacity) {
    const chunk = Math.min(kernel.batchCapacity, n - start);
    for (let j = 0; j < chunk; j++) ids[j] = candidates[start + j];
    kernel.distancesToIds(chunk);
    const out = kernel.out;
    for (let j = 0; j < chunk; j++) W.push(out[j], ids[j]);
  }
  const sorted = ctx.drainResultsSorted();

  // Algorithm 4's test, against every link in the list (kept and added);
  // the candidates it turns away are kept in order at the front of sortedIds.
  let size = kept;
  let rejected = 0;
  for (let i = 0; i < sorted && size < mMax; i++) {
    const e = ctx.sortedIds[i];
    const eDist = ctx.sortedDists[i];
    let good = true;
    if (ctx.heuristic) {
      for (let r = 0; r < size; r++) {
        if (kernel.distanceBetween(e, links[offset + 1 + r]) < eDist) {
          good = false;
          break;
        }
      }
    }
    if (good) links[offset + 1 + size++] = e;
    else ctx.sortedIds[rejected++] = e;
  }
  // Back to the degree the list had: the nearest candidates the test turned away.
  for (let i = 0; i < rejected && size < degree; i++) links[offset + 1 + size++] = ctx.sortedIds[i];
  links[offset] = size;
}

/**
 * Step 3: every surviving node that layer 0 now links to from fewer than
 * `WEAK_IN_DEGREE` nodes is linked again as if inserted (`relinkNode`),
 * which adds it to its nearest nodes' lists. The repair of step 2 refills
 * the lists that pointed at removed nodes, but a node most of whose
 * in-links came from removed nodes (typically one added while its
 * neighbours were soft-deleted, then compacted away) may not be chosen back.
 */
function relinkWeaklyLinked(ctx: SearchContext, removed: Uint8Array, efConstruction: number): void {
  const store = ctx.store;
  const count = store.count;
  const inDegree = new Int32Array(count);
  const { links0, stride0 } = store;
  for (let u = 0; u < count; u++) {
    if (removed[u] !== 0) continue;
    const offset = u * stride0;
    for (let j = 1; j <= links0[offset]; j++) inDegree[links0[offset + j]]++;
  }
  const loop = activeLoop(ctx);
  for (let u = 0; u < count; u++) {
    if (removed[u] !== 0 || inDegree[u] >= WEAK_IN_DEGREE) continue;
    if (loop !== null) loop.relink(u, efConstruction, ctx.heuristic);
    else relinkNode(ctx, u, efConstruction);
  }
}

/**
 * Step 4: a breadth-first walk of layer 0 from the entry point; each
 * surviving node it misses, or left with no links, is given an in-link from the nearest node it
 * reached that has room (found by a search from the entry point; failing
 * that, the nearest reached node's furthest link makes way, and another
 * round checks the node that lost it), and out-links from the same search
 * when its own list is empty.
 */
function relinkUnreachable(ctx: SearchContext, removed: Uint8Array, efConstruction: number): void {
  const store = ctx.store;
  const count = store.count;
  const reached = new Uint8Array(count);
  const queue = new Int32Array(count);
  for (let round = 0; round < MAX_RELINK_ROUNDS; round++) {
    reached.fill(0);
    walk(store, store.entryPoint, reached, queue);
    let forced = false;
    for (let u = 0; u < count; u++) {
      if (removed[u] !== 0 || (reached[u] !== 0 && (store.links0[store.offset0(u)] > 0 || count === 1))) continue;
      if (linkFromReached(ctx, u, reached, efConstruction)) forced = true;
      walk(store, u, reached, queue);
    }
    if (!forced) return;
  }
}

/** Marks every node layer 0 reaches from `start` (itself included) in `reached`. */
function walk(store: GraphStore, start: number, reached: Uint8Array, queue: Int32Array): void {
  const { links0, stride0 } = store;
  let head = 0;
  let tail = 0;
  reached[start] = 1;
  queue[tail++] = start;
  while (head < tail) {
    const offset = queue[head++] * stride0;
    for (let j = 1; j <= links0[offset]; j++) {
      const e = links0[offset + j];
      if (reached[e] === 0) {
        reached[e] = 1;
        queue[tail++] = e;
      }
    }
  }
}

/**
 * Gives `u` out-links at layer 0 when it has none, and an in-link from a
 * reached node when it is not reached; true when a link had to make way.
 */
function linkFromReached(ctx: SearchContext, u: number, reached: Uint8Array, efConstruction: number): boolean {
  const store = ctx.store;
  const kernel = ctx.kernel;
  const ep = store.entryPoint;
  kernel.setQueryNode(u);
  greedySearch(ctx, ep, kernel.distanceToNode(ep), store.maxLevel, 0);
  searchLayer(ctx, ctx.epNode, ctx.epDist, efConstruction, 0, false);
  // Nearest first, u and nodes not reached left out.
  const found = ctx.drainResultsSorted();
  let n = 0;
  for (let i = 0; i < found; i++) {
    const r = ctx.sortedIds[i];
    if (r === u || reached[r] === 0) continue;
    ctx.sortedIds[n] = r;
    ctx.sortedDists[n++] = ctx.sortedDists[i];
  }
  const links0 = store.links0;
  const uOffset = store.offset0(u);
  if (links0[uOffset] === 0 && n > 0) {
    const size = selectNeighbors(ctx, ctx.sortedIds, ctx.sortedDists, n, store.m0);
    for (let j = 0; j < size; j++) links0[uOffset + 1 + j] = ctx.selectedIds[j];
    links0[uOffset] = size;
  }
  if (reached[u] !== 0) return false;
  let target = n > 0 ? ctx.sortedIds[0] : ep;
  for (let i = 0; i < n; i++) {
    if (links0[store.offset0(ctx.sortedIds[i])] < store.m0) {
      target = ctx.sortedIds[i];
      break;
    }
  }
  const offset = store.offset0(target);
  const degree = links0[offset];
  if (degree < store.m0) {
    links0[offset + 1 + degree] = u;
    links0[offset] = degree + 1;
    return false;
  }
  // Full: u takes the place of target's furthest link.
  kernel.setQueryNode(target);
  const ids = kernel.ids;
  for (let j = 0; j < degree; j++) ids[j] = links0[offset + 1 + j];
  kernel.distancesToIds(degree);
  let furthest = 0;
  for (let j = 1; j < degree; j++) if (kernel.out[j] > kernel.out[furthest]) furthest = j;
  links0[offset + 1 + furthest] = u;
  return true;
}
