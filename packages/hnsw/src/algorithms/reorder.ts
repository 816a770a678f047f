// Memory order for a built graph: not one of the paper's algorithms. A search
// reads the rows of a node's neighbours one after another; if those rows sit
// near each other in memory, fewer cache lines and pages are fetched. Numbering
// the nodes depth-first over layer 0, each list nearest first, walks the data
// like a chain of nearest neighbours, so points close in space get close ids
// (a cheap form of the graph orderings of Coleman et al., "Graph Reordering
// for Cache-Efficient Near Neighbor Search", 2022). Measured on 100k x 128
// clustered data, queries at efSearch 20-160 answered 1.15-1.29x faster
// after it, against 1.11-1.20x after a breadth-first order: a breadth-first
// frontier spans many clusters at once.

import { META_ENTRY_POINT, type GraphStore } from '../layout.js';

/**
 * The nodes of `store` in depth-first preorder over layer 0: from the
 * entry point, each list in its stored order (the neighbour heuristic
 * leaves lists nearest first); nodes not reached from it follow, each
 * starting a new pass from the smallest id left. Returns `order`, with
 * `order[i]` the node that takes id `i` (a permutation of [0, count), for
 * `permuteNodes`). O(count x mMax0) time; 9 bytes of scratch per node.
 */
export function depthFirstOrder(store: GraphStore): Int32Array {
  const { count, links0, stride0 } = store;
  const order = new Int32Array(count);
  const seen = new Uint8Array(count);
  // The path from the root to the node being explored, and per node the next list entry to try.
  const path = new Int32Array(count);
  const cursor = new Int32Array(count);
  let numbered = 0;
  let next = 0;
  const entry = store.meta[META_ENTRY_POINT];
  let root = entry >= 0 ? entry : 0;
  while (numbered < count) {
    let depth = 0;
    path[depth++] = root;
    seen[root] = 1;
    order[numbered++] = root;
    while (depth > 0) {
      const node = path[depth - 1];
      const at = node * stride0;
      const degree = links0[at];
      let j = cursor[node];
      while (j < degree && seen[links0[at + 1 + j]] !== 0) j++;
      if (j === degree) {
        depth--;
        continue;
      }
      cursor[node] = j + 1;
      const e = links0[at + 1 + j];
      seen[e] = 1;
      order[numbered++] = e;
      path[depth++] = e;
    }
    while (next < count && seen[next] !== 0) next++;
    root = next;
  }
  return order;
}
