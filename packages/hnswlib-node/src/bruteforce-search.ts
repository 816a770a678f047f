// BruteforceSearch: hnswlib-node's exact index, as a thin layer over the
// engine's BruteForceIndex (a linear scan with the same SIMD kernels).

import {
  HNSWLIB_ERROR, NOT_INITIALIZED, NOTHING, checkArgCountExact, checkFilenameArgument, checkNumber, checkPoint,
  checkSearchKnnArguments, checkString, toFloat32, toUint32, type PointLike,
} from './arguments.js';
import { nativeError } from './errors.js';
import { BruteForceIndex } from '@smallworld/hnsw';
import { initialCapacity } from './engine.js';
import {
  decodeBruteForce, encodeBruteForce, hnswlibError, readWholeFile, readWholeFileSync, writeWholeFile,
  writeWholeFileSync,
} from './files.js';
import { checkK, checkSpaceName, emptyResult, toSearchResult, type FilterFunction, type SearchResult, type SpaceName } from './search.js';

/**
 * Nearest-neighbor search index object based on brute-force search.
 *
 * ```typescript
 * const index = new BruteforceSearch('l2', 5);
 * index.initIndex(1000);
 * index.addPoint([0, 1, 2, 3, 4], 0);
 * index.addPoint([1, 2, 3, 4, 5], 1);
 * const result = index.searchKnn([1, 4, 2, 3, 4], 2); // { distances, neighbors }
 * ```
 */
export class BruteforceSearch {
  readonly #space: SpaceName;
  readonly #dim: number;
  #index: BruteForceIndex | null = null;
  #maxElements = 0;

  /**
   * @param {SpaceName} spaceName The metric space to create for the index ('l2', 'ip', or 'cosine').
   * @param {number} numDimensions The dimensionality of data points.
   */
  constructor(spaceName: SpaceName, numDimensions: number) {
    checkArgCountExact(arguments.length, 2);
    checkString(spaceName, 0);
    checkNumber(numDimensions, 1);
    this.#space = checkSpaceName(spaceName);
    this.#dim = toUint32(numDimensions);
  }

  #newIndex(maxElements: number): BruteForceIndex {
    return new BruteForceIndex({
      space: this.#space, dim: this.#dim, capacity: initialCapacity(maxElements, this.#dim),
    });
  }

  #initialized(): BruteForceIndex {
    if (this.#index === null) throw nativeError('NOT_INITIALIZED', NOT_INITIALIZED);
    return this.#index;
  }

  /**
   * initializes search index.
   * @param {number} maxElements The maximum number of data points.
   */
  initIndex(maxElements: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(maxElements, 0);
    const max = toUint32(maxElements);
    this.#index = this.#newIndex(max);
    this.#maxElements = max;
    return NOTHING;
  }

  #load(bytes: Uint8Array): void {
    const image = decodeBruteForce(bytes, this.#dim);
    const index = this.#newIndex(image.count);
    for (let row = 0; row < image.count; row++) {
      index.add(image.vectors.subarray(row * this.#dim, (row + 1) * this.#dim), image.labels[row]);
    }
    this.#index = index;
    this.#maxElements = image.maxElements;
  }

  #save(): Uint8Array {
    const index = this.#index as BruteForceIndex;
    const labels = index.labels();
    const vectors = new Float32Array(labels.length * this.#dim);
    for (let row = 0; row < labels.length; row++) vectors.set(index.getVector(labels[row]), row * this.#dim);
    return encodeBruteForce({ maxElements: this.#maxElements, count: labels.length, vectors, labels }, this.#dim);
  }

  /**
   * loads the search index (hnswlib's brute-force file layout).
   * @param {string} filename The filename to read from.
   * @return {Promise<boolean>} Resolves to true once loaded.
   */
  async readIndex(filename: string): Promise<boolean> {
    checkFilenameArgument(arguments.length, filename);
    this.#load(await readWholeFile(filename));
    return true;
  }

  /**
   * loads the search index (hnswlib's brute-force file layout).
   * @param {string} filename The filename to read from.
   */
  readIndexSync(filename: string): void {
    checkFilenameArgument(arguments.length, filename);
    this.#load(readWholeFileSync(filename));
    return NOTHING;
  }

  /**
   * saves the search index (hnswlib's brute-force file layout; atomically).
   * @param {string} filename The filename to save to.
   * @return {Promise<boolean>} Resolves to true once written.
   */
  async writeIndex(filename: string): Promise<boolean> {
    checkFilenameArgument(arguments.length, filename);
    if (this.#index === null) throw hnswlibError('NOT_INITIALIZED', 'search index is not constructed.');
    await writeWholeFile(filename, this.#save());
    return true;
  }

  /**
   * saves the search index (hnswlib's brute-force file layout; atomically).
   * @param {string} filename The filename to save to.
   */
  writeIndexSync(filename: string): void {
    checkFilenameArgument(arguments.length, filename);
    if (this.#index === null) throw nativeError('NOT_INITIALIZED', 'Search index is not constructed.');
    writeWholeFileSync(filename, this.#save());
    return NOTHING;
  }

  /**
   * adds a datum point to the search index; a label already present is updated.
   * @param {number[] | Float32Array} point The datum point to be added to the search index.
   * @param {number} label The index of the datum point to be added.
   */
  addPoint(point: PointLike, label: number): void {
    checkArgCountExact(arguments.length, 2);
    checkPoint(point, 0);
    checkNumber(label, 1);
    const index = this.#initialized();
    const vector = toFloat32(point, this.#dim);
    const id = toUint32(label);
    if (!index.has(id) && index.size >= this.#maxElements) {
      // Word for word, the trailing newline included.
      throw nativeError('INDEX_FULL', `${HNSWLIB_ERROR}The number of elements exceeds the specified limit\n`);
    }
    index.add(vector, id);
    return NOTHING;
  }

  /**
   * removes the datum point from the search index (nothing happens for an unknown label).
   * The removal is real, as in hnswlib: the vector is overwritten in memory, the slot goes to
   * the next new label, and no file written afterwards holds it.
   * @param {number} label The index of the datum point to be removed.
   */
  removePoint(label: number): void {
    checkArgCountExact(arguments.length, 1);
    checkNumber(label, 0);
    const index = this.#initialized();
    const id = toUint32(label);
    if (index.has(id)) index.remove(id);
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
    if (k === 0) throw nativeError('INVALID_ARGUMENT', 'Invalid the number of k-nearest neighbors (must be a positive number).');
    // hnswlib aborts the process when k exceeds the count; this returns the count's worth.
    if (index.size === 0) return emptyResult();
    return toSearchResult(index.search(query, Math.min(k, index.size), filter === undefined ? {} : { filter }));
  }

  /**
   * returns the maximum number of data points that can be indexed.
   * @return {number} The maximum number of data points that can be indexed (0 before `initIndex`).
   */
  getMaxElements(): number {
    return this.#index === null ? 0 : this.#maxElements;
  }

  /**
   * returns the number of data points currently indexed.
   * @return {number} The number of data points currently indexed (0 before `initIndex`).
   */
  getCurrentCount(): number {
    return this.#index === null ? 0 : this.#index.size;
  }

  /**
   * returns the dimensionality of data points.
   * @return {number} The dimensionality of data points.
   */
  getNumDimensions(): number {
    return this.#dim;
  }
}
