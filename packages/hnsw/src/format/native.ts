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
import { METRICS, metricOfNativeCode, type Metric, type Space } from '../metric.js';
import { CorruptFileError, SmallworldTypeError, checkKnownKeys, describeValue } from '../errors.js';
import { toMatrix, type MatrixLike } from '../input.js';
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
/** Format version this code writes; it reads this version only. */
export const NATIVE_VERSION = 1;
/** Bytes of the version-1 header, section table and header CRC included. */
export const NATIVE_HEADER_BYTES = 264;

const SECTION_NAMES = ['vectors', 'links0', 'upperOffsets', 'upperLinks', 'levels', 'labels', 'deleted'] as const;
const SECTION_COUNT = SECTION_NAMES.length;
const TABLE_OFFSET = 88;
const TABLE_ENTRY_BYTES = 24;

const KIND_HNSW = 0;
const KIND_BRUTE_FORCE = 1;
const FLAG_HAS_VECTORS = 1;
const FLAG_ALLOW_REPLACE_DELETED = 2;
const KNOWN_FLAGS = FLAG_HAS_VECTORS | FLAG_ALLOW_REPLACE_DELETED;
const RESERVED_NOT_ZERO = 'reserved header bytes are not zero';

/** Fields read before the rest: they say whether the rest can be read at all. */
const PREAMBLE_FIELDS: HeaderTable<'version' | 'headerBytes'> = {
  version: {
    at: 8, type: 'u32',
    check: (v) => v === NATIVE_VERSION ? undefined
      : `format version ${v} is not supported (this version of smallworld reads version ${NATIVE_VERSION})`,
  },
  headerBytes: {
    at: 12, type: 'u32',
    check: (v) => v === NATIVE_HEADER_BYTES ? undefined : `header size ${v} should be ${NATIVE_HEADER_BYTES} in version 1`,
  },
};

type NativeField =
  | 'kind' | 'space' | 'selection' | 'reserved' | 'flags' | 'dim' | 'm' | 'm0' | 'efConstruction' | 'efSearch'
  | 'seed' | 'prngState' | 'count' | 'entryPoint' | 'maxLevel' | 'upperInts' | 'deletedCount' | 'nextLabel'
  | 'vectorsCrc' | 'sectionCount' | 'reservedTail';

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
  sectionCount: {
    at: 84, type: 'u32',
    check: (v) => v === SECTION_COUNT ? undefined : `section count ${v} should be ${SECTION_COUNT}`,
  },
  reservedTail: { at: NATIVE_HEADER_BYTES - 4, type: 'u32', check: (v) => v === 0 ? undefined : RESERVED_NOT_ZERO },
};

/** CRC-32 of the header's bytes before it (section table included). */
const HEADER_CRC: HeaderField = { at: NATIVE_HEADER_BYTES - 8, type: 'u32' };

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
  const fields: Record<NativeField, number> = {
    kind: hnsw === null ? KIND_BRUTE_FORCE : KIND_HNSW,
    space: METRICS[index.space].nativeCode,
    selection: hnsw !== null && hnsw.neighborSelection === 'simple' ? 1 : 0,
    reserved: 0,
    flags: (hasVectors ? FLAG_HAS_VECTORS : 0) | (hnsw !== null && hnsw.allowReplaceDeleted ? FLAG_ALLOW_REPLACE_DELETED : 0),
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
    sectionCount: SECTION_COUNT,
    reservedTail: 0,
  };

  function* sectionBytes(s: number): Generator<WriteStep, number, undefined> {
    switch (s) {
      case 0: return hasVectors ? yield* vectorRows() : 0;
      case 1: return yield* writeChunks(bytesOf(store.links0, count * store.stride0));
      case 2: return yield* writeChunks(bytesOf(store.upperOffsets, count));
      case 3: return yield* writeChunks(bytesOf(store.upperLinks, store.upperUsed));
      case 4: return yield* writeChunks(bytesOf(store.levels, count));
      case 5: return yield* writeChunks(bytesOf(store.labels, count));
      default: return yield* writeChunks(bytesOf(store.deleted, count));
    }
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
    yield { bytes: new Uint8Array(NATIVE_HEADER_BYTES), at: null };
    const crcs: number[] = [];
    for (let s = 0; s < SECTION_COUNT; s++) {
      crcs.push(yield* sectionBytes(s));
      const padding = align8(offsets[s] + lengths[s]) - (offsets[s] + lengths[s]);
      if (padding > 0) yield { bytes: new Uint8Array(padding), at: null };
    }
    const header = new Uint8Array(NATIVE_HEADER_BYTES);
    const view = new DataView(header.buffer);
    header.set(NATIVE_MAGIC, 0);
    writeFields(view, 0, PREAMBLE_FIELDS, { version: NATIVE_VERSION, headerBytes: NATIVE_HEADER_BYTES });
    writeFields(view, 0, HEADER_FIELDS, { ...fields, vectorsCrc: hasVectors ? crcs[0] : vectorsCrc(index) });
    for (let s = 0; s < SECTION_COUNT; s++) {
      writeFields(view, TABLE_OFFSET + s * TABLE_ENTRY_BYTES, SECTION_FIELDS, { id: s + 1, crc: crcs[s], offset: offsets[s], length: lengths[s] });
    }
    writeField(view, 0, HEADER_CRC, crc32(header.subarray(0, HEADER_CRC.at)));
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
  readFields(view, 0, PREAMBLE_FIELDS, corrupt);
  if (fileLength < NATIVE_HEADER_BYTES) corrupt(`${fileLength} bytes is shorter than the ${NATIVE_HEADER_BYTES}-byte header (truncated file)`);
  if (crc32(head.subarray(0, HEADER_CRC.at)) !== readField(view, 0, HEADER_CRC)) corrupt('header checksum mismatch (corrupt header)');
  const h = readFields(view, 0, HEADER_FIELDS, corrupt);
  const isHnsw = h.kind === KIND_HNSW;
  const hasVectors = (h.flags & FLAG_HAS_VECTORS) !== 0;

  const lengths = sectionLengths(h.count, h.dim, h.m, h.upperInts, hasVectors);
  const sections: NativeHeader['sections'] = [];
  let end = NATIVE_HEADER_BYTES;
  for (let s = 0; s < SECTION_COUNT; s++) {
    const name = SECTION_NAMES[s];
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
  if (end > fileLength) corrupt(`the file ends at byte ${fileLength}, inside the padding after the deleted section (truncated file)`);
  if (end !== fileLength) corrupt(`the file has ${fileLength} bytes; its header describes ${end}`);
  return {
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

/** Index constructor options a loader passes to its factory. */
export interface RestoreOptions {
  space: Space;
  dim: number;
  capacity: number;
  kernel?: KernelChoice;
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
  const head = new Uint8Array(Math.min(fileLength, NATIVE_HEADER_BYTES));
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

  const index = create({ space: header.space, dim, capacity: Math.max(1, count), kernel: options.kernel }, header);
  const store = index.store;
  store.reserveUpper(upperInts / store.strideUpper);
  const targets = [
    null, bytesOf(store.links0, count * store.stride0), bytesOf(store.upperOffsets, count),
    bytesOf(store.upperLinks, upperInts), bytesOf(store.levels, count), bytesOf(store.labels, count), bytesOf(store.deleted, count),
  ];
  // A non-finite component is reported once the vectors' CRC holds (else the CRC mismatch is the news).
  const nonFinite = { node: -1, value: 0 };
  const padding = new Uint8Array(8);
  for (let s = 0; s < SECTION_COUNT; s++) {
    const { offset, length, crc } = header.sections[s];
    const name = SECTION_NAMES[s];
    const target = targets[s];
    const actual = target === null
      ? (header.hasVectors ? yield* readVectorRows(index, count, offset, nonFinite) : 0)
      : yield* readChunks(target, offset, `${name} section`);
    if (actual !== crc) corrupt(`${name} section checksum mismatch`);
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
    // Rows given at load are normalised as at insert; a file's rows were stored normalised.
    store.vectors.writeRows(given, count, METRICS[header.space].normalize);
    if (vectorsCrc(index) !== header.vectorsCrc) {
      throw new SmallworldTypeError('INVALID_OPTION',
        '`vectors` do not match the vectors this file was saved with (checksum mismatch): same rows, same order?');
    }
  }
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
