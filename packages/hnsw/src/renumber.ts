// New node ids. After a hard deletion, dense ids: the surviving nodes move
// down over the removed ones (in id order), every link is rewritten to the new
// ids, the upper-level arena is packed, and what the removed nodes left is
// zeroed. For `HnswIndex.reorder`, any order of all the nodes.

import { GRAPH_ARRAYS, META_COUNT, META_ENTRY_POINT, type GraphArrays, type GraphStore } from './layout.js';
import { permuteRows } from './permute.js';

/** The store's per-node arrays by name (GRAPH_ARRAYS' names). */
function arrayTable(store: GraphStore): Record<keyof GraphArrays, GraphArrays[keyof GraphArrays]> {
  return store as unknown as Record<keyof GraphArrays, GraphArrays[keyof GraphArrays]>;
}

/** Rewrites every link id of nodes [0, count) at every level through `newIds`. */
function mapLinks(store: GraphStore, count: number, newIds: Int32Array): void {
  const { links0, stride0, levels, upperOffsets, upperLinks, strideUpper } = store;
  for (let node = 0; node < count; node++) {
    const offset = node * stride0;
    for (let j = 1; j <= links0[offset]; j++) links0[offset + j] = newIds[links0[offset + j]];
    for (let r = 0; r < levels[node]; r++) {
      const at = upperOffsets[node] + r * strideUpper;
      for (let j = 1; j <= upperLinks[at]; j++) upperLinks[at + j] = newIds[upperLinks[at + j]];
    }
  }
}

/**
 * Gives node `order[i]` the id `i`, for every i (`order` a permutation of
 * [0, count)): every per-node array of `GRAPH_ARRAYS` (labels, levels,
 * deleted marks, upper offsets, level-0 lists) and the vectors move with
 * their node, every link id and the entry point are mapped to the new ids.
 * Upper-level records stay where they are in the arena (their offsets
 * move). In place: a row of scratch per array and an int per node.
 */
export function permuteNodes(store: GraphStore, order: Int32Array): void {
  const count = store.count;
  const arrays = arrayTable(store);
  for (const a of GRAPH_ARRAYS) {
    if (a.perNode !== null) permuteRows(arrays[a.name], a.perNode(store), order, count);
  }
  store.vectors.permuteRows(order, count);
  const newIds = new Int32Array(count);
  for (let i = 0; i < count; i++) newIds[order[i]] = i;
  mapLinks(store, count, newIds);
  const entry = store.meta[META_ENTRY_POINT];
  if (entry >= 0) store.meta[META_ENTRY_POINT] = newIds[entry];
}

/**
 * Drops the nodes with `removed[node] !== 0` from `store`: survivors keep
 * their order and take ids 0..survivors-1, every per-node array of
 * `GRAPH_ARRAYS` and the vectors move with them, link ids are mapped to the
 * new ids, and the upper-level arena is rewritten in the new order with no
 * gaps. The freed tail (rows, per-node entries, arena ints) is overwritten
 * with each array's empty value, the vectors with zeros: nothing of a
 * removed node stays in the store's buffers. The graph must not link to a
 * removed node any more (see `repairRemoved`); the entry point must survive
 * (or every node be removed). Returns the new count.
 */
export function renumberNodes(store: GraphStore, removed: Uint8Array): number {
  const count = store.count;
  const newIds = new Int32Array(count);
  let survivors = 0;
  for (let node = 0; node < count; node++) newIds[node] = removed[node] !== 0 ? -1 : survivors++;
  if (survivors === count) return count;

  // Per-node arrays first, with the upper offsets (still into the old arena).
  const arrays = arrayTable(store);
  for (const a of GRAPH_ARRAYS) {
    if (a.perNode === null) continue;
    const per = a.perNode(store);
    const array = arrays[a.name];
    for (let node = 0; node < count; node++) {
      const to = newIds[node];
      if (to >= 0 && to !== node) array.copyWithin(to * per, node * per, (node + 1) * per);
    }
    array.fill(a.fill as never, survivors * per, count * per);
  }
  for (let node = 0; node < count; node++) {
    const to = newIds[node];
    if (to >= 0 && to !== node) store.vectors.moveRow(node, to);
  }
  store.vectors.eraseRows(survivors, count - survivors);

  // Upper levels: the survivors' records packed in new-id order.
  const { levels, upperOffsets, strideUpper } = store;
  let used = 0;
  for (let node = 0; node < survivors; node++) used += levels[node] * strideUpper;
  const packed = new Int32Array(used);
  let at = 0;
  for (let node = 0; node < survivors; node++) {
    const level = levels[node];
    if (level === 0) continue;
    for (let r = 0; r < level; r++) {
      // The count and the links only: a shrunk list's stale tail is left behind.
      const src = upperOffsets[node] + r * strideUpper;
      packed.set(store.upperLinks.subarray(src, src + 1 + store.upperLinks[src]), at + r * strideUpper);
    }
    upperOffsets[node] = at;
    at += level * strideUpper;
  }
  store.upperLinks.set(packed);
  store.upperLinks.fill(0, used, Math.max(used, store.upperUsed));
  store.upperUsed = used;

  // Every list maps to the new ids (the survivors' lists hold survivors only).
  mapLinks(store, survivors, newIds);

  const entry = store.meta[META_ENTRY_POINT];
  store.meta[META_ENTRY_POINT] = entry >= 0 ? newIds[entry] : -1;
  store.meta[META_COUNT] = survivors;
  return survivors;
}
