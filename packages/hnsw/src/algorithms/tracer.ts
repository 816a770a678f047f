// The observer interface of the TypeScript reference algorithms: what
// INSERT, SEARCH-LAYER, the greedy descent, the selections and K-NN-SEARCH
// report when a tracer is set on their SearchContext (null: they report nothing).

/**
 * Receives the steps of Algorithms 1-5 as they happen, in order. Every
 * argument is a node id (the internal slot; see `GraphView.labels`), a layer
 * or a distance in the index's space; array arguments are the algorithms'
 * scratch buffers, valid only during the call (copy what you keep).
 *
 * Set one with `traceAdd` / `traceSearch`; `TraceRecorder` records the
 * events as plain objects. A tracer only observes: it must not touch the index.
 */
export interface Tracer {
  /** K-NN-SEARCH (Algorithm 5) starts: `k` results wanted, layer 0 searched with `ef`. */
  searchStarted(k: number, ef: number): void;
  /** INSERT (Algorithm 1) of node `node`, whose top layer is `level`, starts. */
  insertStarted(node: number, level: number): void;
  /**
   * A layer search starts: `ef` = 1 for the greedy descent (W holds only the
   * current closest node), else SEARCH-LAYER with that ef. C and W start empty.
   */
  layerEntered(level: number, ef: number): void;
  /** `node` joins the visited set v (the greedy descent has none: each neighbour it measures). */
  nodeVisited(node: number): void;
  /** The distance from the query (or the node being inserted) to `node` was computed. */
  distanceComputed(node: number, distance: number): void;
  /** `node` entered the candidate queue C. */
  candidatePushed(node: number, distance: number): void;
  /** `node`, the nearest candidate, left C to have its neighbours expanded. */
  candidatePopped(node: number, distance: number): void;
  /** `node` entered the result set W. */
  resultAdded(node: number, distance: number): void;
  /** `node`, the furthest of W, left it (W was over ef, or over K at the end of the search). */
  resultRemoved(node: number, distance: number): void;
  /**
   * SELECT-NEIGHBORS (Algorithm 3 or 4) chose among the candidates of `base`
   * at `level`: `ids`/`distances` (the first `count`, nearest to base first),
   * `selected` (the first `size` are kept), and per candidate `rejectedBy[i]`:
   * the kept node closer to candidate i than base is (the heuristic's
   * reason), or -1 (kept, or left out because M were already kept).
   */
  neighborsSelected(
    base: number, level: number, ids: Int32Array, distances: Float64Array, count: number,
    selected: Int32Array, size: number, rejectedBy: Int32Array,
  ): void;
  /** `from` now links to `to` at `level`. */
  linkAdded(from: number, to: number, level: number): void;
  /**
   * `from`'s full list at `level` was shrunk and lost (or, when `to` is the
   * node being inserted, refused) the link to `to`; `by` is the kept
   * neighbour that made the heuristic reject it, or -1 (simple selection, or M kept already).
   */
  linkPruned(from: number, to: number, level: number, by: number): void;
  /** The index's entry point became `node`, with top layer `level`. */
  entryPointChanged(node: number, level: number): void;
}

/** Hook of SEARCH-LAYER and the greedy descent: the `n` newly visited nodes of one expansion and their distances. */
export function traceVisits(t: Tracer, ids: Int32Array, distances: Float32Array, n: number): void {
  for (let j = 0; j < n; j++) {
    t.nodeVisited(ids[j]);
    t.distanceComputed(ids[j], distances[j]);
  }
}
