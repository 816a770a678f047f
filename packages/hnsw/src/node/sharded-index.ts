// ShardedIndex (Node.js): N HnswIndex shards, each with its own WebAssembly
// memory, so an index past wasm32's 4 GiB stays on the SIMD kernels; searched
// shard by shard and merged; saved as a folder whose manifest is renamed last.

import { availableParallelism } from 'node:os';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddBatchOptions, CompactOptions } from '../base-index.js';
import {
  CorruptFileError, SmallworldError, SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, checkLabel,
  describeValue,
} from '../errors.js';
import { crc32 } from '../format/crc32.js';
import { NATIVE_HEADER_BYTES } from '../format/native.js';
import type { HnswIndexOptions } from '../hnsw-index.js';
import { toMatrix, toVector, type MatrixLike, type VectorLike } from '../input.js';
import { maxNodesPerWasmMemory } from '../layout.js';
import type { Space } from '../metric.js';
import { checkThreads, closePool } from '../parallel/pool.js';
import type { SearchOptions } from '../search-query.js';
import { BatchSearchResult, type SearchResult } from '../search-result.js';
import { commitGeneration, generationFileName } from './atomic-file.js';
import { acquireFolderLock } from './folder-lock.js';
import { HnswIndex, type AddBatchParallelOptions, type SearchBatchParallelOptions } from './hnsw-index-node.js';

/**
 * Most points one shard holds in its WebAssembly memory: the layout's count
 * for f32 rows with a search slot for the calling thread and one per core
 * (each thread that runs the loop on a shard adds its visited set and heaps).
 */
function shardLimit(dim: number, m: number): number {
  return maxNodesPerWasmMemory(dim, m, 'f32', availableParallelism() + 1);
}

/** Most shards of one index. */
export const MAX_SHARDS = 1024;
/** The manifest's file name in a sharded index's folder. */
export const SHARDED_MANIFEST_NAME = 'manifest.json';
/** The manifest's `format` field. */
const MANIFEST_FORMAT = 'smallworld-sharded-index';
/** The manifest version this code writes and reads. */
const MANIFEST_VERSION = 1;
/** The routing rule's name in the manifest: a different rule is a different name. */
const ROUTING = 'fmix32';

/** Options of `new ShardedIndex(...)`: every `HnswIndex` option, given to each shard, and the shard count. */
export interface ShardedIndexOptions extends HnswIndexOptions {
  /**
   * Number of shards, 1 to 1024; fixed for the index's life (the routing of
   * labels depends on it). Each shard holds at most `maxShardSize` points
   * (about 6M at dim 128 and M 16: wasm32's 4 GiB of f32 rows and graph); `ShardedIndex.minShards`
   * gives the fewest for a point count. More shards cost QPS (every query
   * searches every shard: docs/scale-out.md); use the fewest that fit.
   */
  shards: number;
  /**
   * Points to make room for up front, over all shards (each shard reserves
   * its share and a little more, as labels do not split exactly evenly).
   * Default 1024 per shard.
   */
  capacity?: number;
}

/** One shard's entry in the manifest. */
interface ManifestShard {
  /** The shard's file in the folder (its generation name). */
  file: string;
  /** The file's length. */
  bytes: number;
  /** CRC-32 of the file's header up to its own CRC field (the header's CRC, which covers every section's CRC). */
  headerCrc: number;
  /** Live points. */
  size: number;
  /** Points marked deleted. */
  deleted: number;
}

/** The folder's manifest.json: which files make up the index, with what parameters. */
interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  generation: number;
  routing: typeof ROUTING;
  space: Space;
  dim: number;
  m: number;
  efConstruction: number;
  seed: number;
  neighborSelection: 'heuristic' | 'simple';
  allowReplaceDeleted: boolean;
  size: number;
  shards: ManifestShard[];
}

/** The murmur3 finaliser: every input bit moves every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The shard of `label` in an index of `shards` shards: the routing rule,
 * `fmix32(lo ^ fmix32(hi ^ 0x9e3779b9)) mod shards` over the label's low and
 * high 32-bit words (fmix32: murmur3's finaliser). Consecutive labels, or
 * labels all even, spread evenly; the same label always goes to the same
 * shard, so an update or a delete finds its point, and a saved index routes
 * as it did.
 */
export function shardOfLabel(label: number, shards: number): number {
  const lo = label >>> 0;
  const hi = Math.floor(label / 4294967296) >>> 0;
  return fmix32(lo ^ fmix32(hi ^ 0x9e3779b9)) % shards;
}

/** The base name of shard `i`'s file (written under generation names: `shard-0001.g000003.swi`). */
function shardFileName(i: number): string {
  return `shard-${String(i).padStart(4, '0')}.swi`;
}

/**
 * Several `HnswIndex` shards behind one index's interface, for indexes past
 * what one WebAssembly memory holds (wasm32: 4 GiB of vectors and graph, about
 * 6M points at dim 128): each shard has its own memory and stays on the SIMD
 * kernels, where one index that large would fall back to the TypeScript
 * kernels (several times slower).
 *
 * A point goes to the shard `shardOfLabel(label, shards)` says. A search
 * searches every shard for k and merges: nearest first, equal distances by
 * label, smaller first (among the shards' answers: a shard holding more
 * points tied at its k-th distance than fit keeps the ones its search met
 * first, as one index does). Recall is about one index's at the same efSearch
 * (each shard is a smaller graph); the cost is a search per shard.
 * `addBatchParallel` and `searchBatchParallel` run the shards on the one
 * shared worker pool. Saved as a folder (`save`/`ShardedIndex.load`).
 *
 * @example
 * const index = new ShardedIndex({ shards: 2, space: 'l2', dim: 128, m: 8, capacity: 10_000_000 });
 * await index.addBatchParallel(chunk, { labels });
 * const { labels, distances } = index.search(query, 10);
 * await index.save('faces.index');
 * const again = await ShardedIndex.load('faces.index');
 */
export class ShardedIndex {
  /** The shards, in routing order (read-only: add and delete through this index, which keeps the routing). */
  readonly shards: readonly HnswIndex[];
  /** Most points one shard holds in its WebAssembly memory (`maxNodesPerWasmMemory` of the layout). */
  readonly maxShardSize: number;
  /** @internal Parallel builds running: adds on this thread wait for none, they throw. */
  private builds = 0;
  /** @internal Resolves when the parallel builds started so far have ended. */
  private lastBuild: Promise<void> = Promise.resolve();
  /** @internal Resolves when the save running now (if any) has ended; null when none runs. */
  private saving: Promise<void> | null = null;

  constructor(options: ShardedIndexOptions);
  /** @internal Wraps loaded shards. */
  constructor(options: ShardedIndexOptions, loaded: HnswIndex[]);
  constructor(options: ShardedIndexOptions, loaded?: HnswIndex[]) {
    if (typeof options !== 'object' || options === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `ShardedIndex options must be an object (got ${describeValue(options)})`);
    }
    const { shards, capacity, ...shardOptions } = options;
    const count = checkInteger('shards', shards, 1, MAX_SHARDS);
    if (capacity !== undefined) checkInteger('capacity', capacity, 1);
    if (loaded !== undefined) {
      this.shards = loaded;
      this.maxShardSize = shardLimit(loaded[0].dim, loaded[0].m);
      return;
    }
    const first = new HnswIndex({ ...shardOptions, capacity: 1 });
    this.maxShardSize = shardLimit(first.dim, first.m);
    let perShard: number | undefined;
    if (capacity !== undefined) {
      const even = Math.ceil(capacity / count);
      if (even > this.maxShardSize) throw this.tooFew(capacity, count, first.dim, first.m);
      // Hashed labels split binomially: 4 standard deviations more covers every shard but about 1 in 30,000.
      perShard = Math.min(this.maxShardSize, even + Math.ceil(4 * Math.sqrt(even)) + 16);
    }
    const made: HnswIndex[] = [first];
    for (let i = 1; i < count; i++) made.push(new HnswIndex({ ...shardOptions, capacity: 1 }));
    for (const shard of made) shard.reserve(perShard ?? 1024);
    this.shards = made;
  }

  /**
   * The fewest shards for `count` points of dimension `dim` at `m` links
   * (default 16): each shard's vectors must fit in one WebAssembly memory.
   * Derived from the layout's byte counts (`maxNodesPerWasmMemory`), with 3%
   * kept free for the uneven split of labels.
   */
  static minShards(count: number, dim: number, m = 16): number {
    checkInteger('count', count, 0);
    return Math.max(1, Math.ceil(count / Math.floor(shardLimit(dim, m) * 0.97)));
  }

  private tooFew(capacity: number, shards: number, dim: number, m: number): SmallworldRangeError {
    return new SmallworldRangeError('INVALID_OPTION',
      `\`shards\` ${shards} is too few for capacity ${capacity}: a shard holds at most ${this.maxShardSize} points of dim ${dim} `
      + `in its WebAssembly memory (4 GiB); use at least ${ShardedIndex.minShards(capacity, dim, m)} shards`);
  }

  private first(): HnswIndex {
    return this.shards[0];
  }

  /** The distance space. */
  get space(): Space {
    return this.first().space;
  }

  /** Vector dimension. */
  get dim(): number {
    return this.first().dim;
  }

  /** `M` of every shard. */
  get m(): number {
    return this.first().m;
  }

  /** `efConstruction` of every shard. */
  get efConstruction(): number {
    return this.first().efConstruction;
  }

  /** Number of shards. */
  get shardCount(): number {
    return this.shards.length;
  }

  /** 'simd' when every shard runs the SIMD kernels, else 'js' (a shard past its WebAssembly memory, or `kernel: 'js'`). */
  get kernel(): 'simd' | 'js' {
    return this.shards.every((shard) => shard.kernel === 'simd') ? 'simd' : 'js';
  }

  /** Live points, over all shards. */
  get size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.size;
    return n;
  }

  /** Points marked deleted, over all shards. */
  get deletedCount(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.deletedCount;
    return n;
  }

  /** Points the shards hold before they next grow, summed. */
  get capacity(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.capacity;
    return n;
  }

  /** Default `efSearch` of every shard (see `HnswIndex.efSearch`). */
  get efSearch(): number {
    return this.first().efSearch;
  }

  /** Sets every shard's default `efSearch`: an integer >= 1 (checked by the first shard before any changes). */
  set efSearch(value: number) {
    for (const shard of this.shards) shard.efSearch = value;
  }

  /** The label `add` gives when none is passed: one past the largest label added so far. */
  get nextDefaultLabel(): number {
    let next = 0;
    for (const shard of this.shards) next = Math.max(next, shard.nextDefaultLabel);
    return next;
  }

  /** The shard `label` belongs to (`shardOfLabel`). */
  shardOf(label: number): number {
    return shardOfLabel(checkLabel('label', label), this.shards.length);
  }

  /** Grows every shard to hold its share of `capacity` points now (see `ShardedIndexOptions.capacity`). */
  reserve(capacity: number): void {
    checkInteger('capacity', capacity, 1);
    const even = Math.ceil(capacity / this.shards.length);
    if (even > this.maxShardSize) throw this.tooFew(capacity, this.shards.length, this.dim, this.m);
    const perShard = Math.min(this.maxShardSize, even + Math.ceil(4 * Math.sqrt(even)) + 16);
    for (const shard of this.shards) shard.reserve(perShard);
  }

  /** Adds one vector under `label` (default `nextDefaultLabel`) to its shard; a label present updates its point. Returns the label. */
  add(vector: VectorLike, label?: number): number {
    const row = toVector('vector', vector, this.dim);
    const to = label === undefined ? this.defaultLabels(1)[0] : checkLabel('label', label);
    this.addBatch(row, { labels: [to] });
    return to;
  }

  /**
   * Adds n vectors, each to the shard of its label (default: consecutive
   * labels from `nextDefaultLabel`); labels present update their points.
   * Everything is checked before any shard changes: on error (a bad row or
   * label, a shard that would pass `maxShardSize`) the index is unchanged.
   */
  addBatch(vectors: MatrixLike, options: AddBatchOptions = {}): void {
    checkKnownKeys('addBatch', options, ['labels']);
    this.assertWritable('add points', true);
    const parts = this.partition(vectors, options.labels);
    for (let s = 0; s < parts.length; s++) {
      const part = parts[s];
      if (part !== null) this.shards[s].addBatch(part.data, { labels: part.labels });
    }
  }

  /**
   * `addBatch` with the shards built on worker threads of the one shared
   * pool: `threads` workers in all (default: the cores), shards built
   * concurrently `floor(threads / 2)` at a time, each on its share of the
   * threads (so no shard runs on the calling thread). As
   * `HnswIndex.addBatchParallel`, a parallel build is not reproducible;
   * `threads: 1` adds on this thread, shard after shard. While it runs,
   * searches are safe and `add`/`addBatch` throw 'INDEX_BUSY'; `save` waits.
   */
  async addBatchParallel(vectors: MatrixLike, options: AddBatchParallelOptions = {}): Promise<void> {
    checkKnownKeys('addBatchParallel', options, ['labels', 'threads']);
    const threads = checkThreads(options.threads);
    const parts = this.partition(vectors, options.labels);
    this.builds++;
    const previous = this.lastBuild;
    let finish!: () => void;
    this.lastBuild = new Promise<void>((resolve) => (finish = resolve));
    try {
      await previous;
      // A save writes shard after shard: the batch waits, so no file holds half of it.
      while (this.saving !== null) await this.saving;
      await this.eachShard(parts, threads, (s, part, per) =>
        this.shards[s].addBatchParallel(part.data, { labels: part.labels, threads: per }));
    } finally {
      this.builds--;
      finish();
    }
  }

  /**
   * Throws 'INDEX_BUSY' while a save runs (it writes shard after shard: a
   * change now would reach some files and not others) and, for adds, while
   * a parallel build runs (an add now would race it shard by shard).
   */
  private assertWritable(what: string, isAdd: boolean): void {
    if (this.saving !== null) throw new SmallworldError('INDEX_BUSY', `cannot ${what} while save runs on this sharded index: await it first`);
    if (isAdd && this.builds > 0) {
      throw new SmallworldError('INDEX_BUSY', `cannot ${what} while addBatchParallel runs on this sharded index: await it first`);
    }
  }

  /** `count` default labels from `nextDefaultLabel`, checked against Number.MAX_SAFE_INTEGER. */
  private defaultLabels(count: number): Float64Array {
    const next = this.nextDefaultLabel;
    if (next > Number.MAX_SAFE_INTEGER - (count - 1)) {
      throw new SmallworldRangeError('INVALID_LABEL',
        `no default labels left: ${count} labels from ${next} would pass Number.MAX_SAFE_INTEGER; pass \`labels\``);
    }
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = next + i;
    return out;
  }

  /**
   * Checks a batch and splits it by shard (null for a shard with no row);
   * throws before anything changes if a shard would pass `maxShardSize`.
   */
  private partition(vectors: MatrixLike, given: ArrayLike<number> | undefined): ({ data: Float32Array; labels: Float64Array } | null)[] {
    const { data, rows } = toMatrix('vectors', vectors, this.dim);
    const labels = given === undefined ? this.defaultLabels(rows) : this.first().checkBatchLabels(given, rows)!;
    const dim = this.dim;
    const count = this.shards.length;
    const route = new Int32Array(rows);
    const perShard = new Int32Array(count);
    const added = new Int32Array(count);
    for (let i = 0; i < rows; i++) {
      const s = shardOfLabel(labels[i], count);
      route[i] = s;
      perShard[s]++;
      if (!this.shards[s].has(labels[i]) && !this.shards[s].isDeleted(labels[i])) added[s]++;
    }
    for (let s = 0; s < count; s++) {
      const shard = this.shards[s];
      const after = shard.size + shard.deletedCount + added[s];
      if (added[s] > 0 && after > this.maxShardSize) {
        throw new SmallworldRangeError('INVALID_ARGUMENT',
          `shard ${s} would hold ${after} points, past the ${this.maxShardSize} a shard holds in its WebAssembly memory at dim ${dim}: `
          + `this index needs more \`shards\` (at least ${ShardedIndex.minShards(this.size + this.deletedCount + rows, dim, this.m)})`);
      }
    }
    const parts = Array.from(perShard, (n) => n === 0 ? null : { data: new Float32Array(n * dim), labels: new Float64Array(n) });
    const filled = new Int32Array(count);
    for (let i = 0; i < rows; i++) {
      const part = parts[route[i]]!;
      const at = filled[route[i]]++;
      part.data.set(data.subarray(i * dim, (i + 1) * dim), at * dim);
      part.labels[at] = labels[i];
    }
    return parts;
  }

  /**
   * Runs `run` for each shard with work on the shared pool: shards
   * `floor(threads / 2)` at a time (at least one), each given
   * `floor(threads / concurrent)` threads. Waits for every shard, then
   * throws the first failure (each shard repairs itself, see `HnswIndex`).
   */
  private async eachShard<T>(
    parts: readonly (T | null)[], threads: number, run: (shard: number, part: T, threads: number) => Promise<void>,
  ): Promise<void> {
    const work: number[] = [];
    for (let s = 0; s < parts.length; s++) if (parts[s] !== null) work.push(s);
    const concurrent = threads === 1 ? 1 : Math.max(1, Math.min(work.length, Math.floor(threads / 2)));
    const per = Math.max(1, Math.floor(threads / concurrent));
    let next = 0;
    const failures: unknown[] = [];
    const runner = async (): Promise<void> => {
      while (next < work.length) {
        const s = work[next++];
        try {
          await run(s, parts[s]!, per);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrent }, runner));
    if (failures.length > 0) throw failures[0];
  }

  /** True when `label` is in the index and not deleted. */
  has(label: number): boolean {
    return this.shards[this.shardOf(label)].has(label);
  }

  /** Marks `label` deleted in its shard (see `HnswIndex.markDeleted`). Throws 'UNKNOWN_LABEL' for an unknown label. */
  markDeleted(label: number): void {
    this.assertWritable('mark a point deleted', false);
    this.shards[this.shardOf(label)].markDeleted(label);
  }

  /** Undoes `markDeleted`. Throws 'UNKNOWN_LABEL' for an unknown label. */
  unmarkDeleted(label: number): void {
    this.assertWritable('unmark a deleted point', false);
    this.shards[this.shardOf(label)].unmarkDeleted(label);
  }

  /**
   * Removes `label` for good from its shard (a hard delete, see
   * `HnswIndex.remove`). Throws 'UNKNOWN_LABEL' for a label not in the index.
   */
  remove(label: number): void {
    this.removeBatch([label]);
  }

  /**
   * Removes `labels` for good, live or soft-deleted (see
   * `HnswIndex.removeBatch`): grouped by shard, one `removeBatch` per shard
   * that holds any. Every label is checked first, so on error nothing
   * changes. Throws 'UNKNOWN_LABEL' for a label not in the index,
   * 'DUPLICATE_LABEL' for one given twice, 'INDEX_BUSY' during a save or
   * `addBatchParallel`.
   */
  removeBatch(labels: ArrayLike<number>): void {
    this.assertWritable('remove points', true);
    if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number') {
      throw new SmallworldTypeError('INVALID_LABEL', `\`labels\` must be an array of labels (got ${describeValue(labels)})`);
    }
    const groups: number[][] = this.shards.map(() => []);
    const seen = new Set<number>();
    for (let i = 0; i < labels.length; i++) {
      const label = checkLabel(`labels[${i}]`, labels[i]);
      const s = shardOfLabel(label, this.shards.length);
      const shard = this.shards[s];
      if (!shard.has(label) && !shard.isDeleted(label)) {
        throw new SmallworldRangeError('UNKNOWN_LABEL', `\`labels[${i}]\` ${label} is not in the index`);
      }
      if (seen.has(label)) throw new SmallworldRangeError('DUPLICATE_LABEL', `\`labels\` has label ${label} twice (at index ${i})`);
      seen.add(label);
      groups[s].push(label);
    }
    for (let s = 0; s < groups.length; s++) if (groups[s].length > 0) this.shards[s].removeBatch(groups[s]);
  }

  /**
   * Compacts every shard (see `HnswIndex.compact`): each hard-deletes its
   * soft-deleted points and moves into buffers and a WebAssembly memory sized
   * to the points left; `options` as there, `rebuildAbove` judged per shard.
   * 'INDEX_BUSY' during a save or `addBatchParallel`.
   */
  compact(options?: CompactOptions): void {
    this.assertWritable('compact', true);
    for (const shard of this.shards) shard.compact(options);
  }

  /** True when `label` is in the index and marked deleted. */
  isDeleted(label: number): boolean {
    return this.shards[this.shardOf(label)].isDeleted(label);
  }

  /** A copy of the stored vector of `label` (see `HnswIndex.getVector`). */
  getVector(label: number): Float32Array {
    return this.shards[this.shardOf(label)].getVector(label);
  }

  /** The labels of the live points: shard 0's in slot order, then shard 1's, and so on. */
  labels(): Float64Array {
    const out = new Float64Array(this.size);
    let at = 0;
    for (const shard of this.shards) {
      const part = shard.labels();
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /**
   * The k nearest live points to `query` over all shards, nearest first;
   * equal distances by label, smaller first. `filter` (a predicate or an
   * allow-list of labels) applies in every shard.
   */
  search(query: VectorLike, k: number, options: SearchOptions = {}): SearchResult {
    const row = toVector('query', query, this.dim);
    const merged = this.searchBatch(row, k, options);
    const { labels, distances } = merged.get(0);
    return { labels: labels.slice(), distances: distances.slice() };
  }

  /** `search` for each row of `queries`, in one flat result (see `BatchSearchResult`). */
  searchBatch(queries: MatrixLike, k: number, options: SearchOptions = {}): BatchSearchResult {
    const { data, rows } = toMatrix('queries', queries, this.dim);
    return mergeResults(this.shards.map((shard) => shard.searchBatch(data, k, options)), rows, k);
  }

  /**
   * `searchBatch` on worker threads: every shard searches all the queries
   * on the shared pool (shards scheduled as in `addBatchParallel`), then
   * the results are merged as `searchBatch` merges them (the same labels).
   * `filter` must be an allow-list of labels.
   */
  async searchBatchParallel(queries: MatrixLike, k: number, options: SearchBatchParallelOptions = {}): Promise<BatchSearchResult> {
    if (typeof options !== 'object' || options === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `searchBatchParallel options must be an object (got ${describeValue(options)})`);
    }
    checkKnownKeys('searchBatchParallel', options, ['efSearch', 'filter', 'threads']);
    const threads = checkThreads(options.threads);
    const { data, rows } = toMatrix('queries', queries, this.dim);
    const parts: (BatchSearchResult | null)[] = this.shards.map(() => null);
    await this.eachShard(this.shards.map(() => true), threads, async (s, _, per) => {
      parts[s] = await this.shards[s].searchBatchParallel(data, k, { ...options, threads: per });
    });
    return mergeResults(parts as BatchSearchResult[], rows, k);
  }

  /**
   * Saves the index as a folder (created if needed): each shard's native
   * file under a new generation's name (`shard-0000.g000002.swi`), then
   * `manifest.json` (generation, files, their lengths and header CRCs,
   * counts, parameters) written aside and renamed over the old one last,
   * then the previous generation's files removed. A crash at any point
   * leaves the previous complete version loadable. A lock file keeps a
   * second writer out ('INDEX_BUSY'); parallel builds started before are
   * waited for, and later ones wait for the save; `add`, `addBatch`,
   * `markDeleted` and `unmarkDeleted` throw 'INDEX_BUSY' while it runs.
   */
  async save(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true });
    const lock = await acquireFolderLock(folder);
    let done!: () => void;
    try {
      await this.lastBuild;
      while (this.saving !== null) await this.saving;
      this.saving = new Promise<void>((resolve) => (done = resolve));
      const generation = (await lastGeneration(folder)) + 1;
      const files = this.shards.map((shard, i) => ({ name: shardFileName(i), save: (path: string) => shard.save(path) }));
      await commitGeneration(folder, generation, files, SHARDED_MANIFEST_NAME, async (sink) => {
        const shards: ManifestShard[] = [];
        for (const [i, shard] of this.shards.entries()) {
          const file = generationFileName(shardFileName(i), generation);
          const { bytes, headerCrc } = await fingerprint(join(folder, file));
          shards.push({ file, bytes, headerCrc, size: shard.size, deleted: shard.deletedCount });
        }
        const first = this.first();
        const manifest: Manifest = {
          format: MANIFEST_FORMAT, version: MANIFEST_VERSION, generation, routing: ROUTING,
          space: first.space, dim: first.dim, m: first.m, efConstruction: first.efConstruction, seed: first.seed,
          neighborSelection: first.neighborSelection, allowReplaceDeleted: first.allowReplaceDeleted,
          size: this.size, shards,
        };
        await sink.write(new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n'));
      });
    } finally {
      if (done !== undefined) {
        this.saving = null;
        done();
      }
      await lock.release();
    }
  }

  /**
   * Loads a folder written by `save`. Checks that the manifest and the
   * shard files belong together (each file's length and header CRC as the
   * manifest records them, then every section's CRC, parameters, counts and
   * the routing of every label) and throws `CorruptFileError` naming the
   * file otherwise: a missing, damaged or foreign shard file, a manifest of
   * another generation. A save committing meanwhile is retried once.
   */
  static async load(folder: string): Promise<ShardedIndex> {
    for (let attempt = 0; ; attempt++) {
      const manifestPath = join(folder, SHARDED_MANIFEST_NAME);
      const manifest = await readManifest(manifestPath);
      try {
        return await loadShards(folder, manifest);
      } catch (error) {
        // A shard file gone because a save committed a new generation meanwhile: read the new manifest.
        if (attempt === 0 && error instanceof CorruptFileError && (error.cause as { code?: string } | undefined)?.code === 'ENOENT') {
          const now = await readManifest(manifestPath).catch(() => manifest);
          if (now.generation !== manifest.generation) continue;
        }
        throw error;
      }
    }
  }

  /** Waits for this index's parallel builds, then stops the shared worker pool (see `HnswIndex.close`). */
  async close(): Promise<void> {
    await this.lastBuild;
    await Promise.all(this.shards.map((shard) => shard.close()));
    await closePool();
  }
}

/**
 * Merges each shard's k nearest into the k nearest overall: per query, the
 * shards' rows (ties put in label order first) merged by (distance, label).
 */
function mergeResults(parts: readonly BatchSearchResult[], rows: number, k: number): BatchSearchResult {
  const out = new BatchSearchResult(rows, k);
  const count = parts.length;
  const at = new Int32Array(count);
  for (const part of parts) for (let i = 0; i < rows; i++) orderTies(part, i * k, part.counts[i]);
  for (let i = 0; i < rows; i++) {
    const base = i * k;
    at.fill(0);
    let n = 0;
    for (; n < k; n++) {
      let best = -1;
      let bestD = Infinity;
      let bestL = Infinity;
      for (let s = 0; s < count; s++) {
        const part = parts[s];
        if (at[s] >= part.counts[i]) continue;
        const d = part.distances[base + at[s]];
        const l = part.labels[base + at[s]];
        if (best < 0 || d < bestD || (d === bestD && l < bestL)) {
          best = s;
          bestD = d;
          bestL = l;
        }
      }
      if (best < 0) break;
      out.distances[base + n] = bestD;
      out.labels[base + n] = bestL;
      at[best]++;
    }
    out.counts[i] = n;
  }
  return out;
}

/** Sorts runs of equal distances in one result row by label (an insertion sort: the row is sorted by distance already). */
function orderTies(part: BatchSearchResult, start: number, count: number): void {
  const { labels, distances } = part;
  for (let j = start + 1; j < start + count; j++) {
    const d = distances[j];
    const l = labels[j];
    let i = j - 1;
    while (i >= start && distances[i] === d && labels[i] > l) {
      labels[i + 1] = labels[i];
      i--;
    }
    labels[i + 1] = l;
  }
}

/** Bytes of a native header before its own CRC field: their CRC-32 is the header's, which covers every section's CRC. */
const FINGERPRINT_BYTES = NATIVE_HEADER_BYTES - 8;

/**
 * Length and header CRC of a shard file (read without reading the rest).
 * The CRC stops before the header's own CRC field: a CRC over a message
 * followed by its CRC is the same constant for every message.
 */
async function fingerprint(path: string): Promise<{ bytes: number; headerCrc: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, FINGERPRINT_BYTES));
    await handle.read(head, 0, head.length, 0);
    return { bytes: size, headerCrc: crc32(head) };
  } finally {
    await handle.close();
  }
}

/** The generation of the folder's manifest, or of its newest shard file when the manifest is unreadable; 0 for none. */
async function lastGeneration(folder: string): Promise<number> {
  let generation = 0;
  try {
    generation = (await readManifest(join(folder, SHARDED_MANIFEST_NAME))).generation;
  } catch {
    // No manifest (a new folder) or a damaged one: the file names still say which generations exist.
  }
  for (const entry of await readdir(folder)) {
    const match = /^shard-\d{4,}\.g(\d{6,})\.swi$/.exec(entry);
    if (match !== null) generation = Math.max(generation, Number(match[1]));
  }
  return generation;
}

function corrupt(path: string, problem: string, cause?: unknown): CorruptFileError {
  return new CorruptFileError(`${path}: ${problem}`, cause === undefined ? undefined : { cause });
}

/** Reads and checks a manifest's fields (not yet the files it names). */
async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw corrupt(path, 'no manifest: not a sharded index folder (or one never saved completely)', error);
    }
    throw error;
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (error) {
    throw corrupt(path, 'the manifest is not valid JSON (damaged file)', error);
  }
  const bad = (what: string): never => {
    throw corrupt(path, `the manifest's ${what}`);
  };
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) bad(`format is not '${MANIFEST_FORMAT}' (not a sharded index manifest)`);
  if (m.version !== MANIFEST_VERSION) bad(`version ${describeValue(m.version)} is not supported (this code reads version ${MANIFEST_VERSION})`);
  if (m.routing !== ROUTING) bad(`routing ${describeValue(m.routing)} is not '${ROUTING}'`);
  if (!Number.isSafeInteger(m.generation) || m.generation < 1) bad(`generation ${describeValue(m.generation)} is not an integer >= 1`);
  if (!Array.isArray(m.shards) || m.shards.length < 1 || m.shards.length > MAX_SHARDS) bad(`shard list is not 1 to ${MAX_SHARDS} entries`);
  m.shards.forEach((s, i) => {
    const expected = generationFileName(shardFileName(i), m.generation);
    if (typeof s !== 'object' || s === null || s.file !== expected) bad(`shard ${i} file is ${describeValue(s?.file)}, expected '${expected}'`);
    for (const key of ['bytes', 'headerCrc', 'size', 'deleted'] as const) {
      if (!Number.isSafeInteger(s[key]) || s[key] < 0) bad(`shard ${i} ${key} ${describeValue(s[key])} is not a non-negative integer`);
    }
  });
  return m;
}

/** Loads and checks every shard a manifest names. */
async function loadShards(folder: string, manifest: Manifest): Promise<ShardedIndex> {
  const shards: HnswIndex[] = [];
  const count = manifest.shards.length;
  for (const [i, entry] of manifest.shards.entries()) {
    const path = join(folder, entry.file);
    let found: { bytes: number; headerCrc: number };
    try {
      found = await fingerprint(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(path, `shard ${i} of ${count} is missing`, error);
      throw error;
    }
    if (found.bytes !== entry.bytes || found.headerCrc !== entry.headerCrc) {
      throw corrupt(path, `shard ${i} does not match the manifest (${found.bytes} bytes, header CRC ${found.headerCrc}; `
        + `the manifest says ${entry.bytes} bytes, CRC ${entry.headerCrc}): the file is damaged or from another save`);
    }
    const shard = await HnswIndex.load(path);
    const params = {
      space: shard.space, dim: shard.dim, m: shard.m, efConstruction: shard.efConstruction, seed: shard.seed,
      neighborSelection: shard.neighborSelection, allowReplaceDeleted: shard.allowReplaceDeleted,
      size: shard.size, deleted: shard.deletedCount,
    };
    const expected = { ...manifest, size: entry.size, deleted: entry.deleted } as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(params)) {
      if (expected[key] !== value) {
        throw corrupt(path, `shard ${i} has ${key} ${describeValue(value)}, the manifest says ${describeValue(expected[key])}`);
      }
    }
    const labels = shard.labels();
    for (let j = 0; j < labels.length; j++) {
      if (shardOfLabel(labels[j], count) !== i) throw corrupt(path, `label ${labels[j]} is in shard ${i} but routes to shard ${shardOfLabel(labels[j], count)}`);
    }
    shards.push(shard);
  }
  return new ShardedIndex({ shards: count, space: manifest.space, dim: manifest.dim }, shards);
}
