// The libraries under test behind one small interface: smallworld itself and
// the peers (hnswlib-node, usearch, the pure-TS `hnsw` package), each loaded
// only when installed (devDependencies of bench only, never of the engine).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswIndex, METRICS, SmallworldRangeError, type KernelChoice, type Space } from '@smallworld/hnsw';

/** Build parameters shared by every library. */
export interface PeerBuildOptions {
  /** M of the paper (usearch's `connectivity`). */
  m: number;
  efConstruction: number;
  space: 'l2' | 'ip';
  /** Threads to build with; libraries that cannot build in parallel use one. */
  threads?: number;
  /** Called now and then with points inserted so far (libraries that allow it). */
  onProgress?: (done: number, total: number) => void;
}

/** One library under test: build an index over `data`, then answer k-NN queries. */
export interface Peer {
  readonly name: string;
  /** Builds over n x dim vectors (labels 0..n-1). */
  build(data: Float32Array, dim: number, options: PeerBuildOptions): void | Promise<void>;
  /**
   * Starts an empty index for `n` x `dim` vectors that `addRows` fills, so a
   * build can be timed in chunks interleaved with another library's (libraries that allow it).
   */
  begin?(n: number, dim: number, options: PeerBuildOptions): void;
  /** Adds rows to the index `begin` started, labels `first`, `first + 1`, ... */
  addRows?(rows: Float32Array, first: number): void;
  /**
   * Completes the build `begin` started, after the last `addRows` (smallworld:
   * `HnswIndex.reorder`, unless built with `reorder: false`). Timed as part
   * of the build.
   */
  finish?(): void;
  /**
   * Gets ready to search at `efSearch` (libraries that fix it at load time
   * reload here), so that a timed `searchAll` measures the searches alone;
   * `searchAll` calls it too when needed.
   */
  prepare?(efSearch: number): void;
  /** Runs every query at `efSearch`, one after the other on this thread; writes k labels per query into `out` (-1 where fewer). */
  searchAll(queries: Float32Array, k: number, efSearch: number, out: Float64Array): void;
  /** Releases worker threads or temporary files, if any. */
  close?(): Promise<void> | void;
  /** Bytes per vector in memory once built: the vector storage, and vectors plus graph (libraries that tell). */
  bytesPerVector?(): BytesPerVector;
  /** Vectors clamped to the trained int8 range (smallworld int8); a non-zero count is warned about. */
  clampedVectors?(): number;
}

/** smallworld's vector storage under test: float32 ('none'), or int8 codes with or without re-ranking. */
export interface SmallworldQuantization {
  quantization: 'none' | 'int8';
  rerank: boolean;
  /** Re-ranking depth; the index's default when absent. */
  oversample?: number;
}

/** The `--quantization` choices of the bench commands. */
export const QUANTIZATION_NAMES = ['none', 'int8'] as const;

/**
 * smallworld's index options for a bench `--quantization`: 'int8' builds
 * with re-ranking (the setting whose recall matches float32's).
 */
export function quantizationOptions(quantization: 'none' | 'int8'): { quantization?: 'int8'; rerank?: true } {
  return quantization === 'int8' ? { quantization: 'int8', rerank: true } : {};
}

/** A peer's name for a quantization ('smallworld int8+rerank'). */
export function smallworldName(kernel: KernelChoice, q: SmallworldQuantization): string {
  const base = kernel === 'js' ? 'smallworld (js kernel)' : 'smallworld';
  return q.quantization === 'none' ? base : `${base} int8${q.rerank ? '+rerank' : ''}`;
}

/** Bytes per vector of an index: its vectors alone, and with the graph. */
export interface BytesPerVector {
  vectors: number;
  total: number;
}

/** The line the benchmarks print under a table: `bytes per vector (vectors / vectors + graph): lib v / t, ...`. */
export function bytesPerVectorLine(rows: readonly { lib: string; bytes: BytesPerVector }[]): string {
  return `bytes per vector (vectors / vectors + graph): ${rows.map((r) => `${r.lib} ${bytesPerVectorText(r.bytes)}`).join(', ')}`;
}

/** `vectors / total`, the total rounded to a byte. */
export function bytesPerVectorText(bytes: BytesPerVector): string {
  return `${bytes.vectors} / ${Math.round(bytes.total)}`;
}

/**
 * Bytes per vector of a built smallworld index: its vector storage (codes,
 * plus kept originals) and that plus the graph's arrays (links, levels,
 * labels, flags, locks), averaged over the nodes.
 */
export function indexBytesPerVector(index: HnswIndex): BytesPerVector {
  const store = index.store;
  const count = Math.max(1, store.count);
  const graph = 4 * store.stride0 + (4 * store.upperUsed) / count + 4 + 1 + 8 + 1 + 4;
  return { vectors: index.vectorBytes, total: index.vectorBytes + graph };
}

/** Every library the sweep knows, in the order results are listed. */
export const LIBRARY_NAMES = ['smallworld', 'hnswlib-node', 'usearch', 'hnsw'] as const;
export type LibraryName = (typeof LIBRARY_NAMES)[number];

/** Points per `addBatch` call while building, so progress can be shown (no effect on the graph). */
const BUILD_CHUNK = 10_000;

/**
 * smallworld's HnswIndex with the given distance kernel; `threads` > 1
 * builds with `addBatchParallel`. A build ends with `HnswIndex.reorder`, as
 * the docs recommend after a bulk build, unless `reorder` is false.
 */
export function smallworldPeer(
  kernel: KernelChoice = 'auto', q: SmallworldQuantization = { quantization: 'none', rerank: false }, reorder = true,
): Peer & { index(): HnswIndex } {
  let index: HnswIndex | null = null;
  const quantization = q.quantization === 'none' ? {}
    : { quantization: q.quantization, rerank: q.rerank, ...(q.rerank && q.oversample !== undefined ? { oversample: q.oversample } : {}) };
  const finish = (): void => {
    if (reorder) index!.reorder();
  };
  return {
    name: smallworldName(kernel, q),
    async build(data, dim, { m, efConstruction, space, threads = 1, onProgress }) {
      const n = data.length / dim;
      index = new HnswIndex({ space, dim, m, efConstruction, kernel, capacity: n, ...quantization });
      for (let first = 0; first < n; first += BUILD_CHUNK) {
        const rows = data.subarray(first * dim, Math.min(n, first + BUILD_CHUNK) * dim);
        if (threads > 1) await index.addBatchParallel(rows, { threads });
        else index.addBatch(rows);
        onProgress?.(Math.min(n, first + BUILD_CHUNK), n);
      }
      finish();
    },
    begin(n, dim, { m, efConstruction, space }) {
      index = new HnswIndex({ space, dim, m, efConstruction, kernel, capacity: n, ...quantization });
    },
    addRows(rows) {
      index!.addBatch(rows);
    },
    finish,
    searchAll(queries, k, efSearch, out) {
      out.set(index!.searchBatch(queries, k, { efSearch }).labels);
    },
    async close() {
      await index?.close();
    },
    bytesPerVector: () => indexBytesPerVector(index!),
    clampedVectors: () => index!.clampedVectors,
    index: () => index!,
  };
}

/**
 * The re-ranking index `base` built (int8 with `rerank`), searched with
 * another `oversample`: building it is a no-op, so one index serves a list
 * of depths (`compare --oversample 1,2,3`).
 */
export function oversampleVariant(base: Peer & { index(): HnswIndex }, oversample: number): Peer {
  return {
    name: `${base.name} x${oversample}`,
    build() {},
    searchAll(queries, k, efSearch, out) {
      out.set(base.index().searchBatch(queries, k, { efSearch, oversample }).labels);
    },
  };
}

interface HnswlibModule {
  HierarchicalNSW: new (space: string, dim: number) => {
    initIndex(maxElements: number, m: number, efConstruction: number, seed: number): void;
    addPoint(point: number[] | Float32Array, label: number): void;
    setEf(ef: number): void;
    searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
  };
}

/** hnswlib-node (C++ hnswlib through N-API, one thread), or null when it is not installed. */
export async function loadHnswlibNode(): Promise<Peer | null> {
  let mod: HnswlibModule;
  try {
    const imported = (await import('hnswlib-node')) as unknown as HnswlibModule & { default?: HnswlibModule };
    mod = imported.HierarchicalNSW ? imported : imported.default!;
  } catch {
    return null;
  }
  let index: InstanceType<HnswlibModule['HierarchicalNSW']> | null = null;
  let queryRows: number[][] = [];
  let lastQueries: Float32Array | null = null;
  let dimension = 0;
  const begin: NonNullable<Peer['begin']> = (n, dim, { m, efConstruction, space }) => {
    dimension = dim;
    index = new mod.HierarchicalNSW(space, dim);
    index.initIndex(n, m, efConstruction, 100);
  };
  const addRows: NonNullable<Peer['addRows']> = (rows, first) => {
    // hnswlib-node takes number[] per point: the conversion is part of using it, so it is timed.
    for (let i = 0; i < rows.length / dimension; i++) index!.addPoint(Array.from(rows.subarray(i * dimension, (i + 1) * dimension)), first + i);
  };
  return {
    name: 'hnswlib-node',
    begin,
    addRows,
    build(data, dim, options) {
      const n = data.length / dim;
      begin(n, dim, options);
      for (let first = 0; first < n; first += BUILD_CHUNK) {
        addRows(data.subarray(first * dim, Math.min(n, first + BUILD_CHUNK) * dim), first);
        options.onProgress?.(Math.min(n, first + BUILD_CHUNK), n);
      }
    },
    searchAll(queries, k, efSearch, out) {
      if (lastQueries !== queries) {
        // Converted once, outside the timed loop, to measure the search itself.
        queryRows = prepareQueries(queries, dimension);
        lastQueries = queries;
      }
      index!.setEf(efSearch);
      out.fill(-1);
      for (let i = 0; i < queryRows.length; i++) {
        const { neighbors } = index!.searchKnn(queryRows[i], k);
        for (let j = 0; j < neighbors.length; j++) out[i * k + j] = neighbors[j];
      }
    },
  };
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): { keys: BigUint64Array };
  save(path: string): void;
  load(path: string): void;
}
type UsearchConfig = { dimensions: number; metric: string; connectivity: number; expansion_add: number; expansion_search: number };
interface UsearchModule { Index: new (config: UsearchConfig) => UsearchIndex }

/**
 * USearch (C++ through N-API), or null when not installed. Its JavaScript
 * binding sets the search expansion only at construction, so the built index
 * is saved once to a temporary file and reloaded for each efSearch (in
 * `prepare`, outside the timed searches).
 */
export async function loadUsearch(): Promise<Peer | null> {
  let mod: UsearchModule;
  try {
    mod = (await import('usearch')) as unknown as UsearchModule;
    if (typeof mod.Index !== 'function') return null;
  } catch {
    return null;
  }
  let config: UsearchConfig | null = null;
  let index: UsearchIndex | null = null;
  let currentEf = -1;
  let folder: string | null = null;
  const file = () => join(folder!, 'usearch.index');
  const prepare = (efSearch: number) => {
    if (efSearch === currentEf) return;
    index = new mod.Index({ ...config!, expansion_search: efSearch });
    index.load(file());
    currentEf = efSearch;
  };
  return {
    name: 'usearch',
    build(data, dim, { m, efConstruction, space, threads = 1, onProgress }) {
      const n = data.length / dim;
      config = { dimensions: dim, metric: METRICS[space].usearchName, connectivity: m, expansion_add: efConstruction, expansion_search: 64 };
      index = new mod.Index(config);
      for (let first = 0; first < n; first += BUILD_CHUNK) {
        const last = Math.min(n, first + BUILD_CHUNK);
        const keys = new BigUint64Array(last - first);
        for (let i = 0; i < keys.length; i++) keys[i] = BigInt(first + i);
        index.add(keys, data.subarray(first * dim, last * dim), threads);
        onProgress?.(last, n);
      }
      folder = mkdtempSync(join(tmpdir(), 'smallworld-bench-usearch-'));
      index.save(file());
      currentEf = -1;
    },
    prepare,
    searchAll(queries, k, efSearch, out) {
      prepare(efSearch);
      const { keys } = index!.search(queries, k, 1);
      out.fill(-1);
      // usearch marks missing results with the maximum key.
      for (let i = 0; i < keys.length; i++) if (keys[i] !== 0xffffffffffffffffn) out[i] = Number(keys[i]);
    },
    close() {
      if (folder !== null) rmSync(folder, { recursive: true, force: true });
      folder = null;
    },
  };
}

interface HnswPackageIndex {
  buildIndex(data: { id: number; vector: Float32Array }[], options?: { onProgress?: (current: number, total: number) => void; progressInterval?: number }): Promise<void>;
  searchKNN(query: Float32Array, k: number, options?: { efSearch?: number }): { id: number; score: number }[];
}
interface HnswPackageModule { HNSW: new (m: number, efConstruction: number, d: number, metric: string, efSearch: number) => HnswPackageIndex }

/** The hnsw package's metric for each space this benchmark drives it in (its Euclidean ranks as our squared L2). */
const HNSW_PACKAGE_METRICS: Partial<Record<Space, string>> = { l2: 'euclidean' };

/**
 * The pure-TypeScript `hnsw` npm package, or null when not installed. It is
 * the design smallworld avoids (an object per node in a Map, number[][]
 * neighbour lists, unseeded levels), measured here to show what that costs.
 */
export async function loadHnswPackage(): Promise<Peer | null> {
  let mod: HnswPackageModule;
  try {
    mod = (await import('hnsw')) as unknown as HnswPackageModule;
    if (typeof mod.HNSW !== 'function') return null;
  } catch {
    return null;
  }
  let index: HnswPackageIndex | null = null;
  return {
    name: 'hnsw',
    async build(data, dim, { m, efConstruction, space, onProgress }) {
      const metric = HNSW_PACKAGE_METRICS[space];
      if (metric === undefined) throw new SmallworldRangeError('INVALID_OPTION', `the hnsw package has no '${space}' space in this benchmark`);
      const n = data.length / dim;
      index = new mod.HNSW(m, efConstruction, dim, metric, 64);
      const points = Array.from({ length: n }, (_, i) => ({ id: i, vector: data.subarray(i * dim, (i + 1) * dim) }));
      await index.buildIndex(points, { onProgress, progressInterval: BUILD_CHUNK });
    },
    searchAll(queries, k, efSearch, out) {
      const dim = queries.length / (out.length / k);
      out.fill(-1);
      for (let i = 0; i < out.length / k; i++) {
        const found = index!.searchKNN(queries.subarray(i * dim, (i + 1) * dim), k, { efSearch });
        for (let j = 0; j < found.length && j < k; j++) out[i * k + j] = found[j].id;
      }
    },
  };
}

/** Loads the named library, or null when it is not installed. */
export async function loadPeer(name: LibraryName, quantization: 'none' | 'int8' = 'none'): Promise<Peer | null> {
  switch (name) {
    case 'smallworld': return smallworldPeer('auto', { quantization, rerank: quantization === 'int8' });
    case 'hnswlib-node': return loadHnswlibNode();
    case 'usearch': return loadUsearch();
    case 'hnsw': return loadHnswPackage();
  }
}

/** Converts query rows to number[][] ahead of timing, for peers that take number[]. */
export function prepareQueries(queries: Float32Array, dim: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < queries.length / dim; i++) rows.push(Array.from(queries.subarray(i * dim, (i + 1) * dim)));
  return rows;
}
