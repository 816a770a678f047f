// The API edge: turns the accepted vector shapes (flat Float32Array, number[][],
// ndarray) into flat Float32Arrays and checks dimension and values (finite,
// within MAX_ABS_VALUE) before anything is written.

import { DimensionMismatchError, SmallworldRangeError, SmallworldTypeError, describeValue } from './errors.js';
import { MAX_ABS_VALUE } from './limits.js';

/** The structural type of an ndarray (scijs/ndarray) of shape [n, dim] or [dim]. */
export interface NdArrayLike {
  /** Size of each axis: [dim] for a vector, [rows, dim] for a matrix. */
  shape: readonly number[];
  /** Step in `data` between neighbours along each axis (any order, as ndarray views). */
  stride: readonly number[];
  /** Index in `data` of element [0, 0]. */
  offset: number;
  /** The values, read through shape, stride and offset. */
  data: ArrayLike<number>;
}

/** One vector: a typed array or array of `dim` numbers, or a 1-D ndarray. */
export type VectorLike = Float32Array | Float64Array | ArrayLike<number> | NdArrayLike;

/**
 * Several vectors: a flat Float32Array/Float64Array of n x dim values, an
 * array of vectors, or an ndarray of shape [n, dim].
 */
export type MatrixLike = Float32Array | Float64Array | ArrayLike<ArrayLike<number>> | NdArrayLike;

function isNdArray(value: unknown): value is NdArrayLike {
  return typeof value === 'object' && value !== null && Array.isArray((value as NdArrayLike).shape) &&
    Array.isArray((value as NdArrayLike).stride) && (value as NdArrayLike).data !== undefined;
}

/**
 * Throws unless every value is finite and within +-MAX_ABS_VALUE (beyond it
 * a distance can overflow float32). One comparison pair per value: NaN
 * fails both, so the common case costs what the finiteness check did.
 */
function checkValues(argument: string, data: Float32Array, dim: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= -MAX_ABS_VALUE && v <= MAX_ABS_VALUE)) {
      const where = data.length > dim ? `row ${Math.floor(i / dim)}, component ${i % dim}` : `component ${i}`;
      if (v - v !== 0) throw new SmallworldRangeError('NON_FINITE_VALUE', `\`${argument}\` ${where} must be finite (got ${v})`);
      throw new SmallworldRangeError('VALUE_TOO_LARGE',
        `\`${argument}\` ${where} must be within +-${MAX_ABS_VALUE} (2^54), beyond which distances overflow float32 (got ${v})`);
    }
  }
}

function ndToFlat(argument: string, nd: NdArrayLike, dim: number, rank: 1 | 2): Float32Array {
  const shape = nd.shape;
  if (rank === 1 ? shape.length !== 1 : shape.length !== 2) {
    throw new SmallworldRangeError('DIMENSION_MISMATCH',
      `\`${argument}\` must be an ndarray of shape [${rank === 1 ? 'dim' : 'n, dim'}] (got shape [${shape.join(', ')}])`);
  }
  const cols = shape[shape.length - 1];
  if (cols !== dim) throw new DimensionMismatchError(argument, dim, cols);
  const rows = rank === 1 ? 1 : shape[0];
  const rowStride = rank === 1 ? 0 : nd.stride[0];
  const colStride = nd.stride[shape.length - 1];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = nd.offset + r * rowStride;
    for (let c = 0; c < cols; c++) out[r * cols + c] = nd.data[base + c * colStride];
  }
  return out;
}

/**
 * Returns `input` as one vector of `dim` floats, checked. A Float32Array of
 * the right length is returned as is (not copied).
 */
export function toVector(argument: string, input: VectorLike, dim: number): Float32Array {
  let out: Float32Array;
  if (input instanceof Float32Array) out = input;
  else if (isNdArray(input)) out = ndToFlat(argument, input, dim, 1);
  else if (ArrayBuffer.isView(input) || Array.isArray(input)) out = Float32Array.from(input as ArrayLike<number>);
  else throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}\` must be a Float32Array, an array of numbers or an ndarray (got ${describeValue(input)})`);
  if (out.length !== dim) throw new DimensionMismatchError(argument, dim, out.length);
  checkValues(argument, out, dim);
  return out;
}

/**
 * Returns `input` as n x dim floats, row-major, checked. A flat Float32Array
 * is returned as is (not copied).
 */
export function toMatrix(argument: string, input: MatrixLike, dim: number): { data: Float32Array; rows: number } {
  let data: Float32Array;
  if (isNdArray(input)) {
    data = ndToFlat(argument, input, dim, 2);
  } else if (input instanceof Float32Array || input instanceof Float64Array) {
    if (input.length % dim !== 0) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH',
        `\`${argument}\` length must be a multiple of dim ${dim} (got ${input.length})`);
    }
    data = input instanceof Float32Array ? input : Float32Array.from(input);
  } else if (Array.isArray(input)) {
    data = new Float32Array(input.length * dim);
    for (let r = 0; r < input.length; r++) {
      const row = input[r] as ArrayLike<number>;
      if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
        throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}[${r}]\` must be an array of numbers (got ${describeValue(row)})`);
      }
      if (row.length !== dim) throw new DimensionMismatchError(`${argument}[${r}]`, dim, row.length);
      for (let c = 0; c < dim; c++) {
        const v = row[c];
        if (typeof v !== 'number') {
          throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}[${r}][${c}]\` must be a number (got ${describeValue(v)})`);
        }
        data[r * dim + c] = v;
      }
    }
  } else {
    throw new SmallworldTypeError('INVALID_ARGUMENT',
      `\`${argument}\` must be a flat Float32Array, an array of vectors or an ndarray of shape [n, dim] (got ${describeValue(input)})`);
  }
  checkValues(argument, data, dim);
  return { data, rows: data.length / dim };
}
