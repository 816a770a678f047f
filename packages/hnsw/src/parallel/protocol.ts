// What the main thread posts to the workers: a descriptor of an index's shared
// buffers (cloned by reference, never copied) and the insert / search tasks.

import { GraphStore, type GraphBuffers } from '../layout.js';
import type { Space } from '../metric.js';

/**
 * An index's buffers as posted to a worker. Every buffer is a
 * SharedArrayBuffer (or the shared WebAssembly.Memory), so cloning the
 * descriptor shares them: the worker reads and writes the same bytes.
 */
export interface StoreDescriptor {
  /** Identifies the index within this process (the worker caches per id). */
  id: number;
  /** The store's `generation`: the worker re-attaches when it changes. */
  generation: number;
  space: Space;
  kernel: 'simd' | 'js';
  heuristic: boolean;
  /** Run the WebAssembly loop (assembly/search.ts) where the store allows it, as the main thread does. */
  loop: boolean;
  /** The store's vectors (a vector-store descriptor) and arrays (`GRAPH_ARRAYS` in layout.ts). */
  buffers: GraphBuffers;
}

/** Links nodes [first, first + count) of an index, taking them one by one from a shared counter. */
export interface InsertTask {
  type: 'insert';
  store: StoreDescriptor;
  /** Scratch slot of this task in the index's memory (1..MAX_THREADS-1; 0 is the main thread). */
  slot: number;
  efConstruction: number;
  first: number;
  count: number;
  /** Int32Array [next]: the next offset (from `first`) to insert, shared by the tasks of a call. */
  counter: SharedArrayBuffer;
  /** Uint8Array of `count`: 1 once a node is linked (repair after a worker dies). */
  done: SharedArrayBuffer;
  /** @internal Tests only: the worker that takes this offset exits instead of linking it. */
  crashAt?: number;
}

/** Searches queries [0, rows) in chunks taken from a shared counter; writes the flat result arrays. */
export interface SearchTask {
  type: 'search';
  store: StoreDescriptor;
  slot: number;
  /** Float32Array of rows x dim: the queries, as given (normalised by the worker for 'cosine'). */
  queries: SharedArrayBuffer;
  rows: number;
  k: number;
  ef: number;
  /** The allow-list's marks (a byte per node, 1 = allowed) of a shared `AllowList`, or null. */
  allowedMarks: SharedArrayBuffer | null;
  /** Its Int32 ids, the first `allowedCount` of them allowed, or null. */
  allowedIds: SharedArrayBuffer | null;
  /** Allowed live nodes, or -1 with no filter. */
  allowedCount: number;
  /** Live points of the index when the call started. */
  size: number;
  /** Whether any point is marked deleted (searches then skip them). */
  hasDeleted: boolean;
  /** Whether inserts run meanwhile: the search then reads each link list under its lock. */
  concurrent: boolean;
  /** Int32Array [next]: the next chunk of queries to take. */
  counter: SharedArrayBuffer;
  chunk: number;
  /** Outputs: Float64Array rows x k, Float32Array rows x k, Uint32Array rows. */
  labels: SharedArrayBuffer;
  distances: SharedArrayBuffer;
  counts: SharedArrayBuffer;
}

export type ParallelTask = InsertTask | SearchTask;

/** How the workers of one call run on an index, besides its buffers. */
export interface DescribeOptions {
  space: Space;
  kernel: 'simd' | 'js';
  heuristic: boolean;
  loop: boolean;
  /** The scratch slots the call's tasks use: their search slots are laid out first. */
  slots: readonly number[];
}

/** Describes `store` for the workers. Every buffer must be shared. */
export function describeStore(id: number, store: GraphStore, options: DescribeOptions): StoreDescriptor {
  const { space, kernel, heuristic, loop, slots } = options;
  // Appended at the end of the memory: tasks already running keep valid views.
  store.ensureSearchSlots(Math.max(0, ...slots) + 1);
  return { id, generation: store.generation, space, kernel, heuristic, loop, buffers: store.buffers() };
}

/**
 * A `GraphStore` over the buffers of a descriptor (in a worker): the same
 * accessors, no allocation. It never grows: the main thread grows the index
 * before dispatching, and the worker re-attaches when the generation changes.
 */
export function attachStore(d: StoreDescriptor): GraphStore {
  return GraphStore.attach(d.buffers);
}
