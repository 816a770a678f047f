// Option and argument checks of the face package: TypeError for a wrong type,
// RangeError out of range, each message naming the option and the value received.

import { SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';

/** Shows a received value in an error message, short and unambiguous. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'function') return 'a function';
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

/** Throws for an options value that is not a plain object, or has a key not in `known` (catches typos). */
export function checkOptions(what: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SmallworldTypeError('INVALID_OPTION', `${what} options must be an object (got ${describeValue(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SmallworldTypeError('INVALID_OPTION', `unknown ${what} option \`${key}\` (known: ${known.join(', ')})`);
    }
  }
}

/** Throws unless `value` is an integer >= `min`. */
export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be an integer >= ${min} (got ${describeValue(value)})`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`${name}\` must be an integer >= ${min} (got ${value})`);
  }
  return value;
}

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
