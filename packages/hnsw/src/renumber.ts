// Dense node ids after a hard deletion: the surviving nodes move down over the
// removed ones (in id order), every link is rewritten to the new ids, the
// upper-level arena is packed, and what the removed nodes left is zeroed.

import { GRAPH_ARRAYS, META_COUNT, META_ENTRY_POINT, type GraphArrays, type GraphStore } from './layout.js';

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
  const arrays = store as unknown as Record<keyof GraphArrays, GraphArrays[keyof GraphArrays]>;
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

  // Level 0: every list maps to the new ids (the survivors' lists hold survivors only).
  const { links0, stride0 } = store;
  for (let node = 0; node < survivors; node++) {
    const offset = node * stride0;
    for (let j = 1; j <= links0[offset]; j++) links0[offset + j] = newIds[links0[offset + j]];
  }

  // Upper levels: the survivors' records packed in new-id order, ids mapped.
  const { levels, upperOffsets, strideUpper } = store;
  let used = 0;
  for (let node = 0; node < survivors; node++) used += levels[node] * strideUpper;
  const packed = new Int32Array(used);
  let at = 0;
  for (let node = 0; node < survivors; node++) {
    const level = levels[node];
    if (level === 0) continue;
    const from = upperOffsets[node];
    for (let r = 0; r < level; r++) {
      const src = from + r * strideUpper;
      const dst = at + r * strideUpper;
      const degree = store.upperLinks[src];
      packed[dst] = degree;
      for (let j = 1; j <= degree; j++) packed[dst + j] = newIds[store.upperLinks[src + j]];
    }
    upperOffsets[node] = at;
    at += level * strideUpper;
  }
  store.upperLinks.set(packed);
  store.upperLinks.fill(0, used, Math.max(used, store.upperUsed));
  store.upperUsed = used;

  const entry = store.meta[META_ENTRY_POINT];
  store.meta[META_ENTRY_POINT] = entry >= 0 ? newIds[entry] : -1;
  store.meta[META_COUNT] = survivors;
  return survivors;
}
