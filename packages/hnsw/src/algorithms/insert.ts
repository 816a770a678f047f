// Algorithm 1 of Malkov & Yashunin (2018): INSERT(hnsw, q, M, Mmax, efConstruction, mL).
// Paper symbols: q = node `q` (its vector and level l already stored),
// ep = `ep`, L = `L` (top layer), lc = `lc`, W = ctx.results,
// neighbors = ctx.linkIds, Mmax = store.m (upper layers) / store.m0 (layer 0).

import { acquireLock, releaseLock } from '../locks.js';
import { META_ENTRY_POINT, META_GLOBAL_LOCK, META_MAX_LEVEL } from '../layout.js';
import type { SearchContext } from './context.js';
import { greedySearch } from './greedy-search.js';
import { searchLayer } from './search-layer.js';
import { selectNeighbors } from './select-neighbors.js';
import type { Tracer } from './tracer.js';

/**
 * Links node `q` into the graph. With `ctx.concurrent`, other threads may
 * insert at the same time: each link list is read and written under its
 * node's lock, q's own lock is held for the whole insert, and the global
 * lock too when q goes above the current top layer (as hnswlib). Holding
 * q's lock means no other thread reads or extends q's lists before q has
 * written them: a thread that reaches q (by a link added at a layer above)
 * waits, instead of taking q's still-empty list at a lower layer for q's
 * neighbourhood and linking itself to q alone there (a node left
 * unreachable), or having its link to q overwritten when q writes its list.
 * Threads only wait on a node whose id is visible at the layer they
 * search, which is strictly above the layer the holder works on, so the
 * waits cannot form a cycle.
 *
 * Deviation from paper: the next layer starts from the single nearest
 * element of W rather than all of W (hnswlib's choice; same recall, less work).
 */
export function insert(ctx: SearchContext, q: number, efConstruction: number): void {
  const store = ctx.store;
  const meta = store.meta;
  const l = store.levels[q];
  let holdsGlobal = false;
  if (ctx.concurrent) {
    acquireLock(meta, META_GLOBAL_LOCK);
    if (l > Atomics.load(meta, META_MAX_LEVEL)) holdsGlobal = true;
    else releaseLock(meta, META_GLOBAL_LOCK);
    acquireLock(store.locks, q);
  }
  const t = ctx.trace;
  try {
    if (t !== null) t.insertStarted(q, l);
    const L = Atomics.load(meta, META_MAX_LEVEL);
    let ep = Atomics.load(meta, META_ENTRY_POINT);
    if (ep < 0) {
      setEntryPoint(meta, q, l);
      if (t !== null) t.entryPointChanged(q, l);
      return;
    }
    const kernel = ctx.kernel;
    kernel.setQueryNode(q);
    let epDist = kernel.distanceToNode(ep);
    if (t !== null) traceMeasured(t, ep, epDist);
    if (L > l) {
      greedySearch(ctx, ep, epDist, L, l);
      ep = ctx.epNode;
      epDist = ctx.epDist;
    }
    for (let lc = Math.min(L, l); lc >= 0; lc--) {
      searchLayer(ctx, ep, epDist, efConstruction, lc, false);
      ep = connectNewNode(ctx, q, lc, false);
      epDist = ctx.epDist;
      kernel.setQueryNode(q);
    }
    if (l > L) {
      setEntryPoint(meta, q, l);
      if (t !== null) t.entryPointChanged(q, l);
    }
  } finally {
    if (ctx.concurrent) releaseLock(store.locks, q);
    if (holdsGlobal) releaseLock(meta, META_GLOBAL_LOCK);
  }
}

/** Publishes a new entry point; the entry point is written first so readers never see a top layer it lacks. */
function setEntryPoint(meta: Int32Array, node: number, level: number): void {
  Atomics.store(meta, META_ENTRY_POINT, node);
  Atomics.store(meta, META_MAX_LEVEL, level);
}

/**
 * From the candidates in W (nearest to q; soft-deleted ones left out, see
 * `dropDeleted`), selects q's neighbours at layer `lc`, writes q's list and
 * adds q to each neighbour's list (shrinking it with the same selection when
 * full). Returns the nearest candidate, the entry point for the next layer
 * (its distance in ctx.epDist). With `isUpdate`, q is skipped where a list
 * has it already.
 */
export function connectNewNode(ctx: SearchContext, q: number, lc: number, isUpdate: boolean): number {
  const store = ctx.store;
  const found = ctx.drainResultsSorted();
  const nearest = ctx.sortedIds[0];
  ctx.epDist = ctx.sortedDists[0];
  const count = dropDeleted(ctx, found);
  const size = selectNeighbors(ctx, ctx.sortedIds, ctx.sortedDists, count, store.m);
  const t = ctx.trace;
  if (t !== null) t.neighborsSelected(q, lc, ctx.sortedIds, ctx.sortedDists, count, ctx.selectedIds, size, ctx.rejectedBy);
  const neighbors = ctx.linkIds;
  neighbors.set(ctx.selectedIds.subarray(0, size));

  const links = store.linksArray(lc);
  const offset = store.linksOffset(q, lc);
  // A concurrent insert holds q's lock already (see `insert`); an update does not.
  const lockQ = ctx.concurrent && isUpdate;
  if (lockQ) acquireLock(store.locks, q);
  for (let i = 0; i < size; i++) links[offset + 1 + i] = neighbors[i];
  links[offset] = size;
  if (lockQ) releaseLock(store.locks, q);
  if (t !== null) for (let i = 0; i < size; i++) t.linkAdded(q, neighbors[i], lc);

  const mMax = lc === 0 ? store.m0 : store.m;
  for (let i = 0; i < size; i++) addLink(ctx, neighbors[i], q, lc, mMax, isUpdate);
  return nearest;
}

/**
 * Leaves out the soft-deleted among the `count` sorted candidates (unless
 * all are): a deleted point still guides searches, but it is on its way out
 * (`compact`, `remove`, a replacing add), and the links a new point made to
 * it, both ways, would go with it. Returns the count kept. Measured: 100k x
 * 128 clustered, two rounds of four cycles of soft-deleting 10% and adding
 * as many, each round compacted; recall@10 at efSearch 64 after the second
 * compaction 0.953 linking to deleted points, 0.964 without (0.974 with
 * remove.ts's re-linking of weakly linked points too; a fresh build 0.979).
 */
function dropDeleted(ctx: SearchContext, count: number): number {
  const deleted = ctx.store.deleted;
  const ids = ctx.sortedIds;
  const dists = ctx.sortedDists;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if (deleted[ids[i]] !== 0) continue;
    ids[kept] = ids[i];
    dists[kept++] = dists[i];
  }
  return kept > 0 ? kept : count;
}

/**
 * Adds `q` to the list of `e` at layer `lc`; when the list is full, keeps the
 * `mMax` chosen by SELECT-NEIGHBORS among its links and q, with e as the base.
 */
function addLink(ctx: SearchContext, e: number, q: number, lc: number, mMax: number, isUpdate: boolean): void {
  const store = ctx.store;
  const kernel = ctx.kernel;
  const links = store.linksArray(lc);
  const offset = store.linksOffset(e, lc);
  if (ctx.concurrent) acquireLock(store.locks, e);
  try {
    const count = links[offset];
    if (isUpdate) {
      for (let j = 1; j <= count; j++) if (links[offset + j] === q) return;
    }
    if (count < mMax) {
      links[offset + 1 + count] = q;
      links[offset] = count + 1;
      if (ctx.trace !== null) ctx.trace.linkAdded(e, q, lc);
      return;
    }
    const ids = kernel.ids;
    for (let j = 0; j < count; j++) ids[j] = links[offset + 1 + j];
    ids[count] = q;
    kernel.setQueryNode(e);
    kernel.distancesToIds(count + 1);
    const W = ctx.results;
    W.clear();
    for (let j = 0; j <= count; j++) W.push(kernel.out[j], ids[j]);
    const sorted = ctx.drainResultsSorted();
    const size = selectNeighbors(ctx, ctx.sortedIds, ctx.sortedDists, sorted, mMax);
    for (let j = 0; j < size; j++) links[offset + 1 + j] = ctx.selectedIds[j];
    links[offset] = size;
    if (ctx.trace !== null) traceShrink(ctx, ctx.trace, e, q, lc, sorted, size);
  } finally {
    if (ctx.concurrent) releaseLock(store.locks, e);
  }
}

/** Tracer hook: the distance from the node being inserted to `node` was computed. */
function traceMeasured(t: Tracer, node: number, distance: number): void {
  t.nodeVisited(node);
  t.distanceComputed(node, distance);
}

/**
 * Tracer hook of a shrunk list: the selection over e's old links plus q,
 * then q's link (kept) or the links the selection dropped, each with the
 * kept neighbour that rejected it.
 */
function traceShrink(ctx: SearchContext, t: Tracer, e: number, q: number, lc: number, count: number, size: number): void {
  const ids = ctx.sortedIds;
  const kept = ctx.selectedIds;
  t.neighborsSelected(e, lc, ids, ctx.sortedDists, count, kept, size, ctx.rejectedBy);
  for (let i = 0; i < count; i++) {
    let isKept = false;
    for (let j = 0; j < size; j++) if (kept[j] === ids[i]) isKept = true;
    if (isKept && ids[i] === q) t.linkAdded(e, q, lc);
    else if (!isKept) t.linkPruned(e, ids[i], lc, ctx.rejectedBy[i]);
  }
}
