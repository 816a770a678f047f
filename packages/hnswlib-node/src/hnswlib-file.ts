// HierarchicalNSW's files: the engine's hnswlib `.bin` codec, with
// hnswlib-node's load-time rules (maxElements, errors) around it.

import { open } from 'node:fs/promises';
import { fromHnswlibBytes, readHnswlibHeader, toHnswlibBytes, type Space } from '@smallworld/hnsw';
import { ReplaceableHnswIndex } from './engine.js';
import { CORRUPT_INDEX, hnswlibError } from './files.js';

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
 * Decodes an hnswlib `.bin` file for a `space` x `dim` index. Every field
 * and link is checked by the engine before anything is allocated; any
 * problem (truncated, corrupt, another dimension) becomes hnswlib's
 * "Index seems to be corrupted or unsupported", the engine's error in `cause`.
 */
export function decodeHnswlib(bytes: Uint8Array, space: Space, dim: number, allowReplaceDeleted: boolean): LoadedHnsw {
  try {
    const header = readHnswlibHeader(bytes);
    const plain = fromHnswlibBytes(bytes, { space, dim, allowReplaceDeleted });
    // fromHnswlibBytes builds the engine's own class; the native format's
    // loader builds the class it is called on, so it moves the graph into ours.
    // (An extra encode and decode: the async path below avoids it.)
    const index = ReplaceableHnswIndex.fromBytes(plain.toBytes());
    return { index, maxElements: loadedMaxElements(header.maxElements, header.count) };
  } catch (error) {
    throw hnswlibError(CORRUPT_INDEX, error);
  }
}

/** max_elements_ from the first 16 bytes of an hnswlib file (u64 at offset 8), or -1 if unreadable. */
async function peekMaxElements(filename: string): Promise<number> {
  const handle = await open(filename, 'r');
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    if (bytesRead < 16) return -1;
    const value = new DataView(head.buffer).getBigUint64(8, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
  } finally {
    await handle.close();
  }
}

/** Node's file-system errors carry the failed system call. */
function isFileSystemError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { syscall?: unknown }).syscall === 'string';
}

/**
 * `decodeHnswlib` of a file, read off the main thread and decoded once,
 * straight into our class (the engine's `loadHnswlib` builds the class it
 * is called on). Errors as hnswlib-node's: "failed to open file" when the
 * file cannot be read, else "Index seems to be corrupted or unsupported".
 */
export async function loadHnswlibFile(
  filename: string, space: Space, dim: number, allowReplaceDeleted: boolean,
): Promise<LoadedHnsw> {
  let index: ReplaceableHnswIndex;
  let fileMaxElements: number;
  try {
    index = await ReplaceableHnswIndex.loadHnswlib(filename, { space, dim, allowReplaceDeleted });
    fileMaxElements = await peekMaxElements(filename);
  } catch (error) {
    if (isFileSystemError(error)) throw hnswlibError(`failed to open file: ${filename}`, error);
    throw hnswlibError(CORRUPT_INDEX, error);
  }
  const count = index.size + index.deletedCount;
  // The file changed between the two reads: report it as hnswlib would a bad file.
  if (fileMaxElements < count) throw hnswlibError(CORRUPT_INDEX);
  return { index, maxElements: loadedMaxElements(fileMaxElements, count) };
}

/** The index in hnswlib's `.bin` layout, with `maxElements` in its header. */
export function encodeHnswlib(index: ReplaceableHnswIndex, maxElements: number): Uint8Array {
  return toHnswlibBytes(index, { maxElements });
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
    throw hnswlibError(`failed to write file: ${filename}`, error);
  }
}
