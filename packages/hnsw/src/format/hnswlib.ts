// hnswlib's `.bin` index layout (hnswlib 0.7/0.8 on 64-bit hosts, as written by
// Python/C++ hnswlib and hnswlib-node 3.x), read and written byte for byte.
// The layout is documented in docs/format.md; hnswlib's file has no magic,
// version or checksum, so every field is checked against the others here.
//
//   0    header, 96 bytes (size_t fields are u64, little-endian)
//   96   count level-0 records of (4 + 4 M0 + 4 dim + 8) bytes:
//        [u16 degree, u8 flags (bit 0 = deleted), u8 0][u32 id x M0][f32 x dim][u64 label]
//   ...  per node: u32 byte size, then level x (4 + 4 M) bytes of upper lists

import { BASE_OPTION_KEYS, checkBaseOptions } from '../base-index.js';
import type { Space } from '../metric.js';
import {
  CorruptFileError, DimensionMismatchError, SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, describeValue,
} from '../errors.js';
import { HnswIndex, type HnswIndexOptions } from '../hnsw-index.js';
import type { KernelChoice } from '../kernels/select.js';
import { MAX_LEVEL } from '../layout.js';
import { MAX_COUNT, MAX_EF, M_MAX, M_MIN } from '../limits.js';
import { readFields, writeFields, type HeaderTable } from './header-fields.js';
import {
  decodeBuffer, fileStepTestHooks, planToBuffer, readChunks, type FileDecoder, type FilePlan, type WriteStep,
} from './file-steps.js';
import { checkGraph, fillStore, requireLittleEndian, type GraphImage } from './store-io.js';

/** Bytes of hnswlib's header. */
export const HNSWLIB_HEADER_BYTES = 96;
/** hnswlib's DELETE_MARK: bit 0 of the third byte of a level-0 count word. */
const DELETE_MARK = 0x01;

/** The header of an hnswlib file, as read and checked against the file's length. */
export interface HnswlibHeader {
  /** `max_elements_`: capacity of the index that wrote it (hnswlib allocates it on load). */
  maxElements: number;
  /** `cur_element_count`: nodes stored, deleted ones included. */
  count: number;
  /** Vector dimension implied by the record layout. */
  dim: number;
  /** `M_` (= `maxM_`); level 0 keeps `maxM0 = 2M`. */
  m: number;
  /** `ef_construction_` of the index that wrote the file (at least 1). */
  efConstruction: number;
  /** `maxlevel_` (-1 when empty). */
  maxLevel: number;
  /** `enterpoint_node_` (-1 when empty). */
  entryPoint: number;
  /** Bytes of one level-0 record. */
  recordBytes: number;
}

/** Options of `fromHnswlibBytes` and `loadHnswlib`. */
export interface HnswlibLoadOptions {
  /**
   * The space the index was built in: hnswlib's file does not say. 'l2'
   * (L2Space), 'ip' (InnerProductSpace), 'cosine' (hnswlib-node's and
   * Python's 'cosine': inner product over vectors normalised at insert).
   */
  space: Space;
  /** Vector dimension; must match the file's record layout. */
  dim: number;
  /** Points to make room for; default: the file's node count (the index doubles as needed). */
  capacity?: number;
  /** Distance kernel (see `BaseIndexOptions.kernel`). Default 'auto'. */
  kernel?: KernelChoice;
  /** Default efSearch of the loaded index (hnswlib resets its `ef` to 10 on load). Default 64. */
  efSearch?: number;
  /** Seed of the level draw for points added after loading (hnswlib does not save its generator). Default 100. */
  seed?: number;
  /** As `HnswIndexOptions.allowReplaceDeleted` (hnswlib-node's `readIndex(path, allowReplaceDeleted)`). Default false. */
  allowReplaceDeleted?: boolean;
  /** As `HnswIndexOptions.neighborSelection`; hnswlib uses the heuristic. Default 'heuristic'. */
  neighborSelection?: 'heuristic' | 'simple';
}

const LOAD_KEYS = [...BASE_OPTION_KEYS, 'efSearch', 'seed', 'allowReplaceDeleted', 'neighborSelection'] as const;

/** Options of `toHnswlibBytes` and `saveHnswlib`. */
export interface HnswlibSaveOptions {
  /**
   * `max_elements_` written to the header: hnswlib allocates this many
   * records when it loads the file and refuses adds beyond it until
   * `resizeIndex`. Default: the index's capacity (at least its node count).
   */
  maxElements?: number;
}

const SAVE_KEYS = ['maxElements'] as const;

function corrupt(message: string): never {
  throw new CorruptFileError(`hnswlib index: ${message}`);
}

/** A size_t field's check: an integer in [min, max], named as hnswlib names it. */
function sizeIn(name: string, min: number, max: number): (value: number) => string | undefined {
  return (value) => {
    if (value > Number.MAX_SAFE_INTEGER) return `${name} is ${BigInt(value)}, out of range`;
    return value >= min && value <= max ? undefined : `${name} is ${value}, outside [${min}, ${max}]`;
  };
}

type HnswlibField =
  | 'offsetLevel0' | 'maxElements' | 'count' | 'recordBytes' | 'labelOffset' | 'offsetData' | 'maxLevel' | 'entryPoint'
  | 'maxM' | 'maxM0' | 'm' | 'mult' | 'efConstruction';

/**
 * hnswlib's header (`saveIndex` of hnswalg.h, in order; size_t fields are
 * u64). The checks here are each field's own range; how the fields relate
 * is checked by `readHnswlibHeader`.
 */
const HNSWLIB_FIELDS: HeaderTable<HnswlibField> = {
  offsetLevel0: {
    at: 0, type: 'u64',
    check: (v) => sizeIn('offsetLevel0', 0, 2 ** 53)(v) ?? (v === 0 ? undefined : 'offsetLevel0 must be 0 (not an hnswlib 0.7/0.8 file?)'),
  },
  maxElements: { at: 8, type: 'u64', check: sizeIn('max_elements', 0, 2 ** 53) },
  count: {
    at: 16, type: 'u64',
    check: (v, h) => sizeIn('cur_element_count', 0, MAX_COUNT)(v) ??
      (v <= h.maxElements ? undefined : `cur_element_count ${v} exceeds max_elements ${h.maxElements}`),
  },
  recordBytes: { at: 24, type: 'u64', check: sizeIn('size_data_per_element', 16, 2 ** 31) },
  labelOffset: { at: 32, type: 'u64', check: sizeIn('label_offset', 0, 2 ** 31) },
  offsetData: { at: 40, type: 'u64', check: sizeIn('offsetData', 0, 2 ** 31) },
  maxLevel: { at: 48, type: 'i32', check: (v) => v >= -1 && v <= MAX_LEVEL ? undefined : `maxlevel ${v} is outside [-1, ${MAX_LEVEL}]` },
  entryPoint: { at: 52, type: 'i32' },
  maxM: { at: 56, type: 'u64', check: sizeIn('maxM', 0, 2 ** 31) },
  maxM0: { at: 64, type: 'u64', check: sizeIn('maxM0', 0, 2 ** 31) },
  m: { at: 72, type: 'u64', check: sizeIn('M', 0, 2 ** 31) },
  /** `mult_` = 1 / ln(M): written for hnswlib, not read (it follows from M). */
  mult: { at: 80, type: 'f64' },
  efConstruction: { at: 88, type: 'u64', check: sizeIn('ef_construction', 0, MAX_EF) },
};

/**
 * Reads and checks hnswlib's header against the file's length: `bytes` is
 * the file, or its first 96 bytes at least with `fileLength` the file's
 * size. Allocates nothing; reads no record.
 */
export function readHnswlibHeader(bytes: Uint8Array, fileLength = bytes?.length): HnswlibHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`bytes\` must be a Uint8Array or Buffer (got ${describeValue(bytes)})`);
  }
  if (typeof fileLength !== 'number' || !Number.isSafeInteger(fileLength) || fileLength < bytes.length) {
    throw new SmallworldRangeError('INVALID_ARGUMENT',
      `\`fileLength\` must be an integer >= the ${bytes.length} bytes given (got ${describeValue(fileLength)})`);
  }
  if (fileLength < HNSWLIB_HEADER_BYTES) corrupt(`${fileLength} bytes is shorter than the 96-byte header (truncated file?)`);
  if (bytes.length < HNSWLIB_HEADER_BYTES) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `\`bytes\` must hold the ${HNSWLIB_HEADER_BYTES}-byte header (got ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const {
    maxElements, count, recordBytes, labelOffset, offsetData, maxLevel, entryPoint, maxM, maxM0, m, efConstruction,
  } = readFields(view, 0, HNSWLIB_FIELDS, corrupt);
  if (m !== maxM || maxM0 !== 2 * m || m < M_MIN || m > M_MAX) {
    throw new SmallworldRangeError('UNSUPPORTED',
      `hnswlib index: M ${m}, maxM ${maxM}, maxM0 ${maxM0}: smallworld reads M = maxM in [${M_MIN}, ${M_MAX}] with maxM0 = 2M`);
  }
  if (offsetData !== 4 + 4 * maxM0) corrupt(`offsetData ${offsetData} should be 4 + 4 x maxM0 = ${4 + 4 * maxM0}`);
  const vectorBytes = labelOffset - offsetData;
  if (vectorBytes < 4 || vectorBytes % 4 !== 0 || labelOffset + 8 !== recordBytes) {
    corrupt(`record layout (data at ${offsetData}, label at ${labelOffset}, ${recordBytes} bytes) is not hnswlib's`);
  }
  // Each node takes its record and at least a 4-byte link-list size.
  if (HNSWLIB_HEADER_BYTES + count * (recordBytes + 4) > fileLength) {
    corrupt(`${count} elements need at least ${HNSWLIB_HEADER_BYTES + count * (recordBytes + 4)} bytes; the file has ${fileLength} (truncated file?)`);
  }
  return { maxElements, count, dim: vectorBytes / 4, m, efConstruction: Math.max(efConstruction, 1), maxLevel, entryPoint, recordBytes };
}

/**
 * Decodes an hnswlib file in memory into an index made by `create` (see `hnswlibDecoder`).
 * @internal The Node subclass passes its own constructor; use `fromHnswlibBytes`.
 */
export function decodeHnswlib<T extends HnswIndex>(
  bytes: Uint8Array, options: HnswlibLoadOptions, create: (options: HnswIndexOptions) => T,
): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`bytes\` must be a Uint8Array or Buffer (got ${describeValue(bytes)})`);
  }
  return decodeBuffer(bytes, hnswlibDecoder(bytes.length, options, create), 'hnswlib index');
}

/**
 * Decodes an hnswlib file of `fileLength` bytes into an index made by
 * `create`, asking for its bytes step by step (see `FileDecoder`). Every
 * size is checked against the file's length before the index is allocated,
 * and every link, vector and label before it is returned. The upper-level
 * lists (after the level-0 records, a small part of the file) are read
 * first, whole, for the levels; then the level-0 records a chunk at a time,
 * each checked and copied into the store. Peak memory: the index, the
 * upper lists once more, one chunk.
 * @internal The Node subclass passes its own constructor.
 */
export function* hnswlibDecoder<T extends HnswIndex>(
  fileLength: number, options: HnswlibLoadOptions, create: (options: HnswIndexOptions) => T,
): FileDecoder<T> {
  requireLittleEndian();
  checkBaseOptions(options, LOAD_KEYS, 'loadHnswlib');
  const head = new Uint8Array(Math.min(fileLength, HNSWLIB_HEADER_BYTES));
  yield { into: head, at: 0, section: 'header' };
  const header = readHnswlibHeader(head, fileLength);
  const { count, m, recordBytes } = header;
  const dim = options.dim;
  if (header.dim !== dim) throw new DimensionMismatchError('dim', header.dim, dim);
  if (fileLength % 4 !== 0) corrupt(`${fileLength} bytes is not a whole number of 4-byte words`);
  const m0 = 2 * m;
  const stride0 = 1 + m0;
  const strideUpper = 1 + m;
  const upperBytesPerLevel = 4 * strideUpper;

  // The upper lists, bounded by the file's length (checked above to hold every record).
  const upperStart = HNSWLIB_HEADER_BYTES + count * recordBytes;
  const upper = new Uint8Array(fileLength - upperStart);
  yield* readChunks(upper, upperStart, 'upper-level link lists');
  const words = new Int32Array(upper.buffer, 0, upper.length / 4);

  // Pass 1: the upper-level list sizes give each node's level and arena offset.
  const levels = new Uint8Array(count);
  const upperOffsets = new Int32Array(count);
  let pos = 0;
  let upperInts = 0;
  for (let node = 0; node < count; node++) {
    if (pos + 4 > upper.length) corrupt(`the file ends inside the link lists of node ${node} (truncated file)`);
    const size = words[pos / 4] >>> 0;
    if (size % upperBytesPerLevel !== 0 || size / upperBytesPerLevel > MAX_LEVEL) {
      corrupt(`node ${node} has ${size} bytes of upper link lists, not a whole number (<= ${MAX_LEVEL}) of ${upperBytesPerLevel}-byte levels`);
    }
    if (pos + 4 + size > upper.length) corrupt(`the link lists of node ${node} run past the end of the file (truncated file)`);
    const level = size / upperBytesPerLevel;
    levels[node] = level;
    upperOffsets[node] = level === 0 ? -1 : upperInts;
    upperInts += level * strideUpper;
    pos += 4 + size;
  }
  if (pos !== upper.length) corrupt(`${upper.length - pos} bytes follow the last link list`);

  // Pass 2: the upper lists, copied into one arena (count words keep their low 16 bits, as hnswlib reads them).
  const upperLinks = new Int32Array(upperInts);
  pos = 0;
  for (let node = 0; node < count; node++) {
    const ints = levels[node] * strideUpper;
    if (ints > 0) {
      const at = upperOffsets[node];
      upperLinks.set(words.subarray(pos / 4 + 1, pos / 4 + 1 + ints), at);
      for (let lc = 0; lc < levels[node]; lc++) upperLinks[at + lc * strideUpper] &= 0xffff;
    }
    pos += 4 + 4 * ints;
  }

  const image: GraphImage = {
    count, dim, m,
    entryPoint: count === 0 ? -1 : header.entryPoint,
    maxLevel: count === 0 ? -1 : header.maxLevel,
    links0: null, upperOffsets, upperLinks, levels, deleted: new Uint8Array(count),
  };
  checkGraph(image, 'hnswlib index');

  // The file's length bounds every size by now, so the index may be allocated before the level-0
  // records are checked: one pass then checks each record and copies it into the store while it
  // is in cache. An error drops the new index; nothing else was changed.
  const capacity = options.capacity ?? Math.max(1, count);
  const index = create({
    space: options.space, dim, m, efConstruction: header.efConstruction,
    capacity: Math.max(capacity, count, 1),
    kernel: options.kernel, efSearch: options.efSearch, seed: options.seed,
    allowReplaceDeleted: options.allowReplaceDeleted, neighborSelection: options.neighborSelection,
  });
  const store = index.store;
  const { links0, vectors } = store;
  const deleted = image.deleted;
  const labels = new Float64Array(count);
  const recordWords = recordBytes / 4;
  const labelWord = (recordBytes - 8) / 4;
  const recordsPerStep = Math.max(1, Math.floor(fileStepTestHooks.stepBytes / recordBytes));
  const chunk = new Uint8Array(Math.min(count, recordsPerStep) * recordBytes);
  const chunkWords = new Int32Array(chunk.buffer);
  const floats = new Float32Array(chunk.buffer);
  let maxLabel = -1;
  for (let first = 0; first < count; first += recordsPerStep) {
    const records = Math.min(recordsPerStep, count - first);
    yield { into: chunk.subarray(0, records * recordBytes), at: HNSWLIB_HEADER_BYTES + first * recordBytes, section: 'level-0 records' };
    for (let r = 0; r < records; r++) {
      const node = first + r;
      const base = r * recordWords;
      const word = chunkWords[base];
      const degree = word & 0xffff;
      deleted[node] = (word >>> 16) & DELETE_MARK;
      if (degree > m0) corrupt(`node ${node} has ${degree} links at level 0 (at most maxM0 = ${m0})`);
      for (let j = 1; j <= degree; j++) {
        const id = chunkWords[base + j] >>> 0;
        if (id >= count) corrupt(`node ${node} links to node ${id} at level 0; there are ${count} elements`);
      }
      // Slots past the degree are never read; copied as hnswlib left them, so the file round-trips byte for byte.
      links0.set(chunkWords.subarray(base, base + stride0), node * stride0);
      links0[node * stride0] = degree;
      const dataAt = base + stride0;
      for (let j = 0; j < dim; j++) {
        const v = floats[dataAt + j];
        if (v - v !== 0) corrupt(`vector of node ${node} has a non-finite component (${v})`);
      }
      // Taken as stored: hnswlib-node and Python hnswlib store 'cosine' vectors already normalised.
      vectors.write(node, floats, dataAt, false);
      const lo = chunkWords[base + labelWord] >>> 0;
      const hi = chunkWords[base + labelWord + 1] >>> 0;
      if (hi >= 2 ** 21) {
        const label = (BigInt(hi) << 32n) | BigInt(lo);
        throw new SmallworldRangeError('INVALID_LABEL',
          `hnswlib index: node ${node} has label ${label}, 2^53 or more; smallworld labels must be safe integers (<= 2^53 - 1)`);
      }
      const label = hi * 2 ** 32 + lo;
      labels[node] = label;
      if (label > maxLabel) maxLabel = label;
    }
  }
  fillStore(store, image, labels);
  const duplicate = index.restoreLabels(maxLabel + 1);
  if (duplicate >= 0) corrupt(`element ${duplicate} repeats the label ${labels[duplicate]} of an earlier element`);
  return index;
}

/**
 * An `HnswIndex` from the bytes of an hnswlib `.bin` file (hnswlib 0.7/0.8,
 * 64-bit: Python/C++ hnswlib, hnswlib-node `writeIndex`), deleted marks
 * included. hnswlib's file does not record the space: pass the one it was
 * built with. Throws `CorruptFileError` for a file that is truncated or
 * inconsistent, `DimensionMismatchError` when `dim` does not match, and a
 * `SmallworldRangeError` for labels of 2^53 or more.
 */
export function fromHnswlibBytes(bytes: Uint8Array, options: HnswlibLoadOptions): HnswIndex {
  return decodeHnswlib(bytes, options, (o) => new HnswIndex(o));
}

/**
 * The index in hnswlib's `.bin` layout, readable by hnswlib 0.7/0.8
 * (`loadIndex`, hnswlib-node `readIndex`): level-0 links, vectors (unit
 * length for 'cosine', as hnswlib-node stores them), labels, deleted marks
 * and upper levels. hnswlib keeps no space, seed or efSearch: loaders must
 * be told the space. A copy. Throws `SmallworldRangeError` 'TOO_LARGE'
 * past `MAX_BUFFER_BYTES` (use `saveHnswlib`).
 */
export function toHnswlibBytes(index: HnswIndex, options: HnswlibSaveOptions = {}): Uint8Array {
  return planToBuffer(planHnswlib(index, options), 'toHnswlibBytes', 'saveHnswlib (or saveHnswlibSync)');
}

/**
 * An index's hnswlib file as write steps (see `FilePlan`): the header, then
 * the level-0 records and the upper lists, each assembled a chunk at a time
 * in one scratch buffer. The index must not change until the last step is taken.
 */
export function planHnswlib(index: HnswIndex, options: HnswlibSaveOptions = {}): FilePlan {
  requireLittleEndian();
  if (!(index instanceof HnswIndex)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`index\` must be an HnswIndex (got ${describeValue(index)})`);
  }
  checkKnownKeys('hnswlib save', options, SAVE_KEYS);
  const { store, dim, m } = index;
  const count = store.count;
  const maxElements = options.maxElements === undefined
    ? Math.max(store.capacity, count) : checkInteger('maxElements', options.maxElements, count);
  const m0 = 2 * m;
  const stride0 = 1 + m0;
  const strideUpper = 1 + m;
  const recordBytes = 4 * stride0 + 4 * dim + 8;
  let upperBytes = 0;
  for (let node = 0; node < count; node++) upperBytes += 4 + 4 * strideUpper * store.levels[node];
  const header = new Uint8Array(HNSWLIB_HEADER_BYTES);
  writeFields(new DataView(header.buffer), 0, HNSWLIB_FIELDS, {
    offsetLevel0: 0, maxElements, count, recordBytes,
    labelOffset: 4 * stride0 + 4 * dim,
    offsetData: 4 * stride0,
    maxLevel: store.maxLevel,
    entryPoint: store.entryPoint,
    maxM: m, maxM0: m0, m,
    mult: 1 / Math.log(m),
    efConstruction: index.efConstruction,
  });

  function* steps(): Generator<WriteStep, void, undefined> {
    yield { bytes: header, at: null };
    const { links0, vectors, labels, deleted, upperLinks, upperOffsets, levels } = store;
    // A chunk holds a record and the upper lists of the highest node (4 + 4(1 + M) bytes per level) at least.
    const largest = Math.max(recordBytes, 4 + Math.max(0, store.maxLevel) * 4 * strideUpper);
    const chunk = new Uint8Array(4 * Math.ceil(Math.max(largest, Math.min(fileStepTestHooks.stepBytes, Math.max(count * recordBytes, upperBytes))) / 4));
    const words = new Int32Array(chunk.buffer);
    const floats = new Float32Array(chunk.buffer);
    const recordWords = recordBytes / 4;
    const recordsPerStep = Math.floor(chunk.length / recordBytes);
    for (let first = 0; first < count; first += recordsPerStep) {
      const records = Math.min(recordsPerStep, count - first);
      for (let r = 0; r < records; r++) {
        const node = first + r;
        const base = r * recordWords;
        words.set(links0.subarray(node * stride0, (node + 1) * stride0), base);
        words[base] = links0[node * stride0] | (deleted[node] !== 0 ? DELETE_MARK << 16 : 0);
        vectors.read(node, floats, base + stride0);
        const label = labels[node];
        words[base + stride0 + dim] = label % 2 ** 32;
        words[base + stride0 + dim + 1] = Math.floor(label / 2 ** 32);
      }
      yield { bytes: chunk.subarray(0, records * recordBytes), at: null };
    }
    let pos = 0;
    for (let node = 0; node < count; node++) {
      const ints = levels[node] * strideUpper;
      if (4 * (pos + 1 + ints) > chunk.length) {
        yield { bytes: chunk.subarray(0, 4 * pos), at: null };
        pos = 0;
      }
      words[pos] = 4 * ints;
      if (ints > 0) words.set(upperLinks.subarray(upperOffsets[node], upperOffsets[node] + ints), pos + 1);
      pos += 1 + ints;
    }
    if (pos > 0) yield { bytes: chunk.subarray(0, 4 * pos), at: null };
  }
  return { size: HNSWLIB_HEADER_BYTES + count * recordBytes + upperBytes, steps: steps() };
}
