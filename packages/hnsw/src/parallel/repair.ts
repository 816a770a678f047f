// Puts a graph back in order after a worker died during a parallel build:
// the dead thread may have held locks, left a half-rewritten link list or
// half-inserted a node.

import { META_GLOBAL_LOCK, type GraphStore } from '../layout.js';

/**
 * Once every worker of the build has stopped: releases every lock, makes
 * the nodes the build did not finish (`done[i] === 0` for node first + i)
 * unreachable again (their lists emptied, their ids dropped from every
 * list), drops self-links, dangling ids and duplicates a torn write may have
 * left, then links the unfinished nodes with `link` on this thread, in order.
 * Returns how many nodes it linked.
 */
export function repairAfterWorkerFailure(
  store: GraphStore, first: number, count: number, done: Uint8Array, link: (node: number) => void,
): number {
  store.locks.fill(0);
  Atomics.store(store.meta, META_GLOBAL_LOCK, 0);
  const total = store.count;
  const unfinished = new Uint8Array(total);
  for (let i = 0; i < count; i++) if (done[i] === 0) unfinished[first + i] = 1;
  // An insert publishes its node as entry point last: a published node is complete.
  const entry = store.entryPoint;
  if (entry >= 0) unfinished[entry] = 0;
  const seen = new Set<number>();
  for (let node = 0; node < total; node++) {
    for (let lc = 0; lc <= store.levels[node]; lc++) {
      const links = store.linksArray(lc);
      const offset = store.linksOffset(node, lc);
      if (unfinished[node] === 1) {
        links[offset] = 0;
        continue;
      }
      const max = lc === 0 ? store.m0 : store.m;
      const degree = Math.min(Math.max(links[offset], 0), max);
      seen.clear();
      let kept = 0;
      for (let j = 1; j <= degree; j++) {
        const e = links[offset + j];
        if (e < 0 || e >= total || e === node || unfinished[e] === 1 || store.levels[e] < lc || seen.has(e)) continue;
        seen.add(e);
        links[offset + 1 + kept++] = e;
      }
      links[offset] = kept;
    }
  }
  let linked = 0;
  for (let node = first; node < first + count; node++) {
    if (unfinished[node] === 1) {
      link(node);
      linked++;
    }
  }
  return linked;
}
