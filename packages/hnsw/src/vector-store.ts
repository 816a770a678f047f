// Where an index's vectors live and how they are encoded: the one seam the
// kernels, getVector, the file formats and the worker protocol go through.
// A store is describable to WebAssembly (memory, base address, row stride,
// encoding id), so code compiled from AssemblyScript can read it in place.

import { normalize } from './distance.js';
import { permuteRows } from './permute.js';
import { decodeRow, encodeRow, trainRanges, type Int8Ranges } from './quantization.js';

/** Floats an f32 row is padded to (one 32-byte SIMD step = two f32x4). */
export const ROW_ALIGN_FLOATS = 8;
/** Bytes an int8 code row is padded to (one i8x16 SIMD step). */
export const ROW_ALIGN_CODES = 16;
/** wasm32 addresses 4 GiB; beyond it vectors go to a plain buffer and the JS kernels. */
export const WASM_MAX_BYTES = 65536 * 65536;
const WASM_PAGE = 65536;

/**
 * Encoding ids, as WebAssembly code is told them. An id is never reused.
 */
export const VECTOR_ENCODING_IDS = { f32: 0, int8: 1 } as const;
/**
 * How rows are encoded: 'f32' = float32, rows padded with zeros to 8 floats;
 * 'int8' = one signed byte per component (quantization.ts), rows padded
 * with zero codes to 16 bytes.
 */
export type VectorEncoding = keyof typeof VECTOR_ENCODING_IDS;

/** f32 floats of a padded row of `dim` components. */
export function paddedRowFloats(dim: number): number {
  return Math.ceil(dim / ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS;
}

/** Bytes of one int8 code row: dim codes padded to 16 (the SIMD kernels' lane width). */
export function int8RowBytes(dim: number): number {
  return Math.ceil(dim / ROW_ALIGN_CODES) * ROW_ALIGN_CODES;
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
  /** int8: the ranges' buffer ([trained, scale, offset_0..offset_dim-1] as f64); null for f32. */
  ranges?: ArrayBufferLike | null;
  /** int8: the float32 originals' buffer (unpadded rows), or null when not kept. */
  originals?: ArrayBufferLike | null;
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
  /** Row `i` of the first `count` takes what row `from[i]` held, every encoding's bytes of it (`HnswIndex.reorder`). */
  permuteRows(from: Int32Array, count: number): void;
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

/** Where a store's rows sit: at `baseAddress` of a wasm memory, or at 0 of a plain buffer. */
interface RowPlace {
  memory: WebAssembly.Memory | null;
  baseAddress: number;
  buffer: ArrayBufferLike;
}

/**
 * Room for `capacity` rows of `rowBytes` after `headBytes` bytes of scratch:
 * a new wasm memory when one is wanted and it stays within wasm32's 4 GiB,
 * else a plain buffer (read by the JS kernels). Both encodings place their
 * rows through it.
 */
function placeRows(wasmMemory: boolean, shared: boolean, headBytes: number, capacity: number, rowBytes: number): RowPlace {
  const bytes = headBytes + capacity * rowBytes;
  if (wasmMemory && bytes <= WASM_MAX_BYTES) {
    const memory = newMemory(bytes, shared);
    return { memory, baseAddress: headBytes, buffer: memory.buffer };
  }
  return { memory: null, baseAddress: 0, buffer: allocate(capacity * rowBytes, shared) };
}

/**
 * Room for `capacity` rows in place of the store's current rows. Growing,
 * the memory grows where it is (the rows stay put) while it stays within
 * 4 GiB, else the rows go to a plain buffer; shrinking, a new, smaller
 * memory is made (a WebAssembly.Memory never shrinks) or a smaller buffer.
 * `moved`: the caller copies its rows over.
 */
function resizeRows(
  current: { memory: WebAssembly.Memory | null; baseAddress: number }, grow: boolean,
  shared: boolean, headBytes: number, capacity: number, rowBytes: number,
): RowPlace & { moved: boolean } {
  const { memory, baseAddress } = current;
  const bytes = headBytes + capacity * rowBytes;
  if (grow && memory !== null && bytes <= WASM_MAX_BYTES) {
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
    return { memory, baseAddress, buffer: memory.buffer, moved: false };
  }
  return { ...placeRows(!grow && memory !== null, shared, headBytes, capacity, rowBytes), moved: true };
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
    const place = placeRows(options.wasmMemory, options.shared, this.headBytes, cap, this.rowBytes);
    this.memory = place.memory;
    this.baseAddress = place.baseAddress;
    this.rows = new Float32Array(place.buffer, place.baseAddress, cap * this.rowFloats);
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
    this.resize(capacity, keep, true);
    return true;
  }

  moveRow(from: number, to: number): void {
    const f = this.rowFloats;
    this.rows.copyWithin(to * f, from * f, (from + 1) * f);
  }

  permuteRows(from: Int32Array, count: number): void {
    permuteRows(this.rows, this.rowFloats, from, count);
  }

  eraseRows(first: number, count: number): void {
    this.rows.fill(0, first * this.rowFloats, (first + count) * this.rowFloats);
  }

  shrink(capacity: number, keep: number): boolean {
    if (capacity > this.capacity) return false;
    this.resize(capacity, keep, false);
    return true;
  }

  private resize(capacity: number, keep: number, grow: boolean): void {
    const place = resizeRows(this, grow, this.shared, this.headBytes, capacity, this.rowBytes);
    const rows = new Float32Array(place.buffer, place.baseAddress, capacity * this.rowFloats);
    if (place.moved) rows.set(this.rows.subarray(0, keep * this.rowFloats));
    this.memory = place.memory;
    this.baseAddress = place.baseAddress;
    this.rows = rows;
    this.capacity = capacity;
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

/** Options of an int8 store besides where its rows go. */
export interface Int8StoreOptions {
  /** Keep the float32 originals (in a plain buffer, outside the wasm memory) for re-ranking and exports. */
  keepOriginals: boolean;
  /** Offsets 0 (symmetric codes): 'ip' and 'cosine'. */
  symmetric: boolean;
}

/**
 * int8 codes (quantization.ts) in the wasm memory, rows padded to 16 bytes,
 * and optionally the float32 originals in a plain (shared) buffer. Until
 * it is trained, rows are held as float32 in the originals buffer and the
 * codes are zero: the index does not link them until `train`.
 */
export class Int8VectorStore implements VectorStore {
  readonly encoding = 'int8' as const;
  readonly encodingId = VECTOR_ENCODING_IDS.int8;
  readonly dim: number;
  readonly rowBytes: number;
  readonly shared: boolean;
  readonly keepOriginals: boolean;
  readonly symmetric: boolean;
  capacity: number;
  memory: WebAssembly.Memory | null = null;
  baseAddress: number;
  /** The code rows; replaced when the store grows. */
  codes: Int8Array;
  /** The float32 rows (unpadded; unit length for 'cosine'): kept originals, or the rows held before training. */
  originals: Float32Array | null;
  /** [trained (0/1), scale, offset_0, ...]: shared with the workers, so a training is seen there. */
  readonly rangeWords: Float64Array;
  /** Vectors written after training with at least one component clamped to the trained range. */
  clampedVectors = 0;
  private readonly headBytes: number;
  private readonly scratch: Float32Array;
  private ranges: Int8Ranges;

  constructor(options: VectorStoreOptions & Int8StoreOptions, attach?: VectorStoreDescriptor) {
    this.dim = options.dim;
    this.rowBytes = int8RowBytes(options.dim);
    this.shared = options.shared;
    this.keepOriginals = options.keepOriginals;
    this.symmetric = options.symmetric;
    this.headBytes = options.headBytes;
    this.scratch = new Float32Array(options.dim);
    const cap = Math.max(1, options.capacity);
    this.capacity = cap;
    if (attach !== undefined) {
      this.memory = attach.memory;
      this.baseAddress = attach.baseAddress;
      const buffer = attach.memory !== null ? attach.memory.buffer : attach.buffer!;
      this.codes = new Int8Array(buffer, this.baseAddress, cap * this.rowBytes);
      this.originals = attach.originals ? new Float32Array(attach.originals, 0, cap * this.dim) : null;
      this.rangeWords = new Float64Array(attach.ranges!);
    } else {
      const place = placeRows(options.wasmMemory, options.shared, this.headBytes, cap, this.rowBytes);
      this.memory = place.memory;
      this.baseAddress = place.baseAddress;
      this.codes = new Int8Array(place.buffer, place.baseAddress, cap * this.rowBytes);
      // Until trained, the rows wait here as float32 (kept or not).
      this.originals = new Float32Array(allocate(cap * this.dim * 4, options.shared));
      this.rangeWords = new Float64Array(allocate((2 + this.dim) * 8, options.shared));
    }
    this.ranges = { offsets: new Float32Array(this.dim), scale: 1 };
    this.loadRanges();
  }

  /** True once the ranges are set (`train`): before, rows are held as float32 and cannot be searched by code. */
  get trained(): boolean {
    return this.rangeWords[0] === 1;
  }

  /** The trained step between codes (1 before training). */
  get scale(): number {
    return this.rangeWords[1];
  }

  /** The scale squared: the one factor of every code distance (quantization.ts), for the kernels and the loop. */
  get scaleSquared(): number {
    const scale = this.rangeWords[1];
    return scale * scale;
  }

  /** The trained offsets and scale (a copy). */
  getRanges(): Int8Ranges {
    return { offsets: this.ranges.offsets.slice(), scale: this.ranges.scale };
  }

  private loadRanges(): void {
    const w = this.rangeWords;
    if (w[0] !== 1) return;
    this.ranges = { offsets: Float32Array.from(w.subarray(2, 2 + this.dim)), scale: w[1] };
  }

  /**
   * Sets the ranges: trained from `count` unpadded rows of `sample`, or
   * given as `ranges` (a loaded file). Rows [0, held) waiting as float32 are
   * encoded; without `keepOriginals` the float32 buffer is then freed.
   */
  train(sample: Float32Array | null, count: number, held: number, ranges?: Int8Ranges): void {
    const r = ranges ?? trainRanges(sample!, count, this.dim, this.symmetric);
    this.rangeWords[1] = r.scale;
    this.rangeWords.set(r.offsets, 2);
    this.rangeWords[0] = 1;
    this.loadRanges();
    const originals = this.originals!;
    for (let node = 0; node < held; node++) this.encode(node, originals, node * this.dim);
    if (!this.keepOriginals) this.originals = null;
  }

  /** Encodes a query row into out[outOffset..) with the trained ranges (clamped, not counted: queries may lie anywhere). */
  encodeQuery(src: Float32Array, offset: number, out: Int8Array, outOffset: number): void {
    encodeRow(src, offset, this.dim, this.ranges, out, outOffset);
  }

  private encode(node: number, src: Float32Array, offset: number): void {
    if (encodeRow(src, offset, this.dim, this.ranges, this.codes, node * this.rowBytes) > 0) this.clampedVectors++;
  }

  write(node: number, src: Float32Array, offset: number, unit: boolean): void {
    let row = src;
    let at = offset;
    if (unit) {
      this.scratch.set(src.subarray(offset, offset + this.dim));
      normalize(this.scratch, 0, this.dim);
      row = this.scratch;
      at = 0;
    }
    if (this.originals !== null) this.originals.set(row.subarray(at, at + this.dim), node * this.dim);
    if (this.trained) this.encode(node, row, at);
  }

  /** The float32 row: the original when kept (or before training), else the decoded codes. */
  read(node: number, out: Float32Array, offset: number): void {
    if (this.originals !== null) out.set(this.originals.subarray(node * this.dim, (node + 1) * this.dim), offset);
    else decodeRow(this.codes, node * this.rowBytes, this.dim, this.ranges, out, offset);
  }

  /** Writes float32 rows (a file saved without vectors, given back at load): encoded with the ranges set first. */
  writeRows(rows: Float32Array, count: number, unit: boolean): void {
    for (let i = 0; i < count; i++) this.write(i, rows, i * this.dim, unit);
  }

  readRows(first: number, count: number, out: Float32Array, offset: number): void {
    for (let i = 0; i < count; i++) this.read(first + i, out, offset + i * this.dim);
  }

  /** Stores `count` unpadded code rows as nodes first..first+count-1 (the native loader, a chunk at a time). */
  writeCodeRows(first: number, codes: Int8Array, count: number): void {
    const { dim, rowBytes } = this;
    for (let i = 0; i < count; i++) this.codes.set(codes.subarray(i * dim, (i + 1) * dim), (first + i) * rowBytes);
  }

  /** Writes code rows [first, first + count) unpadded to `out` from `offset`. */
  readCodes(first: number, count: number, out: Int8Array, offset: number): void {
    const { dim, rowBytes } = this;
    for (let i = 0; i < count; i++) {
      const at = (first + i) * rowBytes;
      out.set(this.codes.subarray(at, at + dim), offset + i * dim);
    }
  }

  /** Chunks of the originals when kept, else of the codes (unpadded): what a file without vectors is checked against. */
  forEachRowChunk(count: number, visit: (bytes: Uint8Array) => void): void {
    if (this.originals !== null) {
      visit(new Uint8Array(this.originals.buffer, this.originals.byteOffset, count * this.dim * 4));
      return;
    }
    const bytes = new Uint8Array(this.codes.buffer, this.codes.byteOffset, count * this.rowBytes);
    if (this.rowBytes === this.dim) visit(bytes);
    else for (let i = 0; i < count; i++) visit(bytes.subarray(i * this.rowBytes, i * this.rowBytes + this.dim));
  }

  grow(capacity: number, keep: number): boolean {
    if (capacity <= this.capacity) return false;
    this.resize(capacity, keep, true);
    return true;
  }

  moveRow(from: number, to: number): void {
    const { dim, rowBytes } = this;
    this.codes.copyWithin(to * rowBytes, from * rowBytes, (from + 1) * rowBytes);
    if (this.originals !== null) this.originals.copyWithin(to * dim, from * dim, (from + 1) * dim);
  }

  permuteRows(from: Int32Array, count: number): void {
    permuteRows(this.codes, this.rowBytes, from, count);
    if (this.originals !== null) permuteRows(this.originals, this.dim, from, count);
  }

  /** Zeroes the codes and, when held, the float32 originals of the rows (erasure covers both buffers). */
  eraseRows(first: number, count: number): void {
    this.codes.fill(0, first * this.rowBytes, (first + count) * this.rowBytes);
    if (this.originals !== null) this.originals.fill(0, first * this.dim, (first + count) * this.dim);
  }

  shrink(capacity: number, keep: number): boolean {
    if (capacity > this.capacity) return false;
    this.resize(capacity, keep, false);
    return true;
  }

  /** The codes resized as the f32 rows are (`resizeRows`); the originals, in their plain buffer, copied over. */
  private resize(capacity: number, keep: number, grow: boolean): void {
    const place = resizeRows(this, grow, this.shared, this.headBytes, capacity, this.rowBytes);
    const codes = new Int8Array(place.buffer, place.baseAddress, capacity * this.rowBytes);
    if (place.moved) codes.set(this.codes.subarray(0, keep * this.rowBytes));
    this.memory = place.memory;
    this.baseAddress = place.baseAddress;
    this.codes = codes;
    if (this.originals !== null) {
      const originals = new Float32Array(allocate(capacity * this.dim * 4, this.shared));
      originals.set(this.originals.subarray(0, keep * this.dim));
      this.originals = originals;
    }
    this.capacity = capacity;
  }

  /** Bytes per vector this store holds: the code row, plus the float32 original when kept. */
  get bytesPerVector(): number {
    return this.rowBytes + (this.keepOriginals ? 4 * this.dim : 0);
  }

  describe(): VectorStoreDescriptor {
    return {
      encoding: this.encoding,
      dim: this.dim,
      capacity: this.capacity,
      baseAddress: this.baseAddress,
      memory: this.memory,
      buffer: this.memory === null ? this.codes.buffer : null,
      ranges: this.rangeWords.buffer,
      originals: this.originals === null ? null : this.originals.buffer,
    };
  }
}

/** Builds each encoding's store over a descriptor's buffers (in a worker): one entry per encoding. */
const ATTACH: Readonly<Record<VectorEncoding, (d: VectorStoreDescriptor) => VectorStore>> = {
  f32: (d) => new F32VectorStore({ dim: d.dim, capacity: d.capacity, shared: true, wasmMemory: d.memory !== null, headBytes: d.baseAddress }, d),
  int8: (d) => new Int8VectorStore({
    dim: d.dim, capacity: d.capacity, shared: true, wasmMemory: d.memory !== null, headBytes: d.baseAddress,
    keepOriginals: d.originals !== null && d.originals !== undefined, symmetric: false,
  }, d),
};

/** A new store of `encoding` (int8 takes `int8` options). */
export function createVectorStore(
  encoding: VectorEncoding, options: VectorStoreOptions, int8: Int8StoreOptions | null,
): VectorStore {
  return encoding === 'int8' ? new Int8VectorStore({ ...options, ...int8! }) : new F32VectorStore(options);
}

/** A store over the buffers of `d`, sharing them (it never grows: the owner grows and re-describes). */
export function attachVectorStore(d: VectorStoreDescriptor): VectorStore {
  return ATTACH[d.encoding](d);
}
