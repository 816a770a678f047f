// The WebAssembly search loop (assembly/search.ts) as one thread sees it: an
// instance over the index's memory bound to the thread's search slot, and
// views of that slot's results and allow-list bits.

import type { GraphStore } from '../layout.js';
import type { Metric } from '../metric.js';
import { simdModule, type SimdKernel } from './simd-kernel.js';

interface LoopExports {
  configure(slot: number, metric: number): void;
  insert(node: number, efConstruction: number, heuristic: boolean, concurrent: boolean): void;
  update(node: number, efConstruction: number, heuristic: boolean): void;
  knnSearch(query: number, k: number, ef: number, filter: number, concurrent: boolean): number;
  resultKeysAddress(slot: number): number;
  resultValuesAddress(slot: number): number;
  allowAddress(slot: number): number;
}

/** The loop's metric ids, by the metric's SIMD pair kernel (assembly/search.ts `distance`). */
const LOOP_METRIC_IDS: Readonly<Record<Metric['simd']['pair'], number>> = { l2: 0, ip: 1 };

/** Filter modes of `knn`: none, skip deleted, skip deleted and nodes not allowed. */
export const LOOP_FILTER_NONE = 0;
export const LOOP_FILTER_DELETED = 1;
export const LOOP_FILTER_ALLOWED = 2;

/** A thread's handle on the WebAssembly loop of one index (slot `slot`). */
export class WasmLoop {
  readonly slot: number;
  /** Nearest first after `knn`: distances and node ids. */
  resultKeys!: Float32Array;
  resultIds!: Int32Array;
  /** The allow-list whose bits are set in the slot (`SearchContext.filterStamp`), -1 for none. */
  allowStamp = -1;
  private readonly store: GraphStore;
  private readonly kernel: SimdKernel;
  private readonly exports: LoopExports;
  private allowBits!: Uint8Array;
  private generation = -1;

  /** Over `store`'s memory for the thread whose SIMD kernel is `kernel` (its query row is the loop's query). */
  constructor(store: GraphStore, metric: Metric, kernel: SimdKernel, slot: number) {
    const memory = store.graphMemory!;
    const module = simdModule(store.shared)!;
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LoopExports;
    this.exports.configure(slot, LOOP_METRIC_IDS[metric.simd.pair]);
    this.store = store;
    this.kernel = kernel;
    this.slot = slot;
  }

  /** Re-makes the views when the store's regions moved. */
  private refresh(): void {
    const store = this.store;
    if (this.generation === store.generation) return;
    const buffer = store.graphMemory!.buffer;
    const entries = store.capacity + 2;
    this.resultKeys = new Float32Array(buffer, this.exports.resultKeysAddress(this.slot), entries);
    this.resultIds = new Int32Array(buffer, this.exports.resultValuesAddress(this.slot), entries);
    this.allowBits = new Uint8Array(buffer, this.exports.allowAddress(this.slot), Math.ceil(store.capacity / 8));
    this.generation = store.generation;
    // Relocation zeroes the slots: no allow-list is set any more.
    this.allowStamp = -1;
  }

  /** Algorithm 1 for node `node` (its vector and level stored). */
  insert(node: number, efConstruction: number, heuristic: boolean, concurrent: boolean): void {
    this.refresh();
    this.exports.insert(node, efConstruction, heuristic, concurrent);
  }

  /** The repair around node `node` after its vector changed (src/algorithms/update.ts). Single-threaded. */
  update(node: number, efConstruction: number, heuristic: boolean): void {
    this.refresh();
    this.exports.update(node, efConstruction, heuristic);
  }

  /** Algorithm 5 from the kernel's query; the results are in `resultKeys`/`resultIds`, nearest first. */
  knn(k: number, ef: number, filter: number, concurrent: boolean): number {
    this.refresh();
    return this.exports.knnSearch(this.kernel.queryAddress, k, ef, filter, concurrent);
  }

  /** Sets the slot's allow bits to `ids[0..count)` (clearing the previous list's), labelled `stamp`. */
  setAllowList(ids: Int32Array, count: number, stamp: number): void {
    this.refresh();
    const bits = this.allowBits;
    bits.fill(0);
    for (let i = 0; i < count; i++) {
      const node = ids[i];
      bits[node >> 3] |= 1 << (node & 7);
    }
    this.allowStamp = stamp;
  }
}
