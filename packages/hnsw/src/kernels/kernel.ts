// The interface every distance kernel implements, one instance per thread per
// index: it owns that thread's scratch (query row, id batch, distance batch).

/**
 * Distances from the current query to stored nodes. The hot loops of the
 * algorithms call only these methods, so one index uses one class here and
 * the call sites stay monomorphic.
 */
export interface Kernel {
  /** 'simd' (WebAssembly f32x4) or 'js' (the TypeScript reference). */
  readonly name: 'simd' | 'js';
  /** Node ids for `distancesToIds`; holds `batchCapacity` entries. */
  ids: Int32Array;
  /** Distances written by `distancesToIds` / `distancesToRange`. */
  out: Float32Array;
  readonly batchCapacity: number;
  /** Makes v[off..off+dim) the query (already normalised for cosine). */
  setQuery(v: Float32Array, off: number): void;
  /** Makes stored node `node` the query. */
  setQueryNode(node: number): void;
  distanceToNode(node: number): number;
  distanceBetween(a: number, b: number): number;
  /** out[j] = distance(query, ids[j]) for j < count (count <= batchCapacity). */
  distancesToIds(count: number): void;
  /** out[j] = distance(query, first + j) for j < count (count <= batchCapacity). */
  distancesToRange(first: number, count: number): void;
  /** Re-reads the store's buffers after they grew. */
  refresh(): void;
}
