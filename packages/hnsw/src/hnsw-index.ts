// HnswIndex: the public HNSW index (Malkov & Yashunin, 2018) over typed-array
// buffers. Construction options are checked once here.

import { activeLoop, insertNode, nearestNodes, updateNode } from './algorithms/dispatch.js';
import { depthFirstOrder } from './algorithms/reorder.js';
import { repairRemoved } from './algorithms/remove.js';
import { BASE_OPTION_KEYS, BaseIndex, checkBaseOptions, type BaseIndexOptions } from './base-index.js';
import { SmallworldTypeError, checkInteger, describeValue } from './errors.js';
import {
  decodeNative, encodeNative, type HnswParams, type LoadOptions, type NativeHeader, type RestoreOptions, type SaveOptions,
} from './format/native.js';
import { createLoop } from './kernels/select.js';
import { MAX_LEVEL } from './layout.js';
import { MAX_EF, MAX_SEED, M_MAX, M_MIN } from './limits.js';
import { Random, drawLevel } from './random.js';
import { permuteNodes } from './renumber.js';

/** Default `m` (`M` in the paper), as hnswlib: 16. */
export const DEFAULT_M = 16;
/** Default `efConstruction`, as hnswlib: 200. */
export const DEFAULT_EF_CONSTRUCTION = 200;
/** Default `efSearch` of an index: 64 (hnswlib's is 10, which gives low recall at k = 10). */
export const DEFAULT_EF_SEARCH = 64;
/** Default `seed` of the level draw, as hnswlib: 100. */
export const DEFAULT_SEED = 100;

/** Options of `new HnswIndex(...)`. */
export interface HnswIndexOptions extends BaseIndexOptions {
  /**
   * Links per node on the upper layers (`M` in the paper); layer 0 keeps up
   * to 2M (`Mmax0`). More links: higher recall at a given efSearch and on
   * harder data, but more memory (4 x (2M + 1) bytes per point at layer 0)
   * and slower builds and queries. Range 2-2048, usually 8-64. Default 16.
   */
  m?: number;
  /**
   * Candidates kept while linking a new point (`efConstruction` in the
   * paper); raised to M when below. Higher: a better graph (recall) for a
   * slower build. Default 200 (100 is often enough).
   */
  efConstruction?: number;
  /** Default efSearch of `search` (see `SearchOptions.efSearch`). Default 64. */
  efSearch?: number;
  /**
   * Seed of the level draw: with one thread, the same seed and the same adds
   * give bit-identical graphs and results. Default 100.
   */
  seed?: number;
  /**
   * Neighbour selection: 'heuristic' (Algorithm 4, spreads links across
   * directions; much better on clustered data) or 'simple' (Algorithm 3,
   * the M nearest). Default 'heuristic'.
   */
  neighborSelection?: 'heuristic' | 'simple';
  /**
   * A new label may take the slot of a deleted point (hnswlib's
   * replace_deleted), so memory stops growing under delete/add churn. Default false.
   */
  allowReplaceDeleted?: boolean;
}

const OPTION_KEYS = [
  ...BASE_OPTION_KEYS, 'm', 'efConstruction', 'efSearch', 'seed', 'neighborSelection', 'allowReplaceDeleted',
] as const;

/**
 * An HNSW approximate nearest-neighbour index.
 *
 * @example
 * const index = new HnswIndex({ space: 'l2', dim: 128 });
 * index.addBatch(vectors);                 // Float32Array of n x 128
 * const { labels, distances } = index.search(query, 10);
 */
export class HnswIndex extends BaseIndex {
  /** `M`: links per node on the upper layers (2M at layer 0). */
  readonly m: number;
  /** `efConstruction`: candidates kept while linking a new point. */
  readonly efConstruction: number;
  /** Seed of the level draw. */
  readonly seed: number;
  /** Neighbour selection algorithm. */
  readonly neighborSelection: 'heuristic' | 'simple';
  /** Whether new labels reuse deleted slots. */
  readonly allowReplaceDeleted: boolean;
  /** @internal The level draw's generator. */
  readonly random: Random;
  /** `mL` of the paper: 1 / ln(M). */
  private readonly levelMultiplier: number;
  private efSearchValue: number;

  constructor(options: HnswIndexOptions) {
    checkBaseOptions(options, OPTION_KEYS, 'HnswIndex');
    const m = options.m === undefined ? DEFAULT_M : checkInteger('m', options.m, M_MIN, M_MAX);
    super(options, m);
    this.m = m;
    const ef = options.efConstruction === undefined
      ? DEFAULT_EF_CONSTRUCTION : checkInteger('efConstruction', options.efConstruction, 1, MAX_EF);
    this.efConstruction = Math.max(ef, m);
    this.efSearchValue = options.efSearch === undefined
      ? DEFAULT_EF_SEARCH : checkInteger('efSearch', options.efSearch, 1, MAX_EF);
    this.seed = options.seed === undefined ? DEFAULT_SEED : checkInteger('seed', options.seed, 0, MAX_SEED);
    const selection = options.neighborSelection ?? 'heuristic';
    if (selection !== 'heuristic' && selection !== 'simple') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`neighborSelection\` must be 'heuristic' or 'simple' (got ${describeValue(selection)})`);
    }
    this.neighborSelection = selection;
    this.ctx.heuristic = selection === 'heuristic';
    if (options.allowReplaceDeleted !== undefined && typeof options.allowReplaceDeleted !== 'boolean') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`allowReplaceDeleted\` must be a boolean (got ${describeValue(options.allowReplaceDeleted)})`);
    }
    this.allowReplaceDeleted = options.allowReplaceDeleted ?? false;
    this.random = new Random(this.seed);
    this.levelMultiplier = 1 / Math.log(m);
    this.ctx.loop = createLoop(this.store, this.space, this.ctx.kernel, 0);
  }

  /**
   * @internal Which loop runs inserts and searches on this thread: 'wasm'
   * (assembly/search.ts; the default wherever the graph is in the wasm
   * memory) or 'ts' (src/algorithms/, the reference). Tests compare them.
   */
  setSearchLoop(loop: 'wasm' | 'ts'): void {
    this.ctx.loop = loop === 'ts' ? null : createLoop(this.store, this.space, this.ctx.kernel, 0);
  }

  /** @internal Whether inserts and searches run the WebAssembly loop (workers follow the main thread). */
  get usesWasmLoop(): boolean {
    return activeLoop(this.ctx) !== null;
  }

  /** Default `efSearch` of `search` (`ef` in the paper), >= 1. Default 64. */
  get efSearch(): number {
    return this.efSearchValue;
  }

  /** Sets the default `efSearch`: an integer >= 1, else a `SmallworldRangeError`/`SmallworldTypeError`. */
  set efSearch(value: number) {
    this.efSearchValue = checkInteger('efSearch', value, 1, MAX_EF);
  }

  protected override defaultEfSearch(): number {
    return this.efSearchValue;
  }

  /**
   * Renumbers the points so that neighbours sit near each other in memory:
   * depth-first over the bottom layer of the graph, from the entry point,
   * nearest neighbours first (`algorithms/reorder.ts`). Searches then fetch
   * fewer cache lines, and answer faster with exactly the same results: the
   * graph, labels, vectors and deleted marks are unchanged, only where each
   * point is stored moves. Measured on 100k x 128 data, the same index
   * before and after, one process: clustered (points in random order)
   * 1.15-1.29x the queries per second at efSearch 20-160; the seed
   * article's i.i.d. Gaussian rows, with no neighbourhoods to gather,
   * 0.99-1.07x. Call it once after a bulk build (or after many adds);
   * points added later are appended in insertion order, as before. Takes a
   * pass over the vectors and the links (0.2-0.3 s for 100k x 128, under 2%
   * of that build's time), in place: a row of scratch and about 18 bytes per
   * point. Saved files keep the new order. Under Node.js, throws
   * 'INDEX_BUSY' while a parallel call of the index runs or is queued, and
   * while `save` runs.
   */
  reorder(): void {
    this.assertNotSaving('reorder the index');
    if (this.store.count < 2) return;
    permuteNodes(this.store, depthFirstOrder(this.store));
    this.labelTable.restore(this.labelTable.nextDefault);
    this.store.eraseScratch();
  }

  /**
   * The index in smallworld's native format (docs/format.md): parameters,
   * graph, labels, deleted marks, the level generator's state (a loaded
   * index keeps growing exactly as this one would), and the vectors unless
   * `{ vectors: false }`. A copy: the index may change once this returns.
   * One buffer holds at most `MAX_BUFFER_BYTES` (4 GiB - 1): past it this
   * throws `SmallworldRangeError` 'TOO_LARGE'; `save` (Node.js) writes a
   * file of any size in chunks.
   */
  toBytes(options: SaveOptions = {}): Uint8Array {
    return encodeNative(this, this.nativeParams(), options);
  }

  /** @internal The parameters the native file keeps (`toBytes`, `save`). */
  protected nativeParams(): HnswParams {
    return {
      m: this.m,
      efConstruction: this.efConstruction,
      efSearch: this.efSearchValue,
      seed: this.seed,
      prngState: this.random.getState(),
      neighborSelection: this.neighborSelection,
      allowReplaceDeleted: this.allowReplaceDeleted,
    };
  }

  /**
   * An index from `toBytes`/`save` output (any Uint8Array or Buffer view).
   * Every byte is checked first: a corrupt, truncated or hostile buffer
   * throws `CorruptFileError` saying what is wrong. Called on a subclass, it
   * returns that subclass. Holds the bytes and the index at once: past a few
   * hundred MB, `load` (Node.js) reads a file in chunks instead.
   */
  static fromBytes<T extends typeof HnswIndex>(this: T, bytes: Uint8Array, options: LoadOptions = {}): InstanceType<T> {
    return decodeNative(bytes, options, 'hnsw', this.nativeFactory());
  }

  /** @internal What the native decoder makes: an index of the class called on, with the file's parameters and generator state. */
  static nativeFactory<T extends typeof HnswIndex>(this: T): (restore: RestoreOptions, header: NativeHeader) => InstanceType<T> {
    return (restore, header) => {
      const h = header.hnsw as HnswParams;
      const index = new this({
        ...restore, m: h.m, efConstruction: h.efConstruction, efSearch: h.efSearch, seed: h.seed,
        neighborSelection: h.neighborSelection, allowReplaceDeleted: h.allowReplaceDeleted,
      });
      index.random.setState(h.prngState);
      return index as InstanceType<T>;
    };
  }

  protected override drawLevel(): number {
    return drawLevel(this.random, this.levelMultiplier, MAX_LEVEL);
  }

  protected override linkNode(node: number): void {
    insertNode(this.ctx, node, this.efConstruction);
  }

  protected override relinkNode(node: number): void {
    updateNode(this.ctx, node, this.efConstruction);
  }

  protected override repairRemoved(removed: Uint8Array): void {
    repairRemoved(this.ctx, removed, this.efConstruction);
  }

  protected override reusesDeletedSlots(): boolean {
    return this.allowReplaceDeleted;
  }

  protected override nearest(k: number, efSearch: number, filtered: boolean): number {
    return nearestNodes(this.ctx, k, efSearch, filtered);
  }
}
