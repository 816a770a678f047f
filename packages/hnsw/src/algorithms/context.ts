// A thread's working set for the algorithms: its kernel, visited set, heaps
// and selection buffers, allocated once and reused by every insert and query.

import type { Kernel } from '../kernels/kernel.js';
import type { WasmLoop } from '../kernels/wasm-loop.js';
import type { GraphStore } from '../layout.js';
import { MaxHeap, MinHeap } from '../heap.js';
import { VisitedSet } from '../visited.js';
import type { Tracer } from './tracer.js';

export class SearchContext {
  readonly store: GraphStore;
  kernel: Kernel;
  /** The WebAssembly twin of these algorithms for this thread, or null (algorithms/dispatch.ts chooses). */
  loop: WasmLoop | null = null;
  readonly visited: VisitedSet;
  /** C: candidates to expand, closest first. */
  readonly candidates: MinHeap;
  /** W: the ef nearest found so far, furthest on top. */
  readonly results: MaxHeap;
  /** Candidates sorted nearest first, input of SELECT-NEIGHBORS. */
  sortedIds: Int32Array;
  sortedDists: Float64Array;
  /** Output of SELECT-NEIGHBORS. */
  selectedIds: Int32Array;
  selectedDists: Float64Array;
  /** The neighbours chosen for the node being inserted at the current layer. */
  linkIds: Int32Array;
  /** Candidate buffer of the neighbourhood repair after an update. */
  updateIds: Int32Array;
  /** Output of the greedy descent: the entry point for the next layer. */
  epNode = -1;
  epDist = 0;
  /** Lock link lists while reading and writing them (several threads on one graph). */
  concurrent = false;
  /** Use Algorithm 4 (heuristic) to select neighbours, else Algorithm 3 (simple). */
  heuristic = true;
  /**
   * Query-time filter on node ids (an allow-list: a byte per node, 1 =
   * allowed) or on labels (a predicate); null = all.
   */
  allowedNodes: Uint8Array | null = null;
  /** With `allowedNodes`: the allowed node ids, the first `allowedIdCount` entries (the exact scan reads them). */
  allowedIds: Int32Array | null = null;
  allowedIdCount = 0;
  /** Bumped whenever an allow-list is set, so a copy of it (the wasm loop's bits) knows it is stale. */
  filterStamp = 0;
  allowedLabel: ((label: number) => boolean) | null = null;
  /**
   * The observer of the TypeScript algorithms (the explorer's tracer), null
   * when nobody watches: each hook is one test of this field.
   */
  trace: Tracer | null = null;
  /** With a tracer: per selection candidate, the kept node that rejected it, or -1. */
  rejectedBy = new Int32Array(0);

  constructor(store: GraphStore, kernel: Kernel) {
    this.store = store;
    this.kernel = kernel;
    this.visited = new VisitedSet(store.capacity);
    this.candidates = new MinHeap(256);
    this.results = new MaxHeap(256);
    const selection = Math.max(256, store.m0 + 1);
    this.sortedIds = new Int32Array(selection);
    this.sortedDists = new Float64Array(selection);
    this.selectedIds = new Int32Array(selection);
    this.selectedDists = new Float64Array(selection);
    this.linkIds = new Int32Array(store.m0 + 1);
    this.updateIds = new Int32Array(0);
  }

  /** Makes the selection buffers hold at least `n` candidates. */
  reserveSelection(n: number): void {
    if (n <= this.sortedIds.length) return;
    const size = Math.max(n, this.sortedIds.length * 2);
    this.sortedIds = new Int32Array(size);
    this.sortedDists = new Float64Array(size);
    this.selectedIds = new Int32Array(size);
    this.selectedDists = new Float64Array(size);
  }

  /** True when node `node` may appear in query results (not deleted, passes the filter). */
  accepts(node: number): boolean {
    if (this.store.deleted[node] !== 0) return false;
    if (this.allowedNodes !== null && this.allowedNodes[node] === 0) return false;
    return this.allowedLabel === null || this.allowedLabel(this.store.labels[node]);
  }

  /**
   * Moves W (`results`) into `sortedIds`/`sortedDists`, nearest first, and
   * returns the count.
   */
  drainResultsSorted(): number {
    this.reserveSelection(this.results.size);
    return this.results.drainAscending(this.sortedDists, this.sortedIds);
  }
}
