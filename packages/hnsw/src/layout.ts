// Buffer layout of an index: every vector, link and label lives in a handful
// of typed arrays, addressed by offset arithmetic. The idea is hnswlib's (no
// object per node, every accessor an offset computation), but where hnswlib
// interleaves a node's links, vector and label in one fixed-size record of
// one slab, here each field is its own typed array (a struct of arrays), so
// the vectors can sit in WebAssembly memory and the rest in shared buffers.
//
//  WebAssembly.Memory (shared when the runtime allows; the SIMD kernels address it)
//  +----------+-------------------------------+-------------------------------------+
//  | reserved | scratch slot x MAX_THREADS    | vectors: capacity x rowFloats f32   |
//  | 1 KiB    | query row | ids i32 | out f32 | row = dim floats + zero padding to 8 |
//  +----------+-------------------------------+-------------------------------------+
//  (the vectors are a VectorStore, vector-store.ts; the scratch is the kernels')
//
//  links0      Int32Array  capacity x (1 + M0)   [count, id x M0] per node, level 0
//  upperLinks  Int32Array  arena of (1 + M) records: a node of level l owns l records
//  upperOffsets Int32Array capacity              index of a node's level-1 record, -1 if none
//  levels      Uint8Array  capacity              top layer of each node
//  labels      Float64Array capacity             the caller's label of each node
//  deleted     Uint8Array  capacity              1 when marked deleted
//  locks       Int32Array  capacity              per-node lock words (parallel build)
//  meta        Int32Array  META_LENGTH           entry point, top level, node count, global lock
// (every array but the vectors is declared once, in GRAPH_ARRAYS below)
//
// Bytes per node, with dim 128 and M 16 (M0 = 32):
//   vector        4 x rowFloats               = 4 x 128            = 512
//   level 0       4 x (1 + M0)                = 4 x 33             = 132
//   upper levels  4 x (1 + M) per level, and a node has on average
//                 sum over l >= 1 of P(level >= l) = sum M^-l = 1/(M - 1) levels
//                                             = 68 / 15            ~ 4.5
//   per-node      4 + 1 + 8 + 1 + 4 (upper offset, level, label, deleted, lock) = 18
//   total                                     = 512 + 132 + 4.5 + 18 ~ 667 bytes.

import {
  F32VectorStore, attachVectorStore, paddedRowFloats, type VectorStore, type VectorStoreDescriptor,
} from './vector-store.js';
import { WASM_MAX_BYTES } from './vector-store.js';

/** Scratch slots: one per thread that may run a kernel on this index at once. */
export const MAX_THREADS = 64;
/** Ids (and distances) one scratch slot holds: the largest kernel batch. */
export const MIN_SCRATCH_IDS = 1024;
/** The top layer is capped so a level fits in a byte (reached with probability ~M^-255). */
export const MAX_LEVEL = 255;
const RESERVED_BYTES = 1024;

/** Byte counts of an index's WebAssembly memory (the top box of the diagram above). */
export interface WasmMemoryBytes {
  /** Ids (and distances) one scratch slot's kernel batch holds. */
  batchCapacity: number;
  /** Bytes of one scratch slot: the query row, then the id and distance batches. */
  scratchSlotBytes: number;
  /** Bytes before row 0: the reserved KiB and one scratch slot per thread. */
  headBytes: number;
  /** Bytes per node: one f32 row padded to 8 floats. */
  bytesPerNode: number;
}

/** The byte counts of the WebAssembly memory of an index of dimension `dim` and `m` links (f32 rows). */
export function wasmMemoryBytes(dim: number, m: number): WasmMemoryBytes {
  const batchCapacity = Math.max(MIN_SCRATCH_IDS, 2 * (2 * m + 1));
  const rowBytes = 4 * paddedRowFloats(dim);
  const scratchSlotBytes = rowBytes + 8 * batchCapacity;
  return { batchCapacity, scratchSlotBytes, headBytes: RESERVED_BYTES + MAX_THREADS * scratchSlotBytes, bytesPerNode: rowBytes };
}

/**
 * Most nodes an index of dimension `dim` and `m` links holds in one
 * WebAssembly memory (wasm32 addresses 4 GiB), so on the SIMD kernels: past
 * it the vectors move to a plain buffer and the TypeScript kernels. About
 * 8.39M nodes at dim 128. `ShardedIndex` sizes its shards by it.
 */
export function maxNodesPerWasmMemory(dim: number, m: number): number {
  const { headBytes, bytesPerNode } = wasmMemoryBytes(dim, m);
  return Math.floor((WASM_MAX_BYTES - headBytes) / bytesPerNode);
}

/** Indices into `meta`. */
export const META_ENTRY_POINT = 0;
export const META_MAX_LEVEL = 1;
export const META_COUNT = 2;
/** Lock word guarding the entry point and top level while a node above it is inserted. */
export const META_GLOBAL_LOCK = 3;
export const META_LENGTH = 4;

/** Whether this runtime can share memory with workers (SharedArrayBuffer, cross-origin isolation). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; window?: unknown };
  return g.window === undefined || g.crossOriginIsolated === true;
}

function allocate(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** The typed arrays of a store besides the vectors, by name. */
export interface GraphArrays {
  links0: Int32Array;
  upperLinks: Int32Array;
  upperOffsets: Int32Array;
  levels: Uint8Array;
  labels: Float64Array;
  deleted: Uint8Array;
  locks: Int32Array;
  meta: Int32Array;
}

type GraphArrayName = keyof GraphArrays;
type TypedArrayOf<K extends GraphArrayName> = { new (buffer: ArrayBufferLike): GraphArrays[K]; readonly BYTES_PER_ELEMENT: number };

/** One array of a store: its element type, its length, and the value of an entry not yet written. */
interface GraphArraySpec<K extends GraphArrayName = GraphArrayName> {
  readonly name: K;
  readonly type: TypedArrayOf<K>;
  /**
   * Entries per node for a per-node array, grown with the capacity by
   * `reserve`; null for the two others (the upper-level arena grows by
   * `reserveUpper`, meta is fixed).
   */
  readonly perNode: ((store: GraphStore) => number) | null;
  /** Entries of a new store when `perNode` is null. */
  readonly initialLength: (store: GraphStore) => number;
  readonly fill: number;
}

const spec = <K extends GraphArrayName>(s: GraphArraySpec<K>): GraphArraySpec => s as unknown as GraphArraySpec;
const one = (): number => 1;

/**
 * Every array of a store besides the vectors, declared once: the constructor
 * allocates them, `reserve` grows the per-node ones, and the worker protocol
 * posts and re-wraps them (`buffers`, `GraphStore.attach`).
 */
export const GRAPH_ARRAYS: readonly GraphArraySpec[] = [
  spec({ name: 'links0', type: Int32Array, perNode: (s) => s.stride0, initialLength: () => 0, fill: 0 }),
  spec({ name: 'upperOffsets', type: Int32Array, perNode: one, initialLength: () => 0, fill: -1 }),
  spec({ name: 'levels', type: Uint8Array, perNode: one, initialLength: () => 0, fill: 0 }),
  spec({ name: 'labels', type: Float64Array, perNode: one, initialLength: () => 0, fill: 0 }),
  spec({ name: 'deleted', type: Uint8Array, perNode: one, initialLength: () => 0, fill: 0 }),
  spec({ name: 'locks', type: Int32Array, perNode: one, initialLength: () => 0, fill: 0 }),
  spec({ name: 'upperLinks', type: Int32Array, perNode: null, initialLength: (s) => 16 * s.strideUpper, fill: 0 }),
  spec({ name: 'meta', type: Int32Array, perNode: null, initialLength: () => META_LENGTH, fill: 0 }),
];

/** New typed array of `length` entries of `type` on a (shared) buffer: `old`'s entries, then `fill`. */
function growArray<T extends GraphArrays[GraphArrayName]>(
  type: { new (buffer: ArrayBufferLike): T; readonly BYTES_PER_ELEMENT: number },
  old: T | null, length: number, shared: boolean, fill: number,
): T {
  const next = new type(allocate(length * type.BYTES_PER_ELEMENT, shared));
  const from = old === null ? 0 : old.length;
  if (old !== null) next.set(old as never);
  if (fill !== 0) next.fill(fill as never, from);
  return next;
}

/** The shape of an index's buffers, fixed at construction. */
export interface GraphShape {
  dim: number;
  m: number;
  /** Share buffers with workers (SharedArrayBuffer / shared WebAssembly.Memory). */
  shared: boolean;
  /** Put the vectors in a WebAssembly.Memory so the SIMD kernels can read them. */
  wasmMemory: boolean;
}

/** Every buffer of a store, as posted to a worker (all shared: posting shares the bytes). */
export interface GraphBuffers {
  dim: number;
  m: number;
  capacity: number;
  generation: number;
  vectors: VectorStoreDescriptor;
  arrays: Record<GraphArrayName, ArrayBufferLike>;
}

/** All buffers of one index; both the HNSW graph and the brute-force index use it. */
export class GraphStore implements GraphArrays {
  readonly dim: number;
  readonly m: number;
  readonly m0: number;
  readonly stride0: number;
  readonly strideUpper: number;
  readonly shared: boolean;
  /** Ids (and distances) a kernel batch holds: the entries of a scratch slot's id and distance arrays. */
  readonly batchCapacity: number;
  readonly scratchSlotBytes: number;

  capacity = 0;
  /** The vectors: where they live and how they are encoded. */
  readonly vectors: VectorStore;
  links0!: Int32Array;
  upperLinks!: Int32Array;
  /** Int32s of `upperLinks` in use. */
  upperUsed = 0;
  upperOffsets!: Int32Array;
  levels!: Uint8Array;
  labels!: Float64Array;
  deleted!: Uint8Array;
  locks!: Int32Array;
  meta!: Int32Array;
  /** Bumped whenever a buffer is replaced, so views held elsewhere know to refresh. */
  generation = 0;

  /** A new, empty store; with `attach`, a view over a store's buffers in a worker (same accessors, no allocation). */
  constructor(shape: GraphShape, capacity: number, attach?: GraphBuffers) {
    this.dim = shape.dim;
    this.m = shape.m;
    this.m0 = 2 * shape.m;
    this.stride0 = 1 + this.m0;
    this.strideUpper = 1 + shape.m;
    this.shared = shape.shared;
    const bytes = wasmMemoryBytes(shape.dim, shape.m);
    this.batchCapacity = bytes.batchCapacity;
    this.scratchSlotBytes = bytes.scratchSlotBytes;
    const cap = Math.max(1, capacity);
    this.capacity = cap;
    const arrays = this as unknown as Record<GraphArrayName, GraphArrays[GraphArrayName]>;
    if (attach !== undefined) {
      this.vectors = attachVectorStore(attach.vectors);
      for (const a of GRAPH_ARRAYS) arrays[a.name] = new a.type(attach.arrays[a.name]);
      this.generation = attach.generation;
      return;
    }
    this.vectors = new F32VectorStore({
      dim: shape.dim, capacity: cap, shared: shape.shared, wasmMemory: shape.wasmMemory,
      headBytes: RESERVED_BYTES + MAX_THREADS * this.scratchSlotBytes,
    });
    for (const a of GRAPH_ARRAYS) {
      const length = a.perNode === null ? a.initialLength(this) : cap * a.perNode(this);
      arrays[a.name] = growArray(a.type, null, length, shape.shared, a.fill);
    }
    this.meta[META_ENTRY_POINT] = -1;
    this.meta[META_MAX_LEVEL] = -1;
  }

  /** A store over the buffers `buffers` describes (in a worker). It never grows: the owner grows it before dispatching. */
  static attach(buffers: GraphBuffers): GraphStore {
    const shape = { dim: buffers.dim, m: buffers.m, shared: true, wasmMemory: buffers.vectors.memory !== null };
    return new GraphStore(shape, buffers.capacity, buffers);
  }

  /** Every buffer of this store, for `GraphStore.attach` in a worker (the buffers must be shared). */
  buffers(): GraphBuffers {
    const arrays = {} as Record<GraphArrayName, ArrayBufferLike>;
    const self = this as unknown as Record<GraphArrayName, GraphArrays[GraphArrayName]>;
    for (const a of GRAPH_ARRAYS) arrays[a.name] = self[a.name].buffer;
    return {
      dim: this.dim, m: this.m, capacity: this.capacity, generation: this.generation,
      vectors: this.vectors.describe(), arrays,
    };
  }

  /** Nodes allocated so far (ids 0..count-1), deleted ones included. */
  get count(): number {
    return this.meta[META_COUNT];
  }

  get entryPoint(): number {
    return this.meta[META_ENTRY_POINT];
  }

  get maxLevel(): number {
    return this.meta[META_MAX_LEVEL];
  }

  /** Index in `links0` of the count word of `node`'s level-0 list. */
  offset0(node: number): number {
    return node * this.stride0;
  }

  /** The array holding `node`'s list at `level`. */
  linksArray(level: number): Int32Array {
    return level === 0 ? this.links0 : this.upperLinks;
  }

  /** Index of the count word of `node`'s list at `level` in `linksArray(level)`. */
  linksOffset(node: number, level: number): number {
    return level === 0 ? node * this.stride0 : this.upperOffsets[node] + (level - 1) * this.strideUpper;
  }

  /** Byte address of scratch slot `slot` (one per thread) in the vectors' memory. */
  scratchAddress(slot: number): number {
    return RESERVED_BYTES + slot * this.scratchSlotBytes;
  }

  /** Grows every per-node buffer to hold at least `minCapacity` nodes (amortised doubling). */
  reserve(minCapacity: number): void {
    if (minCapacity <= this.capacity) return;
    let cap = Math.max(minCapacity, Math.ceil(this.capacity * 2));
    const { memory, baseAddress, rowBytes } = this.vectors;
    // Doubling past what the wasm memory holds would move the vectors to the
    // TypeScript kernels while the nodes asked for still fit: stop at the limit.
    const fit = Math.floor((WASM_MAX_BYTES - baseAddress) / rowBytes);
    if (memory !== null && minCapacity <= fit) cap = Math.min(cap, fit);
    this.vectors.grow(cap, this.count);
    const arrays = this as unknown as Record<GraphArrayName, GraphArrays[GraphArrayName]>;
    for (const a of GRAPH_ARRAYS) {
      if (a.perNode !== null) arrays[a.name] = growArray(a.type, arrays[a.name], cap * a.perNode(this), this.shared, a.fill);
    }
    this.capacity = cap;
    this.generation++;
  }

  /** Makes room in the upper-level arena for `records` more records of (1 + M) ints. */
  reserveUpper(records: number): void {
    const need = this.upperUsed + records * this.strideUpper;
    if (need <= this.upperLinks.length) return;
    this.upperLinks = growArray(Int32Array, this.upperLinks, Math.max(need, this.upperLinks.length * 2), this.shared, 0);
    this.generation++;
  }

  /**
   * Takes the next node id for a vector of top layer `level`; the caller has
   * reserved capacity and writes the vector and label.
   */
  allocateNode(level: number): number {
    const node = this.meta[META_COUNT];
    this.levels[node] = level;
    if (level > 0) {
      this.reserveUpper(level);
      this.upperOffsets[node] = this.upperUsed;
      this.upperUsed += level * this.strideUpper;
    }
    this.meta[META_COUNT] = node + 1;
    return node;
  }
}
