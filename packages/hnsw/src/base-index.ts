// What the HNSW index and the brute-force index share: the store and its
// growth, adds and deletes (over the label table), input checks and the
// search calls (over the search filter and the query path). Subclasses say
// how a node is linked in and how the k nearest are found.

import { SearchContext } from './algorithms/context.js';
import { METRICS, SPACES, type Space } from './metric.js';
import {
  SmallworldError, SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, checkLabel, describeValue,
} from './errors.js';
import { normalize } from './distance.js';
import { toMatrix, toVector, type MatrixLike, type VectorLike } from './input.js';
import type { Kernel } from './kernels/kernel.js';
import type { Tracer } from './algorithms/tracer.js';
import { createKernel, createLoop, simdSupported, type KernelChoice } from './kernels/select.js';
import { LabelTable, type RowPlan } from './label-table.js';
import { GRAPH_ARRAYS, GraphStore, canShareMemory, type GraphArrays } from './layout.js';
import { AllowList, checkFilter, clearContextFilter, useAllowList, type SearchFilter } from './search-filter.js';
import { searchQueryInto, type QueryParams, type SearchOptions } from './search-query.js';
import { MAX_COUNT, MAX_DIM, MAX_EF } from './limits.js';
import {
  MAX_OVERSAMPLE, TRAIN_MIN_ROWS, checkQuantizationOptions, type Quantization, type QuantizationOptions,
} from './quantization.js';
import { Int8VectorStore } from './vector-store.js';
import { renumberNodes } from './renumber.js';
import { BatchSearchResult, type SearchResult } from './search-result.js';

/** Capacity of a new index unless `capacity` says otherwise; it doubles as needed. */
export const DEFAULT_CAPACITY = 1024;

/** Options of `addBatch`. */
export interface AddBatchOptions {
  /**
   * One non-negative safe integer per vector, all different. A label already
   * in the index updates that point's vector. Default: consecutive labels
   * from one past the largest label added so far.
   */
  labels?: ArrayLike<number>;
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
  /**
   * How vectors are stored: 'none' (float32, default) or 'int8' (one signed
   * byte per component, 4x less vector memory, faster distances; ranges
   * trained from the data, see `train`). The graph is built and searched
   * over the codes, which costs recall unless `rerank` is on.
   */
  quantization?: Quantization;
  /**
   * With 'int8': keep the float32 originals (in a plain buffer outside the
   * WebAssembly memory; 4 x dim bytes per vector more) and re-score the
   * best k x `oversample` candidates of every search with them, so
   * distances are exact and recall comes back to float32's. Default false.
   */
  rerank?: boolean;
  /**
   * Candidates re-scored per result with `rerank`: the search returns
   * k x oversample by code distance, re-ranked with the originals. Higher:
   * better recall, slower queries. 1-100, default 2 (measured:
   * docs/parameters.md). A search may override it.
   */
  oversample?: number;
}

/** Options of `compact`. */
export interface CompactOptions {
  /**
   * Above this fraction of the points soft-deleted, `compact` builds the
   * graph of the points left anew (each inserted again, in id order, its
   * level kept) instead of repairing it around the removed ones. The repair
   * is cheaper, but it fills the gaps from the removed points' lists, which
   * stopped changing when they were deleted: when many points were deleted
   * and others added since, it loses recall. Measured on 100k x 128
   * clustered points, cycles of soft-deleting 10% and adding as many,
   * compacted every 5th (a third of the index deleted), recall@10 at
   * efSearch 64 after 20 cycles: 0.960 repaired, 0.983 rebuilt, 0.977 for
   * a fresh build (full figures: docs/benchmarks.md, churn). Rebuilding
   * costs about a one-thread build of the points left; repairing with a
   * tenth deleted costs a tenth to a fifth of that. 0 always rebuilds (when anything is deleted), 1 always
   * repairs. Default 0.25 (Qdrant's vacuum rebuilds a segment past a fifth).
   */
  rebuildAbove?: number;
}

/** Default `CompactOptions.rebuildAbove`. */
const DEFAULT_REBUILD_ABOVE = 0.25;

/** Checks `compact`'s options; returns `rebuildAbove`. */
function checkCompactOptions(options: CompactOptions): number {
  checkKnownKeys('compact', options, ['rebuildAbove']);
  const value = options.rebuildAbove ?? DEFAULT_REBUILD_ABOVE;
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`rebuildAbove\` must be a number from 0 to 1 (got ${describeValue(options.rebuildAbove)})`);
  }
  if (!(value >= 0 && value <= 1)) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`rebuildAbove\` must be a number from 0 to 1 (got ${describeValue(options.rebuildAbove)})`);
  }
  return value;
}

export const BASE_OPTION_KEYS = ['space', 'dim', 'capacity', 'kernel', 'quantization', 'rerank', 'oversample'] as const;

/** Checks the options both index classes take; throws on the first bad one. */
export function checkBaseOptions(options: BaseIndexOptions, known: readonly string[], what: string): void {
  checkKnownKeys(what, options, known);
  if (!SPACES.includes(options.space)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`space\` must be one of ${SPACES.map((s) => `'${s}'`).join(', ')} (got ${describeValue(options.space)})`);
  }
  checkInteger('dim', options.dim, 1, MAX_DIM);
  if (options.capacity !== undefined) checkInteger('capacity', options.capacity, 1, MAX_COUNT);
  if (options.kernel !== undefined && !['auto', 'simd', 'js'].includes(options.kernel)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`kernel\` must be 'auto', 'simd' or 'js' (got ${describeValue(options.kernel)})`);
  }
  checkQuantizationOptions(options);
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
  /** @internal Labels, their nodes, the deleted slots and the next default label. */
  protected readonly labelTable: LabelTable;
  /** Allow-list scratch of `search`/`searchBatch`, cleared after each call. */
  private readonly allowList = new AllowList();
  /** Per-call parameters of `searchQueryInto`, reused by every query. */
  private readonly queryParams: QueryParams;
  /** @internal `quantization`, `rerank` and `oversample`, checked. */
  protected readonly quantizationOptions: QuantizationOptions;

  protected constructor(options: BaseIndexOptions, m: number) {
    this.space = options.space;
    this.dim = options.dim;
    this.kernelChoice = options.kernel ?? 'auto';
    this.quantizationOptions = checkQuantizationOptions(options);
    const shared = canShareMemory();
    const wasmMemory = this.kernelChoice !== 'js' && simdSupported(shared);
    const int8 = this.quantizationOptions.quantization === 'int8'
      ? { keepOriginals: this.quantizationOptions.rerank, symmetric: METRICS[this.space].int8.symmetric } : null;
    this.store = new GraphStore({ dim: this.dim, m, shared, wasmMemory, int8 }, options.capacity ?? DEFAULT_CAPACITY);
    this.ctx = new SearchContext(this.store, this.newKernel(0));
    this.labelTable = new LabelTable(this.store);
    this.queryParams = {
      k: 1, ef: 1, oversample: 0, allowedCount: -1, size: 0, hasDeleted: false, space: this.space, dim: this.dim,
      queryRow: new Float32Array(this.dim), nearest: (_ctx, k, ef, filtered) => this.nearest(k, ef, filtered),
    };
  }

  /** @internal The kernel for scratch slot `slot` (a thread). */
  newKernel(slot: number): Kernel {
    return createKernel(this.store, this.space, this.kernelChoice, slot);
  }

  /** How vectors are stored: 'none' (float32) or 'int8' (codes). */
  get quantization(): Quantization {
    return this.quantizationOptions.quantization;
  }

  /** Whether an 'int8' index keeps its float32 originals and re-ranks with them. */
  get rerank(): boolean {
    return this.quantizationOptions.rerank;
  }

  /** Default re-ranking depth (candidates per result) of an index with `rerank`. */
  get oversample(): number {
    return this.quantizationOptions.oversample;
  }

  /**
   * 'int8': whether the ranges are trained. Until then rows are held as
   * float32 and not yet linked (see `train`). Always true for 'none'.
   */
  get trained(): boolean {
    const vectors = this.store.vectors;
    return !(vectors instanceof Int8VectorStore) || vectors.trained;
  }

  /**
   * 'int8': vectors added after training with at least one component
   * outside the trained range, clamped to it (their codes, and distances
   * to them, are then approximate beyond the usual rounding; re-ranking
   * still scores them exactly). Many means the data drifted from the
   * training sample: rebuild a new index to re-train. 0 for 'none'.
   */
  get clampedVectors(): number {
    const vectors = this.store.vectors;
    return vectors instanceof Int8VectorStore ? vectors.clampedVectors : 0;
  }

  /**
   * Bytes each vector takes in memory: 4 x dim padded to 8 floats for
   * 'none'; for 'int8' dim padded to 16 bytes of codes, plus 4 x dim when
   * `rerank` keeps the originals. The graph comes on top.
   */
  get vectorBytes(): number {
    const vectors = this.store.vectors;
    return vectors instanceof Int8VectorStore ? vectors.bytesPerVector : vectors.rowBytes;
  }

  /**
   * Trains an 'int8' index's ranges on `sample` (rows as `addBatch` takes;
   * normalised first for 'cosine'): per-dimension offsets and one scale
   * covering every sample row (quantization.ts). Without it the index
   * trains itself on the first `addBatch` of at least 1000 rows (all of
   * them, plus rows held before), or once 1000 single `add`s are held, or
   * at the first search or save with whatever is held. Rows held before
   * are then encoded and linked. Ranges are fixed once trained: to
   * re-train, build a new index. Throws 'UNSUPPORTED' on a float32 index
   * and 'INVALID_ARGUMENT' once trained.
   */
  train(sample: MatrixLike): void {
    const vectors = this.store.vectors;
    if (!(vectors instanceof Int8VectorStore)) {
      throw new SmallworldRangeError('UNSUPPORTED', "`train` needs an index with `quantization: 'int8'`");
    }
    if (vectors.trained) {
      throw new SmallworldRangeError('INVALID_ARGUMENT',
        'this index is trained already: its ranges are fixed (build a new index to re-train)');
    }
    const matrix = toMatrix('sample', sample, this.dim);
    const rows = matrix.rows;
    if (rows === 0) throw new SmallworldRangeError('INVALID_ARGUMENT', '`sample` must have at least one row (got 0)');
    // A flat Float32Array comes back uncopied: normalise a copy, never the caller's rows.
    const data = METRICS[this.space].normalize ? matrix.data.slice() : matrix.data;
    if (METRICS[this.space].normalize) for (let i = 0; i < rows; i++) normalize(data, i * this.dim, this.dim);
    this.trainOn(data, rows, this.store.count);
  }

  /**
   * Sets the ranges from `rows` rows of `data`, encodes every row held so
   * far and links nodes [0, link) (the caller links the others).
   */
  private trainOn(data: Float32Array, rows: number, link: number): void {
    const vectors = this.store.vectors as Int8VectorStore;
    vectors.train(data, rows, this.store.count);
    this.store.generation++;
    this.ctx.kernel.refresh();
    for (let node = 0; node < link; node++) this.linkNode(node);
  }

  /** @internal Trains an untrained 'int8' index on the rows it holds (before a search or save). */
  ensureTrained(): void {
    const vectors = this.store.vectors;
    if (!(vectors instanceof Int8VectorStore) || vectors.trained || this.store.count === 0) return;
    this.trainOn(vectors.originals!, this.store.count, this.store.count);
  }

  /**
   * @internal Runs `run` with `tracer` observing the TypeScript algorithms
   * on the calling thread, then removes it (the entry points are in trace.ts).
   */
  withTracer<T>(tracer: Tracer, run: () => T): T {
    this.ctx.trace = tracer;
    try {
      return run();
    } finally {
      this.ctx.trace = null;
    }
  }

  /** The distance kernel in use: 'simd' or 'js'. */
  get kernel(): 'simd' | 'js' {
    return this.ctx.kernel.name;
  }

  /** Number of live (not deleted) points. */
  get size(): number {
    return this.labelTable.liveCount;
  }

  /** Number of points marked deleted (still stored, never returned). */
  get deletedCount(): number {
    return this.labelTable.deletedCount;
  }

  /** Points the buffers hold before they next grow. */
  get capacity(): number {
    return this.store.capacity;
  }

  /**
   * Bytes of the buffers the index holds, at their allocated size: the
   * vectors' memory (the kernels' scratch included, and the graph regions
   * and search slots when the graph lives there) and every link, label and
   * mark array outside it. Soft deletes and `remove` leave it as it is (the room
   * is reused by later adds); `compact` brings it down to the points left.
   */
  get memoryBytes(): number {
    const v = this.store.vectors.describe();
    let bytes = v.memory !== null ? v.memory.buffer.byteLength : v.buffer!.byteLength;
    const arrays = this.store as unknown as Record<keyof GraphArrays, { byteLength: number }>;
    // Regions of the graph memory are counted in its byteLength already.
    const inMemory = this.store.graphMemory !== null;
    for (const a of GRAPH_ARRAYS) if (!inMemory || a.placement === 'buffer') bytes += arrays[a.name].byteLength;
    return bytes;
  }

  /** Grows the buffers to hold `capacity` points now, saving the doublings of a known-size build. */
  reserve(capacity: number): void {
    checkInteger('capacity', capacity, 1, MAX_COUNT);
    this.grow(capacity);
  }

  /** @internal */
  protected grow(capacity: number): void {
    if (capacity <= this.store.capacity) return;
    this.assertNotSaving('grow the index');
    const hadSimd = this.ctx.kernel.name === 'simd';
    this.store.reserve(capacity);
    if (hadSimd && this.store.vectors.memory === null) this.ctx.kernel = this.newKernel(0);
    else this.ctx.kernel.refresh();
  }

  /**
   * Adds one vector under `label` (default: one past the largest label so
   * far); a label already present updates that point. Returns the label.
   * Throws 'INVALID_LABEL' when the default label would pass
   * Number.MAX_SAFE_INTEGER.
   */
  add(vector: VectorLike, label?: number): number {
    const row = toVector('vector', vector, this.dim);
    if (label === undefined) {
      const first = this.labelTable.defaultLabels(1, 'label');
      this.addRows(row, 1, undefined);
      return first;
    }
    this.addRows(row, 1, [checkLabel('label', label)]);
    return label;
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

  /**
   * @internal Checks a batch's labels: count, values, no repeats; without
   * labels, that `rows` default labels are left.
   */
  checkBatchLabels(labels: ArrayLike<number> | undefined, rows: number): ArrayLike<number> | undefined {
    if (labels === undefined) {
      this.labelTable.defaultLabels(rows, 'labels');
      return undefined;
    }
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
    const ready = this.trained;
    for (let i = 0; i < rows; i++) {
      if (plan.isNew[i] === 1) {
        if (ready) this.linkNode(plan.nodes[i]);
      } else {
        this.relinkRow(plan.nodes[i], data, i * this.dim);
      }
    }
  }

  /**
   * @internal Allocate phase of `addRows`, on the calling thread: plans
   * every row's node first (nothing changes until the buffers have grown,
   * so an error leaves the index as it was), then assigns labels and node
   * ids in row order, draws the levels of new nodes in row order (so they
   * stay seeded) and writes their vectors. Nothing is linked: new nodes are
   * unreachable until `linkNode`, and rows that update a point (or take a
   * deleted slot) get their vector in `relinkRow`. New nodes get
   * consecutive ids from `firstNew`.
   */
  protected allocateRows(data: Float32Array, rows: number, labels: ArrayLike<number> | undefined): RowPlan {
    this.assertNotSaving('add points');
    const table = this.labelTable;
    const first = labels === undefined ? table.defaultLabels(rows, 'labels') : 0;
    const plan = table.plan(labels, rows, this.reusesDeletedSlots());
    this.grow(this.store.count + plan.newCount);
    plan.firstNew = this.store.count;
    for (let i = 0; i < rows; i++) {
      const label = labels === undefined ? first + i : labels[i];
      const isNew = plan.isNew[i] === 1;
      if (isNew) {
        const node = this.store.allocateNode(this.drawLevel());
        this.writeVector(node, data, i * this.dim);
        plan.nodes[i] = node;
      }
      table.assign(label, plan.nodes[i], isNew);
    }
    // int8: once enough rows are held as float32, train on all of them and link those held before this call.
    const vectors = this.store.vectors;
    if (vectors instanceof Int8VectorStore && !vectors.trained && this.store.count >= TRAIN_MIN_ROWS) {
      this.trainOn(vectors.originals!, this.store.count, plan.firstNew);
    }
    return plan;
  }

  /** @internal Link phase of a row that updates a point or reuses a deleted slot. */
  protected relinkRow(node: number, data: Float32Array, offset: number): void {
    this.writeVector(node, data, offset);
    this.store.deleted[node] = 0;
    // An untrained int8 index links nothing yet: the row waits with the others.
    if (this.trained) this.relinkNode(node);
  }

  /** @internal Copies a row into node's slot (normalised for 'cosine'). */
  protected writeVector(node: number, data: Float32Array, offset: number): void {
    this.store.vectors.write(node, data, offset, METRICS[this.space].normalize);
  }

  /**
   * @internal Whether a new label in the current add may take a deleted
   * point's slot. Asked once per add call, so a subclass may decide per
   * call (the hnswlib-node drop-in's `replaceDeleted` argument). Default false.
   */
  protected reusesDeletedSlots(): boolean {
    return false;
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

  /** True when `label` is in the index and not deleted. */
  has(label: number): boolean {
    const node = this.labelTable.find(label);
    return node !== undefined && this.store.deleted[node] === 0;
  }

  /**
   * Marks `label` deleted: it stays in the graph as a waypoint but is never
   * returned, and points added later do not link to it (unlike hnswlib: the
   * links would go with it at `compact`). Throws for an unknown label;
   * deleting twice is a no-op.
   */
  markDeleted(label: number): void {
    const node = this.labelTable.nodeOf('label', label);
    this.assertNotSaving('delete points');
    this.labelTable.markDeleted(node);
  }

  /** Undoes `markDeleted`. Throws for an unknown label. */
  unmarkDeleted(label: number): void {
    const node = this.labelTable.nodeOf('label', label);
    this.assertNotSaving('undelete points');
    this.labelTable.unmarkDeleted(node);
  }

  /**
   * @internal Streamed saves (`save`, `saveHnswlib` in Node.js) of this index
   * in flight: they read the index between awaits, so nothing may change it
   * until they finish.
   */
  protected savesInFlight = 0;

  /** @internal Throws 'INDEX_BUSY' while a streamed save of this index runs. */
  protected assertNotSaving(operation: string): void {
    if (this.savesInFlight > 0) {
      throw new SmallworldError('INDEX_BUSY', `cannot ${operation} while save or saveHnswlib runs on this index: await it first`);
    }
  }

  /**
   * Removes `label` for good (a hard delete; see `removeBatch`). Throws
   * 'UNKNOWN_LABEL' for a label not in the index (a soft-deleted one is
   * in it). Each call is a pass over the whole index: remove many labels
   * with one `removeBatch`.
   */
  remove(label: number): void {
    this.removeBatch([label]);
  }

  /**
   * Removes `labels` for good, live or soft-deleted (`markDeleted`), in one
   * pass: the lists that linked to them are repaired (their other links
   * kept, the gaps filled from the removed points' neighbours), the entry
   * point moves if it was removed, the remaining points take dense node ids
   * (their order kept), and the removed vectors are overwritten with zeros
   * in memory, so no later save holds them. Their labels are free again;
   * capacity stays (the slots are reused by the next adds; `compact`
   * returns memory). Every label is checked first: on error nothing
   * changes. Throws 'UNKNOWN_LABEL' for a label not in the index,
   * 'DUPLICATE_LABEL' for one given twice.
   */
  removeBatch(labels: ArrayLike<number>): void {
    if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number') {
      throw new SmallworldTypeError('INVALID_LABEL', `\`labels\` must be an array of labels (got ${describeValue(labels)})`);
    }
    const removed = new Uint8Array(this.store.count);
    for (let i = 0; i < labels.length; i++) {
      const node = this.labelTable.nodeOf(`labels[${i}]`, labels[i]);
      if (removed[node] !== 0) {
        throw new SmallworldRangeError('DUPLICATE_LABEL', `\`labels\` has label ${labels[i]} twice (at index ${i})`);
      }
      removed[node] = 1;
    }
    if (labels.length > 0) this.removeNodes(removed);
  }

  /**
   * Removes every soft-deleted point for good (as `removeBatch` does, or,
   * past `rebuildAbove` of the points deleted, by building the graph of the
   * rest anew: see `CompactOptions`), so
   * node ids are dense, then shrinks every buffer to the points left: the
   * link and label arrays and the vectors' memory are allocated anew at that
   * size and the old ones go back to the system once collected (a
   * WebAssembly.Memory cannot shrink in place, so the vectors move to a new,
   * smaller one; worker threads that attached drop their view on their
   * next call). A no-op on an index with nothing deleted and no room to spare.
   * Under Node.js, throws 'INDEX_BUSY' while a parallel call of the index
   * runs or is queued: await it first.
   */
  compact(options: CompactOptions = {}): void {
    if (this.compactNodes(options)) this.linkAll();
  }

  /**
   * @internal `compact` up to the rebuild's links: returns true when the
   * graph was emptied to be built anew, and the caller links nodes
   * [0, count) (`linkAll`, or worker threads).
   */
  protected compactNodes(options: CompactOptions): boolean {
    const rebuildAbove = checkCompactOptions(options);
    const { count, deleted } = this.store;
    const deletedCount = this.labelTable.deletedCount;
    const rebuild = deletedCount > 0 && deletedCount > rebuildAbove * count;
    if (deletedCount > 0) {
      const removed = new Uint8Array(count);
      for (let node = 0; node < count; node++) removed[node] = deleted[node] !== 0 ? 1 : 0;
      this.removeNodes(removed, rebuild);
    }
    // The vectors (and the graph) may be in a new memory: the kernel and the loop are made again over it.
    if (this.store.shrink(this.store.count)) {
      this.ctx.kernel = this.newKernel(0);
      if (this.ctx.loop !== null) this.ctx.loop = createLoop(this.store, this.space, this.ctx.kernel, 0);
    }
    // An untrained 'int8' index links nothing until it is trained.
    return rebuild && this.trained;
  }

  /** @internal Links every node in id order into an empty graph (a rebuild, on this thread). */
  protected linkAll(): void {
    for (let node = 0; node < this.store.count; node++) this.linkNode(node);
  }

  /**
   * @internal Takes the nodes with `removed[node] !== 0` out of the index:
   * the structure is repaired around them (or, with `rebuild`, every list
   * emptied, to be built again from the rest), the ids renumbered densely,
   * the label table rebuilt and every thread's scratch zeroed.
   */
  protected removeNodes(removed: Uint8Array, rebuild = false): void {
    if (rebuild) this.store.unlinkAll();
    else this.repairRemoved(removed);
    renumberNodes(this.store, removed);
    this.labelTable.restore(this.labelTable.nextDefault);
    this.store.eraseScratch();
    this.ctx.kernel.setQuery(new Float32Array(this.dim), 0);
  }

  /** @internal Unlinks the nodes with `removed[node] !== 0` from the structure (before renumbering). */
  protected abstract repairRemoved(removed: Uint8Array): void;

  /** True when `label` is in the index and marked deleted. */
  isDeleted(label: number): boolean {
    const node = this.labelTable.find(label);
    return node !== undefined && this.store.deleted[node] !== 0;
  }

  /**
   * A copy of the stored vector of `label` (unit length in the 'cosine'
   * space). For an 'int8' index without `rerank` it is the decoded codes
   * (offset_d + scale x code: within half a code step of what was added,
   * or clamped to the trained range), not the vector that was added.
   */
  getVector(label: number): Float32Array {
    const node = this.labelTable.nodeOf('label', label);
    const out = new Float32Array(this.dim);
    this.store.vectors.read(node, out, 0);
    return out;
  }

  /**
   * The labels of the live points, in slot order: the order they were added
   * in, except points that took a deleted point's slot
   * (`allowReplaceDeleted`) and after `HnswIndex.reorder`.
   */
  labels(): Float64Array {
    const out = new Float64Array(this.size);
    const { labels, deleted } = this.store;
    let n = 0;
    for (let node = 0; node < this.store.count; node++) if (deleted[node] === 0) out[n++] = labels[node];
    return out;
  }

  /** @internal The label `add` gives when none is passed (the file formats keep it). */
  get nextDefaultLabel(): number {
    return this.labelTable.nextDefault;
  }

  /**
   * @internal For the loaders of src/format/, once the store holds a whole
   * graph: rebuilds the label table from the store. Returns the first node
   * whose label repeats an earlier node's, else -1.
   */
  restoreLabels(nextLabel: number): number {
    return this.labelTable.restore(nextLabel);
  }

  /** @internal Checks `k` and the search options; returns the efSearch to use. */
  protected checkSearch(k: number, options: SearchOptions): number {
    checkInteger('k', k, 1, MAX_COUNT);
    checkKnownKeys('search', options, ['efSearch', 'filter', 'rerank', 'oversample']);
    checkFilter(options.filter);
    this.checkOversample(options);
    return options.efSearch === undefined ? this.defaultEfSearch() : checkInteger('efSearch', options.efSearch, 1, MAX_EF);
  }

  /** @internal The re-ranking depth of a search (0 = none), from its options and the index's. */
  protected checkOversample(options: SearchOptions): number {
    if (options.rerank !== undefined && typeof options.rerank !== 'boolean') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`rerank\` must be a boolean (got ${describeValue(options.rerank)})`);
    }
    const kept = this.quantizationOptions.rerank;
    if ((options.rerank === true || options.oversample !== undefined) && !kept) {
      throw new SmallworldTypeError('INVALID_OPTION',
        `\`${options.rerank === true ? 'rerank' : 'oversample'}\` needs an index built with \`quantization: 'int8'\` and \`rerank: true\` (it keeps the originals)`);
    }
    const over = options.oversample === undefined
      ? this.quantizationOptions.oversample : checkInteger('oversample', options.oversample, 1, MAX_OVERSAMPLE);
    return kept && options.rerank !== false ? over : 0;
  }

  /**
   * The k nearest live points to `query`, nearest first: at most k, fewer
   * when fewer points are live (or pass the filter); empty on an empty index.
   */
  search(query: VectorLike, k: number, options: SearchOptions = {}): SearchResult {
    const ef = this.checkSearch(k, options);
    const row = toVector('query', query, this.dim);
    this.ensureTrained();
    this.queryParams.oversample = this.checkOversample(options);
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
    this.ensureTrained();
    this.queryParams.oversample = this.checkOversample(options);
    const result = new BatchSearchResult(rows, k);
    const allowedCount = this.applyFilter(options.filter);
    try {
      for (let i = 0; i < rows; i++) this.searchOne(data, i * this.dim, k, ef, allowedCount, result, i);
    } finally {
      this.clearFilter();
    }
    return result;
  }

  /**
   * @internal Marks the allowed live nodes of an allow-list of labels in
   * `list` (see `AllowList.mark`); returns how many.
   */
  protected markAllowed(filter: ArrayLike<number> | ReadonlySet<number>, list: AllowList): number {
    return list.mark(filter, this.labelTable, this.store.deleted, this.store.capacity);
  }

  /** Sets the context's filter; returns the number of allowed nodes for an allow-list, else -1. */
  private applyFilter(filter: SearchFilter | undefined): number {
    if (filter === undefined) return -1;
    if (typeof filter === 'function') {
      this.ctx.allowedLabel = filter;
      return -1;
    }
    const count = this.markAllowed(filter, this.allowList);
    useAllowList(this.ctx, this.allowList);
    return count;
  }

  private clearFilter(): void {
    this.allowList.clear();
    clearContextFilter(this.ctx);
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
    p.hasDeleted = this.labelTable.deletedCount > 0;
    searchQueryInto(this.ctx, p, data, offset, result, i);
  }
}
