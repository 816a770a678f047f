// HierarchicalNSW: hnswlib-node's HNSW index as a thin layer over the
// engine's HnswIndex. It translates arguments, limits and errors; the graph,
// the search and the files are the engine's.

import {
  HNSWLIB_ERROR, NOT_INITIALIZED, NOTHING, argumentTypeError, checkArgCountExact, checkArgCountRange, checkFilenameArgument,
  checkNumber, checkOptionalBoolean, checkOptionalFunction, checkPoint, checkSearchKnnArguments, checkString, toFloat32,
  toUint32, type PointLike,
} from './arguments.js';
import { MAX_EF } from '@smallworld/hnsw';
import { nativeError, nativeTypeError } from './errors.js';
import { ReplaceableHnswIndex, initialCapacity } from './engine.js';
import { hnswlibError } from './files.js';
import { loadHnswlibFile, loadHnswlibFileSync, saveHnswlibFile, saveHnswlibFileSync, type LoadedHnsw } from './hnswlib-file.js';
import { checkK, checkSpaceName, emptyResult, toSearchResult, type FilterFunction, type SearchResult, type SpaceName } from './search.js';

/** Options of the parallel extras (`addPointsParallel`, `searchKnnBatch`). */
export interface ParallelOptions {
  /**
   * Worker threads to use, 1-63. Default: the cores Node may use
   * (`os.availableParallelism()`). With 1 the call runs on this thread.
   */
  threads?: number;
}

/** Options of `addPointsParallel`. */
export interface AddPointsParallelOptions extends ParallelOptions {
  /** As `addPoint`'s third argument: new labels take deleted slots (default: false). */
  replaceDeleted?: boolean;
}

/** Several points: an array of points, or one flat Float32Array of n x numDimensions values. */
export type PointsLike = PointLike[] | Float32Array;

/** hnswlib's defaults: M 16, efConstruction 200, seed 100, ef 10. */
const DEFAULT_M = 16;
const DEFAULT_EF_CONSTRUCTION = 200;
const DEFAULT_RANDOM_SEED = 100;
const DEFAULT_EF = 10;

/** The named form of `initIndex`'s arguments. */
export interface InitIndexOptions {
  /** The maximum number of elements. */
  maxElements: number;
  /** The maximum number of outgoing connections on the graph (default: 16). */
  m?: number;
  /** The parameter that controls speed/accuracy trade-off during the index construction (default: 200). */
  efConstruction?: number;
  /** The seed value of random number generator (default: 100). */
  randomSeed?: number;
  /** The flag to replace deleted element when adding new element (default: false). */
  allowReplaceDeleted?: boolean;
}

/** Checks the named form of initIndex as hnswlib-node does (`in`, so an explicit undefined is a wrong type). */
function checkNamedInit(options: Record<string, unknown>): void {
  if (!('maxElements' in options)) {
    throw nativeTypeError('ARGUMENT_TYPE', 'Missing named argument `maxElements`, must be specified.');
  }
  for (const name of ['maxElements', 'm', 'efConstruction', 'randomSeed']) {
    if (name in options && typeof options[name] !== 'number') {
      throw nativeTypeError('ARGUMENT_TYPE', `Invalid the named argument type \`${name}\`, must be a number.`);
    }
  }
  if ('allowReplaceDeleted' in options && typeof options.allowReplaceDeleted !== 'boolean') {
    // hnswlib-node's wording, misspelling included.
    throw nativeTypeError('ARGUMENT_TYPE', 'Invalid the named argument type `allowRepalceDeleted`, must be a boolean.');
  }
}

/**
 * Approximate nearest-neighbor search index object based on Hierarchical navigable small world graphs.
 *
 * ```typescript
 * const index = new HierarchicalNSW('l2', 5);
 * index.initIndex(1000, 16, 200, 100);
 * index.addPoint([0, 1, 2, 3, 4], 0);
 * index.addPoint([1, 2, 3, 4, 5], 1);
 * const result = index.searchKnn([1, 4, 2, 3, 4], 2); // { distances, neighbors }
 * ```
 */
export class HierarchicalNSW {
  readonly #space: SpaceName;
  readonly #dim: number;
  #index: ReplaceableHnswIndex | null = null;
  #maxElements = 0;
  #ef = DEFAULT_EF;
  /** The last `addPointsParallel` still running: they run one after the other. */
  #parallelAdds: Promise<void> = Promise.resolve();

  /**
   * @param {SpaceName} spaceName The metric space to create for the index ('l2', 'ip', or 'cosine').
   * @param {number} numDimensions The dimensionality of metric space.
   */
  constructor(spaceName: SpaceName, numDimensions: number) {
    checkArgCountExact(arguments.length, 2);
    checkString(spaceName, 0);
    checkNumber(numDimensions, 1);
    this.#space = checkSpaceName(spaceName);
    this.#dim = toUint32(numDimensions);
  }

  #initialized(): ReplaceableHnswIndex {
    if (this.#index === null) throw nativeError('NOT_INITIALIZED', NOT_INITIALIZED);
    return this.#index;
  }

  /** Live points plus deleted ones: hnswlib's cur_element_count. */
  #count(index: ReplaceableHnswIndex): number {
    return index.size + index.deletedCount;
  }

  /**
   * The efSearch a search uses: `ef`, at least 1, at most the number of
   * points (deleted ones included). hnswlib takes any u32, so `setEf(-5)` is
   * 4294967291; a search never holds more candidates than there are points,
   * so the cap changes no result, and keeps the engine's bound (MAX_EF).
   */
  #workingEf(index: ReplaceableHnswIndex): number {
    return Math.max(1, Math.min(this.#ef, this.#count(index)));
  }

  /**
   * Initialize index.
   * @param {number} maxElements The maximum number of elements.
   * @param {number} m The maximum number of outgoing connections on the graph (default: 16).
   * @param {number} efConstruction The parameter that controls speed/accuracy trade-off during the index construction (default: 200).
   * @param {number} randomSeed The seed value of random number generator (default: 100).
   * @param {boolean} allowReplaceDeleted The flag to replace deleted element when adding new element (default: false).
   */
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number, allowReplaceDeleted?: boolean): void;
  /**
   * Initialize index.
   * @param {InitIndexOptions} opts The parameters for initIndex, named.
   */
  initIndex(opts: InitIndexOptions): void;
  initIndex(
    first: number | InitIndexOptions, m?: number, efConstruction?: number, randomSeed?: number,
    allowReplaceDeleted?: boolean,
  ): void {
    checkArgCountRange(arguments.length, 1, 5);
    let options: InitIndexOptions;
    if (arguments.length === 1 && typeof first === 'object' && first !== null) {
      checkNamedInit(first as unknown as Record<string, unknown>);
      options = first;
    } else {
      checkNumber(first, 0);
      // hnswlib-node's wording, misspelling included.
      if (m !== undefined && typeof m !== 'number') throw nativeTypeError('ARGUMENT_TYPE', 'Invalid the sencond argument type, must be a number.');
      if (efConstruction !== undefined && typeof efConstruction !== 'number') throw argumentTypeError(2, 'a number');
      if (randomSeed !== undefined && typeof randomSeed !== 'number') throw argumentTypeError(3, 'a number');
      checkOptionalBoolean(allowReplaceDeleted, 4);
      options = { maxElements: first, m, efConstruction, randomSeed, allowReplaceDeleted };
    }
    const max = toUint32(options.maxElements);
    const mValue = options.m === undefined ? DEFAULT_M : toUint32(options.m);
    const ef = options.efConstruction === undefined ? DEFAULT_EF_CONSTRUCTION : toUint32(options.efConstruction);
    this.#index = new ReplaceableHnswIndex({
      space: this.#space,
      dim: this.#dim,
      m: mValue,
      // hnswlib raises efConstruction to M; the engine would too, but checks it is >= 1 first.
      // hnswlib takes any u32 (-1 wraps to 4294967295); past the engine's MAX_EF, the most points an
      // index holds, a larger value could not change the graph, so it is capped there.
      efConstruction: Math.min(Math.max(ef, mValue), MAX_EF),
      seed: options.randomSeed === undefined ? DEFAULT_RANDOM_SEED : toUint32(options.randomSeed),
      allowReplaceDeleted: options.allowReplaceDeleted ?? false,
      capacity: initialCapacity(max, this.#dim),
    });
    this.#maxElements = max;
    this.#ef = DEFAULT_EF;
    return NOTHING;
  }

  #use({ index, maxElements }: LoadedHnsw): void {
    this.#index = index;
    this.#maxElements = maxElements;
    this.#ef = DEFAULT_EF;
  }

  /**
   * loads the search index from a file in hnswlib's layout (written by
   * hnswlib-node, Python/C++ hnswlib or this package).
   * @param {string} filename The filename to read from.
   * @param {boolean} allowReplaceDeleted The flag to replace deleted element when adding new element (default: false).
   * @return {Promise<boolean>} Resolves to true once loaded.
   */
  async readIndex(filename: string, allowReplaceDeleted?: boolean): Promise<boolean> {
    checkArgCountRange(arguments.length, 1, 2);
    checkString(filename, 0);
    checkOptionalBoolean(allowReplaceDeleted, 1);
    this.#use(await loadHnswlibFile(filename, this.#space, this.#dim, allowReplaceDeleted ?? false));
    return true;
  }

  /**
   * loads the search index from a file in hnswlib's layout.
   * @param {string} filename The filename to read from.
   * @param {boolean} allowReplaceDeleted The flag to replace deleted element when adding new element (default: false).
   */
  readIndexSync(filename: string, allowReplaceDeleted?: boolean): void {
    checkArgCountRange(arguments.length, 1, 2);
    checkString(filename, 0);
    checkOptionalBoolean(allowReplaceDeleted, 1);
    this.#use(loadHnswlibFileSync(filename, this.#space, this.#dim, allowReplaceDeleted ?? false));
    return NOTHING;
  }

  /**
   * saves the search index in hnswlib's layout (atomically: temporary file, fsync, rename).
   * @param {string} filename The filename to save to.
   * @return {Promise<boolean>} Resolves to true once written.
   */
  async writeIndex(filename: string): Promise<boolean> {
    checkFilenameArgument(arguments.length, filename);
    if (this.#index === null) throw hnswlibError('NOT_INITIALIZED', 'search index is not constructed.');
    await saveHnswlibFile(this.#index, this.#maxElements, filename);
    return true;
  }

  /**
   * saves the search index in hnswlib's layout (atomically: temporary file, then rename).
   * @param {string} filename The filename to save to.
   */
  writeIndexSync(filename: string): void {
    checkFilenameArgument(arguments.length, filename);
    if (this.#index === null) throw nativeError('NOT_INITIALIZED', 'Search index is not constructed.');
    saveHnswlibFileSync(this.#index, this.#maxElements, filename);
    return NOTHING;
  }

  /**
   * resizes the search index.
   * @param {number} newMaxElements The new maximum number of data points.
   */
  resizeIndex(newMaxElements: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(newMaxElements, 0);
    const index = this.#initialized();
    const max = toUint32(newMaxElements);
    if (max < this.#count(index)) {
      throw nativeError('INDEX_FULL', `${HNSWLIB_ERROR}Cannot resize, max element is less than the current number of elements`);
    }
    this.#maxElements = max;
    const reserve = initialCapacity(max, this.#dim);
    if (reserve > index.capacity) index.reserve(reserve);
    return NOTHING;
  }

  /**
   * adds a datum point to the search index; a label already present is updated.
   * @param {number[] | Float32Array} point The datum point to be added to the search index.
   * @param {number} label The index of the datum point to be added.
   * @param {boolean} replaceDeleted The flag to replace a deleted element (default: false).
   */
  addPoint(point: PointLike, label: number, replaceDeleted?: boolean): void {
    checkArgCountRange(arguments.length, 2, 3);
    checkPoint(point, 0);
    checkNumber(label, 1);
    checkOptionalBoolean(replaceDeleted, 2);
    const index = this.#initialized();
    const vector = toFloat32(point, this.#dim);
    const id = toUint32(label);
    const replace = replaceDeleted ?? false;
    this.#checkAdds(index, [id], replace);
    const previous = index.replaceDeleted; // an addPointsParallel may be running (the add then throws INDEX_BUSY)
    index.replaceDeleted = replace;
    try {
      index.add(vector, id);
    } finally {
      index.replaceDeleted = previous;
    }
    return NOTHING;
  }

  /**
   * hnswlib's checks before adding `labels` (each already a uint32): the
   * replacement rules, then maxElements against the slots the new labels
   * need (deleted slots count as free when `replace` is set).
   */
  #checkAdds(index: ReplaceableHnswIndex, labels: ArrayLike<number>, replace: boolean): void {
    if (replace && !index.allowReplaceDeleted) {
      throw nativeError('REPLACE_DISABLED', `${HNSWLIB_ERROR}Replacement of deleted elements is disabled in constructor`);
    }
    let fresh = 0;
    for (let i = 0; i < labels.length; i++) {
      const id = labels[i];
      if (index.isDeleted(id) && index.allowReplaceDeleted && !replace) {
        throw nativeError('DELETED_STATE', `${HNSWLIB_ERROR}Can't use addPoint to update deleted elements if replacement of deleted elements is enabled.`);
      }
      if (!index.has(id) && !index.isDeleted(id)) fresh++;
    }
    const free = replace ? index.deletedCount : 0;
    if (fresh > free && this.#count(index) + fresh - free > this.#maxElements) {
      throw nativeError('INDEX_FULL', `${HNSWLIB_ERROR}The number of elements exceeds the specified limit`);
    }
  }

  /** Checks a batch of points (each as `addPoint`/`searchKnn` would) and returns them as n x dim floats. */
  #toRows(points: unknown, position: number): Float32Array {
    if (points instanceof Float32Array) {
      if (points.length % this.#dim !== 0) {
        throw nativeError('INVALID_ARGUMENT', `Invalid the given array length (expected a multiple of ${this.#dim}, but got ${points.length}).`);
      }
      return points;
    }
    if (!Array.isArray(points)) throw argumentTypeError(position, 'an Array');
    const rows = new Float32Array(points.length * this.#dim);
    for (let i = 0; i < points.length; i++) {
      checkPoint(points[i], position);
      rows.set(toFloat32(points[i] as PointLike, this.#dim), i * this.#dim);
    }
    return rows;
  }

  /**
   * Beyond hnswlib-node (its PR #366): adds many points, linked on worker
   * threads that share the index's memory; the event loop stays free. The
   * same checks as `addPoint` (maxElements, replaceDeleted), all made before
   * anything is added. Labels must differ within one call. A parallel build
   * is not reproducible for a seed (threads race); `threads: 1` is.
   * While it runs, `searchKnn` is safe (it may miss the points being added)
   * and `addPoint` throws; calls of this method run one after the other.
   * @param {PointsLike} points The points: number[][] / Float32Array[], or one flat Float32Array.
   * @param {number[]} labels One label per point.
   * @param {AddPointsParallelOptions} options `replaceDeleted` (default false), `threads`.
   */
  async addPointsParallel(
    points: PointsLike, labels: ArrayLike<number>, options: AddPointsParallelOptions = {},
  ): Promise<void> {
    checkArgCountRange(arguments.length, 2, 3);
    const rows = this.#toRows(points, 0);
    if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) throw argumentTypeError(1, 'an Array');
    if (typeof options !== 'object' || options === null) throw argumentTypeError(2, 'an Object');
    checkOptionalBoolean(options.replaceDeleted, 2);
    const index = this.#initialized();
    const count = rows.length / this.#dim;
    if (labels.length !== count) {
      throw nativeError('INVALID_ARGUMENT', `Invalid the number of labels (expected ${count}, but got ${labels.length}).`);
    }
    const ids = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      checkNumber(labels[i], 1);
      ids[i] = toUint32(labels[i]);
    }
    const replace = options.replaceDeleted ?? false;
    // One at a time, so each sees the previous one's points in its checks and keeps its own replace flag.
    const run = async (): Promise<void> => {
      this.#checkAdds(index, ids, replace);
      index.replaceDeleted = replace;
      try {
        await index.addBatchParallel(rows, { labels: ids, threads: options.threads });
      } finally {
        index.replaceDeleted = false;
      }
    };
    const done = this.#parallelAdds.then(run);
    this.#parallelAdds = done.catch(() => undefined);
    return done;
  }

  /**
   * Beyond hnswlib-node (its PR #366): `searchKnn` for many queries, shared
   * out among worker threads; one result per query, in order. The same
   * checks as `searchKnn`. A filter is called once per live label, before
   * the workers start (a function cannot run on them), not once per
   * visited point.
   * @param {PointsLike} queries The queries: number[][] / Float32Array[], or one flat Float32Array.
   * @param {number} numNeighbors The number of nearest neighbors to search for.
   * @param {FilterFunction} filter The function filters elements by its labels.
   * @param {ParallelOptions} options `threads`.
   * @return {Promise<SearchResult[]>} One search result per query.
   */
  async searchKnnBatch(
    queries: PointsLike, numNeighbors: number, filter?: FilterFunction, options: ParallelOptions = {},
  ): Promise<SearchResult[]> {
    checkArgCountRange(arguments.length, 2, 4);
    const rows = this.#toRows(queries, 0);
    checkNumber(numNeighbors, 1);
    checkOptionalFunction(filter, 2);
    const index = this.#initialized();
    const n = rows.length / this.#dim;
    const k = checkK(numNeighbors, this.#maxElements);
    if (k === 0 || index.size === 0 || n === 0) return Array.from({ length: n }, emptyResult);
    let allowed: number[] | undefined;
    if (filter !== undefined) allowed = Array.from(index.labels()).filter((label) => filter(label));
    const result = await index.searchBatchParallel(rows, Math.min(k, index.size), {
      efSearch: this.#workingEf(index), threads: options.threads, ...(allowed === undefined ? {} : { filter: allowed }),
    });
    return Array.from({ length: n }, (_, i) => toSearchResult(result.get(i)));
  }

  /**
   * marks the element as deleted. The marked element does not appear on the search result.
   * @param {number} label The index of the datum point to be marked.
   */
  markDelete(label: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(label, 0);
    const index = this.#initialized();
    const id = toUint32(label);
    if (index.isDeleted(id)) throw nativeError('DELETED_STATE', `${HNSWLIB_ERROR}The requested to delete element is already deleted`);
    if (!index.has(id)) throw nativeError('UNKNOWN_LABEL', `${HNSWLIB_ERROR}Label not found`);
    index.markDeleted(id);
    return NOTHING;
  }

  /**
   * unmarks the element as deleted.
   * @param {number} label The index of the datum point to be unmarked.
   */
  unmarkDelete(label: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(label, 0);
    const index = this.#initialized();
    const id = toUint32(label);
    if (index.has(id)) throw nativeError('DELETED_STATE', `${HNSWLIB_ERROR}The requested to undelete element is not deleted`);
    if (!index.isDeleted(id)) throw nativeError('UNKNOWN_LABEL', `${HNSWLIB_ERROR}Label not found`);
    index.unmarkDeleted(id);
    return NOTHING;
  }

  /**
   * returns `numNeighbors` closest items for a given query point.
   * @param {number[] | Float32Array} queryPoint The query point vector.
   * @param {number} numNeighbors The number of nearest neighbors to search for.
   * @param {FilterFunction} filter The function filters elements by its labels.
   * @return {SearchResult} The search result object consists of distances and indices of the nearest neighbors found.
   */
  searchKnn(queryPoint: PointLike, numNeighbors: number, filter?: FilterFunction): SearchResult {
    checkSearchKnnArguments(arguments.length, queryPoint, numNeighbors, filter);
    const index = this.#initialized();
    const query = toFloat32(queryPoint, this.#dim);
    const k = checkK(numNeighbors, this.#maxElements);
    if (k === 0 || index.size === 0) return emptyResult();
    // hnswlib searches with max(ef, k) candidates; so does the engine.
    const options = { efSearch: this.#workingEf(index), ...(filter === undefined ? {} : { filter }) };
    return toSearchResult(index.search(query, Math.min(k, index.size), options));
  }

  /**
   * returns a list of all elements' indices (deleted ones included, in no particular order, as hnswlib's).
   * @return {number[]} The list of indices.
   */
  getIdsList(): number[] {
    return this.#index === null ? [] : this.#index.allLabels();
  }

  /**
   * returns the datum point vector specified by label (unit length in the 'cosine' space).
   * @param {number} label The index of the datum point.
   * @return {number[]} The datum point vector.
   */
  getPoint(label: number): number[] {
    checkArgCountExact(arguments.length, 1);
    checkNumber(label, 0);
    if (this.#index === null) return [];
    const id = toUint32(label);
    if (!this.#index.has(id)) throw nativeError('UNKNOWN_LABEL', `${HNSWLIB_ERROR}Label not found`);
    return Array.from(this.#index.getVector(id));
  }

  /**
   * returns the maximum number of data points that can be indexed.
   * @return {number} The maximum number of data points that can be indexed (0 before `initIndex`).
   */
  getMaxElements(): number {
    return this.#index === null ? 0 : this.#maxElements;
  }

  /**
   * returns the number of data points currently indexed, deleted ones included.
   * @return {number} The number of data points currently indexed (0 before `initIndex`).
   */
  getCurrentCount(): number {
    return this.#index === null ? 0 : this.#count(this.#index);
  }

  /**
   * returns the dimensionality of data points.
   * @return {number} The dimensionality of data points.
   */
  getNumDimensions(): number {
    return this.#dim;
  }

  /**
   * returns the `ef` parameter.
   * @return {number} The `ef` parameter value (10 after `initIndex` or `readIndex`).
   */
  getEf(): number {
    this.#initialized();
    return this.#ef;
  }

  /**
   * sets the `ef` parameter: the size of the candidate list of a search (which uses max(ef, k)).
   * As in hnswlib-node, any number is taken modulo 2^32 (`setEf(-5)` sets 4294967291); a search
   * uses at most as many candidates as there are points.
   * @param {number} ef The size of the dynamic list for the nearest neighbors.
   */
  setEf(ef: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(ef, 0);
    this.#initialized();
    this.#ef = toUint32(ef);
    return NOTHING;
  }
}
