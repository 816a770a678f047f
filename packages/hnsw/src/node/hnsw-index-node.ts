// HnswIndex as exported under the `node` condition: the portable index plus
// the methods that need Node.js (worker threads and files).

import type { AddBatchOptions, CompactOptions } from '../base-index.js';
import { SmallworldTypeError, checkKnownKeys, describeValue } from '../errors.js';
import {
  decodeHnswlib, hnswlibDecoder, planHnswlib, toHnswlibBytes as encodeHnswlib, type HnswlibLoadOptions, type HnswlibSaveOptions,
} from '../format/hnswlib.js';
import { nativeDecoder, planNative, type LoadOptions, type SaveOptions } from '../format/native.js';
import { HnswIndex as PortableHnswIndex } from '../hnsw-index.js';
import { toMatrix, type MatrixLike } from '../input.js';
import { AllowList } from '../search-filter.js';
import type { SearchOptions } from '../search-query.js';
import { BatchSearchResult } from '../search-result.js';
import { checkThreads, closePool, runTasks } from '../parallel/pool.js';
import { describeStore, type InsertTask, type SearchTask } from '../parallel/protocol.js';
import { repairAfterWorkerFailure } from '../parallel/repair.js';
import { ParallelState } from '../parallel/state.js';
import { readDecoded, readDecodedSync, writePlan, writePlanSync } from './streamed-file.js';

/** Options of `addBatchParallel`. */
export interface AddBatchParallelOptions extends AddBatchOptions {
  /**
   * Worker threads inserting at once, 1-63. Default: the cores Node may use
   * (`os.availableParallelism()`). With 1, the batch is inserted on the
   * calling thread, exactly as `addBatch` (bit-deterministic for a seed).
   */
  threads?: number;
}

/** Options of `searchBatchParallel`. */
export interface SearchBatchParallelOptions extends Omit<SearchOptions, 'filter'> {
  /**
   * An allow-list of labels (array, typed array or Set): only they are
   * returned. A predicate function cannot cross to a worker thread: use
   * `searchBatch` for one.
   */
  filter?: ArrayLike<number> | ReadonlySet<number>;
  /** Worker threads searching at once, 1-63. Default `os.availableParallelism()`. */
  threads?: number;
}

/** Options of `compactParallel`. */
export interface CompactParallelOptions extends CompactOptions {
  /**
   * Worker threads re-inserting the points when the graph is rebuilt
   * (`rebuildAbove`), 1-63. Default `os.availableParallelism()`. A repair
   * runs on the calling thread whatever this says.
   */
  threads?: number;
}

/** Queries a search task takes from the shared counter at a time, at most. */
const MAX_SEARCH_CHUNK = 64;

/** @internal Tests only: the next parallel build's worker that takes this offset of the batch exits. */
export const parallelTestHooks: { crashAt: number | undefined } = { crashAt: undefined };

/**
 * The HNSW index with Node.js extras: parallel build and batch search on
 * worker threads, and saving to / loading from files.
 */
export class HnswIndex extends PortableHnswIndex {
  /** @internal Parallel calls in flight on this index. */
  private readonly parallel = new ParallelState();
  /**
   * @internal The allow-list of `searchBatchParallel`, in shared memory the
   * workers read in place: kept from call to call (all marks 0 between
   * calls), so a filtered call allocates nothing the size of the index.
   * Null while a call holds it; a call overlapping that one makes its own.
   */
  private parallelAllowList: AllowList | null = null;

  /**
   * `addBatch` on worker threads: the new points are linked concurrently,
   * each worker working in place on the index's shared memory (no copies),
   * a lock per node guarding its link lists (as hnswlib). Levels are drawn
   * on this thread in row order, so the levels stay seeded, but the graph
   * depends on thread timing: a parallel build is not reproducible (use
   * `threads: 1` for that). Recall matches a sequential build's.
   *
   * Capacity is grown before the workers start, so no buffer is replaced
   * under them. Rows whose label is already in the index (updates), and new
   * labels taking a deleted slot (`allowReplaceDeleted`), are applied on
   * this thread after the parallel inserts. The first point of an empty
   * index, and a point above the current top layer, go in alone first.
   *
   * Parallel builds of one index run one after the other. While one runs,
   * `search`/`searchBatch`/`searchBatchParallel` are safe (they may miss
   * the points being inserted), but `add`, `addBatch` and `reserve` throw
   * 'INDEX_BUSY'. If a worker dies, the call rejects with a
   * `SmallworldError` ('WORKER_FAILED'); the points it did not link are
   * linked on this thread first, so the index stays consistent and holds
   * the whole batch.
   */
  async addBatchParallel(vectors: MatrixLike, options: AddBatchParallelOptions = {}): Promise<void> {
    checkKnownKeys('addBatchParallel', options, ['labels', 'threads']);
    const threads = checkThreads(options.threads);
    let { data, rows } = toMatrix('vectors', vectors, this.dim);
    let labels = this.checkBatchLabels(options.labels, rows);
    const state = this.parallel;
    const mustWait = state.builds > 0 || state.activeTasks > 0;
    if (mustWait) {
      // The caller may reuse its arrays as soon as this returns a promise.
      data = data.slice();
      if (labels !== undefined) labels = Float64Array.from(labels);
    }
    await this.asBuild(mustWait, () => {
      if (threads === 1 || !this.store.shared) this.addRows(data, rows, labels);
      else return this.buildParallel(data, rows, labels, threads);
    });
  }

  /**
   * Runs `body` as a parallel build of this index (queued builds wait for
   * it; `add` and the hard deletes are refused meanwhile), after the
   * builds before it and their tasks when `mustWait`. A `body` that returns
   * no promise ends the build before this returns (a single-thread build
   * never blocks what the caller does next).
   */
  private async asBuild(mustWait: boolean, body: () => Promise<void> | void): Promise<void> {
    const state = this.parallel;
    state.builds++;
    const previous = state.lastBuild;
    let finish!: () => void;
    state.lastBuild = new Promise<void>((resolve) => (finish = resolve));
    try {
      if (mustWait) {
        await previous;
        await state.whenNoTasks();
      }
      const running = body();
      if (running !== undefined) await running;
    } finally {
      state.builds--;
      finish();
    }
  }

  /** Allocates on this thread, links the new nodes on workers, then applies updates here. */
  private async buildParallel(
    data: Float32Array, rows: number, labels: ArrayLike<number> | undefined, threads: number,
  ): Promise<void> {
    const plan = this.allocateRows(data, rows, labels);
    try {
      // An untrained int8 index holds the rows until it trains (see `train`): nothing to link yet.
      if (this.trained) await this.linkParallel(plan.firstNew, plan.newCount, threads);
    } finally {
      // Searches started on workers meanwhile read the lists that updates rewrite without locks.
      await this.parallel.whenNoTasks();
      this.applyUpdates(plan.nodes, plan.isNew, data);
    }
  }

  /**
   * Links nodes [first, first + count) (stored, not linked) on worker
   * threads. If a worker dies, the nodes it left are linked on this thread
   * once no task of this index runs, and the error is rethrown.
   */
  private async linkParallel(first: number, count: number, threads: number): Promise<void> {
    const state = this.parallel;
    const store = this.store;
    const done = new Uint8Array(new SharedArrayBuffer(Math.max(1, count)));
    if (count > 0 && store.entryPoint < 0) {
      this.linkNode(first);
      done[0] = 1;
    }
    let top = first;
    for (let node = first + 1; node < first + count; node++) if (store.levels[node] > store.levels[top]) top = node;
    if (count > 0 && done[top - first] === 0 && store.levels[top] > store.maxLevel) {
      this.linkNode(top);
      done[top - first] = 1;
    }
    let remaining = 0;
    for (let i = 0; i < count; i++) if (done[i] === 0) remaining++;
    if (remaining > 0) {
      const slots = state.claimSlots(Math.min(threads, remaining));
      const counter = new SharedArrayBuffer(4);
      const descriptor = describeStore(state.id, this.store, {
        space: this.space, kernel: this.kernel, heuristic: this.neighborSelection === 'heuristic', loop: this.usesWasmLoop, slots,
      });
      const tasks: InsertTask[] = slots.map((slot) => ({
        type: 'insert', store: descriptor, slot, efConstruction: this.efConstruction, first, count,
        counter, done: done.buffer as SharedArrayBuffer,
        ...(parallelTestHooks.crashAt !== undefined ? { crashAt: parallelTestHooks.crashAt } : {}),
      }));
      parallelTestHooks.crashAt = undefined;
      try {
        await this.runOnWorkers(tasks, slots);
      } catch (error) {
        // The pool is torn down: once no task of this index runs, finish the batch here, then report.
        await state.whenNoTasks();
        repairAfterWorkerFailure(store, first, count, done, (node) => this.linkNode(node));
        throw error;
      }
    }
  }

  private applyUpdates(nodes: Int32Array, isNew: Uint8Array, data: Float32Array): void {
    for (let i = 0; i < nodes.length; i++) if (isNew[i] === 0) this.relinkRow(nodes[i], data, i * this.dim);
  }

  /** Runs tasks of this index on the pool. */
  private async runOnWorkers(tasks: (InsertTask | SearchTask)[], slots: number[]): Promise<void> {
    const state = this.parallel;
    const inserts = tasks[0].type === 'insert' ? tasks.length : 0;
    state.tasksStarted(tasks.length);
    state.insertTasks += inserts;
    // Searches on this thread read link lists under their locks while workers insert.
    this.ctx.concurrent = state.insertTasks > 0;
    try {
      await runTasks(tasks);
    } finally {
      state.releaseSlots(slots);
      state.insertTasks -= inserts;
      this.ctx.concurrent = state.insertTasks > 0;
      state.tasksEnded(tasks.length);
    }
  }

  /**
   * `searchBatch` on worker threads: the queries are shared out among the
   * workers, which search the index's shared memory in place. Returns the
   * same flat result as `searchBatch`, with identical labels for the same
   * graph. Safe while `addBatchParallel` runs (the points being inserted
   * may be missed). `filter` must be an allow-list of labels.
   */
  async searchBatchParallel(
    queries: MatrixLike, k: number, options: SearchBatchParallelOptions = {},
  ): Promise<BatchSearchResult> {
    if (typeof options !== 'object' || options === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `searchBatchParallel options must be an object (got ${describeValue(options)})`);
    }
    checkKnownKeys('searchBatchParallel', options, ['efSearch', 'filter', 'threads', 'rerank', 'oversample']);
    if (typeof options.filter === 'function') {
      throw new SmallworldTypeError('INVALID_OPTION',
        '`filter` of searchBatchParallel must be an allow-list of labels (array, typed array or Set): a function cannot run on a worker thread; use searchBatch for a predicate');
    }
    const threads = checkThreads(options.threads);
    const searchOptions: SearchOptions = {};
    if (options.efSearch !== undefined) searchOptions.efSearch = options.efSearch;
    if (options.filter !== undefined) searchOptions.filter = options.filter;
    if (options.rerank !== undefined) searchOptions.rerank = options.rerank;
    if (options.oversample !== undefined) searchOptions.oversample = options.oversample;
    const ef = this.checkSearch(k, searchOptions);
    const oversample = this.checkOversample(searchOptions);
    const { data, rows } = toMatrix('queries', queries, this.dim);
    this.ensureTrained();
    if (threads === 1 || rows <= 1 || !this.store.shared) return this.searchBatch(data, k, searchOptions);

    const state = this.parallel;
    const result = new BatchSearchResult(rows, k);
    const shared = new Float32Array(new SharedArrayBuffer(data.length * 4));
    shared.set(data);
    let list: AllowList | null = null;
    let allowedCount = -1;
    try {
      if (options.filter !== undefined) {
        list = this.parallelAllowList ?? new AllowList(true);
        this.parallelAllowList = null;
        allowedCount = this.markAllowed(options.filter, list);
      }
      const allowedMarks = list === null ? null : list.marks.buffer as SharedArrayBuffer;
      const allowedIds = list === null ? null : list.ids.buffer as SharedArrayBuffer;
      const labels = new Float64Array(new SharedArrayBuffer(rows * k * 8)).fill(-1);
      const distances = new Float32Array(new SharedArrayBuffer(rows * k * 4)).fill(Infinity);
      const counts = new Uint32Array(new SharedArrayBuffer(rows * 4));
      const chunk = Math.max(1, Math.min(MAX_SEARCH_CHUNK, Math.floor(rows / (threads * 8))));
      const slots = state.claimSlots(Math.min(threads, Math.ceil(rows / chunk)));
      const descriptor = describeStore(state.id, this.store, {
        space: this.space, kernel: this.kernel, heuristic: this.neighborSelection === 'heuristic', loop: this.usesWasmLoop, slots,
      });
      const counter = new SharedArrayBuffer(4);
      const tasks: SearchTask[] = slots.map((slot) => ({
        type: 'search', store: descriptor, slot, queries: shared.buffer as SharedArrayBuffer, rows, k, ef, oversample,
        allowedMarks, allowedIds, allowedCount,
        size: this.size, hasDeleted: this.deletedCount > 0, concurrent: state.insertTasks > 0, counter, chunk,
        labels: labels.buffer as SharedArrayBuffer, distances: distances.buffer as SharedArrayBuffer,
        counts: counts.buffer as SharedArrayBuffer,
      }));
      await this.runOnWorkers(tasks, slots);
      result.labels.set(labels);
      result.distances.set(distances);
      result.counts.set(counts);
      return result;
    } finally {
      if (list !== null) {
        list.clear();
        this.parallelAllowList ??= list;
      }
    }
  }

  /**
   * Waits for this index's parallel calls, then stops the worker pool shared
   * by every index (see `closePool`). The index stays usable: a later
   * parallel call starts the pool again.
   */
  async close(): Promise<void> {
    await this.parallel.whenNoBuilds();
    await this.parallel.whenNoTasks();
    await closePool();
  }

  /** @internal */
  protected override addRows(data: Float32Array, rows: number, labels: ArrayLike<number> | undefined): void {
    this.parallel.assertWritable('add points');
    super.addRows(data, rows, labels);
  }

  /**
   * @internal Hard deletes (`remove`, `removeBatch`, `compact`) rewrite
   * lists, ids and buffers that workers read and write: refused with
   * 'INDEX_BUSY' while a parallel call runs or is queued on this index.
   */
  protected override removeNodes(removed: Uint8Array, rebuild = false): void {
    this.parallel.assertExclusive('remove points');
    super.removeNodes(removed, rebuild);
  }

  /** `HnswIndex.reorder`: refused with 'INDEX_BUSY' while a parallel call runs or is queued on this index. */
  override reorder(): void {
    this.parallel.assertExclusive('reorder the index');
    super.reorder();
  }

  /**
   * @internal `compact` and `compactParallel` rewrite every buffer: refused
   * with 'INDEX_BUSY' while a parallel call runs or is queued on this index.
   */
  protected override compactNodes(options: CompactOptions): boolean {
    this.parallel.assertExclusive('compact the index');
    return super.compactNodes(options);
  }

  /**
   * `compact` with a rebuild's re-inserts on worker threads (see
   * `addBatchParallel`): the removal, renumbering and shrinking run on this
   * thread, then, when the graph is rebuilt (`rebuildAbove`), the points
   * are linked again in parallel (not reproducible; `threads: 1` is
   * `compact`). Meanwhile the index is a parallel build: searches are safe
   * but may miss the points not linked yet. 'INDEX_BUSY' while a parallel
   * call runs or is queued on this index.
   */
  async compactParallel(options: CompactParallelOptions = {}): Promise<void> {
    checkKnownKeys('compactParallel', options, ['rebuildAbove', 'threads']);
    const threads = checkThreads(options.threads);
    if (!this.compactNodes({ rebuildAbove: options.rebuildAbove })) return;
    if (threads === 1 || !this.store.shared) this.linkAll();
    else await this.asBuild(false, () => this.linkParallel(0, this.store.count, threads));
  }

  /** @internal */
  protected override grow(capacity: number): void {
    if (capacity > this.store.capacity) this.parallel.assertWritable('grow the index');
    super.grow(capacity);
  }

  /**
   * The index in smallworld's native format (see the portable `toBytes`).
   * Throws `SmallworldError` 'INDEX_BUSY' while `addBatchParallel` runs on
   * this index: a copy then would hold a graph mid-insert. `save` waits.
   */
  override toBytes(options: SaveOptions = {}): Uint8Array {
    this.parallel.assertNoBuild('copy the index (toBytes)');
    return super.toBytes(options);
  }

  /**
   * The index in hnswlib's `.bin` layout (see the function
   * `toHnswlibBytes`). Throws `SmallworldError` 'INDEX_BUSY' while
   * `addBatchParallel` runs on this index; `saveHnswlib` waits.
   */
  toHnswlibBytes(options: HnswlibSaveOptions = {}): Uint8Array {
    this.parallel.assertNoBuild('copy the index (toHnswlibBytes)');
    return encodeHnswlib(this, options);
  }

  /**
   * An index of the class it is called on from the bytes of an hnswlib
   * `.bin` file, decoded straight into its store (see the function
   * `fromHnswlibBytes` for what is checked and thrown).
   */
  static fromHnswlibBytes<T extends typeof HnswIndex>(
    this: T, bytes: Uint8Array, options: HnswlibLoadOptions,
  ): InstanceType<T> {
    return decodeHnswlib(bytes, options, (o) => new this(o) as InstanceType<T>);
  }

  /**
   * Saves the index to `path` in the native format (see `toBytes`), a
   * section at a time through a file handle (files of any size; never one
   * buffer for the whole file), atomically: a temporary file in the same
   * folder, fsynced, renamed over `path`. A crash or full disk midway leaves
   * any previous file intact. `{ vectors: false }` saves the graph without
   * the vectors. Waits for parallel builds already started, so the file
   * never holds half a batch; until it resolves, calls that change the
   * index (`add`, `addBatch`, `markDeleted`, ...) throw 'INDEX_BUSY'.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    await this.parallel.whenNoBuilds();
    await this.whileSaving(() => writePlan(path, planNative(this, this.nativeParams(), options)));
  }

  /** `save` on the calling thread (blocks it for the whole write; the index cannot change meanwhile). */
  saveSync(path: string, options: SaveOptions = {}): void {
    this.parallel.assertNoBuild('save the index (saveSync)');
    writePlanSync(path, planNative(this, this.nativeParams(), options));
  }

  /**
   * Loads an index saved by `save` (or `toBytes`), reading each section
   * straight into the new index's arrays a chunk at a time: files of any
   * size, peak memory about the index itself. Every section's CRC-32 is
   * checked as it is read; pass `vectors` for a file saved with `{ vectors:
   * false }`. Throws `CorruptFileError` for a corrupt, truncated or foreign
   * file, its message starting with `path` and naming the section.
   */
  static async load<T extends typeof HnswIndex>(this: T, path: string, options: LoadOptions = {}): Promise<InstanceType<T>> {
    return readDecoded(path, 'native index', (fileLength) => nativeDecoder(fileLength, options, 'hnsw', this.nativeFactory()));
  }

  /** `load` on the calling thread. */
  static loadSync<T extends typeof HnswIndex>(this: T, path: string, options: LoadOptions = {}): InstanceType<T> {
    return readDecodedSync(path, 'native index', (fileLength) => nativeDecoder(fileLength, options, 'hnsw', this.nativeFactory()));
  }

  /**
   * Saves the index in hnswlib's `.bin` layout (see `toHnswlibBytes`), in
   * chunks and atomically, for hnswlib (Python, C++) and hnswlib-node's
   * `readIndex`; waits and guards the index as `save` does.
   */
  async saveHnswlib(path: string, options: HnswlibSaveOptions = {}): Promise<void> {
    await this.parallel.whenNoBuilds();
    await this.whileSaving(() => writePlan(path, planHnswlib(this, options)));
  }

  /** `saveHnswlib` on the calling thread. */
  saveHnswlibSync(path: string, options: HnswlibSaveOptions = {}): void {
    this.parallel.assertNoBuild('save the index (saveHnswlibSync)');
    writePlanSync(path, planHnswlib(this, options));
  }

  /**
   * Loads an hnswlib `.bin` file (hnswlib 0.7/0.8, 64-bit; see
   * `fromHnswlibBytes`) in chunks: pass the `space` and `dim` it was built
   * with. Peak memory: the index plus its upper-level lists once more.
   */
  static async loadHnswlib<T extends typeof HnswIndex>(
    this: T, path: string, options: HnswlibLoadOptions,
  ): Promise<InstanceType<T>> {
    return readDecoded(path, 'hnswlib index',
      (fileLength) => hnswlibDecoder(fileLength, options, (o) => new this(o) as InstanceType<T>));
  }

  /** `loadHnswlib` on the calling thread. */
  static loadHnswlibSync<T extends typeof HnswIndex>(this: T, path: string, options: HnswlibLoadOptions): InstanceType<T> {
    return readDecodedSync(path, 'hnswlib index',
      (fileLength) => hnswlibDecoder(fileLength, options, (o) => new this(o) as InstanceType<T>));
  }

  /** Runs a streamed save with the index guarded against changes (`assertNotSaving`). */
  private async whileSaving(write: () => Promise<void>): Promise<void> {
    this.savesInFlight++;
    try {
      await write();
    } finally {
      this.savesInFlight--;
    }
  }
}
