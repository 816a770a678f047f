// What the HNSW index and the brute-force index share: labels, the stored
// vectors, input checks, deletes, filters and the result arrays. Subclasses
// say how a node is linked in and how the k nearest are found.

import { SearchContext } from './algorithms/context.js';
import { exactSearch } from './algorithms/exact-search.js';
import { SPACES, normalize, type Space } from './distance.js';
import {
  SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, checkLabel, describeValue,
} from './errors.js';
import { toMatrix, toVector, type MatrixLike, type VectorLike } from './input.js';
import type { Kernel } from './kernels/kernel.js';
import { createKernel, simdSupported, type KernelChoice } from './kernels/select.js';
import { GraphStore, canShareMemory } from './layout.js';
import { BatchSearchResult, type SearchResult } from './search-result.js';

/** Largest dimension accepted (a row must fit a scratch slot comfortably). */
export const MAX_DIM = 65536;
/** Capacity of a new index unless `capacity` says otherwise; it doubles as needed. */
export const DEFAULT_CAPACITY = 1024;
/**
 * A filtered search scans the allowed points exactly when they are at most
 * this fraction of the live points: the graph would have to visit about
 * ef / fraction nodes to find ef of them, more than the scan costs.
 */
export const EXACT_FILTER_FRACTION = 0.02;

/**
 * Restricts a search to some labels: a predicate on the label, or an
 * allow-list (an array, typed array or Set of labels).
 */
export type SearchFilter = ((label: number) => boolean) | ArrayLike<number> | ReadonlySet<number>;

/** Options of `search` and `searchBatch`. */
export interface SearchOptions {
  /**
   * Size of the dynamic candidate list at layer 0 (`ef` in the paper); the
   * search uses max(efSearch, k). Higher: better recall, slower queries.
   * Default: the index's `efSearch` property. Ignored by `BruteForceIndex`.
   */
  efSearch?: number;
  /** Only labels the filter accepts are returned. */
  filter?: SearchFilter;
}

/** Options of `addBatch`. */
export interface AddBatchOptions {
  /**
   * One non-negative safe integer per vector, all different. A label already
   * in the index updates that point's vector. Default: consecutive labels
   * from one past the largest label added so far.
   */
  labels?: ArrayLike<number>;
}

/**
 * @internal What `allocateRows` decided for each row of a batch: its node,
 * and whether that node is new (to be linked) or existing (to be relinked).
 */
export interface RowPlan {
  nodes: Int32Array;
  isNew: Uint8Array;
  /** New nodes have ids [firstNew, firstNew + newCount), in row order. */
  firstNew: number;
  newCount: number;
}

/** Options shared by both index classes. */
export interface BaseIndexOptions {
  /**
   * The distance: 'l2' squared Euclidean, 'ip' inner product (1 - dot),
   * 'cosine' (vectors normalised to unit length at insert, then 1 - dot).
   */
  space: Space;
  /** Number of components of every vector, 1 to 65536. */
  dim: number;
  /** Points to make room for up front; the index grows by doubling past it. Default 1024. */
  capacity?: number;
  /**
   * Distance kernel: 'simd' (WebAssembly f32x4, needs WebAssembly SIMD),
   * 'js' (plain TypeScript, 3-5x slower), 'auto' (simd where available).
   * Default 'auto'.
   */
  kernel?: KernelChoice;
}

export const BASE_OPTION_KEYS = ['space', 'dim', 'capacity', 'kernel'] as const;

/** Checks the options both index classes take; throws on the first bad one. */
export function checkBaseOptions(options: BaseIndexOptions, known: readonly string[], what: string): void {
  checkKnownKeys(what, options, known);
  if (!SPACES.includes(options.space)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`space\` must be one of ${SPACES.map((s) => `'${s}'`).join(', ')} (got ${describeValue(options.space)})`);
  }
  checkInteger('dim', options.dim, 1, MAX_DIM);
  if (options.capacity !== undefined) checkInteger('capacity', options.capacity, 1, 2 ** 31 - 1);
  if (options.kernel !== undefined && !['auto', 'simd', 'js'].includes(options.kernel)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`kernel\` must be 'auto', 'simd' or 'js' (got ${describeValue(options.kernel)})`);
  }
}

function isFilterList(filter: SearchFilter): filter is ArrayLike<number> | ReadonlySet<number> {
  return filter instanceof Set || Array.isArray(filter) || ArrayBuffer.isView(filter);
}

export abstract class BaseIndex {
  /** The distance space, fixed at construction. */
  readonly space: Space;
  /** Vector dimension, fixed at construction. */
  readonly dim: number;
  /** @internal */
  readonly store: GraphStore;
  /** @internal The main thread's kernel and scratch. */
  protected ctx: SearchContext;
  /** @internal */
  protected readonly kernelChoice: KernelChoice;
  /** @internal label -> node id, deleted nodes included. */
  protected readonly labelToNode = new Map<number, number>();
  /** @internal Deleted node ids (slots `allowReplaceDeleted` may reuse). */
  protected readonly deletedNodes = new Set<number>();
  /** @internal */
  protected nextLabel = 0;
  /** Copy of a query, normalised for 'cosine'. */
  private readonly queryRow: Float32Array;
  /** Allow-list scratch: a byte per node, cleared after each search. */
  private allowed: Uint8Array;
  /** Per-call parameters of `searchQueryInto`, reused by every query. */
  private readonly queryParams: QueryParams;

  protected constructor(options: BaseIndexOptions, m: number) {
    this.space = options.space;
    this.dim = options.dim;
    this.kernelChoice = options.kernel ?? 'auto';
    const shared = canShareMemory();
    const wasmMemory = this.kernelChoice !== 'js' && simdSupported(shared);
    this.store = new GraphStore({ dim: this.dim, m, shared, wasmMemory }, options.capacity ?? DEFAULT_CAPACITY);
    this.ctx = new SearchContext(this.store, this.newKernel(0));
    this.queryRow = new Float32Array(this.dim);
    this.allowed = new Uint8Array(0);
    this.queryParams = {
      k: 1, ef: 1, allowedCount: -1, size: 0, hasDeleted: false, space: this.space, dim: this.dim,
      queryRow: this.queryRow, nearest: (_ctx, k, ef, filtered) => this.nearest(k, ef, filtered),
    };
  }

  /** @internal The kernel for scratch slot `slot` (a thread). */
  newKernel(slot: number): Kernel {
    return createKernel(this.store, this.space, this.kernelChoice, slot);
  }

  /** The distance kernel in use: 'simd' or 'js'. */
  get kernel(): 'simd' | 'js' {
    return this.ctx.kernel.name;
  }

  /** Number of live (not deleted) points. */
  get size(): number {
    return this.labelToNode.size - this.deletedNodes.size;
  }

  /** Number of points marked deleted (still stored, never returned). */
  get deletedCount(): number {
    return this.deletedNodes.size;
  }

  /** Points the buffers hold before they next grow. */
  get capacity(): number {
    return this.store.capacity;
  }

  /** Grows the buffers to hold `capacity` points now, saving the doublings of a known-size build. */
  reserve(capacity: number): void {
    checkInteger('capacity', capacity, 1, 2 ** 31 - 1);
    this.grow(capacity);
  }

  /** @internal */
  protected grow(capacity: number): void {
    if (capacity <= this.store.capacity) return;
    const hadSimd = this.ctx.kernel.name === 'simd';
    this.store.reserve(capacity);
    if (hadSimd && this.store.memory === null) this.ctx.kernel = this.newKernel(0);
    else this.ctx.kernel.refresh();
  }

  /**
   * Adds one vector under `label` (default: one past the largest label so
   * far); a label already present updates that point. Returns the label.
   */
  add(vector: VectorLike, label?: number): number {
    const row = toVector('vector', vector, this.dim);
    const labels = label === undefined ? undefined : [checkLabel('label', label)];
    this.addRows(row, 1, labels);
    return label ?? this.nextLabel - 1;
  }

  /**
   * Adds n vectors (see `MatrixLike`), in order. Every argument is checked
   * before anything is written: on error the index is unchanged.
   */
  addBatch(vectors: MatrixLike, options: AddBatchOptions = {}): void {
    checkKnownKeys('addBatch', options, ['labels']);
    const { data, rows } = toMatrix('vectors', vectors, this.dim);
    this.addRows(data, rows, this.checkBatchLabels(options.labels, rows));
  }

  /** @internal Checks a batch's labels: count, values, no repeats. */
  protected checkBatchLabels(labels: ArrayLike<number> | undefined, rows: number): ArrayLike<number> | undefined {
    if (labels === undefined) return undefined;
    if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number') {
      throw new SmallworldTypeError('INVALID_LABEL', `\`labels\` must be an array of labels (got ${describeValue(labels)})`);
    }
    if (labels.length !== rows) {
      throw new SmallworldRangeError('INVALID_LABEL', `\`labels\` must have one label per vector: ${rows} (got ${labels.length})`);
    }
    const seen = new Set<number>();
    for (let i = 0; i < rows; i++) {
      const label = checkLabel(`labels[${i}]`, labels[i]);
      if (seen.has(label)) {
        throw new SmallworldRangeError('DUPLICATE_LABEL', `\`labels\` has label ${label} twice (at index ${i})`);
      }
      seen.add(label);
    }
    return labels;
  }

  /** @internal Writes checked rows: new labels are inserted, present ones updated. */
  protected addRows(data: Float32Array, rows: number, labels: ArrayLike<number> | undefined): void {
    const plan = this.allocateRows(data, rows, labels);
    for (let i = 0; i < rows; i++) {
      if (plan.isNew[i] === 1) this.linkNode(plan.nodes[i]);
      else this.relinkRow(plan.nodes[i], data, i * this.dim);
    }
  }

  /**
   * @internal Allocate phase of `addRows`, on the calling thread: grows the
   * buffers, assigns labels and node ids in row order, draws the levels of
   * new nodes in row order (so they stay seeded) and writes their vectors.
   * Nothing is linked: new nodes are unreachable until `linkNode`, and rows
   * that update a point (or take a deleted slot) get their vector in
   * `relinkRow`. New nodes get consecutive ids from `firstNew`.
   */
  protected allocateRows(data: Float32Array, rows: number, labels: ArrayLike<number> | undefined): RowPlan {
    let fresh = 0;
    for (let i = 0; i < rows; i++) if (labels === undefined || !this.labelToNode.has(labels[i])) fresh++;
    this.grow(this.store.count + Math.max(0, fresh - this.reusableSlots()));
    const store = this.store;
    const plan: RowPlan = { nodes: new Int32Array(rows), isNew: new Uint8Array(rows), firstNew: store.count, newCount: 0 };
    for (let i = 0; i < rows; i++) {
      const label = labels === undefined ? this.nextLabel : labels[i];
      if (label >= this.nextLabel) this.nextLabel = label + 1;
      const existing = this.labelToNode.get(label);
      if (existing !== undefined) {
        this.deletedNodes.delete(existing);
        plan.nodes[i] = existing;
        continue;
      }
      const reused = this.takeDeletedSlot();
      if (reused >= 0) {
        this.labelToNode.delete(store.labels[reused]);
        store.labels[reused] = label;
        this.labelToNode.set(label, reused);
        plan.nodes[i] = reused;
        continue;
      }
      const node = store.allocateNode(this.drawLevel());
      store.labels[node] = label;
      this.labelToNode.set(label, node);
      this.writeVector(node, data, i * this.dim);
      plan.nodes[i] = node;
      plan.isNew[i] = 1;
      plan.newCount++;
    }
    return plan;
  }

  /** @internal Link phase of a row that updates a point or reuses a deleted slot. */
  protected relinkRow(node: number, data: Float32Array, offset: number): void {
    this.writeVector(node, data, offset);
    this.store.deleted[node] = 0;
    this.relinkNode(node);
  }

  /** @internal Copies a row into node's slot (normalised for 'cosine'). */
  protected writeVector(node: number, data: Float32Array, offset: number): void {
    const at = node * this.store.rowFloats;
    this.store.vectors.set(data.subarray(offset, offset + this.dim), at);
    if (this.space === 'cosine') normalize(this.store.vectors, at, this.dim);
  }

  /** @internal How many deleted slots new labels may take. */
  protected reusableSlots(): number {
    return 0;
  }

  /** @internal A deleted slot to reuse for a new label, or -1. */
  protected takeDeletedSlot(): number {
    return -1;
  }

  /** @internal Top layer of a new node. */
  protected abstract drawLevel(): number;
  /** @internal Links a new node into the structure. */
  protected abstract linkNode(node: number): void;
  /** @internal Repairs the structure after node's vector changed. */
  protected abstract relinkNode(node: number): void;
  /**
   * @internal Leaves the k nearest nodes to the kernel's query in
   * ctx.results; with `filtered`, only nodes `ctx.accepts`.
   */
  protected abstract nearest(k: number, efSearch: number, filtered: boolean): number;
  /** @internal The efSearch to use when options do not say. */
  protected abstract defaultEfSearch(): number;

  /** @internal */
  protected nodeOf(argument: string, label: number): number {
    checkLabel(argument, label);
    const node = this.labelToNode.get(label);
    if (node === undefined) {
      throw new SmallworldRangeError('UNKNOWN_LABEL', `\`${argument}\` ${label} is not in the index`);
    }
    return node;
  }

  /** True when `label` is in the index and not deleted. */
  has(label: number): boolean {
    const node = this.labelToNode.get(label);
    return node !== undefined && this.store.deleted[node] === 0;
  }

  /**
   * Marks `label` deleted: it stays in the graph as a waypoint but is never
   * returned. Throws for an unknown label; deleting twice is a no-op.
   */
  markDeleted(label: number): void {
    const node = this.nodeOf('label', label);
    this.store.deleted[node] = 1;
    this.deletedNodes.add(node);
  }

  /** Undoes `markDeleted`. Throws for an unknown label. */
  unmarkDeleted(label: number): void {
    const node = this.nodeOf('label', label);
    this.store.deleted[node] = 0;
    this.deletedNodes.delete(node);
  }

  /** True when `label` is in the index and marked deleted. */
  isDeleted(label: number): boolean {
    const node = this.labelToNode.get(label);
    return node !== undefined && this.store.deleted[node] !== 0;
  }

  /** A copy of the stored vector of `label` (unit length in the 'cosine' space). */
  getVector(label: number): Float32Array {
    const node = this.nodeOf('label', label);
    const at = node * this.store.rowFloats;
    return this.store.vectors.slice(at, at + this.dim);
  }

  /** The labels of the live points, in insertion order of their slots. */
  labels(): Float64Array {
    const out = new Float64Array(this.size);
    const { labels, deleted } = this.store;
    let n = 0;
    for (let node = 0; node < this.store.count; node++) if (deleted[node] === 0) out[n++] = labels[node];
    return out;
  }

  /** @internal The label `add` gives when none is passed (the file formats keep it). */
  get nextDefaultLabel(): number {
    return this.nextLabel;
  }

  /**
   * @internal For the loaders of src/format/, once the store holds a whole
   * graph: rebuilds the label map and the deleted set from the store.
   * Returns the first node whose label repeats an earlier node's, else -1.
   */
  restoreLabels(nextLabel: number): number {
    const { labels, deleted, count } = this.store;
    this.labelToNode.clear();
    this.deletedNodes.clear();
    for (let node = 0; node < count; node++) {
      if (this.labelToNode.has(labels[node])) return node;
      this.labelToNode.set(labels[node], node);
      if (deleted[node] !== 0) this.deletedNodes.add(node);
    }
    this.nextLabel = nextLabel;
    return -1;
  }

  /** @internal Checks `k` and the search options; returns the efSearch to use. */
  protected checkSearch(k: number, options: SearchOptions): number {
    checkInteger('k', k, 1);
    checkKnownKeys('search', options, ['efSearch', 'filter']);
    const filter = options.filter;
    if (filter !== undefined && typeof filter !== 'function' && !isFilterList(filter)) {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`filter\` must be a function of the label or an array/Set of labels (got ${describeValue(filter)})`);
    }
    return options.efSearch === undefined ? this.defaultEfSearch() : checkInteger('efSearch', options.efSearch, 1);
  }

  /**
   * The k nearest live points to `query`, nearest first: at most k, fewer
   * when fewer points are live (or pass the filter); empty on an empty index.
   */
  search(query: VectorLike, k: number, options: SearchOptions = {}): SearchResult {
    const ef = this.checkSearch(k, options);
    const row = toVector('query', query, this.dim);
    const result = new BatchSearchResult(1, k);
    const allowedCount = this.applyFilter(options.filter);
    try {
      this.searchOne(row, 0, k, ef, allowedCount, result, 0);
    } finally {
      this.clearFilter();
    }
    return result.get(0);
  }

  /** `search` for each row of `queries`, in one flat result (see `BatchSearchResult`). */
  searchBatch(queries: MatrixLike, k: number, options: SearchOptions = {}): BatchSearchResult {
    const ef = this.checkSearch(k, options);
    const { data, rows } = toMatrix('queries', queries, this.dim);
    const result = new BatchSearchResult(rows, k);
    const allowedCount = this.applyFilter(options.filter);
    try {
      for (let i = 0; i < rows; i++) this.searchOne(data, i * this.dim, k, ef, allowedCount, result, i);
    } finally {
      this.clearFilter();
    }
    return result;
  }

  /** Sets the context's filter; returns the number of allowed nodes for an allow-list, else -1. */
  private applyFilter(filter: SearchFilter | undefined): number {
    const ctx = this.ctx;
    if (filter === undefined) return -1;
    if (typeof filter === 'function') {
      ctx.allowedLabel = filter;
      return -1;
    }
    if (this.allowed.length < this.store.capacity) this.allowed = new Uint8Array(this.store.capacity);
    const count = this.markAllowed(filter, this.allowed);
    ctx.allowedNodes = this.allowed;
    return count;
  }

  /**
   * @internal Sets `allowed[node] = 1` for the live nodes of an allow-list of
   * labels (unknown labels are ignored); returns how many were marked.
   */
  protected markAllowed(filter: ArrayLike<number> | ReadonlySet<number>, allowed: Uint8Array): number {
    let count = 0;
    const deleted = this.store.deleted;
    const mark = (label: number): void => {
      const node = this.labelToNode.get(label);
      if (node !== undefined && allowed[node] === 0 && deleted[node] === 0) {
        allowed[node] = 1;
        count++;
      }
    };
    if (filter instanceof Set) for (const label of filter) mark(label);
    else {
      const list = filter as ArrayLike<number>;
      for (let i = 0; i < list.length; i++) mark(list[i]);
    }
    return count;
  }

  private clearFilter(): void {
    if (this.ctx.allowedNodes !== null) this.allowed.fill(0);
    this.ctx.allowedNodes = null;
    this.ctx.allowedLabel = null;
  }

  /** Searches one query and writes its row of `result`. */
  private searchOne(
    data: Float32Array, offset: number, k: number, ef: number, allowedCount: number,
    result: BatchSearchResult, i: number,
  ): void {
    const p = this.queryParams;
    p.k = k;
    p.ef = ef;
    p.allowedCount = allowedCount;
    p.size = this.size;
    p.hasDeleted = this.deletedNodes.size > 0;
    searchQueryInto(this.ctx, p, data, offset, result, i);
  }
}

/**
 * @internal What the search of one query needs besides its thread's context:
 * set once per call, shared by `searchBatch` and the worker threads of
 * `searchBatchParallel`, so both return the same labels.
 */
export interface QueryParams {
  k: number;
  ef: number;
  /** Allowed live nodes under an allow-list, -1 without one. */
  allowedCount: number;
  /** Live points in the index. */
  size: number;
  /** Whether any point is marked deleted (the graph search then skips them). */
  hasDeleted: boolean;
  space: Space;
  dim: number;
  /** Scratch for the normalised copy of a 'cosine' query. */
  queryRow: Float32Array;
  /** Leaves the k nearest nodes to the kernel's query in ctx.results (the index's K-NN search). */
  nearest: (ctx: SearchContext, k: number, ef: number, filtered: boolean) => number;
}

/** @internal The flat arrays a batch search writes (a `BatchSearchResult` or its shared twin). */
export interface ResultRows {
  readonly k: number;
  readonly labels: Float64Array;
  readonly distances: Float32Array;
  readonly counts: Uint32Array;
}

/** @internal Searches the query at data[offset..] with `ctx` and writes row i of `result`. */
export function searchQueryInto(
  ctx: SearchContext, p: QueryParams, data: Float32Array, offset: number, result: ResultRows, i: number,
): void {
  const { k, allowedCount, size } = p;
  if (size === 0 || allowedCount === 0) return;
  if (p.space === 'cosine') {
    const row = p.queryRow;
    for (let j = 0; j < p.dim; j++) row[j] = data[offset + j];
    normalize(row, 0, p.dim);
    ctx.kernel.setQuery(row, 0);
  } else {
    ctx.kernel.setQuery(data, offset);
  }

  const filtered = ctx.allowedNodes !== null || ctx.allowedLabel !== null;
  const want = Math.min(k, allowedCount >= 0 ? allowedCount : size);
  let found: number;
  if (allowedCount >= 0 && allowedCount <= EXACT_FILTER_FRACTION * size) {
    found = exactSearch(ctx, k);
  } else {
    found = p.nearest(ctx, k, p.ef, filtered || p.hasDeleted);
    // The graph may not reach enough accepted points under a selective filter: scan instead.
    if (filtered && found < want) found = exactSearch(ctx, k);
  }
  writeResultRow(ctx, found, result, i);
}

/** Drains W into row i of `result`, nearest first, ties by lower node id. */
function writeResultRow(ctx: SearchContext, found: number, result: ResultRows, i: number): void {
  ctx.drainResultsSorted();
  const ids = ctx.sortedIds;
  const dists = ctx.sortedDists;
  for (let a = 1; a < found; a++) {
    const d = dists[a];
    const id = ids[a];
    let b = a - 1;
    while (b >= 0 && dists[b] === d && ids[b] > id) {
      ids[b + 1] = ids[b];
      b--;
    }
    ids[b + 1] = id;
  }
  const base = i * result.k;
  const labels = ctx.store.labels;
  for (let j = 0; j < found; j++) {
    result.labels[base + j] = labels[ids[j]];
    result.distances[base + j] = dists[j];
  }
  result.counts[i] = found;
}
