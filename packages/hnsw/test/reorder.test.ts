// HnswIndex.reorder: the points renumbered depth-first. The graph seen
// through labels, every answer, the vectors and the deleted marks must not
// change, in both loops, after a save and reload, and for points added later.

import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, SmallworldError, closePool, type HnswIndexOptions } from '../src/index.node.js';
import { depthFirstOrder } from '../src/algorithms/reorder.js';
import type { GraphStore } from '../src/layout.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';
import { clustered } from './helpers/data.js';

afterAll(async () => {
  await closePool();
});

const dim = 16;

/** The graph with node ids replaced by labels: per label (ascending), its level and each level's list in order. */
function labelledGraph(index: HnswIndex): string {
  const store = index.store;
  const { labels } = store;
  const nodes = Array.from({ length: store.count }, (_, node) => node).sort((a, b) => labels[a] - labels[b]);
  const lines = [`entry ${labels[store.entryPoint]} max level ${store.maxLevel}`];
  for (const node of nodes) {
    const lists: string[] = [];
    for (let lc = 0; lc <= store.levels[node]; lc++) {
      const links = store.linksArray(lc);
      const at = store.linksOffset(node, lc);
      lists.push(Array.from(links.subarray(at + 1, at + 1 + links[at]), (e) => labels[e]).join(','));
    }
    lines.push(`${labels[node]}${store.deleted[node] !== 0 ? ' deleted' : ''}: ${lists.join(' | ')}`);
  }
  return lines.join('\n');
}

/** Labels and distances of every query, as one comparable array. */
function answers(index: HnswIndex, queries: Float32Array, k = 10, efSearch = 40): number[] {
  const result = index.searchBatch(queries, k, { efSearch });
  return [...result.labels, ...result.distances];
}

/** The share of layer-0 links between nodes at most 32 ids apart: rows a search reads near each other. */
function nearLinkShare(store: GraphStore): number {
  let near = 0;
  let links = 0;
  for (let node = 0; node < store.count; node++) {
    const at = node * store.stride0;
    for (let j = 1; j <= store.links0[at]; j++) {
      if (Math.abs(store.links0[at + j] - node) <= 32) near++;
      links++;
    }
  }
  return near / links;
}

function built(n: number, options: Partial<HnswIndexOptions> = {}, seed = 41): HnswIndex {
  const index = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 64, ...options });
  index.addBatch(clustered(n, dim, seed));
  return index;
}

describe('reorder', () => {
  it('keeps the graph, the answers, the vectors and the deleted marks, and brings linked rows together', () => {
    const index = built(3000);
    index.markDeleted(7);
    index.markDeleted(1500);
    const copy = HnswIndex.fromBytes(index.toBytes());
    const queries = clustered(200, dim, 99);
    const nearBefore = nearLinkShare(index.store);

    index.reorder();

    expect(labelledGraph(index)).toBe(labelledGraph(copy));
    expect(answers(index, queries)).toEqual(answers(copy, queries));
    expect(index.store.entryPoint).toBe(0);
    expect(checkGraphInvariants(index.store)).toEqual([]);
    for (const label of [0, 7, 1234, 2999]) expect(index.getVector(label)).toEqual(copy.getVector(label));
    expect(index.isDeleted(7) && index.isDeleted(1500) && !index.isDeleted(8)).toBe(true);
    expect([...index.labels()].sort((a, b) => a - b)).toEqual([...copy.labels()].sort((a, b) => a - b));
    expect(index.size).toBe(copy.size);
    // Clustered points added in random order: depth-first ids put many of a node's neighbours near it.
    expect(nearLinkShare(index.store)).toBeGreaterThan(5 * nearBefore);
  });

  it('gives the TypeScript loop the same answers as the WebAssembly loop', () => {
    const index = built(2000);
    const copy = HnswIndex.fromBytes(index.toBytes());
    index.reorder();
    const queries = clustered(100, dim, 5);
    const wasm = answers(index, queries);
    index.setSearchLoop('ts');
    copy.setSearchLoop('ts');
    expect(answers(index, queries)).toEqual(answers(copy, queries));
    // Same SIMD kernel, same visit order: the two loops agree to the bit.
    expect(answers(index, queries)).toEqual(wasm);
  });

  it('survives a save and reload, and points added later link as they would have', () => {
    const data = clustered(3000, dim, 8);
    const reordered = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 64 });
    const plain = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 64 });
    for (const index of [reordered, plain]) index.addBatch(data.subarray(0, 2000 * dim));
    reordered.reorder();
    const reloaded = HnswIndex.fromBytes(reordered.toBytes());
    expect(labelledGraph(reloaded)).toBe(labelledGraph(plain));
    for (const index of [reloaded, plain]) {
      index.addBatch(data.subarray(2000 * dim), { labels: Array.from({ length: 1000 }, (_, i) => 2000 + i) });
      index.markDeleted(3);
      index.add(data.subarray(9 * dim, 10 * dim), 5);
    }
    expect(labelledGraph(reloaded)).toBe(labelledGraph(plain));
    const queries = clustered(100, dim, 12);
    expect(answers(reloaded, queries)).toEqual(answers(plain, queries));
    reloaded.reorder();
    expect(answers(reloaded, queries)).toEqual(answers(plain, queries));
  });

  it('moves int8 codes and their float32 originals with their points', () => {
    const index = built(1500, { quantization: 'int8', rerank: true });
    const copy = HnswIndex.fromBytes(index.toBytes());
    index.reorder();
    const queries = clustered(50, dim, 3);
    expect(answers(index, queries)).toEqual(answers(copy, queries));
    expect(index.getVector(42)).toEqual(copy.getVector(42));
  });

  it('is a no-op on an empty or one-point index, and numbers unreachable nodes after the rest', () => {
    const empty = new HnswIndex({ space: 'l2', dim });
    empty.reorder();
    expect(empty.size).toBe(0);
    const one = built(1);
    one.reorder();
    expect([...one.search(new Float32Array(dim), 1).labels]).toEqual([0]);

    // Cut node 10 out of layer 0: no list links to it, nor it to any.
    const index = built(200);
    const { links0, stride0, count } = index.store;
    links0[10 * stride0] = 0;
    for (let node = 0; node < count; node++) {
      const at = node * stride0;
      let kept = 0;
      for (let j = 1; j <= links0[at]; j++) if (links0[at + j] !== 10) links0[at + 1 + kept++] = links0[at + j];
      links0[at] = kept;
    }
    const order = depthFirstOrder(index.store);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(order[0]).toBe(index.store.entryPoint);
    expect(order[count - 1]).toBe(10);
  });

  it('is refused with INDEX_BUSY while addBatchParallel runs', async () => {
    const data = clustered(3000, dim, 213);
    const index = new HnswIndex({ space: 'l2', dim, m: 8, efConstruction: 32 });
    index.addBatch(data.subarray(0, 500 * dim));
    const build = index.addBatchParallel(data.subarray(500 * dim), { threads: 2 });
    let code: string | undefined;
    try {
      index.reorder();
    } catch (error) {
      code = error instanceof SmallworldError ? error.code : String(error);
    }
    expect(code).toBe('INDEX_BUSY');
    await build;
    index.reorder();
    expect(checkGraphInvariants(index.store)).toEqual([]);
    expect(index.size).toBe(3000);
  });
});
