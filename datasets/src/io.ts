// Reading and writing vectors by file name: the extension picks the format
// (.fvecs .ivecs .bvecs .npy .f32 .i32 .hdf5/.h5 .idx/-idx3-ubyte[.gz]), and
// files are read and written in chunks of a few MiB.

import { SmallworldRangeError } from '@smallworld/hnsw';
import { basename } from 'node:path';
import { checkChoice, checkInteger, checkKnownKeys, describeValue } from './checks.js';
import { LITTLE_ENDIAN } from './formats/convert.js';
import { createHdf5Writer, openHdf5 } from './formats/hdf5.js';
import { openIdx, writeIdx } from './formats/idx.js';
import type { FormatName, MatrixReader, MatrixWriter, WriterOptions } from './formats/matrix-file.js';
import { createNpyWriter, openNpy } from './formats/npy.js';
import { createRawWriter, openRaw, RAW_DTYPES, type RawExtension } from './formats/raw.js';
import { createVecsWriter, openVecs, VECS_DTYPES, type VecsFormat } from './formats/vecs.js';
import {
  allocate, DTYPE_BYTES, DTYPES, dtypeOf, toVectorSet, type DType, type Matrix, type MatrixData, type VectorSet, type VectorsInput,
} from './vectors.js';

/** Bytes per chunk when reading or writing a file piecewise. */
export const CHUNK_BYTES = 8 << 20;

/** A file name resolved to a format (and, for HDF5, a dataset). */
export interface FileSpec {
  /** The file path, without a `:dataset` suffix. */
  path: string;
  /** The format the extension selects. */
  format: FormatName;
  /** The extension that decided the format ('fvecs', 'npy', 'f32', 'hdf5', 'idx', ...). */
  extension: string;
  /** HDF5 only: the dataset, from `file.hdf5:name` (else undefined). */
  dataset?: string;
}

/** Extensions and the formats they select, for messages and docs. */
export const EXTENSIONS = ['.fvecs', '.ivecs', '.bvecs', '.npy', '.f32', '.i32', '.hdf5', '.h5', '.idx', '-idx3-ubyte', '-idx1-ubyte'] as const;

/**
 * Resolves a file name to its format. `name.hdf5:test` selects a dataset of
 * an HDF5 file; a trailing `.gz` is allowed on IDX files only.
 */
export function detectFormat(file: string): FileSpec {
  if (typeof file !== 'string' || file === '') {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `a file path must be a non-empty string (got ${describeValue(file)})`);
  }
  const h5 = /^(.*\.(?:hdf5|h5)):([^:/\\]+)$/i.exec(file);
  if (h5 !== null) return { path: h5[1], format: 'hdf5', extension: 'hdf5', dataset: h5[2] };
  const name = basename(file).toLowerCase();
  if (/(\.idx|[-.]idx\d+-ubyte)(\.gz)?$/.test(name)) return { path: file, format: 'idx', extension: 'idx' };
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1] ?? '';
  if (Object.hasOwn(VECS_DTYPES, ext)) return { path: file, format: ext as VecsFormat, extension: ext };
  if (Object.hasOwn(RAW_DTYPES, ext)) return { path: file, format: 'raw', extension: ext };
  if (ext === 'npy') return { path: file, format: 'npy', extension: ext };
  if (ext === 'hdf5' || ext === 'h5') return { path: file, format: 'hdf5', extension: ext };
  throw new SmallworldRangeError('INVALID_ARGUMENT',
    `${file}: cannot tell the format from the extension ${ext ? `'.${ext}'` : '(none)'} (known: ${EXTENSIONS.join(' ')})`);
}

/** Options of the readers. */
export interface ReadOptions {
  /** HDF5 only: the dataset to read (default 'train', or the `file.hdf5:name` suffix). */
  dataset?: string;
  /**
   * `readMatrix`/`readVectors` only: allocate the result over a
   * SharedArrayBuffer (default false), so worker threads (ground truth, a
   * parallel index build) can use it without a copy.
   */
  shared?: boolean;
}

/** The binary formats are read and written by copying bytes into typed arrays: little-endian hosts only. */
function checkHostEndianness(): void {
  if (!LITTLE_ENDIAN) throw new SmallworldRangeError('UNSUPPORTED', 'vector files can only be read and written on a little-endian host');
}

/** Opens a matrix file for reading row ranges (`reader.read(first, rows)`); close it when done. */
export async function openMatrix(file: string, options: ReadOptions = {}): Promise<MatrixReader> {
  checkHostEndianness();
  const spec = detectFormat(file);
  switch (spec.format) {
    case 'fvecs': case 'ivecs': case 'bvecs': return openVecs(spec.path, spec.format);
    case 'npy': return openNpy(spec.path);
    case 'raw': return openRaw(spec.path, spec.extension as RawExtension);
    case 'hdf5': return openHdf5(spec.path, options.dataset ?? spec.dataset ?? 'train');
    default: return openIdx(spec.path);
  }
}

/** Rows per chunk for rows of `dim` elements of `dtype`. */
export function chunkRowsFor(dim: number, dtype: DType): number {
  return Math.max(1, Math.floor(CHUNK_BYTES / (dim * DTYPE_BYTES[dtype])));
}

/** One chunk of rows from `scanMatrix`. */
export interface MatrixChunk {
  /** Index of the chunk's first row in the file. */
  first: number;
  /** Rows in this chunk. */
  rows: number;
  /** Values per row. */
  dim: number;
  /** The chunk's `rows x dim` values, row-major. */
  data: MatrixData;
}

/**
 * Streams a matrix file chunk by chunk (about 8 MiB each unless `chunkRows`
 * says otherwise): for statistics or conversions of files larger than memory.
 */
export async function* scanMatrix(file: string, options: ReadOptions & { chunkRows?: number } = {}): AsyncGenerator<MatrixChunk> {
  const reader = await openMatrix(file, options);
  try {
    const step = options.chunkRows === undefined ? chunkRowsFor(reader.dim, reader.dtype) : checkInteger('chunkRows', options.chunkRows, 1);
    for (let first = 0; first < reader.count; first += step) {
      const rows = Math.min(step, reader.count - first);
      yield { first, rows, dim: reader.dim, data: await reader.read(first, rows) };
    }
  } finally {
    await reader.close();
  }
}

/** Reads every row of `reader` into `out` (converting element types on the way), chunk by chunk. */
async function readAll(reader: MatrixReader, out: MatrixData): Promise<void> {
  const { count, dim, dtype } = reader;
  const step = chunkRowsFor(dim, dtype);
  for (let first = 0; first < count; first += step) {
    const rows = Math.min(step, count - first);
    out.set(await reader.read(first, rows), first * dim);
  }
}

/** Reads a whole matrix file in its own element type (see `readVectors` for float32). */
export async function readMatrix(file: string, options: ReadOptions = {}): Promise<Matrix> {
  const reader = await openMatrix(file, options);
  try {
    const data = allocate(reader.dtype, reader.count * reader.dim, options.shared === true);
    await readAll(reader, data);
    return { dtype: reader.dtype, data, count: reader.count, dim: reader.dim } as Matrix;
  } finally {
    await reader.close();
  }
}

/**
 * Reads a whole file as float32 vectors (ints and bytes converted, float64
 * rounded, chunk by chunk: no second full-size copy). The format comes from
 * the extension; see README.md.
 *
 * @example
 * const base = await readVectors('datasets/data/sift_base.fvecs'); // { data, count, dim }
 */
export async function readVectors(file: string, options: ReadOptions = {}): Promise<VectorSet> {
  const reader = await openMatrix(file, options);
  try {
    const data = allocate('float32', reader.count * reader.dim, options.shared === true);
    await readAll(reader, data);
    return { dtype: 'float32', data, count: reader.count, dim: reader.dim };
  } finally {
    await reader.close();
  }
}

/**
 * The one element type a file of this name can store (.fvecs float32, .ivecs
 * int32, .bvecs uint8, .f32, .i32), or null when the format stores any
 * (.npy, .hdf5, IDX). Writers convert other data to it.
 */
export function storedDtype(file: string): DType | null {
  const spec = detectFormat(file);
  if (Object.hasOwn(VECS_DTYPES, spec.format)) return VECS_DTYPES[spec.format as VecsFormat];
  if (spec.format === 'raw') return RAW_DTYPES[spec.extension as RawExtension];
  return null;
}

/** The element type a format stores by default. */
function defaultDtype(spec: FileSpec, source: DType): DType {
  if (Object.hasOwn(VECS_DTYPES, spec.format)) return VECS_DTYPES[spec.format as VecsFormat];
  if (spec.format === 'raw') return RAW_DTYPES[spec.extension as RawExtension];
  return source;
}

/**
 * Creates a streaming writer for `file` (format from the extension): append
 * row chunks with `write`, finish with `close` (the file appears atomically
 * then), or `abort`. IDX files are written whole with `writeMatrix` instead.
 */
export async function createMatrixWriter(file: string, options: WriterOptions): Promise<MatrixWriter> {
  checkHostEndianness();
  const spec = detectFormat(file);
  checkKnownKeys('writer', options, ['dim', 'dtype', 'dataset', 'metadata']);
  const dim = checkInteger('dim', options.dim, 1);
  const dtype = options.dtype === undefined ? defaultDtype(spec, 'float32') : checkChoice('dtype', options.dtype, DTYPES);
  const fixed = defaultDtype(spec, dtype);
  if (fixed !== dtype) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`dtype\` of a .${spec.extension} file must be ${fixed} (got ${describeValue(dtype)})`);
  }
  let writer: MatrixWriter;
  switch (spec.format) {
    case 'fvecs': case 'ivecs': case 'bvecs': writer = await createVecsWriter(spec.path, spec.format, dim); break;
    case 'npy': writer = await createNpyWriter(spec.path, dim, dtype); break;
    case 'raw': writer = await createRawWriter(spec.path, spec.extension as RawExtension, dim, options.metadata); break;
    case 'hdf5': {
      // Metadata becomes root attributes (objects as JSON strings).
      const attributes: Record<string, string | number> = {};
      for (const [key, value] of Object.entries(options.metadata ?? {})) {
        attributes[key] = typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value);
      }
      writer = await createHdf5Writer(spec.path, dim, dtype, options.dataset ?? spec.dataset ?? 'train', attributes);
      break;
    }
    default:
      throw new SmallworldRangeError('UNSUPPORTED', `${file}: IDX files are written whole: use writeMatrix`);
  }
  return checkedWriter(writer);
}

/** Adds the whole-rows check to a writer's `write`. */
function checkedWriter(writer: MatrixWriter): MatrixWriter {
  const write = writer.write.bind(writer);
  writer.write = async (data: MatrixData) => {
    if (dtypeOf(data) === null || data.length % writer.dim !== 0) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH',
        `${writer.path}: a chunk must be a typed array of whole rows of dim ${writer.dim} (got ${describeValue(data)} of length ${(data as MatrixData)?.length})`);
    }
    return write(data);
  };
  return writer;
}

/** Writes a whole matrix (any element type the format can hold), in chunks, atomically. */
export async function writeMatrix(file: string, matrix: Matrix, options: { dataset?: string } = {}): Promise<void> {
  const spec = detectFormat(file);
  if (spec.format === 'idx') {
    await writeIdx(spec.path, matrix);
    return;
  }
  const writer = await createMatrixWriter(file, { dim: matrix.dim, dtype: defaultDtype(spec, matrix.dtype), dataset: options.dataset });
  try {
    const step = chunkRowsFor(matrix.dim, matrix.dtype);
    for (let first = 0; first < matrix.count; first += step) {
      const rows = Math.min(step, matrix.count - first);
      await writer.write(matrix.data.subarray(first * matrix.dim, (first + rows) * matrix.dim));
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Writes vectors to `file`, the format from the extension. `data` is a
 * VectorSet/Matrix, an ndarray [n, dim], an array of rows, or a flat typed
 * array with `dim`. Int32Array and Uint8Array data keep their type where the
 * format allows (.ivecs/.bvecs/.npy/.i32/.hdf5); values are converted to the
 * format's type otherwise (a RangeError if an integer format gets non-integers).
 *
 * @example
 * await writeVectors('datasets/data/queries.fvecs', queries, 128);
 * await writeVectors('datasets/data/truth.ivecs', neighbors, 100);
 */
export async function writeVectors(file: string, data: VectorsInput | Int32Array | Uint8Array | Matrix, dim?: number): Promise<void> {
  let matrix: Matrix;
  if ((data instanceof Int32Array || data instanceof Uint8Array) && dim !== undefined) {
    const cols = checkInteger('dim', dim, 1);
    if (data.length % cols !== 0) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH', `\`data\` length must be a multiple of dim ${cols} (got ${data.length})`);
    }
    matrix = { dtype: dtypeOf(data)!, data, count: data.length / cols, dim: cols } as Matrix;
  } else if (typeof data === 'object' && data !== null && !ArrayBuffer.isView(data) && 'dtype' in data && (data as Matrix).dtype !== 'float32' && dtypeOf((data as Matrix).data) !== null) {
    matrix = data as Matrix;
    if (dim !== undefined && matrix.dim !== dim) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH', `\`data\` has dimension ${matrix.dim}, \`dim\` says ${dim}`);
    }
  } else {
    matrix = toVectorSet('data', data as VectorsInput, dim);
  }
  await writeMatrix(file, matrix);
}
