// The exact k-NN scan behind `computeGroundTruth`, shared by the worker
// threads and the single-threaded path. Distances are the engine's pure-TS
// kernels (the metric's pair function: squared L2 or 1 - dot, summed in
// float64 with the query in float64,
// as `BruteForceIndex` with the 'js' kernel), rounded to float32 like the
// index's results; ties go to the lower id. So the answer is exactly the
// brute-force index's, whatever the thread count.

import { METRICS, type Space } from '@smallworld/hnsw';

/** Queries scanned together: each base row is loaded once per block, not once per query. */
export const QUERY_BLOCK = 8;

/** Everything a scan reads and writes; the arrays may live in SharedArrayBuffers. */
export interface ScanJob {
  base: Float32Array;
  queries: Float32Array;
  dim: number;
  k: number;
  /** The space: its metric's pure-TS pair function is the distance (rows already normalised where it says). */
  space: Space;
  /** Output: k ids per query, nearest first. */
  neighbors: Int32Array;
  /** Output: k distances per query. */
  distances: Float32Array;
}

/** Per-thread scratch: one bounded max-heap per query of a block. */
export class ScanScratch {
  readonly query: Float64Array;
  readonly heapD: Float32Array;
  readonly heapI: Int32Array;
  readonly sizes: Int32Array;

  constructor(dim: number, k: number) {
    this.query = new Float64Array(QUERY_BLOCK * dim);
    this.heapD = new Float32Array(QUERY_BLOCK * k);
    this.heapI = new Int32Array(QUERY_BLOCK * k);
    this.sizes = new Int32Array(QUERY_BLOCK);
  }
}

/** Whether heap entry a sorts after entry b: larger distance, or equal distance and larger id. */
function after(d: Float32Array, ids: Int32Array, a: number, b: number): boolean {
  return d[a] > d[b] || (d[a] === d[b] && ids[a] > ids[b]);
}

function siftDown(d: Float32Array, ids: Int32Array, h: number, size: number, i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) return;
    let c = l;
    if (l + 1 < size && after(d, ids, h + l + 1, h + l)) c = l + 1;
    if (!after(d, ids, h + c, h + i)) return;
    const td = d[h + i]; d[h + i] = d[h + c]; d[h + c] = td;
    const ti = ids[h + i]; ids[h + i] = ids[h + c]; ids[h + c] = ti;
    i = c;
  }
}

function siftUp(d: Float32Array, ids: Int32Array, h: number, i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!after(d, ids, h + i, h + p)) return;
    const td = d[h + i]; d[h + i] = d[h + p]; d[h + p] = td;
    const ti = ids[h + i]; ids[h + i] = ids[h + p]; ids[h + p] = ti;
    i = p;
  }
}

/** Computes the k nearest base rows of queries [first, first + count) (count <= QUERY_BLOCK). */
export function scanBlock(job: ScanJob, scratch: ScanScratch, first: number, count: number): void {
  const { base, queries, dim, k, neighbors, distances } = job;
  const pair = METRICS[job.space].pair;
  const { query, heapD, heapI, sizes } = scratch;
  const baseCount = base.length / dim;
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < dim; i++) query[b * dim + i] = queries[(first + b) * dim + i];
    sizes[b] = 0;
  }
  for (let j = 0; j < baseCount; j++) {
    const off = j * dim;
    for (let b = 0; b < count; b++) {
      const d = Math.fround(pair(query, b * dim, base, off, dim));
      const h = b * k;
      const size = sizes[b];
      if (size === k) {
        // Ids come in increasing order: an equal distance loses to the entry already kept.
        if (d >= heapD[h]) continue;
        heapD[h] = d;
        heapI[h] = j;
        siftDown(heapD, heapI, h, k, 0);
      } else {
        heapD[h + size] = d;
        heapI[h + size] = j;
        siftUp(heapD, heapI, h, size);
        sizes[b] = size + 1;
      }
    }
  }
  // Pop the heaps from the furthest down, filling each row from its end.
  for (let b = 0; b < count; b++) {
    const h = b * k;
    const out = (first + b) * k;
    for (let size = sizes[b]; size > 0; size--) {
      distances[out + size - 1] = heapD[h];
      neighbors[out + size - 1] = heapI[h];
      heapD[h] = heapD[h + size - 1];
      heapI[h] = heapI[h + size - 1];
      siftDown(heapD, heapI, h, size - 1, 0);
    }
  }
}
