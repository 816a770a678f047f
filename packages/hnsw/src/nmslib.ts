// The nmslib-style facade, for code written against nmslib's Python API (the
// seed article's): init, addDataPointBatch, createIndex, setQueryTimeParams,
// knnQuery(Batch), built with HnswIndex's parallel build and search.

import {
  DimensionMismatchError, SmallworldError, SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, checkLabel,
  describeValue,
} from './errors.js';
import { toMatrix, toVector, type MatrixLike, type VectorLike } from './input.js';
import { DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH, DEFAULT_M } from './hnsw-index.js';
import { MAX_DIM, MAX_EF, M_MAX, M_MIN } from './limits.js';
import { HnswIndex } from './node/hnsw-index-node.js';
import { metricOfNmslibName, type Metric } from './metric.js';
import { checkThreads } from './parallel/pool.js';
import type { BatchSearchResult } from './search-result.js';

/**
 * nmslib's space names: 'l2' (Euclidean distance, the square root of the
 * engine's squared L2), 'cosinesimil' (1 - cosine similarity) and
 * 'negdotprod' (the negative dot product, -dot: the engine's 'ip' minus 1).
 */
export type NmslibSpace = 'l2' | 'cosinesimil' | 'negdotprod';

/** Options of `nmslib.init`. */
export interface NmslibInitOptions {
  /** The distance. Default 'cosinesimil' (nmslib's default space is also set explicitly in most code). */
  space?: NmslibSpace;
  /** Only 'hnsw' (nmslib's other methods are not implemented). Default 'hnsw'. */
  method?: 'hnsw';
  /**
   * Vector dimension: needed only to add flat Float32Arrays; taken from the
   * first batch of arrays of vectors or ndarrays otherwise.
   */
  dim?: number;
}

/** Index-time parameters of `createIndex`, nmslib's names. */
export interface NmslibIndexParams {
  /** Links per node (`M`), 2-2048. Default 16. */
  M?: number;
  /** Candidates kept while linking a point. Default 200. */
  efConstruction?: number;
  /** Threads building the index. Default `os.availableParallelism()`; 1 builds on the calling thread, deterministically. */
  indexThreadQty?: number;
  /**
   * nmslib's neighbour pruning: 0 keeps the M nearest (the engine's
   * `neighborSelection: 'simple'`, Algorithm 3); 1, 2 (nmslib's default) and
   * 3 are variants of the heuristic (`'heuristic'`, Algorithm 4, the only
   * variant here). Default 2.
   */
  delaunay_type?: 0 | 1 | 2 | 3;
  /**
   * nmslib's post-processing of the built graph (0 none, 1 or 2: a second
   * build in reverse order merged into the first). Accepted for porting and
   * has no effect here: the graph is built once (the heuristic already gives
   * the recall nmslib's `post` buys). Default 0.
   */
  post?: 0 | 1 | 2;
  /**
   * nmslib: 1 keeps its unoptimised node objects instead of the flat
   * "optimised" layout. Accepted for porting and has no effect here: the
   * index is always flat typed arrays. Default 0.
   */
  skip_optimized_index?: 0 | 1;
}

/** Query-time parameters of `setQueryTimeParams`. */
export interface NmslibQueryParams {
  /** Candidates kept at layer 0 of a search (raised to k), 1 to `MAX_EF`. Default 64. */
  efSearch?: number;
  /** nmslib's synonym of `efSearch` (give one or the other, as nmslib). */
  ef?: number;
}

/** One query's answer, as nmslib: the ids and their distances, nearest first. */
export type NmslibNeighbors = [ids: Float64Array, distances: Float32Array];

/**
 * An nmslib-style HNSW index. Points are collected by `addDataPointBatch`
 * and indexed by `createIndex` (on worker threads); as in nmslib, calling
 * `createIndex` again re-indexes every point added so far.
 *
 * @example
 * const index = nmslib.init({ space: 'cosinesimil' });
 * index.addDataPointBatch(embeddings);              // number[][] or ndarray
 * await index.createIndex({ M: 16, efConstruction: 200, indexThreadQty: 4 });
 * index.setQueryTimeParams({ efSearch: 100 });
 * const [[ids, distances]] = await index.knnQueryBatch([query], 10, 4);
 */
export class NmslibIndex {
  /** The space, nmslib's name. */
  readonly space: NmslibSpace;
  /** The method, nmslib's name: always 'hnsw'. */
  readonly method = 'hnsw' as const;
  private dimValue: number | undefined;
  private chunks: Float32Array[] = [];
  private ids: number[] = [];
  private readonly idSet = new Set<number>();
  private built: HnswIndex | null = null;
  private efSearch = DEFAULT_EF_SEARCH;

  constructor(options: NmslibInitOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `nmslib init options must be an object (got ${describeValue(options)})`);
    }
    checkKnownKeys('init', options, ['space', 'method', 'dim']);
    const space = options.space ?? 'cosinesimil';
    if (typeof space !== 'string' || metricOfNmslibName(space) === undefined) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`space\` must be 'l2', 'cosinesimil' or 'negdotprod' (got ${describeValue(space)})`);
    }
    if (options.method !== undefined && options.method !== 'hnsw') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`method\` must be 'hnsw' (got ${describeValue(options.method)})`);
    }
    this.space = space;
    if (options.dim !== undefined) this.dimValue = checkInteger('dim', options.dim, 1, MAX_DIM);
  }

  /** Vector dimension (undefined until given or until the first batch). */
  get dim(): number | undefined {
    return this.dimValue;
  }

  /** Points added (indexed by the next `createIndex` if not yet). */
  get size(): number {
    return this.ids.length;
  }

  /** The underlying `HnswIndex` once `createIndex` has run (to save it, delete points, ...), else null. */
  get index(): HnswIndex | null {
    return this.built;
  }

  /**
   * Adds points to be indexed: an array of vectors, an ndarray [n, dim], or
   * a flat Float32Array when `dim` was given to `init`. `ids` (non-negative
   * integers, all different) default to the points' positions in the order
   * added (0, 1, 2, ...). Returns the number of points added.
   */
  addDataPointBatch(data: MatrixLike, ids?: ArrayLike<number>): number {
    const dim = this.dimValue ?? inferDim(data);
    const { data: flat, rows } = toMatrix('data', data, dim);
    if (ids !== undefined && (typeof ids !== 'object' || ids === null || typeof ids.length !== 'number')) {
      throw new SmallworldTypeError('INVALID_LABEL', `\`ids\` must be an array of ids (got ${describeValue(ids)})`);
    }
    if (ids !== undefined && ids.length !== rows) {
      throw new SmallworldRangeError('INVALID_LABEL', `\`ids\` must hold one id per point: ${rows} (got ${ids.length})`);
    }
    const added: number[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < rows; i++) {
      const id = ids === undefined ? this.ids.length + i : checkLabel(`ids[${i}]`, ids[i]);
      if (this.idSet.has(id) || seen.has(id)) {
        throw new SmallworldRangeError('DUPLICATE_LABEL', `\`ids[${i}]\` ${id} was added already`);
      }
      seen.add(id);
      added.push(id);
    }
    this.dimValue = dim;
    this.chunks.push(flat === data ? flat.slice() : flat);
    for (const id of added) {
      this.ids.push(id);
      this.idSet.add(id);
    }
    return rows;
  }

  /**
   * Builds the HNSW index over every point added, on `indexThreadQty`
   * worker threads. With `printProgress`, reports progress on stderr.
   */
  async createIndex(params: NmslibIndexParams = {}, printProgress = false): Promise<void> {
    if (typeof params !== 'object' || params === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `createIndex params must be an object (got ${describeValue(params)})`);
    }
    checkKnownKeys('createIndex', params, ['M', 'efConstruction', 'indexThreadQty', 'delaunay_type', 'post', 'skip_optimized_index']);
    const m = params.M === undefined ? DEFAULT_M : checkInteger('M', params.M, M_MIN, M_MAX);
    const efConstruction = params.efConstruction === undefined
      ? DEFAULT_EF_CONSTRUCTION : checkInteger('efConstruction', params.efConstruction, 1, MAX_EF);
    const threads = checkThreads(params.indexThreadQty);
    const delaunayType = params.delaunay_type === undefined ? 2 : checkInteger('delaunay_type', params.delaunay_type, 0, 3);
    if (params.post !== undefined) checkInteger('post', params.post, 0, 2);
    if (params.skip_optimized_index !== undefined) checkInteger('skip_optimized_index', params.skip_optimized_index, 0, 1);
    if (this.dimValue === undefined || this.ids.length === 0) {
      throw new SmallworldError('NOT_READY', 'createIndex needs points: call addDataPointBatch first');
    }
    const index = new HnswIndex({
      space: this.metric.space, dim: this.dimValue, m, efConstruction, efSearch: this.efSearch, capacity: this.ids.length,
      neighborSelection: delaunayType === 0 ? 'simple' : 'heuristic',
    });
    const started = Date.now();
    let done = 0;
    for (const chunk of this.chunks) {
      const rows = chunk.length / this.dimValue;
      // Progress is reported per tenth of the points, so a large batch is added in tenths.
      const step = printProgress ? Math.max(1, Math.ceil(this.ids.length / 10)) : rows;
      for (let start = 0; start < rows; start += step) {
        const end = Math.min(rows, start + step);
        await index.addBatchParallel(chunk.subarray(start * this.dimValue, end * this.dimValue), {
          labels: this.ids.slice(done, done + end - start), threads,
        });
        done += end - start;
        if (printProgress) {
          process.stderr.write(`createIndex: ${done}/${this.ids.length} points (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        }
      }
    }
    this.built = index;
  }

  /** Sets query-time parameters: `efSearch` or its synonym `ef` (default 64). */
  setQueryTimeParams(params: NmslibQueryParams = {}): void {
    if (typeof params !== 'object' || params === null) {
      throw new SmallworldTypeError('INVALID_OPTION', `setQueryTimeParams params must be an object (got ${describeValue(params)})`);
    }
    checkKnownKeys('setQueryTimeParams', params, ['efSearch', 'ef']);
    if (params.efSearch !== undefined && params.ef !== undefined) {
      throw new SmallworldTypeError('INVALID_OPTION', 'give `efSearch` or `ef`, not both: they are synonyms (as in nmslib)');
    }
    const name = params.ef === undefined ? 'efSearch' : 'ef';
    const value = params.ef ?? params.efSearch;
    if (value !== undefined) {
      this.efSearch = checkInteger(name, value, 1, MAX_EF);
      if (this.built !== null) this.built.efSearch = this.efSearch;
    }
  }

  /** The k nearest points to one query on the calling thread: [ids, distances], nearest first. */
  knnQuery(query: VectorLike, k = 10): NmslibNeighbors {
    const index = this.ready();
    const result = index.search(toVector('query', query, index.dim), k);
    return [result.labels.slice(), this.toNmslibDistances(result.distances.slice())];
  }

  /**
   * The k nearest points to each query, searched on `numThreads` worker
   * threads (default: the cores Node may use): one [ids, distances] pair
   * per query, as nmslib's knnQueryBatch.
   */
  async knnQueryBatch(queries: MatrixLike, k = 10, numThreads?: number): Promise<NmslibNeighbors[]> {
    const index = this.ready();
    const result: BatchSearchResult = await index.searchBatchParallel(queries, k, { threads: checkThreads(numThreads) });
    const out: NmslibNeighbors[] = new Array(result.length);
    for (let i = 0; i < result.length; i++) {
      const { labels, distances } = result.get(i);
      out[i] = [labels.slice(), this.toNmslibDistances(distances.slice())];
    }
    return out;
  }

  /**
   * Saves the built index to `path` in smallworld's native format,
   * atomically (see `HnswIndex.save`). With `saveData` false (nmslib's
   * `save_data=False`) the vectors are left out: `loadIndex(path, false)`
   * then takes them from the points added with `addDataPointBatch`.
   */
  async saveIndex(path: string, saveData = true): Promise<void> {
    if (typeof saveData !== 'boolean') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`saveData\` must be a boolean (got ${describeValue(saveData)})`);
    }
    await this.ready().save(path, { vectors: saveData });
  }

  /**
   * Loads an index saved by `saveIndex`, in place of any built one. With
   * `loadData` (default true) the file's vectors become this index's points
   * (a copy is kept, as nmslib keeps its data, so `createIndex` can rebuild).
   * With false (a file saved with `saveData` false), as in nmslib, the same
   * points must have been added with `addDataPointBatch` first, in the same
   * order: their ids, count and checksum are checked against the file.
   */
  async loadIndex(path: string, loadData = true): Promise<void> {
    if (typeof loadData !== 'boolean') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`loadData\` must be a boolean (got ${describeValue(loadData)})`);
    }
    const dim = this.dimValue;
    if (!loadData && (dim === undefined || this.ids.length === 0)) {
      throw new SmallworldError('INVALID_ARGUMENT', 'loadIndex(path, false) needs the indexed points: call addDataPointBatch first');
    }
    const index = loadData ? await HnswIndex.load(path) : await HnswIndex.load(path, { vectors: concat(this.chunks) });
    if (index.space !== this.metric.space) {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${path}\` holds a '${index.space}' index; this index's space is '${this.space}'`);
    }
    if (dim !== undefined && index.dim !== dim) throw new DimensionMismatchError(path, dim, index.dim);
    const { labels, count, vectors } = index.store;
    if (!loadData) {
      for (let node = 0; node < count; node++) {
        if (labels[node] !== this.ids[node]) {
          throw new SmallworldTypeError('INVALID_ARGUMENT',
            `point ${node} of the file has id ${labels[node]}, the point added at that position has id ${this.ids[node]}`);
        }
      }
    } else {
      const data = new Float32Array(count * index.dim);
      vectors.readRows(0, count, data, 0);
      this.chunks = [data];
      this.ids = Array.from(labels.subarray(0, count));
      this.idSet.clear();
      for (const id of this.ids) this.idSet.add(id);
      this.dimValue = index.dim;
    }
    index.efSearch = this.efSearch;
    this.built = index;
  }

  /** Waits for running calls and stops the worker threads (see `closePool`). */
  async close(): Promise<void> {
    if (this.built !== null) await this.built.close();
  }

  private ready(): HnswIndex {
    if (this.built === null) throw new SmallworldError('NOT_READY', 'the index is not built: call createIndex first');
    return this.built;
  }

  /** The engine's metric behind nmslib's space name. */
  private get metric(): Metric {
    return metricOfNmslibName(this.space)!;
  }

  /** nmslib's distances from the engine's, in place (see `Metric.nmslibDistance`). */
  private toNmslibDistances(distances: Float32Array): Float32Array {
    const nmslibDistance = this.metric.nmslibDistance;
    for (let i = 0; i < distances.length; i++) distances[i] = nmslibDistance(distances[i]);
    return distances;
  }
}

/** The chunks as one array (the chunk itself when there is one). */
function concat(chunks: readonly Float32Array[]): Float32Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** The dimension of an array of vectors or an ndarray [n, dim]; a flat array needs `dim` from `init`. */
function inferDim(data: MatrixLike): number {
  const nd = data as { shape?: unknown };
  if (Array.isArray(nd.shape) && nd.shape.length === 2) return checkInteger('data.shape[1]', nd.shape[1], 1, MAX_DIM);
  if (Array.isArray(data) && data.length > 0) {
    const first = data[0] as ArrayLike<number> | null;
    if (first !== null && typeof first === 'object' && typeof first.length === 'number') {
      return checkInteger('data[0].length', first.length, 1, MAX_DIM);
    }
  }
  throw new SmallworldTypeError('INVALID_ARGUMENT',
    `\`data\` must be an array of vectors or an ndarray [n, dim], or give \`dim\` to init for a flat array (got ${describeValue(data)})`);
}

/** nmslib's module-level entry, for code ported from Python: `nmslib.init({ space: 'l2' })`. */
export const nmslib = {
  /** Creates an index: `nmslib.init({ method: 'hnsw', space: 'cosinesimil' })`. */
  init(options: NmslibInitOptions = {}): NmslibIndex {
    return new NmslibIndex(options);
  },
};
