// smallworld's native binary format: a checked header, then 8-byte-aligned
// little-endian sections, each covered by a CRC-32. The byte layout is
// specified in docs/format.md; this file is its only implementation.
// Version 1 holds float32 indexes (unchanged byte for byte since it shipped);
// version 2 holds int8 indexes (quantization.ts): the same header fields and
// sections, a longer section table, and two more sections, the codes and
// the ranges; its vectors section holds the float32 originals when kept.
//
//   0      header (264 bytes): magic, version, parameters, section table, CRC
//   264    vectors        count x dim f32 (unpadded; empty when saved without)
//   ...    links0         count x (1 + M0) i32   [degree, ids...] per node
//   ...    upperOffsets   count i32              first upper record, -1 if level 0
//   ...    upperLinks     upperInts i32          records of (1 + M) i32 per level >= 1
//   ...    levels         count u8
//   ...    labels         count f64              non-negative safe integers
//   ...    deleted        count u8               0 or 1
//   (version 2 only)
//   ...    codes          count x dim i8         int8 codes, unpadded (empty when saved without)
//   ...    ranges         (3 + dim) f64          scale, clamped vectors, oversample, offset per dimension
// Each section starts at the next multiple of 8; padding bytes are zero.

import type { BaseIndex } from '../base-index.js';
import { METRICS, metricOfNativeCode, type Metric, type Space } from '../metric.js';
import { CorruptFileError, SmallworldTypeError, checkKnownKeys, describeValue } from '../errors.js';
import { toMatrix, type MatrixLike } from '../input.js';
import { CODE_MAX, type Quantization } from '../quantization.js';
import { Int8VectorStore } from '../vector-store.js';
import type { KernelChoice } from '../kernels/select.js';
import { MAX_LEVEL } from '../layout.js';
import { MAX_COUNT, MAX_DIM, MAX_EF, M_MAX, M_MIN } from '../limits.js';
import { crc32 } from './crc32.js';
import { readField, readFields, writeField, writeFields, type HeaderField, type HeaderTable } from './header-fields.js';
import { aligned, align8, checkGraph, fillStore, requireLittleEndian, type GraphImage } from './store-io.js';

/** First 8 bytes of every file: a non-ASCII byte (catches 7-bit transfers), "SWHNSW", a newline (catches CRLF conversion). */
export const NATIVE_MAGIC = Uint8Array.of(0x89, 0x53, 0x57, 0x48, 0x4e, 0x53, 0x57, 0x0a);
/** Format version of a float32 index (what this code writes for one; it reads versions 1 and 2). */
export const NATIVE_VERSION = 1;
/** Format version of an int8 index (`quantization: 'int8'`). */
export const NATIVE_VERSION_INT8 = 2;
/** Bytes of the version-1 header, section table and header CRC included. */
export const NATIVE_HEADER_BYTES = 264;
/** Bytes of the version-2 header: two more section-table entries. */
export const NATIVE_HEADER_BYTES_V2 = 312;

const SECTION_NAMES = ['vectors', 'links0', 'upperOffsets', 'upperLinks', 'levels', 'labels', 'deleted'] as const;
const SECTION_NAMES_V2 = [...SECTION_NAMES, 'codes', 'ranges'] as const;
const TABLE_OFFSET = 88;
const TABLE_ENTRY_BYTES = 24;
/** f64 words of the ranges section before the offsets: scale, clamped vectors, oversample. */
const RANGES_HEAD = 3;

/** What differs between the versions: header size and sections. */
interface NativeLayout {
  readonly version: number;
  readonly headerBytes: number;
  readonly sections: readonly string[];
}

const LAYOUTS: Readonly<Record<number, NativeLayout>> = {
  1: { version: 1, headerBytes: NATIVE_HEADER_BYTES, sections: SECTION_NAMES },
  2: { version: 2, headerBytes: NATIVE_HEADER_BYTES_V2, sections: SECTION_NAMES_V2 },
};

const KIND_HNSW = 0;
const KIND_BRUTE_FORCE = 1;
const FLAG_HAS_VECTORS = 1;
const FLAG_ALLOW_REPLACE_DELETED = 2;
/** Version 2: the float32 originals are kept (`rerank`). */
const FLAG_ORIGINALS = 4;
const KNOWN_FLAGS = FLAG_HAS_VECTORS | FLAG_ALLOW_REPLACE_DELETED | FLAG_ORIGINALS;
const RESERVED_NOT_ZERO = 'reserved header bytes are not zero';

/** Fields read before the rest: they say whether the rest can be read at all. */
const PREAMBLE_FIELDS: HeaderTable<'version' | 'headerBytes'> = {
  version: {
    at: 8, type: 'u32',
    check: (v) => LAYOUTS[v] !== undefined ? undefined
      : `format version ${v} is not supported (this version of smallworld reads versions 1 and 2)`,
  },
  headerBytes: {
    at: 12, type: 'u32',
    check: (v, h) => v === LAYOUTS[h.version].headerBytes ? undefined
      : `header size ${v} should be ${LAYOUTS[h.version].headerBytes} in version ${h.version}`,
  },
};

type NativeField =
  | 'kind' | 'space' | 'selection' | 'reserved' | 'flags' | 'dim' | 'm' | 'm0' | 'efConstruction' | 'efSearch'
  | 'seed' | 'prngState' | 'count' | 'entryPoint' | 'maxLevel' | 'upperInts' | 'deletedCount' | 'nextLabel'
  | 'vectorsCrc' | 'sectionCount';

/** The header after the preamble, checked in this order once its CRC matches. */
const HEADER_FIELDS: HeaderTable<NativeField> = {
  kind: {
    at: 16, type: 'u8',
    check: (v) => v === KIND_HNSW || v === KIND_BRUTE_FORCE ? undefined : `unknown index kind ${v}`,
  },
  space: { at: 17, type: 'u8', check: (v) => metricOfNativeCode(v) !== undefined ? undefined : `unknown space code ${v}` },
  /** 0: Algorithm 4 (heuristic), 1: Algorithm 3 (simple). */
  selection: { at: 18, type: 'u8', check: (v) => v <= 1 ? undefined : `unknown neighbour selection code ${v}` },
  reserved: { at: 19, type: 'u8', check: (v) => v === 0 ? undefined : RESERVED_NOT_ZERO },
  flags: {
    at: 20, type: 'u32',
    check: (v) => (v & ~KNOWN_FLAGS) === 0 ? undefined : `unknown flags 0x${v.toString(16)}`,
  },
  dim: { at: 24, type: 'u32', check: (v) => v >= 1 && v <= MAX_DIM ? undefined : `dimension ${v} is outside [1, ${MAX_DIM}]` },
  m: {
    at: 28, type: 'u32',
    check: (v, h) => (h.kind === KIND_HNSW ? v >= M_MIN && v <= M_MAX : v === 0) ? undefined
      : `M = ${v} is out of range for this index kind`,
  },
  m0: { at: 32, type: 'u32', check: (v, h) => v === 2 * h.m ? undefined : `M0 = ${v} must be 2M = ${2 * h.m}` },
  efConstruction: { at: 36, type: 'u32' },
  efSearch: {
    at: 40, type: 'u32',
    check: (v, h) => h.kind !== KIND_HNSW || (h.efConstruction >= h.m && h.efConstruction <= MAX_EF && v >= 1 && v <= MAX_EF)
      ? undefined : `efConstruction ${h.efConstruction} / efSearch ${v} out of range`,
  },
  seed: { at: 44, type: 'u32' },
  prngState: { at: 48, type: 'u32' },
  count: { at: 52, type: 'u32', check: (v) => v <= MAX_COUNT ? undefined : `node count ${v} exceeds 2^31 - 1` },
  entryPoint: { at: 56, type: 'i32' },
  maxLevel: {
    at: 60, type: 'i32',
    check: (v) => v >= -1 && v <= MAX_LEVEL ? undefined : `top level ${v} is outside [-1, ${MAX_LEVEL}]`,
  },
  upperInts: {
    at: 64, type: 'u32',
    check: (v, h) => {
      if (h.kind !== KIND_HNSW) return v === 0 ? undefined : 'a brute-force index has no upper levels';
      return v % (1 + h.m) === 0 ? undefined : `${v} upper-level ints is not a whole number of ${1 + h.m}-int records`;
    },
  },
  deletedCount: { at: 68, type: 'u32', check: (v, h) => v <= h.count ? undefined : `${v} deleted nodes of ${h.count}` },
  nextLabel: {
    at: 72, type: 'f64',
    // 2^53 (one past Number.MAX_SAFE_INTEGER) is how an index whose default labels are used up says so.
    check: (v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 53 ? undefined : `next label ${v} is not an integer in [0, 2^53]`,
  },
  vectorsCrc: { at: 80, type: 'u32' },
  /** Checked against the version's layout by `readNativeHeader`. */
  sectionCount: { at: 84, type: 'u32' },
};

/** CRC-32 of the header's bytes before it (section table included): the header's last 8 bytes but 4. */
const headerCrcField = (layout: NativeLayout): HeaderField => ({ at: layout.headerBytes - 8, type: 'u32' });
/** The header's last 4 bytes: reserved, zero. */
const reservedTailField = (layout: NativeLayout): HeaderField => ({ at: layout.headerBytes - 4, type: 'u32' });

/** One entry of the section table (at TABLE_OFFSET + s x TABLE_ENTRY_BYTES); checked against the header by `readNativeHeader`. */
const SECTION_FIELDS: HeaderTable<'id' | 'crc' | 'offset' | 'length'> = {
  id: { at: 0, type: 'u32' },
  crc: { at: 4, type: 'u32' },
  offset: { at: 8, type: 'u64', check: (v) => v <= Number.MAX_SAFE_INTEGER ? undefined : `offset is ${v}, beyond any file size` },
  length: { at: 16, type: 'u64', check: (v) => v <= Number.MAX_SAFE_INTEGER ? undefined : `length is ${v}, beyond any file size` },
};

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
  /** Format version: 1 (float32 vectors) or 2 (int8 codes). */
  version: number;
  /** How the vectors are stored: 'none' (version 1) or 'int8' (version 2). */
  quantization: Quantization;
  /** Version 2: the float32 originals are kept (the index re-ranks with them). */
  rerank: boolean;
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
   * links0, upperOffsets, upperLinks, levels, labels, deleted (and in
   * version 2 codes, ranges).
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

/**
 * Byte lengths of the sections of a graph of this shape. Version 2's
 * vectors section holds the originals only when kept (`originals`).
 */
function sectionLengths(
  layout: NativeLayout, count: number, dim: number, m: number, upperInts: number, hasVectors: boolean, originals: boolean,
): number[] {
  const lengths = [
    hasVectors && (layout.version === 1 || originals) ? count * dim * 4 : 0,
    count * (1 + 2 * m) * 4, count * 4, upperInts * 4, count, count * 8, count,
  ];
  if (layout.version === 2) lengths.push(hasVectors ? count * dim : 0, (RANGES_HEAD + dim) * 8);
  return lengths;
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
  index.ensureTrained();
  const { store, dim } = index;
  const count = store.count;
  const m = hnsw === null ? 0 : hnsw.m;
  const int8 = store.vectors instanceof Int8VectorStore ? store.vectors : null;
  const layout = LAYOUTS[int8 === null ? NATIVE_VERSION : NATIVE_VERSION_INT8];
  const originals = int8 !== null && int8.originals !== null;
  const lengths = sectionLengths(layout, count, dim, m, store.upperUsed, hasVectors, originals);
  const offsets: number[] = [];
  let end = layout.headerBytes;
  for (const length of lengths) {
    offsets.push(end);
    end = align8(end + length);
  }
  const out = new Uint8Array(end);
  const buffer = out.buffer;

  // Sections: typed-array copies straight into the output buffer.
  const vectorsAt = offsets[0];
  if (lengths[0] > 0) {
    store.vectors.readRows(0, count, new Float32Array(buffer, vectorsAt, count * dim), 0);
  }
  if (int8 !== null) {
    if (hasVectors) int8.readCodes(0, count, new Int8Array(buffer, offsets[7], count * dim), 0);
    const ranges = new Float64Array(buffer, offsets[8], RANGES_HEAD + dim);
    const { scale, offsets: shift } = int8.getRanges();
    // Scale 0: not trained (an empty index); its loaded copy trains on its first rows.
    ranges[0] = int8.trained ? scale : 0;
    ranges[1] = int8.clampedVectors;
    ranges[2] = index.oversample;
    ranges.set(shift, RANGES_HEAD);
  }
  new Int32Array(buffer, offsets[1], count * store.stride0).set(store.links0.subarray(0, count * store.stride0));
  new Int32Array(buffer, offsets[2], count).set(store.upperOffsets.subarray(0, count));
  new Int32Array(buffer, offsets[3], store.upperUsed).set(store.upperLinks.subarray(0, store.upperUsed));
  out.set(store.levels.subarray(0, count), offsets[4]);
  new Float64Array(buffer, offsets[5], count).set(store.labels.subarray(0, count));
  out.set(store.deleted.subarray(0, count), offsets[6]);

  const crcs = offsets.map((offset, s) => crc32(out.subarray(offset, offset + lengths[s])));
  const view = new DataView(buffer);
  out.set(NATIVE_MAGIC, 0);
  writeFields(view, 0, PREAMBLE_FIELDS, { version: layout.version, headerBytes: layout.headerBytes });
  writeFields(view, 0, HEADER_FIELDS, {
    kind: hnsw === null ? KIND_BRUTE_FORCE : KIND_HNSW,
    space: METRICS[index.space].nativeCode,
    selection: hnsw !== null && hnsw.neighborSelection === 'simple' ? 1 : 0,
    reserved: 0,
    flags: (hasVectors ? FLAG_HAS_VECTORS : 0) | (hnsw !== null && hnsw.allowReplaceDeleted ? FLAG_ALLOW_REPLACE_DELETED : 0)
      | (originals ? FLAG_ORIGINALS : 0),
    dim, m, m0: 2 * m,
    efConstruction: hnsw === null ? 0 : hnsw.efConstruction,
    efSearch: hnsw === null ? 0 : hnsw.efSearch,
    seed: hnsw === null ? 0 : hnsw.seed,
    prngState: hnsw === null ? 0 : hnsw.prngState,
    count,
    entryPoint: store.entryPoint,
    maxLevel: store.maxLevel,
    upperInts: store.upperUsed,
    deletedCount: index.deletedCount,
    nextLabel: index.nextDefaultLabel,
    vectorsCrc: hasVectors && int8 === null ? crcs[0] : vectorsCrc(index),
    sectionCount: layout.sections.length,
  });
  for (let s = 0; s < layout.sections.length; s++) {
    writeFields(view, TABLE_OFFSET + s * TABLE_ENTRY_BYTES, SECTION_FIELDS, { id: s + 1, crc: crcs[s], offset: offsets[s], length: lengths[s] });
  }
  const headerCrc = headerCrcField(layout);
  writeField(view, 0, headerCrc, crc32(out.subarray(0, headerCrc.at)));
  return out;
}

function corrupt(message: string): never {
  throw new CorruptFileError(`native index: ${message}`);
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
  const layout = LAYOUTS[readFields(view, 0, PREAMBLE_FIELDS, corrupt).version];
  const headerBytes = layout.headerBytes;
  if (bytes.length < headerBytes) corrupt(`${bytes.length} bytes is shorter than the ${headerBytes}-byte header (truncated file)`);
  const headerCrc = headerCrcField(layout);
  if (crc32(bytes.subarray(0, headerCrc.at)) !== readField(view, 0, headerCrc)) corrupt('header checksum mismatch (corrupt header)');
  const h = readFields(view, 0, HEADER_FIELDS, corrupt);
  if (h.sectionCount !== layout.sections.length) {
    corrupt(`section count ${h.sectionCount} should be ${layout.sections.length} in version ${layout.version}`);
  }
  if (readField(view, 0, reservedTailField(layout)) !== 0) corrupt(RESERVED_NOT_ZERO);
  if (layout.version === 1 && (h.flags & FLAG_ORIGINALS) !== 0) corrupt(`unknown flags 0x${h.flags.toString(16)}`);
  const isHnsw = h.kind === KIND_HNSW;
  const hasVectors = (h.flags & FLAG_HAS_VECTORS) !== 0;
  const originals = (h.flags & FLAG_ORIGINALS) !== 0;

  const lengths = sectionLengths(layout, h.count, h.dim, h.m, h.upperInts, hasVectors, originals);
  const sections: NativeHeader['sections'] = [];
  let end = headerBytes;
  for (let s = 0; s < layout.sections.length; s++) {
    const name = layout.sections[s];
    const { id, crc, offset, length } = readFields(view, TABLE_OFFSET + s * TABLE_ENTRY_BYTES, SECTION_FIELDS,
      (problem) => corrupt(`${name} ${problem}`));
    if (id !== s + 1) corrupt(`section ${s} has id ${id}, expected ${s + 1} (${name})`);
    if (offset !== end) corrupt(`${name} section at byte ${offset}, expected ${end}`);
    if (length !== lengths[s]) corrupt(`${name} section is ${length} bytes; the header's counts need ${lengths[s]}`);
    if (offset + length > bytes.length) {
      corrupt(`${name} section ends at byte ${offset + length} but the file has ${bytes.length} bytes (truncated file)`);
    }
    sections.push({ offset, length, crc });
    end = align8(offset + length);
  }
  if (end !== bytes.length) corrupt(`the file has ${bytes.length} bytes; its header describes ${end}`);
  return {
    version: layout.version,
    quantization: layout.version === NATIVE_VERSION_INT8 ? 'int8' : 'none',
    rerank: originals,
    kind: isHnsw ? 'hnsw' : 'brute-force',
    space: (metricOfNativeCode(h.space) as Metric).space,
    dim: h.dim,
    hnsw: isHnsw ? {
      m: h.m, efConstruction: h.efConstruction, efSearch: h.efSearch, seed: h.seed, prngState: h.prngState,
      neighborSelection: h.selection === 1 ? 'simple' : 'heuristic',
      allowReplaceDeleted: (h.flags & FLAG_ALLOW_REPLACE_DELETED) !== 0,
    } : null,
    count: h.count, entryPoint: h.entryPoint, maxLevel: h.maxLevel, upperInts: h.upperInts,
    deletedCount: h.deletedCount, nextLabel: h.nextLabel, hasVectors, vectorsCrc: h.vectorsCrc,
    sections,
  };
}

/** The int8 parts of a version-2 file, checked. */
interface Int8Sections {
  scale: number;
  clampedVectors: number;
  oversample: number;
  offsets: Float32Array;
  /** The codes (views of the file), or null in a file saved without vectors. */
  codes: Int8Array | null;
}

/** Reads and checks the codes and ranges sections of a version-2 file. */
function readInt8Sections(header: NativeHeader, buffer: ArrayBufferLike, at: (s: number) => number): Int8Sections {
  const { count, dim } = header;
  const ranges = new Float64Array(buffer, at(8), RANGES_HEAD + dim);
  const [scale, clampedVectors, oversample] = ranges;
  if (!((scale > 0 && Number.isFinite(scale)) || (scale === 0 && count === 0))) {
    corrupt(`int8 scale ${scale} is not a positive finite number (0 only in an empty index)`);
  }
  if (!Number.isInteger(clampedVectors) || clampedVectors < 0 || clampedVectors > count) {
    corrupt(`clamped vector count ${clampedVectors} is not an integer in [0, ${count}]`);
  }
  if (!Number.isInteger(oversample) || oversample < 1 || oversample > 100) corrupt(`oversample ${oversample} is not an integer in [1, 100]`);
  const offsets = Float32Array.from(ranges.subarray(RANGES_HEAD));
  for (let d = 0; d < dim; d++) if (!Number.isFinite(offsets[d])) corrupt(`int8 offset of dimension ${d} is not finite (${offsets[d]})`);
  let codes: Int8Array | null = null;
  if (header.hasVectors) {
    codes = new Int8Array(buffer, at(7), count * dim);
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] < -CODE_MAX) corrupt(`code ${codes[i]} of node ${Math.floor(i / dim)} is outside [-${CODE_MAX}, ${CODE_MAX}]`);
    }
  }
  return { scale, clampedVectors, oversample, offsets, codes };
}

/** Index constructor options a loader passes to its factory. */
export interface RestoreOptions {
  space: Space;
  dim: number;
  capacity: number;
  kernel?: KernelChoice;
  /** Version 2: 'int8', with `rerank` and `oversample` as saved. */
  quantization?: Quantization;
  rerank?: boolean;
  oversample?: number;
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
  const sectionNames = LAYOUTS[header.version].sections;
  for (let s = 0; s < sectionNames.length; s++) {
    const { offset, length, crc } = header.sections[s];
    if (crc32(data.subarray(offset, offset + length)) !== crc) corrupt(`${sectionNames[s]} section checksum mismatch`);
    // The padding to the next section is outside every CRC: it must be zero.
    for (let i = offset + length; i < align8(offset + length); i++) {
      if (data[i] !== 0) corrupt(`padding byte ${i} after the ${sectionNames[s]} section is not zero`);
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
  const int8 = header.quantization === 'int8' ? readInt8Sections(header, buffer, at) : null;
  let rows: Float32Array | null = null;
  if (header.hasVectors && (int8 === null || header.rerank)) {
    rows = new Float32Array(buffer, at(0), count * dim);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i];
      if (v - v !== 0) corrupt(`vector of node ${Math.floor(i / dim)} has a non-finite component (${v})`);
    }
  } else if (!header.hasVectors && count > 0) {
    rows = toMatrix('vectors', options.vectors as MatrixLike, dim).data;
    if (rows.length !== count * dim) {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`vectors\` must have one row per stored node: ${count} (got ${rows.length / dim})`);
    }
  }

  const restore: RestoreOptions = { space: header.space, dim, capacity: Math.max(1, count), kernel: options.kernel };
  if (int8 !== null) Object.assign(restore, { quantization: 'int8', rerank: header.rerank, ...(header.rerank ? { oversample: int8.oversample } : {}) });
  const index = create(restore, header);
  const store = index.store;
  fillStore(store, image, labels);
  const vectors = store.vectors;
  if (vectors instanceof Int8VectorStore && int8 !== null) {
    if (int8.scale > 0) vectors.train(null, 0, 0, { scale: int8.scale, offsets: int8.offsets });
    if (int8.codes !== null) vectors.writeCodes(int8.codes, count);
    if (header.hasVectors && rows !== null) vectors.writeOriginals(rows, count);
  }
  // Rows given at load are normalised as at insert; a file's rows were stored normalised.
  if (rows !== null && !(int8 !== null && header.hasVectors)) {
    store.vectors.writeRows(rows, count, !header.hasVectors && METRICS[header.space].normalize);
  }
  if (vectors instanceof Int8VectorStore && int8 !== null) vectors.clampedVectors = int8.clampedVectors;
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
