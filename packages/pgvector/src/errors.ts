// Typed errors of the pgvector bridge: what the database holds does not fit
// the request. Argument errors use the engine's SmallworldTypeError/RangeError.
// On the engine's error base, so `instanceof SmallworldError` holds for them too.

import { SmallworldError } from '@smallworld/hnsw';

/** Stable codes of `PgvectorError`. */
export type PgvectorErrorCode =
  /** The database has no `vector` extension (and it could not be created). */
  | 'NO_VECTOR_EXTENSION'
  /** The table (or its id/vector column) does not exist. */
  | 'NO_TABLE'
  /** The export's target table exists and `replace` was not asked for. */
  | 'TABLE_EXISTS'
  /** The table's HNSW operator class is for another space than the index's (or the caller's `space`). */
  | 'SPACE_MISMATCH'
  /** The table cannot be read as labels and vectors (NULL vector, label not a non-negative integer, no HNSW index to compare). */
  | 'UNSUPPORTED_TABLE'
  /** The export failed part way: its transaction was rolled back, nothing is left behind. */
  | 'EXPORT_FAILED';

/** What the database holds does not fit the request; `code` says how. */
export class PgvectorError extends SmallworldError<PgvectorErrorCode> {
  constructor(code: PgvectorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PgvectorError';
  }
}
