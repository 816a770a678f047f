// Where an index's vectors live and how they are encoded: the one seam the
// kernels, getVector, the file formats and the worker protocol go through.
// A store is describable to WebAssembly (memory, base address, row stride,
// encoding id), so code compiled from AssemblyScript can read it in place.

import { normalize } from './distance.js';

/** Floats an f32 row is padded to (one 32-byte SIMD step = two f32x4). */
export const ROW_ALIGN_FLOATS = 8;
/** wasm32 addresses 4 GiB; beyond it vectors go to a plain buffer and the JS kernels. */
export const WASM_MAX_BYTES = 65536 * 65536;
const WASM_PAGE = 65536;

/**
 * Encoding ids, as WebAssembly code is told them. An id is never reused;
 * int8 codes will be the next one.
 */
export const VECTOR_ENCODING_IDS = { f32: 0 } as const;
/** How rows are encoded: 'f32' = float32, rows padded with zeros to 8 floats. */
export type VectorEncoding = keyof typeof VECTOR_ENCODING_IDS;

/** f32 floats of a padded row of `dim` components. */
export function paddedRowFloats(dim: number): number {
  return Math.ceil(dim / ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS;
}

/** A vector store as posted to a worker: every buffer shared, so cloning shares the rows. */
export interface VectorStoreDescriptor {
  encoding: VectorEncoding;
  dim: number;
  capacity: number;
  /** Byte address of row 0 in `memory` (0 with no memory). */
  baseAddress: number;
  /** The rows' WebAssembly.Memory, or null when they sit in `buffer`. */
  memory: WebAssembly.Memory | null;
  /** The rows' buffer when `memory` is null. */
  buffer: ArrayBufferLike | null;
}

/**
 * An index's vectors, one row per node. Rows go in and out as float32
 * components; what is stored in between is the encoding's business.
 */
export interface VectorStore {
  readonly encoding: VectorEncoding;
  /** `VECTOR_ENCODING_IDS[encoding]`: what a WebAssembly kernel is told. */
  readonly encodingId: number;
  readonly dim: number;
  /** Bytes from one row to the next (the row stride). */
  readonly rowBytes: number;
  /** Rows the buffers hold. */
  readonly capacity: number;
  /** The WebAssembly.Memory the rows live in (the SIMD kernels address it), or null past wasm32's 4 GiB. */
  readonly memory: WebAssembly.Memory | null;
  /** Byte address of row 0 in `memory`; rows before it are the kernels' scratch. 0 with no memory. */
  readonly baseAddress: number;
  /** Stores src[offset..offset+dim) as `node`'s row, scaled to unit length when `unit`. */
  write(node: number, src: Float32Array, offset: number, unit: boolean): void;
  /** Writes `node`'s row as float32 to out[offset..offset+dim). */
  read(node: number, out: Float32Array, offset: number): void;
  /** Stores `count` unpadded rows as nodes 0..count-1 (bulk, for the file loaders). */
  writeRows(rows: Float32Array, count: number, unit: boolean): void;
  /** Writes rows [first, first + count) unpadded to `out` from `offset` (bulk, for the file writers). */
  readRows(first: number, count: number, out: Float32Array, offset: number): void;
  /** Calls `visit` with consecutive chunks of the first `count` rows, unpadded, as bytes (checksums). */
  forEachRowChunk(count: number, visit: (bytes: Uint8Array) => void): void;
  /** Grows to at least `capacity` rows, keeping rows [0, keep); false when nothing changed. */
  grow(capacity: number, keep: number): boolean;
  /** Copies row `from` over row `to` (hard deletion renumbers nodes). */
  moveRow(from: number, to: number): void;
  /** Overwrites rows [first, first + count) with zeros, every encoding's bytes of them (erasure). */
  eraseRows(first: number, count: number): void;
  /**
   * Moves rows [0, keep) into new buffers of `capacity` rows (>= keep) and
   * drops the old ones, so their memory goes back to the system once
   * nothing else holds them (at the same capacity too: a store whose
   * memory also holds the graph moves to a new, smaller memory when only
   * the graph shrank); false when `capacity` is above the current one.
   */
  shrink(capacity: number, keep: number): boolean;
  /** The store for a worker (`attachVectorStore` rebuilds it there). */
  describe(): VectorStoreDescriptor;
}

/** Where a new store puts its rows. */
export interface VectorStoreOptions {
  dim: number;
  capacity: number;
  /** SharedArrayBuffer / shared WebAssembly.Memory, for worker threads. */
  shared: boolean;
  /** Put the rows in a WebAssembly.Memory (when they fit in wasm32's 4 GiB). */
  wasmMemory: boolean;
  /** Bytes the memory keeps before row 0, for the kernels' scratch. */
  headBytes: number;
}

function allocate(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** A WebAssembly.Memory of at least `bytes`, growable to wasm32's 4 GiB. */
function newMemory(bytes: number, shared: boolean): WebAssembly.Memory {
  const pages = Math.ceil(bytes / WASM_PAGE);
  return new WebAssembly.Memory(shared ? { initial: pages, maximum: 65536, shared: true } : { initial: pages, maximum: 65536 });
}

/** float32 rows padded with zeros to a multiple of 8 floats, so SIMD loops need no tail. */
export class F32VectorStore implements VectorStore {
  readonly encoding = 'f32' as const;
  readonly encodingId = VECTOR_ENCODING_IDS.f32;
  readonly dim: number;
  /** Floats from one row to the next. */
  readonly rowFloats: number;
  readonly rowBytes: number;
  readonly shared: boolean;
  capacity: number;
  memory: WebAssembly.Memory | null = null;
  baseAddress: number;
  /** The rows; replaced when the store grows (kernels re-read it in `refresh`). */
  rows: Float32Array;
  private readonly headBytes: number;

  constructor(options: VectorStoreOptions, attach?: VectorStoreDescriptor) {
    this.dim = options.dim;
    this.rowFloats = paddedRowFloats(options.dim);
    this.rowBytes = this.rowFloats * 4;
    this.shared = options.shared;
    this.headBytes = options.headBytes;
    const cap = Math.max(1, options.capacity);
    this.capacity = cap;
    if (attach !== undefined) {
      this.memory = attach.memory;
      this.baseAddress = attach.baseAddress;
      const buffer = attach.memory !== null ? attach.memory.buffer : attach.buffer!;
      this.rows = new Float32Array(buffer, this.baseAddress, cap * this.rowFloats);
      return;
    }
    const bytes = this.headBytes + cap * this.rowBytes;
    if (options.wasmMemory && bytes <= WASM_MAX_BYTES) {
      this.memory = newMemory(bytes, options.shared);
      this.baseAddress = this.headBytes;
      this.rows = new Float32Array(this.memory.buffer, this.baseAddress, cap * this.rowFloats);
    } else {
      this.baseAddress = 0;
      this.rows = new Float32Array(allocate(cap * this.rowBytes, options.shared));
    }
  }

  write(node: number, src: Float32Array, offset: number, unit: boolean): void {
    const at = node * this.rowFloats;
    this.rows.set(src.subarray(offset, offset + this.dim), at);
    if (unit) normalize(this.rows, at, this.dim);
  }

  read(node: number, out: Float32Array, offset: number): void {
    const at = node * this.rowFloats;
    out.set(this.rows.subarray(at, at + this.dim), offset);
  }

  writeRows(rows: Float32Array, count: number, unit: boolean): void {
    const { dim, rowFloats } = this;
    if (rowFloats === dim) this.rows.set(rows.subarray(0, count * dim));
    else for (let i = 0; i < count; i++) this.rows.set(rows.subarray(i * dim, (i + 1) * dim), i * rowFloats);
    if (unit) for (let i = 0; i < count; i++) normalize(this.rows, i * rowFloats, dim);
  }

  readRows(first: number, count: number, out: Float32Array, offset: number): void {
    const { dim, rowFloats, rows } = this;
    if (rowFloats === dim) out.set(rows.subarray(first * dim, (first + count) * dim), offset);
    else for (let i = 0; i < count; i++) out.set(rows.subarray((first + i) * rowFloats, (first + i) * rowFloats + dim), offset + i * dim);
  }

  forEachRowChunk(count: number, visit: (bytes: Uint8Array) => void): void {
    const { rows, rowBytes } = this;
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, count * rowBytes);
    if (this.rowFloats === this.dim) {
      visit(bytes);
      return;
    }
    // Padded rows: each row's leading dim floats (views, no copy).
    for (let i = 0; i < count; i++) visit(bytes.subarray(i * rowBytes, i * rowBytes + this.dim * 4));
  }

  grow(capacity: number, keep: number): boolean {
    if (capacity <= this.capacity) return false;
    const bytes = this.headBytes + capacity * this.rowBytes;
    if (this.memory !== null && bytes <= WASM_MAX_BYTES) {
      const have = this.memory.buffer.byteLength;
      if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
      this.rows = new Float32Array(this.memory.buffer, this.baseAddress, capacity * this.rowFloats);
    } else {
      // Past wasm32's 4 GiB (or without a wasm memory): a plain buffer, read by the JS kernels.
      const next = new Float32Array(allocate(capacity * this.rowBytes, this.shared));
      next.set(this.rows.subarray(0, keep * this.rowFloats));
      this.memory = null;
      this.baseAddress = 0;
      this.rows = next;
    }
    this.capacity = capacity;
    return true;
  }

  moveRow(from: number, to: number): void {
    const f = this.rowFloats;
    this.rows.copyWithin(to * f, from * f, (from + 1) * f);
  }

  eraseRows(first: number, count: number): void {
    this.rows.fill(0, first * this.rowFloats, (first + count) * this.rowFloats);
  }

  shrink(capacity: number, keep: number): boolean {
    if (capacity > this.capacity) return false;
    const old = this.rows;
    const bytes = this.headBytes + capacity * this.rowBytes;
    // A WebAssembly.Memory never shrinks: a smaller one is made and the rows copied over.
    if (this.memory !== null) {
      this.memory = newMemory(bytes, this.shared);
      this.rows = new Float32Array(this.memory.buffer, this.baseAddress, capacity * this.rowFloats);
    } else {
      this.rows = new Float32Array(allocate(capacity * this.rowBytes, this.shared));
    }
    this.rows.set(old.subarray(0, keep * this.rowFloats));
    this.capacity = capacity;
    return true;
  }

  describe(): VectorStoreDescriptor {
    return {
      encoding: this.encoding,
      dim: this.dim,
      capacity: this.capacity,
      baseAddress: this.baseAddress,
      memory: this.memory,
      buffer: this.memory === null ? this.rows.buffer : null,
    };
  }
}

/** Builds each encoding's store over a descriptor's buffers (in a worker): one entry per encoding. */
const ATTACH: Readonly<Record<VectorEncoding, (d: VectorStoreDescriptor) => VectorStore>> = {
  f32: (d) => new F32VectorStore({ dim: d.dim, capacity: d.capacity, shared: true, wasmMemory: d.memory !== null, headBytes: d.baseAddress }, d),
};

/** A store over the buffers of `d`, sharing them (it never grows: the owner grows and re-describes). */
export function attachVectorStore(d: VectorStoreDescriptor): VectorStore {
  return ATTACH[d.encoding](d);
}
