// What the main thread posts to the workers: a descriptor of an index's shared
// buffers (cloned by reference, never copied) and the insert / search tasks.

import type { Space } from '../distance.js';
import { GraphStore } from '../layout.js';

/** Scalars of a `GraphStore` a worker needs to address the buffers (fixed per index). */
const SHAPE_FIELDS = [
  'dim', 'rowFloats', 'rowBytes', 'm', 'm0', 'stride0', 'strideUpper',
  'scratchIds', 'scratchSlotBytes', 'vectorsByteOffset',
] as const;

type Shape = { [K in (typeof SHAPE_FIELDS)[number]]: number };

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
  capacity: number;
  shape: Shape;
  /** The vectors' memory when they live in WebAssembly memory (the SIMD kernels address it). */
  memory: WebAssembly.Memory | null;
  /** The vectors' buffer when `memory` is null. */
  vectorBuffer: ArrayBufferLike | null;
  links0: ArrayBufferLike;
  upperLinks: ArrayBufferLike;
  upperOffsets: ArrayBufferLike;
  levels: ArrayBufferLike;
  labels: ArrayBufferLike;
  deleted: ArrayBufferLike;
  locks: ArrayBufferLike;
  meta: ArrayBufferLike;
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
  /** The allow-list as `AllowList.share` lays it out (`allowedCount` Int32 ids, then a byte per node), or null. */
  allowed: SharedArrayBuffer | null;
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

/** Describes `store` for the workers. Every buffer must be shared. */
export function describeStore(
  id: number, store: GraphStore, space: Space, kernel: 'simd' | 'js', heuristic: boolean,
): StoreDescriptor {
  const shape = {} as Shape;
  for (const field of SHAPE_FIELDS) shape[field] = store[field];
  return {
    id,
    generation: store.generation,
    space,
    kernel,
    heuristic,
    capacity: store.capacity,
    shape,
    memory: store.memory,
    vectorBuffer: store.memory === null ? store.vectors.buffer : null,
    links0: store.links0.buffer,
    upperLinks: store.upperLinks.buffer,
    upperOffsets: store.upperOffsets.buffer,
    levels: store.levels.buffer,
    labels: store.labels.buffer,
    deleted: store.deleted.buffer,
    locks: store.locks.buffer,
    meta: store.meta.buffer,
  };
}

/**
 * A `GraphStore` over the buffers of a descriptor (in a worker): the same
 * accessors, no allocation. It never grows: the main thread grows the index
 * before dispatching, and the worker re-attaches when the generation changes.
 */
export function attachStore(d: StoreDescriptor): GraphStore {
  const store = Object.create(GraphStore.prototype) as GraphStore;
  const fields: Record<string, unknown> = { ...d.shape };
  const vectorBuffer = d.memory !== null ? d.memory.buffer : d.vectorBuffer!;
  Object.assign(fields, {
    shared: true,
    capacity: d.capacity,
    memory: d.memory,
    vectorBuffer,
    vectors: new Float32Array(vectorBuffer, d.shape.vectorsByteOffset, d.capacity * d.shape.rowFloats),
    links0: new Int32Array(d.links0),
    upperLinks: new Int32Array(d.upperLinks),
    upperUsed: 0,
    upperOffsets: new Int32Array(d.upperOffsets),
    levels: new Uint8Array(d.levels),
    labels: new Float64Array(d.labels),
    deleted: new Uint8Array(d.deleted),
    locks: new Int32Array(d.locks),
    meta: new Int32Array(d.meta),
    generation: d.generation,
  });
  return Object.assign(store, fields);
}
