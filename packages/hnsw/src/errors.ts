// Typed errors the caller can handle: each carries a stable `code` and names
// the argument and the value received. Made here and nowhere else.

/** Stable machine-readable codes of smallworld's errors. */
export type ErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE_VALUE'
  | 'INVALID_LABEL'
  | 'DUPLICATE_LABEL'
  | 'UNKNOWN_LABEL'
  | 'CAPACITY_EXCEEDED'
  | 'CORRUPT_FILE'
  | 'UNSUPPORTED'
  // Worker threads (parallel build and search):
  | 'WORKER_FAILED'
  | 'INDEX_BUSY'
  | 'NOT_READY'
  // Face package (@smallworld/face):
  | 'UNREADABLE_IMAGE'
  | 'NO_FACE'
  | 'INCOMPATIBLE_EMBEDDER';

/** Shows a received value in an error message, short and unambiguous (`"abc"`, `a Float32Array of length 3`). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength}`;
  if (typeof value === 'function') return 'a function';
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

/** A value of the wrong type: `code` says which rule it broke. */
export class SmallworldTypeError extends TypeError {
  /** The rule the value broke, for programs to branch on (the message is for people). */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SmallworldTypeError';
    this.code = code;
  }
}

/** A value of the right type but out of range: `code` says which rule it broke. */
export class SmallworldRangeError extends RangeError {
  /** The rule the value broke, for programs to branch on (the message is for people). */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SmallworldRangeError';
    this.code = code;
  }
}

/** A vector whose length is not the index's dimension. */
export class DimensionMismatchError extends SmallworldRangeError {
  /** The index's dimension. */
  readonly expected: number;
  /** The length of the vector passed. */
  readonly received: number;
  constructor(argument: string, expected: number, received: number) {
    super('DIMENSION_MISMATCH', `\`${argument}\` must have dimension ${expected} (got ${received})`);
    this.name = 'DimensionMismatchError';
    this.expected = expected;
    this.received = received;
  }
}

/**
 * An operation that cannot run now: a worker thread died during a parallel
 * call ('WORKER_FAILED', the worker's error in `cause`), or the index is
 * busy with a parallel call that must be awaited first ('INDEX_BUSY'), or
 * not built yet ('NOT_READY').
 */
export class SmallworldError extends Error {
  /** 'WORKER_FAILED', 'INDEX_BUSY' or 'NOT_READY'. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmallworldError';
    this.code = code;
  }
}

/** A file or byte buffer that is corrupt, truncated, hostile or of an unknown version. */
export class CorruptFileError extends Error {
  /** Always 'CORRUPT_FILE'. */
  readonly code: ErrorCode = 'CORRUPT_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'CorruptFileError';
  }
}

/**
 * Throws `TypeError` (not a number) or `RangeError` (not an integer in
 * [min, max]) naming the option and the value; returns the value.
 */
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

/**
 * Throws `TypeError` for options that are not a plain object, or that have a
 * key not in `known` (catches typos such as `efconstruction`). Shared by
 * every smallworld package so their messages read alike.
 */
export function checkKnownKeys(what: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SmallworldTypeError('INVALID_OPTION', `${what} options must be an object (got ${describeValue(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SmallworldTypeError('INVALID_OPTION', `unknown ${what} option \`${key}\` (known: ${known.join(', ')})`);
    }
  }
}

/** Throws unless `label` is a non-negative safe integer. */
export function checkLabel(argument: string, label: unknown): number {
  if (typeof label !== 'number') {
    throw new SmallworldTypeError('INVALID_LABEL', `\`${argument}\` must be a non-negative integer (got ${describeValue(label)})`);
  }
  if (!Number.isSafeInteger(label) || label < 0) {
    throw new SmallworldRangeError('INVALID_LABEL', `\`${argument}\` must be a non-negative safe integer (got ${label})`);
  }
  return label;
}
