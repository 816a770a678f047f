// HierarchicalNSW's files: the engine's hnswlib `.bin` codec, with
// hnswlib-node's load-time rules (maxElements, errors) around it.

import { fromHnswlibBytes, readHnswlibHeader, toHnswlibBytes, type Space } from '@smallworld/hnsw';
import { ReplaceableHnswIndex } from './engine.js';
import { CORRUPT_INDEX, hnswlibError } from './files.js';

/** A decoded file: the index, and the maxElements hnswlib-node would report for it. */
export interface LoadedHnsw {
  index: ReplaceableHnswIndex;
  maxElements: number;
}

/**
 * Decodes an hnswlib `.bin` file for a `space` x `dim` index. Every field
 * and link is checked by the engine before anything is allocated; any
 * problem (truncated, corrupt, another dimension) becomes hnswlib's
 * "Index seems to be corrupted or unsupported", the engine's error in `cause`.
 *
 * maxElements follows hnswlib's loadIndex: the file's max_elements, except 0
 * for a file with no elements.
 */
export function decodeHnswlib(bytes: Uint8Array, space: Space, dim: number, allowReplaceDeleted: boolean): LoadedHnsw {
  try {
    const header = readHnswlibHeader(bytes);
    const plain = fromHnswlibBytes(bytes, { space, dim, allowReplaceDeleted });
    // The engine decodes into its own HnswIndex; its native format, whose
    // loader builds the class it is called on, moves the graph into ours.
    const index = ReplaceableHnswIndex.fromBytes(plain.toBytes());
    return { index, maxElements: header.count === 0 ? 0 : header.maxElements };
  } catch (error) {
    throw hnswlibError(CORRUPT_INDEX, error);
  }
}

/** The index in hnswlib's `.bin` layout, with `maxElements` in its header. */
export function encodeHnswlib(index: ReplaceableHnswIndex, maxElements: number): Uint8Array {
  return toHnswlibBytes(index, { maxElements });
}
