// HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; its Node
// build reads the host file system directly). The ann-benchmarks files are
// HDF5 with the datasets `train` (base vectors), `test` (queries),
// `neighbors` (int32 ids of the true k-NN) and `distances` (their float
// distances), and a root attribute `distance` ('euclidean', 'angular', ...).
//
// The superblock is checked here before h5wasm opens the file: a file that is
// not HDF5, or is truncated, gets our error naming it instead of an opaque
// failure (h5wasm still prints HDF5's own diagnostic stack on stderr for
// damage it finds later).

import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SmallworldTypeError, openFileAtomic } from '@smallworld/hnsw';
import { corrupt } from '../checks.js';
import { METRICS } from '@smallworld/hnsw';
import type { GroundTruth } from '../ground-truth.js';
import { allocate, type DType, type MatrixData, type VectorSet } from '../vectors.js';
import { convertData } from './convert.js';
import { readExactly } from './files.js';
import type { MatrixReader, MatrixWriter } from './matrix-file.js';

type H5 = typeof import('h5wasm/node').default;
type H5File = InstanceType<H5['File']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let h5: Promise<H5> | null = null;

/**
 * A module-loader hook that hands h5wasm's files to Node untouched. Under tsx
 * (the CLIs run the TypeScript sources), tsx rewrites every ES module that
 * contains `import(` and builds a fine-grained source map for it: on h5wasm's
 * 4 MB Emscripten bundle that took 5 s per process; with this hook, 0.3 s.
 * Hooks registered last run first, so this one answers before tsx's.
 */
const H5WASM_PASSTHROUGH_HOOK = `
import { readFile } from 'node:fs/promises';
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.includes('/h5wasm/dist/')) {
    return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
  }
  return next(url, context);
}`;

/** Loads h5wasm once (its WebAssembly module takes ~0.3 s to instantiate). */
async function loadH5(): Promise<H5> {
  h5 ??= (async () => {
    if (import.meta.url.endsWith('.ts')) {
      const { register } = await import('node:module');
      register(`data:text/javascript,${encodeURIComponent(H5WASM_PASSTHROUGH_HOOK)}`);
    }
    const m = await import('h5wasm/node');
    await m.default.ready;
    return m.default;
  })();
  return h5;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

/**
 * Finds the superblock (at 0, 512, 1024, ... as HDF5 allows for a user block)
 * and checks that the file is as long as its end-of-file address says.
 */
async function checkSuperblock(path: string): Promise<void> {
  const size = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    for (let at = 0; at + 64 <= size || at === 0; at = at === 0 ? 512 : at * 2) {
      if (at + 8 > size) break;
      const sb = new Uint8Array(Math.min(96, size - at));
      await readExactly(handle, path, sb, at, 'the HDF5 superblock');
      if (!SIGNATURE.every((b, i) => sb[i] === b)) continue;
      const view = new DataView(sb.buffer);
      const version = sb[8];
      const offsets = version <= 1 ? sb[13] : sb[9];
      // Where the base address and the end-of-file address sit, by superblock version.
      const fixed = version === 0 ? 24 : version === 1 ? 28 : 12;
      if (offsets !== 8 && offsets !== 4) throw corrupt(path, `bad HDF5 superblock: offset size ${offsets}`);
      const eofAt = fixed + 2 * offsets;
      if (eofAt + offsets > sb.length) throw corrupt(path, `truncated: ${size} bytes, the HDF5 superblock is incomplete`);
      const read = (o: number) => (offsets === 8 ? Number(view.getBigUint64(o, true)) : view.getUint32(o, true));
      const base = read(fixed);
      const eof = read(eofAt);
      if (base + eof > size) {
        throw corrupt(path, `truncated: the HDF5 superblock says the file is ${base + eof} bytes, it has ${size}`);
      }
      return;
    }
    throw corrupt(path, 'not an HDF5 file (no "\\x89HDF" signature at offset 0, 512, 1024, ...)');
  } finally {
    await handle.close();
  }
}

/** Opens an HDF5 file for reading, our checks first. */
async function openFile(path: string): Promise<H5File> {
  await checkSuperblock(path);
  const lib = await loadH5();
  const file = new lib.File(resolve(path), 'r');
  if (file.file_id < 0n) throw corrupt(path, 'the HDF5 library could not open it (damaged file)');
  return file;
}

/** The DType a dataset is read as, from its HDF5 type class and size. */
function datasetDtype(path: string, name: string, ds: H5Dataset): DType {
  const { type, size, signed } = ds.metadata;
  if (type === 1 && size === 4) return 'float32';
  if (type === 1 && size === 8) return 'float64';
  if (type === 0 && size === 1 && !signed) return 'uint8';
  if (type === 0 && size <= 8) return 'int32';
  throw corrupt(path, `dataset '${name}' has an unsupported element type (${String(ds.dtype)})`);
}

/** Names and shapes of the datasets at the root of an HDF5 file, and its root attributes. */
export async function describeHdf5(path: string): Promise<{
  /** Every dataset of the file, with its shape and element type. */
  datasets: {
    /** The dataset's path in the file ('train', 'test', ...). */
    name: string;
    /** Its dimensions, e.g. [count, dim]. */
    shape: number[];
    /** Its element type as h5wasm reports it. */
    dtype: string;
  }[];
  /** The root group's attributes (ann-benchmarks keeps `distance` there). */
  attributes: Record<string, unknown>;
}> {
  const lib = await loadH5();
  const file = await openFile(path);
  try {
    const datasets: { name: string; shape: number[]; dtype: string }[] = [];
    for (const name of file.keys()) {
      const entity = file.get(name);
      if (entity instanceof lib.Dataset) datasets.push({ name, shape: entity.shape ?? [], dtype: String(entity.dtype) });
    }
    const attributes: Record<string, unknown> = {};
    for (const key of Object.keys(file.attrs)) {
      const v = file.get_attribute(key, true);
      attributes[key] = v;
    }
    return { datasets, attributes };
  } finally {
    file.close();
  }
}

/** Opens dataset `name` (default 'train') of an HDF5 file as rows. */
export async function openHdf5(path: string, name = 'train'): Promise<MatrixReader> {
  const lib = await loadH5();
  const file = await openFile(path);
  try {
    const entity = file.get(name);
    if (!(entity instanceof lib.Dataset)) {
      const names = file.keys().join(', ') || 'none';
      throw corrupt(path, `no dataset '${name}' (datasets: ${names})`);
    }
    const ds = entity;
    const shape = ds.shape ?? [];
    if (shape.length < 1 || shape.length > 2) {
      throw corrupt(path, `dataset '${name}' has shape [${shape.join(', ')}]; expected [n, dim] or [n]`);
    }
    const dtype = datasetDtype(path, name, ds);
    const count = shape[0];
    const dim = shape.length === 2 ? shape[1] : 1;
    return {
      path, format: 'hdf5', dtype, count, dim,
      async read(first: number, rows: number): Promise<MatrixData> {
        if (rows === 0) return allocate(dtype, 0);
        const raw = ds.slice([[first, first + rows]]);
        if (raw === null || !ArrayBuffer.isView(raw)) throw corrupt(path, `dataset '${name}': rows ${first}.. could not be read`);
        if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
          const out = allocate('int32', raw.length);
          for (let i = 0; i < raw.length; i++) {
            const v = Number(raw[i]);
            if (v > 2147483647 || v < -2147483648) throw corrupt(path, `dataset '${name}': value ${v} does not fit int32`);
            out[i] = v;
          }
          return out;
        }
        return convertData(`${path}:${name}`, raw as unknown as MatrixData, dtype);
      },
      async close(): Promise<void> {
        file.close();
      },
    };
  } catch (err) {
    file.close();
    throw err;
  }
}

/** Rows per HDF5 chunk of the datasets we write (chunked storage lets a dataset grow). */
const WRITE_CHUNK_ROWS = 1024;

/** The h5wasm dtype string of each DType. */
const H5_DTYPE: Readonly<Record<DType, string>> = { float32: '<f', float64: '<d', int32: '<i', uint8: '<B' };

/**
 * Creates an HDF5 file with one growable dataset `name` (default 'train')
 * and optional root attributes; rows are appended with resize + write_slice.
 * h5wasm writes the engine's atomic temporary file by name; `close` commits it.
 */
export async function createHdf5Writer(
  path: string, dim: number, dtype: DType, name = 'train', attributes: Record<string, string | number> = {},
): Promise<MatrixWriter> {
  const lib = await loadH5();
  const out = await openFileAtomic(path);
  const file = new lib.File(resolve(out.temporaryPath), 'w');
  for (const [key, value] of Object.entries(attributes)) file.create_attribute(key, value);
  const ds = file.create_dataset({
    name, data: allocate(dtype, 0), shape: [0, dim], maxshape: [null, dim],
    chunks: [WRITE_CHUNK_ROWS, dim], dtype: H5_DTYPE[dtype],
  });
  let count = 0;
  return {
    path, format: 'hdf5', dtype, dim,
    get count() { return count; },
    async write(data: MatrixData): Promise<void> {
      const rows = data.length / dim;
      if (rows === 0) return;
      ds.resize([count + rows, dim]);
      ds.write_slice([[count, count + rows]], convertData(path, data, dtype));
      count += rows;
    },
    async close(): Promise<void> {
      file.close();
      await out.commit();
    },
    async abort(): Promise<void> {
      file.close();
      await out.abort();
    },
  };
}

/** The parts of an ann-benchmarks file. */
export interface AnnBenchmarksData {
  /** Base vectors (`train`). */
  train: MatrixData;
  /** Queries (`test`). */
  test: MatrixData;
  /** True neighbour ids of each query (`neighbors`), `k` per row. */
  neighbors?: Int32Array;
  /** Their distances (`distances`): Euclidean (not squared) in ann-benchmarks' 'euclidean' files. */
  distances?: Float32Array;
  /** Vector dimension of `train` and `test`. */
  dim: number;
  /** Neighbours per query in `neighbors`/`distances`. */
  k?: number;
  /** The root attribute `distance`: 'euclidean', 'angular', 'jaccard', ... */
  distance?: string;
}

/** Reads a whole ann-benchmarks HDF5 file (train, test, and neighbors/distances when present). */
export async function readAnnBenchmarks(path: string): Promise<AnnBenchmarksData> {
  const info = await describeHdf5(path);
  const names = new Set(info.datasets.map((d) => d.name));
  for (const required of ['train', 'test']) {
    if (!names.has(required)) throw corrupt(path, `not an ann-benchmarks file: no '${required}' dataset (datasets: ${[...names].join(', ') || 'none'})`);
  }
  const readAll = async (name: string): Promise<{ data: MatrixData; dim: number }> => {
    const r = await openHdf5(path, name);
    try {
      return { data: await r.read(0, r.count), dim: r.dim };
    } finally {
      await r.close();
    }
  };
  const train = await readAll('train');
  const test = await readAll('test');
  if (test.dim !== train.dim) throw corrupt(path, `'test' has dimension ${test.dim}, 'train' ${train.dim}`);
  const out: AnnBenchmarksData = { train: train.data, test: test.data, dim: train.dim };
  if (names.has('neighbors')) {
    const n = await readAll('neighbors');
    out.neighbors = convertData(`${path}:neighbors`, n.data, 'int32');
    out.k = n.dim;
  }
  if (names.has('distances')) out.distances = convertData(`${path}:distances`, (await readAll('distances')).data, 'float32');
  const distance = info.attributes.distance;
  if (typeof distance === 'string') out.distance = distance;
  return out;
}

/** Writes an ann-benchmarks HDF5 file (atomically). `k` is required with neighbors/distances. */
export async function writeAnnBenchmarks(path: string, data: AnnBenchmarksData): Promise<void> {
  const lib = await loadH5();
  const out = await openFileAtomic(path);
  const file = new lib.File(resolve(out.temporaryPath), 'w');
  try {
    file.create_attribute('distance', data.distance ?? 'euclidean');
    file.create_attribute('dimension', data.dim);
    file.create_attribute('point_type', 'float');
    const put = (name: string, values: MatrixData, cols: number) =>
      file.create_dataset({ name, data: values, shape: [values.length / cols, cols] });
    put('train', data.train, data.dim);
    put('test', data.test, data.dim);
    if (data.neighbors !== undefined || data.distances !== undefined) {
      const k = data.k;
      if (k === undefined) throw new SmallworldTypeError('INVALID_OPTION', '`k` is required with `neighbors`/`distances` (got undefined)');
      if (data.neighbors !== undefined) put('neighbors', data.neighbors, k);
      if (data.distances !== undefined) put('distances', data.distances, k);
    }
    file.close();
    await out.commit();
  } catch (err) {
    file.close();
    await out.abort();
    throw err;
  }
}

/**
 * Writes base vectors, queries and their ground truth as an ann-benchmarks
 * file. As in ann-benchmarks' own files, 'euclidean' distances are Euclidean
 * (the square roots of our squared L2); 'angular' ones are 1 - cosine.
 */
export async function writeGroundTruthHdf5(path: string, base: VectorSet, queries: VectorSet, truth: GroundTruth): Promise<void> {
  const metric = METRICS[truth.space];
  const distances = truth.distances.map(metric.edgeDistance);
  await writeAnnBenchmarks(path, {
    train: base.data, test: queries.data, neighbors: truth.neighbors, distances,
    dim: base.dim, k: truth.k, distance: metric.annBenchmarksName,
  });
}
