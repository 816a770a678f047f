// The in-memory shapes of a data set: a flat row-major typed array with its
// row count and dimension, and the conversions from and to what callers hold
// (Float32Array, number[][], ndarray).

import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';
import { DimensionMismatchError, SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';
import { describeValue } from './checks.js';

/** Element types the readers and writers know. */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8';

/** The typed array of each `DType`. */
export interface DTypeArrays {
  /** 32-bit floats: what the indexes take. */
  float32: Float32Array;
  /** 64-bit floats (.npy files of float64). */
  float64: Float64Array;
  /** 32-bit integers (.ivecs: neighbour ids). */
  int32: Int32Array;
  /** Bytes (.bvecs, MNIST pixels). */
  uint8: Uint8Array;
}

/** Any of the typed arrays a `Matrix` may hold. */
export type MatrixData = DTypeArrays[DType];

/** `count` rows of `dim` values, row-major, of any known element type. */
export interface Matrix<D extends DType = DType> {
  /** Element type of `data`. */
  dtype: D;
  /** `count x dim` values, row-major. */
  data: DTypeArrays[D];
  /** Number of rows. */
  count: number;
  /** Values per row. */
  dim: number;
}

/** `count` float vectors of `dim` components, row-major: what indexes and benchmarks consume. */
export type VectorSet = Matrix<'float32'>;

/** The structural type of an ndarray (scijs/ndarray) of shape [n, dim]. */
export interface NdArrayLike {
  /** Size of each axis: [count, dim]. */
  shape: readonly number[];
  /** Step in `data` between neighbours along each axis. */
  stride: readonly number[];
  /** Index in `data` of element [0, 0]. */
  offset: number;
  /** The values, read through shape, stride and offset. */
  data: ArrayLike<number>;
}

/** What the API accepts as vectors: a VectorSet, an ndarray [n, dim], an array of rows, or a flat array with `dim`. */
export type VectorsInput = VectorSet | Matrix | NdArrayLike | ArrayLike<ArrayLike<number>> | Float32Array | Float64Array;

/** Every DType, for validation. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8'];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

/** Allocates `length` elements of `dtype` (over a SharedArrayBuffer when `shared`). */
export function allocate<D extends DType>(dtype: D, length: number, shared = false): DTypeArrays[D] {
  const bytes = length * DTYPE_BYTES[dtype];
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  switch (dtype) {
    case 'float32': return new Float32Array(buffer) as DTypeArrays[D];
    case 'float64': return new Float64Array(buffer) as DTypeArrays[D];
    case 'int32': return new Int32Array(buffer) as DTypeArrays[D];
    default: return new Uint8Array(buffer) as DTypeArrays[D];
  }
}

/** The dtype of a typed array, or null for any other value. */
export function dtypeOf(data: unknown): DType | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return null;
}

function isNdArray(value: unknown): value is NdArrayLike {
  return typeof value === 'object' && value !== null && Array.isArray((value as NdArrayLike).shape) &&
    Array.isArray((value as NdArrayLike).stride) && (value as NdArrayLike).data !== undefined;
}

function isMatrix(value: unknown): value is Matrix {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) &&
    typeof (value as Matrix).dim === 'number' && typeof (value as Matrix).count === 'number' &&
    dtypeOf((value as Matrix).data) !== null;
}

/**
 * Returns `input` as float32 vectors. A VectorSet or a flat Float32Array is
 * used as is (not copied); anything else is copied once. `dim` is needed only
 * for a flat array (and, when given, is checked against the others).
 */
export function toVectorSet(argument: string, input: VectorsInput, dim?: number): VectorSet {
  if (isMatrix(input)) {
    if (dim !== undefined && input.dim !== dim) throw new DimensionMismatchError(argument, dim, input.dim);
    if (input.data.length !== input.count * input.dim) {
      throw new SmallworldRangeError('INVALID_ARGUMENT',
        `\`${argument}\` holds ${input.data.length} values, not count x dim = ${input.count} x ${input.dim}`);
    }
    const data = input.data instanceof Float32Array ? input.data : Float32Array.from(input.data);
    return { dtype: 'float32', data, count: input.count, dim: input.dim };
  }
  if (isNdArray(input)) {
    const { shape, stride, offset } = input;
    if (shape.length !== 2) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH', `\`${argument}\` must be an ndarray of shape [n, dim] (got shape [${shape.join(', ')}])`);
    }
    const [rows, cols] = shape;
    if (dim !== undefined && cols !== dim) throw new DimensionMismatchError(argument, dim, cols);
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) data[r * cols + c] = input.data[offset + r * stride[0] + c * stride[1]];
    }
    return { dtype: 'float32', data, count: rows, dim: cols };
  }
  if (input instanceof Float32Array || input instanceof Float64Array) {
    if (dim === undefined) {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}\` is a flat ${input.constructor.name}: pass its \`dim\` too`);
    }
    if (input.length % dim !== 0) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH', `\`${argument}\` length must be a multiple of dim ${dim} (got ${input.length})`);
    }
    const data = input instanceof Float32Array ? input : Float32Array.from(input);
    return { dtype: 'float32', data, count: input.length / dim, dim };
  }
  if (Array.isArray(input)) {
    const cols = dim ?? (input.length > 0 ? (input[0] as ArrayLike<number>)?.length : 0);
    if (typeof cols !== 'number') {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}[0]\` must be an array of numbers (got ${describeValue(input[0])})`);
    }
    const data = new Float32Array(input.length * cols);
    for (let r = 0; r < input.length; r++) {
      const row = input[r] as ArrayLike<number>;
      if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
        throw new SmallworldTypeError('INVALID_ARGUMENT', `\`${argument}[${r}]\` must be an array of numbers (got ${describeValue(row)})`);
      }
      if (row.length !== cols) throw new DimensionMismatchError(`${argument}[${r}]`, cols, row.length);
      for (let c = 0; c < cols; c++) data[r * cols + c] = row[c];
    }
    return { dtype: 'float32', data, count: input.length, dim: cols };
  }
  throw new SmallworldTypeError('INVALID_ARGUMENT',
    `\`${argument}\` must be a VectorSet, an ndarray of shape [n, dim], an array of vectors or a flat Float32Array (got ${describeValue(input)})`);
}

/** A view of `matrix` as an ndarray of shape [count, dim] (no copy). */
export function toNdArray<D extends DType>(matrix: Matrix<D>): NdArray<DTypeArrays[D]> {
  return ndarray(matrix.data, [matrix.count, matrix.dim]);
}

/** Row `i` of `matrix` as a subarray view (no copy). */
export function row<D extends DType>(matrix: Matrix<D>, i: number): DTypeArrays[D] {
  return matrix.data.subarray(i * matrix.dim, (i + 1) * matrix.dim) as DTypeArrays[D];
}
