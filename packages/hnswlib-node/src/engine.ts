// The engine index behind the drop-in's HierarchicalNSW, with the policy hnswlib
// decides per call rather than per index: whether a new label takes a deleted
// slot (hnswlib's addPoint(..., replace_deleted)). BruteforceSearch uses the
// engine's BruteForceIndex as it is (removePoint is its hard `remove`).

import { HnswIndex, type HnswIndexOptions } from '@smallworld/hnsw';

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
