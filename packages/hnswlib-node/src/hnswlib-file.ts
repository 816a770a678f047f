// HierarchicalNSW's files: the engine's hnswlib `.bin` codec, with
// hnswlib-node's load-time rules (maxElements, errors) around it.

import { readHnswlibHeader, type Space } from '@smallworld/hnsw';
import { ReplaceableHnswIndex } from './engine.js';
import { CORRUPT_INDEX, hnswlibError, readWholeFile } from './files.js';

/** A decoded file: the index, and the maxElements hnswlib-node would report for it. */
export interface LoadedHnsw {
  index: ReplaceableHnswIndex;
  maxElements: number;
}

/** hnswlib's loadIndex keeps the file's max_elements, except 0 for a file with no elements. */
function loadedMaxElements(fileMaxElements: number, count: number): number {
  return count === 0 ? 0 : fileMaxElements;
}

/**
 * Decodes an hnswlib `.bin` file for a `space` x `dim` index, straight into
 * our class. Every field and link is checked by the engine before anything
 * is allocated; any problem (truncated, corrupt, another dimension) becomes
 * hnswlib's "Index seems to be corrupted or unsupported", the engine's error
 * in `cause`.
 */
export function decodeHnswlib(bytes: Uint8Array, space: Space, dim: number, allowReplaceDeleted: boolean): LoadedHnsw {
  try {
    const { maxElements, count } = readHnswlibHeader(bytes);
    const index = ReplaceableHnswIndex.fromHnswlibBytes(bytes, { space, dim, allowReplaceDeleted });
    return { index, maxElements: loadedMaxElements(maxElements, count) };
  } catch (error) {
    throw hnswlibError('CORRUPT_FILE', CORRUPT_INDEX, error);
  }
}

/**
 * `decodeHnswlib` of a file read off the main thread (libuv's pool, as
 * hnswlib-node's AsyncWorker). Errors as hnswlib-node's: "failed to open
 * file" when the file cannot be read, else "Index seems to be corrupted or
 * unsupported".
 */
export async function loadHnswlibFile(
  filename: string, space: Space, dim: number, allowReplaceDeleted: boolean,
): Promise<LoadedHnsw> {
  return decodeHnswlib(await readWholeFile(filename), space, dim, allowReplaceDeleted);
}

/** The index in hnswlib's `.bin` layout, with `maxElements` in its header. */
export function encodeHnswlib(index: ReplaceableHnswIndex, maxElements: number): Uint8Array {
  return index.toHnswlibBytes({ maxElements });
}

/**
 * Writes the index in hnswlib's layout with the engine's atomic save
 * (temporary file, fsync, rename); a failure becomes hnswlib-node-style
 * "Hnswlib Error: failed to write file".
 */
export async function saveHnswlibFile(index: ReplaceableHnswIndex, maxElements: number, filename: string): Promise<void> {
  try {
    await index.saveHnswlib(filename, { maxElements });
  } catch (error) {
    throw hnswlibError('FILE_ERROR', `failed to write file: ${filename}`, error);
  }
}
