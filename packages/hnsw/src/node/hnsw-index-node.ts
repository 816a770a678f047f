// HnswIndex as exported under the `node` condition: the portable index plus
// the methods that need Node.js (worker threads and files).

import { readFileBytes, writeFileAtomic } from '../format/file.js';
import { decodeHnswlib, toHnswlibBytes, type HnswlibLoadOptions, type HnswlibSaveOptions } from '../format/hnswlib.js';
import type { LoadOptions, SaveOptions } from '../format/native.js';
import { HnswIndex as PortableHnswIndex } from '../hnsw-index.js';

/**
 * The HNSW index with Node.js extras: parallel build and batch search on
 * worker threads, and saving to / loading from files.
 */
export class HnswIndex extends PortableHnswIndex {
  // Parallel build and search (src/parallel/) and file methods (src/format/) are added here.

  /**
   * Saves the index to `path` in the native format (see `toBytes`),
   * atomically: a temporary file in the same folder, fsynced, renamed over
   * `path`. A crash or full disk midway leaves any previous file intact.
   * `{ vectors: false }` saves the graph without the vectors.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    await writeFileAtomic(path, this.toBytes(options));
  }

  /**
   * Loads an index saved by `save` (see `fromBytes`); pass `vectors` for a
   * file saved with `{ vectors: false }`. Throws `CorruptFileError` for a
   * corrupt, truncated or foreign file.
   */
  static async load<T extends typeof HnswIndex>(this: T, path: string, options: LoadOptions = {}): Promise<InstanceType<T>> {
    return this.fromBytes(await readFileBytes(path), options) as InstanceType<T>;
  }

  /**
   * Saves the index in hnswlib's `.bin` layout (see `toHnswlibBytes`),
   * atomically, for hnswlib (Python, C++) and hnswlib-node's `readIndex`.
   */
  async saveHnswlib(path: string, options: HnswlibSaveOptions = {}): Promise<void> {
    await writeFileAtomic(path, toHnswlibBytes(this, options));
  }

  /**
   * Loads an hnswlib `.bin` file (hnswlib 0.7/0.8, 64-bit; see
   * `fromHnswlibBytes`): pass the `space` and `dim` it was built with.
   */
  static async loadHnswlib<T extends typeof HnswIndex>(
    this: T, path: string, options: HnswlibLoadOptions,
  ): Promise<InstanceType<T>> {
    const bytes = await readFileBytes(path);
    return decodeHnswlib(bytes, options, (o) => new this(o) as InstanceType<T>);
  }
}
