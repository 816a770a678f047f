// File plumbing shared by both index classes: whole-file reads and atomic
// writes with hnswlib-node's error wording, and hnswlib's brute-force layout.
//
// hnswlib BruteforceSearch file (64-bit, little-endian), as its saveIndex writes it:
//   u64 maxElements | u64 sizePerElement (= 4 x dim + 8) | u64 count
//   maxElements records of sizePerElement bytes: f32 x dim, u64 label
//   (records past `count` are unused; hnswlib writes whatever memory held, we write zeros)

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { brandError, writeFileAtomic, writeFileAtomicSync } from '@smallworld/hnsw';
import { HNSWLIB_ERROR } from './arguments.js';
import type { HnswlibNodeErrorCode } from './errors.js';

/** hnswlib's message for a file it cannot parse; the detail goes in `cause`. */
export const CORRUPT_INDEX = 'Index seems to be corrupted or unsupported';

/** An `Error` with hnswlib-node's "Hnswlib Error: " prefix (`instanceof SmallworldError`, with `code`). */
export function hnswlibError(code: HnswlibNodeErrorCode, message: string, cause?: unknown): Error {
  return brandError(new Error(HNSWLIB_ERROR + message, cause === undefined ? undefined : { cause }), code);
}

/** Reads a whole file; a missing or unreadable file gives hnswlib-node's "failed to open file" error. */
export function readWholeFileSync(filename: string): Uint8Array {
  try {
    return readFileSync(filename);
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to open file: ${filename}`, error);
  }
}

/** `readWholeFileSync` off the main thread (libuv's pool), as hnswlib-node's AsyncWorker. */
export async function readWholeFile(filename: string): Promise<Uint8Array> {
  try {
    return await readFile(filename);
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to open file: ${filename}`, error);
  }
}

/**
 * Writes `bytes` to `filename` with the engine's atomic writer (temporary
 * file, fsync, rename, folder fsync): a crash leaves the old file or the
 * new one, never half of one.
 * (hnswlib writes in place and ignores write errors; this reports them.)
 */
export function writeWholeFileSync(filename: string, bytes: Uint8Array): void {
  try {
    writeFileAtomicSync(filename, bytes);
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to write file: ${filename}`, error);
  }
}

/** `writeWholeFileSync` without blocking the event loop. */
export async function writeWholeFile(filename: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(filename, bytes);
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to write file: ${filename}`, error);
  }
}

const HEADER_BYTES = 24;
const LABEL_BYTES = 8;

/** The content of a brute-force file: the live rows in file order. */
export interface BruteForceImage {
  maxElements: number;
  count: number;
  /** count x dim floats, row-major. */
  vectors: Float32Array;
  labels: Float64Array;
}

/** Encodes rows in hnswlib's BruteforceSearch layout. */
export function encodeBruteForce(image: BruteForceImage, dim: number): Uint8Array {
  const recordBytes = 4 * dim + LABEL_BYTES;
  const bytes = new Uint8Array(HEADER_BYTES + image.maxElements * recordBytes);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(image.maxElements), true);
  view.setBigUint64(8, BigInt(recordBytes), true);
  view.setBigUint64(16, BigInt(image.count), true);
  for (let row = 0; row < image.count; row++) {
    const at = HEADER_BYTES + row * recordBytes;
    for (let c = 0; c < dim; c++) view.setFloat32(at + 4 * c, image.vectors[row * dim + c], true);
    view.setBigUint64(at + 4 * dim, BigInt(image.labels[row]), true);
  }
  return bytes;
}

function readSize(view: DataView, offset: number, what: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} ${value} is out of range`);
  return Number(value);
}

/**
 * Decodes hnswlib's BruteforceSearch layout for an index of dimension `dim`.
 * Checks every size against the file length before reading (hnswlib reads
 * blindly): a wrong dimension, a truncated or hostile file throws
 * "Hnswlib Error: Index seems to be corrupted or unsupported" with the
 * reason in `cause`.
 */
export function decodeBruteForce(bytes: Uint8Array, dim: number): BruteForceImage {
  try {
    if (bytes.length < HEADER_BYTES) throw new RangeError(`file has ${bytes.length} bytes, less than the ${HEADER_BYTES}-byte header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const maxElements = readSize(view, 0, 'maxElements');
    const recordBytes = readSize(view, 8, 'record size');
    const count = readSize(view, 16, 'element count');
    if (recordBytes !== 4 * dim + LABEL_BYTES) {
      throw new RangeError(`records of ${recordBytes} bytes do not hold dimension ${dim} (${4 * dim + LABEL_BYTES} bytes)`);
    }
    if (count > maxElements) throw new RangeError(`element count ${count} exceeds maxElements ${maxElements}`);
    if (bytes.length !== HEADER_BYTES + maxElements * recordBytes) {
      throw new RangeError(`file has ${bytes.length} bytes, the header promises ${HEADER_BYTES + maxElements * recordBytes}`);
    }
    const vectors = new Float32Array(count * dim);
    const labels = new Float64Array(count);
    for (let row = 0; row < count; row++) {
      const at = HEADER_BYTES + row * recordBytes;
      for (let c = 0; c < dim; c++) vectors[row * dim + c] = view.getFloat32(at + 4 * c, true);
      labels[row] = readSize(view, at + 4 * dim, `label of row ${row}`);
    }
    return { maxElements, count, vectors, labels };
  } catch (error) {
    throw hnswlibError('CORRUPT_FILE', CORRUPT_INDEX, error);
  }
}
