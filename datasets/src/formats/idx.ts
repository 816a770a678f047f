// The IDX format of MNIST (LeCun et al.): a 4-byte magic [0, 0, type, ndims],
// ndims big-endian uint32 sizes, then the values big-endian, row-major;
// usually gzip-compressed. Type 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C
// int32, 0x0D float32, 0x0E float64. The first size is the row count, the
// others multiply into the dimension (28 x 28 images read as 784-D vectors).

import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { SmallworldRangeError, writeFileAtomic } from '@smallworld/hnsw';
import { corrupt } from '../checks.js';
import { allocate, DTYPE_BYTES, dtypeOf, type DType, type Matrix, type MatrixData } from '../vectors.js';
import type { MatrixReader } from './matrix-file.js';

interface IdxType { code: number; size: number; dtype: DType; name: string }

const IDX_TYPES: readonly IdxType[] = [
  { code: 0x08, size: 1, dtype: 'uint8', name: 'uint8' },
  { code: 0x09, size: 1, dtype: 'int32', name: 'int8' },
  { code: 0x0b, size: 2, dtype: 'int32', name: 'int16' },
  { code: 0x0c, size: 4, dtype: 'int32', name: 'int32' },
  { code: 0x0d, size: 4, dtype: 'float32', name: 'float32' },
  { code: 0x0e, size: 8, dtype: 'float64', name: 'float64' },
];

/** Largest decompressed IDX file we inflate (MNIST's training images are 47 MB). */
const MAX_IDX_BYTES = 2 ** 31;

/** Decodes IDX bytes (already decompressed) into a Matrix; errors name `path`. */
export function decodeIdx(path: string, bytes: Uint8Array): Matrix {
  if (bytes.length < 4) throw corrupt(path, `truncated: ${bytes.length} bytes, shorter than an IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw corrupt(path, `bad magic 0x${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}: not an IDX file`);
  }
  const type = IDX_TYPES.find((t) => t.code === bytes[2]);
  if (type === undefined) throw corrupt(path, `bad IDX header: unknown element type 0x${bytes[2].toString(16)}`);
  const ndims = bytes[3];
  if (ndims < 1) throw corrupt(path, 'bad IDX header: zero dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw corrupt(path, `truncated: the header declares ${ndims} dimensions, the file ends first`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes: number[] = [];
  for (let i = 0; i < ndims; i++) sizes.push(view.getUint32(4 + 4 * i, false));
  const count = sizes[0];
  const dim = sizes.slice(1).reduce((a, b) => a * b, 1);
  const expected = count * dim * type.size;
  const have = bytes.length - headerBytes;
  if (have !== expected) {
    throw corrupt(path,
      `${have < expected ? 'truncated' : 'trailing bytes'}: shape [${sizes.join(', ')}] of ${type.name} needs ${expected} data bytes, the file has ${have}`);
  }
  const n = count * dim;
  const out = allocate(type.dtype, n);
  if (type.code === 0x08) {
    out.set(bytes.subarray(headerBytes, headerBytes + n));
  } else {
    for (let i = 0; i < n; i++) {
      const at = headerBytes + i * type.size;
      switch (type.code) {
        case 0x09: out[i] = view.getInt8(at); break;
        case 0x0b: out[i] = view.getInt16(at, false); break;
        case 0x0c: out[i] = view.getInt32(at, false); break;
        case 0x0d: out[i] = view.getFloat32(at, false); break;
        default: out[i] = view.getFloat64(at, false); break;
      }
    }
  }
  return { dtype: type.dtype, data: out, count, dim } as Matrix;
}

/** Reads an IDX file, gunzipping it when it starts with the gzip magic (whatever its name). */
export async function readIdx(path: string): Promise<Matrix> {
  let bytes: Uint8Array = await readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES });
    } catch (err) {
      throw corrupt(path, `gzip data is damaged or truncated (${(err as Error).message})`);
    }
  }
  return decodeIdx(path, bytes);
}

/** Opens an IDX file as rows (it is read whole: IDX files are small and usually compressed). */
export async function openIdx(path: string): Promise<MatrixReader> {
  const m = await readIdx(path);
  return {
    path, format: 'idx', dtype: m.dtype, count: m.count, dim: m.dim,
    async read(first: number, rows: number): Promise<MatrixData> {
      return m.data.slice(first * m.dim, (first + rows) * m.dim);
    },
    async close(): Promise<void> {},
  };
}

/** Values encoded per chunk when writing (1 MiB of float32): a large matrix is never copied whole. */
const WRITE_CHUNK_VALUES = 2 ** 18;

/** The IDX header, then the values big-endian, chunk by chunk. */
function* idxChunks(dims: readonly number[], data: MatrixData, type: IdxType): Generator<Uint8Array> {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = type.code;
  header[3] = dims.length;
  const headerView = new DataView(header.buffer);
  dims.forEach((d, i) => headerView.setUint32(4 + 4 * i, d, false));
  yield header;
  for (let first = 0; first < data.length; first += WRITE_CHUNK_VALUES) {
    const values = data.subarray(first, Math.min(first + WRITE_CHUNK_VALUES, data.length));
    if (type.code === 0x08) {
      yield values as Uint8Array;
      continue;
    }
    const bytes = new Uint8Array(values.length * type.size);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) {
      const at = i * type.size;
      if (type.code === 0x0c) view.setInt32(at, values[i], false);
      else if (type.code === 0x0d) view.setFloat32(at, values[i], false);
      else view.setFloat64(at, values[i], false);
    }
    yield bytes;
  }
}

/**
 * Writes `matrix` as IDX (shape [count, dim], or `shape` when given, e.g.
 * [n, 28, 28]); gzip-compressed when `path` ends in .gz. Streamed in chunks
 * through the engine's atomic writer: the file appears whole or not at all.
 */
export async function writeIdx(path: string, matrix: Matrix, shape?: readonly number[]): Promise<void> {
  const dims = shape ?? (matrix.dim === 1 ? [matrix.count] : [matrix.count, matrix.dim]);
  if (dims.reduce((a, b) => a * b, 1) !== matrix.data.length) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `\`shape\` [${dims.join(', ')}] does not hold ${matrix.data.length} values`);
  }
  const dtype = dtypeOf(matrix.data)!;
  const type = IDX_TYPES.find((t) => t.dtype === dtype && t.size === DTYPE_BYTES[dtype])!;
  const chunks = idxChunks(dims, matrix.data, type);
  await writeFileAtomic(path, async (sink) => {
    if (!path.endsWith('.gz')) {
      for (const chunk of chunks) await sink.write(chunk);
      return;
    }
    await pipeline(Readable.from(chunks), createGzip(), async (compressed: AsyncIterable<Uint8Array>) => {
      for await (const chunk of compressed) await sink.write(chunk);
    });
  });
}
