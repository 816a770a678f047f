// Buffer layout of an index: every vector, link and mark lives in typed
// arrays addressed by offset arithmetic. The idea is hnswlib's (no object per
// node, every accessor an offset computation), but where hnswlib interleaves
// a node's links, vector and label in one record of one slab, here each field
// is its own typed array (a struct of arrays). Under wasm32's 4 GiB every
// array the search loop reads sits in the index's WebAssembly.Memory, so the
// AssemblyScript loop (assembly/search.ts) addresses it in place.
//
//  WebAssembly.Memory (shared when the runtime allows)
//  +----------------------------------------------------------------------+
//  | 0     reserved (address 0 is never a valid row)                      |
//  | 256   layout header: HEADER_FIELDS i32s, the byte address of every   |
//  |       region below (rewritten on growth; the wasm loop reads it)     |
//  | 512   meta: META_LENGTH i32s (entry point, top level, count, lock)   |
//  | 1024  kernel scratch x MAX_THREADS: query row | ids i32 | out f32    |
//  | base  vectors: capacity x rowBytes (a VectorStore, vector-store.ts)  |
//  |       links0       capacity x (1 + M0) i32  [count, id x M0]         |
//  |       upperOffsets capacity i32   first upper record, -1 if none     |
//  |       levels       capacity u8    top layer of each node             |
//  |       deleted      capacity u8    1 when marked deleted              |
//  |       locks        capacity i32   per-node lock words                |
//  |       upperLinks   arena of (1 + M) i32 records, a node of level l   |
//  |                    owns l of them (doubles when full)                |
//  |       search scratch x searchSlots (threads actually used):          |
//  |         slot header | selection buffers | visited u16 x capacity |   |
//  |         allow-list bits x capacity | C and W heaps x (capacity + 2)  |
//  +----------------------------------------------------------------------+
//  labels     Float64Array capacity, a plain (shared) buffer: the loop never reads them
//
// Growth is by relocation: the regions after the vectors are laid out
// again for the new capacity (every region only moves up), the memory is
// grown (memory.grow), the regions are moved from the last to the first
// (copyWithin, so none overwrites one not yet moved), their new tails are
// filled, the vectors' new rows zeroed (their padding must be 0), the
// search scratch zeroed (it holds nothing between calls), and every typed
// array view is made again. `generation` is bumped: workers re-wrap their
// views at their next task (the worker protocol re-attaches on a new
// generation); the owner grows only while no worker task runs. Adding a
// search slot (a thread) appends at the end: nothing moves.
//
// Bytes per node in the memory (`bytesPerNode`), dim 128, M 16 (M0 = 32), f32:
//   vector        4 x paddedRowFloats(dim)               = 512
//   level 0       4 x (1 + M0)                           = 132
//   upper levels  4 x (1 + M) x 1/(M - 1) on average     ~ 4.5 (arena doubling: up to 2x)
//   per-node      4 + 1 + 1 + 4 (offset, level, deleted, lock) = 10
//   per thread    2 + 1/8 + 8 + 8 (visited, allow bit, C, W)   ~ 18.1 per search slot
//   total, 1 thread                                      ~ 677 bytes; 4 GiB / 677 ~ 6.3M nodes,
//   and capacity doubles, so an index grown by doubling reaches about half of
//   `maxNodesPerWasmMemory` before it has to leave the memory (reserve first).
// Past 4 GiB the graph arrays move to plain shared buffers and the TypeScript
// loop (src/algorithms/) runs; past 4 GiB of vectors alone the JS kernels too.
// Where memory cannot be shared (a browser page without cross-origin
// isolation) the graph stays in plain buffers too: growing a non-shared
// memory detaches every view of it, the vector store's rows included.

import {
  WASM_MAX_BYTES, attachVectorStore, createVectorStore, int8RowBytes, paddedRowFloats,
  type Int8StoreOptions, type VectorEncoding, type VectorStore, type VectorStoreDescriptor,
} from './vector-store.js';

/** Scratch slots: one per thread that may run a kernel on this index at once. */
export const MAX_THREADS = 64;
/** Ids (and distances) one scratch slot holds: the largest kernel batch. */
export const MIN_SCRATCH_IDS = 1024;
/** The top layer is capped so a level fits in a byte (reached with probability ~M^-255). */
export const MAX_LEVEL = 255;
const RESERVED_BYTES = 1024;
const WASM_PAGE = 65536;

/** Byte address of the layout header in the memory (assembly/search.ts reads the same address). */
export const HEADER_ADDRESS = 256;
/** Byte address of `meta` in the memory. */
export const META_ADDRESS = 512;

/**
 * Fields of the layout header, i32 each, in this order from
 * HEADER_ADDRESS: byte addresses and strides the wasm loop reads at every
 * call (assembly/search.ts declares the same indices).
 */
export const HEADER_FIELDS = [
  'links0', 'stride0', 'upperOffsets', 'upperLinks', 'strideUpper', 'levels', 'deleted', 'locks',
  'meta', 'vectorBase', 'rowBytes', 'encodingId', 'm', 'm0', 'capacity',
  'scratchBase', 'slotBytes', 'slotVisited', 'slotAllow', 'slotCKeys', 'slotCValues', 'slotWKeys', 'slotWValues',
] as const;
type HeaderField = (typeof HEADER_FIELDS)[number];

/** Bytes of a search slot's header (epoch and outputs) before its selection buffers. */
export const SLOT_HEADER_BYTES = 64;

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

const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;

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
type TypedArrayOf<K extends GraphArrayName> = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): GraphArrays[K];
  readonly BYTES_PER_ELEMENT: number;
};

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
  /**
   * Where the array lives while the store has a wasm memory: 'region' (a
   * relocatable region after the vectors, in this table's order), 'meta'
   * (the fixed META_ADDRESS) or 'buffer' (its own buffer: the loop never
   * reads it).
   */
  readonly placement: 'region' | 'meta' | 'buffer';
}

const spec = <K extends GraphArrayName>(s: GraphArraySpec<K>): GraphArraySpec => s as unknown as GraphArraySpec;
const one = (): number => 1;

/**
 * Every array of a store besides the vectors, declared once: the constructor
 * allocates them, `reserve` grows the per-node ones, the memory layout
 * places them, and the worker protocol posts and re-wraps them (`buffers`,
 * `GraphStore.attach`). The regions follow this order in the memory.
 */
export const GRAPH_ARRAYS: readonly GraphArraySpec[] = [
  spec({ name: 'links0', type: Int32Array, perNode: (s) => s.stride0, initialLength: () => 0, fill: 0, placement: 'region' }),
  spec({ name: 'upperOffsets', type: Int32Array, perNode: one, initialLength: () => 0, fill: -1, placement: 'region' }),
  spec({ name: 'levels', type: Uint8Array, perNode: one, initialLength: () => 0, fill: 0, placement: 'region' }),
  spec({ name: 'labels', type: Float64Array, perNode: one, initialLength: () => 0, fill: 0, placement: 'buffer' }),
  spec({ name: 'deleted', type: Uint8Array, perNode: one, initialLength: () => 0, fill: 0, placement: 'region' }),
  spec({ name: 'locks', type: Int32Array, perNode: one, initialLength: () => 0, fill: 0, placement: 'region' }),
  spec({ name: 'upperLinks', type: Int32Array, perNode: null, initialLength: (s) => 16 * s.strideUpper, fill: 0, placement: 'region' }),
  spec({ name: 'meta', type: Int32Array, perNode: null, initialLength: () => META_LENGTH, fill: 0, placement: 'meta' }),
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
  /** Put the vectors (and the graph, while it fits) in a WebAssembly.Memory. */
  wasmMemory: boolean;
  /** int8 codes (and their options) instead of float32 rows; absent or null = float32. */
  int8?: Int8StoreOptions | null;
}

/** Where one array of a posted store lives: its own buffer, or (buffer null) the vectors' wasm memory. */
export interface ArrayPlace {
  buffer: ArrayBufferLike | null;
  byteOffset: number;
  length: number;
}

/** Every buffer of a store, as posted to a worker (all shared: posting shares the bytes). */
export interface GraphBuffers {
  dim: number;
  m: number;
  capacity: number;
  generation: number;
  searchSlots: number;
  vectors: VectorStoreDescriptor;
  arrays: Record<GraphArrayName, ArrayPlace>;
}

/** Bytes of one f32/encoded row per encoding (the vector store's `rowBytes`). */
const ROW_BYTES: Readonly<Record<VectorEncoding, (dim: number) => number>> = {
  f32: (dim) => 4 * paddedRowFloats(dim),
  int8: (dim) => int8RowBytes(dim),
};

/** Bytes of a search slot's selection buffers: four i32/f32 arrays of M0 + 2 (R, R distances, links, batch). */
function selectionBytes(m: number): number {
  return align8(4 * 4 * (2 * m + 2));
}

/** Bytes of one search slot (a thread's visited set, allow bits, heaps) for `capacity` nodes. */
export function searchSlotBytes(m: number, capacity: number): number {
  const heap = align8(4 * (capacity + 2));
  return SLOT_HEADER_BYTES + selectionBytes(m) + align8(2 * capacity) + align8(Math.ceil(capacity / 8)) + 4 * heap;
}

/** Bytes before the vectors: reserved, header, meta and the kernels' scratch slots. */
export function headBytes(dim: number, m: number): number {
  const batch = Math.max(MIN_SCRATCH_IDS, 2 * (2 * m + 1));
  return RESERVED_BYTES + MAX_THREADS * (4 * paddedRowFloats(dim) + 8 * batch);
}

/**
 * Bytes one node costs in an index's WebAssembly.Memory, on average:
 * its row, level-0 list, share of the upper-level arena (1/(M - 1) records,
 * counted twice for the arena's doubling headroom), offset, level, deleted
 * mark and lock word, and per search thread its visited tag, allow bit and
 * two heap entries. Labels are outside the memory (8 bytes per node more
 * in the process). `ShardedIndex` sizes its shards from this.
 *
 * @param dim vector dimension
 * @param m `M` (layer 0 keeps 2M links)
 * @param encoding how rows are stored; default 'f32'
 * @param threads search threads that use the index at once; default 1
 */
export function bytesPerNode(dim: number, m: number, encoding: VectorEncoding = 'f32', threads = 1): number {
  const upper = 2 * (4 * (1 + m)) / Math.max(1, m - 1);
  const perThread = 2 + 1 / 8 + 4 * 4;
  return ROW_BYTES[encoding](dim) + 4 * (1 + 2 * m) + upper + 4 + 1 + 1 + 4 + threads * perThread;
}

/**
 * Most nodes one index can hold with its graph and vectors in one wasm32
 * memory (4 GiB), from `bytesPerNode`: past it the graph moves to plain
 * buffers and searches run the TypeScript loop. A store grown by doubling
 * leaves the memory at the first doubling past this: `reserve` the final
 * capacity up front to use all of it.
 */
export function maxNodesPerWasmMemory(dim: number, m: number, encoding: VectorEncoding = 'f32', threads = 1): number {
  const fixed = headBytes(dim, m) + threads * searchSlotBytes(m, 0) + 16 * 4 * (1 + m);
  return Math.max(0, Math.floor((WASM_MAX_BYTES - fixed) / bytesPerNode(dim, m, encoding, threads)));
}

/** Byte offsets of the regions after the vectors, for a capacity, arena size and slot count. */
interface MemoryLayout {
  capacity: number;
  upperInts: number;
  slots: number;
  offsets: Record<GraphArrayName, number>;
  lengths: Record<GraphArrayName, number>;
  scratchBase: number;
  slotBytes: number;
  total: number;
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
  /** Bumped whenever a buffer is replaced or moved, so views held elsewhere know to refresh. */
  generation = 0;
  /**
   * The memory holding the graph arrays (the vectors' memory), or null when
   * they are plain buffers (kernel 'js', or past 4 GiB): then only the
   * TypeScript loop can search this store.
   */
  graphMemory: WebAssembly.Memory | null = null;
  /** Search slots laid out in the memory (slots 0..searchSlots-1; slot 0 is the main thread's). */
  searchSlots = 0;
  private layout: MemoryLayout | null = null;

  /** A new, empty store; with `attach`, a view over a store's buffers in a worker (same accessors, no allocation). */
  constructor(shape: GraphShape, capacity: number, attach?: GraphBuffers) {
    this.dim = shape.dim;
    this.m = shape.m;
    this.m0 = 2 * shape.m;
    this.stride0 = 1 + this.m0;
    this.strideUpper = 1 + shape.m;
    this.shared = shape.shared;
    this.batchCapacity = Math.max(MIN_SCRATCH_IDS, 2 * (this.m0 + 1));
    // A slot: the query as an f32 row padded like the vectors, then the id and distance batches.
    this.scratchSlotBytes = 4 * paddedRowFloats(shape.dim) + 8 * this.batchCapacity;
    const cap = Math.max(1, capacity);
    this.capacity = cap;
    const arrays = this.arrayTable();
    if (attach !== undefined) {
      this.vectors = attachVectorStore(attach.vectors);
      const memory = attach.vectors.memory;
      for (const a of GRAPH_ARRAYS) {
        const place = attach.arrays[a.name];
        const buffer = place.buffer ?? memory!.buffer;
        arrays[a.name] = new a.type(buffer, place.byteOffset, place.length);
      }
      if (attach.arrays.links0.buffer === null) this.graphMemory = memory;
      this.searchSlots = attach.searchSlots;
      this.generation = attach.generation;
      return;
    }
    this.vectors = createVectorStore(shape.int8 ? 'int8' : 'f32', {
      dim: shape.dim, capacity: cap, shared: shape.shared, wasmMemory: shape.wasmMemory,
      headBytes: headBytes(shape.dim, shape.m),
    }, shape.int8 ?? null);
    // A non-shared memory detaches every view when it grows, the vector store's rows
    // included, which only the store's own `grow` re-makes: the graph joins shared memories only.
    const memory = shape.shared ? this.vectors.memory : null;
    const layout = memory === null ? null : this.layoutFor(cap, 16 * this.strideUpper, 1);
    if (memory !== null && layout !== null && layout.total <= WASM_MAX_BYTES) {
      this.graphMemory = memory;
      growMemory(memory, layout.total);
      this.layout = layout;
      this.searchSlots = 1;
      this.wrapMemoryArrays();
      for (const a of GRAPH_ARRAYS) if (a.placement === 'region' && a.fill !== 0) arrays[a.name].fill(a.fill as never);
      this.labels = growArray(Float64Array, null, cap, shape.shared, 0);
    } else {
      for (const a of GRAPH_ARRAYS) {
        const length = a.perNode === null ? a.initialLength(this) : cap * a.perNode(this);
        arrays[a.name] = growArray(a.type, null, length, shape.shared, a.fill);
      }
    }
    this.meta[META_ENTRY_POINT] = -1;
    this.meta[META_MAX_LEVEL] = -1;
  }

  private arrayTable(): Record<GraphArrayName, GraphArrays[GraphArrayName]> {
    return this as unknown as Record<GraphArrayName, GraphArrays[GraphArrayName]>;
  }

  /** A store over the buffers `buffers` describes (in a worker). It never grows: the owner grows it before dispatching. */
  static attach(buffers: GraphBuffers): GraphStore {
    const shape = { dim: buffers.dim, m: buffers.m, shared: true, wasmMemory: buffers.vectors.memory !== null };
    return new GraphStore(shape, buffers.capacity, buffers);
  }

  /** Every buffer of this store, for `GraphStore.attach` in a worker (the buffers must be shared). */
  buffers(): GraphBuffers {
    const arrays = {} as Record<GraphArrayName, ArrayPlace>;
    const self = this.arrayTable();
    for (const a of GRAPH_ARRAYS) {
      const array = self[a.name];
      const inMemory = this.graphMemory !== null && a.placement !== 'buffer';
      arrays[a.name] = { buffer: inMemory ? null : array.buffer, byteOffset: array.byteOffset, length: array.length };
    }
    return {
      dim: this.dim, m: this.m, capacity: this.capacity, generation: this.generation, searchSlots: this.searchSlots,
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

  /**
   * Empties every link list of nodes [0, count) and clears the entry point:
   * the nodes, levels and vectors stay, for the graph to be built anew.
   */
  unlinkAll(): void {
    this.links0.fill(0, 0, this.count * this.stride0);
    this.upperLinks.fill(0, 0, this.upperUsed);
    this.meta[META_ENTRY_POINT] = -1;
    this.meta[META_MAX_LEVEL] = -1;
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

  /** Byte address of search slot `slot` (visited set, heaps) in the memory; it must be below `searchSlots`. */
  searchSlotAddress(slot: number): number {
    const header = new Int32Array(this.graphMemory!.buffer, HEADER_ADDRESS, HEADER_FIELDS.length);
    return header[HEADER_FIELDS.indexOf('scratchBase')] + slot * header[HEADER_FIELDS.indexOf('slotBytes')];
  }

  /** Grows every per-node buffer to hold at least `minCapacity` nodes (amortised doubling). */
  reserve(minCapacity: number): void {
    if (minCapacity <= this.capacity) return;
    let cap = Math.max(minCapacity, Math.ceil(this.capacity * 2));
    const oldCap = this.capacity;
    if (this.graphMemory !== null && cap > minCapacity) {
      // Doubling past what the memory holds would move the graph to the
      // TypeScript loop while the nodes asked for still fit: stop at the limit.
      const fit = maxNodesPerWasmMemory(this.dim, this.m, this.vectors.encoding, this.searchSlots);
      if (minCapacity <= fit) cap = Math.min(cap, Math.max(fit, oldCap + 1));
    }
    if (this.graphMemory !== null) {
      const next = this.layoutFor(cap, this.upperLinks.length, this.searchSlots);
      if (next.total <= WASM_MAX_BYTES) this.relocate(next);
      else this.leaveMemory();
    }
    this.vectors.grow(cap, this.count);
    const memory = this.vectors.memory;
    if (memory !== null) {
      // The new rows lie where other regions were: their padding must read as zeros.
      const base = this.vectors.baseAddress;
      new Uint8Array(memory.buffer).fill(0, base + oldCap * this.vectors.rowBytes, base + cap * this.vectors.rowBytes);
    }
    const arrays = this.arrayTable();
    for (const a of GRAPH_ARRAYS) {
      const inMemory = this.graphMemory !== null && a.placement !== 'buffer';
      if (a.perNode !== null && !inMemory) arrays[a.name] = growArray(a.type, arrays[a.name], cap * a.perNode(this), this.shared, a.fill);
    }
    this.capacity = cap;
    this.generation++;
  }

  /**
   * Reallocates every per-node buffer and the vectors for `capacity` nodes
   * (at least `count`, at least 1) and trims the upper-level arena to the
   * ints in use: the old buffers go back to the system once nothing holds
   * them. With a graph memory, a new, smaller WebAssembly.Memory takes the
   * vectors, meta and every region laid out for the new capacity (a wasm
   * memory never shrinks in place), the layout header is written there and
   * the search slots start zeroed; threads must make their kernels and
   * loops again over `vectors.memory` (workers re-attach at the bumped
   * `generation`). Returns false when nothing was smaller.
   */
  shrink(capacity: number): boolean {
    const cap = Math.max(1, capacity, this.count);
    if (cap >= this.capacity && this.upperLinks.length === this.upperUsed) return false;
    const arrays = this.arrayTable();
    if (this.graphMemory !== null) {
      const old = {} as Record<GraphArrayName, GraphArrays[GraphArrayName]>;
      for (const a of GRAPH_ARRAYS) if (a.placement !== 'buffer') old[a.name] = arrays[a.name];
      this.vectors.shrink(Math.min(cap, this.capacity), this.count);
      this.graphMemory = this.vectors.memory!;
      const next = this.layoutFor(cap, this.upperUsed, this.searchSlots);
      growMemory(this.graphMemory, next.total);
      this.layout = next;
      this.wrapMemoryArrays();
      // New pages are zero: the search slots and kernel scratch start empty, the tails take each array's fill.
      for (const a of GRAPH_ARRAYS) {
        if (a.placement === 'buffer') continue;
        const from = old[a.name];
        const to = arrays[a.name];
        const kept = Math.min(from.length, to.length);
        to.set(from.subarray(0, kept) as never);
        if (a.fill !== 0) to.fill(a.fill as never, kept);
      }
      if (cap < this.capacity) this.labels = growArray(Float64Array, this.labels.subarray(0, cap), cap, this.shared, 0);
      this.capacity = cap;
      this.generation++;
      return true;
    }
    if (cap < this.capacity) {
      this.vectors.shrink(cap, this.count);
      for (const a of GRAPH_ARRAYS) {
        if (a.perNode === null) continue;
        const length = cap * a.perNode(this);
        arrays[a.name] = growArray(a.type, arrays[a.name].subarray(0, length) as never, length, this.shared, a.fill);
      }
      this.capacity = cap;
    }
    this.upperLinks = growArray(Int32Array, this.upperLinks.subarray(0, this.upperUsed), this.upperUsed, this.shared, 0);
    this.generation++;
    return true;
  }

  /**
   * Zeroes every thread's kernel scratch and search slot in the memory (a
   * query row may hold a vector being erased; visited tags, heaps and allow
   * bits hold node ids that renumbering changed) and bumps `generation`, so
   * every loop drops its cached allow list and workers re-attach.
   */
  eraseScratch(): void {
    const memory = this.vectors.memory;
    if (memory !== null) new Uint8Array(memory.buffer, this.scratchAddress(0), MAX_THREADS * this.scratchSlotBytes).fill(0);
    if (this.graphMemory !== null && this.layout !== null) {
      new Uint8Array(this.graphMemory.buffer).fill(0, this.layout.scratchBase, this.layout.total);
    }
    this.generation++;
  }

  /** Makes room in the upper-level arena for `records` more records of (1 + M) ints. */
  reserveUpper(records: number): void {
    const need = this.upperUsed + records * this.strideUpper;
    if (need <= this.upperLinks.length) return;
    const ints = Math.max(need, this.upperLinks.length * 2);
    if (this.graphMemory !== null) {
      const next = this.layoutFor(this.capacity, ints, this.searchSlots);
      if (next.total <= WASM_MAX_BYTES) {
        this.relocate(next);
        this.generation++;
        return;
      }
      this.leaveMemory();
    }
    this.upperLinks = growArray(Int32Array, this.upperLinks, ints, this.shared, 0);
    this.generation++;
  }

  /**
   * Lays out search slots 0..slots-1 (one per thread that runs the wasm loop
   * on this store at once). They are appended at the end of the memory, so
   * nothing moves and running threads keep valid views; a no-op without a
   * graph memory or when there are enough.
   */
  ensureSearchSlots(slots: number): void {
    if (this.graphMemory === null || slots <= this.searchSlots) return;
    const next = this.layoutFor(this.capacity, this.upperLinks.length, slots);
    if (next.total > WASM_MAX_BYTES) return;
    growMemory(this.graphMemory, next.total);
    // New memory pages are zero, which is a fresh slot's state.
    this.layout = next;
    this.searchSlots = slots;
    this.wrapMemoryArrays();
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

  /** Offsets of every region for the given sizes: the regions in GRAPH_ARRAYS order after the vectors, then the search slots. */
  private layoutFor(capacity: number, upperInts: number, slots: number): MemoryLayout {
    const offsets = {} as Record<GraphArrayName, number>;
    const lengths = {} as Record<GraphArrayName, number>;
    let at = align8(this.vectors.baseAddress + capacity * this.vectors.rowBytes);
    for (const a of GRAPH_ARRAYS) {
      if (a.placement !== 'region') continue;
      const length = a.perNode === null ? upperInts : capacity * a.perNode(this);
      offsets[a.name] = at;
      lengths[a.name] = length;
      at = align8(at + length * a.type.BYTES_PER_ELEMENT);
    }
    offsets.meta = META_ADDRESS;
    lengths.meta = META_LENGTH;
    const slotBytes = searchSlotBytes(this.m, capacity);
    return { capacity, upperInts, slots, offsets, lengths, scratchBase: at, slotBytes, total: at + slots * slotBytes };
  }

  /** Moves the regions to `next` (every one moves up or stays), fills their new tails and zeroes the search slots. */
  private relocate(next: MemoryLayout): void {
    const memory = this.graphMemory!;
    const old = this.layout!;
    growMemory(memory, next.total);
    const bytes = new Uint8Array(memory.buffer);
    const regions = GRAPH_ARRAYS.filter((a) => a.placement === 'region');
    for (let i = regions.length - 1; i >= 0; i--) {
      const name = regions[i].name;
      const size = regions[i].type.BYTES_PER_ELEMENT;
      bytes.copyWithin(next.offsets[name], old.offsets[name], old.offsets[name] + old.lengths[name] * size);
    }
    this.layout = next;
    this.wrapMemoryArrays();
    const arrays = this.arrayTable();
    for (const a of regions) arrays[a.name].fill(a.fill as never, old.lengths[a.name]);
    bytes.fill(0, next.scratchBase, next.total);
  }

  /** Makes typed-array views over the memory for the current layout and writes the header the wasm loop reads. */
  private wrapMemoryArrays(): void {
    const memory = this.graphMemory!;
    const layout = this.layout!;
    const buffer = memory.buffer;
    const arrays = this.arrayTable();
    for (const a of GRAPH_ARRAYS) {
      if (a.placement === 'buffer') continue;
      arrays[a.name] = new a.type(buffer, layout.offsets[a.name], layout.lengths[a.name]);
    }
    const header = new Int32Array(buffer, HEADER_ADDRESS, HEADER_FIELDS.length);
    const v = this.vectors;
    const selection = SLOT_HEADER_BYTES;
    const visited = selection + selectionBytes(this.m);
    const allow = visited + align8(2 * layout.capacity);
    const heap = align8(4 * (layout.capacity + 2));
    const cKeys = allow + align8(Math.ceil(layout.capacity / 8));
    const values: Record<HeaderField, number> = {
      links0: layout.offsets.links0, stride0: this.stride0, upperOffsets: layout.offsets.upperOffsets,
      upperLinks: layout.offsets.upperLinks, strideUpper: this.strideUpper, levels: layout.offsets.levels,
      deleted: layout.offsets.deleted, locks: layout.offsets.locks, meta: META_ADDRESS,
      vectorBase: v.baseAddress, rowBytes: v.rowBytes, encodingId: v.encodingId, m: this.m, m0: this.m0,
      capacity: layout.capacity, scratchBase: layout.scratchBase, slotBytes: layout.slotBytes,
      slotVisited: visited, slotAllow: allow, slotCKeys: cKeys, slotCValues: cKeys + heap,
      slotWKeys: cKeys + 2 * heap, slotWValues: cKeys + 3 * heap,
    };
    HEADER_FIELDS.forEach((field, i) => { header[i] = values[field]; });
  }

  /** Past 4 GiB: the graph arrays move to plain buffers (copied), and only the TypeScript loop reads them. */
  private leaveMemory(): void {
    const arrays = this.arrayTable();
    for (const a of GRAPH_ARRAYS) {
      if (a.placement === 'buffer') continue;
      const copy = new a.type(allocate(arrays[a.name].byteLength, this.shared));
      copy.set(arrays[a.name] as never);
      arrays[a.name] = copy;
    }
    this.graphMemory = null;
    this.layout = null;
    this.searchSlots = 0;
  }
}

/** Grows `memory` to at least `bytes`. */
function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
}
