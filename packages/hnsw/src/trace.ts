// Watching the engine work: the entry points that run an add or a search with
// a Tracer on the TypeScript algorithms, a recorder, a replay of the recorded
// steps and a read-only view of the graph (what the explorer page and the
// walkthrough's figures draw).

import type { Tracer } from './algorithms/tracer.js';
import { SmallworldRangeError, SmallworldTypeError, describeValue } from './errors.js';
import type { HnswIndex } from './hnsw-index.js';
import type { VectorLike } from './input.js';
import type { SearchOptions } from './search-query.js';
import type { SearchResult } from './search-result.js';

export type { Tracer } from './algorithms/tracer.js';

/** K-NN-SEARCH starts (`Tracer.searchStarted`). */
export interface TraceSearchEvent {
  /** Always 'search'. */
  type: 'search';
  /** K: results wanted. */
  k: number;
  /** The ef of layer 0: max(efSearch, K). */
  ef: number;
}

/** INSERT starts (`Tracer.insertStarted`), or a layer search starts (`Tracer.layerEntered`). */
export interface TraceLevelEvent {
  /** 'insert': `node` is inserted with top layer `level`; 'layer': a search of layer `level` starts. */
  type: 'insert' | 'layer';
  /** The node inserted ('insert'); -1 for 'layer'. */
  node: number;
  /** The node's top layer ('insert') or the layer searched ('layer'). */
  level: number;
  /** The layer's ef: 1 for the greedy descent ('layer'); 0 for 'insert'. */
  ef: number;
}

/** `node` joins the visited set (`Tracer.nodeVisited`). */
export interface TraceVisitEvent {
  /** Always 'visit'. */
  type: 'visit';
  /** The node visited. */
  node: number;
}

/**
 * A step on one node with its distance to the query (or to the node being
 * inserted): computed, pushed on C, popped from C, added to W, removed from W.
 */
export interface TraceNodeEvent {
  /** 'distance', 'push' (C), 'pop' (C), 'w-add' or 'w-remove'. */
  type: 'distance' | 'push' | 'pop' | 'w-add' | 'w-remove';
  /** The node. */
  node: number;
  /** Its distance, in the index's space. */
  distance: number;
}

/** A SELECT-NEIGHBORS (Algorithm 3 or 4) and its outcome (`Tracer.neighborsSelected`). */
export interface TraceSelectEvent {
  /** Always 'select'. */
  type: 'select';
  /** The node whose neighbours are chosen. */
  base: number;
  /** The layer. */
  level: number;
  /** The candidates, nearest to `base` first. */
  candidates: number[];
  /** Their distances to `base`. */
  distances: number[];
  /** The candidates kept, in the order kept. */
  kept: number[];
  /** Per candidate: the kept node that rejected it (closer to it than `base` is), or -1. */
  rejectedBy: number[];
}

/** A link added (`Tracer.linkAdded`) or pruned (`Tracer.linkPruned`). */
export interface TraceLinkEvent {
  /** 'link' or 'prune'. */
  type: 'link' | 'prune';
  /** The node whose list changed. */
  from: number;
  /** The neighbour added to or dropped from it. */
  to: number;
  /** The layer. */
  level: number;
  /** 'prune': the kept neighbour that made the heuristic drop `to`, or -1; always -1 for 'link'. */
  by: number;
}

/** The entry point changed (`Tracer.entryPointChanged`). */
export interface TraceEntryPointEvent {
  /** Always 'entry-point'. */
  type: 'entry-point';
  /** The new entry point. */
  node: number;
  /** Its top layer, the index's new top layer. */
  level: number;
}

/** One recorded step of the algorithms (see `Tracer` for what each means). Node ids, not labels. */
export type TraceEvent =
  | TraceSearchEvent | TraceLevelEvent | TraceVisitEvent | TraceNodeEvent | TraceSelectEvent | TraceLinkEvent
  | TraceEntryPointEvent;

/**
 * A `Tracer` that keeps every event as a plain object in `events`, in order.
 * Meant for small indexes (pictures, tests, teaching): a search over n
 * points records a few events per distance computed.
 */
export class TraceRecorder implements Tracer {
  /** The events so far. */
  readonly events: TraceEvent[] = [];

  searchStarted(k: number, ef: number): void {
    this.events.push({ type: 'search', k, ef });
  }

  insertStarted(node: number, level: number): void {
    this.events.push({ type: 'insert', node, level, ef: 0 });
  }

  layerEntered(level: number, ef: number): void {
    this.events.push({ type: 'layer', node: -1, level, ef });
  }

  nodeVisited(node: number): void {
    this.events.push({ type: 'visit', node });
  }

  distanceComputed(node: number, distance: number): void {
    this.events.push({ type: 'distance', node, distance });
  }

  candidatePushed(node: number, distance: number): void {
    this.events.push({ type: 'push', node, distance });
  }

  candidatePopped(node: number, distance: number): void {
    this.events.push({ type: 'pop', node, distance });
  }

  resultAdded(node: number, distance: number): void {
    this.events.push({ type: 'w-add', node, distance });
  }

  resultRemoved(node: number, distance: number): void {
    this.events.push({ type: 'w-remove', node, distance });
  }

  neighborsSelected(
    base: number, level: number, ids: Int32Array, distances: Float64Array, count: number,
    selected: Int32Array, size: number, rejectedBy: Int32Array,
  ): void {
    this.events.push({
      type: 'select', base, level,
      candidates: Array.from(ids.subarray(0, count)),
      distances: Array.from(distances.subarray(0, count)),
      kept: Array.from(selected.subarray(0, size)),
      rejectedBy: Array.from(rejectedBy.subarray(0, count)),
    });
  }

  linkAdded(from: number, to: number, level: number): void {
    this.events.push({ type: 'link', from, to, level, by: -1 });
  }

  linkPruned(from: number, to: number, level: number, by: number): void {
    this.events.push({ type: 'prune', from, to, level, by });
  }

  entryPointChanged(node: number, level: number): void {
    this.events.push({ type: 'entry-point', node, level });
  }
}

/** Tracing runs the TypeScript reference algorithms, which a `kernel: 'js'` index always uses. */
function checkTraceable(index: HnswIndex, tracer: Tracer): void {
  if (index.kernel !== 'js') {
    throw new SmallworldRangeError('UNSUPPORTED', `\`index\` must be built with kernel: 'js' to be traced (got '${index.kernel}')`);
  }
  if (typeof tracer !== 'object' || tracer === null || typeof tracer.layerEntered !== 'function') {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`tracer\` must be a Tracer (got ${describeValue(tracer)})`);
  }
}

/**
 * `index.add(vector, label)` with `tracer` watching: INSERT's descent, its
 * SEARCH-LAYER per layer, the selections and every link added or pruned.
 * Returns the label. The index must use `kernel: 'js'` (else an
 * 'UNSUPPORTED' error): the WebAssembly loop is never traced. A label
 * already present is an update (its repair is traced too).
 */
export function traceAdd(index: HnswIndex, vector: VectorLike, label: number | undefined, tracer: Tracer): number {
  checkTraceable(index, tracer);
  return index.withTracer(tracer, () => index.add(vector, label));
}

/**
 * `index.search(query, k, options)` with `tracer` watching K-NN-SEARCH: the
 * greedy descent, then SEARCH-LAYER at layer 0 with max(efSearch, k). The
 * result is `search`'s. The index must use `kernel: 'js'`. A filter
 * selective enough for an exact scan (see `EXACT_FILTER_FRACTION`) runs no
 * graph search, so nothing is traced then.
 */
export function traceSearch(
  index: HnswIndex, query: VectorLike, k: number, options: SearchOptions, tracer: Tracer,
): SearchResult {
  checkTraceable(index, tracer);
  return index.withTracer(tracer, () => index.search(query, k, options));
}

/** A copy of an index's graph, by node id, for drawing. */
export interface GraphView {
  /** Nodes allocated (ids 0..count-1, deleted ones included). */
  count: number;
  /** The entry point's node id, -1 when empty. */
  entryPoint: number;
  /** The top layer, -1 when empty. */
  maxLevel: number;
  /** Per node: its top layer. */
  levels: number[];
  /** Per node: the caller's label. */
  labels: number[];
  /** Per node: true when marked deleted. */
  deleted: boolean[];
  /** links[level][node]: node's neighbours at that layer (empty above its top layer). */
  links: number[][][];
}

/** Reads `index`'s layers and links into a `GraphView` (a copy: plain arrays, one per node and layer). */
export function readGraph(index: HnswIndex): GraphView {
  const store = index.store;
  const count = store.count;
  const maxLevel = store.maxLevel;
  const links: number[][][] = [];
  for (let level = 0; level <= maxLevel; level++) {
    const array = store.linksArray(level);
    const layer: number[][] = [];
    for (let node = 0; node < count; node++) {
      if (store.levels[node] < level) {
        layer.push([]);
        continue;
      }
      const offset = store.linksOffset(node, level);
      layer.push(Array.from(array.subarray(offset + 1, offset + 1 + array[offset])));
    }
    links.push(layer);
  }
  return {
    count, entryPoint: store.entryPoint, maxLevel,
    levels: Array.from(store.levels.subarray(0, count)),
    labels: Array.from(store.labels.subarray(0, count)),
    deleted: Array.from(store.deleted.subarray(0, count), (d) => d !== 0),
    links,
  };
}

/** What a recorded trace has done after some steps: see `replayTrace`. */
export interface TraceState {
  /** The layer being searched (-1 before the first). */
  level: number;
  /** Its ef (1 for the greedy descent). */
  ef: number;
  /** The node being expanded (the last one popped from C), -1 if none. */
  current: number;
  /** C: the candidates, nearest first. */
  candidates: number[];
  /** W: the results so far, nearest first. */
  results: number[];
  /** Nodes visited on this layer, in order. */
  visited: number[];
  /** Nodes expanded on this layer, in order. */
  expanded: number[];
  /** Distances computed since the trace began. */
  distances: number;
  /** The last 'select' event seen, null if none. */
  selection: TraceSelectEvent | null;
}

/**
 * The state after the first `steps` events of `events` (all when `steps` is
 * past the end): the layer, C, W and the visited set, as the algorithms held
 * them. The explorer steps through a trace with it; the tests check that a
 * search's final W is its result.
 */
export function replayTrace(events: readonly TraceEvent[], steps = events.length): TraceState {
  const state: TraceState = {
    level: -1, ef: 0, current: -1, candidates: [], results: [], visited: [], expanded: [], distances: 0, selection: null,
  };
  const C = new Map<number, number>();
  const W = new Map<number, number>();
  const end = Math.min(steps, events.length);
  for (let i = 0; i < end; i++) {
    const event = events[i];
    switch (event.type) {
      case 'layer':
        state.level = event.level;
        state.ef = event.ef;
        state.current = -1;
        state.visited = [];
        state.expanded = [];
        C.clear();
        W.clear();
        break;
      case 'visit': state.visited.push(event.node); break;
      case 'distance': state.distances++; break;
      case 'push': C.set(event.node, event.distance); break;
      case 'pop':
        C.delete(event.node);
        state.current = event.node;
        state.expanded.push(event.node);
        break;
      case 'w-add': W.set(event.node, event.distance); break;
      case 'w-remove': W.delete(event.node); break;
      case 'select': state.selection = event; break;
      default: break;
    }
  }
  state.candidates = sortedByDistance(C);
  state.results = sortedByDistance(W);
  return state;
}

function sortedByDistance(set: Map<number, number>): number[] {
  return [...set].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([node]) => node);
}
