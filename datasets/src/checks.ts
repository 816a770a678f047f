// Option checks and error helpers of the datasets package, on top of the
// engine's error classes: TypeError for a wrong type, RangeError out of range,
// CorruptFileError naming the file and what is wrong with it.

import { CorruptFileError, SmallworldRangeError, SmallworldTypeError, describeValue } from '@smallworld/hnsw';

// The engine's helpers, so every package words its errors alike.
export { checkInteger, checkKnownKeys, describeValue } from '@smallworld/hnsw';

/** Throws unless `value` is a finite number (> 0 when `positive`); returns it. */
export function checkNumber(name: string, value: unknown, positive = false): number {
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be a ${positive ? 'positive' : 'finite'} number (got ${describeValue(value)})`);
  }
  if (!Number.isFinite(value) || (positive && value <= 0)) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be a ${positive ? 'positive' : 'finite'} number (got ${value})`);
  }
  return value;
}

/** Throws unless `value` is one of `choices`; returns it. */
export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be one of ${choices.join(', ')} (got ${describeValue(value)})`);
  }
  if (!choices.includes(value as T)) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be one of ${choices.join(', ')} (got ${describeValue(value)})`);
  }
  return value as T;
}

/** A CorruptFileError whose message starts with the file's path. */
export function corrupt(file: string, what: string): CorruptFileError {
  return new CorruptFileError(`${file}: ${what}`);
}
