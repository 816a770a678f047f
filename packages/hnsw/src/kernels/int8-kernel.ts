// The kernels over int8 codes (quantization.ts): a WebAssembly SIMD one
// (assembly/int8.ts, called with the index's memory and the scale squared)
// and the pure-TypeScript fallback. The query is encoded with the index's
// ranges into this thread's scratch row, so query-to-node and node-to-node
// distances are the same integer sums.

import type { GraphStore } from '../layout.js';
import type { Int8MetricKernels } from '../metric.js';
import { paddedRowFloats, type Int8VectorStore } from '../vector-store.js';
import type { Kernel } from './kernel.js';
import { simdModule } from './simd-kernel.js';

type PairExport = (a: number, b: number, bytes: number, scale2: number) => number;
type IdsExport = (q: number, ids: number, count: number, base: number, bytes: number, scale2: number, out: number) => void;
type RangeExport = (q: number, first: number, count: number, bytes: number, scale2: number, out: number) => void;

/** The TypeScript kernel over codes: integer sums in plain JS numbers (exact), then the one scale. */
export class Int8JsKernel implements Kernel {
  readonly name = 'js' as const;
  ids: Int32Array;
  out: Float32Array;
  readonly batchCapacity: number;
  private readonly store: Int8VectorStore;
  private readonly codeSum: Int8MetricKernels['codeSum'];
  private readonly oneMinus: boolean;
  private readonly query: Int8Array;
  private readonly dim: number;
  private readonly rowBytes: number;
  private codes: Int8Array;
  /** Where the query's codes are: the scratch row (`query`) or a stored row of `codes`. */
  private queryRow: Int8Array;
  private queryOffset = 0;

  constructor(graph: GraphStore, vectors: Int8VectorStore, metric: Int8MetricKernels) {
    this.store = vectors;
    this.codeSum = metric.codeSum;
    this.oneMinus = metric.oneMinus;
    this.dim = vectors.dim;
    this.rowBytes = vectors.rowBytes;
    this.query = new Int8Array(vectors.rowBytes);
    this.batchCapacity = graph.batchCapacity;
    this.ids = new Int32Array(this.batchCapacity);
    this.out = new Float32Array(this.batchCapacity);
    this.codes = vectors.codes;
    this.queryRow = this.query;
  }

  refresh(): void {
    this.codes = this.store.codes;
  }

  private distance(sum: number): number {
    const scale2 = this.store.scaleSquared;
    return Math.fround(this.oneMinus ? 1 - scale2 * sum : scale2 * sum);
  }

  setQuery(v: Float32Array, off: number): void {
    this.store.encodeQuery(v, off, this.query, 0);
    this.queryRow = this.query;
    this.queryOffset = 0;
  }

  setQueryNode(node: number): void {
    this.queryRow = this.codes;
    this.queryOffset = node * this.rowBytes;
  }

  distanceToNode(node: number): number {
    return this.distance(this.codeSum(this.queryRow, this.queryOffset, this.codes, node * this.rowBytes, this.dim));
  }

  distanceBetween(a: number, b: number): number {
    return this.distance(this.codeSum(this.codes, a * this.rowBytes, this.codes, b * this.rowBytes, this.dim));
  }

  distancesToIds(count: number): void {
    const { ids, out, codes, rowBytes, dim, queryRow, queryOffset, codeSum } = this;
    for (let j = 0; j < count; j++) out[j] = this.distance(codeSum(queryRow, queryOffset, codes, ids[j] * rowBytes, dim));
  }

  distancesToRange(first: number, count: number): void {
    const { out, codes, rowBytes, dim, queryRow, queryOffset, codeSum } = this;
    for (let j = 0; j < count; j++) out[j] = this.distance(codeSum(queryRow, queryOffset, codes, (first + j) * rowBytes, dim));
  }
}

/** The WebAssembly SIMD kernel over codes, one instance per thread over the index's memory. */
export class Int8SimdKernel implements Kernel {
  readonly name = 'simd' as const;
  ids!: Int32Array;
  out!: Float32Array;
  readonly batchCapacity: number;
  private readonly store: Int8VectorStore;
  private readonly memory: WebAssembly.Memory;
  private readonly pair: PairExport;
  private readonly byIds: IdsExport;
  private readonly byRange: RangeExport;
  private readonly rowBytes: number;
  private readonly scratchQueryAddress: number;
  private readonly scratchIdsAddress: number;
  private readonly scratchOutAddress: number;
  private queryView!: Int8Array;
  private readonly base: number;
  private query: number;
  /** The scale squared, read from the store at each new query (a training changes it before any query). */
  private scale2 = 1;

  constructor(graph: GraphStore, vectors: Int8VectorStore, metric: Int8MetricKernels, slot: number) {
    this.store = vectors;
    this.memory = vectors.memory!;
    const module = simdModule(graph.shared)!;
    const exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as Record<string, unknown>;
    this.pair = exports[metric.simd.pair] as PairExport;
    this.byIds = exports[metric.simd.ids] as IdsExport;
    this.byRange = exports[metric.simd.range] as RangeExport;
    this.rowBytes = vectors.rowBytes;
    this.batchCapacity = graph.batchCapacity;
    // The slot's query row is sized for float32 rows, more than a code row needs.
    this.scratchQueryAddress = graph.scratchAddress(slot);
    this.scratchIdsAddress = this.scratchQueryAddress + 4 * paddedRowFloats(graph.dim);
    this.scratchOutAddress = this.scratchIdsAddress + 4 * this.batchCapacity;
    this.base = vectors.baseAddress;
    this.query = this.scratchQueryAddress;
    this.refresh();
  }

  refresh(): void {
    const buffer = this.memory.buffer;
    this.queryView = new Int8Array(buffer, this.scratchQueryAddress, this.rowBytes);
    this.ids = new Int32Array(buffer, this.scratchIdsAddress, this.batchCapacity);
    this.out = new Float32Array(buffer, this.scratchOutAddress, this.batchCapacity);
    this.scale2 = this.store.scaleSquared;
  }

  /** Byte address of the current query's code row (the search loop reads it there). */
  get queryAddress(): number {
    return this.query;
  }

  setQuery(v: Float32Array, off: number): void {
    this.store.encodeQuery(v, off, this.queryView, 0);
    this.query = this.scratchQueryAddress;
    this.scale2 = this.store.scaleSquared;
  }

  setQueryNode(node: number): void {
    this.query = this.base + node * this.rowBytes;
    this.scale2 = this.store.scaleSquared;
  }

  distanceToNode(node: number): number {
    return this.pair(this.query, this.base + node * this.rowBytes, this.rowBytes, this.scale2);
  }

  distanceBetween(a: number, b: number): number {
    return this.pair(this.base + a * this.rowBytes, this.base + b * this.rowBytes, this.rowBytes, this.scale2);
  }

  distancesToIds(count: number): void {
    this.byIds(this.query, this.scratchIdsAddress, count, this.base, this.rowBytes, this.scale2, this.scratchOutAddress);
  }

  distancesToRange(first: number, count: number): void {
    this.byRange(this.query, this.base + first * this.rowBytes, count, this.rowBytes, this.scale2, this.scratchOutAddress);
  }
}
