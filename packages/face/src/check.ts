// Option and argument checks of the face package: TypeError for a wrong type,
// RangeError out of range, each message naming the option and the value received.

import { SmallworldRangeError, SmallworldTypeError, describeValue } from '@smallworld/hnsw';

// The engine's helpers, so every package words its errors alike.
export { checkInteger, checkKnownKeys, describeValue } from '@smallworld/hnsw';

/** Throws unless `value` is a number strictly between 0 and 1. */
export function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be a number in (0, 1) (got ${describeValue(value)})`);
  }
  if (!(value > 0 && value < 1)) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be a number in (0, 1) (got ${value})`);
  }
  return value;
}

/** Throws unless `value` is a boolean (or undefined); returns it or `fallback`. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be a boolean (got ${describeValue(value)})`);
  }
  return value;
}

/** Throws unless `value` is a finite number > 0; returns it. */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be a number > 0 (got ${describeValue(value)})`);
  }
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be a finite number > 0 (got ${value})`);
  }
  return value;
}
