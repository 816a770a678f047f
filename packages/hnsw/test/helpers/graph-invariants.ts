// Checks the structural invariants of an HNSW graph; returns the violations
// found (empty when the graph is sound). Used after every kind of build.
// `graphOf` flattens a graph for comparing two builds.

import type { GraphStore } from '../../src/layout.js';

export interface GraphInvariantOptions {
  /** Check that every node is reachable from the entry point at layer 0 (default true). */
  reachability?: boolean;
}

/** Lists broken invariants: degrees, self-links, duplicates, dangling ids, levels, reachability. */
export function checkGraphInvariants(store: GraphStore, options: GraphInvariantOptions = {}): string[] {
  const problems: string[] = [];
  const count = store.count;
  const report = (msg: string) => {
    if (problems.length < 20) problems.push(msg);
  };
  const entry = store.entryPoint;
  let top = -1;
  for (let node = 0; node < count; node++) top = Math.max(top, store.levels[node]);
  if (count > 0 && (entry < 0 || entry >= count)) report(`entry point ${entry} out of range`);
  if (count > 0 && store.maxLevel !== top) report(`max level ${store.maxLevel} but the highest node has level ${top}`);
  if (count > 0 && entry >= 0 && store.levels[entry] !== store.maxLevel) report(`entry point level ${store.levels[entry]} != max level ${store.maxLevel}`);
  for (let node = 0; node < count; node++) {
    const level = store.levels[node];
    if (level > 0 && store.upperOffsets[node] < 0) report(`node ${node} of level ${level} has no upper record`);
    for (let lc = 0; lc <= level; lc++) {
      const links = store.linksArray(lc);
      const offset = store.linksOffset(node, lc);
      const degree = links[offset];
      const max = lc === 0 ? store.m0 : store.m;
      if (degree < 0 || degree > max) report(`node ${node} layer ${lc}: degree ${degree} > ${max}`);
      const seen = new Set<number>();
      for (let j = 1; j <= Math.min(degree, max); j++) {
        const e = links[offset + j];
        if (e === node) report(`node ${node} layer ${lc}: self-link`);
        if (e < 0 || e >= count) report(`node ${node} layer ${lc}: dangling id ${e}`);
        else if (store.levels[e] < lc) report(`node ${node} layer ${lc}: link to ${e} of level ${store.levels[e]}`);
        if (seen.has(e)) report(`node ${node} layer ${lc}: duplicate link ${e}`);
        seen.add(e);
      }
      if (lc === 0 && count > 1 && degree === 0) report(`node ${node}: no links at layer 0`);
    }
  }
  if (options.reachability !== false && count > 0 && entry >= 0) {
    const reached = new Uint8Array(count);
    const stack = [entry];
    reached[entry] = 1;
    let n = 1;
    while (stack.length > 0) {
      const node = stack.pop()!;
      const offset = store.linksOffset(node, 0);
      for (let j = 1; j <= store.links0[offset]; j++) {
        const e = store.links0[offset + j];
        if (e >= 0 && e < count && reached[e] === 0) {
          reached[e] = 1;
          n++;
          stack.push(e);
        }
      }
    }
    if (n < count) report(`${count - n} of ${count} nodes unreachable from the entry point at layer 0`);
  }
  return problems;
}

/** Every link list of every layer, after the entry point, top level and count, as one array (two graphs compare equal). */
export function graphOf(store: GraphStore): number[] {
  const out: number[] = [store.entryPoint, store.maxLevel, store.count];
  for (let node = 0; node < store.count; node++) {
    for (let lc = 0; lc <= store.levels[node]; lc++) {
      const links = store.linksArray(lc);
      const at = store.linksOffset(node, lc);
      out.push(-1, ...links.subarray(at, at + 1 + links[at]));
    }
  }
  return out;
}
