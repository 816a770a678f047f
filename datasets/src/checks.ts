// Option checks and error helpers of the datasets package, on top of the
// engine's error classes: TypeError for a wrong type, RangeError out of range,
// CorruptFileError naming the file and what is wrong with it.

import { CorruptFileError, SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';

/** Shows a received value in an error message, short and unambiguous. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

/** Throws unless `value` is an integer in [min, max]; returns it. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be an integer >= ${min} (got ${describeValue(value)})`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be an integer ${range} (got ${value})`);
  }
  return value;
}

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

/** Throws for an options object with a key not in `known` (catches typos). */
export function checkKnownKeys(what: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new SmallworldTypeError('INVALID_OPTION', `${what} options must be an object (got ${describeValue(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SmallworldTypeError('INVALID_OPTION', `unknown ${what} option \`${key}\` (known: ${known.join(', ')})`);
    }
  }
}

/** A CorruptFileError whose message starts with the file's path. */
export function corrupt(file: string, what: string): CorruptFileError {
  return new CorruptFileError(`${file}: ${what}`);
}
