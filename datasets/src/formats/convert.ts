// Element-type conversions between what a file holds and what the caller
// asked for, with range checks where a narrowing could change a value.

import { SmallworldRangeError } from '@smallworld/hnsw';
import { allocate, dtypeOf, type DType, type DTypeArrays, type MatrixData } from '../vectors.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Returns `data` as `dtype`: the same array when it already is, else a copy.
 * Narrowing to int32 or uint8 requires integers in range (a RangeError names
 * `what` and the first offending value); float64 to float32 rounds.
 */
export function convertData<D extends DType>(what: string, data: MatrixData, dtype: D): DTypeArrays[D] {
  if (dtypeOf(data) === dtype) return data as DTypeArrays[D];
  const out = allocate(dtype, data.length);
  if (dtype === 'int32' || dtype === 'uint8') {
    const lo = dtype === 'int32' ? INT32_MIN : 0;
    const hi = dtype === 'int32' ? INT32_MAX : 255;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new SmallworldRangeError('INVALID_ARGUMENT',
          `${what}: value ${v} at index ${i} does not fit ${dtype} (integers in [${lo}, ${hi}])`);
      }
    }
  }
  out.set(data);
  return out;
}

export { LITTLE_ENDIAN } from '@smallworld/hnsw';
