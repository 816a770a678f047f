// The WebAssembly search loop (assembly/search.ts) as one thread sees it: an
// instance over the index's memory bound to the thread's search slot, and
// views of that slot's results and allow-list bits.

import type { GraphStore } from '../layout.js';
import type { Metric } from '../metric.js';
import { Int8VectorStore } from '../vector-store.js';
import type { Int8SimdKernel } from './int8-kernel.js';
import { simdModule, type SimdKernel } from './simd-kernel.js';

interface LoopExports {
  configure(slot: number, metric: number): void;
  insert(node: number, efConstruction: number, heuristic: boolean, concurrent: boolean, scale2: number): void;
  update(node: number, efConstruction: number, heuristic: boolean, scale2: number): void;
  knnSearch(query: number, k: number, ef: number, filter: number, concurrent: boolean, scale2: number): number;
  repairLists(count: number, expandTimes: number, heuristic: boolean, scale2: number): void;
  relink(node: number, efConstruction: number, heuristic: boolean, scale2: number): void;
  resultKeysAddress(slot: number): number;
  resultValuesAddress(slot: number): number;
  allowAddress(slot: number): number;
}

/** The loop's metric ids, by the metric's SIMD pair kernel, float32 or int8 (assembly/search.ts `distance`). */
const LOOP_METRIC_IDS: Readonly<Record<Metric['simd']['pair'] | Metric['int8']['simd']['pair'], number>> = {
  l2: 0, ip: 1, l2i8: 0, ipi8: 1,
};

/** The SIMD kernels the loop can stand in for: it computes the same distances, from their query row. */
export type LoopKernel = SimdKernel | Int8SimdKernel;

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
  private readonly kernel: LoopKernel;
  private readonly exports: LoopExports;
  /** The int8 store whose scale the loop's code distances take, null for float32 rows. */
  private readonly int8: Int8VectorStore | null;
  private allowBits!: Uint8Array;
  private generation = -1;

  /** Over `store`'s memory for the thread whose SIMD kernel is `kernel` (its query row is the loop's query). */
  constructor(store: GraphStore, metric: Metric, kernel: LoopKernel, slot: number) {
    const memory = store.graphMemory!;
    const module = simdModule(store.shared)!;
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LoopExports;
    this.int8 = store.vectors instanceof Int8VectorStore ? store.vectors : null;
    this.exports.configure(slot, LOOP_METRIC_IDS[this.int8 === null ? metric.simd.pair : metric.int8.simd.pair]);
    this.store = store;
    this.kernel = kernel;
    this.slot = slot;
  }

  /** The factor of the int8 code distances (ranges are fixed once trained), 1 for float32. */
  private scale2(): number {
    return this.int8 === null ? 1 : this.int8.scaleSquared;
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
    this.exports.insert(node, efConstruction, heuristic, concurrent, this.scale2());
  }

  /** The repair around node `node` after its vector changed (src/algorithms/update.ts). Single-threaded. */
  update(node: number, efConstruction: number, heuristic: boolean): void {
    this.refresh();
    this.exports.update(node, efConstruction, heuristic, this.scale2());
  }

  /** Algorithm 5 from the kernel's query; the results are in `resultKeys`/`resultIds`, nearest first. */
  knn(k: number, ef: number, filter: number, concurrent: boolean): number {
    this.refresh();
    return this.exports.knnSearch(this.kernel.queryAddress, k, ef, filter, concurrent, this.scale2());
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

  /**
   * Step 2 of a hard delete's repair (src/algorithms/remove.ts `repairRemoved`)
   * for every surviving list, the nodes with `removed[node] !== 0` taken
   * out: their bits take the allow-list's place. Single-threaded.
   */
  repairLists(removed: Uint8Array, heuristic: boolean, expandTimes: number): void {
    this.refresh();
    const bits = this.allowBits;
    bits.fill(0);
    for (let node = 0; node < removed.length; node++) if (removed[node] !== 0) bits[node >> 3] |= 1 << (node & 7);
    this.allowStamp = -1;
    this.exports.repairLists(removed.length, expandTimes, heuristic, this.scale2());
  }

  /** Links node `node` again as if inserted (src/algorithms/update.ts `relinkNode`). Single-threaded. */
  relink(node: number, efConstruction: number, heuristic: boolean): void {
    this.refresh();
    this.exports.relink(node, efConstruction, heuristic, this.scale2());
  }
}
