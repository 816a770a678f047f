// The engine indexes behind the drop-in, with the two policies hnswlib decides
// per call rather than per index: whether a new label takes a deleted slot
// (hnswlib's addPoint(..., replace_deleted)) and, for brute force, that a
// removed point's slot is free again (BruteforceSearch::removePoint).

import { BruteForceIndex, HnswIndex, type BruteForceIndexOptions, type HnswIndexOptions } from '@smallworld/hnsw';

/**
 * Vector bytes reserved up front at most. hnswlib allocates maxElements
 * records at initIndex; the engine grows by doubling, so reserving is only
 * a head start, and a generous maxElements (1e6 x 1536-D is 6 GB) must not
 * cost its full size before any point arrives.
 */
const MAX_RESERVE_BYTES = 256 * 1024 * 1024;

/** The engine capacity to start with for `maxElements` points of `dim` floats: at least 1. */
export function initialCapacity(maxElements: number, dim: number): number {
  return Math.max(1, Math.min(maxElements, Math.floor(MAX_RESERVE_BYTES / (4 * Math.max(1, dim)))));
}

/**
 * HnswIndex whose deleted slots are reused only while `replaceDeleted` is
 * set: hnswlib reuses a slot only when the addPoint call asks for it, even
 * on an index built with allowReplaceDeleted.
 */
export class ReplaceableHnswIndex extends HnswIndex {
  /** Set by the caller around one add that passed replaceDeleted = true. */
  replaceDeleted = false;

  constructor(options: HnswIndexOptions) {
    super(options);
  }

  protected override reusesDeletedSlots(): boolean {
    return this.replaceDeleted && super.reusesDeletedSlots();
  }

  /** Every label with a slot, deleted ones included (hnswlib's label_lookup_ keys). */
  allLabels(): number[] {
    return [...this.labelTable.keys()];
  }
}

/**
 * BruteForceIndex where a removed (marked deleted) point's slot goes to the
 * next new label, so add/remove churn does not grow memory: removal in
 * hnswlib's brute force is real, and a linear scan has no links to repair.
 */
export class ReusingBruteForceIndex extends BruteForceIndex {
  constructor(options: BruteForceIndexOptions) {
    super(options);
  }

  protected override reusesDeletedSlots(): boolean {
    return true;
  }
}
