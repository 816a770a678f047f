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
import {
  bytesOf, decodeBuffer, planToBuffer, readChunks, fileStepTestHooks, writeChunks, type FileDecoder, type FilePlan, type ReadStep, type WriteStep,
} from './file-steps.js';
import { align8, checkGraph, requireLittleEndian, setGraphState, type GraphImage } from './store-io.js';

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
 * index may change as soon as this returns. Throws `SmallworldRangeError`
 * 'TOO_LARGE' past `MAX_BUFFER_BYTES` (use `save`).
 */
export function encodeNative(index: BaseIndex, hnsw: HnswParams | null, options: SaveOptions = {}): Uint8Array {
  return planToBuffer(planNative(index, hnsw, options), 'toBytes', 'save (or saveSync)');
}

/**
 * The native file of an index as write steps (see `FilePlan`): a zeroed
 * header, the sections in order (chunked views of the store's arrays; the
 * vectors through `VectorStore.readRows` into one scratch chunk), each
 * section's CRC-32 computed as it goes, then the header written at byte 0.
 * The index must not change until the last step is taken.
 */
export function planNative(index: BaseIndex, hnsw: HnswParams | null, options: SaveOptions = {}): FilePlan {
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
  const fields: Record<NativeField, number> = {
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
    vectorsCrc: 0,
    sectionCount: layout.sections.length,
  };

  function* sectionBytes(s: number): Generator<WriteStep, number, undefined> {
    switch (s) {
      case 0: return lengths[0] > 0 ? yield* vectorRows() : 0;
      case 1: return yield* writeChunks(bytesOf(store.links0, count * store.stride0));
      case 2: return yield* writeChunks(bytesOf(store.upperOffsets, count));
      case 3: return yield* writeChunks(bytesOf(store.upperLinks, store.upperUsed));
      case 4: return yield* writeChunks(bytesOf(store.levels, count));
      case 5: return yield* writeChunks(bytesOf(store.labels, count));
      case 6: return yield* writeChunks(bytesOf(store.deleted, count));
      case 7: return hasVectors ? yield* codeRows(int8!) : 0;
      default: return yield* writeChunks(bytesOf(rangesWords(int8!), RANGES_HEAD + dim));
    }
  }

  // Version 2: the ranges section, scale 0 when not trained (an empty index: its loaded copy trains on its first rows).
  function rangesWords(codes: Int8VectorStore): Float64Array {
    const ranges = new Float64Array(RANGES_HEAD + dim);
    const { scale, offsets: shift } = codes.getRanges();
    ranges[0] = codes.trained ? scale : 0;
    ranges[1] = codes.clampedVectors;
    ranges[2] = index.oversample;
    ranges.set(shift, RANGES_HEAD);
    return ranges;
  }

  // Version 2: the code rows unpadded, a scratch chunk of whole rows at a time.
  function* codeRows(codes: Int8VectorStore): Generator<WriteStep, number, undefined> {
    const rowsPerStep = Math.max(1, Math.floor(fileStepTestHooks.stepBytes / dim));
    const scratch = new Int8Array(Math.min(count, rowsPerStep) * dim);
    let crc = 0;
    for (let first = 0; first < count; first += rowsPerStep) {
      const rows = Math.min(rowsPerStep, count - first);
      codes.readCodes(first, rows, scratch, 0);
      const chunk = bytesOf(scratch, rows * dim);
      crc = crc32(chunk, crc);
      yield { bytes: chunk, at: null };
    }
    return crc;
  }

  // Rows unpadded, as the section holds them, a scratch chunk of whole rows at a time.
  function* vectorRows(): Generator<WriteStep, number, undefined> {
    const rowsPerStep = Math.max(1, Math.floor(fileStepTestHooks.stepBytes / (4 * dim)));
    const scratch = new Float32Array(Math.min(count, rowsPerStep) * dim);
    let crc = 0;
    for (let first = 0; first < count; first += rowsPerStep) {
      const rows = Math.min(rowsPerStep, count - first);
      store.vectors.readRows(first, rows, scratch, 0);
      const chunk = bytesOf(scratch, rows * dim);
      crc = crc32(chunk, crc);
      yield { bytes: chunk, at: null };
    }
    return crc;
  }

  function* steps(): Generator<WriteStep, void, undefined> {
    yield { bytes: new Uint8Array(layout.headerBytes), at: null };
    const crcs: number[] = [];
    for (let s = 0; s < layout.sections.length; s++) {
      crcs.push(yield* sectionBytes(s));
      const padding = align8(offsets[s] + lengths[s]) - (offsets[s] + lengths[s]);
      if (padding > 0) yield { bytes: new Uint8Array(padding), at: null };
    }
    const header = new Uint8Array(layout.headerBytes);
    const view = new DataView(header.buffer);
    header.set(NATIVE_MAGIC, 0);
    writeFields(view, 0, PREAMBLE_FIELDS, { version: layout.version, headerBytes: layout.headerBytes });
    writeFields(view, 0, HEADER_FIELDS, { ...fields, vectorsCrc: hasVectors && int8 === null ? crcs[0] : vectorsCrc(index) });
    for (let s = 0; s < layout.sections.length; s++) {
      writeFields(view, TABLE_OFFSET + s * TABLE_ENTRY_BYTES, SECTION_FIELDS, { id: s + 1, crc: crcs[s], offset: offsets[s], length: lengths[s] });
    }
    const headerCrc = headerCrcField(layout);
    writeField(view, 0, headerCrc, crc32(header.subarray(0, headerCrc.at)));
    yield { bytes: header, at: 0 };
  }
  return { size: end, steps: steps() };
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
  return parseNativeHeader(bytes, bytes.length);
}

/** `readNativeHeader` of a file of `fileLength` bytes whose first bytes (the header, or all of a shorter file) are `head`. */
function parseNativeHeader(head: Uint8Array, fileLength: number): NativeHeader {
  if (fileLength < 16) corrupt(`${fileLength} bytes is too short for a header (truncated file?)`);
  for (let i = 0; i < NATIVE_MAGIC.length; i++) {
    if (head[i] !== NATIVE_MAGIC[i]) corrupt('bad magic: not a smallworld index file');
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const layout = LAYOUTS[readFields(view, 0, PREAMBLE_FIELDS, corrupt).version];
  const headerBytes = layout.headerBytes;
  if (fileLength < headerBytes) corrupt(`${fileLength} bytes is shorter than the ${headerBytes}-byte header (truncated file)`);
  const headerCrc = headerCrcField(layout);
  if (crc32(head.subarray(0, headerCrc.at)) !== readField(view, 0, headerCrc)) corrupt('header checksum mismatch (corrupt header)');
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
    if (offset + length > fileLength) {
      corrupt(`${name} section ends at byte ${offset + length} but the file has ${fileLength} bytes (truncated file)`);
    }
    sections.push({ offset, length, crc });
    end = align8(offset + length);
  }
  if (end > fileLength) corrupt(`the file ends at byte ${fileLength}, inside the padding after the ${layout.sections[layout.sections.length - 1]} section (truncated file)`);
  if (end !== fileLength) corrupt(`the file has ${fileLength} bytes; its header describes ${end}`);
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

/** The ranges section of a version-2 file, checked. */
interface SavedRanges {
  scale: number;
  clampedVectors: number;
  oversample: number;
  offsets: Float32Array;
}

/** Checks the words of a version-2 ranges section: scale, clamped vectors, oversample, offset per dimension. */
function checkRanges(ranges: Float64Array, count: number, dim: number): SavedRanges {
  const [scale, clampedVectors, oversample] = ranges;
  if (!((scale > 0 && Number.isFinite(scale)) || (scale === 0 && count === 0))) {
    corrupt(`int8 scale ${scale} is not a positive finite number (0 only in an empty index)`);
  }
  if (!Number.isInteger(clampedVectors) || clampedVectors < 0 || clampedVectors > count) {
    corrupt(`clamped vector count ${clampedVectors} is not an integer in [0, ${count}]`);
  }
  if (!Number.isInteger(oversample) || oversample < 1 || oversample > 100) corrupt(`oversample ${oversample} is not an integer in [1, 100]`);
  const offsets = Float32Array.from(ranges.subarray(RANGES_HEAD, RANGES_HEAD + dim));
  for (let d = 0; d < dim; d++) if (!Number.isFinite(offsets[d])) corrupt(`int8 offset of dimension ${d} is not finite (${offsets[d]})`);
  return { scale, clampedVectors, oversample, offsets };
}

/**
 * Reads a version-2 codes section a chunk of whole rows at a time into one
 * scratch buffer, checks each code and stores the rows in `codes`; returns
 * the section's CRC-32.
 */
function* readCodeRows(codes: Int8VectorStore, count: number, at: number): Generator<ReadStep, number, undefined> {
  const dim = codes.dim;
  const rowsPerStep = Math.max(1, Math.floor(fileStepTestHooks.stepBytes / dim));
  const scratch = new Int8Array(Math.min(count, rowsPerStep) * dim);
  let crc = 0;
  for (let first = 0; first < count; first += rowsPerStep) {
    const rows = Math.min(rowsPerStep, count - first);
    const chunk = bytesOf(scratch, rows * dim);
    yield { into: chunk, at: at + first * dim, section: 'codes section' };
    crc = crc32(chunk, crc);
    for (let i = 0; i < rows * dim; i++) {
      if (scratch[i] < -CODE_MAX) corrupt(`code ${scratch[i]} of node ${first + Math.floor(i / dim)} is outside [-${CODE_MAX}, ${CODE_MAX}]`);
    }
    codes.writeCodeRows(first, scratch.subarray(0, rows * dim), rows);
  }
  return crc;
}

/** Notes in `nonFinite` the first non-finite component of `rows[0, length)` (if none noted yet). */
function findNonFinite(rows: Float32Array, length: number, dim: number, nonFinite: { node: number; value: number }): void {
  for (let i = 0; i < length && nonFinite.node < 0; i++) {
    const v = rows[i];
    if (v - v !== 0) {
      nonFinite.node = Math.floor(i / dim);
      nonFinite.value = v;
    }
  }
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
 * Decodes a native file in memory into an index made by `create` (see
 * `nativeDecoder`; `bytes` may have any offset).
 */
export function decodeNative<T extends BaseIndex>(
  bytes: Uint8Array, options: LoadOptions, kind: NativeHeader['kind'],
  create: (options: RestoreOptions, header: NativeHeader) => T,
): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`bytes\` must be a Uint8Array or Buffer (got ${describeValue(bytes)})`);
  }
  return decodeBuffer(bytes, nativeDecoder(bytes.length, options, kind, create), 'native index');
}

/**
 * Decodes a native file of `fileLength` bytes, asking for its bytes step by
 * step (see `FileDecoder`): the header first, checked against the file's
 * length (so every size is bounded by the file before anything is
 * allocated), then an index made by `create`, then each section read
 * straight into its final array (the vectors a chunk of rows at a time,
 * through `VectorStore.write`), its CRC-32 computed as it lands and checked
 * at its end, then the graph's consistency and the labels. Peak memory is
 * the index plus one chunk. Throws `CorruptFileError` naming the section.
 */
export function* nativeDecoder<T extends BaseIndex>(
  fileLength: number, options: LoadOptions, kind: NativeHeader['kind'],
  create: (options: RestoreOptions, header: NativeHeader) => T,
): FileDecoder<T> {
  requireLittleEndian();
  if (typeof options !== 'object' || options === null) {
    throw new SmallworldTypeError('INVALID_OPTION', `load options must be an object (got ${describeValue(options)})`);
  }
  checkKnownKeys('load', options, ['vectors', 'kernel']);
  // The longer (version 2) header's bytes, or the whole of a shorter file: the preamble says which layout applies.
  const head = new Uint8Array(Math.min(fileLength, NATIVE_HEADER_BYTES_V2));
  yield { into: head, at: 0, section: 'header' };
  const header = parseNativeHeader(head, fileLength);
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
  const { count, dim, upperInts } = header;
  const m = header.hnsw === null ? 0 : header.hnsw.m;
  let given: Float32Array | null = null;
  if (!header.hasVectors && count > 0) {
    given = toMatrix('vectors', options.vectors as MatrixLike, dim).data;
    if (given.length !== count * dim) {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`vectors\` must have one row per stored node: ${count} (got ${given.length / dim})`);
    }
  }

  // Version 2: the ranges first (small, last in the file), so the store is trained before its rows land.
  const sectionNames = LAYOUTS[header.version].sections;
  let int8: SavedRanges | null = null;
  if (header.quantization === 'int8') {
    const { offset, length, crc } = header.sections[8];
    const words = new Float64Array(length / 8);
    if ((yield* readChunks(bytesOf(words, words.length), offset, 'ranges section')) !== crc) corrupt('ranges section checksum mismatch');
    int8 = checkRanges(words, count, dim);
  }
  const restore: RestoreOptions = { space: header.space, dim, capacity: Math.max(1, count), kernel: options.kernel };
  if (int8 !== null) Object.assign(restore, { quantization: 'int8', rerank: header.rerank, ...(header.rerank ? { oversample: int8.oversample } : {}) });
  const index = create(restore, header);
  const store = index.store;
  const codes = store.vectors instanceof Int8VectorStore ? store.vectors : null;
  if (codes !== null && int8 !== null && int8.scale > 0) codes.train(null, 0, 0, { scale: int8.scale, offsets: int8.offsets });
  store.reserveUpper(upperInts / store.strideUpper);
  const targets = [
    // int8 with kept originals: the float32 rows go straight to the store's originals.
    codes !== null && header.hasVectors && header.rerank ? bytesOf(codes.originals!, count * dim) : null,
    bytesOf(store.links0, count * store.stride0), bytesOf(store.upperOffsets, count),
    bytesOf(store.upperLinks, upperInts), bytesOf(store.levels, count), bytesOf(store.labels, count), bytesOf(store.deleted, count),
  ];
  // A non-finite component is reported once the vectors' CRC holds (else the CRC mismatch is the news).
  const nonFinite = { node: -1, value: 0 };
  const padding = new Uint8Array(8);
  for (let s = 0; s < sectionNames.length; s++) {
    const { offset, length, crc } = header.sections[s];
    const name = sectionNames[s];
    if (s === 8) continue; // the ranges, read and checked above
    const target = s < targets.length ? targets[s] : null;
    let actual: number;
    if (s === 7) actual = header.hasVectors ? yield* readCodeRows(codes!, count, offset) : 0;
    else if (target === null) actual = header.hasVectors && header.quantization === 'none' ? yield* readVectorRows(index, count, offset, nonFinite) : 0;
    else actual = yield* readChunks(target, offset, `${name} section`);
    if (actual !== crc) corrupt(`${name} section checksum mismatch`);
    if (s === 0 && codes !== null && target !== null) findNonFinite(codes.originals!, count * dim, dim, nonFinite);
    // The padding to the next section is outside every CRC: it must be zero.
    const end = offset + length;
    if (align8(end) > end) {
      const pad = padding.subarray(0, align8(end) - end);
      yield { into: pad, at: end, section: `padding after the ${name} section` };
      for (let i = 0; i < pad.length; i++) if (pad[i] !== 0) corrupt(`padding byte ${end + i} after the ${name} section is not zero`);
    }
    if (s === 0 && nonFinite.node >= 0) corrupt(`vector of node ${nonFinite.node} has a non-finite component (${nonFinite.value})`);
  }

  const image: GraphImage = {
    count, dim, m,
    entryPoint: header.entryPoint,
    maxLevel: header.maxLevel,
    links0: store.links0.subarray(0, count * store.stride0),
    upperOffsets: store.upperOffsets.subarray(0, count),
    upperLinks: store.upperLinks.subarray(0, upperInts),
    levels: store.levels.subarray(0, count),
    deleted: store.deleted.subarray(0, count),
  };
  if (header.kind === 'hnsw') checkGraph(image, 'native index');
  else {
    if (count > 0 && (header.entryPoint !== -1 || header.maxLevel !== -1 || image.levels.some((l) => l !== 0))) {
      corrupt('a brute-force index has no graph: entry point and top level must be -1, levels 0');
    }
    if (image.deleted.some((d) => d > 1)) corrupt('a deleted flag is not 0 or 1');
  }
  const labels = store.labels;
  let deleted = 0;
  for (let node = 0; node < count; node++) {
    const label = labels[node];
    if (!Number.isSafeInteger(label) || label < 0) corrupt(`node ${node} has label ${label}; labels are non-negative safe integers`);
    if (label >= header.nextLabel) corrupt(`node ${node} has label ${label}, not below the next label ${header.nextLabel}`);
    deleted += image.deleted[node];
  }
  if (deleted !== header.deletedCount) corrupt(`${deleted} nodes are marked deleted; the header says ${header.deletedCount}`);
  setGraphState(store, image);
  if (given !== null) {
    // Rows given at load are normalised as at insert (and encoded with the loaded ranges); a file's rows were stored normalised.
    store.vectors.writeRows(given, count, METRICS[header.space].normalize);
    if (vectorsCrc(index) !== header.vectorsCrc) {
      throw new SmallworldTypeError('INVALID_OPTION',
        '`vectors` do not match the vectors this file was saved with (checksum mismatch): same rows, same order?');
    }
  }
  if (codes !== null && int8 !== null) codes.clampedVectors = int8.clampedVectors;
  const duplicate = index.restoreLabels(header.nextLabel);
  if (duplicate >= 0) corrupt(`node ${duplicate} repeats the label ${labels[duplicate]} of an earlier node`);
  return index;
}

/**
 * Reads the vectors section a chunk of whole rows at a time into one scratch
 * buffer and stores each row through `VectorStore.write`; returns the
 * section's CRC-32 and notes the first non-finite component in `nonFinite`.
 */
function* readVectorRows(
  index: BaseIndex, count: number, at: number, nonFinite: { node: number; value: number },
): Generator<ReadStep, number, undefined> {
  const { dim, store } = index;
  const rowsPerStep = Math.max(1, Math.floor(fileStepTestHooks.stepBytes / (4 * dim)));
  const scratch = new Float32Array(Math.min(count, rowsPerStep) * dim);
  let crc = 0;
  for (let first = 0; first < count; first += rowsPerStep) {
    const rows = Math.min(rowsPerStep, count - first);
    const chunk = bytesOf(scratch, rows * dim);
    yield { into: chunk, at: at + first * dim * 4, section: 'vectors section' };
    crc = crc32(chunk, crc);
    for (let i = 0; i < rows * dim; i++) {
      const v = scratch[i];
      if (v - v !== 0 && nonFinite.node < 0) {
        nonFinite.node = first + Math.floor(i / dim);
        nonFinite.value = v;
      }
    }
    for (let r = 0; r < rows; r++) store.vectors.write(first + r, scratch, r * dim, false);
  }
  return crc;
}
