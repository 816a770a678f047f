// The WebAssembly SIMD kernel: AssemblyScript compiled at build time
// (assembly/kernels.ts), instantiated per thread over the index's memory.
// Each thread passes byte addresses of its own scratch slot.

import { SmallworldError } from '../errors.js';
import type { GraphStore } from '../layout.js';
import type { Metric } from '../metric.js';
import type { VectorStore } from '../vector-store.js';
import type { Kernel } from './kernel.js';
import { SIMD_KERNELS_SHARED, SIMD_KERNELS_UNSHARED } from './simd-wasm.generated.js';

interface KernelExports {
  l2(a: number, b: number, bytes: number): number;
  ip(a: number, b: number, bytes: number): number;
  l2Ids(q: number, ids: number, count: number, base: number, bytes: number, out: number): void;
  ipIds(q: number, ids: number, count: number, base: number, bytes: number, out: number): void;
  l2Range(q: number, first: number, count: number, bytes: number, out: number): void;
  ipRange(q: number, first: number, count: number, bytes: number, out: number): void;
}

let sharedModule: WebAssembly.Module | null | undefined;
let unsharedModule: WebAssembly.Module | null | undefined;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The compiled kernel module for a shared or unshared memory; null where SIMD is unsupported. */
export function simdModule(shared: boolean): WebAssembly.Module | null {
  if (shared ? sharedModule === undefined : unsharedModule === undefined) {
    const bytes = decode(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_UNSHARED);
    const module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    if (shared) sharedModule = module;
    else unsharedModule = module;
  }
  return (shared ? sharedModule : unsharedModule) ?? null;
}

export class SimdKernel implements Kernel {
  readonly name = 'simd' as const;
  ids!: Int32Array;
  out!: Float32Array;
  readonly batchCapacity: number;
  private readonly memory: WebAssembly.Memory;
  private readonly exports: KernelExports;
  private readonly pair: (a: number, b: number, bytes: number) => number;
  private readonly byIds: KernelExports['l2Ids'];
  private readonly byRange: KernelExports['l2Range'];
  private readonly rowBytes: number;
  private readonly dim: number;
  /** Byte addresses of this thread's scratch in the memory: query row, id batch, distance batch. */
  private readonly scratchQueryAddress: number;
  private readonly scratchIdsAddress: number;
  private readonly scratchOutAddress: number;
  private queryView!: Float32Array;
  private readonly base: number;
  /** Address of the current query row: the scratch row or a stored node. */
  private query: number;

  /**
   * Over f32 `vectors` in their WebAssembly memory; `slot` is this thread's
   * scratch slot in it (0 for the main thread).
   */
  constructor(graph: GraphStore, vectors: VectorStore, metric: Metric, slot: number) {
    const memory = vectors.memory;
    const module = memory === null ? null : simdModule(graph.shared);
    if (memory === null || module === null) throw new SmallworldError('UNSUPPORTED', 'WebAssembly SIMD kernels are unavailable here');
    this.memory = memory;
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    this.pair = this.exports[metric.simd.pair];
    this.byIds = this.exports[metric.simd.ids];
    this.byRange = this.exports[metric.simd.range];
    this.rowBytes = vectors.rowBytes;
    this.dim = vectors.dim;
    this.batchCapacity = graph.batchCapacity;
    this.scratchQueryAddress = graph.scratchAddress(slot);
    this.scratchIdsAddress = this.scratchQueryAddress + vectors.rowBytes;
    this.scratchOutAddress = this.scratchIdsAddress + 4 * this.batchCapacity;
    this.base = vectors.baseAddress;
    this.query = this.scratchQueryAddress;
    this.refresh();
  }

  /** Byte address of the current query row (the wasm loop reads it there). */
  get queryAddress(): number {
    return this.query;
  }

  refresh(): void {
    const buffer = this.memory.buffer;
    this.queryView = new Float32Array(buffer, this.scratchQueryAddress, this.rowBytes / 4);
    this.ids = new Int32Array(buffer, this.scratchIdsAddress, this.batchCapacity);
    this.out = new Float32Array(buffer, this.scratchOutAddress, this.batchCapacity);
  }

  setQuery(v: Float32Array, off: number): void {
    const view = this.queryView;
    for (let i = 0; i < this.dim; i++) view[i] = v[off + i];
    this.query = this.scratchQueryAddress;
  }

  setQueryNode(node: number): void {
    this.query = this.base + node * this.rowBytes;
  }

  distanceToNode(node: number): number {
    return this.pair(this.query, this.base + node * this.rowBytes, this.rowBytes);
  }

  distanceBetween(a: number, b: number): number {
    return this.pair(this.base + a * this.rowBytes, this.base + b * this.rowBytes, this.rowBytes);
  }

  distancesToIds(count: number): void {
    this.byIds(this.query, this.scratchIdsAddress, count, this.base, this.rowBytes, this.scratchOutAddress);
  }

  distancesToRange(first: number, count: number): void {
    this.byRange(this.query, this.base + first * this.rowBytes, count, this.rowBytes, this.scratchOutAddress);
  }
}
