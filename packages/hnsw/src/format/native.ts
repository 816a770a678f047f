// smallworld's native binary format, version 1: a checked header, then seven
// 8-byte-aligned little-endian sections, each covered by a CRC-32. The byte
// layout is specified in docs/format.md; this file is its only implementation.
//
//   0      header (264 bytes): magic, version, parameters, section table, CRC
//   264    vectors        count x dim f32 (unpadded; empty when saved without)
//   ...    links0         count x (1 + M0) i32   [degree, ids...] per node
//   ...    upperOffsets   count i32              first upper record, -1 if level 0
//   ...    upperLinks     upperInts i32          records of (1 + M) i32 per level >= 1
//   ...    levels         count u8
//   ...    labels         count f64              non-negative safe integers
//   ...    deleted        count u8               0 or 1
// Each section starts at the next multiple of 8; padding bytes are zero.

import type { BaseIndex } from '../base-index.js';
import { METRICS, metricOfNativeCode, type Space } from '../metric.js';
import { CorruptFileError, SmallworldTypeError, checkKnownKeys, describeValue } from '../errors.js';
import { toMatrix, type MatrixLike } from '../input.js';
import type { KernelChoice } from '../kernels/select.js';
import { MAX_LEVEL } from '../layout.js';
import { MAX_COUNT, MAX_DIM, MAX_EF, M_MAX, M_MIN } from '../limits.js';
import { crc32 } from './crc32.js';
import { aligned, align8, checkGraph, fillStore, requireLittleEndian, type GraphImage } from './store-io.js';

/** First 8 bytes of every file: a non-ASCII byte (catches 7-bit transfers), "SWHNSW", a newline (catches CRLF conversion). */
export const NATIVE_MAGIC = Uint8Array.of(0x89, 0x53, 0x57, 0x48, 0x4e, 0x53, 0x57, 0x0a);
/** Format version this code writes; it reads this version only. */
export const NATIVE_VERSION = 1;
/** Bytes of the version-1 header, section table and header CRC included. */
export const NATIVE_HEADER_BYTES = 264;

const SECTION_NAMES = ['vectors', 'links0', 'upperOffsets', 'upperLinks', 'levels', 'labels', 'deleted'] as const;
const SECTION_COUNT = SECTION_NAMES.length;
const TABLE_OFFSET = 88;
const TABLE_ENTRY_BYTES = 24;
const HEADER_CRC_OFFSET = NATIVE_HEADER_BYTES - 8;

const KIND_HNSW = 0;
const KIND_BRUTE_FORCE = 1;
const FLAG_HAS_VECTORS = 1;
const FLAG_ALLOW_REPLACE_DELETED = 2;
const KNOWN_FLAGS = FLAG_HAS_VECTORS | FLAG_ALLOW_REPLACE_DELETED;

/** Options of `toBytes` and `save`. */
export interface SaveOptions {
  /**
   * Store the vectors (default true). With false the file holds the graph
   * only (nmslib's `save_data=False`): smaller, and `load`/`fromBytes` then
   * need the same vectors back in `vectors`, checked against a CRC-32 kept
   * in the header.
   */
  vectors?: boolean;
}

/** Options of `fromBytes` and `load`. */
export interface LoadOptions {
  /**
   * The vectors of a file saved with `{ vectors: false }`: one row per stored
   * node, in node order (the order they were added when no deleted slot was
   * reused), as passed to `addBatch` (cosine rows are normalised again).
   * Their count, dimension and checksum must match the file's.
   */
  vectors?: MatrixLike;
  /** Distance kernel of the loaded index (see `BaseIndexOptions.kernel`). Default 'auto'. */
  kernel?: KernelChoice;
}

/** The HNSW parameters a file keeps; null for a brute-force index. */
export interface HnswParams {
  /** `M`: links per node on the upper layers (2M at layer 0). */
  m: number;
  /** `efConstruction` the index was built with. */
  efConstruction: number;
  /** The index's default `efSearch`. */
  efSearch: number;
  /** Seed of the level draw. */
  seed: number;
  /** State of the level generator when saved, so a loaded index grows as the original would. */
  prngState: number;
  /** Neighbour selection: Algorithm 4 ('heuristic') or 3 ('simple'). */
  neighborSelection: 'heuristic' | 'simple';
  /** Whether new labels may take deleted slots. */
  allowReplaceDeleted: boolean;
}

/** The header of a native file, as decoded and checked. */
export interface NativeHeader {
  /** The index class that wrote the file. */
  kind: 'hnsw' | 'brute-force';
  /** Distance space. */
  space: Space;
  /** Vector dimension. */
  dim: number;
  /** HNSW parameters; null for a brute-force index. */
  hnsw: HnswParams | null;
  /** Nodes stored, deleted ones included. */
  count: number;
  /** Node id of the entry point (-1 when empty). */
  entryPoint: number;
  /** Top layer of the graph (-1 when empty). */
  maxLevel: number;
  /** Int32 entries of the upper-layer link arena. */
  upperInts: number;
  /** Nodes marked deleted. */
  deletedCount: number;
  /** The label `add` gives next when none is passed. */
  nextLabel: number;
  /** False for a file saved with `{ vectors: false }`. */
  hasVectors: boolean;
  /** CRC-32 of the vectors (float32, unpadded rows), checked against the vectors passed at load when the file has none. */
  vectorsCrc: number;
  /**
   * Byte offset, length and CRC-32 of each section, in file order: vectors,
   * links0, upperOffsets, upperLinks, levels, labels, deleted.
   */
  sections: {
    /** Byte offset of the section in the file (a multiple of 8). */
    offset: number;
    /** Bytes of the section, padding excluded. */
    length: number;
    /** CRC-32 of the section's bytes. */
    crc: number;
  }[];
}

/** Byte lengths of the sections of a graph of this shape. */
function sectionLengths(count: number, dim: number, m: number, upperInts: number, hasVectors: boolean): number[] {
  return [hasVectors ? count * dim * 4 : 0, count * (1 + 2 * m) * 4, count * 4, upperInts * 4, count, count * 8, count];
}

/** CRC-32 of the stored vectors, unpadded, as the vectors section holds them. */
function vectorsCrc(index: BaseIndex): number {
  let crc = 0;
  index.store.vectors.forEachRowChunk(index.store.count, (bytes) => { crc = crc32(bytes, crc); });
  return crc;
}

/**
 * Serialises an index into one new buffer in the native format. `hnsw` is
 * null for a brute-force index. The copy is taken synchronously, so the
 * index may change as soon as this returns.
 */
export function encodeNative(index: BaseIndex, hnsw: HnswParams | null, options: SaveOptions = {}): Uint8Array {
  requireLittleEndian();
  if (typeof options !== 'object' || options === null) {
    throw new SmallworldTypeError('INVALID_OPTION', `save options must be an object (got ${describeValue(options)})`);
  }
  checkKnownKeys('save', options, ['vectors']);
  if (options.vectors !== undefined && typeof options.vectors !== 'boolean') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`vectors\` must be a boolean (got ${describeValue(options.vectors)})`);
  }
  const hasVectors = options.vectors ?? true;
  const { store, dim } = index;
  const count = store.count;
  const m = hnsw === null ? 0 : hnsw.m;
  const lengths = sectionLengths(count, dim, m, store.upperUsed, hasVectors);
  const offsets: number[] = [];
  let end = NATIVE_HEADER_BYTES;
  for (const length of lengths) {
    offsets.push(end);
    end = align8(end + length);
  }
  const out = new Uint8Array(end);
  const buffer = out.buffer;

  // Sections: typed-array copies straight into the output buffer.
  const vectorsAt = offsets[0];
  if (hasVectors) {
    store.vectors.readRows(0, count, new Float32Array(buffer, vectorsAt, count * dim), 0);
  }
  new Int32Array(buffer, offsets[1], count * store.stride0).set(store.links0.subarray(0, count * store.stride0));
  new Int32Array(buffer, offsets[2], count).set(store.upperOffsets.subarray(0, count));
  new Int32Array(buffer, offsets[3], store.upperUsed).set(store.upperLinks.subarray(0, store.upperUsed));
  out.set(store.levels.subarray(0, count), offsets[4]);
  new Float64Array(buffer, offsets[5], count).set(store.labels.subarray(0, count));
  out.set(store.deleted.subarray(0, count), offsets[6]);

  const view = new DataView(buffer);
  out.set(NATIVE_MAGIC, 0);
  view.setUint32(8, NATIVE_VERSION, true);
  view.setUint32(12, NATIVE_HEADER_BYTES, true);
  view.setUint8(16, hnsw === null ? KIND_BRUTE_FORCE : KIND_HNSW);
  view.setUint8(17, METRICS[index.space].nativeCode);
  view.setUint8(18, hnsw !== null && hnsw.neighborSelection === 'simple' ? 1 : 0);
  const flags = (hasVectors ? FLAG_HAS_VECTORS : 0) | (hnsw !== null && hnsw.allowReplaceDeleted ? FLAG_ALLOW_REPLACE_DELETED : 0);
  view.setUint32(20, flags, true);
  view.setUint32(24, dim, true);
  view.setUint32(28, m, true);
  view.setUint32(32, 2 * m, true);
  view.setUint32(36, hnsw === null ? 0 : hnsw.efConstruction, true);
  view.setUint32(40, hnsw === null ? 0 : hnsw.efSearch, true);
  view.setUint32(44, hnsw === null ? 0 : hnsw.seed, true);
  view.setUint32(48, hnsw === null ? 0 : hnsw.prngState, true);
  view.setUint32(52, count, true);
  view.setInt32(56, store.entryPoint, true);
  view.setInt32(60, store.maxLevel, true);
  view.setUint32(64, store.upperUsed, true);
  view.setUint32(68, index.deletedCount, true);
  view.setFloat64(72, index.nextDefaultLabel, true);
  view.setUint32(80, hasVectors ? crc32(out.subarray(vectorsAt, vectorsAt + lengths[0])) : vectorsCrc(index), true);
  view.setUint32(84, SECTION_COUNT, true);
  for (let s = 0; s < SECTION_COUNT; s++) {
    const at = TABLE_OFFSET + s * TABLE_ENTRY_BYTES;
    view.setUint32(at, s + 1, true);
    view.setUint32(at + 4, s === 0 && hasVectors ? view.getUint32(80, true) : crc32(out.subarray(offsets[s], offsets[s] + lengths[s])), true);
    view.setBigUint64(at + 8, BigInt(offsets[s]), true);
    view.setBigUint64(at + 16, BigInt(lengths[s]), true);
  }
  view.setUint32(HEADER_CRC_OFFSET, crc32(out.subarray(0, HEADER_CRC_OFFSET)), true);
  return out;
}

function corrupt(message: string): never {
  throw new CorruptFileError(`native index: ${message}`);
}

/** Reads a u64 that must be a safe integer (section offsets and lengths). */
function readU64(view: DataView, at: number, name: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) corrupt(`${name} is ${v}, beyond any file size`);
  return Number(v);
}

/**
 * Decodes and checks the header and section table of a native file against
 * the file's length. Reads nothing past the header and allocates nothing
 * sized by a header field.
 */
export function readNativeHeader(bytes: Uint8Array): NativeHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`bytes\` must be a Uint8Array or Buffer (got ${describeValue(bytes)})`);
  }
  if (bytes.length < 16) corrupt(`${bytes.length} bytes is too short for a header (truncated file?)`);
  for (let i = 0; i < NATIVE_MAGIC.length; i++) {
    if (bytes[i] !== NATIVE_MAGIC[i]) corrupt('bad magic: not a smallworld index file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== NATIVE_VERSION) {
    corrupt(`format version ${version} is not supported (this version of smallworld reads version ${NATIVE_VERSION})`);
  }
  const headerBytes = view.getUint32(12, true);
  if (headerBytes !== NATIVE_HEADER_BYTES) corrupt(`header size ${headerBytes} should be ${NATIVE_HEADER_BYTES} in version 1`);
  if (bytes.length < NATIVE_HEADER_BYTES) corrupt(`${bytes.length} bytes is shorter than the ${NATIVE_HEADER_BYTES}-byte header (truncated file)`);
  const headerCrc = view.getUint32(HEADER_CRC_OFFSET, true);
  if (crc32(bytes.subarray(0, HEADER_CRC_OFFSET)) !== headerCrc) corrupt('header checksum mismatch (corrupt header)');

  const kindCode = view.getUint8(16);
  if (kindCode !== KIND_HNSW && kindCode !== KIND_BRUTE_FORCE) corrupt(`unknown index kind ${kindCode}`);
  const spaceCode = view.getUint8(17);
  const metric = metricOfNativeCode(spaceCode);
  if (metric === undefined) corrupt(`unknown space code ${spaceCode}`);
  const selection = view.getUint8(18);
  if (selection > 1) corrupt(`unknown neighbour selection code ${selection}`);
  if (view.getUint8(19) !== 0 || view.getUint32(HEADER_CRC_OFFSET + 4, true) !== 0) corrupt('reserved header bytes are not zero');
  const flags = view.getUint32(20, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) corrupt(`unknown flags 0x${flags.toString(16)}`);
  const dim = view.getUint32(24, true);
  if (dim < 1 || dim > MAX_DIM) corrupt(`dimension ${dim} is outside [1, ${MAX_DIM}]`);
  const m = view.getUint32(28, true);
  const m0 = view.getUint32(32, true);
  const isHnsw = kindCode === KIND_HNSW;
  if (isHnsw ? m < M_MIN || m > M_MAX : m !== 0) corrupt(`M = ${m} is out of range for this index kind`);
  if (m0 !== 2 * m) corrupt(`M0 = ${m0} must be 2M = ${2 * m}`);
  const efConstruction = view.getUint32(36, true);
  const efSearch = view.getUint32(40, true);
  if (isHnsw && (efConstruction < m || efConstruction > MAX_EF || efSearch < 1 || efSearch > MAX_EF)) {
    corrupt(`efConstruction ${efConstruction} / efSearch ${efSearch} out of range`);
  }
  const count = view.getUint32(52, true);
  if (count > MAX_COUNT) corrupt(`node count ${count} exceeds 2^31 - 1`);
  const entryPoint = view.getInt32(56, true);
  const maxLevel = view.getInt32(60, true);
  if (maxLevel < -1 || maxLevel > MAX_LEVEL) corrupt(`top level ${maxLevel} is outside [-1, ${MAX_LEVEL}]`);
  const upperInts = view.getUint32(64, true);
  if (!isHnsw && upperInts !== 0) corrupt('a brute-force index has no upper levels');
  if (isHnsw && upperInts % (1 + m) !== 0) corrupt(`${upperInts} upper-level ints is not a whole number of ${1 + m}-int records`);
  const deletedCount = view.getUint32(68, true);
  if (deletedCount > count) corrupt(`${deletedCount} deleted nodes of ${count}`);
  const nextLabel = view.getFloat64(72, true);
  // 2^53 (one past Number.MAX_SAFE_INTEGER) is how an index whose default labels are used up says so.
  if (!Number.isInteger(nextLabel) || nextLabel < 0 || nextLabel > 2 ** 53) corrupt(`next label ${nextLabel} is not an integer in [0, 2^53]`);
  if (view.getUint32(84, true) !== SECTION_COUNT) corrupt(`section count ${view.getUint32(84, true)} should be ${SECTION_COUNT}`);
  const hasVectors = (flags & FLAG_HAS_VECTORS) !== 0;

  const lengths = sectionLengths(count, dim, m, upperInts, hasVectors);
  const sections: NativeHeader['sections'] = [];
  let end = NATIVE_HEADER_BYTES;
  for (let s = 0; s < SECTION_COUNT; s++) {
    const at = TABLE_OFFSET + s * TABLE_ENTRY_BYTES;
    const name = SECTION_NAMES[s];
    if (view.getUint32(at, true) !== s + 1) corrupt(`section ${s} has id ${view.getUint32(at, true)}, expected ${s + 1} (${name})`);
    const offset = readU64(view, at + 8, `${name} offset`);
    const length = readU64(view, at + 16, `${name} length`);
    if (offset !== end) corrupt(`${name} section at byte ${offset}, expected ${end}`);
    if (length !== lengths[s]) corrupt(`${name} section is ${length} bytes; the header's counts need ${lengths[s]}`);
    if (offset + length > bytes.length) {
      corrupt(`${name} section ends at byte ${offset + length} but the file has ${bytes.length} bytes (truncated file)`);
    }
    sections.push({ offset, length, crc: view.getUint32(at + 4, true) });
    end = align8(offset + length);
  }
  if (end !== bytes.length) corrupt(`the file has ${bytes.length} bytes; its header describes ${end}`);
  return {
    kind: isHnsw ? 'hnsw' : 'brute-force',
    space: metric.space,
    dim,
    hnsw: isHnsw ? {
      m, efConstruction, efSearch,
      seed: view.getUint32(44, true),
      prngState: view.getUint32(48, true),
      neighborSelection: selection === 1 ? 'simple' : 'heuristic',
      allowReplaceDeleted: (flags & FLAG_ALLOW_REPLACE_DELETED) !== 0,
    } : null,
    count, entryPoint, maxLevel, upperInts, deletedCount, nextLabel, hasVectors,
    vectorsCrc: view.getUint32(80, true),
    sections,
  };
}

/** Index constructor options a loader passes to its factory. */
export interface RestoreOptions {
  space: Space;
  dim: number;
  capacity: number;
  kernel?: KernelChoice;
}

/**
 * Decodes a native file into an index made by `create`: checks the header,
 * every section's CRC-32 and the graph's consistency, then copies the
 * sections into the new index's buffers (bulk copies from typed-array views
 * of `bytes`; `bytes` is copied once first when its offset is not a
 * multiple of 8). The vectors are copied into the index's
 * WebAssembly.Memory, where the SIMD kernels read them: that copy cannot be
 * avoided.
 */
export function decodeNative<T extends BaseIndex>(
  bytes: Uint8Array, options: LoadOptions, kind: NativeHeader['kind'],
  create: (options: RestoreOptions, header: NativeHeader) => T,
): T {
  requireLittleEndian();
  if (typeof options !== 'object' || options === null) {
    throw new SmallworldTypeError('INVALID_OPTION', `load options must be an object (got ${describeValue(options)})`);
  }
  checkKnownKeys('load', options, ['vectors', 'kernel']);
  const header = readNativeHeader(bytes);
  if (header.kind !== kind) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `this file holds a ${header.kind} index, not a ${kind} index`);
  }
  if (header.hasVectors && options.vectors !== undefined) {
    throw new SmallworldTypeError('INVALID_OPTION', '`vectors` must not be given: this file holds its vectors');
  }
  if (!header.hasVectors && options.vectors === undefined && header.count > 0) {
    throw new SmallworldTypeError('INVALID_OPTION',
      `this file was saved without vectors: pass its ${header.count} vectors of dimension ${header.dim} as \`vectors\``);
  }
  const data = aligned(bytes, 8);
  for (let s = 0; s < SECTION_COUNT; s++) {
    const { offset, length, crc } = header.sections[s];
    if (crc32(data.subarray(offset, offset + length)) !== crc) corrupt(`${SECTION_NAMES[s]} section checksum mismatch`);
    // The padding to the next section is outside every CRC: it must be zero.
    for (let i = offset + length; i < align8(offset + length); i++) {
      if (data[i] !== 0) corrupt(`padding byte ${i} after the ${SECTION_NAMES[s]} section is not zero`);
    }
  }
  const { count, dim } = header;
  const m = header.hnsw === null ? 0 : header.hnsw.m;
  const at = (s: number) => data.byteOffset + header.sections[s].offset;
  const buffer = data.buffer;
  const image: GraphImage = {
    count, dim, m,
    entryPoint: header.entryPoint,
    maxLevel: header.maxLevel,
    links0: new Int32Array(buffer, at(1), count * (1 + 2 * m)),
    upperOffsets: new Int32Array(buffer, at(2), count),
    upperLinks: new Int32Array(buffer, at(3), header.upperInts),
    levels: new Uint8Array(buffer, at(4), count),
    deleted: new Uint8Array(buffer, at(6), count),
  };
  if (header.kind === 'hnsw') checkGraph(image, 'native index');
  else {
    if (count > 0 && (header.entryPoint !== -1 || header.maxLevel !== -1 || image.levels.some((l) => l !== 0))) {
      corrupt('a brute-force index has no graph: entry point and top level must be -1, levels 0');
    }
    if (image.deleted.some((d) => d > 1)) corrupt('a deleted flag is not 0 or 1');
  }
  const labels = new Float64Array(buffer, at(5), count);
  let deleted = 0;
  for (let node = 0; node < count; node++) {
    const label = labels[node];
    if (!Number.isSafeInteger(label) || label < 0) corrupt(`node ${node} has label ${label}; labels are non-negative safe integers`);
    if (label >= header.nextLabel) corrupt(`node ${node} has label ${label}, not below the next label ${header.nextLabel}`);
    deleted += image.deleted[node];
  }
  if (deleted !== header.deletedCount) corrupt(`${deleted} nodes are marked deleted; the header says ${header.deletedCount}`);
  let rows: Float32Array | null = null;
  if (header.hasVectors) {
    rows = new Float32Array(buffer, at(0), count * dim);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i];
      if (v - v !== 0) corrupt(`vector of node ${Math.floor(i / dim)} has a non-finite component (${v})`);
    }
  } else if (count > 0) {
    rows = toMatrix('vectors', options.vectors as MatrixLike, dim).data;
    if (rows.length !== count * dim) {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`vectors\` must have one row per stored node: ${count} (got ${rows.length / dim})`);
    }
  }

  const index = create({ space: header.space, dim, capacity: Math.max(1, count), kernel: options.kernel }, header);
  const store = index.store;
  fillStore(store, image, labels);
  // Rows given at load are normalised as at insert; a file's rows were stored normalised.
  if (rows !== null) store.vectors.writeRows(rows, count, !header.hasVectors && METRICS[header.space].normalize);
  if (!header.hasVectors && count > 0) {
    if (vectorsCrc(index) !== header.vectorsCrc) {
      throw new SmallworldTypeError('INVALID_OPTION',
        '`vectors` do not match the vectors this file was saved with (checksum mismatch): same rows, same order?');
    }
  }
  const duplicate = index.restoreLabels(header.nextLabel);
  if (duplicate >= 0) corrupt(`node ${duplicate} repeats the label ${labels[duplicate]} of an earlier node`);
  return index;
}
