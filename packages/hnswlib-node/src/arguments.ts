// hnswlib-node's argument checks and messages, reproduced word for word
// (typos included) so code and tests written against the native addon see
// the same errors. Only the conversions hnswlib-node performs live here.

import { nativeError, nativeTypeError } from './errors.js';

/** hnswlib-node's ordinals for "Invalid the <ordinal> argument type". */
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'] as const;

/** What an argument must be, as hnswlib-node words it. */
type Expected = 'a number' | 'a string' | 'a boolean' | 'a function' | 'an Array' | 'an Object';

/**
 * What hnswlib-node's "void" methods return: N-API's null, not undefined.
 * Typed `void` to keep hnswlib-node's declarations.
 */
export const NOTHING = null as unknown as void;

/** Thrown when the index has not been built or read yet (a plain `Error`, as in hnswlib-node). */
export const NOT_INITIALIZED = 'Search index has not been initialized, call `initIndex` in advance.';

/** Prefix hnswlib-node puts on errors raised inside hnswlib itself. */
export const HNSWLIB_ERROR = 'Hnswlib Error: ';

/** Throws unless exactly `expected` arguments were given. */
export function checkArgCountExact(given: number, expected: number): void {
  if (given !== expected) throw nativeError('ARGUMENT_COUNT', `Expected ${expected} arguments, but got ${given}.`);
}

/** Throws when fewer than `min` arguments were given (hnswlib-node ignores extra ones here). */
export function checkArgCountRange(given: number, min: number, max: number): void {
  if (given < min) throw nativeError('ARGUMENT_COUNT', `Expected ${min}-${max} arguments, but got ${given}.`);
}

/** The TypeError hnswlib-node throws for argument `position` (0-based) of the wrong type. */
export function argumentTypeError(position: number, expected: Expected): TypeError {
  return nativeTypeError('ARGUMENT_TYPE', `Invalid the ${ORDINALS[position]} argument type, must be ${expected}.`);
}

export function checkNumber(value: unknown, position: number): asserts value is number {
  if (typeof value !== 'number') throw argumentTypeError(position, 'a number');
}

export function checkString(value: unknown, position: number): asserts value is string {
  if (typeof value !== 'string') throw argumentTypeError(position, 'a string');
}

export function checkOptionalBoolean(value: unknown, position: number): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw argumentTypeError(position, 'a boolean');
}

export function checkOptionalFunction(value: unknown, position: number): asserts value is ((label: number) => unknown) | undefined {
  if (value !== undefined && typeof value !== 'function') throw argumentTypeError(position, 'a function');
}

/**
 * A point as this package accepts it: hnswlib-node's `number[]`, or a
 * `Float32Array` (hnswlib-node accepts only arrays).
 */
export type PointLike = number[] | Float32Array;

/** Throws hnswlib-node's "must be an Array" TypeError unless `value` is an array or a Float32Array. */
export function checkPoint(value: unknown, position: number): asserts value is PointLike {
  if (!Array.isArray(value) && !(value instanceof Float32Array)) throw argumentTypeError(position, 'an Array');
}

/**
 * The point as float32 components, after hnswlib-node's length check.
 * A Float32Array is returned as is. hnswlib-node aborts the process on a
 * non-number element; this throws a TypeError instead.
 */
export function toFloat32(point: PointLike, dim: number, which = 'given'): Float32Array {
  if (point.length !== dim) {
    throw nativeError('INVALID_ARGUMENT', `Invalid the ${which} array length (expected ${dim}, but got ${point.length}).`);
  }
  if (point instanceof Float32Array) return point;
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const v = point[i];
    if (typeof v !== 'number') {
      throw nativeTypeError('ARGUMENT_TYPE', `Invalid the ${which} array element type at index ${i}, must be a number.`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * hnswlib-node reads every count, label and size with N-API's Uint32Value:
 * the number modulo 2^32 (so -1 becomes 4294967295, 2.7 becomes 2, NaN 0).
 */
export function toUint32(value: number): number {
  return value >>> 0;
}

/**
 * hnswlib-node's type checks of `searchKnn(queryPoint, numNeighbors, filter?)`,
 * shared by both index classes; the index's own checks (initialised, then
 * the query's length and k) follow, in the native addon's order.
 */
export function checkSearchKnnArguments(given: number, queryPoint: unknown, numNeighbors: unknown, filter: unknown): void {
  checkArgCountRange(given, 2, 3);
  checkPoint(queryPoint, 0);
  checkNumber(numNeighbors, 1);
  checkOptionalFunction(filter, 2);
}

/** hnswlib-node's checks of a filename argument (`readIndex`, `writeIndex` and their `Sync` forms). */
export function checkFilenameArgument(given: number, filename: unknown): asserts filename is string {
  checkArgCountExact(given, 1);
  checkString(filename, 0);
}
