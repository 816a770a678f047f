// BruteForceIndex: exact k-NN by a linear scan with the same kernels and the
// same interface as HnswIndex. The recall oracle, and the seed article's
// brute-force baseline.

import { exactSearch } from './algorithms/exact-search.js';
import { BASE_OPTION_KEYS, BaseIndex, checkBaseOptions, type BaseIndexOptions } from './base-index.js';

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

  protected override defaultEfSearch(): number {
    return 1;
  }

  protected override drawLevel(): number {
    return 0;
  }

  protected override linkNode(): void {}

  protected override relinkNode(): void {}

  protected override nearest(k: number): number {
    return exactSearch(this.ctx, k, null, 0);
  }
}
