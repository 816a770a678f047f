// HnswIndex as exported under the `node` condition: the portable index plus
// the methods that need Node.js (worker threads and files).

import { HnswIndex as PortableHnswIndex } from '../hnsw-index.js';

/**
 * The HNSW index with Node.js extras: parallel build and batch search on
 * worker threads, and saving to / loading from files.
 */
export class HnswIndex extends PortableHnswIndex {
  // Parallel build and search (src/parallel/) and file methods (src/format/) are added here.
}
