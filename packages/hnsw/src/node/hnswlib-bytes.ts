// `fromHnswlibBytes` and `toHnswlibBytes` under the `node` condition: the same
// codec, built into the Node.js HnswIndex and guarded against parallel builds.

import type { HnswIndex as PortableHnswIndex } from '../hnsw-index.js';
import { toHnswlibBytes as encodeHnswlib, type HnswlibLoadOptions, type HnswlibSaveOptions } from '../format/hnswlib.js';
import { HnswIndex } from './hnsw-index-node.js';

/**
 * An `HnswIndex` (the Node.js class) from the bytes of an hnswlib `.bin`
 * file; see the portable `fromHnswlibBytes` for what is checked and thrown.
 */
export function fromHnswlibBytes(bytes: Uint8Array, options: HnswlibLoadOptions): HnswIndex {
  return HnswIndex.fromHnswlibBytes(bytes, options);
}

/**
 * The portable `toHnswlibBytes`; for a Node.js `HnswIndex` it throws
 * `SmallworldError` 'INDEX_BUSY' while `addBatchParallel` runs on it
 * (a copy then would hold a graph mid-insert).
 */
export function toHnswlibBytes(index: PortableHnswIndex, options: HnswlibSaveOptions = {}): Uint8Array {
  return index instanceof HnswIndex ? index.toHnswlibBytes(options) : encodeHnswlib(index, options);
}
