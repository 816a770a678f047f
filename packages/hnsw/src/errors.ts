// Typed errors the caller can handle: each carries a stable `code` and names
// the argument and the value received. Made here and nowhere else.

/**
 * Stable machine-readable codes of the engine's errors. Other packages add
 * their own on the same classes (`SmallworldError<TheirCode>`): the face
 * package's live in `@smallworld/face`.
 */
export type ErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE_VALUE'
  | 'VALUE_TOO_LARGE'
  | 'INVALID_LABEL'
  | 'DUPLICATE_LABEL'
  | 'UNKNOWN_LABEL'
  | 'CORRUPT_FILE'
  | 'UNSUPPORTED'
  // An index too large for one in-memory buffer (toBytes): save it to a file instead.
  | 'TOO_LARGE'
  // Worker threads (parallel build and search):
  | 'WORKER_FAILED'
  | 'INDEX_BUSY'
  | 'NOT_READY';

/**
 * Marks every smallworld error, whichever built-in class it extends, so that
 * `instanceof SmallworldError` recognises the whole family. A registered
 * symbol: two copies of the package (an ESM and a CJS build, two versions)
 * recognise each other's errors.
 */
const BRAND = Symbol.for('smallworld.error');

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

/**
 * The base of every error smallworld throws: `error instanceof
 * SmallworldError` is true for all of them, including `SmallworldTypeError`
 * and `SmallworldRangeError` (which extend the built-in `TypeError` and
 * `RangeError`, so `instanceof TypeError`/`RangeError` holds for them too),
 * `DimensionMismatchError`, `CorruptFileError` and other packages' errors
 * built on these classes. `code` tells them apart.
 *
 * Thrown as itself for an operation that cannot run now: a worker thread died
 * during a parallel call ('WORKER_FAILED', the worker's error in `cause`),
 * the index is busy with a parallel call that must be awaited first
 * ('INDEX_BUSY'), or not built yet ('NOT_READY').
 *
 * `C` is the type of the codes: the engine's `ErrorCode` unless a package
 * passes its own (`new SmallworldError<FaceErrorCode>(...)`).
 */
export class SmallworldError<C extends string = ErrorCode> extends Error {
  /** The rule broken or the failure, for programs to branch on (the message is for people). */
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmallworldError';
    this.code = code;
  }

  /** True for every smallworld error (any class of the family); subclasses test their own prototype chain. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SmallworldError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** A value of the wrong type: `code` says which rule it broke. Also `instanceof SmallworldError`. */
export class SmallworldTypeError<C extends string = ErrorCode> extends TypeError {
  /** The rule the value broke, for programs to branch on (the message is for people). */
  readonly code: C;
  constructor(code: C, message: string) {
    super(message);
    this.name = 'SmallworldTypeError';
    this.code = code;
  }
}

/** A value of the right type but out of range: `code` says which rule it broke. Also `instanceof SmallworldError`. */
export class SmallworldRangeError<C extends string = ErrorCode> extends RangeError {
  /** The rule the value broke, for programs to branch on (the message is for people). */
  readonly code: C;
  constructor(code: C, message: string) {
    super(message);
    this.name = 'SmallworldRangeError';
    this.code = code;
  }
}

for (const family of [SmallworldError, SmallworldTypeError, SmallworldRangeError]) {
  Object.defineProperty(family.prototype, BRAND, { value: true });
}

/** A vector whose length is not the index's dimension. */
export class DimensionMismatchError extends SmallworldRangeError<'DIMENSION_MISMATCH'> {
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
 * Makes `error` a member of the smallworld family without changing its
 * class: afterwards `error instanceof SmallworldError` is true and
 * `error.code` is `code`, while its constructor, name and message stay as
 * they were (`code` is not enumerable). For packages that must throw a built-in class word for word
 * (the hnswlib-node drop-in reproduces the native addon's plain `Error` and
 * `TypeError`); everything else extends the classes above. Returns `error`.
 */
export function brandError<E extends Error, C extends string>(
  error: E, code: C,
): E & {
  /** The code given: the rule broken or the failure, for programs to branch on. */
  readonly code: C;
} {
  Object.defineProperty(error, BRAND, { value: true });
  // Not enumerable: the error keeps the shape of the built-in one (printing, deep equality).
  Object.defineProperty(error, 'code', { value: code });
  return error as E & { readonly code: C };
}

/** A file or byte buffer that is corrupt, truncated, hostile or of an unknown version. */
export class CorruptFileError extends SmallworldError<'CORRUPT_FILE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_FILE', message, options);
    this.name = 'CorruptFileError';
  }
}

/**
 * Runs `decode` over the bytes of the file at `path`: a `CorruptFileError`
 * it throws is thrown again with the path at the start of its message (the
 * original in `cause`), so a load error names the file.
 */
export function decodingFile<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CorruptFileError) throw new CorruptFileError(`${path}: ${error.message}`, { cause: error });
    throw error;
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
