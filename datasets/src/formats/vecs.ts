// The texmex formats of the SIFT/GIST corpora: .fvecs (float32), .ivecs
// (int32) and .bvecs (uint8). Each vector is a record [int32 dim][dim values],
// little-endian, records back to back, no file header.

import { open, stat } from 'node:fs/promises';
import { corrupt } from '../checks.js';
import { allocate, DTYPE_BYTES, type DType, type MatrixData } from '../vectors.js';
import { convertData } from './convert.js';
import { openFileAtomic } from '@smallworld/hnsw';
import { bytesOf, readExactly } from './files.js';
import type { MatrixReader, MatrixWriter } from './matrix-file.js';

/** The element type of each texmex extension. */
export const VECS_DTYPES = { fvecs: 'float32', ivecs: 'int32', bvecs: 'uint8' } as const;

/** A texmex format: fvecs, ivecs or bvecs. */
export type VecsFormat = keyof typeof VECS_DTYPES;

/** Largest dimension a header may declare: anything above is taken as a bad header, not a huge allocation. */
export const MAX_VECS_DIM = 1 << 20;

/** Opens a .fvecs/.ivecs/.bvecs file: reads the first header, checks the size is whole records. */
export async function openVecs(path: string, format: VecsFormat): Promise<MatrixReader> {
  const dtype: DType = VECS_DTYPES[format];
  const elem = DTYPE_BYTES[dtype];
  const size = (await stat(path)).size;
  if (size === 0) throw corrupt(path, `empty file: a .${format} file holds at least one [dim][values] record`);
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    await readExactly(handle, path, head, 0, 'the first record header');
    const dim = new DataView(head.buffer).getInt32(0, true);
    if (dim < 1 || dim > MAX_VECS_DIM) {
      throw corrupt(path, `bad header: the first record declares dimension ${dim} (expected 1..${MAX_VECS_DIM}); not a .${format} file?`);
    }
    const record = 4 + dim * elem;
    if (size % record !== 0) {
      throw corrupt(path,
        `size ${size} bytes is not a whole number of ${record}-byte records (dimension ${dim}): truncated, or not a .${format} file`);
    }
    const count = size / record;
    return {
      path, format, dtype, count, dim,
      async read(first: number, rows: number): Promise<MatrixData> {
        const raw = new Uint8Array(rows * record);
        await readExactly(handle, path, raw, first * record, `rows ${first}..${first + rows - 1}`);
        const view = new DataView(raw.buffer);
        const out = allocate(dtype, rows * dim);
        const outBytes = bytesOf(out);
        for (let r = 0; r < rows; r++) {
          const declared = view.getInt32(r * record, true);
          if (declared !== dim) {
            throw corrupt(path, `record ${first + r} declares dimension ${declared}, expected ${dim} like the first record`);
          }
          outBytes.set(raw.subarray(r * record + 4, (r + 1) * record), r * dim * elem);
        }
        return out;
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Creates a .fvecs/.ivecs/.bvecs file; values are converted to the extension's type. */
export async function createVecsWriter(path: string, format: VecsFormat, dim: number): Promise<MatrixWriter> {
  const dtype: DType = VECS_DTYPES[format];
  const elem = DTYPE_BYTES[dtype];
  const record = 4 + dim * elem;
  const file = await openFileAtomic(path);
  let count = 0;
  return {
    path, format, dtype, dim,
    get count() { return count; },
    async write(data: MatrixData): Promise<void> {
      const rows = data.length / dim;
      const values = bytesOf(convertData(path, data, dtype));
      const raw = new Uint8Array(rows * record);
      const view = new DataView(raw.buffer);
      for (let r = 0; r < rows; r++) {
        view.setInt32(r * record, dim, true);
        raw.set(values.subarray(r * dim * elem, (r + 1) * dim * elem), r * record + 4);
      }
      await file.write(raw);
      count += rows;
    },
    close: () => file.commit(),
    abort: () => file.abort(),
  };
}
