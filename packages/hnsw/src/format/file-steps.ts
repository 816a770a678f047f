// The file formats' encoders and decoders as generators of I/O steps, so one
// implementation serves a buffer in memory (toBytes/fromBytes, browsers) and a
// file written or read in chunks (save/load, sync or async): the driver does the I/O.

import { CorruptFileError, SmallworldRangeError } from '../errors.js';
import { crc32 } from './crc32.js';

/**
 * Bytes one step moves at most: large enough that a file is a few hundred
 * system calls per GiB, small enough that a chunk is still in cache when its
 * CRC-32 is computed, and that a scratch buffer of this size is negligible
 * next to the index.
 */
export const STEP_BYTES = 8 * 2 ** 20;

/** @internal The step size in use: `STEP_BYTES`; tests make it small so that every section spans many steps. */
export const fileStepTestHooks = { stepBytes: STEP_BYTES };

/**
 * Largest file `toBytes` / `toHnswlibBytes` build in one buffer: 4 GiB - 1,
 * the longest `Uint8Array` Node.js 20 and most browsers allocate. Larger
 * indexes are saved and loaded through files in chunks (`save`/`load`).
 */
export const MAX_BUFFER_BYTES = 2 ** 32 - 1;

/** Bytes to write: appended at the end (`at` null), or at byte `at` (a header filled in once the CRCs are known). */
export interface WriteStep {
  bytes: Uint8Array;
  at: number | null;
}

/** A file's bytes as steps, valid until the next step is asked for, and its size, known before the first. */
export interface FilePlan {
  /** Bytes of the whole file. */
  size: number;
  steps: Generator<WriteStep, void, undefined>;
}

/** Bytes to read: fill `into` with the file's bytes from byte `at`; `section` names them for errors. */
export interface ReadStep {
  into: Uint8Array;
  at: number;
  section: string;
}

/** A decoder: asks for the file's bytes step by step and returns what it decodes. */
export type FileDecoder<T> = Generator<ReadStep, T, undefined>;

/**
 * Throws `SmallworldRangeError` 'TOO_LARGE' when a file of `size` bytes is
 * more than one buffer holds (`MAX_BUFFER_BYTES`), naming the method that
 * streams it instead. A pure function of the size, checked before anything
 * is allocated.
 */
export function checkBufferSize(size: number, method: string, streamed: string): void {
  if (size > MAX_BUFFER_BYTES) {
    throw new SmallworldRangeError('TOO_LARGE',
      `${method}: the file would be ${size} bytes, more than one buffer holds (${MAX_BUFFER_BYTES}); use ${streamed}, which writes and reads it in chunks`);
  }
}

/** The bytes of a typed array's first `length` elements (a view, no copy). */
export function bytesOf(array: Int32Array | Uint8Array | Float64Array | Float32Array, length: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, length * array.BYTES_PER_ELEMENT);
}

/** Appends `bytes` in steps of at most `STEP_BYTES` (`fileStepTestHooks.stepBytes`); returns their CRC-32, computed as they go. */
export function* writeChunks(bytes: Uint8Array): Generator<WriteStep, number, undefined> {
  let crc = 0;
  const step = fileStepTestHooks.stepBytes;
  for (let done = 0; done < bytes.length; done += step) {
    const chunk = bytes.subarray(done, Math.min(done + step, bytes.length));
    crc = crc32(chunk, crc);
    yield { bytes: chunk, at: null };
  }
  return crc;
}

/** Fills `into` from byte `at` in steps of at most `STEP_BYTES`; returns its CRC-32, computed as each step lands. */
export function* readChunks(into: Uint8Array, at: number, section: string): Generator<ReadStep, number, undefined> {
  let crc = 0;
  const step = fileStepTestHooks.stepBytes;
  for (let done = 0; done < into.length; done += step) {
    const chunk = into.subarray(done, Math.min(done + step, into.length));
    yield { into: chunk, at: at + done, section };
    crc = crc32(chunk, crc);
  }
  return crc;
}

/** Runs `plan` into one new buffer (`toBytes`); `method`/`streamed` name the call and its streaming twin for the size error. */
export function planToBuffer(plan: FilePlan, method: string, streamed: string): Uint8Array {
  checkBufferSize(plan.size, method, streamed);
  const out = new Uint8Array(plan.size);
  let end = 0;
  for (const step of plan.steps) {
    if (step.at === null) {
      out.set(step.bytes, end);
      end += step.bytes.length;
    } else out.set(step.bytes, step.at);
  }
  if (end !== plan.size) throw new Error(`internal: the encoder wrote ${end} bytes of the ${plan.size} it planned`);
  return out;
}

/** Fails a step that asks for bytes past the end of the file (a file that shrank while it was read). */
export function truncatedAt(step: ReadStep, fileLength: number, format: string): never {
  throw new CorruptFileError(
    `${format}: the file ends at byte ${fileLength}, inside the ${step.section} (bytes ${step.at} to ${step.at + step.into.length}; truncated file)`);
}

/** Runs `decoder` over bytes in memory (`fromBytes`). */
export function decodeBuffer<T>(bytes: Uint8Array, decoder: FileDecoder<T>, format: string): T {
  for (let next = decoder.next(); ; next = decoder.next()) {
    if (next.done === true) return next.value;
    const step = next.value;
    if (step.at + step.into.length > bytes.length) truncatedAt(step, bytes.length, format);
    step.into.set(bytes.subarray(step.at, step.at + step.into.length));
  }
}
