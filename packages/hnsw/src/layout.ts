// Buffer layout of an index: every vector, link and label lives in a handful
// of typed arrays, addressed by offset arithmetic (the idea of hnswlib's slab).
//
//  WebAssembly.Memory (shared when the runtime allows; the SIMD kernels address it)
//  +----------+-------------------------------+-------------------------------------+
//  | reserved | scratch slot x MAX_THREADS    | vectors: capacity x rowFloats f32   |
//  | 1 KiB    | query row | ids i32 | out f32 | row = dim floats + zero padding to 8 |
//  +----------+-------------------------------+-------------------------------------+
//
//  links0      Int32Array  capacity x (1 + M0)   [count, id x M0] per node, level 0
//  upperLinks  Int32Array  arena of (1 + M) records: a node of level l owns l records
//  upperOffset Int32Array  capacity              index of a node's level-1 record, -1 if none
//  levels      Uint8Array  capacity              top layer of each node
//  labels      Float64Array capacity             the caller's label of each node
//  deleted     Uint8Array  capacity              1 when marked deleted
//  locks       Int32Array  capacity              per-node lock words (parallel build)
//  meta        Int32Array  META_LENGTH           entry point, top level, node count, global lock
//
// Byte counts per node: 4 x rowFloats (vector) + 4 x (1 + M0) (level 0)
// + 4 x (1 + M) x level (upper) + 4 + 1 + 8 + 1 + 4 (offset, level, label,
// deleted, lock); with dim 128 and M 16,
// 512 + 132 + 17 (+ 68 per upper level, 1/16 of the nodes) + 18 = ~680 bytes.

/** Floats each vector row is padded to (one 32-byte SIMD step = two f32x4). */
export const ROW_ALIGN_FLOATS = 8;
/** Scratch slots: one per thread that may run a kernel on this index at once. */
export const MAX_THREADS = 64;
/** Ids (and distances) one scratch slot holds: the largest kernel batch. */
export const MIN_SCRATCH_IDS = 1024;
/** The top layer is capped so a level fits in a byte (reached with probability ~M^-255). */
export const MAX_LEVEL = 255;
/** wasm32 addresses 4 GiB; beyond it vectors go to a plain buffer and the JS kernels. */
export const WASM_MAX_BYTES = 65536 * 65536;
const WASM_PAGE = 65536;
const RESERVED_BYTES = 1024;

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

export function paddedRowFloats(dim: number): number {
  return Math.ceil(dim / ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS;
}

function allocate(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Copies `old` into a new typed array of `length` elements on the same kind of buffer. */
function growArray<T extends Int32Array | Uint8Array | Float64Array>(
  old: T, length: number, shared: boolean, fill?: number,
): T {
  const Ctor = old.constructor as { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };
  const next = new Ctor(allocate(length * Ctor.BYTES_PER_ELEMENT, shared));
  next.set(old as never);
  if (fill !== undefined) next.fill(fill as never, old.length);
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

/** All buffers of one index; both the HNSW graph and the brute-force index use it. */
export class GraphStore {
  readonly dim: number;
  readonly rowFloats: number;
  readonly rowBytes: number;
  readonly m: number;
  readonly m0: number;
  readonly stride0: number;
  readonly strideUpper: number;
  readonly shared: boolean;
  readonly scratchIds: number;
  readonly scratchSlotBytes: number;
  readonly vectorsByteOffset: number;

  capacity = 0;
  /** Null once the vectors outgrow wasm32 (or when created without one). */
  memory: WebAssembly.Memory | null = null;
  vectorBuffer: ArrayBufferLike;
  vectors: Float32Array;
  links0: Int32Array;
  upperLinks: Int32Array;
  /** Int32s of `upperLinks` in use. */
  upperUsed = 0;
  upperOffsets: Int32Array;
  levels: Uint8Array;
  labels: Float64Array;
  deleted: Uint8Array;
  locks: Int32Array;
  meta: Int32Array;
  /** Bumped whenever a buffer is replaced, so views held elsewhere know to refresh. */
  generation = 0;

  constructor(shape: GraphShape, capacity: number) {
    this.dim = shape.dim;
    this.rowFloats = paddedRowFloats(shape.dim);
    this.rowBytes = this.rowFloats * 4;
    this.m = shape.m;
    this.m0 = 2 * shape.m;
    this.stride0 = 1 + this.m0;
    this.strideUpper = 1 + shape.m;
    this.shared = shape.shared;
    this.scratchIds = Math.max(MIN_SCRATCH_IDS, 2 * (this.m0 + 1));
    this.scratchSlotBytes = this.rowBytes + 8 * this.scratchIds;
    this.vectorsByteOffset = shape.wasmMemory ? RESERVED_BYTES + MAX_THREADS * this.scratchSlotBytes : 0;
    const cap = Math.max(1, capacity);
    const bytes = this.vectorsByteOffset + cap * this.rowBytes;
    if (shape.wasmMemory && bytes <= WASM_MAX_BYTES) {
      const pages = Math.ceil(bytes / WASM_PAGE);
      this.memory = new WebAssembly.Memory(
        shape.shared ? { initial: pages, maximum: 65536, shared: true } : { initial: pages, maximum: 65536 },
      );
      this.vectorBuffer = this.memory.buffer;
    } else {
      this.vectorsByteOffset = 0;
      this.vectorBuffer = allocate(cap * this.rowBytes, shape.shared);
    }
    this.vectors = new Float32Array(this.vectorBuffer, this.vectorsByteOffset, cap * this.rowFloats);
    this.links0 = new Int32Array(allocate(cap * this.stride0 * 4, shape.shared));
    this.upperLinks = new Int32Array(allocate(16 * this.strideUpper * 4, shape.shared));
    this.upperOffsets = new Int32Array(allocate(cap * 4, shape.shared)).fill(-1);
    this.levels = new Uint8Array(allocate(cap, shape.shared));
    this.labels = new Float64Array(allocate(cap * 8, shape.shared));
    this.deleted = new Uint8Array(allocate(cap, shape.shared));
    this.locks = new Int32Array(allocate(cap * 4, shape.shared));
    this.meta = new Int32Array(allocate(META_LENGTH * 4, shape.shared));
    this.meta[META_ENTRY_POINT] = -1;
    this.meta[META_MAX_LEVEL] = -1;
    this.capacity = cap;
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

  /** Byte address of `node`'s vector in `memory` (meaningful when `memory` is set). */
  vectorAddress(node: number): number {
    return this.vectorsByteOffset + node * this.rowBytes;
  }

  /** Byte address of scratch slot `slot` (one per thread). */
  scratchAddress(slot: number): number {
    return RESERVED_BYTES + slot * this.scratchSlotBytes;
  }

  /** Grows every per-node buffer to hold at least `minCapacity` nodes (amortised doubling). */
  reserve(minCapacity: number): void {
    if (minCapacity <= this.capacity) return;
    const cap = Math.max(minCapacity, Math.ceil(this.capacity * 2));
    const shared = this.shared;
    const bytes = this.vectorsByteOffset + cap * this.rowBytes;
    if (this.memory !== null && bytes <= WASM_MAX_BYTES) {
      const have = this.memory.buffer.byteLength;
      if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
      this.vectorBuffer = this.memory.buffer;
      this.vectors = new Float32Array(this.vectorBuffer, this.vectorsByteOffset, cap * this.rowFloats);
    } else {
      // Past wasm32's 4 GiB (or without a wasm memory): a plain buffer, read by the JS kernels.
      const next = new Float32Array(allocate(cap * this.rowBytes, shared));
      next.set(this.vectors.subarray(0, this.count * this.rowFloats));
      this.memory = null;
      this.vectorBuffer = next.buffer;
      this.vectors = next;
    }
    this.links0 = growArray(this.links0, cap * this.stride0, shared);
    this.upperOffsets = growArray(this.upperOffsets, cap, shared, -1);
    this.levels = growArray(this.levels, cap, shared);
    this.labels = growArray(this.labels, cap, shared);
    this.deleted = growArray(this.deleted, cap, shared);
    this.locks = growArray(this.locks, cap, shared);
    this.capacity = cap;
    this.generation++;
  }

  /** Makes room in the upper-level arena for `records` more records of (1 + M) ints. */
  reserveUpper(records: number): void {
    const need = this.upperUsed + records * this.strideUpper;
    if (need <= this.upperLinks.length) return;
    this.upperLinks = growArray(this.upperLinks, Math.max(need, this.upperLinks.length * 2), this.shared);
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
