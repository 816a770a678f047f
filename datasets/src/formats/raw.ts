// Raw little-endian rows with a JSON sidecar: `x.f32` (float32) or `x.i32`
// (int32) holds count x dim values and nothing else; `x.f32.json` records
// {format, dtype, count, dim, byteOrder} plus any metadata (a synthetic set's
// generator parameters). The simplest format to mmap or read from any language.

import { open, readFile, stat } from 'node:fs/promises';
import { openFileAtomic, writeFileAtomic } from '@smallworld/hnsw';
import { corrupt } from '../checks.js';
import { allocate, DTYPE_BYTES, type DType, type MatrixData } from '../vectors.js';
import { convertData } from './convert.js';
import { bytesOf, readExactly } from './files.js';
import type { MatrixReader, MatrixWriter } from './matrix-file.js';

/** The element type of each raw extension. */
export const RAW_DTYPES = { f32: 'float32', i32: 'int32' } as const;
/** A raw file extension: f32 or i32. */
export type RawExtension = keyof typeof RAW_DTYPES;

/** The sidecar of a raw file: its path plus ".json". */
export function sidecarPath(path: string): string {
  return `${path}.json`;
}

/** The content of a raw file's sidecar. */
export interface RawSidecar {
  /** Always 'raw': a headerless file of row-major values. */
  format: 'raw';
  /** Element type of the values. */
  dtype: DType;
  /** Rows in the file. */
  count: number;
  /** Values per row. */
  dim: number;
  /** Byte order of the values: always little-endian. */
  byteOrder: 'little';
  [extra: string]: unknown;
}

/** Reads and checks a raw file's sidecar. */
export async function readSidecar(path: string, ext: RawExtension): Promise<RawSidecar> {
  const side = sidecarPath(path);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(side, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is not valid JSON (${(err as Error).message})`;
    throw corrupt(path, `its sidecar ${side} ${why}: a raw .${ext} file needs it for count and dimension`);
  }
  const s = json as Partial<RawSidecar>;
  const ok = typeof s === 'object' && s !== null && Number.isSafeInteger(s.count) && (s.count as number) >= 0 &&
    Number.isSafeInteger(s.dim) && (s.dim as number) >= 1 && s.dtype === RAW_DTYPES[ext] &&
    (s.byteOrder === undefined || s.byteOrder === 'little');
  if (!ok) {
    throw corrupt(path, `bad sidecar ${side}: expected {"dtype": "${RAW_DTYPES[ext]}", "count": n >= 0, "dim": d >= 1, "byteOrder": "little"} (got ${JSON.stringify(json).slice(0, 160)})`);
  }
  return s as RawSidecar;
}

/** Opens a raw .f32/.i32 file through its sidecar and checks the size. */
export async function openRaw(path: string, ext: RawExtension): Promise<MatrixReader> {
  const side = await readSidecar(path, ext);
  const dtype: DType = RAW_DTYPES[ext];
  const { count, dim } = side;
  const rowBytes = dim * DTYPE_BYTES[dtype];
  const size = (await stat(path)).size;
  if (size !== count * rowBytes) {
    throw corrupt(path,
      `${size < count * rowBytes ? 'truncated' : 'trailing bytes'}: the sidecar says ${count} x ${dim} ${dtype} = ${count * rowBytes} bytes, the file has ${size}`);
  }
  const handle = await open(path, 'r');
  return {
    path, format: 'raw', dtype, count, dim,
    async read(first: number, rows: number): Promise<MatrixData> {
      const out = allocate(dtype, rows * dim);
      await readExactly(handle, path, bytesOf(out), first * rowBytes, `rows ${first}..${first + rows - 1}`);
      return out;
    },
    close: () => handle.close(),
  };
}

/** Creates a raw .f32/.i32 file; the sidecar is written at close. */
export async function createRawWriter(
  path: string, ext: RawExtension, dim: number, metadata: Record<string, unknown> = {},
): Promise<MatrixWriter> {
  const dtype: DType = RAW_DTYPES[ext];
  const file = await openFileAtomic(path);
  let count = 0;
  return {
    path, format: 'raw', dtype, dim,
    get count() { return count; },
    async write(data: MatrixData): Promise<void> {
      await file.write(bytesOf(convertData(path, data, dtype)));
      count += data.length / dim;
    },
    async close(): Promise<void> {
      const side: RawSidecar = { ...metadata, format: 'raw', dtype, count, dim, byteOrder: 'little' };
      // The sidecar goes last: until it says the new count, readers refuse the new rows rather than misread them.
      await file.commit();
      await writeFileAtomic(sidecarPath(path), new TextEncoder().encode(JSON.stringify(side, null, 2) + '\n'));
    },
    abort: () => file.abort(),
  };
}
