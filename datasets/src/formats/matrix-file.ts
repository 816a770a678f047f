// The interfaces every file format implements: a reader that serves row
// ranges on demand (so large files are read in chunks) and a writer that
// appends row chunks (so large sets are written without being held whole).

import type { DType, MatrixData } from '../vectors.js';

/** The file formats, named after their usual extensions. */
export type FormatName = 'fvecs' | 'ivecs' | 'bvecs' | 'npy' | 'raw' | 'hdf5' | 'idx';

/** An open matrix file: its shape, and row ranges on demand. */
export interface MatrixReader {
  /** The file being read. */
  readonly path: string;
  /** Its format, from the extension. */
  readonly format: FormatName;
  /** Element type of the values returned by `read` (what the file holds, widened where needed). */
  readonly dtype: DType;
  /** Rows in the file. */
  readonly count: number;
  /** Values per row. */
  readonly dim: number;
  /**
   * Rows [first, first + rows) as a new typed array of `rows x dim` values.
   * Throws a CorruptFileError naming the file when the bytes are not what
   * the header promised.
   */
  read(first: number, rows: number): Promise<MatrixData>;
  /** Releases the file handle; the reader is unusable afterwards. */
  close(): Promise<void>;
}

/** An open matrix file being written: rows are appended chunk by chunk. */
export interface MatrixWriter {
  /** The file being written (it appears there at `close`). */
  readonly path: string;
  /** Its format, from the extension. */
  readonly format: FormatName;
  /** Element type stored in the file. */
  readonly dtype: DType;
  /** Values per row. */
  readonly dim: number;
  /** Rows written so far. */
  readonly count: number;
  /** Appends whole rows (`data.length` must be a multiple of `dim`), converted to `dtype`. */
  write(data: MatrixData): Promise<void>;
  /** Finishes the file (headers, sidecar) and moves it into place. */
  close(): Promise<void>;
  /** Drops the partial file. */
  abort(): Promise<void>;
}

/** Options of a writer. */
export interface WriterOptions {
  /** Element type to store (default: the format's own, else float32). */
  dtype?: DType;
  /** Vector dimension. Required. */
  dim: number;
  /** HDF5 only: dataset name (default 'train'). */
  dataset?: string;
  /** Extra fields recorded in a raw file's JSON sidecar, or as an HDF5 file's root attributes (e.g. the generator's parameters). */
  metadata?: Record<string, unknown>;
}
