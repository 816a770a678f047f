// BruteForceIndex as exported under the `node` condition: the portable exact
// index plus saving to and loading from files.

import type { LoadOptions, SaveOptions } from '../format/native.js';
import { BruteForceIndex as PortableBruteForceIndex } from '../brute-force.js';
import { readFileBytes, writeFileAtomic } from './atomic-file.js';

/**
 * The exact index with Node.js file methods: a brute-force index saved once
 * (vectors and labels, native format) is reloaded without re-adding its
 * vectors. It has no worker-thread methods: a scan is one pass over memory
 * the kernels already stream, and `HnswIndex.searchBatchParallel` covers
 * batch search where threads pay.
 */
export class BruteForceIndex extends PortableBruteForceIndex {
  /**
   * Saves the index to `path` in the native format (see `toBytes`),
   * atomically: a temporary file in the same folder, fsynced, renamed over
   * `path`, so a crash midway leaves any previous file intact. `{ vectors:
   * false }` saves only the labels and deleted marks.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    await writeFileAtomic(path, this.toBytes(options));
  }

  /**
   * Loads a brute-force index saved by `save` (see `fromBytes`); pass
   * `vectors` for a file saved with `{ vectors: false }`. Throws
   * `CorruptFileError` for a corrupt, truncated or foreign file, and a
   * `SmallworldTypeError` for an `HnswIndex` file (load that with
   * `HnswIndex.load`).
   */
  static async load<T extends typeof BruteForceIndex>(this: T, path: string, options: LoadOptions = {}): Promise<InstanceType<T>> {
    return this.fromBytes(await readFileBytes(path), options) as InstanceType<T>;
  }
}
