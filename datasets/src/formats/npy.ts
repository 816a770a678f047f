// NumPy's .npy format (versions 1.0, 2.0, 3.0): the magic "\x93NUMPY", a
// version, a header length, then a Python dict literal giving `descr` (dtype),
// `fortran_order` and `shape`, padded so the data starts 64-byte aligned.
// Arrays of shape (n,) are n rows of dimension 1; shapes (n, a, b, ...) are n
// rows of dimension a x b x ... (so MNIST's (n, 28, 28) reads as n x 784).

import { open, stat } from 'node:fs/promises';
import { corrupt } from '../checks.js';
import { allocate, type DType, type MatrixData } from '../vectors.js';
import { convertData } from './convert.js';
import { SmallworldRangeError, openFileAtomic } from '@smallworld/hnsw';
import { bytesOf, readExactly } from './files.js';
import type { MatrixReader, MatrixWriter } from './matrix-file.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Largest header we accept: numpy itself refuses headers over 10 KiB by default. */
const MAX_HEADER_BYTES = 1 << 16;
/** Header bytes our writer reserves, so the shape can be patched in place at close. */
const WRITER_HEADER_BYTES = 128;

/** A numpy element type we can read, and the DType it is returned as. */
interface NpyType { kind: 'f' | 'i' | 'u'; size: number; little: boolean; dtype: DType }

/** The numpy descr written for each DType. */
const DESCR: Readonly<Record<DType, string>> = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1' };

function parseDescr(path: string, descr: string): NpyType {
  const m = /^([<>|=]?)([fiu])(\d+)$/.exec(descr);
  if (m === null) throw corrupt(path, `unsupported numpy dtype '${descr}' (supported: float32/64, int8..64, uint8..64)`);
  const kind = m[2] as 'f' | 'i' | 'u';
  const size = Number(m[3]);
  const little = m[1] !== '>';
  let dtype: DType | null = null;
  if (kind === 'f') dtype = size === 4 ? 'float32' : size === 8 ? 'float64' : null;
  else if (kind === 'u' && size === 1) dtype = 'uint8';
  else if ([1, 2, 4, 8].includes(size)) dtype = 'int32';
  if (dtype === null) throw corrupt(path, `unsupported numpy dtype '${descr}' (supported: float32/64, int8..64, uint8..64)`);
  return { kind, size, little, dtype };
}

/** Parses the header dict; every malformation names the file. */
function parseHeader(path: string, text: string): { type: NpyType; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (descr === null || fortran === null || shape === null) {
    throw corrupt(path, `bad .npy header: expected 'descr', 'fortran_order' and 'shape' (got ${JSON.stringify(text.trim().slice(0, 120))})`);
  }
  if (fortran[1] === 'True') {
    throw corrupt(path, 'Fortran-ordered (column-major) arrays are not supported: save with numpy.ascontiguousarray first');
  }
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dims.length === 0) throw corrupt(path, 'a 0-d (scalar) array is not a set of vectors');
  const parsed = dims.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  if (parsed.some((n) => !Number.isSafeInteger(n))) throw corrupt(path, `bad .npy shape (${shape[1]})`);
  return { type: parseDescr(path, descr[1]), shape: parsed };
}

/** Decodes `rows x dim` elements of `type` from `raw` into the returned typed array. */
function decode(path: string, raw: Uint8Array, type: NpyType, length: number, firstIndex: number): MatrixData {
  const out = allocate(type.dtype, length);
  // Fast path: the bytes already are the output's elements.
  if (type.little && (type.kind === 'f' || (type.kind === 'i' && type.size === 4) || (type.kind === 'u' && type.size === 1))) {
    bytesOf(out).set(raw);
    return out;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = type.little;
  for (let i = 0; i < length; i++) {
    const at = i * type.size;
    let v: number;
    switch (`${type.kind}${type.size}`) {
      case 'f4': v = view.getFloat32(at, le); break;
      case 'f8': v = view.getFloat64(at, le); break;
      case 'i1': v = view.getInt8(at); break;
      case 'u1': v = view.getUint8(at); break;
      case 'i2': v = view.getInt16(at, le); break;
      case 'u2': v = view.getUint16(at, le); break;
      case 'i4': v = view.getInt32(at, le); break;
      case 'u4': v = view.getUint32(at, le); break;
      case 'i8': v = Number(view.getBigInt64(at, le)); break;
      default: v = Number(view.getBigUint64(at, le)); break;
    }
    if (type.dtype === 'int32' && (v > 2147483647 || v < -2147483648)) {
      throw corrupt(path, `element ${firstIndex + i} = ${v} does not fit int32`);
    }
    out[i] = v;
  }
  return out;
}

/** Opens a .npy file: parses and checks the header and that the data is all there. */
export async function openNpy(path: string): Promise<MatrixReader> {
  const size = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const pre = new Uint8Array(12);
    if (size < 10) throw corrupt(path, `truncated: ${size} bytes, shorter than a .npy preamble`);
    await readExactly(handle, path, pre.subarray(0, Math.min(12, size)), 0, 'the .npy preamble');
    if (!MAGIC.every((b, i) => pre[i] === b)) throw corrupt(path, 'bad magic: not a .npy file (expected "\\x93NUMPY")');
    const major = pre[6];
    if (major < 1 || major > 3) throw corrupt(path, `unsupported .npy version ${major}.${pre[7]}`);
    const view = new DataView(pre.buffer);
    const lengthBytes = major === 1 ? 2 : 4;
    if (size < 8 + lengthBytes) throw corrupt(path, `truncated: ${size} bytes, shorter than a .npy preamble`);
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    if (headerLength > MAX_HEADER_BYTES) throw corrupt(path, `bad header length ${headerLength}`);
    const headerStart = 8 + lengthBytes;
    const headerBytes = new Uint8Array(headerLength);
    await readExactly(handle, path, headerBytes, headerStart, 'the .npy header');
    const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
    const { type, shape } = parseHeader(path, text);
    const count = shape[0];
    const dim = shape.slice(1).reduce((a, b) => a * b, 1);
    const dataStart = headerStart + headerLength;
    const expected = count * dim * type.size;
    if (size - dataStart !== expected) {
      throw corrupt(path,
        `${size - dataStart < expected ? 'truncated' : 'trailing bytes'}: shape (${shape.join(', ')}) of ${type.size}-byte elements needs ${expected} data bytes, the file has ${size - dataStart}`);
    }
    const rowBytes = dim * type.size;
    return {
      path, format: 'npy', dtype: type.dtype, count, dim,
      async read(first: number, rows: number): Promise<MatrixData> {
        const raw = new Uint8Array(rows * rowBytes);
        await readExactly(handle, path, raw, dataStart + first * rowBytes, `rows ${first}..${first + rows - 1}`);
        return decode(path, raw, type, rows * dim, first * dim);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The header (preamble, dict, padding, newline) of a version 1.0 file, `total` bytes long. */
function encodeHeader(dtype: DType, count: number, dim: number, total: number): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${count}, ${dim}), }`;
  const padded = dict.padEnd(total - 10 - 1, ' ') + '\n';
  if (padded.length !== total - 10) throw new SmallworldRangeError('INVALID_ARGUMENT', `.npy header does not fit ${total} bytes`);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(padded), 10);
  return out;
}

/** Creates a .npy (version 1.0, C order, little-endian); the shape is filled in at close. */
export async function createNpyWriter(path: string, dim: number, dtype: DType): Promise<MatrixWriter> {
  const file = await openFileAtomic(path);
  await file.write(encodeHeader(dtype, 0, dim, WRITER_HEADER_BYTES));
  let count = 0;
  return {
    path, format: 'npy', dtype, dim,
    get count() { return count; },
    async write(data: MatrixData): Promise<void> {
      await file.write(bytesOf(convertData(path, data, dtype)));
      count += data.length / dim;
    },
    async close(): Promise<void> {
      await file.writeAt(encodeHeader(dtype, count, dim, WRITER_HEADER_BYTES), 0);
      await file.commit();
    },
    abort: () => file.abort(),
  };
}
