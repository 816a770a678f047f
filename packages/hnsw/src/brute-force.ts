// BruteForceIndex: exact k-NN by a linear scan with the same kernels and the
// same interface as HnswIndex. The recall oracle, and the seed article's
// brute-force baseline.

import { exactSearch } from './algorithms/exact-search.js';
import { BASE_OPTION_KEYS, BaseIndex, checkBaseOptions, type BaseIndexOptions } from './base-index.js';
import { decodeNative, encodeNative, type LoadOptions, type SaveOptions } from './format/native.js';

/** Options of `new BruteForceIndex(...)`. */
export type BruteForceIndexOptions = BaseIndexOptions;

/**
 * Exact nearest-neighbour search: every query scans every live vector (in
 * WebAssembly SIMD where available). Exact, O(n x dim) per query, no build.
 *
 * @example
 * const exact = new BruteForceIndex({ space: 'l2', dim: 128 });
 * exact.addBatch(vectors);
 * const truth = exact.searchBatch(queries, 10);
 */
export class BruteForceIndex extends BaseIndex {
  constructor(options: BruteForceIndexOptions) {
    checkBaseOptions(options, BASE_OPTION_KEYS, 'BruteForceIndex');
    super(options, 0);
  }

  /** The index in smallworld's native format (see `HnswIndex.toBytes`); a copy. */
  toBytes(options: SaveOptions = {}): Uint8Array {
    return encodeNative(this, null, options);
  }

  /** A brute-force index from `toBytes` output, checked (see `HnswIndex.fromBytes`). */
  static fromBytes<T extends typeof BruteForceIndex>(this: T, bytes: Uint8Array, options: LoadOptions = {}): InstanceType<T> {
    return decodeNative(bytes, options, 'brute-force', (restore) => new this(restore) as InstanceType<T>);
  }

  protected override defaultEfSearch(): number {
    return 1;
  }

  protected override drawLevel(): number {
    return 0;
  }

  protected override linkNode(): void {}

  protected override relinkNode(): void {}

  protected override repairRemoved(): void {}

  protected override nearest(k: number): number {
    return exactSearch(this.ctx, k);
  }
}
