// Result types of search and searchBatch: typed arrays, nearest first.

import { SmallworldRangeError, SmallworldTypeError, describeValue } from './errors.js';

/** The nearest neighbours of one query, nearest first. */
export interface SearchResult {
  /** The caller's labels. */
  labels: Float64Array;
  /** The space's own distances (squared L2 for 'l2', 1 - dot for 'ip'/'cosine'). */
  distances: Float32Array;
}

/**
 * The results of a batch of queries in flat arrays: query i owns entries
 * [i * k, i * k + counts[i]); entries past its count hold label -1 and
 * distance Infinity.
 */
export class BatchSearchResult {
  /** Results asked for per query: the stride of `labels` and `distances`. */
  readonly k: number;
  /** queries x k labels, nearest first within each query; -1 past its count. */
  readonly labels: Float64Array;
  /** The distances of `labels`, in the space's own units; Infinity past a query's count. */
  readonly distances: Float32Array;
  /** Results found per query (k unless fewer points are live or pass the filter). */
  readonly counts: Uint32Array;

  constructor(queries: number, k: number) {
    this.k = k;
    try {
      this.labels = new Float64Array(queries * k).fill(-1);
      this.distances = new Float32Array(queries * k).fill(Infinity);
    } catch (error) {
      // A k far above the points in the index asks for queries x k result slots up front.
      throw new SmallworldRangeError('INVALID_ARGUMENT',
        `\`k\` ${k} for ${queries} queries needs ${queries * k} result slots, more than can be allocated (ask for fewer: at most the points in the index are returned; ${String(error)})`);
    }
    this.counts = new Uint32Array(queries);
  }

  /** Number of queries. */
  get length(): number {
    return this.counts.length;
  }

  /** The result of query `i` (views into the flat arrays, not copies). */
  get(i: number): SearchResult {
    if (typeof i !== 'number') {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`i\` must be an integer in [0, ${this.counts.length - 1}] (got ${describeValue(i)})`);
    }
    if (!Number.isInteger(i) || i < 0 || i >= this.counts.length) {
      throw new SmallworldRangeError('INVALID_ARGUMENT', `\`i\` must be an integer in [0, ${this.counts.length - 1}] (got ${i})`);
    }
    const start = i * this.k;
    const end = start + this.counts[i];
    return { labels: this.labels.subarray(start, end), distances: this.distances.subarray(start, end) };
  }
}
