// BruteForceIndex as exported under the `node` condition: the portable exact
// index plus saving to and loading from files.

import { nativeDecoder, planNative, type LoadOptions, type SaveOptions } from '../format/native.js';
import { BruteForceIndex as PortableBruteForceIndex } from '../brute-force.js';
import { readDecoded, writePlan } from './streamed-file.js';

/**
 * The exact index with Node.js file methods: a brute-force index saved once
 * (vectors and labels, native format) is reloaded without re-adding its
 * vectors. It has no worker-thread methods: a scan is one pass over memory
 * the kernels already stream, and `HnswIndex.searchBatchParallel` covers
 * batch search where threads pay.
 */
export class BruteForceIndex extends PortableBruteForceIndex {
  /**
   * Saves the index to `path` in the native format (see `toBytes`), a
   * section at a time (files of any size), atomically: a temporary file in
   * the same folder, fsynced, renamed over `path`, so a crash midway leaves
   * any previous file intact. `{ vectors: false }` saves only the labels and
   * deleted marks. Until it resolves, `add`, `addBatch`, `markDeleted`, ...
   * throw 'INDEX_BUSY'.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    const plan = planNative(this, null, options);
    this.savesInFlight++;
    try {
      await writePlan(path, plan);
    } finally {
      this.savesInFlight--;
    }
  }

  /**
   * Loads a brute-force index saved by `save` (see `fromBytes`), each
   * section read straight into the index a chunk at a time; pass `vectors`
   * for a file saved with `{ vectors: false }`. Throws `CorruptFileError`
   * for a corrupt, truncated or foreign file (naming `path` and the
   * section), and a `SmallworldTypeError` for an `HnswIndex` file (load
   * that with `HnswIndex.load`).
   */
  static async load<T extends typeof BruteForceIndex>(this: T, path: string, options: LoadOptions = {}): Promise<InstanceType<T>> {
    return readDecoded(path, 'native index',
      (fileLength) => nativeDecoder(fileLength, options, 'brute-force', (restore) => new this(restore) as InstanceType<T>));
  }
}
