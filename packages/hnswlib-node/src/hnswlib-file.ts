// HierarchicalNSW's files: the engine's streamed hnswlib `.bin` reader and
// writer (files of any size, read and written in chunks), with hnswlib-node's
// load-time rules (maxElements, errors) around them.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { HNSWLIB_HEADER_BYTES, SmallworldError, readHnswlibHeader, type Space } from '@smallworld/hnsw';
import { ReplaceableHnswIndex } from './engine.js';
import { CORRUPT_INDEX, hnswlibError } from './files.js';

/** A decoded file: the index, and the maxElements hnswlib-node would report for it. */
export interface LoadedHnsw {
  index: ReplaceableHnswIndex;
  maxElements: number;
}

/** A file's first bytes (its header, or all of a shorter file) and its length. */
interface FileHead {
  head: Uint8Array;
  fileLength: number;
}

function openError(filename: string, error: unknown): Error {
  return hnswlibError('FILE_ERROR', `failed to open file: ${filename}`, error);
}

/** Reads the header of `filename`; a missing or unreadable file gives hnswlib-node's "failed to open file" error. */
function readHeadSync(filename: string): FileHead {
  let fd: number;
  try {
    fd = openSync(filename, 'r');
  } catch (error) {
    throw openError(filename, error);
  }
  try {
    const fileLength = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(fileLength, HNSWLIB_HEADER_BYTES));
    let done = 0;
    while (done < head.length) {
      const n = readSync(fd, head, done, head.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return { head: head.subarray(0, done), fileLength };
  } catch (error) {
    throw openError(filename, error);
  } finally {
    closeSync(fd);
  }
}

/** `readHeadSync` off the main thread. */
async function readHead(filename: string): Promise<FileHead> {
  let handle;
  try {
    handle = await open(filename, 'r');
  } catch (error) {
    throw openError(filename, error);
  }
  try {
    const fileLength = (await handle.stat()).size;
    const head = new Uint8Array(Math.min(fileLength, HNSWLIB_HEADER_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), fileLength };
  } catch (error) {
    throw openError(filename, error);
  } finally {
    await handle.close();
  }
}

/** hnswlib's loadIndex keeps the file's max_elements, except 0 for a file with no elements. */
function loadedMaxElements({ head, fileLength }: FileHead): number {
  const { maxElements, count } = readHnswlibHeader(head, fileLength);
  return count === 0 ? 0 : maxElements;
}

/** Any problem of a file that opened (truncated, corrupt, another dimension) as hnswlib's error, the engine's in `cause`. */
function corruptError(error: unknown): Error {
  return hnswlibError('CORRUPT_FILE', CORRUPT_INDEX, error);
}

/**
 * Loads an hnswlib `.bin` file for a `space` x `dim` index, in chunks,
 * straight into our class (`HnswIndex.loadHnswlibSync`: every field and link
 * is checked). Errors as hnswlib-node's: "failed to open file" when the file
 * cannot be opened, else "Index seems to be corrupted or unsupported".
 */
export function loadHnswlibFileSync(filename: string, space: Space, dim: number, allowReplaceDeleted: boolean): LoadedHnsw {
  const head = readHeadSync(filename);
  try {
    const maxElements = loadedMaxElements(head);
    return { index: ReplaceableHnswIndex.loadHnswlibSync(filename, { space, dim, allowReplaceDeleted }), maxElements };
  } catch (error) {
    throw corruptError(error);
  }
}

/** `loadHnswlibFileSync` without blocking the event loop (as hnswlib-node's AsyncWorker). */
export async function loadHnswlibFile(
  filename: string, space: Space, dim: number, allowReplaceDeleted: boolean,
): Promise<LoadedHnsw> {
  const head = await readHead(filename);
  try {
    const maxElements = loadedMaxElements(head);
    return { index: await ReplaceableHnswIndex.loadHnswlib(filename, { space, dim, allowReplaceDeleted }), maxElements };
  } catch (error) {
    throw corruptError(error);
  }
}

/**
 * Writes the index in hnswlib's layout, `maxElements` in its header, with
 * the engine's streamed atomic save (temporary file, fsync, rename); a
 * failure becomes hnswlib-node-style "Hnswlib Error: failed to write file".
 */
export async function saveHnswlibFile(index: ReplaceableHnswIndex, maxElements: number, filename: string): Promise<void> {
  try {
    await index.saveHnswlib(filename, { maxElements });
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to write file: ${filename}`, error);
  }
}

/**
 * `saveHnswlibFile` on the calling thread; 'INDEX_BUSY' (an `addPointsParallel`
 * in flight) is thrown as the engine's error, not as a failed write.
 */
export function saveHnswlibFileSync(index: ReplaceableHnswIndex, maxElements: number, filename: string): void {
  try {
    index.saveHnswlibSync(filename, { maxElements });
  } catch (error) {
    if (error instanceof SmallworldError && error.code === 'INDEX_BUSY') throw error;
    throw hnswlibError('FILE_ERROR', `failed to write file: ${filename}`, error);
  }
}
