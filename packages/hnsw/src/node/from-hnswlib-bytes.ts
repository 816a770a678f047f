// `fromHnswlibBytes` under the `node` condition: the same decoder, returning
// the Node.js HnswIndex (files, worker threads) rather than the portable one.

import { decodeHnswlib, type HnswlibLoadOptions } from '../format/hnswlib.js';
import { HnswIndex } from './hnsw-index-node.js';

/**
 * An `HnswIndex` (the Node.js class) from the bytes of an hnswlib `.bin`
 * file; see the portable `fromHnswlibBytes` for what is checked and thrown.
 */
export function fromHnswlibBytes(bytes: Uint8Array, options: HnswlibLoadOptions): HnswIndex {
  return decodeHnswlib(bytes, options, (o) => new HnswIndex(o));
}
